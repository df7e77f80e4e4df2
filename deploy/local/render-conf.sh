#!/usr/bin/env bash
# Writes the front door's nginx configuration: front-door.conf.template with its five
# placeholders filled in from the environment, and nothing else touched (nginx's own $names
# stay as they are, which envsubst would not promise).
#
#   FRONT_DOOR_PORT  the port nginx listens on, on 127.0.0.1
#   API_ORIGIN       the API Gateway emulator, http://127.0.0.1:PORT (no path)
#   S3_ORIGIN        the site bucket, path-style: http://127.0.0.1:PORT/BUCKET (moto's server)
#   CSP              the Content-Security-Policy header (`generator csp`)
#   ORIGIN_SECRET    what the distribution sends the API as X-Origin-Verify (16 to 128
#                    letters, digits, - or _)
#
# Usage: FRONT_DOOR_PORT=… API_ORIGIN=… S3_ORIGIN=… CSP=… ORIGIN_SECRET=… bash deploy/local/render-conf.sh [OUTPUT]
# Without OUTPUT it prints the configuration.
set -euo pipefail
template="$(cd "$(dirname "$0")" && pwd)/front-door.conf.template"

fail() {
  echo "render-conf: $*" >&2
  exit 2
}

[[ "${FRONT_DOOR_PORT:-}" =~ ^[0-9]{1,5}$ ]] || fail "FRONT_DOOR_PORT must be a port number, got '${FRONT_DOOR_PORT:-}'"
[[ "${API_ORIGIN:-}" =~ ^http://[A-Za-z0-9.-]+(:[0-9]{1,5})?$ ]] \
  || fail "API_ORIGIN must look like http://127.0.0.1:PORT, got '${API_ORIGIN:-}'"
[[ "${S3_ORIGIN:-}" =~ ^http://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[a-z0-9][a-z0-9.-]{1,62}$ ]] \
  || fail "S3_ORIGIN must look like http://127.0.0.1:PORT/BUCKET, got '${S3_ORIGIN:-}'"
# The value goes between double quotes in nginx, where " \ and $ would mean something.
[[ -n "${CSP:-}" && "$CSP" != *[\"\\\$]* && "$CSP" != *$'\n'* ]] \
  || fail "CSP must be one line without \" \\ or \$, got '${CSP:-}'"

[[ "${ORIGIN_SECRET:-}" =~ ^[A-Za-z0-9_-]{16,128}$ ]] \
  || fail "ORIGIN_SECRET must be 16 to 128 letters, digits, - or _ (e.g. openssl rand -hex 32)"

conf=$(<"$template")
# The replacement in quotes, so that bash 5.2 does not read & in a value as "the matched text".
for name in FRONT_DOOR_PORT API_ORIGIN S3_ORIGIN CSP ORIGIN_SECRET; do
  conf=${conf//"\${$name}"/"${!name}"}
done
if [[ "$conf" == *"\${"* ]]; then
  fail "$template has a placeholder this script does not know: $(grep -o '[$]{[A-Za-z_]*}' <<<"$conf" | head -1)"
fi

if [ $# -gt 0 ]; then
  printf '%s\n' "$conf" >"$1"
else
  printf '%s\n' "$conf"
fi
