// The Lambda emulator (deploy/local/lambda_emulator.py) against what AWS documents: the
// Runtime API a custom runtime talks to, and the API Gateway HTTP API events (payload 2.0) and
// responses. A stand-in function (echo-runtime.mjs) answers with the event it was given.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";

const root = resolve(import.meta.dirname, "../..");

let emulator, exited, api, work;
let log = "";

before(async () => {
  work = mkdtempSync(join(tmpdir(), "mektep-emulator-test-"));
  // The emulator gives its function Lambda's PATH, where this machine's node may not be.
  const bootstrap = join(work, "bootstrap");
  writeFileSync(bootstrap, `#!/bin/sh\nexec "${process.execPath}" "${join(root, "tests", "deploy", "echo-runtime.mjs")}"\n`);
  chmodSync(bootstrap, 0o755);
  const routes = ["POST /api/applications", "GET /api/applications/thanks", "ANY /crash", "ANY /error", "GET /binary",
    "GET /slow", "GET /hang", "GET /items/{id}"];
  emulator = spawn("python3", [join(root, "deploy", "local", "lambda_emulator.py"), "--binary", bootstrap,
    ...routes.flatMap((route) => ["--route", route]), "--env", "APPLICATIONS_TABLE=applications-test",
    "--region", "eu-central-1", "--timeout", "2"], { stdio: ["ignore", "pipe", "pipe"] });
  exited = new Promise((done) => emulator.on("exit", (code, signal) => done({ code, signal })));
  emulator.stderr.on("data", (chunk) => { log += chunk; });
  await new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`the emulator was not ready within 20 s:\n${log}`)), 20000);
    createInterface({ input: emulator.stdout }).on("line", (line) => {
      if (line.startsWith("API_ENDPOINT=")) api = line.slice("API_ENDPOINT=".length);
      if (line === "READY") { clearTimeout(timer); ready(); }
    });
  });
});

after(async () => {
  if (emulator.exitCode === null && emulator.signalCode === null) {
    emulator.kill("SIGTERM");
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

const stats = async () => (await fetch(`${api}/_emulator/stats`)).json();

test("a form post becomes a 2.0 event: base64 body, lower-case headers joined by commas, cookies apart", async () => {
  // node:http sends a header given as a list as one line per value, as a browser may.
  const response = await new Promise((done, fail) => {
    const request = http.request(`${api}/api/applications?lang=ky&tag=a&tag=b`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: "one=1; two=2",
        "x-repeated": ["first", "second"], "user-agent": "emulator-test" },
    }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    request.on("error", fail);
    request.end("full_name=%D0%90%D0%B9%D0%B3%D1%83%D0%BB%D1%8C&lang=ky");
  });
  assert.equal(response.status, 201);
  assert.equal(response.headers["x-echo"], "yes");
  assert.deepEqual(response.headers["set-cookie"], ["a=1; Path=/", "b=2; Path=/"]);
  assert.ok(response.headers["apigw-requestid"]);
  const { event, context, env } = JSON.parse(response.body);

  assert.equal(event.version, "2.0");
  assert.equal(event.routeKey, "POST /api/applications");
  assert.equal(event.rawPath, "/api/applications");
  assert.equal(event.rawQueryString, "lang=ky&tag=a&tag=b");
  assert.deepEqual(event.queryStringParameters, { lang: "ky", tag: "a,b" });
  assert.deepEqual(event.cookies, ["one=1", "two=2"]);
  assert.equal(event.headers.cookie, undefined);
  assert.equal(event.headers["x-repeated"], "first,second");
  assert.equal(event.headers["content-type"], "application/x-www-form-urlencoded");
  assert.equal(event.headers["x-forwarded-for"], "127.0.0.1");
  assert.ok(Object.keys(event.headers).every((name) => name === name.toLowerCase()));
  // API Gateway passes a form post base64-encoded: only text/* and JSON, XML and JavaScript
  // arrive as text.
  assert.equal(event.isBase64Encoded, true);
  assert.equal(Buffer.from(event.body, "base64").toString(), "full_name=%D0%90%D0%B9%D0%B3%D1%83%D0%BB%D1%8C&lang=ky");
  const { http: line, requestId, routeKey, stage, time, timeEpoch } = event.requestContext;
  assert.deepEqual(line, { method: "POST", path: "/api/applications", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "emulator-test" });
  assert.ok(requestId);
  assert.equal(routeKey, "POST /api/applications");
  assert.equal(stage, "$default");
  assert.match(time, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  assert.ok(Math.abs(timeEpoch - Date.now()) < 60000);

  assert.match(context.arn, /^arn:aws:lambda:eu-central-1:\d{12}:function:IntakeFunction$/);
  assert.ok(Number(context.deadline) > Date.now(), "the deadline is ahead");
  assert.match(context.trace, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}/);
  assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, "IntakeFunction");
  assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "256");
  assert.equal(env.AWS_LAMBDA_FUNCTION_VERSION, "$LATEST");
  assert.equal(env.AWS_REGION, "eu-central-1");
  assert.equal(env._HANDLER, "bootstrap");
  assert.equal(env.APPLICATIONS_TABLE, "applications-test");
  assert.ok(env.LAMBDA_TASK_ROOT);
});

