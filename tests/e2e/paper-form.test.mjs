// The form page as a woman who applies on paper prints it (Chromium, A4), and as one on a
// 390 px phone sees it: boxes to write the birth date in, every box to tick beside its label,
// room to write the essay by hand, where and by when to hand the paper in, and the box the
// secretariat fills in when it keys the paper in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start } from "./harness.mjs";

let site, browser, base;

before(async () => {
  site = await start();
  ({ browser, base } = site);
});

after(() => site?.stop());

const mm = 96 / 25.4;
/** The width an A4 page leaves to the form inside the stylesheet's 15 mm margins. */
const A4_WIDTH = Math.round(180 * mm);

/**
 * Every box to tick of the form (the confirmations' and the yes/no questions') whose box is not
 * beside the first line of its label's text: left of it and overlapping it vertically. Empty
 * when all is well; else one line each, with what was measured.
 */
function boxesApartFromTheirLabels(page) {
  return page.$$eval("#application input[type=checkbox], #application input[type=radio]", (boxes) =>
    boxes.flatMap((box) => {
      const label = box.labels[0];
      // The label's text, without the box when the label holds it (yes/no): its first line
      // is the first of the rectangles a range over that text has.
      const range = document.createRange();
      range.selectNodeContents(label);
      if (label.contains(box)) range.setStartAfter(box);
      const line = [...range.getClientRects()].find((rect) => rect.width > 0);
      const at = box.getBoundingClientRect();
      const name = `${box.name}${box.type === "radio" ? `=${box.value}` : ""}`;
      if (!line) return [`${name}: its label has no text on the page`];
      const beside = at.right <= line.left + 0.5 && at.top < line.bottom && at.bottom > line.top;
      return beside ? [] : [`${name}: box ${JSON.stringify(at)} is not beside its label's first line ${JSON.stringify(line)}`];
    }));
}

/** How many pages a PDF made by Chromium has: its page objects. */
function pageCount(pdf) {
  return pdf.toString("latin1").match(/\/Type\s*\/Page(?![a-z])/g)?.length ?? 0;
}

for (const { lang, path, day, month, year, office, deadline, address, sheets } of [
  {
    lang: "ky", path: "/ky/otunmo-formasy/", day: "күнү", month: "айы", year: "жылы",
    office: ["Катчылык толтурат", "Өтүнмөнүн коду:", "Кабыл алынган күнү жана сааты:", "Кантип келди:", "кагаз түрүндө", "электрондук кат менен", "Ким кабыл алып, киргизди:"],
    deadline: "Тапшыруунун акыркы мөөнөтү: 2020-жылдын 11-декабры, саат 17:00",
    address: "720001, Бишкек шаары, Шевченко көчөсү, 114",
    sheets: /1000 сөздөн ашпасын\. Орун жетпесе, кошумча барактарга улантыңыз/,
  },
  {
    lang: "ru", path: "/ru/forma-zayavki/", day: "день", month: "месяц", year: "год",
    office: ["Заполняет секретариат", "Код заявки:", "Дата и время получения:", "Как поступила:", "на бумаге", "по электронной почте", "Кем принята и внесена:"],
    deadline: "Последний срок подачи: 11 декабря 2020 г., 17:00",
    address: "720001, г. Бишкек, ул. Шевченко, 114",
    sheets: /не более 1000 слов\. Если места не хватит, продолжите на дополнительных листах/,
  },
]) {
  test(`printed on A4 in ${lang}: a form to fill in by hand, with where and by when to hand it in and the secretariat's box`, async (t) => {
    const page = await browser.newPage({ viewport: { width: A4_WIDTH, height: 1000 } });
    await page.goto(`${base}${path}`);

    // On screen: the date input and the button; nothing only paper needs.
    assert.equal(await page.isVisible("#f-birth_date"), true);
    assert.equal(await page.isVisible("#application button[type=submit]"), true);
    assert.equal(await page.isVisible(".paper-office"), false, "the secretariat's box is not on screen");
    assert.equal(await page.isVisible("#field-birth_date .paper-date"), false);

    await page.emulateMedia({ media: "print" });

    // The birth date: three labelled boxes, of two, two and four digits; no date input.
    assert.equal(await page.isVisible("#f-birth_date"), false, "the date input does not print");
    const parts = await page.$$eval("#field-birth_date .paper-part", (found) => found.map((part) => ({
      caption: part.querySelector(".paper-caption").textContent.trim(),
      cells: [...part.querySelectorAll(".paper-cells > span")].map((cell) => cell.getBoundingClientRect()),
    })));
    assert.deepEqual(parts.map((part) => part.caption), [day, month, year]);
    assert.deepEqual(parts.map((part) => part.cells.length), [2, 2, 4]);
    for (const cell of parts.flatMap((part) => part.cells)) {
      assert.ok(cell.width >= 7 * mm && cell.height >= 7 * mm, `a digit's box of ${cell.width}×${cell.height} px is big enough to write in`);
    }
    for (const caption of [day, month, year]) {
      assert.equal(await page.locator("#field-birth_date").getByText(caption, { exact: true }).isVisible(), true, caption);
    }

    // Every box to tick beside its label, the yes/no answers as two boxes.
    assert.deepEqual(await boxesApartFromTheirLabels(page), []);
    const yesBox = await page.locator("input[name=lsg_experience][value=yes]").boundingBox();
    assert.ok(Math.abs(yesBox.width - yesBox.height) < 1 && yesBox.width >= 4 * mm, `a square box to tick: ${JSON.stringify(yesBox)}`);

    // The essay: ruled lines for about three pages of handwriting (1,000 words at about twelve
    // a line), then the word on extra sheets; no typing box.
    const essay = await page.locator("#field-essay .paper-lines").boundingBox();
    const lines = Math.floor(essay.height / (8 * mm));
    assert.ok(lines >= 75, `${lines} ruled lines for the essay`);
    assert.match(await page.locator("#field-essay .paper-note").textContent(), sheets);
    assert.equal(await page.isVisible("#field-essay .paper-note"), true);
    assert.equal(await page.locator("#application textarea:visible").count(), 0, "no typing boxes on paper");
    const other = await page.locator("#field-lsg_experience_text .paper-lines").boundingBox();
    assert.ok(other.height >= 40 * mm, `lines for the other long answers: ${other.height} px`);

    // The secretariat's box, the deadline and where to take the paper.
    assert.equal(await page.isVisible(".paper-office"), true);
    const officeText = await page.locator(".paper-office").innerText();
    for (const words of office) assert.ok(officeText.includes(words), `${words} in ${officeText}`);
    const head = await page.locator(".paper-head").innerText();
    assert.ok(head.includes(deadline), head);
    assert.ok(head.includes(address), head);
    assert.ok(head.includes("ABuzurmankulova@dpi.kg"), head);

    // Nothing that only works on screen.
    for (const selector of ["#application button[type=submit]", "#draft-note", "#count-essay", ".site-search", "#form-intro"]) {
      assert.equal(await page.isVisible(selector), false, `${selector} does not print`);
    }

    const pdf = await page.pdf({ format: "A4" });
    const pages = pageCount(pdf);
    t.diagnostic(`${lang}: the printed form has ${pages} A4 pages`);
    assert.ok(pages >= 6, `${pages} pages`);
    await page.close();
  });
}

