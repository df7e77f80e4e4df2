// Every page of the site, as a browser shows it, has no accessibility violation that axe-core
// finds: before the deadline (the form open) and after it (the form closed, the deadline box
// pointing to the selection). The pages are those of the sitemap and every page they link
// to (tag pages, further listing pages), a 404 and the search pages with results shown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { start } from "./harness.mjs";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Site paths of every page: the sitemap's, then every page they link to, and so on. */
async function allPages(base) {
  const sitemap = await (await fetch(`${base}/sitemap.xml`)).text();
  const queue = [...sitemap.matchAll(/<loc>https?:\/\/[^/<]+(\/[^<]*)<\/loc>/g)].map((m) => m[1]);
  assert.ok(queue.length > 10, `the sitemap lists the pages:\n${sitemap}`);
  queue.push("/", "/ky/no-such-page/", "/ru/no-such-page/");
  const seen = new Set();
  while (queue.length) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    seen.add(path);
    const response = await fetch(`${base}${path}`);
    if (!(response.headers.get("content-type") || "").startsWith("text/html")) continue;
    for (const [, href] of (await response.text()).matchAll(/href="(\/[^"#?]*)/g)) {
      const page = href.endsWith("/") || href.endsWith(".html");
      if (page && !href.startsWith("/api/") && !seen.has(href)) queue.push(href);
    }
  }
  return [...seen].sort();
}

/** What axe says about the page open in `page`, as readable lines; none when all is well. */
async function violations(page) {
  await page.evaluate(axeSource);
  const found = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return found.violations.map((violation) =>
    [
      `  ${violation.id} (${violation.impact}): ${violation.help}`,
      ...violation.nodes.map((node) => `    ${node.target.join(" ")}\n      ${node.failureSummary.replace(/\n/g, "\n      ")}`),
      `    ${violation.helpUrl}`,
    ].join("\n"));
}

async function checkEveryPage(at) {
  const site = await start(at);
  try {
    const pages = await allPages(site.base);
    // axe is added to each page from outside, which a page's Content-Security-Policy would refuse.
    const context = await site.browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const problems = [];
    let checked = 0;
    const check = async (path, ready) => {
      await page.goto(`${site.base}${path}`);
      if (ready) await ready();
      const found = await violations(page);
      checked += 1;
      if (found.length) problems.push(`${path}\n${found.join("\n")}`);
    };
    for (const path of pages) {
      await check(path);
      if (await page.$("#search-results")) {
        // With results on the page, too.
        await check(`${path}?q=2021`, () => page.waitForFunction(() => document.getElementById("search-status").textContent));
      }
    }
    await context.close();
    assert.ok(checked > 40, `only ${checked} pages checked: ${pages.join(" ")}`);
    assert.equal(problems.length, 0, `as of ${at}, axe finds problems on ${problems.length} of ${checked} pages:\n\n${problems.join("\n\n")}`);
  } finally {
    await site.stop();
  }
}

test("no page has an accessibility violation while applications are open", () => checkEveryPage("2020-12-01T12:00:00+06:00"));

test("no page has an accessibility violation after the deadline", () => checkEveryPage("2021-01-10T12:00:00+06:00"));
