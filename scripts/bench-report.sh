#!/usr/bin/env bash
# Times `inferbench report` over a synthetic run of ROWS request rows
# (default 1,000,000) and prints wall time and peak RSS. Run by `make
# bench`. Set GOMAXPROCS=2 to reproduce the two-core figure in docs/cost.md.
set -euo pipefail
ROWS=${ROWS:-1000000}
BIN=${BIN:-bin/inferbench}
GO=${GO:-go}
DIR=${BENCH_DIR:-$(mktemp -d)}
trap '[ -z "${BENCH_DIR:-}" ] && rm -rf "$DIR"' EXIT
RUN="$DIR/run-$ROWS"
if [ ! -f "$RUN/manifest.json" ]; then
	echo "writing $ROWS rows to $RUN ..."
	$GO run ./scripts/genrun -dir "$RUN" -rows "$ROWS"
fi
[ -x "$BIN" ] || $GO build -o "$BIN" ./cmd/inferbench
du -sh "$RUN" | awk '{print "run size on disk: " $1}'
for i in 1 2 3; do
	/usr/bin/time -f "%e %M" -o "$DIR/time" "$BIN" report "$RUN" --slo ttft=200ms --volume 1B:100M >/dev/null
	read -r secs kb <"$DIR/time"
	echo "report over $ROWS rows (GOMAXPROCS=${GOMAXPROCS:-all}): ${secs} s wall, peak RSS $((kb / 1024)) MB"
done
