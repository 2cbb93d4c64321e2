# inferbench — see README.md. Every target works on a fresh machine with only Go installed.

GO       ?= go
BIN      ?= bin/inferbench
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# Go benchmarks: BENCH selects, BENCHTIME sets the time per benchmark.
BENCH     ?= .
BENCHTIME ?= 1s

.PHONY: all build build-nvml test test-short demo bench bench-client bench-report calibrate lint fmt clean

all: lint test build

## build: static binary in bin/ (CGO_ENABLED=0; GPU telemetry then uses its stub)
build:
	@echo "go build -o $(BIN) ./cmd/inferbench (CGO_ENABLED=0, version $(VERSION))"
	@CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/inferbench

## build-nvml: the same binary with cgo, so --nvml and `inferbench agent` read local NVIDIA GPUs
## (libnvidia-ml is loaded at run time; without it the binary still runs and says telemetry is off)
build-nvml:
	CGO_ENABLED=1 CGO_CFLAGS="-O2 -g -Wno-deprecated-declarations" $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/inferbench

## test: lint, every test with the race detector, then the real-engine
## end-to-end test when the engine is built (`make engine`; .ci/run builds it)
test: lint
	$(GO) test -race -count=1 ./...
	@. scripts/engine-env.sh; if [ -x "$$ENGINE_BIN" ] && [ -f "$$ENGINE_MODEL" ]; then \
		$(MAKE) --no-print-directory e2e-engine; \
	else \
		echo "make test: real-engine e2e skipped: Ollama is not built here (run 'make engine' once, ~10 min cold; .ci/run does)"; \
	fi

## test-short: quick run without the race detector
test-short:
	$(GO) test -count=1 ./...

## demo: the suite examples/demo.suite.yaml (built in): three simulated targets on the sample workload
## (api and managed replay it, self-hosted is swept to its capacity), one report with break-even
demo: build
	$(BIN) demo --html demo-report.html

## bench: Go benchmarks, the harness's timing accuracy at 10..800 req/s with this machine's safe rate,
## the client's CPU per request and RSS per stream (scripts/bench-client.sh, ~5 min), and report over 1M rows
bench: build
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem ./...
	$(BIN) calibrate --rates 10,100,400,800
	GO=$(GO) scripts/bench-client.sh
	BIN=$(BIN) GO=$(GO) scripts/bench-report.sh

## bench-client: only the client's cost: CPU per request at 100, 800 and 2,000 req/s and peak RSS per
## stream at 1,000 and 10,000 concurrent slow streams, 64-token streams, exact simulator in a child process
## (REPEAT runs each, default 3)
bench-client:
	GO=$(GO) scripts/bench-client.sh

## bench-report: only `report` over ROWS (default 1,000,000) request rows, wall time and peak RSS
bench-report: build
	BIN=$(BIN) GO=$(GO) scripts/bench-report.sh

## calibrate: only the timing-accuracy table and the safe rate
calibrate: build
	$(BIN) calibrate

## lint: go vet and a gofmt check
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin demo-runs demo-report.html

-include Makefile.engine
-include Makefile.smoke
