// How long an edited report takes to show in the open browser with `generator serve`, on the
// real site and on a generated one of --reports reports per language (default 10,000, the
// issue's 20,000-page site): Chromium has the report open, the report's file is saved with a
// new word, and the clock stops when the reloaded page shows it. Also printed: when the
// language's search index has the word too, the preview's own figures, the first whole
// build, and the preview's peak memory.
//
//   node tests/bench/preview-edit.mjs [--reports 10000] [--edits 5]
//
// Run from the repository root or tests/. Targets (issue 9): under 50 ms on the real site, under 1 s on the 20,000-page site.
import { spawn, execFileSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repo, launchBrowser } from "../e2e/harness.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const REPORTS = option("reports", 10000);
const EDITS = option("edits", 5);
const AT = "2021-12-01T12:00:00+06:00";

execFileSync("cargo", ["build", "--release", "--locked", "-p", "generator"], { cwd: repo, stdio: "inherit" });
const generator = join(repo, "target/release/generator");

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(name, content, file, url) {
  const work = mkdtempSync(join(tmpdir(), "mektep-preview-bench-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const server = spawn(generator, ["serve", "--port", String(port), "--at", AT, "--content", content,
    "--templates", join(repo, "templates"), "--output", join(work, "public"), "--store", join(work, "store.sqlite")], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr.on("data", (chunk) => { log += chunk; });
  let exited = null;
  server.on("exit", (code) => { exited = code; });
  const status = async () => (await fetch(`${base}/_mektep/status`)).json();
  for (;;) {
    try { if ((await status()).build >= 1) break; } catch { /* not up yet */ }
    if (exited !== null) throw new Error(`generator serve stopped (${exited}):\n${log}`);
    await sleep(50);
  }
  const firstBuild = performance.now() - started;
  const browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`${base}${url}`);
  const shown = [], searchable = [], told = [];
  for (let n = 1; n <= EDITS; n++) {
    const word = `тузотуу${n}x${Date.now() % 100000}`;
    const { build } = await status();
    // What the page's own script waits on: the moment the preview says the site changed.
    const change = fetch(`${base}/_mektep/status?seen=${build}`).then(() => performance.now());
    const t0 = performance.now();
    appendFileSync(file, `\n${word}\n`);
    // The page reloads itself; read it until it shows the word (reading during a reload fails).
    const read = () => page.textContent("main", { timeout: 1000 }).catch(() => "");
    while (!(await read()).includes(word)) {
      if (performance.now() - t0 > 120000) throw new Error(`the edit did not show:\n${log}`);
      await sleep(5);
    }
    shown.push(performance.now() - t0);
    told.push((await change) - t0);
    while ((await status()).indexing) await sleep(5);
    searchable.push(performance.now() - t0);
    await sleep(300);
  }
  const rss = readFileSync(`/proc/${server.pid}/status`, "utf8").match(/VmHWM:\s+(\d+)/)[1] / 1024;
  await browser.close();
  server.kill();
  rmSync(work, { recursive: true, force: true });
  const own = [...log.matchAll(/updated (\d+) files in (\d+) ms/g)].map((m) => Number(m[2]));
  const search = [...log.matchAll(/search of \S+ updated in (\d+) ms/g)].map((m) => Number(m[1]));
  const whole = (log.match(/building the whole site/g) || []).length;
  console.log(`${name}: first build ${(firstBuild / 1000).toFixed(2)} s; preview peak memory ${rss.toFixed(0)} MB`);
  console.log(`  edit announced to open pages: median ${median(told).toFixed(0)} ms; ` +
    `shown in the open browser: median ${median(shown).toFixed(0)} ms, max ${Math.max(...shown).toFixed(0)} ms over ${EDITS} edits`);
  console.log(`  preview's own update: median ${median(own)} ms; search index updated: median ${median(search)} ms ` +
    `(edit to searchable: median ${median(searchable).toFixed(0)} ms)`);
  if (whole) console.log(`  (${whole} of the edits were built whole)`);
}

{
  const work = mkdtempSync(join(tmpdir(), "mektep-preview-real-"));
  const content = join(work, "content");
  cpSync(join(repo, "content"), content, { recursive: true });
  await measure("real site", content, join(content, "reports/mentoring-calendar.ky.md"), "/ky/otchettor/nasaatchylyktyn-kalendary/");
  rmSync(work, { recursive: true, force: true });
}
{
  const work = mkdtempSync(join(tmpdir(), "mektep-preview-big-"));
  execFileSync("python3", [join(repo, "tests/bench/compare-with-hugo.py"), "--reports", String(REPORTS), "--write-corpus", work]);
  const content = join(work, "ours/content");
  const middle = Math.floor(REPORTS / 2);
  await measure(`${REPORTS} reports per language`, content, join(content, `reports/bench-${middle}.ky.md`), `/ky/otchettor/report-${middle}/`);
  rmSync(work, { recursive: true, force: true });
}
