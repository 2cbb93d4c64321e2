package threshold

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/results"
)

func TestParseThreshold(t *testing.T) {
	const base = 1e9 // the baseline's value used to evaluate limits
	for _, tc := range []struct {
		expr, metric, op string
		limit            float64
		usesBase         bool
	}{
		{"ttft.p95 > 800ms", "ttft.p95", ">", 800e6, false},
		{"TTFT.P95>800MS", "ttft.p95", ">", 800e6, false},
		{"ttft.p95 > 800 ms", "ttft.p95", ">", 800e6, false},
		{"e2e.p99 > 1.10 * base", "e2e.p99", ">", 1.1e9, true},
		{"e2e.p99 > base * 1.10", "e2e.p99", ">", 1.1e9, true},
		{"error_rate > 1%", "error_rate", ">", 0.01, false},
		{"error_rate >= 0.01", "error_rate", ">=", 0.01, false},
		{"cost_per_1m_output > 1.05 * base", "cost_per_1m_output", ">", 1.05e9, true},
		{"cost_per_request > 0.002", "cost_per_request", ">", 0.002, false},
		{"cost_per_1m_input > 3", "cost_per_1m_input", ">", 3, false},
		{"throughput.output_tok_s < 0.9 * base", "throughput.output_tok_s", "<", 0.9e9, true},
		{"throughput.requests_per_s <= 4.5", "throughput.requests_per_s", "<=", 4.5, false},
		{"throughput.output_tokens_per_s < 90% * base", "throughput.output_tok_s", "<", 0.9e9, true},
		{"goodput.fraction < 95%", "goodput.fraction", "<", 0.95, false},
		{"goodput.req_s < base - 1", "goodput.req_s", "<", base - 1, true},
		{"ttft.p50 > base + 50ms", "ttft.p50", ">", base + 50e6, true},
		{"ttft.p50 > (base + 50ms) * 1.1", "ttft.p50", ">", (base + 50e6) * 1.1, true},
		{"itl.p99 > 110% * base", "itl.p99", ">", 1.1e9, true},
		{"tpot.mean > 1.5s / 30", "tpot.mean", ">", 50e6, false},
		{"schedule_lag.max <= 2e3us", "schedule_lag.max", "<=", 2e6, false},
		{"ttfo.p90 > base - -5ms", "ttfo.p90", ">", base + 5e6, true},
		{"user_latency.p90 > base / 2 * 3", "user_latency.p90", ">", 1.5e9, true},
		{"e2e.max > 1.5µs", "e2e.max", ">", 1500, false},
		{"e2e.max > 7ns", "e2e.max", ">", 7, false},
		{"ttft.p95 > base / (2s / 1s)", "ttft.p95", ">", 0.5e9, true},
		{"\tttft.p95\n>\t.5s ", "ttft.p95", ">", 0.5e9, false},
	} {
		th, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		if th.Metric != tc.metric || th.Op != tc.op || th.UsesBase() != tc.usesBase {
			t.Errorf("%q: metric %q op %q base %v, want %q %q %v", tc.expr, th.Metric, th.Op, th.UsesBase(), tc.metric, tc.op, tc.usesBase)
		}
		if got := th.limit.eval(base); math.Abs(got-tc.limit) > 1e-9*math.Abs(tc.limit) {
			t.Errorf("%q: limit %v, want %v", tc.expr, got, tc.limit)
		}
	}
}

func TestParseThresholdErrors(t *testing.T) {
	for _, tc := range []struct {
		expr string
		pos  int
		want string
	}{
		{"", 0, "empty expression"},
		{"   ", 3, "empty expression"},
		{"> 1s", 0, "want a metric name"},
		{"ttft.p95 > 800", 11, "give 800 a unit, like 800ms"},
		{"ttft.p95 > 2 * 3", 11, "is a duration, but the limit is a plain number"},
		{"ttft.p95 800ms", 9, "want a comparison"},
		{"tfft.p95 > 1s", 0, "did you mean ttft.p95?"},
		{"ttft > 1s", 0, "name a statistic: ttft.p95"},
		{"latency > 1s", 0, "known: latencies"},
		{"error_rate > 5ms", 14, `not a duration: drop the unit "ms"`},
		{"error_rate > 5", 13, "fraction from 0 to 1: write 5% or 0.05"},
		{"goodput.fraction < 95", 19, "write 95% or 0.95"},
		{"ttft.p95 == 1s", 9, "unsupported operator"},
		{"ttft.p95 != 1s", 9, "unsupported operator"},
		{"ttft.p95 > 1s)", 13, "unbalanced )"},
		{"ttft.p95 > (1s", 14, "want ) to close the ( at column 12"},
		{"ttft.p95 > 2ms * base", 15, "cannot multiply two durations"},
		{"ttft.p95 > 1s + 2", 14, "cannot add a duration and a plain number"},
		{"ttft.p95 > 2 / 1s", 13, "cannot divide a plain number by a duration"},
		{"ttft.p95 > 1.1 base", 15, "want * between 1.1 and base"},
		{"ttft.p95 > 5 parsecs", 13, `unknown unit "parsecs"`},
		{"ttft.p95 > foo", 11, `unknown name "foo"`},
		{"ttft.p95 > ms", 11, `unit "ms" without a number`},
		{"ttft.p95 >", 10, "the limit is missing"},
		{"ttft.p95 > 1s 2s", 14, `unexpected "2" after the limit`},
		{"ttft.p95 > 1..2s", 11, `bad number "1..2"`},
		{"ttft.p95 > 1s #", 14, "unexpected '#'"},
		{"throughput.output_tok_s < 90%", 26, "did you mean 90% * base?"},
		{"cost_per_request > 1s", 20, "not a duration"},
		{"ttft.p95 > *", 11, `unexpected "*"`},
		{"ttft.p95 > \xff", 11, "not valid UTF-8"},
	} {
		_, err := Parse(tc.expr)
		var te *Error
		if !errors.As(err, &te) {
			t.Errorf("%q: error %v, want a *Error", tc.expr, err)
			continue
		}
		if te.Pos != tc.pos || !strings.Contains(te.Msg, tc.want) {
			t.Errorf("%q: at %d %q, want at %d containing %q", tc.expr, te.Pos, te.Msg, tc.pos, tc.want)
		}
	}
}