test("typed on screen, then printed: the birth date in its boxes and the answers on the lines", async () => {
  const page = await browser.newPage({ viewport: { width: A4_WIDTH, height: 1000 } });
  await page.goto(`${base}/ru/forma-zayavki/`);
  await page.fill("#f-birth_date", "1985-04-20");
  await page.fill("#f-essay", "В нашем селе нет чистой воды.");
  // What Chromium does on Ctrl+P before it lays the page out for paper.
  await page.evaluate(() => window.dispatchEvent(new Event("beforeprint")));
  await page.emulateMedia({ media: "print" });
  const digits = await page.$$eval("#field-birth_date .paper-cells > span", (cells) => cells.map((cell) => cell.textContent).join(""));
  assert.equal(digits, "20041985", "day, month, year");
  assert.equal(await page.locator("#field-essay .paper-lines").innerText(), "В нашем селе нет чистой воды.");
  await page.close();
});

test("on a 390 px phone every confirmation's box is beside its label, which wraps next to it", async () => {
  for (const path of ["/ky/otunmo-formasy/", "/ru/forma-zayavki/"]) {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${base}${path}`);
    assert.deepEqual(await boxesApartFromTheirLabels(page), [], path);
    for (const id of ["9.1", "9.2", "9.4", "9.5"]) {
      const field = page.locator(".confirm", { hasText: id });
      const box = await field.locator("input[type=checkbox]").boundingBox();
      const label = await field.locator("label").boundingBox();
      assert.ok(box.x + box.width <= label.x, `${path} ${id}: the box is left of its label`);
      assert.ok(box.y < label.y + 1.6 * 17 && box.y + box.height > label.y, `${path} ${id}: the box is on its label's first line`);
    }
    // The consent's label is long: it wraps, and every line of it stays right of the box.
    const consent = page.locator("#field-consent_personal_data");
    const box = await consent.locator("input").boundingBox();
    const label = await consent.locator("label").boundingBox();
    assert.ok(label.height > 1.6 * 17 * 1.5, `${path}: 9.5's label wraps (${label.height} px)`);
    assert.ok(label.x >= box.x + box.width, path);
    await page.close();
  }
});
