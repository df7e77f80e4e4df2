#!/usr/bin/env bash
# Production on one machine: the stack of deploy/template.yaml on loopback, up until SIGINT
# (Ctrl-C) or SIGTERM, then all of it stopped and no port left open.
#
#   bash deploy/rehearse.sh [--at 2020-12-01T12:00:00+06:00]
#
# The programs are built as shipped (the Lambda binaries with the `lambda` profile, the
# generator with `release`). MEKTEP_REHEARSAL_PROFILE=test takes the same sources as
# `cargo test --workspace --all-features` compiled them instead (unoptimised, with debug
# assertions and overflow checks, and a panic unwinds where the shipped function aborts):
# the test command does that, to compile each dependency once.
#
#   1. DynamoDB Local (tests/dynamodb-local.sh) with the template's tables (create_tables.py);
#   2. the shipped intake binary (`lambda` profile, built when missing or stale) under the
#      Runtime API emulator, with the routes, memory, timeout and environment the template
#      gives it (emulator_args.py);
#   3. moto's server as S3, with the site bucket, and the site built (as of --at) and put
#      there by `generator deploy`; the same server is SES, with the sender's domain verified
#      (MailIdentity) and the template's configuration set;
#   4. the shipped notifier binary (`lambda` profile too) under the emulator's scheduled mode,
#      with the template's environment: a Scheduled Event every 5 s (the template's rule says
#      every minute), the secretariat's digest at most every 10 s (DigestIntervalSeconds; 600
#      in production), sending through moto's SES. moto keeps every message it was given:
#      `curl -s "$AWS_ENDPOINT_URL_SES/moto-api/data.json"` shows them (ses.RawMessage, each
#      with its raw MIME), which is how to read the rehearsal's mail;
#   5. nginx as the distribution: /api/* to the emulator, the rest from the bucket with the
#      CloudFront Function's URL rules and the response headers (front-door.conf.template).
# With --at the site is built as of that moment and both functions' clocks start there too.
#
# stdout: KEY=VALUE lines (FRONT_DOOR, AWS_ENDPOINT_URL_S3, SITE_BUCKET, API_ENDPOINT (the HTTP
# API without the front door), DYNAMODB_ENDPOINT, APPLICATIONS_TABLE, APPLICANTS_TABLE,
# AWS_ENDPOINT_URL_SES (moto's SES, the same server as S3), MAIL_FROM (the sender),
# AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), then READY. Exported, they point
# `applications --dynamodb`, `selection --dynamodb` (and its `notify`) and `generator deploy`
# at the rehearsal.
# stderr: where the logs are and how long start-up took. The binaries are taken from
# $CARGO_TARGET_DIR when it is set, as cargo builds them there.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

usage() { echo "usage: bash deploy/rehearse.sh [--at RFC3339]" >&2; exit 2; }
at=()
while [ $# -gt 0 ]; do
  case "$1" in
    --at) [ $# -ge 2 ] || usage; at=(--at "$2"); shift 2 ;;
    --at=*) at=(--at "${1#--at=}"); shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) usage ;;
  esac
done

