// The rehearsal's front door (deploy/local/front-door.conf.template in a real nginx) against the
// distribution it stands in for: every case of deploy/cdn/url-cases.json must end as the
// CloudFront Function ends it, at the origin the template routes it to, with the template's
// error page and response headers. Two small servers play the origins and note what they were
// asked for: the bucket (moto's server, path-style) and the API (the API Gateway emulator).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cases, loadTemplate, loadUrlRules, requestLine, root, viewerRequest } from './support.mjs';

const BUCKET = 'site-bucket';
// What the distribution sends the API as X-Origin-Verify (the template's OriginSecret).
const ORIGIN_SECRET = 'front-door-test-secret-0123456789abcdef';
const CSP = "default-src 'self'; script-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; object-src 'none'";
const NOT_FOUND_PAGE = '<!DOCTYPE html><title>404</title><p>Бул барак жок.</p>\n';

const handler = loadUrlRules();
const template = loadTemplate();
const distribution = template.Resources.SiteDistribution.Properties.DistributionConfig;

/** A port nobody listens on right now. */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An origin on loopback that notes every request and answers with `answer(request, body)`. */
async function origin(answer) {
  const asked = [];
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      asked.push({ method: request.method, url: request.url, headers: request.headers, body });
      const { status = 200, headers = {}, text = '' } = answer(request, body);
      response.writeHead(status, { 'content-length': Buffer.byteLength(text), ...headers });
      response.end(text);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, asked, url: `http://127.0.0.1:${server.address().port}` };
}

/**
 * The private bucket: every key exists but those with `missing` in them; 404.html is the error
 * page. Like moto's server, it reads no signature but refuses a request without one.
 */
function bucket(request) {
  const prefix = `/${BUCKET}/`;
  if (!request.url.startsWith(prefix)) {
    return { status: 400, text: `not a path-style request for ${BUCKET}: ${request.url}` };
  }
  // A private bucket: S3 (and moto's server) refuse what the distribution did not sign.
  if (!request.headers.authorization) {
    return { status: 403, text: '' };
  }
  const key = decodeURIComponent(request.url.slice(prefix.length));
  if (key.includes('missing')) {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Key>${key}</Key></Error>`;
    return { status: 404, headers: { 'content-type': 'application/xml' }, text: xml };
  }
  // An origin's own copy of a header the policy sets is replaced (Override).
  const headers = { 'content-type': 'text/html; charset=utf-8', 'referrer-policy': 'unsafe-url' };
  return { headers, text: key === '404.html' ? NOT_FOUND_PAGE : `object ${key}` };
}

/** The API: answers with the status a test asks for in x-test-status, 200 otherwise. */
function api(request) {
  const status = Number(request.headers['x-test-status'] ?? 200);
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (status === 503) {
    headers['retry-after'] = '3';
  }
  return { status, headers, text: JSON.stringify({ answered: request.url, status }) };
}

/** One request to the front door, its path sent exactly as written. */
function ask(port, path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function listening(port, nginx, stderr) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (nginx.exitCode !== null) {
      throw new Error(`nginx stopped (${nginx.exitCode}): ${stderr.join('')}`);
    }
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (open) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx does not listen on ${port}: ${stderr.join('')}`);
}

const nginxBinary = process.env.NGINX ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

// nginx runs under a small shell that stops it on SIGTERM, and also when this test process is
// gone (a runner killed halfway never reaches after()): no nginx outlives its test.
const WATCHDOG = `
"$@" & nginx=$!
trap 'kill -TERM "$nginx" 2>/dev/null; wait "$nginx"; exit' TERM INT
while kill -0 "$OWNER" 2>/dev/null && kill -0 "$nginx" 2>/dev/null; do sleep 0.2; done
kill -TERM "$nginx" 2>/dev/null
wait "$nginx"
`;

