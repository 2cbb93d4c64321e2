package suite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/reports"
)

// wantLines checks that err says each of want (file:line: text).
func wantLines(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

// TestParseProblemsWithLines: every problem of a file at once, each at
// its line, unknown keys with the key meant.
func TestParseProblemsWithLines(t *testing.T) {
	const file = `name: bad suite
workload: sample
load: {rate: 4/s, requets: 200}
slo: {ttft: fast}
volume: [100M:20M, lots]
bogus: 1
targets:
  - name: a
    preset: vllm
    model: m
    timeouts: {idel: 1s}
    load: {concurrency: 0}
    sim: {preset: nope}
  - name: a
    base_url: http://127.0.0.1:1/v1
    model: m
    saturat: true
gates: ["ttft.p95 > 800", "e2e.p99 > base", "error_rate = 1%"]
components:
  - {name: serving, differentiation: 2, complexity: 11}
scorecard:
  weights: {cost: 30, speed: 5}
fail_on: ["error_rate = 1%"]
`
	_, err := Parse("s.yaml", []byte(file))
	wantLines(t, err,
		`s.yaml:1: name "bad suite"`,
		`s.yaml:3: load: unknown key "requets" (did you mean "requests"?)`,
		`s.yaml:4: slo.ttft: want a positive duration`,
		`s.yaml:5: volume: volume "lots"`,
		`s.yaml:6: unknown key "bogus"`,
		`s.yaml:11: unknown key "idel" (did you mean "idle"?)`,
		`s.yaml:12: targets[0] (a): load.concurrency "0": want a positive number`,
		`s.yaml:13: targets[0] (a): sim: `,
		`s.yaml:14: targets[1] (a): name "a" is already used by the target on line 8`,
		`s.yaml:17: targets[1] (a): unknown key "saturat" (did you mean "saturate"?)`,
		`s.yaml:18: gates: "ttft.p95 > 800": column`,
		`s.yaml:18: gates: "e2e.p99 > base": column`,
		`s.yaml:18: gates: "error_rate = 1%": column 12: unsupported operator: use >, >=, < or <= (the condition that must hold)`,
		`s.yaml:20: components[0] (serving): complexity 11: want a score from 1 to 10`,
		`s.yaml:22: unknown weight "speed"`,
		`s.yaml:23: fail_on: "error_rate = 1%": column 12: unsupported operator: use >, >=, < or <= (the condition that fails the check)`,
	)
}

// TestComponentsOnce: components come from the top level or from the
// scorecard plan, not both; the plan's rows are checked at their lines.
func TestComponentsOnce(t *testing.T) {
	const head = `name: s
workload: sample
load: {rate: 1/s}
targets: [{name: a, base_url: "http://127.0.0.1:1/v1", model: m}]
`
	s, err := Parse("s.yaml", []byte(head+"scorecard:\n  components: [{name: serving, differentiation: 2, complexity: 9}]\n"))
	if err != nil || len(s.Scorecard.Components) != 1 || len(s.Components) != 0 {
		t.Fatalf("%v: %+v", err, s)
	}
	_, err = Parse("s.yaml", []byte(head+`scorecard:
  components: [{name: serving, differentiation: 0, complexity: 9}]
components:
  - {name: routing, differentiation: 8, complexity: 3}
`))
	wantLines(t, err, `s.yaml:6: components[0] (serving): differentiation 0: want a score from 1 to 10`,
		`s.yaml:7: components: the scorecard gives components too (line 6); keep one list`)
}

// TestGatesAreRequirements: gates: must hold, fail_on: says when to fail.
func TestGatesAreRequirements(t *testing.T) {
	s, err := Parse("s.yaml", []byte(`name: s
workload: sample
load: {rate: 1/s}
targets: [{name: a, base_url: "http://127.0.0.1:1/v1", model: m}]
gates: ["ttft.p95 < 800ms", "error_rate < 1%"]
fail_on: ["e2e.p99 > 10s"]
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Gates) != 2 || !s.Gates[0].Requirement || !s.Gates[1].Requirement || len(s.FailOn) != 1 || s.FailOn[0].Requirement {
		t.Errorf("gates %+v, fail_on %+v", s.Gates, s.FailOn)
	}
}

// TestPlanProblemsWithLines: what only building the runs finds, at the
// line of the key at fault; the workload's problem once.
func TestPlanProblemsWithLines(t *testing.T) {
	const file = `name: s
workload: /no/such/workload.jsonl
load: {rate: 1/s}
targets:
  - name: a
    base_url: ftp://x
    model: m
  - name: b
    preset: vllm
    load: {concurrency: 2, replay: true}
`
	s, err := Parse("s.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Plan(Options{Out: t.TempDir()})
	wantLines(t, err,
		`s.yaml:2: workload open /no/such/workload.jsonl`,
		`s.yaml:6: target a: base_url "ftp://x": want http(s)://`,
		`s.yaml:8: target b: model required`,
		`s.yaml:8: target b: give exactly one of load.rate, load.concurrency and load.replay`,
	)
	if n := strings.Count(err.Error(), "no/such/workload"); n != 1 {
		t.Errorf("the workload's problem said %d times:\n%v", n, err)
	}
}

// TestTargetLoadOverridesSuite: a target's mode replaces the suite's;
// the rest of the suite's load stays.
func TestTargetLoadOverridesSuite(t *testing.T) {
	s, err := Parse("s.yaml", []byte(`name: s
workload: sample
load: {rate: 4/s, requests: 20, warmup: 2}
slo: {ttft: 500ms}
targets:
  - {name: a, base_url: "http://127.0.0.1:1/v1", model: m}
  - {name: b, base_url: "http://127.0.0.1:1/v1", model: m, saturate: true, load: {concurrency: [1, 4], requests: 8}}
`))
	if err != nil {
		t.Fatal(err)
	}
	steps, err := s.Plan(Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	a, b := steps[0].Built, steps[1].Built
	if l := a.Plan.Load; l.Rate != 4 || l.Requests != 20 || l.Warmup != 2 || a.Sweep != nil {
		t.Errorf("a: %+v", l)
	}
	if b.Sweep == nil || len(b.Sweep.Levels) != 2 || b.Sweep.Levels[1].Concurrency != 4 || b.Sweep.Judge == nil {
		t.Fatalf("b: sweep %+v", b.Sweep)
	}
	if l := b.Sweep.Plan.Load; l.Requests != 8 || l.Warmup != 2 || l.Rate != 0 {
		t.Errorf("b: %+v", l)
	}
	if s.SLO.TTFT != 500*time.Millisecond || b.Plan.Outputs.RunID != "b" || !strings.HasSuffix(b.Plan.Outputs.Dir, "/s") {
		t.Errorf("slo %v, outputs %+v", s.SLO, b.Plan.Outputs)
	}
}

// TestPlanRefusesExistingRuns: a run directory that exists is a problem
// before anything runs, and --only names only targets that exist.
func TestPlanRefusesExistingRuns(t *testing.T) {
	s, err := Parse("s.yaml", []byte(`name: s
workload: sample
load: {concurrency: 1}
targets:
  - {name: alpha, base_url: "http://127.0.0.1:1/v1", model: m}
  - {name: beta, base_url: "http://127.0.0.1:1/v1", model: m}
`))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := os.MkdirAll(filepath.Join(out, "s", "beta"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = s.Plan(Options{Out: out})
	wantLines(t, err, "s.yaml:6: target beta: "+filepath.Join(out, "s", "beta")+" already exists")
	if steps, err := s.Plan(Options{Out: out, Only: []string{"alpha"}}); err != nil || len(steps) != 1 {
		t.Errorf("only alpha: %v %v", steps, err)
	}
	_, err = s.Plan(Options{Out: out, Only: []string{"alpah"}})
	wantLines(t, err, `--only "alpah": s.yaml has no such target (did you mean "alpha"?)`)
}

// TestDemoSuiteParses: the embedded demo is a valid suite whose targets
// are simulators with the demo's prices: the API and the managed host
// replay the sample, the self-hosted engine is a saturating sweep, so
// the report can name its capacity.
func TestDemoSuiteParses(t *testing.T) {
	s, err := ReadFile("../examples/demo.suite.yaml")
	if err != nil {
		t.Fatal(err)
	}
	steps, err := s.Plan(Options{Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 3 || !s.Parallel || len(s.Volumes) != 1 {
		t.Fatalf("%d steps, parallel %v, volumes %v", len(steps), s.Parallel, s.Volumes)
	}
	for _, st := range steps {
		p := st.Built.Plan
		if !p.TargetInfo.Simulated || p.Prices == nil || p.Load.RequestTimeout != 5*time.Minute {
			t.Errorf("%s: %+v prices %+v load %+v", st.Entry.Name, p.TargetInfo, p.Prices, p.Load)
		}
	}
	for _, st := range steps[:2] {
		if l := st.Built.Plan.Load; st.Built.Sweep != nil || l.Mode != bench.ModeReplay || l.TimeScale != 0.5 {
			t.Errorf("%s: want a replay at x2, got %+v (sweep %v)", st.Entry.Name, l, st.Built.Sweep != nil)
		}
	}
	sh := steps[2].Built
	if p := sh.Plan.Prices; p.GPUHourly != 5 {
		t.Errorf("self-hosted: %+v", p)
	}
	if sh.Sweep == nil || sh.Sweep.Judge == nil || sh.Sweep.Plan.Load.Mode != bench.ModeConcurrency || len(sh.Sweep.Levels) < 3 || sh.Sweep.Plan.Load.Requests == 0 {
		t.Fatalf("self-hosted: want a saturating concurrency sweep of bounded levels, got %+v", sh.Sweep)
	}
	for i := 1; i < len(sh.Sweep.Levels); i++ {
		if sh.Sweep.Levels[i].Concurrency <= sh.Sweep.Levels[i-1].Concurrency {
			t.Errorf("self-hosted levels do not rise: %+v", sh.Sweep.Levels)
		}
	}
}

// TestValuesReadAsFlags: a key takes what its flag takes, no more: YAML's
// own decoding would turn 1.5 into 1 and 30 into 30ns.
func TestValuesReadAsFlags(t *testing.T) {
	_, err := Parse("s.yaml", []byte(`name: s
workload: {path: sample, seed: abc}
load: {requests: 1.5, timeout: 30, replay: maybe}
targets:
  - {name: a, telemetry_interval: soon, sim: {preset: self-hosted, max_batch: 1.5, ttft: x}}
`))
	wantLines(t, err,
		`s.yaml:2: workload.seed "abc": want a whole number`,
		`s.yaml:3: load.requests "1.5": want a whole number`,
		`s.yaml:3: load.timeout "30": want a duration like 500ms or 2m`,
		`s.yaml:3: load.replay "maybe": want true or false`,
		`s.yaml:5: targets[0] (a): telemetry_interval "soon": want a duration`,
		`s.yaml:5: targets[0] (a): sim.max_batch "1.5": want a whole number`,
		`s.yaml:5: targets[0] (a): sim.ttft "x": want a duration`,
	)
	s, err := Parse("s.yaml", []byte("name: s\nworkload: sample\nload: {concurrency: [1, 2], timeout: 90s, seed: 7}\ntargets:\n  - {name: a, sim: {ttft: 5ms, itl: 1ms, role_chunk: with-first-token}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	l := s.Entries[0].Run.Load
	if l.Concurrency.String() != "1,2" || l.RequestTimeout != 90*time.Second || l.Seed != 7 || !s.Entries[0].Run.Given["timeout"] {
		t.Errorf("load %+v", l)
	}
	if c, err := s.Entries[0].Run.Target.Sim.Resolve(""); err != nil || !c.Exact || c.TTFT != 5*time.Millisecond || c.RoleChunk != "with-first-token" {
		t.Errorf("sim %+v %v", c, err)
	}
}

// TestParsePercentiles: the report's percentile method, and a bad one at
// its line.
func TestParsePercentiles(t *testing.T) {
	s, err := Parse("s.yaml", []byte("name: s\nworkload: sample\npercentiles: linear\ntargets:\n  - {name: a, sim: {ttft: 5ms}}\n"))
	if err != nil || s.Percentiles != reports.MethodLinear {
		t.Fatalf("percentiles %v, err %v", s, err)
	}
	_, err = Parse("s.yaml", []byte("name: s\nworkload: sample\npercentiles: hazen\ntargets:\n  - {name: a, sim: {ttft: 5ms}}\n"))
	if err == nil || !strings.Contains(err.Error(), `s.yaml:3: percentiles: unknown percentile method "hazen"`) {
		t.Errorf("err = %v", err)
	}
}
