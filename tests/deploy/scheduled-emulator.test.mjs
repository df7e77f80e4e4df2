// The Lambda emulator's scheduled mode (deploy/local/lambda_emulator.py --schedule/--every),
// which runs the notifier in the rehearsal, against what EventBridge does for a rule with a
// Lambda target: a "Scheduled Event" each period, the first one period after the start, no API,
// and (with the one instance reserved concurrency 1 allows) never two runs at once. The
// stand-in function (echo-runtime.mjs) notes every event it is given in a file.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";

const root = resolve(import.meta.dirname, "../..");
const emulatorScript = join(root, "deploy", "local", "lambda_emulator.py");

let work;
before(() => {
  work = mkdtempSync(join(tmpdir(), "mektep-schedule-test-"));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A bootstrap that runs the echo runtime (the emulator gives it Lambda's PATH, not ours). */
function bootstrap() {
  const file = join(work, "bootstrap");
  if (!existsSync(file)) {
    writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${join(root, "tests", "deploy", "echo-runtime.mjs")}"\n`);
    chmodSync(file, 0o755);
  }
  return file;
}

/** Starts the emulator with `args`; resolves once it printed READY, with what it printed. */
async function start(args) {
  const child = spawn("python3", [emulatorScript, "--binary", bootstrap(), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const run = { child, log: "", printed: {}, startedAt: Date.now() };
  run.exited = new Promise((done) => child.on("exit", (code, signal) => done({ code, signal })));
  child.stderr.on("data", (chunk) => { run.log += chunk; });
  await new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`not ready within 20 s:\n${run.log}`)), 20000);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const pair = line.match(/^([A-Z_]+)=(.*)$/);
      if (pair) run.printed[pair[1]] = pair[2];
      if (line === "READY") { clearTimeout(timer); ready(); }
    });
    run.exited.then(({ code }) => { clearTimeout(timer); fail(new Error(`exited with ${code}:\n${run.log}`)); });
  });
  // SIGTERM, then 10 s for the emulator to stop; one that does not is killed and fails the test.
  run.stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    let timer;
    const late = new Promise((done) => { timer = setTimeout(() => done("late"), 10000); });
    const stopped = await Promise.race([run.exited, late]);
    clearTimeout(timer);
    if (stopped === "late") {
      child.kill("SIGKILL");
      await run.exited;
      assert.fail(`the emulator did not stop within 10 s of SIGTERM:\n${run.log}`);
    }
    return stopped;
  };
  return run;
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const recorded = (file) => existsSync(file)
  ? readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line))
  : [];

describe("every --every seconds a Scheduled Event, and no API", () => {
  let run;
  const events = () => join(work, "every.jsonl");

  before(async () => {
    run = await start(["--every", "1", "--function-name", "NotifierFunction", "--region", "eu-central-1",
      "--timeout", "5", "--env", `ECHO_EVENTS=${events()}`, "--env", "APPLICATIONS_TABLE=applications-test"]);
  });
  after(async () => { await run?.stop(); });

  test("prints the Runtime API and READY, and no API endpoint", () => {
    assert.match(run.printed.RUNTIME_API ?? "", /^127\.0\.0\.1:\d+$/);
    assert.equal(run.printed.API_ENDPOINT, undefined, "a scheduled function has no API");
    assert.match(run.log, /a Scheduled Event every 1 s/);
  });

  test("each run gets EventBridge's Scheduled Event, about a second apart, the first after one period", async () => {
    await sleep(3600);
    const seen = recorded(events());
    assert.ok(seen.length >= 2 && seen.length <= 4, `${seen.length} runs in 3.6 s`);
    for (const { event, context, env } of seen) {
      assert.equal(event["detail-type"], "Scheduled Event");
      assert.equal(event.source, "aws.events");
      assert.equal(event.version, "0");
      assert.equal(event.region, "eu-central-1");
      assert.match(event.account, /^\d{12}$/);
      assert.deepEqual(event.detail, {});
      assert.equal(event.resources.length, 1);
      assert.match(event.resources[0], /^arn:aws:events:eu-central-1:\d{12}:rule\/\S+$/);
      assert.match(event.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.ok(Math.abs(Date.parse(event.time) - Date.now()) < 60000, "the event's time is now");
      assert.match(context.arn, /^arn:aws:lambda:eu-central-1:\d{12}:function:NotifierFunction$/);
      assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, "NotifierFunction");
      assert.equal(env.APPLICATIONS_TABLE, "applications-test", "the function's --env reaches it");
    }
    assert.equal(new Set(seen.map((s) => s.event.id)).size, seen.length, "every event has its own id");
    assert.ok(seen[0].started - run.startedAt >= 900, `the first run came one period after the start (${seen[0].started - run.startedAt} ms)`);
    const gaps = seen.slice(1).map((s, i) => s.started - seen[i].started);
    for (const gap of gaps) assert.ok(gap >= 700 && gap <= 1600, `runs ${gap} ms apart`);
  });

  test("a run that crashes is logged, and the next tick meets a new instance", async () => {
    const before = recorded(events()).length;
    writeFileSync(`${events()}.crash`, "");
    await sleep(2600);
    assert.ok(!existsSync(`${events()}.crash`), "the crashing run happened");
    assert.ok(recorded(events()).length > before, "a later run was served");
    assert.match(run.log, /instance 1 exited with 3 during invocation/);
    assert.match(run.log, /invocation [0-9a-f-]{36} 'Scheduled Event' Runtime\.ExitError/);
    assert.match(run.log, /instance 2 started/);
  });

  test("the log has a line per run, and SIGTERM stops it with its instance", async () => {
    assert.match(run.log, /invocation [0-9a-f-]{36} 'Scheduled Event' ok duration [\d.]+ ms/);
    const { code } = await run.stop();
    assert.equal(code, 0);
  });
});

test("a run longer than the period is never overlapped: the ticks it covers are skipped", async () => {
  const events = join(work, "slow.jsonl");
  const run = await start(["--every", "0.5", "--timeout", "5", "--env", `ECHO_EVENTS=${events}`, "--env", "ECHO_SLOW_MS=1300"]);
  try {
    await sleep(4500);
  } finally {
    await run.stop();
  }
  const seen = recorded(events);
  assert.ok(seen.length >= 2, `${seen.length} runs`);
  assert.ok(seen.length <= 3, `${seen.length} runs of 1.3 s each in 4.5 s: one at a time`);
  for (let i = 1; i < seen.length; i++) {
    assert.ok(seen[i].started >= seen[i - 1].ended, "a run starts after the last one ended");
  }
  assert.match(run.log, /scheduled tick\(s\) skipped: the last run was still going/);
});

test("the period comes from the rule's rate expression", async () => {
  const run = await start(["--schedule", "rate(2 minutes)"]);
  await run.stop();
  assert.match(run.log, /a Scheduled Event every 120 s \(rate\(2 minutes\)\)/);
});

test("a cron expression, or a route with a schedule, is refused before anything starts", async () => {
  for (const args of [["--schedule", "cron(0 12 * * ? *)"], ["--every", "1", "--route", "POST /api/applications"], ["--every", "0"]]) {
    const child = spawn("python3", [emulatorScript, "--binary", bootstrap(), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let errors = "";
    child.stderr.on("data", (chunk) => { errors += chunk; });
    const code = await new Promise((done) => child.on("exit", done));
    assert.equal(code, 2, `${args.join(" ")}: ${errors}`);
    assert.match(errors, /rate expression|no API|above 0/);
  }
});
