#!/usr/bin/env bash
# engine-stop.sh stops the Ollama server that engine-start.sh started, by the
# PID in its PID file: SIGTERM, a bounded wait, then SIGKILL for the server
# and the runner processes it spawned. Settings: see engine-env.sh.
# ENGINE_KEEP=1 keeps the scratch dir (logs, Modelfile) for inspection.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/engine-env.sh"
log() { printf 'engine-stop: %s\n' "$*" >&2; }

if [ ! -f "$ENGINE_PIDFILE" ]; then
	log "no PID file at $ENGINE_PIDFILE; nothing to stop"
	exit 0
fi
pid=$(cat "$ENGINE_PIDFILE")
# The runners are children of the server; note them before it goes.
children=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr -s ' \n' ' ' || true)
if kill -0 "$pid" 2>/dev/null; then
	kill -TERM "$pid"
	for _ in $(seq 1 50); do # at most 10 s
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "PID $pid ignored SIGTERM for 10 s; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
fi
for c in $children; do
	kill -0 "$c" 2>/dev/null && kill -KILL "$c" 2>/dev/null || true
done
rm -f "$ENGINE_PIDFILE"
log "stopped PID $pid"
if [ "${ENGINE_KEEP:-0}" != 1 ]; then
	rm -rf "$ENGINE_DIR"
fi
