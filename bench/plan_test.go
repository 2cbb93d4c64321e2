package bench

import (
	"errors"
	"strings"
	"testing"
	"time"

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
		{"rate", func(p *Plan) { p.Load.Rate = 0 }, []string{"--rate must be > 0"}},
		{"arrival", func(p *Plan) { p.Load.Arrival = workloads.Arrival{Kind: "gamma"} }, []string{`--arrival "gamma:0": want gamma:CV`}},
		{"concurrency", func(p *Plan) { p.Load = Load{Mode: ModeConcurrency} }, []string{"--concurrency must be > 0, got 0"}},
		{"time scale", func(p *Plan) { p.Load = Load{Mode: ModeReplay} }, []string{"--time-scale must be > 0, got 0"}},
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
		{"telemetry", func(p *Plan) { p.Telemetry = Telemetry{GPUMetricsURL: "host:9400", Interval: -1} },
			[]string{`gpu-metrics "host:9400": want an http(s) URL`, "--telemetry-interval must be > 0"}},
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