describe('the front door routes as the distribution does', () => {
  let s3;
  let intake;
  let nginx;
  let port;
  let prefix;
  const stderr = [];

  before(async () => {
    s3 = await origin(bucket);
    intake = await origin(api);
    prefix = mkdtempSync(join(tmpdir(), 'front-door-'));
    // Started as root, nginx's workers run as another user and must reach its scratch files.
    chmodSync(prefix, 0o711);
    mkdirSync(join(prefix, 'temp'));
    port = await freePort();
    execFileSync('bash', [join(root, 'deploy', 'local', 'render-conf.sh'), join(prefix, 'front-door.conf')], {
      env: { ...process.env, FRONT_DOOR_PORT: String(port), API_ORIGIN: intake.url, S3_ORIGIN: `${s3.url}/${BUCKET}`, CSP, ORIGIN_SECRET },
    });
    const args = ['-p', prefix, '-c', 'front-door.conf', '-e', 'stderr', '-g', `daemon off; pid ${join(prefix, 'nginx.pid')};`];
    nginx = spawn('bash', ['-c', WATCHDOG, 'front-door', nginxBinary, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, OWNER: String(process.pid) },
    });
    nginx.stderr.on('data', (chunk) => stderr.push(chunk.toString()));
    await listening(port, nginx, stderr);
  });

  after(async () => {
    if (nginx && nginx.exitCode === null) {
      const stopped = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await stopped;
    }
    s3?.server.close();
    intake?.server.close();
    if (prefix) {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  function forget() {
    s3.asked.length = 0;
    intake.asked.length = 0;
  }

  for (const c of cases) {
    it(`${requestLine(c)} as the CloudFront Function answers it`, async () => {
      forget();
      const answer = await ask(port, requestLine(c));
      const cloudfront = handler(viewerRequest(c.uri, c.query));
      if (c.expect.status) {
        assert.equal(answer.status, cloudfront.statusCode);
        assert.equal(answer.headers.location, cloudfront.headers.location.value);
        assert.equal(answer.headers.location, c.expect.location);
        assert.deepEqual([s3.asked, intake.asked], [[], []], 'a redirect is answered at the door');
      } else if (c.expect.origin === 'site') {
        assert.equal(answer.status, 200, answer.body);
        assert.deepEqual(
          s3.asked.map((r) => `${r.method} ${r.url}`),
          [`GET /${BUCKET}${cloudfront.uri}`],
          'the bucket is asked for the object the function names, without the query string',
        );
        assert.equal(cloudfront.uri, c.expect.uri);
        assert.deepEqual(intake.asked, []);
      } else {
        assert.equal(answer.status, 200, answer.body);
        assert.equal(cloudfront.statusCode, undefined, 'the function leaves /api/ alone');
        assert.equal(cloudfront.uri, c.uri, 'the function leaves /api/ alone');
        assert.deepEqual(
          intake.asked.map((r) => `${r.method} ${r.url}`),
          [`GET ${c.expect.uri}${c.expect.query === undefined ? '' : `?${c.expect.query}`}`],
        );
        assert.equal(intake.asked[0].headers.host, new URL(intake.url).host, 'the API is sent its own name, as AllViewerExceptHostHeader does');
        assert.equal(intake.asked[0].headers['x-viewer-host'], `127.0.0.1:${port}`, 'the viewer\'s host is passed on');
        assert.equal(intake.asked[0].headers['x-origin-verify'], ORIGIN_SECRET, 'the distribution\'s secret is added');
        assert.deepEqual(s3.asked, []);
      }
    });
  }

  it('adds the response headers policy to every answer, over the origin\'s own', async () => {
    const policy = template.Resources.SecurityHeaders.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    assert.deepEqual(
      Object.keys(policy).sort(),
      ['ContentSecurityPolicy', 'ContentTypeOptions', 'FrameOptions', 'ReferrerPolicy', 'StrictTransportSecurity'],
      'a header the template adds must be added by the front door too',
    );
    assert.deepEqual(policy.ContentSecurityPolicy.ContentSecurityPolicy, { Ref: 'ContentSecurityPolicy' });
    const hsts = policy.StrictTransportSecurity;
    const expected = {
      'strict-transport-security': [
        `max-age=${hsts.AccessControlMaxAgeSec}`,
        ...(hsts.IncludeSubdomains ? ['includeSubDomains'] : []),
        ...(hsts.Preload ? ['preload'] : []),
      ].join('; '),
      'x-content-type-options': 'nosniff',
      'x-frame-options': policy.FrameOptions.FrameOption,
      'referrer-policy': policy.ReferrerPolicy.ReferrerPolicy,
      'content-security-policy': CSP,
    };
    for (const setting of Object.values(policy)) {
      assert.equal(setting.Override, true, 'the policy replaces what an origin says');
    }
    for (const [path, options] of [
      ['/ky/', {}],
      ['/ky/missing/', {}],
      ['/api/applications', { method: 'POST', headers: { 'x-test-status': '422' } }],
    ]) {
      const answer = await ask(port, path, options);
      for (const [name, value] of Object.entries(expected)) {
        assert.equal(answer.headers[name], value, `${name} on ${path}`);
      }
    }
  });

  it('serves the template\'s error page for what the bucket does not have', async () => {
    const errors = distribution.CustomErrorResponses;
    assert.deepEqual(
      errors.map((e) => e.ErrorCode),
      [404],
      'only 404 is replaced: the intake answers 403 when applications are closed',
    );
    const [{ ResponseCode, ResponsePagePath }] = errors;
    forget();
    const answer = await ask(port, '/ky/missing/?utm_source=x');
    assert.equal(answer.status, ResponseCode);
    assert.equal(answer.body, NOT_FOUND_PAGE);
    assert.match(answer.headers['content-type'], /^text\/html/);
    assert.deepEqual(
      s3.asked.map((r) => r.url),
      [`/${BUCKET}/ky/missing/index.html`, `/${BUCKET}${ResponsePagePath}`],
    );
  });

  it('sends the API the distribution\'s secret header, replacing a viewer\'s own', async () => {
    const apiOrigin = distribution.Origins.find((o) => o.CustomOriginConfig && o.OriginCustomHeaders);
    assert.ok(apiOrigin, 'the template\'s API origin carries custom headers');
    assert.deepEqual(
      apiOrigin.OriginCustomHeaders.map((h) => h.HeaderName),
      ['X-Origin-Verify'],
      'the template adds the same header',
    );
    forget();
    await ask(port, '/api/applications/thanks?lang=ky&code=123-456-7890', { headers: { 'x-origin-verify': 'viewer-guess' } });
    assert.equal(intake.asked.length, 1);
    assert.equal(intake.asked[0].headers['x-origin-verify'], ORIGIN_SECRET);
  });

  it('passes the API the host the viewer asked for, as the template\'s function does, replacing a viewer\'s own', async () => {
    const behaviour = distribution.CacheBehaviors.find((b) => b.PathPattern === '/api/*');
    assert.equal(behaviour.OriginRequestPolicyId, 'b689b0a8-53d0-40ab-baf2-68738e2966ac', 'AllViewerExceptHostHeader');
    const [association] = behaviour.FunctionAssociations;
    assert.equal(association.EventType, 'viewer-request');
    assert.equal(association.FunctionARN['Fn::GetAtt'][0], 'ViewerHostFunction');
    // The template's function, run on a viewer's request that claims a host of its own.
    const code = template.Resources.ViewerHostFunction.Properties.FunctionCode;
    const viewerHost = new Function(`${code}; return handler;`)();
    const request = viewerHost({ request: { headers: { host: { value: 'd111.cloudfront.net' }, 'x-viewer-host': { value: 'evil.example' } } } });
    assert.equal(request.headers['x-viewer-host'].value, 'd111.cloudfront.net');
    forget();
    await ask(port, '/api/applications/thanks?lang=ky&code=123-456-7890', { headers: { 'x-viewer-host': 'evil.example' } });
    assert.equal(intake.asked[0].headers['x-viewer-host'], `127.0.0.1:${port}`);
    assert.equal(intake.asked[0].headers.host, new URL(intake.url).host);
  });

  it('refuses other methods than GET and HEAD for the site, as its behaviour allows', async () => {
    assert.deepEqual(distribution.DefaultCacheBehavior.AllowedMethods, ['GET', 'HEAD']);
    forget();
    assert.equal((await ask(port, '/ky/', { method: 'HEAD' })).status, 200);
    assert.equal((await ask(port, '/ky/', { method: 'POST', body: 'a=1' })).status, 403);
    assert.deepEqual(
      s3.asked.map((r) => `${r.method} ${r.url}`),
      [`HEAD /${BUCKET}/ky/index.html`],
    );
  });

  it('passes every method, the body and the headers the intake reads on to the API', async () => {
    const behaviour = distribution.CacheBehaviors.find((b) => b.PathPattern === '/api/*');
    assert.deepEqual([...behaviour.AllowedMethods].sort(), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    forget();
    const form = 'lang=ky&name=%D0%90%D0%B9%D0%B3%D2%AF%D0%BB';
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html',
      origin: 'https://mektep.example',
    };
    const answer = await ask(port, '/api/applications?lang=ky', { method: 'POST', headers, body: form });
    assert.equal(answer.status, 200);
    const [asked] = intake.asked;
    assert.equal(`${asked.method} ${asked.url}`, 'POST /api/applications?lang=ky');
    assert.equal(asked.body, form);
    for (const [name, value] of Object.entries(headers)) {
      assert.equal(asked.headers[name], value, name);
    }
    for (const method of ['OPTIONS', 'PUT', 'PATCH', 'DELETE']) {
      assert.equal((await ask(port, '/api/applications', { method })).status, 200, method);
    }
  });

  it('keeps the intake\'s own answers but 404, which the distribution replaces for the API too', async () => {
    const closed = await ask(port, '/api/applications', { method: 'POST', headers: { 'x-test-status': '403' } });
    assert.equal(closed.status, 403);
    assert.deepEqual(JSON.parse(closed.body), { answered: '/api/applications', status: 403 });

    const busy = await ask(port, '/api/applications', { method: 'POST', headers: { 'x-test-status': '503' } });
    assert.equal(busy.status, 503);
    assert.equal(busy.headers['retry-after'], '3');

    const invalid = await ask(port, '/api/applications', { method: 'POST', headers: { 'x-test-status': '422' } });
    assert.equal(invalid.status, 422);
    assert.equal(JSON.parse(invalid.body).status, 422);

    forget();
    const unknown = await ask(port, '/api/applications/thanks?code=1', { headers: { 'x-test-status': '404' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body, NOT_FOUND_PAGE);
    assert.deepEqual(s3.asked.map((r) => `${r.method} ${r.url}`), [`GET /${BUCKET}/404.html`]);
  });
});
