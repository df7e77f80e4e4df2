// One client floods the preview's intake while others apply. Past the per-client limit the
// flood is answered 429 with Retry-After, in the applicant's language, and nothing of it is
// stored; everyone else's application is stored meanwhile. Clients are told apart by their
// address, as production's firewall tells them apart: Linux answers the whole of 127.0.0.0/8
// on loopback, so each client here posts from a local address of its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { fillAll, start } from "./harness.mjs";
import { application } from "../bench/load-intake.mjs";

// Lower than the default (300/5m) so the flood is short; an hour so that no request's share
// comes back during the test, however slow the machine.
const LIMIT = 20;
const FLOODER = "127.0.0.2";
const OTHERS = ["127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"];

/** A request to `base` from the local address `from`; resolves to { status, headers, body }. */
function send(base, { from, method = "POST", path = "/api/applications?lang=ky", body = "", headers = {} }) {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: url.hostname, port: url.port, path: url.pathname + url.search, method, localAddress: from, agent: false,
      headers: { ...headers, "content-length": Buffer.byteLength(body) },
    }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => { text += chunk; });
      response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body: text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

const json = { "content-type": "application/json", accept: "application/json" };
const postJson = (base, from, id, path) => send(base, { from, path, body: application(id), headers: json });

/** The same application as the form posts it without JavaScript, in `lang`. */
function postForm(base, from, id, lang) {
  const fields = { ...JSON.parse(application(id)), lang };
  return send(base, {
    from, path: `/api/applications?lang=${lang}`, body: new URLSearchParams(fields).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html" },
  });
}

test("one client flooding the intake is refused while the others' applications are stored", async () => {
  const site = await start(undefined, { flags: ["--intake-limit", `${LIMIT}/1h`] });
  try {
    // The flood: three times the limit, ten at a time. The others start once it is refused.
    const flood = [];
    let refusedOnce;
    const refused = new Promise((resolve) => { refusedOnce = resolve; });
    const flooding = (async () => {
      for (let wave = 0; wave < 6; wave++) {
        const answers = await Promise.all(Array.from({ length: 10 }, (_, i) =>
          postJson(site.base, FLOODER, `flood-${wave}-${i}-${Date.now()}`)));
        flood.push(...answers);
        if (answers.some((answer) => answer.status === 429)) refusedOnce();
      }
      refusedOnce();
    })();
    await refused;
    const others = await Promise.all([
      ...OTHERS.map((from, i) => postJson(site.base, from, `neighbour-${i}-${Date.now()}`)),
      postForm(site.base, "127.0.0.7", `neighbour-form-${Date.now()}`, "ru"),
    ]);
    await flooding;

    const accepted = flood.filter((answer) => answer.status === 201);
    const refusals = flood.filter((answer) => answer.status === 429);
    assert.equal(accepted.length, LIMIT, `the flooder's statuses: ${flood.map((answer) => answer.status)}`);
    assert.equal(refusals.length, flood.length - LIMIT, "every other post of the flood is refused");
    for (const refusal of refusals) {
      assert.ok(Number(refusal.headers["retry-after"]) >= 1, `Retry-After: ${refusal.headers["retry-after"]}`);
      assert.match(refusal.headers["content-type"], /^application\/json/);
      const reply = JSON.parse(refusal.body);
      assert.equal(reply.error, "too_many_requests");
      assert.match(reply.message, /Бир нече мүнөт күтүп/, "in Kyrgyz, the form's ?lang=ky");
    }

    // Everyone else got through during the flood: JSON posts get their code, the form post
    // without JavaScript its thanks page.
    const codes = [];
    for (const [i, answer] of others.slice(0, OTHERS.length).entries()) {
      assert.equal(answer.status, 201, `${OTHERS[i]}: ${answer.status} ${answer.body}`);
      codes.push(JSON.parse(answer.body).code);
    }
    const form = others[OTHERS.length];
    assert.equal(form.status, 303, `the form post: ${form.status} ${form.body}`);
    const thanks = new URL(form.headers.location, site.base);
    assert.equal(thanks.searchParams.get("lang"), "ru");
    codes.push(thanks.searchParams.get("code"));

    // The store holds exactly the flood's first LIMIT and the others'.
    const listed = site.listed().split("\n").map((line) => line.split(/\s+/)[0]).filter((code) => /^\d{3}-\d{3}-\d{4}$/.test(code));
    for (const code of [...codes, ...accepted.map((answer) => JSON.parse(answer.body).code)]) {
      assert.ok(listed.includes(code), `${code} is stored`);
    }
    assert.equal(listed.length, LIMIT + codes.length, `stored: ${listed.length}`);

    // Still refused: a form post without JavaScript gets a page in its language, a post
    // that names no language gets every language's words. The site's pages are not limited.
    const page = await postForm(site.base, FLOODER, `flood-form-${Date.now()}`, "ru");
    assert.equal(page.status, 429);
    assert.match(page.headers["content-type"], /^text\/html/);
    assert.ok(Number(page.headers["retry-after"]) >= 1);
    assert.match(page.body, /<html lang="ru">/);
    assert.match(page.body, /Подождите несколько минут и отправьте заявку ещё раз/);
    assert.match(page.body, /<link rel="stylesheet" href="\/style.css">/, "the intake's own page style");
    const unnamed = await postJson(site.base, FLOODER, `flood-unnamed-${Date.now()}`, "/api/applications");
    assert.equal(unnamed.status, 429);
    const { message } = JSON.parse(unnamed.body);
    assert.ok(/Бир нече мүнөт/.test(message) && /Подождите несколько минут/.test(message), message);
    const home = await send(site.base, { from: FLOODER, method: "GET", path: "/ky/" });
    assert.equal(home.status, 200, "the flooder still reads the site");
  } finally {
    await site.stop();
  }
});

test("an applicant whose network is past the limit is told so in her language, and her post goes again by itself", async () => {
  // Two at once, then one every five seconds: the page waits at least ten before it posts
  // again, enough for its post and its thank-you page.
  const site = await start(undefined, { flags: ["--intake-limit", "2/10s"] });
  try {
    const page = await site.browser.newPage();
    await page.goto(`${site.base}/ru/forma-zayavki/`);
    await fillAll(page, { name: "Асель Маматова", birth: "1994-05-05", essay: "В нашем селе нужна библиотека." });
    // Someone else on the same network (the browser posts from 127.0.0.1 too) takes the share.
    for (const i of [1, 2]) {
      const neighbour = await postJson(site.base, "127.0.0.1", `neighbour-${i}-${Date.now()}`);
      assert.equal(neighbour.status, 201);
    }
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().includes("/api/applications") && r.request().method() === "POST"),
      page.click("#application button[type=submit]"),
    ]);
    assert.equal(refused.status(), 429);
    // The wait is said in Russian, the page's language, while the answers stay in the form.
    await page.waitForFunction(() => /Подождите несколько минут/.test(document.getElementById("form-status").textContent));
    assert.equal(await page.inputValue("#f-full_name"), "Асель Маматова");
    await page.waitForURL(/\/api\/applications\/thanks\?lang=ru&code=/, { timeout: 40000 });
    assert.match((await page.textContent("#application-code")).trim(), /^\d{3}-\d{3}-\d{4}$/);
    assert.match(site.listed(), /^3 applications/);
  } finally {
    await site.stop();
  }
});
