#!/usr/bin/env bash
# engine-start.sh starts the cached Ollama on loopback with a scratch HOME and
# model store, waits until it answers, creates the generated model, loads it
# with one warm-up request, and prints the OpenAI-compatible base URL
# (http://127.0.0.1:PORT/v1) on stdout. Stop it with engine-stop.sh.
# Settings: see engine-env.sh. Run engine-build.sh first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/engine-env.sh"
log() { printf 'engine-start: %s\n' "$*" >&2; }

[ -x "$ENGINE_BIN" ] || { log "no ollama at $ENGINE_BIN; run scripts/engine-build.sh (make engine)"; exit 1; }
[ -f "$ENGINE_MODEL" ] || { log "no model at $ENGINE_MODEL; run scripts/engine-build.sh (make engine)"; exit 1; }
if [ -f "$ENGINE_PIDFILE" ] && kill -0 "$(cat "$ENGINE_PIDFILE")" 2>/dev/null; then
	log "already running (PID $(cat "$ENGINE_PIDFILE")); stop it with scripts/engine-stop.sh"
	exit 1
fi
if curl -s -m 2 -o /dev/null "$ENGINE_URL/"; then
	log "something already listens on $ENGINE_HOST; set ENGINE_PORT"
	exit 1
fi

rm -rf "$ENGINE_DIR"
mkdir -p "$ENGINE_DIR/home" "$ENGINE_DIR/models"
# A scratch HOME and model store keep the user's ~/.ollama (keys, models)
# out of it and make every run start from nothing.
export HOME=$ENGINE_DIR/home
export OLLAMA_MODELS=$ENGINE_DIR/models
export OLLAMA_HOST=$ENGINE_HOST
export OLLAMA_NO_CLOUD=1
export OLLAMA_KEEP_ALIVE=-1
export OLLAMA_NUM_PARALLEL=$ENGINE_NUM_PARALLEL
start=$(date +%s%N)
"$ENGINE_BIN" serve >"$ENGINE_LOG" 2>&1 &
pid=$!
echo "$pid" >"$ENGINE_PIDFILE"

ready=0
for _ in $(seq 1 120); do # at most about 60 s
	if ! kill -0 "$pid" 2>/dev/null; then
		log "ollama serve exited; last lines of $ENGINE_LOG:"
		tail -n 20 "$ENGINE_LOG" >&2
		exit 1
	fi
	if curl -sf -m 2 -o /dev/null "$ENGINE_URL/api/version"; then
		ready=1
		break
	fi
	sleep 0.5
done
if [ "$ready" != 1 ]; then
	log "not ready after 60 s; stopping it"
	"$here/engine-stop.sh" >&2 || true
	exit 1
fi
log "ollama $(curl -s "$ENGINE_URL/api/version") ready on $ENGINE_HOST in $((($(date +%s%N) - start) / 1000000)) ms (PID $pid)"

# The Modelfile names the model relative to itself, as a user would write it.
ln -sf "$ENGINE_MODEL" "$ENGINE_DIR/model.gguf"
cat >"$ENGINE_DIR/Modelfile" <<'MODELFILE'
FROM ./model.gguf
TEMPLATE """{{ if .System }}{{ .System }}

{{ end }}{{ .Prompt }}"""
PARAMETER num_thread 1
PARAMETER num_ctx 2048
MODELFILE
(cd "$ENGINE_DIR" && timeout 120 "$ENGINE_BIN" create "$ENGINE_MODEL_NAME" -f Modelfile) >>"$ENGINE_LOG" 2>&1 || {
	log "ollama create failed; last lines of $ENGINE_LOG:"
	tail -n 20 "$ENGINE_LOG" >&2
	"$here/engine-stop.sh" >&2 || true
	exit 1
}

# One request loads the model (about 0.3 s) so a benchmark does not measure it.
if [ "${ENGINE_WARMUP:-1}" = 1 ]; then
	t0=$(date +%s%N)
	if ! curl -sf -m 120 -o /dev/null "$ENGINE_URL/api/generate" \
		-d "{\"model\":\"$ENGINE_MODEL_NAME\",\"prompt\":\"warm up\",\"stream\":false,\"options\":{\"num_predict\":4}}"; then
		log "warm-up request failed; last lines of $ENGINE_LOG:"
		tail -n 20 "$ENGINE_LOG" >&2
		"$here/engine-stop.sh" >&2 || true
		exit 1
	fi
	log "model $ENGINE_MODEL_NAME loaded in $((($(date +%s%N) - t0) / 1000000)) ms"
fi
echo "$ENGINE_URL/v1"
