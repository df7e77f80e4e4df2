// Copies deploy/cdn/url-rules.js into deploy/template.yaml, as the literal block under
// UrlRulesFunction's `FunctionCode: |` (CloudFormation takes a CloudFront Function's code
// inline only). Run it after every change to url-rules.js:
//   node deploy/cdn/inline-url-rules.mjs
// tests/deploy/url-rules.test.mjs fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const templateFile = join(here, '..', 'template.yaml');
const code = readFileSync(join(here, 'url-rules.js'), 'utf8');
if (!code.endsWith('\n') || code.endsWith('\n\n')) {
  // A literal block keeps exactly one final newline ("clip"): anything else would not round-trip.
  throw new Error('url-rules.js must end with exactly one newline');
}
if (/[ \t]$/m.test(code) || code.includes('\t')) {
  throw new Error('url-rules.js must have no tabs and no spaces at the end of a line');
}

const lines = readFileSync(templateFile, 'utf8').split('\n');
const keys = lines.flatMap((line, index) => (/^\s*FunctionCode: \|$/.test(line) ? [index] : []));
if (keys.length !== 1) {
  throw new Error(`${templateFile} must have one "FunctionCode: |" line, it has ${keys.length}`);
}
const key = keys[0];
const indent = lines[key].match(/^\s*/)[0].length + 2;

// The old block: every following line that is blank or indented deeper than the key, less the
// blank lines that separate it from what comes next.
let end = key + 1;
while (end < lines.length && (lines[end].trim() === '' || lines[end].match(/^\s*/)[0].length >= indent)) {
  end += 1;
}
while (end > key + 1 && lines[end - 1].trim() === '') {
  end -= 1;
}

const block = code
  .slice(0, -1)
  .split('\n')
  .map((line) => (line === '' ? '' : ' '.repeat(indent) + line));
lines.splice(key + 1, end - key - 1, ...block);
writeFileSync(templateFile, lines.join('\n'));
console.log(`deploy/template.yaml: UrlRulesFunction now carries url-rules.js (${block.length} lines)`);
