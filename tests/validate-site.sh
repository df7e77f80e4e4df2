#!/usr/bin/env bash
# Builds the real site (before and after the deadline), the three-language fixture and the
# Markdown constructs fixture, fetches
# the pages the function answers with, and runs real validators over them all: html-validate,
# the Nu HTML Checker, xmllint on the sitemaps.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

generator=("cargo" "run" "--quiet" "--locked" "-p" "generator" "--")
build() { # name content moment
  "${generator[@]}" build --content "$2" --templates "$repo/templates" --output "$out/$1" --at "$3" >/dev/null
}
build intake "$repo/content" 2020-12-01T12:00:00+06:00
build closed "$repo/content" 2021-03-04T10:00:00+06:00
build three-languages "$repo/generator/tests/fixtures/three-languages/content" 2020-12-01T12:00:00+06:00
# Every Markdown construct editors use, the HTML they may write by hand, and a photo in its
# <picture> (generator/tests/fixtures/markdown-constructs over the frozen content).
constructs="$out/constructs-content"
cp -r "$repo/tests/fixtures/site/content" "$constructs"
cp -r "$repo/generator/tests/fixtures/markdown-constructs/reports/." "$constructs/reports/"
mkdir -p "$constructs/images"
cp -r "$repo/generator/tests/fixtures/markdown-constructs/images/." "$constructs/images/"
build constructs "$constructs" 2021-03-04T10:00:00+06:00
rm -rf "$constructs"

# The pages the function answers with, fetched from `generator serve` like a browser would.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"${generator[@]}" serve --port "$port" --at 2020-12-01T12:00:00+06:00 --content "$repo/content" \
  --templates "$repo/templates" --output "$out/serve" --store "$out/store.sqlite" 2>/dev/null &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$port/ky/" >/dev/null && break; sleep 0.2; done
mkdir -p "$out/function"
curl -fs "http://127.0.0.1:$port/api/applications/thanks?lang=ru&code=482-913-5074" >"$out/function/thanks.html"
curl -s -d 'lang=ky&full_name=&email=broken' "http://127.0.0.1:$port/api/applications?lang=ky" >"$out/function/errors.html"
curl -s -H 'content-type: text/plain' -H 'accept: text/html' -d 'x' "http://127.0.0.1:$port/api/applications?lang=ru" >"$out/function/unsupported.html"
kill $serve_pid 2>/dev/null || true
rm -rf "$out/serve"

passed=0
failed=0
check() { # description, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAILED: $name"; fi
}
pages=$(find "$out" -name '*.html' | wc -l)
check "html-validate on $pages pages" "$here/node_modules/.bin/html-validate" --config "$here/.htmlvalidate.json" "$out/**/*.html"
check "Nu HTML Checker on $pages pages" java -jar "$here/node_modules/vnu-jar/build/dist/vnu.jar" --errors-only --skip-non-html "$out"
for site in intake closed three-languages constructs; do
  check "sitemap schema ($site)" xmllint --noout --schema "$here/schemas/sitemap-with-alternates.xsd" "$out/$site/sitemap.xml"
done
echo "site validation: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
