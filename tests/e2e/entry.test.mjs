// `applications enter` in a real headless Chromium: the secretariat keys in a paper
// application in Kyrgyz and an e-mailed one in Russian through the site's own form, served on
// 127.0.0.1 by its tool on a fresh embedded store, sees each code large, and finds both in
// `applications list` with how they came and when; a received time after the deadline is
// refused in the page's language and nothing is stored.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request as httpRequest } from "node:http";
import { bin, repo, launchBrowser, fillAll } from "./harness.mjs";

let work, store, server, base, browser;

const listed = (...flags) => execFileSync(bin("applications"), ["list", "--store", store, ...flags], { encoding: "utf8" });
const count = () => Number(listed().match(/^(\d+) applications/)[1]);

before(async () => {
  work = mkdtempSync(join(tmpdir(), "mektep-entry-"));
  store = join(work, "applications.sqlite");
  server = spawn(bin("applications"), ["enter", "--port", "0", "--store", store, "--new-store", "--by", "Айнура Токтосунова"],
    { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  let out = "", log = "";
  server.stderr.on("data", (chunk) => { log += chunk; });
  base = await new Promise((done, fail) => {
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const url = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (url) done(url[0]);
    });
    server.on("exit", (code) => fail(new Error(`applications enter exited (${code}):\n${log}`)));
    setTimeout(() => fail(new Error(`applications enter printed no address in 20 s:\n${out}${log}`)), 20000);
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.kill();
  rmSync(work, { recursive: true, force: true });
});

/** The secretariat's questions: how it came, when (as the page's date-and-time input takes it). */
async function receipt(page, channel, received) {
  await page.check(`input[name=channel][value=${channel}]`);
  await page.fill("#f-received_at", received);
}

test("a paper application keyed in in Kyrgyz gets a large code, and the page is ready for the next", async () => {
  const page = await browser.newPage();
  const response = await page.goto(base);
  assert.equal(response.headers()["cache-control"], "no-store", "pages with names are not kept by the browser");
  assert.equal(await page.locator("html").getAttribute("lang"), "ky");
  assert.match(await page.textContent("h1"), /Кагаз жана электрондук почта аркылуу келген өтүнмөлөрдү киргизүү/);
  assert.equal(await page.inputValue("#f-entered_by"), "Айнура Токтосунова", "who keys it in comes from --by");
  assert.match(await page.textContent("#application"), /1\.1\s+Аты-жөнү/, "the site's own questions");
  const firstId = await page.inputValue("input[name=submission_id]");

  await receipt(page, "paper", "2020-12-10T15:30");
  await fillAll(page, { name: "Гүлнара Садыкова", birth: "1984-02-29", essay: "Айылыбызда бала бакча жок. Аны ачууну каалайм." });
  await page.click("#application button[type=submit]");
  assert.match(await page.textContent("h1"), /Өтүнмө сакталды/);
  const code = (await page.textContent("#application-code")).trim();
  assert.match(code, /^\d{3}-\d{3}-\d{4}$/);
  const size = await page.$eval("#application-code", (element) => parseFloat(getComputedStyle(element).fontSize));
  assert.ok(size >= 40, `the code is large enough to copy onto the paper (${size}px)`);
  assert.match(await page.textContent("main"), /кагаз өтүнмөнүн «Катчылык үчүн» деген жерине жазып коюңуз/);

  await page.click("#next");
  assert.equal(await page.inputValue("#f-full_name"), "", "an empty form for the next one");
  assert.notEqual(await page.inputValue("input[name=submission_id]"), firstId, "with an id of its own");

  const line = listed().split("\n").find((l) => l.startsWith(code));
  assert.ok(line, `${code} is listed`);
  assert.match(line, /aged_28_and_over\s+ky\s+2020-12-10 15:30\s/, "received 15:30 Bishkek time, as the paper's box says");
  assert.doesNotMatch(listed(), /Гүлнара/, "no names without --personal");
  assert.match(listed("--personal"), /full_name=Гүлнара Садыкова/);
  assert.match(line, /\bpaper\b/, "how it came");
  await page.close();
});

test("an e-mailed application keyed in in Russian, clicked twice, is stored once", async () => {
  const page = await browser.newPage();
  await page.goto(base);
  await page.click("nav.languages a[hreflang=ru]");
  assert.equal(await page.locator("html").getAttribute("lang"), "ru");
  assert.match(await page.textContent("h1"), /Ввод заявок, поступивших на бумаге и по электронной почте/);
  const stored = count();

  await receipt(page, "email", "2020-12-11T09:05");
  await fillAll(page, { name: "Нургуль Осмонова", birth: "2001-09-30", phone: "+996 555 123456", essay: "В нашем селе нет чистой воды." });
  await page.dblclick("#application button[type=submit]");
  await page.waitForSelector("#application-code");
  assert.match(await page.textContent("h1"), /Заявка сохранена/);
  const code = (await page.textContent("#application-code")).trim();
  assert.match(code, /^\d{3}-\d{3}-\d{4}$/);
  assert.equal(count(), stored + 1, "one application for two clicks");

  const line = listed().split("\n").find((l) => l.startsWith(code));
  assert.ok(line, `${code} is listed`);
  assert.match(line, /under_28\s+ru\s+2020-12-11 09:05\s/, "received 09:05 Bishkek time");
  assert.match(line, /\bemail\b/, "how it came");
  await page.close();
});

test("a received time after the deadline is refused in the page's language, with what was typed kept", async () => {
  const stored = listed();
  for (const [lang, message] of [
    ["ru", /Это время позже срока приёма заявок \(11 декабря 2020 г\., 17:00 \(время Бишкека, UTC\+6\)\)/],
    ["ky", /Бул убакыт өтүнмө кабыл алуунун мөөнөтүнөн \(2020-жылдын 11-декабры, саат 17:00/],
  ]) {
    const page = await browser.newPage();
    await page.goto(`${base}?lang=${lang}`);
    await receipt(page, "paper", "2020-12-11T17:30");
    await fillAll(page, { name: "Айжан Маматова", birth: "1990-06-01", phone: "12", essay: "Жолдор начар." });
    const [post] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.click("#application button[type=submit]")]);
    assert.equal(post.status(), 422, lang);
    assert.match(await page.textContent("#error-received_at"), message, lang);
    assert.match(await page.textContent("#error-summary"), message, lang);
    const phone = lang === "ru" ? "Проверьте номер телефона, например: 0700 123456." : "Телефон номерин текшериңиз, мисалы: 0700 123456.";
    assert.equal((await page.textContent("#error-phone")).trim(), phone, "the form's own message beside its field");
    assert.equal(await page.inputValue("#f-full_name"), "Айжан Маматова", "typed answers are kept");
    assert.equal(await page.inputValue("#f-received_at"), "2020-12-11T17:30");
    assert.equal(await page.isChecked("input[name=channel][value=paper]"), true);
    assert.equal(await page.isChecked("#f-consent_personal_data"), true);
    assert.equal(await page.inputValue("#f-essay"), "Жолдор начар.");
    await page.close();
  }
  assert.equal(listed(), stored, "nothing was stored");
});

/** A raw request to the entry page, with headers no browser page could choose. */
function raw(method, headers, body = "") {
  return new Promise((done, fail) => {
    const request = httpRequest(base, { method, headers }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => { text += chunk; });
      response.on("end", () => done({ status: response.statusCode, text }));
    });
    request.on("error", fail);
    request.end(body);
  });
}

test("a post from another page and a foreign Host are refused, and nothing is stored", async () => {
  const stored = listed();
  const body = new URLSearchParams({ lang: "ru", channel: "paper", received_at: "2020-12-10T10:00", entered_by: "x" }).toString();
  const form = { "content-type": "application/x-www-form-urlencoded" };
  // Another program's page on this machine: the same site, another origin.
  const foreign = await raw("POST", { ...form, origin: "http://127.0.0.1:3000", "sec-fetch-site": "same-site" }, body);
  assert.equal(foreign.status, 403);
  assert.match(foreign.text, /Эта программа принимает заявки только со своей страницы/);
  const crossSite = await raw("POST", { ...form, origin: "https://evil.example", "sec-fetch-site": "cross-site" }, body);
  assert.equal(crossSite.status, 403);
  // A name of another site pointed at 127.0.0.1 (DNS rebinding) still arrives as that name.
  const rebound = await raw("GET", { host: "evil.example" });
  assert.equal(rebound.status, 421);
  assert.match(rebound.text, /только на этом компьютере/);
  assert.equal(listed(), stored);
});
