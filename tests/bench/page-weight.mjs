// What one page weighs in headless Chromium, served by `generator serve` on CONTENT:
// on a 390 px phone at 2× before scrolling and after scrolling to its end, and at 1280 px.
// Pictures are also weighed as the originals in CONTENT would have been.
//   node tests/bench/page-weight.mjs CONTENT PATH     (GENERATOR_BIN picks the binary)
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { serveContent, traffic } from "../e2e/harness.mjs";

const [content, path] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), "mektep-page-weight-"));
const { base, browser, stop } = await serveContent(work, content);
const kb = (bytes) => `${(bytes / 1000).toFixed(0)} KB`;
try {
  for (const [name, options, scroll] of [
    ["390 px at 2×, before scrolling", { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true }, false],
    ["390 px at 2×, scrolled to the end", { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true }, true],
    ["1280 px at 1×, before scrolling", { viewport: { width: 1280, height: 800 } }, false],
  ]) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const sizes = await traffic(context, async () => {
      await page.goto(`${base}${path}`);
      if (scroll) {
        for (const img of await page.locator("article img").all()) await img.scrollIntoViewIfNeeded();
      }
    });
    const total = sizes.reduce((sum, { bytes }) => sum + bytes, 0);
    const pictures = sizes.filter(({ url }) => url.includes("/images/"));
    // images/photo-001.jpg.960.1a2b3c4d.webp was made from images/photo-001.jpg.
    const originals = pictures.reduce((sum, { url }) =>
      sum + statSync(join(content, "images", basename(new URL(url).pathname).split(".").slice(0, 2).join("."))).size, 0);
    console.log(`${name}: ${kb(total)} in ${sizes.length} responses; ${pictures.length} pictures ${kb(pictures.reduce((s, { bytes }) => s + bytes, 0))}, ` +
      `their originals ${kb(originals)}`);
    await context.close();
  }
} finally {
  await stop();
}
