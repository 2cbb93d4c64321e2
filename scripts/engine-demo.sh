#!/usr/bin/env bash
# engine-demo.sh runs the demo next to a real CPU engine: the built-in demo's
# three simulated targets (API, managed, self-hosted GPU) and the same sample
# workload replayed against the cached Ollama with the generated model,
# labelled as a CPU engine, then one side-by-side report of all four.
# Run engine-build.sh (make engine) first. Settings: see engine-env.sh;
# DEMO_OUT (default demo-runs), DEMO_REQUESTS (default 40), DEMO_FORMAT
# (text, md or json), INFERBENCH_CPU_HOURLY (default 0.09 USD per hour).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/engine-env.sh"
out=${DEMO_OUT:-demo-runs}
requests=${DEMO_REQUESTS:-40}
format=${DEMO_FORMAT:-text}
hourly=${INFERBENCH_CPU_HOURLY:-0.09}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/inferbench-demo.XXXXXX")
stop() {
	rc=$?
	"$here/engine-stop.sh" || true
	rm -rf "$tmp"
	exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT TERM

(cd "$repo" && go build -o "$tmp/inferbench" ./cmd/inferbench)
mkdir -p "$out"
base=$out/demo-engine-$(date -u +%Y%m%dT%H%M%SZ)
"$tmp/inferbench" demo --out "$base" --requests "$requests" --quiet --format "$format" >/dev/null

url=$("$here/engine-start.sh")
# The sample workload's output lengths make the CPU engine the slow one; a
# closed loop at the server's parallelism shows its saturated throughput.
"$tmp/inferbench" run --base-url "$url" --model "$ENGINE_MODEL_NAME" --workload sample \
	--concurrency "$ENGINE_NUM_PARALLEL" --requests "$requests" --warmup 2 \
	--target-name ollama-cpu-engine --preset ollama --kind self-hosted --provider "ollama $(curl -s "${url%/v1}/api/version" | sed 's/.*"version":"\([^"]*\)".*/\1/') (CPU engine, tiny random model)" \
	--gpu-hourly "$hourly" --out "$base" --run-id ollama-cpu --quiet >/dev/null
"$tmp/inferbench" report --format "$format" "$base"/*/
