#!/usr/bin/env bash
# gpu-check.sh: check inferbench's NVML telemetry on a machine with an NVIDIA GPU.
#
#   bash scripts/gpu-check.sh
#
# 1. builds inferbench with CGO_ENABLED=1 (or uses $INFERBENCH_BIN),
# 2. samples the GPUs with `inferbench agent --duration --out` (NVML, every
#    0.5 s) while a short GPU load runs: a PyTorch matmul loop, else CuPy,
#    else a CUDA kernel built with nvcc; without any of them it samples the
#    idle GPU and says so,
# 3. scrapes the agent's /metrics once to check the dcgm-exporter names,
# 4. checks that utilisation, power and energy are non-zero and plausible
#    (power <= 1.1 x limit; energy within 50% of mean power x time) and
#    prints the agent's table and one PASS/FAIL line per check.
#
# Bounded: build <= 120 s, sampling 20 s, load 12 s; about 2.5 minutes at
# worst. Exit 0 when every check passes, 1 otherwise.
# Environment: INFERBENCH_BIN (prebuilt binary), GPU_CHECK_SECONDS (sampling
# time, default 20), GPU_CHECK_PORT (agent port, default 19400).
set -uo pipefail

cd "$(dirname "$0")/.."
SECS="${GPU_CHECK_SECONDS:-20}"
PORT="${GPU_CHECK_PORT:-19400}"
LOAD_SECS=$(( SECS * 6 / 10 ))
WORK="$(mktemp -d /tmp/gpu-check.XXXXXX)"
AGENT_PID=""
LOAD_PID=""
cleanup() {
	[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	wait 2>/dev/null
}
trap cleanup EXIT

say() { printf '== %s\n' "$*"; }
fail=0
check() { # check NAME OK(0/1) DETAIL
	if [ "$2" = 1 ]; then printf 'PASS  %-34s %s\n' "$1" "$3"; else printf 'FAIL  %-34s %s\n' "$1" "$3"; fail=1; fi
}

say "gpu-check: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
if ! command -v nvidia-smi >/dev/null 2>&1; then
	say "no nvidia-smi: this machine has no NVIDIA driver; nothing to check"
	exit 1
fi
nvidia-smi --query-gpu=index,name,driver_version,power.limit,memory.total --format=csv,noheader 2>&1 | sed 's/^/   /'

# 1. Build.
BIN="${INFERBENCH_BIN:-}"
if [ -z "$BIN" ]; then
	if ! command -v go >/dev/null 2>&1; then
		say "no Go toolchain and no INFERBENCH_BIN: build inferbench elsewhere with CGO_ENABLED=1 and set INFERBENCH_BIN"
		exit 1
	fi
	say "building inferbench (CGO_ENABLED=1)"
	BIN="$WORK/inferbench"
	if ! CGO_ENABLED=1 timeout 120 go build -o "$BIN" ./cmd/inferbench 2>"$WORK/build.log"; then
		grep -v 'warning: \|note: \|^ *[0-9]* |\|^ *|\|cgo-gcc-prolog\|In file included' "$WORK/build.log" | tail -20
		say "build failed"
		exit 1
	fi
fi

# 2. Pick a load.
LOAD_KIND=none
LOAD_CMD=()
if command -v python3 >/dev/null 2>&1 && timeout 60 python3 -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
	LOAD_KIND=pytorch
	LOAD_CMD=(python3 -c '
import sys, time, torch
secs = float(sys.argv[1])
xs = [torch.randn(8192, 8192, device=f"cuda:{i}", dtype=torch.float16) for i in range(torch.cuda.device_count())]
end = time.time() + secs
while time.time() < end:
    for x in xs:
        y = x @ x
    for i in range(len(xs)):
        torch.cuda.synchronize(i)
' "$LOAD_SECS")
elif command -v python3 >/dev/null 2>&1 && timeout 60 python3 -c 'import cupy; cupy.cuda.runtime.getDeviceCount()' >/dev/null 2>&1; then
	LOAD_KIND=cupy
	LOAD_CMD=(python3 -c '
import sys, time, cupy
secs = float(sys.argv[1])
xs = []
for i in range(cupy.cuda.runtime.getDeviceCount()):
    with cupy.cuda.Device(i):
        xs.append((i, cupy.random.rand(8192, 8192, dtype=cupy.float32)))
end = time.time() + secs
while time.time() < end:
    for i, x in xs:
        with cupy.cuda.Device(i):
            y = x @ x
    for i, _ in xs:
        cupy.cuda.Device(i).synchronize()
' "$LOAD_SECS")
elif command -v nvcc >/dev/null 2>&1; then
	cat >"$WORK/spin.cu" <<'EOF'
#include <cstdio>
#include <cstdlib>
#include <chrono>
__global__ void spin(float *x, long n) {
	float v = x[blockIdx.x * blockDim.x + threadIdx.x];
	for (long i = 0; i < n; i++) v = v * 1.0000001f + 0.0000001f;
	x[blockIdx.x * blockDim.x + threadIdx.x] = v;
}
int main(int argc, char **argv) {
	double secs = argc > 1 ? atof(argv[1]) : 10;
	int n = 0;
	cudaGetDeviceCount(&n);
	float *x[16];
	for (int d = 0; d < n && d < 16; d++) { cudaSetDevice(d); cudaMalloc(&x[d], 1024 * 256 * sizeof(float)); }
	auto start = std::chrono::steady_clock::now();
	while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < secs) {
		for (int d = 0; d < n && d < 16; d++) { cudaSetDevice(d); spin<<<1024, 256>>>(x[d], 1 << 16); }
		for (int d = 0; d < n && d < 16; d++) { cudaSetDevice(d); cudaDeviceSynchronize(); }
	}
	return 0;
}
EOF
	if timeout 90 nvcc -O2 -o "$WORK/spin" "$WORK/spin.cu" >"$WORK/nvcc.log" 2>&1; then
		LOAD_KIND=nvcc
		LOAD_CMD=("$WORK/spin" "$LOAD_SECS")
	fi
fi
if [ "$LOAD_KIND" = none ]; then
	say "no load tool (PyTorch with CUDA, CuPy or nvcc): sampling the idle GPU only; utilisation may read 0"
else
	say "load: $LOAD_KIND for ${LOAD_SECS}s"
fi

# 3. Sample with NVML through the agent, load in the middle.
say "sampling for ${SECS}s with: inferbench agent --listen 127.0.0.1:$PORT --interval 500ms --duration ${SECS}s --out $WORK/run"
"$BIN" agent --listen "127.0.0.1:$PORT" --interval 500ms --duration "${SECS}s" --out "$WORK/run" >"$WORK/agent.out" 2>"$WORK/agent.err" &
AGENT_PID=$!
sleep 3
if [ "$LOAD_KIND" != none ]; then
	"${LOAD_CMD[@]}" >"$WORK/load.log" 2>&1 &
	LOAD_PID=$!
fi
sleep 3
if command -v curl >/dev/null 2>&1; then
	curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" >"$WORK/metrics.txt" 2>/dev/null
elif command -v python3 >/dev/null 2>&1; then
	python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$PORT/metrics', timeout=5).read().decode())" >"$WORK/metrics.txt" 2>/dev/null
fi
nvidia-smi --query-gpu=index,utilization.gpu,power.draw --format=csv,noheader >"$WORK/smi.txt" 2>&1
wait "$AGENT_PID"
AGENT_RC=$?
AGENT_PID=""
if [ -n "$LOAD_PID" ]; then
	wait "$LOAD_PID"
	LOAD_RC=$?
	LOAD_PID=""
	[ "$LOAD_RC" != 0 ] && { say "load exited $LOAD_RC:"; tail -5 "$WORK/load.log"; }
fi
[ -s "$WORK/agent.err" ] && { say "agent stderr:"; sed 's/^/   /' "$WORK/agent.err"; }
if [ "$AGENT_RC" != 0 ]; then
	say "inferbench agent exited $AGENT_RC"
	cat "$WORK/agent.out"
	exit 1
fi

say "inferbench agent summary (NVML, ${SECS}s)"
cat "$WORK/agent.out"
say "nvidia-smi during the load (for reference)"
sed 's/^/   /' "$WORK/smi.txt"

# 4. Checks. Columns: gpu samples util_mean util_max sm_mean power_mean
# power_max power_limit energy_j energy_source mem_max_mib span_s name...
say "checks"
if [ -s "$WORK/metrics.txt" ]; then
	n=$(grep -c '^DCGM_FI_DEV_POWER_USAGE{' "$WORK/metrics.txt")
	u=$(grep -c '^DCGM_FI_DEV_GPU_UTIL{' "$WORK/metrics.txt")
	e=$(grep -c '^DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{' "$WORK/metrics.txt")
	check "agent /metrics in DCGM names" "$([ "$n" -gt 0 ] && [ "$u" -gt 0 ] && [ "$e" -gt 0 ] && echo 1 || echo 0)" "power $n, util $u, energy $e series"
else
	check "agent /metrics in DCGM names" 0 "no answer from http://127.0.0.1:$PORT/metrics"
fi
rows=$(awk '$1 ~ /^[0-9]+$/' "$WORK/agent.out")
if [ -z "$rows" ]; then
	check "NVML samples" 0 "no GPU rows in the summary"
	exit 1
fi
max_util=0
while read -r gpu samples umean umax smmean pmean pmax plimit ej esrc mem span name; do
	check "GPU $gpu samples" "$([ "$samples" -ge $(( SECS )) ] && echo 1 || echo 0)" "$samples samples in ${span}s ($name)"
	check "GPU $gpu power > 0" "$(awk -v p="$pmean" 'BEGIN{print (p != "-" && p > 0) ? 1 : 0}')" "mean ${pmean} W, max ${pmax} W"
	check "GPU $gpu power <= 1.1 x limit" "$(awk -v p="$pmax" -v l="$plimit" 'BEGIN{print (l == "-" || (p != "-" && p <= 1.1 * l)) ? 1 : 0}')" "max ${pmax} W, limit ${plimit} W"
	check "GPU $gpu energy > 0" "$(awk -v e="$ej" 'BEGIN{print (e != "-" && e > 0) ? 1 : 0}')" "${ej} J from ${esrc}"
	check "GPU $gpu energy ~ power x time" "$(awk -v e="$ej" -v p="$pmean" -v s="$span" 'BEGIN{ if (e == "-" || p == "-" || s <= 0 || p <= 0) {print 0; exit}; r = e / (p * s); print (r > 0.5 && r < 1.5) ? 1 : 0}')" \
		"$(awk -v e="$ej" -v p="$pmean" -v s="$span" 'BEGIN{ if (e != "-" && p != "-" && s > 0 && p > 0) printf "%.0f J vs %.0f W x %.1f s = %.0f J (ratio %.2f)", e, p, s, p*s, e/(p*s); else print "n/a"}')"
	check "GPU $gpu utilisation read" "$([ "$umax" != "-" ] && echo 1 || echo 0)" "mean ${umean}%, max ${umax}%, SM active mean ${smmean}%"
	max_util=$(awk -v a="$max_util" -v b="$umax" 'BEGIN{print (b != "-" && b > a) ? b : a}')
done <<<"$rows"
if [ "$LOAD_KIND" != none ]; then
	check "utilisation under load > 0" "$(awk -v u="$max_util" 'BEGIN{print (u > 0) ? 1 : 0}')" "max ${max_util}% with $LOAD_KIND load"
else
	say "no load ran: utilisation under load not checked"
fi
say "files in $WORK (gpu.parquet, agent output, /metrics text)"
if [ "$fail" = 0 ]; then say "gpu-check: PASS"; else say "gpu-check: FAIL"; fi
exit "$fail"
