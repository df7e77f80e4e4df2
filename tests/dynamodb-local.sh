#!/usr/bin/env bash
# Starts Amazon DynamoDB Local (the jar inside the npm package amplify-dynamodb-simulator)
# in memory on a free loopback port, waits until it answers, and prints
# `DYNAMODB_ENDPOINT=http://127.0.0.1:<port>` and `DYNAMODB_PID=<pid>` for `eval`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
emulator="$here/node_modules/amplify-dynamodb-simulator/emulator"
[ -f "$emulator/DynamoDBLocal.jar" ] || { echo "DynamoDB Local is not installed: run bash tests/setup.sh" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
log=$(mktemp)
# It writes a metadata file into its working folder: give it a scratch one.
scratch=$(mktemp -d)
# A session of its own: Ctrl-C on a script that started it reaches the script, which stops it.
(cd "$scratch" && exec setsid java -Djava.library.path="$emulator/DynamoDBLocal_lib" -jar "$emulator/DynamoDBLocal.jar" \
  -inMemory -port "$port" >"$log" 2>&1) &
pid=$!
for _ in $(seq 1 150); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "DYNAMODB_ENDPOINT=http://127.0.0.1:$port"
    echo "DYNAMODB_PID=$pid"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || { echo "DynamoDB Local exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done
echo "DynamoDB Local did not answer on port $port within 30 s" >&2
kill "$pid" 2>/dev/null || true
exit 1
