// Production rehearsed end to end (deploy/rehearse.sh): a real browser applies through the
// front door — the distribution's stand-in before the bucket and the shipped Lambda binary —
// in Kyrgyz with JavaScript and in Russian without; the applications are then in DynamoDB
// Local, the secretariat keys in a paper one there through its own form, and the commission's
// sheets, import and ranking work on all three. Stopping the
// rehearsal closes every port it opened.
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
// The first start builds the Lambda binary and the generator in release mode.
const START_TIMEOUT = 30 * 60 * 1000;

let rehearsal, exited, env, browser, work;
let log = "";
const codes = {};

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
    "APPLICANTS_TABLE", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
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
  const [post] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("/api/applications") && r.request().method() === "POST"),
    page.click("#application button[type=submit]"),
  ]);
  assert.equal(post.status(), 201, "the script's post is stored");
  await page.waitForURL(/\/api\/applications\/thanks\?lang=ky&code=/, { timeout: 20000 });
  assert.match(await page.textContent("h1"), /Өтүнмөңүз кабыл алынды/);
  codes.ky = (await page.textContent("#application-code")).trim();
  assert.match(codes.ky, /^\d{3}-\d{3}-\d{4}$/);
  await context.close();
});

test("in Russian without JavaScript, through the front door: a plain post and a Russian thank-you page", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${env.FRONT_DOOR}/ru/forma-zayavki/`);
  await fillAll(page, { name: "Нургуль Осмонова", birth: "2001-09-30", phone: "+996 555 123456", essay: "В нашем селе нет чистой воды." });
  await page.click("#application button[type=submit]");
  await page.waitForURL(/\/api\/applications\/thanks\?lang=ru&code=/);
  assert.match(await page.textContent("h1"), /Ваша заявка принята/);
  codes.ru = (await page.textContent("#application-code")).trim();
  assert.match(codes.ru, /^\d{3}-\d{3}-\d{4}$/);
  await context.close();
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
