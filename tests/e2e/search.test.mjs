// Search in a real browser: a Kyrgyz query finds Kyrgyz reports and a Russian query Russian
// ones, from static files; without JavaScript the page offers the listings instead.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start } from "./harness.mjs";

let site;
before(async () => { site = await start(); });
after(() => site?.stop());

test("a Kyrgyz query finds the Kyrgyz report", async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/ky/`);
  await page.fill("#site-q", "насаатчылык");
  await page.press("#site-q", "Enter");
  await page.waitForURL(/\/ky\/izdoo\/\?q=/);
  await page.waitForSelector("#search-results li");
  const titles = await page.locator("#search-results h2").allTextContents();
  assert.ok(titles.includes("Насаатчылыктын календары: «Мен кеңешке баратамбы?»"), titles.join(" | "));
  const links = await page.locator("#search-results h2 a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(links.every((href) => href.startsWith("/ky/")), `only Kyrgyz pages: ${links.join(" ")}`);
  assert.match(await page.textContent("#search-status"), /Табылды: \d+/);
  await page.close();
});

test("a Russian query finds the Russian report", async () => {
  const page = await site.browser.newPage();
  await page.goto(`${site.base}/ru/poisk/?q=${encodeURIComponent("оцениваются заявки")}`);
  await page.waitForSelector("#search-results li");
  const titles = await page.locator("#search-results h2").allTextContents();
  assert.equal(titles[0], "Как оцениваются заявки");
  await page.click("#search-results h2 a");
  await page.waitForURL(/\/ru\/otchety\/kak-otsenivayutsya-zayavki\/$/);
  await page.close();
});

test("without JavaScript the search page leads to the listings", async () => {
  const context = await site.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${site.base}/ru/poisk/?q=${encodeURIComponent("школа")}`);
  assert.ok(await page.isVisible("#search-fallback"));
  await page.click("#search-fallback a");
  await page.waitForURL(/\/ru\/otchety\/$/);
  assert.match(await page.textContent("h1"), /Отчёты/);
  await context.close();
});
