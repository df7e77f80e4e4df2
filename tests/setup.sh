#!/usr/bin/env bash
# Installs what the tests need on a fresh machine; quick when it is all there already.
# Debian: Java (Nu HTML Checker, DynamoDB Local), xmllint (sitemap schema), Chromium and fonts
# with ө ү ң (end-to-end tests). npm: the validators, DynamoDB Local, playwright-core.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

missing=()
command -v java >/dev/null || missing+=(default-jre-headless)
command -v xmllint >/dev/null || missing+=(libxml2-utils)
command -v curl >/dev/null || missing+=(curl)
command -v chromium >/dev/null || missing+=(chromium)
# Chromium's own fonts (Liberation) lack ө ү ң; Noto has them.
[ -d /usr/share/fonts/truetype/noto ] || missing+=(fonts-noto-core)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$here/node_modules/.bin/html-validate" ] || [ ! -f "$here/node_modules/vnu-jar/build/dist/vnu.jar" ] \
   || [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/amplify-dynamodb-simulator" ] \
   || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "setup: installing the npm test tools"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
