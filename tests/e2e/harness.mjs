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

/** Serves the site as of `at`, with `serve`'s further `flags` (e.g. ["--intake-limit", "off"]);
 * returns { base, store, browser, listed(...flags), stop() }. */
export async function start(at = "2020-12-01T12:00:00+06:00", { flags = [] } = {}) {
  const work = mkdtempSync(join(tmpdir(), "mektep-e2e-"));
  const store = join(work, "applications.sqlite");
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(bin("generator"), ["serve", "--port", String(port), "--at", at,
    "--output", join(work, "public"), "--store", store, "--cache", join(work, "cache"), ...flags], { cwd: repo, stdio: ["ignore", "ignore", "pipe"] });
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
      // Its folder goes only once the server is gone: until then the preview may still be
      // writing the store's mail into it (a receipt of the test's last application).
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill();
        const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
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

/** Every response the page's context receives (its workers' too) while `action` runs and
 * until its requests have been quiet for 500 ms, with its size on the wire: headers and body
 * as transferred. The preview's live-reload request, which stays open and is not part of
 * the site, is left out. */
export async function traffic(context, action) {
  const live = (request) => request.url().includes("/_mektep/");
  const sizes = [];
  let pending = 0, last = Date.now();
  const started = (request) => { if (!live(request)) pending++; };
  const ended = (request) => { if (!live(request)) { pending--; last = Date.now(); } };
  const listener = (response) => {
    if (live(response.request())) return;
    sizes.push(response.request().sizes().then(
      (size) => ({ url: response.url(), bytes: size.responseHeadersSize + size.responseBodySize })));
  };
  context.on("request", started);
  context.on("requestfinished", ended);
  context.on("requestfailed", ended);
  context.on("response", listener);
  await action();
  const since = Date.now();
  while (pending > 0 || Date.now() - last < 500) {
    if (Date.now() - since > 30000) throw new Error(`${pending} requests still open after 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const [event, handler] of [["request", started], ["requestfinished", ended], ["requestfailed", ended], ["response", listener]]) {
    context.off(event, handler);
  }
  return Promise.all(sizes);
}

/** `generator serve` on `content` in `work` as of `at`, on a free port, until it answers;
 * with a browser. `stop()` ends both and removes `work`. */
export async function serveContent(work, content, at = "2021-12-01T12:00:00+06:00") {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(bin("generator"), ["serve", "--port", String(port), "--at", at,
    "--content", content, "--output", join(work, "public"), "--store", join(work, "store.sqlite"),
    "--cache", join(work, "cache")],
  { cwd: repo, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr.on("data", (chunk) => { log += chunk; });
  const browser = await launchBrowser();
  const stop = async () => {
    await browser.close();
    server.kill();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${base}/ky/`)).ok) break; } catch { /* not yet */ }
      // A first build that failed leaves the preview showing its errors: no use waiting.
      if (i > 1500 || log.includes("nothing was written")) throw new Error(`generator serve did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, browser, stop };
}
