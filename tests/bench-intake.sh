#!/usr/bin/env bash
# Builds the Lambda binary in release (stripped, as deployed) and runs the intake benchmark,
# which prints submissions per second, median and p99 latency, and the binary's size.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --profile lambda --locked -p intake --features lambda --bin bootstrap
cargo bench --locked -p intake --bench intake
