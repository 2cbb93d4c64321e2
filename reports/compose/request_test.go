package compose

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
)

// TestRequestOptions: every problem of a request is reported at once, in
// flag order; a good request resolves its price overrides and scorecard
// plan into the options.
func TestRequestOptions(t *testing.T) {
	bad := Request{Format: "pdf", PriceIn: -1, Energy: reports.EnergyPrice{PUE: 0.5}, MonthHours: 800,
		Scorecard: filepath.Join(t.TempDir(), "missing.yaml"), Trend: true,
		Given: map[string]bool{"price-in": true, "month-hours": true, "volume": true, "fail-on": true}}
	_, err := bad.Options(time.Now())
	if err == nil {
		t.Fatal("a bad request passed")
	}
	msg := err.Error()
	want := []string{`unknown --format "pdf"`, "--month-hours 800", "--slo-attainment must be above 0%", "--scorecard:",
		"--volume does not apply to --trend", "--fail-on does not apply to --trend"}
	last := -1
	for _, w := range want {
		i := strings.Index(msg, w)
		if i < 0 || i < last {
			t.Errorf("problem %q missing or out of order in:\n%s", w, msg)
		}
		last = i
	}
	if n := strings.Count(msg, "\n") + 1; n < len(want)+2 { // + the price and the PUE problem
		t.Errorf("%d problems, want at least %d:\n%s", n, len(want)+2, msg)
	}

	now := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	good := Request{Format: "md", Energy: reports.EnergyPrice{PUE: 1}, PriceIn: 1, PriceOut: 2, Scorecard: "default", MonthHours: 720, Attainment: 0.9,
		Given: map[string]bool{"price-in": true, "price-out": true}}
	opt, err := good.Options(now)
	if err != nil {
		t.Fatal(err)
	}
	if opt.Prices == nil || opt.Prices.InputPer1M != 1 || opt.Prices.OutputPer1M != 2 {
		t.Errorf("prices %+v, want 1 in, 2 out", opt.Prices)
	}
	if opt.Decide.ScorecardPlan == nil || opt.Decide.Attainment != 0.9 || opt.Decide.MonthHours != 720 || !opt.Generated.Equal(now) {
		t.Errorf("options %+v", opt)
	}
}

// TestRequestWrite: the report (or the trend) goes to w, or to the file
// out and not to w; either is the same bytes its renderer writes.
func TestRequestWrite(t *testing.T) {
	runs := loadRuns(t)
	for _, trend := range []bool{false, true} {
		q := Request{Format: "md", Trend: trend, Energy: reports.EnergyPrice{PUE: 1}, Attainment: 0.9}
		opt, err := q.Options(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if trend {
			err = Trend(&want, runs, opt.Options, "md", "", opt.Generated)
		} else {
			err = New(runs, opt).Render(&want, "md")
		}
		if err != nil {
			t.Fatal(err)
		}
		var w bytes.Buffer
		rep, err := q.Write(&w, runs, opt, "")
		if err != nil || w.String() != want.String() || len(rep.Summaries()) != len(runs) {
			t.Errorf("trend %v: to w: %v, %d summaries, same bytes %v", trend, err, len(rep.Summaries()), w.String() == want.String())
		}
		out := filepath.Join(t.TempDir(), "report.md")
		w.Reset()
		if _, err := q.Write(&w, runs, opt, out); err != nil || w.Len() != 0 {
			t.Fatalf("trend %v: to a file: %v, %d bytes on w", trend, err, w.Len())
		}
		if got, err := os.ReadFile(out); err != nil || string(got) != want.String() {
			t.Errorf("trend %v: file: %v, same bytes %v", trend, err, string(got) == want.String())
		}
	}
}
