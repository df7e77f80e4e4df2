// What both deploy tests read: the URL cases, the CloudFront Function, the SAM template (as
// JSON, through cfn-lint's own YAML loader from tests/.tools/venv, which knows !Ref and !Sub)
// and the site's languages.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const urlRulesFile = join(root, 'deploy', 'cdn', 'url-rules.js');
export const templateFile = join(root, 'deploy', 'template.yaml');

export const cases = JSON.parse(readFileSync(join(root, 'deploy', 'cdn', 'url-cases.json'), 'utf8')).cases;

/** A case's name in test output: `/ky/etaptar?utm_source=fb`. */
export function requestLine(c) {
  return c.query === undefined ? c.uri : `${c.uri}?${c.query}`;
}

/** The CloudFront Function's `handler`, loaded as CloudFront loads it: a plain script. */
export function loadUrlRules() {
  const context = vm.createContext({});
  vm.runInContext(readFileSync(urlRulesFile, 'utf8'), context, { filename: urlRulesFile });
  if (typeof context.handler !== 'function') {
    throw new Error(`${urlRulesFile} defines no function handler(event)`);
  }
  return context.handler;
}

/**
 * A viewer-request event as CloudFront Functions passes it: the query string parsed into
 * `querystring` (values left encoded) and the raw one from `rawQueryString()`, undefined
 * when the request had no `?`.
 */
export function viewerRequest(uri, query) {
  const querystring = {};
  for (const pair of query ? query.split('&') : []) {
    const at = pair.indexOf('=');
    const name = at < 0 ? pair : pair.slice(0, at);
    const value = at < 0 ? '' : pair.slice(at + 1);
    if (querystring[name]) {
      querystring[name].multiValue = (querystring[name].multiValue ?? [{ value: querystring[name].value }]).concat({ value });
    } else {
      querystring[name] = { value };
    }
  }
  return {
    version: '1.0',
    context: { eventType: 'viewer-request', distributionId: 'ETEST', requestId: 'test' },
    viewer: { ip: '198.51.100.7' },
    request: {
      method: 'GET',
      uri,
      querystring,
      headers: { host: { value: 'mektep.example' } },
      cookies: {},
      rawQueryString: () => query,
    },
  };
}

/** deploy/template.yaml as plain JSON (`!Ref X` becomes `{ "Ref": "X" }`). */
export function loadTemplate() {
  const python = join(process.env.MEKTEP_TOOLS ?? join(root, 'tests', '.tools'), 'venv', 'bin', 'python');
  if (!existsSync(python)) {
    throw new Error(`${python} is missing: run bash tests/setup.sh first`);
  }
  const script = [
    'import json, sys',
    'from cfnlint.decode import decode',
    'template, problems = decode(sys.argv[1])',
    'if problems: sys.exit("\\n".join(str(p) for p in problems))',
    'json.dump(template, sys.stdout)',
  ].join('\n');
  return JSON.parse(execFileSync(python, ['-c', script, templateFile], { encoding: 'utf8' }));
}

/** The site's languages from content/config.toml, the default first. */
export function siteLanguages() {
  const config = readFileSync(join(root, 'content', 'config.toml'), 'utf8');
  const line = config.match(/^languages\s*=\s*\[([^\]]*)\]/m);
  if (!line) {
    throw new Error('content/config.toml has no languages = [...] line');
  }
  return [...line[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

/** Whether a CloudFront path pattern (`*` any run, `?` one character) matches a path. */
export function pathPatternMatches(pattern, path) {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(path);
}
