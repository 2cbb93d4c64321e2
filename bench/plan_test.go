package bench

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

func TestPlanValidate(t *testing.T) {
	flag := func(s string) string { return "--" + s }
	ok := func() Plan {
		return Plan{Target: tokenTarget{}, Workload: testWorkload("a", "b"), Load: Load{Mode: ModeRate, Rate: 1}, Outputs: Outputs{Dir: "out"}}
	}
	tests := []struct {
		name string
		edit func(p *Plan)
		want []string // rendered with flag names; nil = valid
	}{
		{"valid", func(p *Plan) {}, nil},
		{"valid replay with sessions", func(p *Plan) {
			p.Load = Load{Mode: ModeReplay, TimeScale: 0.1, Flow: Flow{Sessions: true, ThinkTime: time.Second}}
		}, nil},
		{"nothing", func(p *Plan) { *p = Plan{} }, []string{"--target is required", `--workload is required`, "--out is required",
			"give exactly one of --rate, --concurrency and --replay"}},
		{"rate", func(p *Plan) { p.Load.Rate = 0 }, []string{"--rate want a rate from one a day"}},
		{"arrival", func(p *Plan) { p.Load.Arrival = workloads.Arrival{Kind: "gamma"} }, []string{`--arrival "gamma:0": want gamma:CV`}},
		{"concurrency", func(p *Plan) { p.Load = Load{Mode: ModeConcurrency} }, []string{"--concurrency must be from 1 to 100000, got 0"}},
		{"time scale", func(p *Plan) { p.Load = Load{Mode: ModeReplay} }, []string{"--time-scale must be from 1e-06 to 1000, got 0"}},
		{"unknown mode", func(p *Plan) { p.Load.Mode = "burst" }, []string{`load mode "burst"`}},
		{"negatives", func(p *Plan) {
			p.Load.Requests, p.Load.Warmup, p.Load.MaxInFlight, p.Load.Duration = -1, -1, -1, -time.Second
			p.Load.SpinWait, p.Load.DrainTimeout = -1, -1
		}, []string{"--requests must not be negative", "--warmup must not", "--max-inflight must not", "--duration must not",
			"--spin-wait must not", "--drain-timeout must not"}},
		{"think time without sessions", func(p *Plan) { p.Load.ThinkTime = time.Second }, []string{"--think-time needs --sessions"}},
		{"run id", func(p *Plan) { p.Outputs.RunID = "a/b" }, []string{`--run-id "a/b": use letters`}},
		{"shard without run id", func(p *Plan) { p.Outputs.Shard = workloads.Shard{Index: 0, Count: 2} }, []string{"--shard needs --run-id"}},
		{"bad shard", func(p *Plan) { p.Outputs.Shard = workloads.Shard{Index: 2, Count: 2} }, []string{"--shard 2/2: want I/N"}},
		{"empty shard", func(p *Plan) { p.Outputs.RunID, p.Outputs.Shard = "x", workloads.Shard{Index: 2, Count: 3} },
			[]string{"--shard 2/3: w has no requests for this shard"}},
		{"start in the past", func(p *Plan) { p.Outputs.StartAt = time.Now().Add(-time.Hour) }, []string{"--start-at", "in the past"}},
		{"start too far", func(p *Plan) { p.Outputs.StartAt = time.Now().Add(2 * time.Hour) }, []string{"away (at most 1h0m0s allowed)"}},
		{"replay without offsets", func(p *Plan) {
			p.Load = Load{Mode: ModeReplay, TimeScale: 1}
			p.Workload.Requests[1].AtMs = nil
		}, []string{"w: requests without at_ms cannot be replayed (first: b)"}},
		{"replay longer than a run", func(p *Plan) {
			p.Load = Load{Mode: ModeReplay, TimeScale: 1000}
			at := 7 * 24 * 3600 * 1000.0 // a week
			p.Workload.Requests[1].AtMs = &at
		}, []string{"--time-scale 1000 makes the replay of w last 168000 h"}},
		{"telemetry", func(p *Plan) { p.Telemetry = Telemetry{GPUMetricsURL: "host:9400", Interval: -1} },
			[]string{`gpu-metrics "host:9400": want an http(s) URL`, "--telemetry-interval must be from 100ms to 1h0m0s (0: the default), got -1ns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok()
			tt.edit(&p)
			err := p.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("valid plan: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("invalid plan passed")
			}
			got := FormatProblems(err, flag)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems lack %q:\n%s", w, got)
				}
			}
			if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n < len(tt.want)-1 && tt.name != "start in the past" {
				t.Errorf("%d problems for %d expected", n, len(tt.want))
			}
		})
	}
}

func TestFieldErrorRender(t *testing.T) {
	e := &FieldError{Setting: "think-time", Msg: "needs {sessions}"}
	if got := e.Render(func(s string) string { return strings.ReplaceAll(s, "-", "_") + ":" }); got != "think_time: needs sessions:" {
		t.Errorf("render %q", got)
	}
	if e.Error() != "think-time needs sessions" {
		t.Errorf("error %q", e.Error())
	}
	wrapped := errors.Join(e, errors.New("plain"))
	if got := FormatProblems(&planError{wrapped}, func(s string) string { return "--" + s }); got != "--think-time needs --sessions\nplain" {
		t.Errorf("format %q", got)
	}
}

