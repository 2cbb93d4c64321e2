#!/bin/sh
# 3 tiny requests to each hosted provider whose API key is set in the
# environment; providers without a key are skipped, not failed.
# Same as `make smoke-live`. Models: INFERBENCH_LIVE_MODEL_<PRESET>.
set -eu
cd "$(dirname "$0")/.."
INFERBENCH_LIVE=1 exec go test -count=1 -run '^TestLiveSmoke$' -v ./cmd/inferbench
