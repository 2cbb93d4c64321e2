package workloads

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestSynthOptionsSpec: good options parse into the spec; bad ones name
// every problem at once, as the flags name them.
func TestSynthOptionsSpec(t *testing.T) {
	good := SynthOptions{InputLen: "fixed:100", OutputLen: "uniform:10,20", Rate: "5/s", Arrival: "gamma:2", N: 10, SharedPrefix: 8, Out: "w.jsonl", Seed: 3}
	spec, err := good.Spec()
	if err != nil || spec.N != 10 || spec.Rate != 5 || spec.Arrival.Kind != "gamma" || spec.Input.Kind != "fixed" || spec.SharedPrefix != 8 || spec.Seed != 3 {
		t.Fatalf("spec %+v, %v", spec, err)
	}
	if err := spec.Validate(); err != nil {
		t.Errorf("parsed spec is invalid: %v", err)
	}
	bad := SynthOptions{Args: []string{"x"}, Arrival: "poisson", N: 0, SharedPrefix: -1, Tokenizer: "nope"}
	_, err = bad.Spec()
	for _, want := range []string{"unexpected arguments: x", "need --input-len and --output-len", "need --out", "need --n >= 1", "--shared-prefix must be from 0", "nope"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad options: %v, want %q", err, want)
		}
	}
}

// TestSampleOptionsFilter: the shuffle seed parses into the filter; bad
// values and the argument problem are all reported.
func TestSampleOptionsFilter(t *testing.T) {
	o := SampleOptions{FilterOptions: FilterOptions{Limit: 5, TimeScale: 1}, ShuffleSeed: "7", Out: "-"}
	f, err := o.Filter(nil)
	if err != nil || !f.Shuffle || f.ShuffleSeed != 7 || f.Limit != 5 {
		t.Fatalf("filter %+v, %v", f, err)
	}
	o = SampleOptions{FilterOptions: FilterOptions{Every: -1, TimeScale: 0, From: 10 * time.Second, To: 5 * time.Second}, ShuffleSeed: "x"}
	_, err = o.Filter(errors.New("need a workload FILE"))
	for _, want := range []string{"need a workload FILE", "need --out", `--shuffle-seed "x"`, "--every and --limit", "--time-scale must be", "--to 5s must be after --from 10s"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad options: %v, want %q", err, want)
		}
	}
}

func TestParseOffset(t *testing.T) {
	for in, want := range map[string]time.Duration{"90": 90 * time.Second, "1.5": 1500 * time.Millisecond, "10m": 10 * time.Minute} {
		if got, err := ParseOffset(in); err != nil || got != want {
			t.Errorf("%s: %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"-1", "-5s", "soon"} {
		if _, err := ParseOffset(in); err == nil {
			t.Errorf("%s parsed", in)
		}
	}
}

func TestImportOptionsResolve(t *testing.T) {
	o, err := ImportOptions{}.Resolve("azure")
	if err != nil || o.Format != FormatAzure {
		t.Errorf("azure: %q, %v", o.Format, err)
	}
	if _, err := (ImportOptions{}).Resolve("nope"); err == nil {
		t.Error("unknown format resolved")
	}
	if _, err := (ImportOptions{Tokenizer: "nope"}).Resolve(""); err == nil {
		t.Error("unknown tokenizer resolved")
	}
	if !strings.HasPrefix(FormatNames(), "native, azure") {
		t.Errorf("format names %q", FormatNames())
	}
}

// TestMonthTokens: a month at the recorded rate in the mix of the rows
// with usage; none without arrival times or usage.
func TestMonthTokens(t *testing.T) {
	s := Stats{Timed: true, RatePerS: 2, Observed: &ObservedStats{Rows: 4, FromChunks: 2, UsageInput: 200, UsageOutput: 50}}
	in, out, ok := s.MonthTokens(1)
	if !ok || in != 2*3600*100 || out != 2*3600*25 {
		t.Errorf("month: %v %v %v", in, out, ok)
	}
	s.Observed.FromChunks = 4
	if _, _, ok := s.MonthTokens(1); ok {
		t.Error("a volume without usage")
	}
	if _, _, ok := (Stats{Timed: false, RatePerS: 2, Observed: &ObservedStats{Rows: 1}}).MonthTokens(1); ok {
		t.Error("a volume without arrival times")
	}
}