say() { echo "rehearse: $*" >&2; }
venv="$repo/tests/.tools/venv"
nginx_path() { command -v nginx || echo /usr/sbin/nginx; }
# What the rehearsal runs besides our own binaries, one name per line.
lacking() {
  [ -x "$venv/bin/moto_server" ] || echo "moto's server (in $venv)"
  [ -x "$(nginx_path)" ] || echo "nginx"
  [ -f "$repo/tests/node_modules/amplify-dynamodb-simulator/emulator/DynamoDBLocal.jar" ] || echo "DynamoDB Local"
  if [ ${#at[@]} -gt 0 ] && ! compgen -G "/usr/lib/*/faketime/libfaketime.so.1" >/dev/null; then
    echo "libfaketime (Debian: faketime), for --at"
  fi
}
# A fresh machine lacks all of them: the test command's own setup installs them (Debian
# packages need root; it says so when it cannot).
mapfile -t missing < <(lacking)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing what the rehearsal needs and this machine lacks: $(printf '%s; ' "${missing[@]}" | sed 's/; $//')"
  if ! bash "$repo/tests/setup.sh" >&2; then
    say "bash tests/setup.sh failed (see above): the rehearsal cannot start"
    exit 1
  fi
  mapfile -t missing < <(lacking)
  if [ ${#missing[@]} -gt 0 ]; then
    say "still missing after bash tests/setup.sh: $(printf '%s; ' "${missing[@]}" | sed 's/; $//')"
    exit 1
  fi
fi
nginx=$(nginx_path)

started=$(date +%s%N)
work=$(mktemp -d "${TMPDIR:-/tmp}/mektep-rehearsal.XXXXXX")
# nginx's workers run as nobody when it is started as root: they must reach its scratch files.
chmod 711 "$work"
logs="$work/logs"
mkdir -p "$logs"
say "logs in $logs"

# What this script started, in order; stopped in reverse. Each runs in a session of its own
# (setsid), so that Ctrl-C reaches only this script, which stops them in order: a child
# killed by the terminal's SIGINT first would read as one that stopped by itself. DynamoDB Local is not our child
# (tests/dynamodb-local.sh started it), so waiting is by polling.
pids=()
names=()
# A process whose main thread has ended shows as a zombie while its other threads still run
# (a JVM shutting down does this, port still open): it is gone only when its last thread is.
alive() {
  local state threads
  state=$(awk '$1 == "State:" { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
  threads=$(awk '$1 == "Threads:" { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$state" ] && { [ "$state" != Z ] || [ "${threads:-0}" -gt 1 ]; }
}
stop_all() {
  local i pid
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    alive "$pid" || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      say "${names[i]} did not stop within 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  # The built site and nginx's scratch files go; the logs stay for reading.
  rm -rf "$work/site" "$work/nginx/temp"
}
on_exit() {
  local status=$?
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    say "stopping"
    stop_all
    say "stopped; logs in $logs"
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started_process() { pids+=("$1"); names+=("$2"); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for_port() { # name pid port
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null; then return 0; fi
    alive "$2" || { say "$1 exited while starting; see $logs"; exit 1; }
    sleep 0.1
  done
  say "$1 did not answer on port $3 within 15 s; see $logs"
  exit 1
}
# Until an emulator (the last process started) prints READY, its function's init done: 30 s.
wait_for_ready() { # emulator-name function-name out-file log-file
  for _ in $(seq 1 300); do
    grep -qx READY "$3" && return 0
    alive "${pids[-1]}" || { tail -n 20 "$4" >&2; say "$1 stopped"; exit 1; }
    sleep 0.1
  done
  tail -n 5 "$4" >&2
  say "$2 did not finish its init within 30 s; see $4"
  exit 1
}
elapsed() { echo "$(( ($(date +%s%N) - $1) / 1000000 ))"; }

# Every tool of the rehearsal uses the same stand-in credentials and region: DynamoDB Local
# keeps a database per access key and region.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=eu-central-1 AWS_DEFAULT_REGION=eu-central-1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_DYNAMODB \
  AWS_ENDPOINT_URL_SES AWS_ENDPOINT_URL_SESV2

# The mail's sender in the rehearsal: an address at a domain reserved for examples, verified
# in moto's SES as the operator verifies the real one.
MAIL_FROM=noreply@mektep.example
mail_identity=mektep.example
# As the template names it: ${AWS::StackName}-mail, the stack being create_tables.py's.
configuration_set=mektep-rehearsal-mail
# The notifier's schedule and digest, shortened so that mail arrives within seconds.
notifier_every=5
digest_interval=10

# The programs first: a build that fails leaves nothing to stop. The builds are incremental.
step=$(date +%s%N)
target=${CARGO_TARGET_DIR:-$repo/target}
if [[ "${MEKTEP_REHEARSAL_PROFILE:-shipped}" == test ]]; then
  # The test command's choice (tests/run): the same three programs from the same sources,
  # as `cargo test --workspace --all-features` builds them for the integration tests (with
  # its features, dev-dependencies' among them), so that nothing is compiled again.
  say "building the Lambda binaries and the generator (test profile: MEKTEP_REHEARSAL_PROFILE=test)"
  if ! cargo test --locked --workspace --all-features --no-run >"$logs/build.log" 2>&1; then
    tail -n 30 "$logs/build.log" >&2
    say "the build failed; see $logs/build.log"
    exit 1
  fi
  generator="$target/debug/generator"
  bootstrap="$target/debug/bootstrap"
  notifier="$target/debug/notifier"
else
  say "building the Lambda binaries (profile lambda) and the generator (release)"
  # Both Lambda binaries in one cargo run: the dependencies they share are compiled once, with
  # one set of features, instead of once per binary.
  if ! cargo build --profile lambda -p intake -p mail --features intake/lambda,mail/lambda \
       --bin bootstrap --bin notifier >"$logs/build.log" 2>&1 \
     || ! cargo build --release -p generator --features deploy --bin generator >>"$logs/build.log" 2>&1; then
    tail -n 30 "$logs/build.log" >&2
    say "the build failed; see $logs/build.log"
    exit 1
  fi
  generator="$target/release/generator"
  bootstrap="$target/lambda/bootstrap"
  notifier="$target/lambda/notifier"
fi
build_ms=$(elapsed "$step")

step=$(date +%s%N)
"$generator" build --output "$work/site" "${at[@]}" >"$logs/site.log" 2>&1 \
  || { cat "$logs/site.log" >&2; say "the site did not build"; exit 1; }
csp=$("$generator" csp "${at[@]}" 2>>"$logs/site.log") || { cat "$logs/site.log" >&2; exit 1; }
site_ms=$(elapsed "$step")

# 1. DynamoDB Local and the template's tables.
step=$(date +%s%N)
dynamodb=$(bash tests/dynamodb-local.sh) || exit 1
DYNAMODB_ENDPOINT=$(sed -n 's/^DYNAMODB_ENDPOINT=//p' <<<"$dynamodb")
started_process "$(sed -n 's/^DYNAMODB_PID=//p' <<<"$dynamodb")" "DynamoDB Local"
tables=$("$venv/bin/python" deploy/local/create_tables.py --endpoint "$DYNAMODB_ENDPOINT" 2>>"$logs/create-tables.log") \
  || { cat "$logs/create-tables.log" >&2; exit 1; }
declare -A table
while IFS='=' read -r name value; do
  [[ "$name" =~ ^[A-Z_]+$ ]] && table[$name]=$value
done <<<"$tables"
APPLICATIONS_TABLE=${table[APPLICATIONS_TABLE]:?create_tables.py named no APPLICATIONS_TABLE}
APPLICANTS_TABLE=${table[APPLICANTS_TABLE]:?create_tables.py named no APPLICANTS_TABLE}
dynamodb_ms=$(elapsed "$step")

# 2. The function under the Runtime API emulator.
step=$(date +%s%N)
# The distribution's secret header (the template's OriginSecret, which becomes the function's
# ORIGIN_SECRET), new for each rehearsal: the front door sends it, and the function refuses
# requests to the API without it.
origin_secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
mapfile -t function_args < <("$venv/bin/python" deploy/local/emulator_args.py --function IntakeFunction \
  --parameter "OriginSecret=$origin_secret" 2>>"$logs/emulator.log")
table_env=()
for name in "${!table[@]}"; do table_env+=(--env "$name=${table[$name]}"); done
# Created before the emulator starts, so that the wait below never reads a file not there yet.
: >"$work/emulator.out"
setsid python3 deploy/local/lambda_emulator.py --binary "$bootstrap" "${function_args[@]}" "${table_env[@]}" \
  --env "DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT" --env AWS_ACCESS_KEY_ID=test --env AWS_SECRET_ACCESS_KEY=test \
  --region "$AWS_REGION" "${at[@]}" >"$work/emulator.out" 2>>"$logs/emulator.log" &
started_process $! "the Lambda emulator"
wait_for_ready "the emulator" "the function" "$work/emulator.out" "$logs/emulator.log"
api_origin=$(sed -n 's/^API_ENDPOINT=//p' "$work/emulator.out")
function_ms=$(elapsed "$step")

# 3. moto's server as S3, the bucket, and the site in it.
step=$(date +%s%N)
s3_port=$(free_port)
setsid "$venv/bin/moto_server" -H 127.0.0.1 -p "$s3_port" >"$logs/moto.log" 2>&1 &
started_process $! "moto's server"
wait_for_port "moto's server" "${pids[-1]}" "$s3_port"
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$s3_port"
SITE_BUCKET=mektep-site-rehearsal
"$venv/bin/python" -c '
import sys, boto3
boto3.client("s3").create_bucket(Bucket=sys.argv[1], CreateBucketConfiguration={"LocationConstraint": sys.argv[2]})
' "$SITE_BUCKET" "$AWS_REGION" >>"$logs/moto.log" 2>&1 || { tail -n 5 "$logs/moto.log" >&2; say "could not create the bucket"; exit 1; }
"$generator" deploy --bucket "$SITE_BUCKET" --output "$work/site" >"$logs/deploy.log" 2>&1 \
  || { cat "$logs/deploy.log" >&2; say "generator deploy failed"; exit 1; }
deploy_ms=$(elapsed "$step")

# moto's SES: the sender's identity verified, the configuration set every message names.
export AWS_ENDPOINT_URL_SES=$AWS_ENDPOINT_URL_S3
# The endpoint is given outright: botocore reads AWS_ENDPOINT_URL_SES for SES v1 only (v2's
# variable is AWS_ENDPOINT_URL_SESV2), and nothing of the rehearsal may reach AWS itself.
"$venv/bin/python" -c '
import sys, boto3
boto3.client("ses", endpoint_url=sys.argv[3]).verify_domain_identity(Domain=sys.argv[1])
boto3.client("sesv2", endpoint_url=sys.argv[3]).create_configuration_set(ConfigurationSetName=sys.argv[2])
' "$mail_identity" "$configuration_set" "$AWS_ENDPOINT_URL_SES" >>"$logs/moto.log" 2>&1 \
  || { tail -n 5 "$logs/moto.log" >&2; say "could not set up moto's SES"; exit 1; }

# 4. The notifier under the emulator's scheduled mode.
step=$(date +%s%N)
mapfile -t notifier_args < <("$venv/bin/python" deploy/local/emulator_args.py --function NotifierFunction \
  --parameter "MailFrom=$MAIL_FROM" --parameter "MailIdentity=$mail_identity" \
  --parameter "DigestIntervalSeconds=$digest_interval" 2>>"$logs/notifier.log")
: >"$work/notifier.out"
# The SDK reads a service's endpoint from AWS_ENDPOINT_URL_<its id>: SESV2 for aws-sdk-sesv2.
setsid python3 deploy/local/lambda_emulator.py --binary "$notifier" "${notifier_args[@]}" \
  --every "$notifier_every" "${table_env[@]}" --env "SES_CONFIGURATION_SET=$configuration_set" \
  --env "DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT" --env "AWS_ENDPOINT_URL_SES=$AWS_ENDPOINT_URL_SES" \
  --env "AWS_ENDPOINT_URL_SESV2=$AWS_ENDPOINT_URL_SES" \
  --region "$AWS_REGION" "${at[@]}" >"$work/notifier.out" 2>>"$logs/notifier.log" &
started_process $! "the notifier's emulator"
wait_for_ready "the notifier's emulator" "the notifier" "$work/notifier.out" "$logs/notifier.log"
notifier_ms=$(elapsed "$step")

# 5. nginx as the distribution.
step=$(date +%s%N)
front_port=$(free_port)
mkdir -p "$work/nginx/temp"
FRONT_DOOR_PORT=$front_port ORIGIN_SECRET=$origin_secret API_ORIGIN=$api_origin S3_ORIGIN="$AWS_ENDPOINT_URL_S3/$SITE_BUCKET" CSP=$csp \
  bash deploy/local/render-conf.sh "$work/nginx/front-door.conf" 2>>"$logs/nginx.log" \
  || { cat "$logs/nginx.log" >&2; exit 1; }
setsid "$nginx" -p "$work/nginx" -c "$work/nginx/front-door.conf" -e stderr \
  -g "daemon off; pid $work/nginx/nginx.pid;" >>"$logs/nginx.log" 2>&1 &
started_process $! nginx
wait_for_port nginx "${pids[-1]}" "$front_port"
nginx_ms=$(elapsed "$step")

cat <<EOF
FRONT_DOOR=http://127.0.0.1:$front_port
AWS_ENDPOINT_URL_S3=$AWS_ENDPOINT_URL_S3
SITE_BUCKET=$SITE_BUCKET
API_ENDPOINT=$api_origin
DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT
APPLICATIONS_TABLE=$APPLICATIONS_TABLE
APPLICANTS_TABLE=$APPLICANTS_TABLE
AWS_ENDPOINT_URL_SES=$AWS_ENDPOINT_URL_SES
MAIL_FROM=$MAIL_FROM
AWS_REGION=$AWS_REGION
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
READY
EOF
say "up in $(elapsed "$started") ms: builds ${build_ms}, site ${site_ms}, DynamoDB Local and tables ${dynamodb_ms}, function ${function_ms}, S3, SES and deploy ${deploy_ms}, notifier ${notifier_ms}, nginx ${nginx_ms} (ms)"
say "open http://127.0.0.1:$front_port/ in a browser; Ctrl-C stops everything"

# Up until a signal, or until something stops by itself (then everything stops).
while true; do
  for i in "${!pids[@]}"; do
    alive "${pids[i]}" || { say "${names[i]} stopped by itself; see $logs"; exit 1; }
  done
  sleep 1 &
  wait $! || true
done
