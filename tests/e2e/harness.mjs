// Starts `generator serve` (with the function's handler on a fresh embedded store) and a
// headless Chromium, for the end-to-end tests; and what the tests share: the browser, the
// project's binaries, and an applicant filling in the form.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const repo = resolve(import.meta.dirname, "../..");
export const bin = (name) => process.env[`${name.toUpperCase()}_BIN`] || join(repo, "target/debug", name);

const freePort = () =>
  new Promise((done) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });

/** Serves the site as of `at`; returns { base, store, browser, listed(...flags), stop() }. */
export async function start(at = "2020-12-01T12:00:00+06:00") {
  const work = mkdtempSync(join(tmpdir(), "mektep-e2e-"));
  const store = join(work, "applications.sqlite");
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(bin("generator"), ["serve", "--port", String(port), "--at", at,
    "--output", join(work, "public"), "--store", store], { cwd: repo, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr.on("data", (chunk) => { log += chunk; });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/ky/`)).ok) break; } catch { /* not yet */ }
    if (i > 150) throw new Error(`generator serve did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const browser = await launchBrowser();
  return {
    base,
    browser,
    /** The store's listing, as the secretariat's command prints it. */
    listed: (...flags) => execFileSync(bin("applications"), ["list", "--store", store, ...flags], { encoding: "utf8" }),
    async stop() {
      await browser.close();
      server.kill();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium (Debian's, or $CHROMIUM) that reaches nothing but what a test opens. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

/**
 * Fills in the whole form as an applicant would: her name, birth date, place and phone, "yes"
 * to having worked with the local self-government (and how), "no" to every other yes/no
 * question, the essay, and every confirmation ticked. The questions are read from the page,
 * which is made from content/form.toml.
 */
export async function fillAll(page, { name, birth, phone = "0700 123456", essay }) {
  await page.fill("#f-full_name", name);
  await page.fill("#f-birth_date", birth);
  await page.fill("#f-residence", "Ак-Талаа айылы, Ак-Талаа айыл өкмөтү");
  await page.fill("#f-phone", phone);
  const questions = await page.$$eval("#application input[type=radio][value=no]", (inputs) => inputs.map((input) => input.name));
  for (const question of questions) {
    await page.check(`input[name=${question}][value=${question === "lsg_experience" ? "yes" : "no"}]`);
  }
  await page.fill("#f-lsg_experience_text", "Айыл өкмөтү менен бирге мектептин чатырын оңдодук.");
  await page.fill("#f-essay", essay);
  for (const box of await page.$$("#application input[type=checkbox]")) await box.check();
}

/** Follows every result link on the search page `page` in a page of its own, as a reader
 * would: each must be a path of `lang`'s site (anchored: `/ky/ky/…`, the base put twice,
 * is not), answer 200, and show the result's title as its heading. Returns how many. */
export async function followEveryResult(page, lang) {
  const results = await page.locator("#search-results h2 a").evaluateAll((links) =>
    links.map((a) => ({ href: a.getAttribute("href"), title: a.textContent })));
  assert.ok(results.length > 0, "results to follow");
  const context = await page.context().browser().newContext();
  const reader = await context.newPage();
  for (const { href, title } of results) {
    assert.match(href, new RegExp(`^/${lang}/(?!(?:ky|ru)/)(?:[^?#]*/)?$`), `${title}: ${href}`);
    const response = await reader.goto(new URL(href, page.url()).href);
    assert.equal(response.status(), 200, `${title}: ${href}`);
    assert.equal((await reader.textContent("h1")).trim(), title.trim(), href);
  }
  await context.close();
  return results.length;
}