test("a JSON body arrives as text; a GET has no body; path parameters are named", async () => {
  const json = await (await fetch(`${api}/api/applications`, {
    method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: '{"full_name":"Айгүл"}',
  })).json();
  assert.equal(json.event.isBase64Encoded, false);
  assert.equal(json.event.body, '{"full_name":"Айгүл"}');

  const get = await (await fetch(`${api}/items/42`)).json();
  assert.equal(get.event.routeKey, "GET /items/{id}");
  assert.deepEqual(get.event.pathParameters, { id: "42" });
  assert.equal(get.event.body, undefined);
  assert.equal(get.event.queryStringParameters, undefined);
});

test("a route the API does not declare is 404 and invokes nothing", async () => {
  const before = (await stats()).instances.reduce((sum, instance) => sum + instance.invocations, 0);
  const response = await fetch(`${api}/api/elsewhere`, { method: "POST", body: "x" });
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), { message: "Not Found" });
  assert.equal((await fetch(`${api}/api/applications`)).status, 404, "GET is not a declared method");
  const now = (await stats()).instances.reduce((sum, instance) => sum + instance.invocations, 0);
  assert.equal(now, before);
});

test("a base64 response is decoded", async () => {
  const response = await fetch(`${api}/binary`);
  assert.equal(response.headers.get("content-type"), "image/png");
  assert.deepEqual([...new Uint8Array(await response.arrayBuffer())], [0, 1, 2, 255]);
});

test("requests that arrive together are answered one after another by the one instance", async () => {
  const started = Date.now();
  const statuses = await Promise.all([1, 2, 3].map(() => fetch(`${api}/slow`).then((r) => r.status)));
  assert.deepEqual(statuses, [201, 201, 201]);
  assert.ok(Date.now() - started >= 900, "three invocations of 300 ms took turns");
});

test("a function error is 500, as HTTP APIs answer it", async () => {
  const response = await fetch(`${api}/error`);
  assert.equal(response.status, 500);
  assert.deepEqual(await response.json(), { message: "Internal Server Error" });
});

test("a crash fails its request with 500 and the next request meets a new instance", async () => {
  const before = (await stats()).instances.length;
  const crashed = await fetch(`${api}/crash`);
  assert.equal(crashed.status, 500);
  assert.deepEqual(await crashed.json(), { message: "Internal Server Error" });
  assert.equal((await fetch(`${api}/items/1`)).status, 201);
  const { instances } = await stats();
  assert.equal(instances.length, before + 1);
  assert.equal(instances.at(-2).exit_code, 3);
  assert.ok(instances.at(-1).init_ms > 0);
  assert.ok(instances.at(-1).first_invocation_ms > 0);
});

test("an invocation past the function's timeout is 500, and its instance is replaced", async () => {
  const before = (await stats()).instances.length;
  const started = Date.now();
  const response = await fetch(`${api}/hang`);
  assert.equal(response.status, 500);
  const waited = Date.now() - started;
  assert.ok(waited >= 2000 && waited < 8000, `answered after the 2 s timeout (${waited} ms)`);
  assert.equal((await fetch(`${api}/items/2`)).status, 201);
  assert.equal((await stats()).instances.length, before + 1);
});

test("the log has a line per invocation and never a body", () => {
  assert.match(log, /request [0-9a-f-]{36} 'POST \/api\/applications' status 201 duration [\d.]+ ms/);
  assert.doesNotMatch(log, /full_name|Айгүл|%D0%90/);
});

test("SIGTERM stops the emulator and its instance", async () => {
  const { instances } = await stats();
  const pid = instances.at(-1).pid;
  emulator.kill("SIGTERM");
  const { code } = await exited;
  assert.equal(code, 0);
  assert.throws(() => process.kill(pid, 0), "the function's process is gone");
  await assert.rejects(fetch(`${api}/_emulator/stats`));
});