func TestThresholdErrorCaret(t *testing.T) {
	_, err := Parse("ttft.p95 > 800")
	want := "\"ttft.p95 > 800\": column 12: ttft.p95 is a duration, but the limit is a plain number: give 800 a unit, like 800ms\n" +
		"  ttft.p95 > 800\n" +
		"             ^"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	// Columns count characters, not bytes.
	_, err = Parse("ttft.p95 > 5µs + 1")
	if err == nil || !strings.Contains(err.Error(), "column 16:") || !strings.HasSuffix(err.Error(), "\n                 ^") {
		t.Errorf("error:\n%v", err)
	}
}

func TestThresholdNoBase(t *testing.T) {
	th, err := Parse("e2e.p99 > 1.1 * base")
	if err != nil {
		t.Fatal(err)
	}
	var te *Error
	if err := th.NoBase(); !errors.As(err, &te) || te.Pos != 16 || !strings.Contains(te.Msg, "only in inferbench compare") {
		t.Errorf("NoBase = %v", err)
	}
	th, _ = Parse("e2e.p99 > 1s")
	if err := th.NoBase(); err != nil {
		t.Errorf("NoBase without base = %v", err)
	}
}

func TestThresholdCheck(t *testing.T) {
	m := &results.Manifest{RunID: "cand", Target: results.TargetInfo{Name: "t"},
		Prices: &results.Prices{InputPer1M: 1, OutputPer1M: 2}}
	// TTFT 20, 30, 25 ms; 1 of 4 failed.
	cand := reports.Summarize(fixture.AddAll(reports.NewRunData("", m), fixture.SampleRecs()...), reports.Options{SLO: reports.SLO{TTFT: 26 * 1e6}})
	baseSum := reports.Summarize(fixture.AddAll(reports.NewRunData("", &results.Manifest{RunID: "base"}), fixture.OKRec(0, 20, 100, 10, 5, nil, nil)), reports.Options{})
	for _, tc := range []struct {
		expr   string
		base   *reports.Summary
		failed bool
		msg    string
	}{
		{"ttft.p50 > 30ms", nil, false, "ttft.p50 = 25.0 ms, not > 30.0 ms"},
		{"ttft.p50 >= 25ms", nil, true, "ttft.p50 = 25.0 ms >= 25.0 ms"},
		{"ttft.max < 31ms", nil, true, "ttft.max = 30.0 ms < 31.0 ms"},
		{"ttft.p50 > 1.2 * base", &baseSum, true, "ttft.p50 = 25.0 ms > 24.0 ms (base 20.0 ms)"},
		{"ttft.p50 > 1.3 * base", &baseSum, false, "ttft.p50 = 25.0 ms, not > 26.0 ms (base 20.0 ms)"},
		{"error_rate > 20%", nil, true, "error_rate = 25.00% > 20.00%"},
		{"error_rate > 30%", nil, false, "error_rate = 25.00%, not > 30.00%"},
		{"goodput.fraction < 50%", nil, false, "goodput.fraction = 50.00%, not < 50.00%"},
		{"cost_per_request > 1", nil, false, "cost_per_request = $0.0000"},
		// No value: the threshold fails rather than passing unchecked.
		{"cost_per_request > 1.1 * base", &baseSum, true, "baseline base has no value (no prices"},
		{"goodput.fraction < 95%", &baseSum, true, "goodput.fraction = 50.00% < 95.00%"},
		{"ttft.p50 > base", nil, true, "no baseline"},
		{"ttft.p50 > base / 0", &baseSum, true, "the limit is not a number"},
	} {
		th, err := Parse(tc.expr)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		r := th.Check(&cand, tc.base)
		if r.Failed != tc.failed || !strings.Contains(r.Message, tc.msg) || r.RunID != "cand" || r.Expr != tc.expr {
			t.Errorf("%q: failed %v %q, want %v containing %q", tc.expr, r.Failed, r.Message, tc.failed, tc.msg)
		}
	}
	// A run without an SLO has no goodput: fail, saying why.
	th, _ := Parse("goodput.fraction < 95%")
	if r := th.Check(&baseSum, nil); !r.Failed || !strings.Contains(r.Message, "no SLO") {
		t.Errorf("no SLO: %+v", r)
	}
}

