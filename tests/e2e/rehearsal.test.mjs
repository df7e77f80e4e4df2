// Production rehearsed end to end (deploy/rehearse.sh): a real browser applies through the
// front door — the distribution's stand-in before the bucket and the shipped Lambda binary —
// in Kyrgyz with JavaScript and in Russian without, each with an e-mail address; each receipt
// then arrives from moto's SES (sent by the shipped notifier on its schedule) within a
// minute, once, to her, in her language, and the secretariat's digest names both codes and no
// one. The applications are in DynamoDB Local, the secretariat keys in a paper one there
// through its own form, and the commission's sheets, import and ranking work on all three.
// Stopping the rehearsal closes every port it opened. Under the test command
// (MEKTEP_REHEARSAL_PROFILE=test) the Lambda binaries and the generator are the shipped
// ones' sources compiled without whole-program optimisation; run alone, it builds them as
// shipped.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { bin, fillAll, followEveryResult, launchBrowser, repo } from "./harness.mjs";

// Inside the application window; the site is built as of this moment and the function's
// clock starts at it.
const AT = "2020-12-01T12:00:00+06:00";
// The first start builds the two Lambda binaries and the generator: as shipped, or under the
// test command (MEKTEP_REHEARSAL_PROFILE=test) from the test build's crates.
const START_TIMEOUT = 30 * 60 * 1000;

let rehearsal, exited, env, browser, work;
let log = "";
const codes = {};
// When each thank-you page showed her code, and the address she gave.
const appliedAt = {};
const addresses = { ky: "aigul.asanova@example.kg", ru: "nurgul.osmonova@example.kg" };
const names = ["Айгүл", "Асанова", "Нургуль", "Осмонова"];

before(async () => {
  work = mkdtempSync(join(tmpdir(), "mektep-rehearsal-test-"));
  // A process group of its own, as a terminal gives a command: Ctrl-C is then a SIGINT to the
  // whole group (see the last test).
  rehearsal = spawn("bash", ["deploy/rehearse.sh", "--at", AT], { cwd: repo, stdio: ["ignore", "pipe", "pipe"], detached: true });
  exited = new Promise((done) => rehearsal.on("exit", (code, signal) => done({ code, signal })));
  rehearsal.stderr.on("data", (chunk) => { log += chunk; });
  env = {};
  const lines = createInterface({ input: rehearsal.stdout });
  await new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`no READY within ${START_TIMEOUT / 60000} minutes:\n${log}`)), START_TIMEOUT);
    lines.on("line", (line) => {
      const pair = line.match(/^([A-Z0-9_]+)=(.*)$/);
      if (pair) env[pair[1]] = pair[2];
      if (line === "READY") { clearTimeout(timer); ready(); }
    });
    exited.then(({ code }) => { clearTimeout(timer); fail(new Error(`deploy/rehearse.sh exited with ${code} before READY:\n${log}`)); });
  });
  browser = await launchBrowser();
}, { timeout: START_TIMEOUT + 60000 });

after(async () => {
  await browser?.close();
  if (rehearsal && rehearsal.exitCode === null && rehearsal.signalCode === null) {
    rehearsal.kill("SIGTERM");
    await exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A command of the secretariat's or the commission's, pointed at the rehearsal. */
const run = (name, args) =>
  execFileSync(bin(name), args, { cwd: repo, encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });

test("the rehearsal names everything a tool needs to reach it", () => {
  for (const key of ["FRONT_DOOR", "AWS_ENDPOINT_URL_S3", "SITE_BUCKET", "DYNAMODB_ENDPOINT", "APPLICATIONS_TABLE",
    "APPLICANTS_TABLE", "AWS_ENDPOINT_URL_SES", "MAIL_FROM", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
    assert.ok(env[key], `${key} is printed`);
  }
  assert.match(env.FRONT_DOOR, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(log, /up in \d+ ms/);
});

test("search through the front door: every result opens its page, in both languages", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  for (const [lang, path, query] of [["ky", "/ky/izdoo/", "депутат"], ["ru", "/ru/poisk/", "депутат"]]) {
    await page.goto(`${env.FRONT_DOOR}${path}?q=${encodeURIComponent(query)}`);
    await page.waitForSelector("#search-results li");
    const followed = await followEveryResult(page, lang);
    assert.ok(followed > 1, `${lang}: ${followed} results`);
  }
  await context.close();
});

test("in Kyrgyz with JavaScript, through the front door: the page, the post and the thank-you page", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(`${env.FRONT_DOOR}/ky/otunmo-formasy/`);
  assert.equal(response.status(), 200);
  assert.ok(response.headers()["content-security-policy"], "the response headers policy is on");
  assert.equal(await page.locator("html").getAttribute("lang"), "ky");
  await fillAll(page, { name: "Айгүл Асанова", birth: "1985-04-20", essay: "Айылыбызда таза суу жок. Мен муну чечким келет." });
  await page.fill("#f-email", addresses.ky);
  const [post] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("/api/applications") && r.request().method() === "POST"),
    page.click("#application button[type=submit]"),
  ]);
  assert.equal(post.status(), 201, "the script's post is stored");
  await page.waitForURL(/\/api\/applications\/thanks\?lang=ky&code=/, { timeout: 20000 });
  assert.match(await page.textContent("h1"), /Өтүнмөңүз кабыл алынды/);
  codes.ky = (await page.textContent("#application-code")).trim();
  appliedAt.ky = Date.now();
  assert.match(codes.ky, /^\d{3}-\d{3}-\d{4}$/);
  await context.close();
});

