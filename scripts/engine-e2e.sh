#!/usr/bin/env bash
# engine-e2e.sh is the end-to-end test against a real inference engine:
# it builds inferbench, starts the cached Ollama with the generated model on
# loopback (engine-start.sh), runs the Go tests in ./engine against it (chat
# in rate and concurrency modes, a concurrency sweep 1/2/4/8, a raw
# /v1/completions check; every request must return exactly max_tokens with a
# finish_reason), prints the measured table, and stops the server by PID.
# Run engine-build.sh (make engine) first. Settings: see engine-env.sh;
# INFERBENCH_E2E_OUT keeps the run directories, INFERBENCH_CPU_HOURLY sets
# the price per machine-hour, INFERBENCH_E2E_REQUESTS (default 16) and
# INFERBENCH_E2E_RATE (default 4/s) size the runs (the large model needs
# fewer and slower: ENGINE_VARIANT=large INFERBENCH_E2E_REQUESTS=4
# INFERBENCH_E2E_RATE=0.2/s), ENGINE_TEST_TIMEOUT bounds the go test (20m).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/engine-env.sh"
log() { printf 'engine-e2e: %s\n' "$*" >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/inferbench-e2e.XXXXXX")
stop() {
	rc=$?
	if [ "$rc" != 0 ] && [ -f "$ENGINE_LOG" ]; then
		log "failed; last lines of the server log $ENGINE_LOG:"
		tail -n 30 "$ENGINE_LOG" >&2 || true
	fi
	"$here/engine-stop.sh" || true
	rm -rf "$tmp"
	exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT TERM

(cd "$repo" && go build -o "$tmp/inferbench" ./cmd/inferbench)
url=$("$here/engine-start.sh")
log "engine at $url, model $ENGINE_MODEL_NAME"

export INFERBENCH_OLLAMA_URL=$url
export INFERBENCH_OLLAMA_MODEL=$ENGINE_MODEL_NAME
export INFERBENCH_BIN=$tmp/inferbench
if [ -n "${INFERBENCH_E2E_OUT:-}" ]; then
	mkdir -p "$INFERBENCH_E2E_OUT"
	INFERBENCH_E2E_OUT=$(cd "$INFERBENCH_E2E_OUT" && pwd)
	export INFERBENCH_E2E_OUT
fi
(cd "$repo" && go test -count=1 -timeout "${ENGINE_TEST_TIMEOUT:-20m}" -run 'TestEngine' ${ENGINE_TEST_FLAGS:--v} ./engine)
