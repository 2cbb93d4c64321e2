#!/usr/bin/env bash
# The client's own cost (issue 14): CPU per request and peak RSS per stream
# at 100, 800 and 2,000 req/s and at 1,000 and 10,000 concurrent slow
# streams, 64-token streams against the exact simulator in a child process,
# each scenario REPEAT times (default 3) in fresh processes, ranges printed.
# Run by `make bench`; takes about 5 minutes. Extra arguments go to
# scripts/benchclient (e.g. -scenarios rate:800 -repeat 1, or
# -profile-scenario rate:800 -cpuprofile cpu.out).
set -euo pipefail
GO=${GO:-go}
REPEAT=${REPEAT:-3}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
$GO build -o "$DIR/benchclient" ./scripts/benchclient
"$DIR/benchclient" -repeat "$REPEAT" "$@"