test("in Russian without JavaScript, through the front door: a plain post and a Russian thank-you page", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${env.FRONT_DOOR}/ru/forma-zayavki/`);
  await fillAll(page, { name: "Нургуль Осмонова", birth: "2001-09-30", phone: "+996 555 123456", essay: "В нашем селе нет чистой воды." });
  await page.fill("#f-email", addresses.ru);
  await page.click("#application button[type=submit]");
  await page.waitForURL(/\/api\/applications\/thanks\?lang=ru&code=/);
  assert.match(await page.textContent("h1"), /Ваша заявка принята/);
  codes.ru = (await page.textContent("#application-code")).trim();
  appliedAt.ru = Date.now();
  assert.match(codes.ru, /^\d{3}-\d{3}-\d{4}$/);
  await context.close();
});

test("each receipt arrives from SES within a minute: to her, with her code, in her language, with a text part", async () => {
  assert.ok(codes.ky && codes.ru, "both applications were stored");
  const arrived = {};
  for (;;) {
    const messages = await sentMail();
    for (const lang of ["ky", "ru"]) {
      if (!arrived[lang] && receiptsOf(messages, lang).length > 0) arrived[lang] = Date.now();
    }
    if (arrived.ky && arrived.ru) break;
    const late = ["ky", "ru"].find((lang) => !arrived[lang] && Date.now() - appliedAt[lang] > 60000);
    assert.ok(!late, `no receipt for the ${late} application (${codes[late]}) within 60 s; moto has:\n${describe(messages)}\n${log}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const letters = mailTexts();
  const secretariat = contactEmail();
  for (const lang of ["ky", "ru"]) {
    assert.ok(arrived[lang] - appliedAt[lang] <= 60000, `${lang}: within a minute`);
    const [receipt] = receiptsOf(await sentMail(), lang);
    assert.deepEqual(receipt.to, [addresses[lang]], `${lang}: to her address and no one else's`);
    assert.match(receipt.headers.from ?? "", new RegExp(escape(env.MAIL_FROM)), "from the stack's sender");
    assert.match(receipt.headers["reply-to"] ?? "", new RegExp(escape(secretariat), "i"), "replies go to the secretariat");
    assert.ok(receipt.text, `${lang}: a text/plain part`);
    assert.ok(receipt.html, `${lang}: an HTML part`);
    assert.ok(receipt.text.includes(codes[lang]), `${lang}: her code in the text`);
    assert.ok(receipt.html.includes(codes[lang]), `${lang}: her code in the HTML`);
    const other = lang === "ky" ? "ru" : "ky";
    // Compared with runs of white space as one space: a text part may wrap its lines.
    const flat = (text) => text.replace(/\s+/g, " ");
    assert.ok(flat(receipt.text).includes(flat(letters.receipt_intro[lang])), `${lang}: written in her language:\n${receipt.text}`);
    assert.ok(!flat(receipt.text).includes(flat(letters.receipt_intro[other])), `${lang}: not in the other language`);
    assert.ok(receipt.subject.includes(codes[lang]), `${lang}: the subject names her code: ${receipt.subject}`);
    assert.doesNotMatch(receipt.html, /<img|https?:\/\/[^"'\s]*\?[^"'\s]*\d{3}-\d{3}-\d{4}/i, "no image, no link carrying her code");
  }
});

test("no one gets her receipt twice, and the secretariat's digests name both codes and no one", async () => {
  // Two more runs of the notifier (every 5 s): a receipt sent again would show now.
  await new Promise((r) => setTimeout(r, 12000));
  const messages = await sentMail();
  for (const lang of ["ky", "ru"]) {
    assert.equal(receiptsOf(messages, lang).length, 1, `exactly one receipt for ${codes[lang]}:\n${describe(messages)}`);
    assert.equal(messages.filter((m) => m.to.includes(addresses[lang])).length, 1, `one message to ${addresses[lang]}`);
  }
  const secretariat = contactEmail().toLowerCase();
  const digests = messages.filter((m) => m.to.map((a) => a.toLowerCase()).includes(secretariat));
  assert.ok(digests.length > 0, `a digest reached the secretariat (${secretariat}):\n${describe(messages)}`);
  for (const lang of ["ky", "ru"]) {
    const naming = digests.filter((d) => d.text.includes(codes[lang]));
    assert.equal(naming.length, 1, `${codes[lang]} is in exactly one digest`);
  }
  for (const digest of digests) {
    assert.ok(digest.text && digest.html, "a digest has a text and an HTML part");
    for (const personal of [...names, ...Object.values(addresses), "555 123456"]) {
      assert.ok(!digest.text.includes(personal) && !digest.html.includes(personal), `no ${personal} in a digest`);
    }
    assert.ok(!digest.text.includes("таза суу") && !digest.text.includes("чистой воды"), "no answers in a digest");
  }
});

test("HEAD on the thank-you page is answered as GET is, through the front door", async () => {
  assert.ok(codes.ru, "the Russian application was stored");
  const url = `${env.FRONT_DOOR}/api/applications/thanks?lang=ru&code=${codes.ru}`;
  const get = await fetch(url);
  const head = await fetch(url, { method: "HEAD" });
  assert.equal(get.status, 200);
  assert.equal(head.status, 200, "not the bucket's 404");
  assert.equal(head.headers.get("content-type"), get.headers.get("content-type"));
  assert.equal((await head.arrayBuffer()).byteLength, 0, "no body");
});

test("the API's own address refuses what did not come through the distribution", async () => {
  assert.match(env.API_ENDPOINT, /^http:\/\/127\.0\.0\.1:\d+$/);
  const body = JSON.stringify({ lang: "ru", full_name: "Кто-то" });
  const direct = await fetch(`${env.API_ENDPOINT}/api/applications`, {
    method: "POST", headers: { "content-type": "application/json" }, body,
  });
  assert.equal(direct.status, 403);
  assert.deepEqual(await direct.json(), { error: "forbidden" });
  const wrong = await fetch(`${env.API_ENDPOINT}/api/applications`, {
    method: "POST", headers: { "content-type": "application/json", "x-origin-verify": "guess" }, body,
  });
  assert.equal(wrong.status, 403, "a guessed secret is refused too");
  // The same post through the front door reaches the form's rules.
  const through = await fetch(`${env.FRONT_DOOR}/api/applications`, {
    method: "POST", headers: { "content-type": "application/json" }, body,
  });
  assert.equal(through.status, 422);
});

test("both applications are in DynamoDB Local, names only with --personal", () => {
  const listing = run("applications", ["list", "--dynamodb"]);
  assert.match(listing, /^2 applications/);
  assert.match(listing, new RegExp(`${codes.ky}\\s+aged_28_and_over\\s+ky`));
  assert.match(listing, new RegExp(`${codes.ru}\\s+under_28\\s+ru`));
  assert.doesNotMatch(listing, /Айгүл|Нургуль/);
  assert.match(run("applications", ["list", "--dynamodb", "--personal"]), /full_name=Айгүл Асанова/);
});

test("the secretariat keys in a paper application on DynamoDB Local through its own form", async () => {
  // `applications enter --dynamodb` with the rehearsal's tables: the operator's way of
  // writing to production, never through the public API.
  const server = spawn(bin("applications"), ["enter", "--dynamodb", "--port", "0", "--by", "Айнура Токтосунова"],
    { cwd: repo, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  try {
    let out = "", errors = "";
    server.stderr.on("data", (chunk) => { errors += chunk; });
    const base = await new Promise((done, fail) => {
      server.stdout.on("data", (chunk) => {
        out += chunk;
        const url = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
        if (url) done(url[0]);
      });
      server.on("exit", (code) => fail(new Error(`applications enter exited (${code}):\n${errors}`)));
      setTimeout(() => fail(new Error(`applications enter printed no address in 20 s:\n${out}${errors}`)), 20000);
    });
    const page = await browser.newPage();
    await page.goto(base);
    await page.check("input[name=channel][value=paper]");
    await page.fill("#f-received_at", "2020-12-10T15:30");
    await fillAll(page, { name: "Гүлнара Садыкова", birth: "1984-02-29", essay: "Айылыбызда бала бакча жок." });
    await page.click("#application button[type=submit]");
    codes.paper = (await page.textContent("#application-code")).trim();
    assert.match(codes.paper, /^\d{3}-\d{3}-\d{4}$/);
    await page.close();
  } finally {
    server.kill();
  }
  const line = run("applications", ["list", "--dynamodb"]).split("\n").find((l) => l.startsWith(codes.paper));
  assert.match(line ?? "", /aged_28_and_over\s+ky\s+2020-12-10 15:30\s+paper/, "stored as received, on paper");
});

test("the commission scores them on DynamoDB: sheets, a filled sheet imported, a ranking", () => {
  run("selection", ["--dynamodb", "sheets", "--member", "gamsumo", "--out", work]);
  const sheet = join(work, "gamsumo.csv");
  const rows = parseCsv(readFileSync(sheet, "utf8").replace(/^\uFEFF/, ""));
  const scoreColumns = rows[0].flatMap((cell, index) => (/^C\d+\b/.test(cell) ? [index] : []));
  assert.ok(scoreColumns.length > 0, "the sheet has a score column per criterion");
  const sheetCodes = rows.slice(1).map((row) => row[0]);
  assert.deepEqual([...sheetCodes].sort(), [codes.ky, codes.ru, codes.paper].sort(), "the sheet holds all three, by code");
  assert.doesNotMatch(rows.flat().join("\n"), /Айгүл|Нургуль|Гүлнара|555 123456/, "no personal data on a sheet");
  for (const row of rows.slice(1)) {
    scoreColumns.forEach((column, n) => { row[column] = String(row[0] === codes.ky ? 5 : 3 + (n % 2)); });
  }
  writeFileSync(sheet, "\uFEFF" + writeCsv(rows));
  run("selection", ["--dynamodb", "import", "--member", "gamsumo", sheet]);

  const ranking = run("selection", ["--dynamodb", "rank"]);
  for (const code of [codes.ky, codes.ru, codes.paper]) assert.ok(ranking.includes(code), `${code} ranked:\n${ranking}`);
});

test("Ctrl-C stops the rehearsal quietly with 130, and every port it opened is closed", async () => {
  const ports = ["FRONT_DOOR", "AWS_ENDPOINT_URL_S3", "DYNAMODB_ENDPOINT", "API_ENDPOINT"]
    .filter((key) => env[key])
    .map((key) => [key, Number(new URL(env[key]).port)]);
  for (const [key, port] of ports) assert.equal(await listening(port), true, `${key} (port ${port}) is open while it runs`);
  // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group.
  process.kill(-rehearsal.pid, "SIGINT");
  const started = Date.now();
  const { code, signal } = await exited;
  assert.equal(code, 130, `exit status (signal ${signal}):\n${log}`);
  assert.ok(Date.now() - started < 15000, "stopped within 15 s");
  for (const [key, port] of ports) assert.equal(await listening(port), false, `${key} (port ${port}) is closed once the rehearsal has exited`);
  assert.doesNotMatch(log, /stopped by itself/, "nothing reads like a crash");
  assert.doesNotMatch(log, /No such file/, "no start-up race");
  assert.match(log, /stopped; logs in/);
});

function listening(port) {
  return new Promise((done) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.on("connect", () => { socket.destroy(); done(true); });
    socket.on("error", () => done(false));
  });
}

/** RFC 4180: quoted cells may hold commas, quotes ("") and line breaks. */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(cell); cell = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell); rows.push(row); row = []; cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

function writeCsv(rows) {
  return rows.map((row) => row.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(",")).join("\r\n") + "\r\n";
}

/** Every message moto's SES was given (GET /moto-api/data.json), its raw MIME decoded:
 * { to, headers (lower-case names, values decoded), subject, text, html }. */
async function sentMail() {
  const response = await fetch(`${env.AWS_ENDPOINT_URL_SES}/moto-api/data.json`);
  assert.equal(response.status, 200);
  const ses = (await response.json()).ses ?? {};
  const raw = (ses.RawMessage ?? []).map((m) => ({ destinations: m.destinations, ...parseMime(m.raw_data) }));
  // A simple (not raw) message keeps only its HTML part in moto: the notifier sends raw MIME.
  const simple = (ses.Message ?? []).map((m) => ({ destinations: Object.values(m.destinations ?? {}).flat(),
    headers: {}, subject: m.subject ?? "", text: "", html: m.body ?? "" }));
  return [...raw, ...simple].map((m) => ({ ...m, to: [...new Set(m.destinations)] }));
}

/** The messages to `lang`'s applicant that carry her code: her receipts. */
function receiptsOf(messages, lang) {
  return messages.filter((m) => m.to.includes(addresses[lang]) && (m.text + m.html).includes(codes[lang]));
}

function describe(messages) {
  return messages.map((m) => `  to ${m.to.join(", ")}: ${m.subject}`).join("\n") || "  (nothing)";
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The secretariat's address: content/config.toml's [contact] email, the notices' recipient. */
function contactEmail() {
  const config = readFileSync(join(repo, "content", "config.toml"), "utf8");
  const contact = config.split(/^\[/m).find((table) => table.startsWith("contact]"));
  const email = contact?.match(/^email\s*=\s*"([^"]+)"/m);
  assert.ok(email, "content/config.toml has [contact] email");
  return email[1];
}

/** content/mail.toml's [text] phrases, { key: { ky, ru } }: the words the test looks for. */
function mailTexts() {
  const texts = {};
  for (const [, key, lang, value] of readFileSync(join(repo, "content", "mail.toml"), "utf8")
    .matchAll(/^([a-z_]+)\.(ky|ru)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/gm)) {
    (texts[key] ??= {})[lang] = JSON.parse(`"${value}"`);
  }
  assert.ok(texts.receipt_intro?.ky && texts.receipt_intro?.ru, "content/mail.toml has receipt_intro in both languages");
  return texts;
}

/** A raw MIME message: its headers and its text/plain and text/html parts, decoded. */
function parseMime(raw) {
  const { headers, body } = splitMessage(raw);
  const parts = { text: "", html: "" };
  collectParts(headers, body, parts);
  return { headers, subject: headers.subject ?? "", ...parts };
}

function splitMessage(raw) {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? "" : raw.slice(at).replace(/^\r?\n\r?\n/, "");
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function collectParts(headers, body, parts) {
  const type = (headers["content-type"] ?? "text/plain").toLowerCase();
  if (type.startsWith("multipart/")) {
    const boundary = (headers["content-type"].match(/boundary="?([^";]+)"?/i) ?? [])[1];
    if (!boundary) return;
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith("--")) break;
      const part = splitMessage(chunk.replace(/^\r?\n/, ""));
      collectParts(part.headers, part.body, parts);
    }
    return;
  }
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  let bytes;
  if (encoding === "base64") bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  else if (encoding === "quoted-printable") bytes = quotedPrintable(body);
  else bytes = Buffer.from(body, "utf8");
  const text = bytes.toString("utf8");
  if (type.startsWith("text/plain")) parts.text += text;
  else if (type.startsWith("text/html")) parts.html += text;
}

function quotedPrintable(body) {
  const soft = body.replace(/=\r?\n/g, "");
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], "utf8"));
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (=?utf-8?b?…?= and =?utf-8?q?…?=) in a header's value. */
function decodeWords(value) {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, charset, kind, text) =>
      (kind.toLowerCase() === "b"
        ? Buffer.from(text, "base64")
        : quotedPrintable(text.replace(/_/g, " "))).toString("utf8"));
}
