#!/usr/bin/env bash
# Checks the deployment: every template in deploy/ (the SAM template, the us-east-1 web ACL,
# the deploy role) with cfn-lint (which applies the SAM transform offline; any error or
# warning fails) and with checkov (any failed check fails; a check a template cannot pass is
# skipped in the template itself, with its reason); the rehearsal's reading of the template's
# parameters (emulator_args.py); the workflows with actionlint (shellcheck on their scripts);
# this project's deploy scripts with shellcheck; then the CloudFront Function on every URL
# case and the local front door (a real nginx) against it. tests/setup.sh installs the tools:
# cfn-lint and actionlint in tests/.tools/venv, checkov in tests/.tools/checkov, and nginx
# and shellcheck from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=tests/.tools/venv/bin
checkov=tests/.tools/checkov/bin/checkov
for tool in "$venv/cfn-lint" "$venv/actionlint" "$checkov"; do
  [ -x "$tool" ] || { echo "lint-deploy: $tool is missing; run bash tests/setup.sh" >&2; exit 1; }
done
shellcheck=$(command -v shellcheck) || { echo "lint-deploy: shellcheck is missing; run bash tests/setup.sh" >&2; exit 1; }

templates=(deploy/*.yaml)

# cfn-lint's exit code counts warnings only with some options; what it prints is the verdict.
for template in "${templates[@]}"; do
  echo "lint-deploy: cfn-lint $("$venv/cfn-lint" --version | cut -d' ' -f2) on $template"
  if ! report=$("$venv/cfn-lint" --format parseable -- "$template" 2>&1) || [ -n "$report" ]; then
    printf '%s\n' "$report" >&2
    echo "lint-deploy: $template must lint with no error and no warning" >&2
    exit 1
  fi
done

# Offline and quick: no Prisma Cloud key (its absence keeps checkov from uploading anything),
# no download of its policy metadata, the CloudFormation checks only.
echo "lint-deploy: checkov $("$checkov" --version) on ${templates[*]}"
if ! report=$(env -u BC_API_KEY -u PRISMA_API_URL "$checkov" --framework cloudformation --skip-download \
     --compact --quiet "${templates[@]/#/--file=}" 2>&1); then
  printf '%s\n' "$report" >&2
  echo "lint-deploy: checkov failed a check; fix it, or skip it in the template with its reason" >&2
  exit 1
fi
grep -E '^Passed checks' <<<"$report" || true

# The rehearsal gives the template's parameters through emulator_args.py (its docstring says
# how): the origin secret must reach the function from the command line and from the
# environment, and a value CloudFormation would refuse must be refused here too.
echo "lint-deploy: deploy/local/emulator_args.py gives the function the template's parameters"
secret=0123456789abcdef0123456789abcdef
for way in command-line environment; do
  if [ "$way" = command-line ]; then
    given=$("$venv/python" deploy/local/emulator_args.py --function IntakeFunction --parameter "OriginSecret=$secret" 2>/dev/null)
  else
    given=$(CFN_PARAMETER_OriginSecret=$secret "$venv/python" deploy/local/emulator_args.py --function IntakeFunction 2>/dev/null)
  fi
  grep -qxF -- "--env=ORIGIN_SECRET=$secret" <<<"$given" \
    || { echo "lint-deploy: emulator_args.py did not pass OriginSecret from the $way" >&2; exit 1; }
done
if "$venv/python" deploy/local/emulator_args.py --function IntakeFunction --parameter OriginSecret=short >/dev/null 2>&1; then
  echo "lint-deploy: emulator_args.py took an OriginSecret shorter than the template's MinLength" >&2
  exit 1
fi
# The notifier: its schedule from the template's rule, the sender and the digest interval
# from the parameters, and a Number below its MinValue refused.
mail=(--function NotifierFunction --parameter MailFrom=noreply@mektep.example --parameter MailIdentity=mektep.example)
given=$("$venv/python" deploy/local/emulator_args.py "${mail[@]}" --parameter DigestIntervalSeconds=5 2>/dev/null)
for line in '--schedule=rate(1 minute)' --env=MAIL_FROM=noreply@mektep.example --env=DIGEST_INTERVAL_SECONDS=5; do
  grep -qxF -- "$line" <<<"$given" || { echo "lint-deploy: emulator_args.py gave the notifier no $line" >&2; exit 1; }
done
if "$venv/python" deploy/local/emulator_args.py "${mail[@]}" --parameter DigestIntervalSeconds=0 >/dev/null 2>&1; then
  echo "lint-deploy: emulator_args.py took a DigestIntervalSeconds below the template's MinValue" >&2
  exit 1
fi

echo "lint-deploy: actionlint $("$venv/actionlint" -version | head -1 | awk '{print $NF}') on .github/workflows/"
"$venv/actionlint" -shellcheck "$shellcheck" -pyflakes= .github/workflows/*.yml

echo "lint-deploy: shellcheck on the deploy scripts"
"$shellcheck" tests/setup.sh tests/lint-deploy.sh tests/bench/load.sh deploy/local/render-conf.sh deploy/rehearse.sh

node --test tests/deploy/
