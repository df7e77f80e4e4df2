// The application form in a real headless Chromium, against `generator serve` with the
// function's handler on the embedded store: what an applicant does, and what the
// secretariat then finds in the store.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, fillAll } from "./harness.mjs";

let site, browser, base, listed;

before(async () => {
  site = await start();
  ({ browser, base, listed } = site);
});

after(() => site?.stop());

test("in Kyrgyz with JavaScript: errors in Kyrgyz, a word counter, a kept draft, a retried post, a code", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/ky/otunmo-formasy/`);
  assert.equal(await page.locator("html").getAttribute("lang"), "ky");

  await page.click("#application button[type=submit]");
  assert.equal((await page.textContent("#error-full_name")).trim(), "Бул талааны толтуруңуз.");
  assert.equal((await page.textContent("#error-lsg_experience")).trim(), "«Ооба» же «Жок» деп тандаңыз.");
  assert.match(await page.textContent("#error-summary"), /Өтүнмөдө каталар бар/);

  await page.fill("#f-birth_date", "2005-03-01");
  await page.click("#application button[type=submit]");
  assert.match(await page.textContent("#error-birth_date"), /18 жашка толгондор гана катыша алат: өтүнмө берүү мөөнөтүндө \(2020-жылдын 11-декабры\)/);

  await fillAll(page, { name: "Айгүл Асанова", birth: "1985-04-20", essay: "Айылыбызда таза суу жок. Мен муну чечким келет." });
  assert.equal((await page.textContent("#count-essay")).trim(), "8 / 1000 сөз");

  await page.reload();
  assert.equal(await page.inputValue("#f-full_name"), "Айгүл Асанова", "the draft survives a reload");
  assert.equal(await page.isChecked("#f-consent_personal_data"), true);
  assert.match(await page.textContent("#draft-note"), /калыбына келтирилди/);

  // The first post is lost on the way; the page tries again by itself.
  let attempts = 0;
  await page.route("**/api/applications*", (route) => (++attempts === 1 ? route.abort("internetdisconnected") : route.continue()));
  await page.click("#application button[type=submit]");
  await page.waitForURL(/\/api\/applications\/thanks\?lang=ky&code=/, { timeout: 20000 });
  assert.ok(attempts >= 2, `retried (${attempts} attempts)`);
  const code = (await page.textContent("#application-code")).trim();
  assert.match(code, /^\d{3}-\d{3}-\d{4}$/);
  assert.match(await page.textContent("h1"), /Өтүнмөңүз кабыл алынды/);

  const listing = listed();
  assert.match(listing, new RegExp(`${code}\\s+aged_28_and_over\\s+ky`));
  assert.doesNotMatch(listing, /Айгүл/, "no names without --personal");
  assert.match(listed("--personal"), /full_name=Айгүл Асанова/);

  await page.goto(`${base}/ky/otunmo-formasy/`);
  assert.equal(await page.inputValue("#f-full_name"), "", "the draft is cleared once stored");
  await context.close();
});

test("in Russian without JavaScript: a plain post, a Russian thank-you page, and a Russian error page", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${base}/ru/forma-zayavki/`);
  await fillAll(page, { name: "Нургуль Осмонова", birth: "2001-09-30", phone: "12", essay: "В нашем селе нет чистой воды." });
  await page.click("#application button[type=submit]");
  assert.match(await page.textContent("h1"), /Заявка не отправлена/);
  assert.match(await page.textContent("main"), /Телефон — Проверьте номер телефона, например: 0700 123456\./);
  const before = listed();

  // The error page sends her back; the browser keeps what she typed.
  await page.goBack();
  assert.equal(await page.inputValue("#f-full_name"), "Нургуль Осмонова");
  await page.fill("#f-phone", "+996 555 123456");
  await page.click("#application button[type=submit]");
  assert.match(await page.textContent("h1"), /Ваша заявка принята/);
  const code = (await page.textContent("#application-code")).trim();
  assert.match(code, /^\d{3}-\d{3}-\d{4}$/);
  assert.match(listed(), new RegExp(`${code}\\s+under_28\\s+ru`));
  assert.notEqual(before, listed());
  await context.close();
});

test("a double click stores one application", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/ru/forma-zayavki/`);
  await fillAll(page, { name: "Бермет Калыкова", birth: "1999-01-15", essay: "Хочу, чтобы в селе был детский сад." });
  const count = () => Number(listed().match(/^(\d+) applications/)[1]);
  const stored = count();
  await page.dblclick("#application button[type=submit]");
  await page.waitForURL(/thanks/);
  assert.equal(count(), stored + 1);
  await context.close();
});

test("on a shared computer, the next applicant who goes Back gets an empty form and a code of her own", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/ky/otunmo-formasy/`);
  await fillAll(page, { name: "Жаңыл Токтосунова", birth: "1990-03-12", essay: "Айылда китепкана ачкым келет." });
  const count = () => Number(listed().match(/^(\d+) applications/)[1]);
  const stored = count();
  await page.click("#application button[type=submit]");
  await page.waitForURL(/thanks/);
  const first = (await page.textContent("#application-code")).trim();
  await page.goBack();
  await page.waitForURL(/otunmo-formasy/);
  assert.equal(await page.inputValue("#f-full_name"), "", "nothing of the first application is shown");
  await fillAll(page, { name: "Чынара Бекова", birth: "1996-07-01", essay: "Жаштар үчүн спорт аянтчасы керек." });
  const [post] = await Promise.all([
    page.waitForResponse((r) => r.url().includes("/api/applications") && r.request().method() === "POST"),
    page.click("#application button[type=submit]"),
  ]);
  assert.equal(post.status(), 201, "a new application, not the first one's retry");
  await page.waitForURL(/thanks/);
  const second = (await page.textContent("#application-code")).trim();
  assert.notEqual(second, first);
  assert.equal(count(), stored + 2);
  await context.close();
});
