// A stand-in Lambda function for the emulator's test, speaking the Runtime API as a custom
// runtime does. It answers every event with the event itself (and the Lambda environment
// variables it was given) as JSON; the path decides anything else:
//   /crash        exits in the middle of the invocation
//   /error        reports a function error
//   /binary       answers bytes, base64-encoded
//   /slow         takes 300 ms
//   /hang         takes 10 s, longer than the test gives the function
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
