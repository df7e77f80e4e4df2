#!/usr/bin/env bash
# Builds the real site (before and after the deadline) and the three-language fixture, and
# runs real validators over them: html-validate, the Nu HTML Checker, xmllint on the sitemap.
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

passed=0
failed=0
check() { # description, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok: $name"; else failed=$((failed + 1)); echo "FAILED: $name"; fi
}
pages=$(find "$out" -name '*.html' | wc -l)
check "html-validate on $pages pages" "$here/node_modules/.bin/html-validate" --config "$here/.htmlvalidate.json" "$out/**/*.html"
check "Nu HTML Checker on $pages pages" java -jar "$here/node_modules/vnu-jar/build/dist/vnu.jar" --errors-only --skip-non-html "$out"
for site in intake closed three-languages; do
  check "sitemap schema ($site)" xmllint --noout --schema "$here/schemas/sitemap-with-alternates.xsd" "$out/$site/sitemap.xml"
done
echo "site validation: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
