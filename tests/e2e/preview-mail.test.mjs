// The preview's mail folder in a real headless Chromium: an applicant applies in Russian
// through `generator serve` with an e-mail address; within seconds the receipt she would get
// is a file in the store's mail folder, in Russian, with the code her thanks page showed,
// the terminal says so (code and kind only), and the secretariat's digest names the code
// and not her.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, repo, launchBrowser, fillAll } from "./harness.mjs";

let work, store, folder, server, base, browser, log = "";

const freePort = () =>
  new Promise((done) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });

before(async () => {
  work = mkdtempSync(join(tmpdir(), "mektep-mail-"));
  store = join(work, "applications.sqlite");
  folder = join(work, "applications.mail");
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin("generator"), ["serve", "--port", String(port), "--at", "2020-12-01T12:00:00+06:00",
    "--output", join(work, "public"), "--store", store, "--cache", join(work, "cache")],
  { cwd: repo, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, MEKTEP_DIGEST_INTERVAL: "5s" } });
  server.stderr.on("data", (chunk) => { log += chunk; });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/ky/`)).ok) break; } catch { /* not yet */ }
    if (i > 150) throw new Error(`generator serve did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.kill();
  rmSync(work, { recursive: true, force: true });
});

/** The files of the mail folder whose names match `pattern`, waiting up to `seconds` for one. */
async function waitForFiles(pattern, seconds) {
  for (let waited = 0; ; waited += 200) {
    let names = [];
    try { names = readdirSync(folder).filter((name) => pattern.test(name)); } catch { /* not made yet */ }
    if (names.length > 0) return names;
    if (waited > seconds * 1000) throw new Error(`no file like ${pattern} in ${folder} after ${seconds} s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A header's value with RFC 2047 encoded words (`=?utf-8?b?…?=`, `?q?`) decoded. */
function decodeHeader(value) {
  return value.replace(/\?=\s+=\?/g, "?==?").replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, charset, kind, data) =>
    kind.toLowerCase() === "b"
      ? Buffer.from(data, "base64").toString("utf8")
      : Buffer.from(data.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))), "latin1").toString("utf8"));
}

/** The subject and every text part of an .eml file, decoded as a mail program shows them. */
function readMessage(eml) {
  const [head] = eml.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  const subject = decodeHeader((unfolded.match(/^Subject: (.*)$/m) || [, ""])[1]);
  const to = (unfolded.match(/^To: (.*)$/m) || [, ""])[1];
  const language = (unfolded.match(/^Content-Language: (.*)$/mi) || [, ""])[1];
  const parts = [];
  for (const part of eml.split(/\r?\n--[^\r\n]+\r?\n/)) {
    const [partHead, ...rest] = part.split(/\r?\n\r?\n/);
    if (!/Content-Type: text\/(plain|html)/i.test(partHead)) continue;
    const body = rest.join("\n\n").split(/\r?\n--/)[0];
    if (/Content-Transfer-Encoding: base64/i.test(partHead)) {
      parts.push(Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8"));
    } else if (/Content-Transfer-Encoding: quoted-printable/i.test(partHead)) {
      const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
      parts.push(Buffer.from(bytes, "latin1").toString("utf8"));
    } else {
      parts.push(body);
    }
  }
  return { subject, to, language, text: parts.join("\n") };
}

test("a receipt in her language with the code her thanks page showed, and a digest without her name", async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/ru/forma-zayavki/`);
  assert.equal(await page.locator("html").getAttribute("lang"), "ru");
  await fillAll(page, { name: "Айгуль Почтовая", birth: "1986-05-14", essay: "В нашем селе нет библиотеки. Я хочу её открыть." });
  await page.fill("#f-email", "aigul.pochtovaya@example.kg");
  await page.click("#application button[type=submit]");
  await page.waitForURL(/\/api\/applications\/thanks\?lang=ru&code=/, { timeout: 20000 });
  const code = (await page.textContent("#application-code")).trim();
  assert.match(code, /^\d{3}-\d{3}-\d{4}$/);

  const started = Date.now();
  const [receiptFile] = await waitForFiles(new RegExp(`-receipt-${code}\\.eml$`), 8);
  assert.ok(Date.now() - started < 8000, "within a few seconds");
  const receipt = readMessage(readFileSync(join(folder, receiptFile), "utf8"));
  assert.equal(receipt.subject, `Ваша заявка принята: ${code}`, "in the page's language, with her code");
  assert.match(receipt.to, /aigul\.pochtovaya@example\.kg/);
  assert.match(receipt.text, /Ваша заявка на участие в Школе будущего депутата местного кенеша для женщин принята и сохранена\./);
  assert.ok(receipt.text.includes(code), "the body names her code too");
  assert.ok(log.includes(`mail: receipt for ${code} → ${join(folder, receiptFile)}`), `the terminal says what it wrote:\n${log}`);
  assert.ok(!/mail:.*(Айгуль|aigul)/.test(log), "the terminal names no one");

  const [digestFile] = await waitForFiles(/-digest\.eml$/, 8);
  const raw = readFileSync(join(folder, digestFile), "utf8");
  const digest = readMessage(raw);
  assert.match(digest.subject, /^Новые заявки: 1$/);
  assert.ok(digest.text.includes(code), "the digest names the code");
  for (const secret of ["Айгуль", "Почтовая", "aigul", "библиотеки"]) {
    assert.ok(!digest.text.includes(secret) && !raw.includes(secret), `the digest holds no ${secret}`);
  }
  assert.ok(log.includes(`mail: digest → ${join(folder, digestFile)}`), log);
  await page.close();
});