// TestPlanBounds: every numeric setting of a plan rejects NaN, infinities,
// negatives and absurd values, naming the setting, so neither a flag nor
// a suite file can start a run with one.
func TestPlanBounds(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ok := func() Plan {
		return Plan{Target: tokenTarget{}, Workload: testWorkload("a", "b"), Load: Load{Mode: ModeRate, Rate: 1}, Outputs: Outputs{Dir: "out"}}
	}
	type edit func(p *Plan)
	tests := []struct {
		setting string
		bad     []edit
	}{
		{"rate", []edit{func(p *Plan) { p.Load.Rate = nan }, func(p *Plan) { p.Load.Rate = inf }, func(p *Plan) { p.Load.Rate = -1 },
			func(p *Plan) { p.Load.Rate = 1e-300 }, func(p *Plan) { p.Load.Rate = 1e300 }}},
		{"arrival", []edit{func(p *Plan) { p.Load.Arrival = workloads.Arrival{Kind: "gamma", CV: nan} },
			func(p *Plan) { p.Load.Arrival = workloads.Arrival{Kind: "gamma", CV: -1} },
			func(p *Plan) { p.Load.Arrival = workloads.Arrival{Kind: "gamma", CV: 1e300} }}},
		{"concurrency", []edit{func(p *Plan) { p.Load = Load{Mode: ModeConcurrency, Concurrency: -1} },
			func(p *Plan) { p.Load = Load{Mode: ModeConcurrency, Concurrency: 1e9} }}},
		{"time-scale", []edit{func(p *Plan) { p.Load = Load{Mode: ModeReplay, TimeScale: nan} },
			func(p *Plan) { p.Load = Load{Mode: ModeReplay, TimeScale: inf} }, func(p *Plan) { p.Load = Load{Mode: ModeReplay, TimeScale: -1} },
			func(p *Plan) { p.Load = Load{Mode: ModeReplay, TimeScale: 1e-300} }, func(p *Plan) { p.Load.TimeScale = nan }}},
		{"requests", []edit{func(p *Plan) { p.Load.Requests = -1 }, func(p *Plan) { p.Load.Requests = 2e9 }}},
		{"warmup", []edit{func(p *Plan) { p.Load.Warmup = -1 }, func(p *Plan) { p.Load.Warmup = 2e9 }}},
		{"max-inflight", []edit{func(p *Plan) { p.Load.MaxInFlight = -1 }, func(p *Plan) { p.Load.MaxInFlight = 1e9 }}},
		{"duration", []edit{func(p *Plan) { p.Load.Duration = -1 }, func(p *Plan) { p.Load.Duration = 1e6 * time.Hour }}},
		{"think-time", []edit{func(p *Plan) { p.Load.Sessions, p.Load.ThinkTime = true, -1 },
			func(p *Plan) { p.Load.Sessions, p.Load.ThinkTime = true, 48*time.Hour }}},
		{"spin-wait", []edit{func(p *Plan) { p.Load.SpinWait = -1 }, func(p *Plan) { p.Load.SpinWait = time.Hour }}},
		{"drain-timeout", []edit{func(p *Plan) { p.Load.DrainTimeout = -1 }, func(p *Plan) { p.Load.DrainTimeout = 1e6 * time.Hour }}},
		{"timeout", []edit{func(p *Plan) { p.Load.RequestTimeout = -1 }, func(p *Plan) { p.Load.RequestTimeout = 1e6 * time.Hour }}},
		{"part-rows", []edit{func(p *Plan) { p.Outputs.PartRows = -1 }, func(p *Plan) { p.Outputs.PartRows = 2e9 }}},
		{"part-interval", []edit{func(p *Plan) { p.Outputs.PartInterval = -1 }, func(p *Plan) { p.Outputs.PartInterval = time.Nanosecond },
			func(p *Plan) { p.Outputs.PartInterval = 1e6 * time.Hour }}},
		{"manifest-interval", []edit{func(p *Plan) { p.Outputs.ManifestInterval = -1 }, func(p *Plan) { p.Outputs.ManifestInterval = 48 * time.Hour }}},
		{"telemetry-interval", []edit{func(p *Plan) { p.Telemetry.Interval = -1 }, func(p *Plan) { p.Telemetry.Interval = 48 * time.Hour }}},
		{"price", []edit{func(p *Plan) { p.Prices = &results.Prices{InputPer1M: nan} }, func(p *Plan) { p.Prices = &results.Prices{OutputPer1M: -1} },
			func(p *Plan) { p.Prices = &results.Prices{GPUHourly: inf} }, func(p *Plan) { p.Prices = &results.Prices{CachedInputPer1M: 1e300} },
			func(p *Plan) { p.Prices = &results.Prices{LongContext: &results.PriceTier{OutputPer1M: nan}} }}},
	}
	for _, tt := range tests {
		for i, e := range tt.bad {
			p := ok()
			e(&p)
			err := p.Validate()
			if err == nil {
				t.Errorf("%s #%d: accepted", tt.setting, i)
				continue
			}
			if got := FormatProblems(err, func(s string) string { return "--" + s }); !strings.Contains(got, tt.setting) {
				t.Errorf("%s #%d: problems do not name it: %s", tt.setting, i, got)
			}
		}
	}
	// The bounds themselves are valid.
	p := ok()
	p.Load.Rate, p.Load.Requests, p.Load.Duration, p.Load.SpinWait = workloads.MaxRate, MaxRequests, MaxRunDuration, MaxSpinWait
	p.Outputs.PartRows, p.Outputs.PartInterval, p.Telemetry.Interval = MaxPartRows, MinInterval, MaxInterval
	p.Prices = &results.Prices{InputPer1M: 1e6}
	if err := p.Validate(); err != nil {
		t.Errorf("bounds rejected: %v", err)
	}
}
