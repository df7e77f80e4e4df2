#!/usr/bin/env bash
# Checks the deployment: the SAM template with cfn-lint (which applies the SAM transform
# offline; any error or warning fails), the workflows with actionlint (shellcheck on their
# scripts), this project's deploy scripts with shellcheck, then the CloudFront Function on
# every URL case and the local front door (a real nginx) against it. tests/setup.sh installs
# the tools: cfn-lint and actionlint in tests/.tools/venv, nginx and shellcheck from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=tests/.tools/venv/bin
for tool in "$venv/cfn-lint" "$venv/actionlint"; do
  [ -x "$tool" ] || { echo "lint-deploy: $tool is missing; run bash tests/setup.sh" >&2; exit 1; }
done
shellcheck=$(command -v shellcheck) || { echo "lint-deploy: shellcheck is missing; run bash tests/setup.sh" >&2; exit 1; }

# cfn-lint's exit code counts warnings only with some options; what it prints is the verdict.
echo "lint-deploy: cfn-lint $("$venv/cfn-lint" --version | cut -d' ' -f2) on deploy/template.yaml"
if ! report=$("$venv/cfn-lint" --format parseable -- deploy/template.yaml 2>&1) || [ -n "$report" ]; then
  printf '%s\n' "$report" >&2
  echo "lint-deploy: deploy/template.yaml must lint with no error and no warning" >&2
  exit 1
fi

echo "lint-deploy: actionlint $("$venv/actionlint" -version | head -1 | awk '{print $NF}') on .github/workflows/"
"$venv/actionlint" -shellcheck "$shellcheck" -pyflakes= .github/workflows/*.yml

echo "lint-deploy: shellcheck on the deploy scripts"
"$shellcheck" tests/setup.sh tests/lint-deploy.sh tests/bench/load.sh deploy/local/render-conf.sh deploy/rehearse.sh

node --test tests/deploy/url-rules.test.mjs tests/deploy/front-door.test.mjs tests/deploy/lambda-emulator.test.mjs
