#!/usr/bin/env bash
# Installs what the tests need on a fresh machine; quick when it is all there already.
# Debian: Java (for the Nu HTML Checker), xmllint (sitemap schema). npm: the validators.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

missing=()
command -v java >/dev/null || missing+=(default-jre-headless)
command -v xmllint >/dev/null || missing+=(libxml2-utils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$here/node_modules/.bin/html-validate" ] || [ ! -f "$here/node_modules/vnu-jar/build/dist/vnu.jar" ] \
   || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "setup: installing the npm validators"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