// TestRequirementCheck: a requirement (a suite's gate) passes when its
// comparison holds and fails when it does not, with the same message as
// the threshold of the same text; a missing value fails both.
func TestRequirementCheck(t *testing.T) {
	m := &results.Manifest{RunID: "cand", Target: results.TargetInfo{Name: "t"}}
	// TTFT 20, 30, 25 ms; 1 of 4 failed.
	cand := reports.Summarize(fixture.AddAll(reports.NewRunData("", m), fixture.SampleRecs()...), reports.Options{})
	for _, tc := range []struct {
		expr   string
		failed bool
		msg    string
	}{
		{"ttft.p95 < 800ms", false, "ttft.p95 = 30.0 ms < 800.0 ms"},
		{"ttft.p95 < 30ms", true, "ttft.p95 = 30.0 ms, not < 30.0 ms"},
		{"ttft.p95 <= 30ms", false, "ttft.p95 = 30.0 ms <= 30.0 ms"},
		{"error_rate < 1%", true, "error_rate = 25.00%, not < 1.00%"},
		{"error_rate <= 25%", false, "error_rate = 25.00% <= 25.00%"},
		{"throughput.requests_per_s > 0", false, "throughput.requests_per_s = "},
		// No prices, no SLO: no value, so the gate fails.
		{"cost_per_request < 1", true, "no prices"},
		{"goodput.fraction > 90%", true, "no SLO"},
	} {
		req, err := ParseRequirement(tc.expr)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		if !req.Requirement {
			t.Errorf("%q: not a requirement", tc.expr)
		}
		r := req.Check(&cand, nil)
		if r.Failed != tc.failed || !strings.Contains(r.Message, tc.msg) {
			t.Errorf("require %q: failed %v %q, want %v containing %q", tc.expr, r.Failed, r.Message, tc.failed, tc.msg)
		}
		// The same text as --fail-on reads the other way round, except
		// where there is no value to compare.
		th, _ := Parse(tc.expr)
		if f := th.Check(&cand, nil); f.Message != r.Message || (f.Failed == r.Failed) != strings.Contains(tc.msg, "no ") {
			t.Errorf("fail-on %q: failed %v %q against requirement %v %q", tc.expr, f.Failed, f.Message, r.Failed, r.Message)
		}
	}
	_, err := ParseRequirement("error_rate = 1%")
	if err == nil || !strings.Contains(err.Error(), "the condition that must hold") {
		t.Errorf("requirement with =: %v", err)
	}
}

func TestMetricNamesAllParse(t *testing.T) {
	for _, name := range reports.MetricNames() {
		limit := "1"
		switch m, _ := reports.LookupMetric(name); m.Unit {
		case reports.UnitDuration:
			limit = "1s"
		case reports.UnitFraction:
			limit = "1%"
		}
		if _, err := Parse(name + " > " + limit); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(reports.MetricNames()) != 7*6+8 {
		t.Errorf("%d metrics", len(reports.MetricNames()))
	}
}

// FuzzParseThreshold checks that no input panics, that every error points
// inside the expression, and that what parses can be checked.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{
		"ttft.p95 > 800ms", "e2e.p99 > 1.10 * base", "error_rate > 1%", "cost_per_1m_output > 1.05 * base",
		"throughput.output_tok_s < 0.9 * base", "goodput.fraction < 95%", "ttft.p50 > (base + 50ms) * 1.1",
		"ttft.p95 > 800", "ttft.p95 > (1s", "ttft.p95 > 5µs", "x > -(-(-1))", "ttft.p95 > 1e309s", "ttft.p95>base/0",
		"", ">", "ttft.p95 > 1.2.3", "error_rate > 5e", "ttft.p95 > 1s)", "\xff",
	} {
		f.Add(s)
	}
	s := reports.Summarize(fixture.AddAll(reports.NewRunData("", nil), fixture.SampleRecs()...), reports.Options{})
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := Parse(expr)
		if err != nil {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("%q: error %T %v", expr, err, err)
			}
			if te.Pos < 0 || te.Pos > len(expr) {
				t.Fatalf("%q: position %d outside", expr, te.Pos)
			}
			_ = te.Error()
			return
		}
		if th.Metric == "" || th.Expr != expr {
			t.Fatalf("%q: %+v", expr, th)
		}
		r := th.Check(&s, &s)
		if r.Message == "" {
			t.Fatalf("%q: no message", expr)
		}
	})
}
