// Starts `generator serve` (with the function's handler on a fresh embedded store) and a
// headless Chromium, for the end-to-end tests.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

export const repo = resolve(import.meta.dirname, "../..");
const bin = (name) => process.env[`${name.toUpperCase()}_BIN`] || join(repo, "target/debug", name);

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
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
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
