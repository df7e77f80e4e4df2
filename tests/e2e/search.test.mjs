// Search in a real browser, on Pagefind's index (generator/src/search.rs): a Kyrgyz query
// finds Kyrgyz reports and a Russian query Russian ones, from static files; without
// JavaScript the page offers the listings instead. On a generated site of 2,000 reports per
// language, one query still transfers under 1 MB in all, and nothing of the other language.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start, repo, followEveryResult, serveContent, traffic } from "./harness.mjs";

const BUDGET = 1_000_000;

let site;
before(async () => { site = await start(); });
after(() => site?.stop());

test("a Kyrgyz query finds the Kyrgyz report, by a prefix with ң ө ү", async () => {
  const page = await site.browser.newPage();
  const errors = [];
  page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
  await page.goto(`${site.base}/ky/`);
  // Pagefind has no Kyrgyz stemmer: "кеңешк", no word of its own, is found as the prefix of
  // "кеңешке" in the title.
  await page.fill("#site-q", "кеңешк");
  await page.press("#site-q", "Enter");
  await page.waitForURL((url) => url.pathname === "/ky/izdoo/" && url.searchParams.get("q") === "кеңешк");
  await page.waitForSelector("#search-results li");
  const titles = await page.locator("#search-results h2").allTextContents();
  assert.ok(titles.includes("Насаатчылыктын календары: «Мен кеңешке баратамбы?»"), titles.join(" | "));
  const links = await page.locator("#search-results h2 a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.ok(links.every((href) => href.startsWith("/ky/")), `only Kyrgyz pages: ${links.join(" ")}`);
  await followEveryResult(page, "ky");
  assert.match(await page.textContent("#search-status"), /Табылды: \d+/);
  assert.ok(await page.isHidden("#search-fallback"));
  assert.deepEqual(errors, [], "no errors, none from the Content-Security-Policy");
  await page.close();
});

test("a Russian query finds the Russian report, by its stem", async () => {
  const page = await site.browser.newPage();
  const sizes = await traffic(page.context(), async () => {
    // "оценивается заявка": neither word as the title writes it ("Как оцениваются заявки").
    await page.goto(`${site.base}/ru/poisk/?q=${encodeURIComponent("оценивается заявка")}`);
    await page.waitForSelector("#search-results li");
  });
  const total = sizes.reduce((sum, { bytes }) => sum + bytes, 0);
  console.log(`ru on the real site: ${total} bytes in ${sizes.length} responses`);
  assert.ok(total < BUDGET, `${total} bytes`);
  const titles = await page.locator("#search-results h2").allTextContents();
  assert.ok(titles.includes("Как оцениваются заявки"), titles.join(" | "));
  await followEveryResult(page, "ru");
  await page.click("#search-results h2 a >> text=Как оцениваются заявки");
  await page.waitForURL(`${site.base}/ru/otchety/kak-otsenivayutsya-zayavki/`);
  assert.equal(await page.textContent("h1"), "Как оцениваются заявки");
  await page.close();
});

test("without JavaScript the search page leads to the listings", async () => {
  const context = await site.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${site.base}/ru/poisk/?q=${encodeURIComponent("школа")}`);
  assert.ok(await page.isVisible("#search-fallback"));
  await page.click("#search-fallback a");
  await page.waitForURL(`${site.base}/ru/otchety/`);
  assert.match(await page.textContent("h1"), /Отчёты/);
  await context.close();
});

// SEARCH_REPORTS=10000 measures the 20,000-page site (slow in a debug build).
const REPORTS = Number(process.env.SEARCH_REPORTS || 2000);
const WORDS = {
  ky: ["Айылдын жашоочулары коомдук угууларга катышып, жергиликтүү бюджеттин долбоорун талкуулашты.",
    "Катышуучулар жамааттын муктаждыктарын аныктоо усулдарын колдонуп, айылдын негизги көйгөйлөрүн сүрөттөштү.",
    "Насаатчылар талапкер катары каттоо боюнча консультацияларды өткөрүштү.",
    "Гендердик теңдикти эсепке алган бюджетти түзүү тажрыйбасы менен бөлүшүштү."],
  ru: ["Жители села участвовали в общественных слушаниях и обсуждали проект местного бюджета.",
    "Участницы применили методы определения потребностей сообщества и описали главные проблемы села.",
    "Наставники провели консультации по регистрации в качестве кандидата.",
    "Участницы поделились опытом составления бюджета с учётом гендерного равенства."],
};
// A word of each report's own, in its title: the query that must find exactly it.
const MARKER = { ky: "белги", ru: "метка" };
const TAGS = { ky: ["Бюджет", "Шайлоо", "Айыл", "Кеңеш"], ru: ["Бюджет", "Выборы", "Село", "Кенеш"] };

/** content/ plus `reports` generated reports per language, each with a word of its own. */
function largeContent(dir, reports = REPORTS, marker = MARKER) {
  cpSync(join(repo, "content"), dir, { recursive: true });
  for (const lang of ["ky", "ru"]) {
    for (let n = 0; n < reports; n++) {
      const sentences = WORDS[lang];
      const paragraphs = [0, 1, 2, 3].map((p) =>
        Array.from({ length: 8 }, (_, s) => sentences[(n + p + s) % sentences.length]).join(" "));
      const date = `2021-${String(1 + (Math.floor(n / 28) % 12)).padStart(2, "0")}-${String(1 + (n % 28)).padStart(2, "0")}`;
      writeFileSync(join(dir, "reports", `generated-${n}.${lang}.md`),
        `+++\ntitle = "${lang === "ky" ? "Отчет" : "Отчёт"} ${n}: ${marker[lang]}${n}"\nslug = "generated-${n}"\ndate = ${date}\n` +
        `stage = "${["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"][n % 9]}"\n` +
        `tags = ["${TAGS[lang][n % 4]}"]\nsummary = "${sentences[n % sentences.length]}"\n+++\n\n${paragraphs.join("\n\n")}\n`);
    }
  }
}

test(`on ${REPORTS} reports per language, one query transfers under 1 MB`, { timeout: 600_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), "mektep-search-test-"));
  const content = join(work, "content");
  largeContent(content);
  const { base, browser, stop } = await serveContent(work, content);
  try {
    for (const lang of ["ky", "ru"]) {
      const build = readdirSync(join(work, "public")).find((name) => name.startsWith("build-"));
      const folder = join(work, "public", build, lang, "pagefind");
      const files = readdirSync(folder, { recursive: true }).map((name) => join(folder, name)).filter((file) => statSync(file).isFile());
      console.log(`${lang}: the index is ${files.reduce((sum, file) => sum + statSync(file).size, 0)} bytes in ${files.length} files`);
    }
    for (const [lang, path, query, expected] of [
      ["ky", "/ky/izdoo/", "белги1234", "Отчет 1234: белги1234"],
      ["ky", "/ky/izdoo/", "бюджеттин", null],
      ["ru", "/ru/poisk/", "метка1234", "Отчёт 1234: метка1234"],
      ["ru", "/ru/poisk/", "наставники консультации", null],
    ]) {
      // A fresh browser context: nothing cached, the search page itself counted too.
      const context = await browser.newContext();
      const page = await context.newPage();
      const sizes = await traffic(context, async () => {
        await page.goto(`${base}${path}?q=${encodeURIComponent(query)}`);
        await page.waitForSelector("#search-results li");
      });
      const total = sizes.reduce((sum, { bytes }) => sum + bytes, 0);
      const index = sizes.filter(({ url }) => url.includes("/pagefind/"));
      const found = await page.textContent("#search-status");
      console.log(`${lang} "${query}": ${found}; ${total} bytes in ${sizes.length} responses, ` +
        `${index.reduce((sum, { bytes }) => sum + bytes, 0)} of them in ${index.length} from the index`);
      assert.ok(total < BUDGET, `${total} bytes:\n${sizes.map(({ url, bytes }) => `${bytes} ${url}`).join("\n")}`);
      assert.ok(index.length > 2, `the index was loaded: ${index.map(({ url }) => url).join(" ")}`);
      assert.ok(index.every(({ url }) => url.includes(`/${lang}/pagefind/`)), "only the page's own language");
      const titles = await page.locator("#search-results h2").allTextContents();
      if (expected) assert.equal(titles[0], expected);
      else assert.equal(titles.length, 20, "a first page of results");
      if (expected) await followEveryResult(page, lang);
      await context.close();
    }
  } finally {
    await stop();
  }
});

test("a language indexed in parts is searched in all of them", { timeout: 300_000 }, async () => {
  // 150 reports per language, at most 50 pages to an index: four parts per language.
  const work = mkdtempSync(join(tmpdir(), "mektep-search-test-"));
  const content = join(work, "content");
  // A marker no word of the real content starts with.
  const marker = { ky: "зымбыр", ru: "зымбыр" };
  largeContent(content, 150, marker);
  const config = join(content, "config.toml");
  writeFileSync(config, readFileSync(config, "utf8").replace(/^timezone = .*$/m, "$&\nsearch_index_pages = 50"));
  const { base, browser, stop } = await serveContent(work, content);
  try {
    for (const [lang, path] of [["ky", "/ky/izdoo/"], ["ru", "/ru/poisk/"]]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors = [];
      page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
      // Every report's title has a word starting with the marker: all 150 are found, from
      // every part, and each once.
      const sizes = await traffic(context, async () => {
        await page.goto(`${base}${path}?q=${marker[lang]}`);
        await page.waitForSelector("#search-results li");
      });
      const parts = new Set(sizes.map(({ url }) => url.match(new RegExp(`/${lang}/(pagefind(?:-\\d+)?)/`))?.[1]).filter(Boolean));
      assert.deepEqual([...parts].sort(), ["pagefind", "pagefind-2", "pagefind-3", "pagefind-4"]);
      assert.equal(await page.textContent("#search-status"), `${lang === "ky" ? "Табылды:" : "Найдено:"} 150`);
      const total = sizes.reduce((sum, { bytes }) => sum + bytes, 0);
      console.log(`${lang} in 4 parts: ${total} bytes in ${sizes.length} responses`);
      // A report of the last part and one of the first, each by its own word. Each part
      // ranks on its own, and a part without the word offers its nearest instead (Pagefind
      // shortens a word it does not know): the report is among the results, not always first.
      for (const n of [149, 0]) {
        await page.goto(`${base}${path}?q=${marker[lang]}${n}`);
        await page.waitForSelector("#search-results li");
        const titles = await page.locator("#search-results h2").allTextContents();
        assert.ok(titles.includes(`${lang === "ky" ? "Отчет" : "Отчёт"} ${n}: ${marker[lang]}${n}`), titles.join(" | "));
        assert.ok(titles.length <= 4, `one result or a near one from each part: ${titles.join(" | ")}`);
        // Results of every part open their pages: no part puts its folder in front of them.
        await followEveryResult(page, lang);
      }
      assert.deepEqual(errors, []);
      await context.close();
    }
  } finally {
    await stop();
  }
});
