#!/usr/bin/env bash
# The intake under load, as applicants meet it: 50 connections for 30 s (CONNECTIONS,
# DURATION), every submission posted twice, through autocannon; then the store is read
# back and the run fails if anything a success was answered for is missing or stored twice.
#
#   bash tests/bench/load.sh             # the preview's server on the embedded store (release build)
#   bash tests/bench/load.sh --dynamodb  # production on one machine: deploy/rehearse.sh's front door
#                                        # (nginx → the Lambda emulator → bootstrap → DynamoDB Local)
set -euo pipefail
cd "$(dirname "$0")/../.."
connections=${CONNECTIONS:-50}
duration=${DURATION:-30}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --locked -p generator -p commission --bin generator --bin applications
if [ "${1:-}" = "--dynamodb" ]; then
  bash deploy/rehearse.sh --at 2020-12-01T12:00:00+06:00 >"$work/rehearsal.env" 2>"$work/rehearsal.log" &
  pids+=($!)
  for _ in $(seq 1 600); do
    grep -q '^READY$' "$work/rehearsal.env" 2>/dev/null && break
    kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/rehearsal.log" >&2; exit 1; }
    sleep 1
  done
  grep -q '^READY$' "$work/rehearsal.env" || { echo "the rehearsal did not start" >&2; exit 1; }
  set -a
  # shellcheck disable=SC1090,SC1091
  source <(grep '=' "$work/rehearsal.env")
  set +a
  url=$FRONT_DOOR
  list="target/release/applications list --dynamodb"
else
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  # autocannon posts from one address: the per-client limit would refuse all but 300.
  target/release/generator serve --port "$port" --at 2020-12-01T12:00:00+06:00 --output "$work/public" \
    --store "$work/applications.sqlite" --intake-limit off 2>"$work/serve.log" &
  pids+=($!)
  for _ in $(seq 1 150); do
    curl -fs "http://127.0.0.1:$port/ky/" >/dev/null && break
    sleep 0.2
  done
  url=http://127.0.0.1:$port
  list="target/release/applications list --store $work/applications.sqlite"
fi
node tests/bench/load-intake.mjs --url "$url" --connections "$connections" --duration "$duration" --list "$list"
