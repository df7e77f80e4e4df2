// A stand-in Lambda function for the emulator's test, speaking the Runtime API as a custom
// runtime does. It answers every event with the event itself (and the Lambda environment
// variables it was given) as JSON; the path decides anything else:
//   /crash        exits in the middle of the invocation
//   /error        reports a function error
//   /binary       answers bytes, base64-encoded
//   /slow         takes 300 ms
//   /hang         takes 10 s, longer than the test gives the function
// An event without a path (a scheduled one) is answered {"ok":true}; when the emulator gives it
// ECHO_EVENTS (a file), each is appended there as a JSON line with its context, the Lambda
// environment and when the run started and ended. ECHO_SLOW_MS makes each such run take that
// long; a file ECHO_EVENTS + ".crash" makes the next one crash (the file is removed first).
import { appendFileSync, existsSync, unlinkSync } from "node:fs";

const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation`;
const lambdaEnv = Object.fromEntries(Object.entries(process.env)
  .filter(([name]) => /^(AWS_|LAMBDA_|_HANDLER|TZ$|APPLICATIONS_TABLE)/.test(name)));

for (;;) {
  const next = await fetch(`${api}/next`);
  const id = next.headers.get("lambda-runtime-aws-request-id");
  const context = {
    deadline: next.headers.get("lambda-runtime-deadline-ms"),
    arn: next.headers.get("lambda-runtime-invoked-function-arn"),
    trace: next.headers.get("lambda-runtime-trace-id"),
  };
  const event = await next.json();
  const path = event.rawPath;
  if (path === undefined) {
    const started = Date.now();
    const record = process.env.ECHO_EVENTS;
    if (record && existsSync(`${record}.crash`)) {
      unlinkSync(`${record}.crash`);
      process.exit(3);
    }
    await new Promise((done) => setTimeout(done, Number(process.env.ECHO_SLOW_MS ?? 0)));
    if (record) appendFileSync(record, JSON.stringify({ event, context, env: lambdaEnv, started, ended: Date.now() }) + "\n");
    await fetch(`${api}/${id}/response`, { method: "POST", body: JSON.stringify({ ok: true }) });
    continue;
  }
  if (path === "/crash") process.exit(3);
  if (path === "/slow") await new Promise((done) => setTimeout(done, 300));
  if (path === "/hang") await new Promise((done) => setTimeout(done, 10000));
  if (path === "/error") {
    await fetch(`${api}/${id}/error`, {
      method: "POST",
      headers: { "lambda-runtime-function-error-type": "Test.Failure" },
      body: JSON.stringify({ errorType: "Test.Failure", errorMessage: "asked to fail" }),
    });
    continue;
  }
  const response = path === "/binary"
    ? { statusCode: 200, headers: { "content-type": "image/png" }, isBase64Encoded: true, body: Buffer.from([0, 1, 2, 255]).toString("base64") }
    : {
      statusCode: 201,
      headers: { "content-type": "application/json", "x-echo": "yes" },
      cookies: ["a=1; Path=/", "b=2; Path=/"],
      body: JSON.stringify({ event, context, env: lambdaEnv }),
    };
  await fetch(`${api}/${id}/response`, { method: "POST", body: JSON.stringify(response) });
}
