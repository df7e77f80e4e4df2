// A report with ten phone photos, as a reader on a 390 px phone at 2× density gets it: the
// page weighs at most 300 KB before she scrolls, and every picture she scrolls to is sharp
// (the file chosen has at least twice as many pixels across as the picture's box) and upright.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repo, serveContent, traffic } from "./harness.mjs";

const BUDGET = 300_000;
const PHOTOS = 10;

/** content/ plus a Kyrgyz report showing `PHOTOS` phone photos (4000×3000, taken upright)
 * between paragraphs, as editors write them. */
function contentWithPhotos(dir) {
  cpSync(join(repo, "content"), dir, { recursive: true });
  const images = join(dir, "images");
  execFileSync(join(repo, "target/debug/examples/phone-photos"), [images, String(PHOTOS)]);
  const paragraph = "Катышуучулар жергиликтүү бюджеттин долбоорун талкуулап, айылдын муктаждыктарын аныкташты. " +
    "Ар бир топ өз айылынын көйгөйлөрүн сүрөттөп, аларды чечүү жолдорун сунуштады.";
  const body = readdirSync(images).sort().map((name, n) =>
    `## ${n + 1}-күн\n\n${paragraph}\n\n![Мектептин ${n + 1}-күнүндөгү сабак](/images/${name})\n`).join("\n");
  writeFileSync(join(dir, "reports", "photos.ky.md"),
    `+++\ntitle = "Мектептин сүрөттөрү"\nslug = "mektepting-suroottoru"\ndate = 2021-01-29\nstage = "VI"\nlanguages = ["ky"]\n+++\n\n${body}`);
  return readdirSync(images).reduce((sum, name) => sum + statSync(join(images, name)).size, 0);
}

test(`a report with ${PHOTOS} phone photos weighs at most ${BUDGET / 1000} KB on a 390 px phone, and each photo is sharp at 2×`,
  { timeout: 600_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), "mektep-photos-test-"));
    const content = join(work, "content");
    const originals = contentWithPhotos(content);
    const { base, browser, stop } = await serveContent(work, content);
    try {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
      const page = await context.newPage();
      const sizes = await traffic(context, async () => {
        const response = await page.goto(`${base}/ky/otchettor/mektepting-suroottoru/`);
        assert.equal(response.status(), 200);
      });
      const total = sizes.reduce((sum, { bytes }) => sum + bytes, 0);
      const pictures = sizes.filter(({ url }) => url.includes("/images/"));
      console.log(`390 px at 2×, before scrolling: ${total} bytes in ${sizes.length} responses, ` +
        `${pictures.reduce((sum, { bytes }) => sum + bytes, 0)} of them in ${pictures.length} pictures ` +
        `(the ${PHOTOS} originals weigh ${originals} bytes)`);
      assert.ok(pictures.length >= 1, "the first photo is in view and loads");
      assert.ok(pictures.every(({ url }) => url.endsWith(".webp")), `Chromium takes the WebP: ${pictures.map(({ url }) => url)}`);
      assert.ok(total <= BUDGET, `${total} bytes before scrolling; the budget is ${BUDGET}`);

      // Scroll to each photo in turn; once loaded, look at what the browser chose.
      const count = await page.locator("article picture img").count();
      assert.equal(count, PHOTOS);
      for (let n = 0; n < count; n++) {
        const img = page.locator("article picture img").nth(n);
        await img.scrollIntoViewIfNeeded();
        await page.waitForFunction((element) => element.complete && element.naturalWidth > 0, await img.elementHandle());
        // naturalWidth is in CSS pixels (the file's width over its density): the file itself
        // is decoded for its pixels.
        const shown = await img.evaluate(async (element) => {
          const bitmap = await createImageBitmap(await (await fetch(element.currentSrc)).blob());
          return { src: element.currentSrc, pixels: [bitmap.width, bitmap.height], box: [element.clientWidth, element.clientHeight] };
        });
        assert.match(shown.src, new RegExp(`^${base}/images/photo-0\\d\\d\\.jpg\\.\\d+\\.[0-9a-f]{8}\\.webp$`), shown.src);
        assert.ok(shown.pixels[0] >= 2 * shown.box[0], `photo ${n + 1} is blurred at 2×: ${JSON.stringify(shown)}`);
        // Upright: taken in portrait (stored sideways with EXIF orientation 6), shown in portrait.
        assert.ok(shown.pixels[1] > shown.pixels[0] && shown.box[1] > shown.box[0], JSON.stringify(shown));
      }
      await context.close();
    } finally {
      await stop();
    }
  });
