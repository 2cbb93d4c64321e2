package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/internal/cliflag"
	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/simhost"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/workloads"
)

const calibrateSynopsis = `inferbench calibrate [--rates 10,100,500,1000] [--seconds S] [--ttft D] [--itl D] [--tokens N] [--base-url URL]`

const calibrateExamples = `  inferbench calibrate                    # starts 'inferbench sim' in a child process
  inferbench calibrate --rates 50,200 --seconds 10
  inferbench calibrate --base-url http://127.0.0.1:9000/v1   # an exact-timing server you started`

// cmdCalibrate measures inferbench's own timing error: it sends Poisson
// load to an exact-timing simulator (first token at TTFT, then one token
// every ITL) in a separate process and compares what it measured with
// what the simulator was told to do, at rising rates. The client's CPU
// time per request comes from getrusage of this process alone.
func cmdCalibrate(ctx context.Context, e *env, args []string) int {
	fs := cliflag.New("calibrate", calibrateSynopsis, calibrateExamples, e.stderr)
	ratesFlag := fs.String("rates", "10,100,500,1000", "comma-separated request rates per second")
	seconds := fs.Float64("seconds", 4, "seconds of load per rate (at least 50 requests per rate)")
	ttft := fs.Duration("ttft", 50*time.Millisecond, "simulator's time to first token")
	itl := fs.Duration("itl", 10*time.Millisecond, "simulator's time between tokens")
	tokens := fs.Int("tokens", 64, "output tokens per request")
	baseURL := fs.String("base-url", "", "use this exact-timing server instead of starting one")
	spin := fs.Duration("spin-wait", 0, "busy-wait before each send (as run --spin-wait)")
	if err := cliflag.ParseNone(fs, args); err != nil {
		return usageError(e, "calibrate", err)
	}
	var rates []float64
	for _, s := range strings.Split(*ratesFlag, ",") {
		r, err := workloads.ParseRate(s)
		if err != nil {
			return usageError(e, "calibrate", fmt.Errorf("--rates: %w", err))
		}
		rates = append(rates, r)
	}
	c := bench.Calibration{Rates: rates, Seconds: *seconds, TTFT: *ttft, ITL: *itl, Tokens: *tokens, SpinWait: *spin}
	if err := c.Validate(); err != nil {
		return usageError(e, "calibrate", err)
	}

	ctx, _, release := e.interruptible(ctx, "", "")
	defer release()
	url := *baseURL
	if url == "" {
		exe, err := os.Executable()
		var child *simhost.Process
		if err == nil {
			child, err = simhost.StartProcess(ctx, exe, os.Stderr, "--ttft", ttft.String(), "--itl", itl.String())
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "inferbench calibrate: %v\n", err)
			return exitFailed
		}
		defer child.Stop()
		url = child.URL
	}
	target, err := targets.NewOpenAI(targets.OpenAIConfig{BaseURL: url, Model: "sim", Name: "calibrate", Timeout: time.Minute})
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench calibrate: %v\n", err)
		return exitFailed
	}
	c.Target = target
	fmt.Fprintf(e.stdout, "inferbench calibrate: exact simulator TTFT %s, ITL %s, %d tokens (E2E %s); Poisson arrivals\n",
		*ttft, *itl, *tokens, c.E2E())
	fmt.Fprintf(e.stdout, "errors (measured minus configured) and schedule lag in ms, nearest-rank percentiles; CPU is this\n"+
		"process only (the simulator runs in a child process), CPU %% of its %d core(s)\n\n", bench.ClientCores())
	const row = "%7s %8s %6s  %7s %7s  %7s %7s  %7s %7s  %7s %7s  %8s %5s  %s\n"
	fmt.Fprintf(e.stdout, "%24s  %15s  %15s  %15s  %15s\n", "", "TTFT error", "ITL error", "E2E error", "schedule lag")
	fmt.Fprintf(e.stdout, row, "rate/s", "requests", "ok", "p50", "p99", "p50", "p99", "p50", "p99", "p50", "p99", "CPU/req", "CPU %", "client")
	var levels []bench.CalibratedRate
	err = c.Measure(ctx, func(l bench.CalibrationLevel) {
		t, i, e2, lag := reports.NewDist(l.TTFTErr), reports.NewDist(l.ITLErr), reports.NewDist(l.E2EErr), reports.NewDist(l.ScheduleLag)
		problems := l.Load(time.Duration(t.P99), time.Duration(lag.P99)).Problems()
		if l.OK < l.Requests {
			problems = append(problems, fmt.Sprintf("%d of %d requests failed", l.Requests-l.OK, l.Requests))
		}
		levels = append(levels, bench.CalibratedRate{Rate: l.Rate, Problems: problems})
		verdict := "ok"
		if len(problems) > 0 {
			verdict = "over"
		}
		fmt.Fprintf(e.stdout, row, strconv.FormatFloat(l.Rate, 'g', -1, 64), strconv.Itoa(l.Requests), strconv.Itoa(l.OK),
			fmtErr(t.P50), fmtErr(t.P99), fmtErr(i.P50), fmtErr(i.P99), fmtErr(e2.P50), fmtErr(e2.P99),
			fmtErr(lag.P50), fmtErr(lag.P99), (l.CPU / time.Duration(max(l.Requests, 1))).Round(time.Microsecond).String(),
			strconv.FormatFloat(100*l.CPUUtilisation(), 'f', 0, 64), verdict)
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench calibrate: %v\n", err)
		return exitFailed
	}
	if len(levels) > 0 {
		fmt.Fprintf(e.stdout, "\n%s\n", strings.Join(cliflag.Wrap(bench.SafeRate(levels), cliflag.HelpWidth), "\n"))
	}
	return exitOK
}

// fmtErr writes nanoseconds as milliseconds with three decimals.
func fmtErr(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e6, 'f', 3, 64)
}
