// The CloudFront Function (deploy/cdn/url-rules.js) on every case of deploy/cdn/url-cases.json,
// and the template that ships it: the same code, associated where the cases say it runs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  cases,
  loadTemplate,
  loadUrlRules,
  pathPatternMatches,
  requestLine,
  siteLanguages,
  urlRulesFile,
  viewerRequest,
} from './support.mjs';

const handler = loadUrlRules();

describe('the CloudFront Function answers every URL case', () => {
  for (const c of cases) {
    it(`${requestLine(c)} → ${c.expect.location ?? c.expect.uri}`, () => {
      const event = viewerRequest(c.uri, c.query);
      const result = handler(event);
      if (c.expect.status) {
        assert.equal(result.statusCode, c.expect.status);
        assert.ok(result.statusDescription, 'a redirect carries its status text');
        assert.deepEqual(Object.keys(result.headers), ['location']);
        assert.equal(result.headers.location.value, c.expect.location);
      } else {
        assert.equal(result, event.request, 'the request goes on to the origin');
        assert.equal(result.uri, c.expect.uri);
        assert.deepEqual(result.querystring, viewerRequest(c.uri, c.query).request.querystring, 'the query is untouched');
      }
    });
  }
});

describe('the URL rules agree with the site', () => {
  it('send / to the home page of the first language in content/config.toml', () => {
    const home = `/${siteLanguages()[0]}/`;
    const root = cases.find((c) => c.uri === '/' && c.query === undefined);
    assert.equal(root.expect.location, home);
    assert.equal(handler(viewerRequest('/', undefined)).headers.location.value, home);
  });

  it('never redirect to another host', () => {
    for (const c of cases.filter((c) => c.expect.location)) {
      assert.match(c.expect.location, /^\/(?![/\\])/, `${requestLine(c)} redirects to ${c.expect.location}`);
    }
    for (const uri of ['//evil.example', '///evil.example', '/\\evil.example', '//evil.example/x']) {
      const result = handler(viewerRequest(uri, undefined));
      assert.equal(result.statusCode, undefined, `${uri} is not redirected`);
    }
  });
});

describe('the template ships the function as it is tested', () => {
  const template = loadTemplate();
  const resources = template.Resources;
  const config = resources.SiteDistribution.Properties.DistributionConfig;

  it('UrlRulesFunction carries deploy/cdn/url-rules.js byte for byte', () => {
    const inline = resources.UrlRulesFunction.Properties.FunctionCode;
    assert.equal(
      inline,
      readFileSync(urlRulesFile, 'utf8'),
      'deploy/template.yaml has an old copy of deploy/cdn/url-rules.js: run `node deploy/cdn/inline-url-rules.mjs`',
    );
    assert.equal(resources.UrlRulesFunction.Properties.FunctionConfig.Runtime, 'cloudfront-js-2.0');
  });

  it('runs it on viewer requests to the bucket and never on /api/*', () => {
    assert.deepEqual(config.DefaultCacheBehavior.FunctionAssociations, [
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': ['UrlRulesFunction', 'FunctionMetadata.FunctionARN'] } },
    ]);
    // /api/* runs only the function that passes on the viewer's host (front-door.test.mjs).
    for (const behaviour of config.CacheBehaviors) {
      const names = (behaviour.FunctionAssociations ?? []).map((f) => f.FunctionARN['Fn::GetAtt'][0]);
      assert.ok(!names.includes('UrlRulesFunction'), `${behaviour.PathPattern} runs no URL rules`);
    }
  });

  it('sends each case to the origin the case names', () => {
    const origins = Object.fromEntries(config.Origins.map((origin) => [origin.Id, origin]));
    for (const c of cases.filter((c) => c.expect.origin)) {
      const behaviour = config.CacheBehaviors.find((b) => pathPatternMatches(b.PathPattern, c.uri)) ?? config.DefaultCacheBehavior;
      assert.ok(origins[behaviour.TargetOriginId], `${behaviour.TargetOriginId} is an origin`);
      assert.equal(behaviour.TargetOriginId, c.expect.origin, `${requestLine(c)} goes to ${behaviour.TargetOriginId}`);
    }
  });
});
