package compose

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/decide"
	"github.com/inferbench/inferbench/reports/html"
	"github.com/inferbench/inferbench/reports/internal/fixture"
	"github.com/inferbench/inferbench/reports/render"
	"github.com/inferbench/inferbench/reports/trend"
	"github.com/inferbench/inferbench/results"
)

// loadRuns writes two priced runs and loads them.
func loadRuns(t *testing.T) []*reports.RunData {
	t.Helper()
	dir := t.TempDir()
	for i, name := range []string{"api", "vllm"} {
		m := &results.Manifest{SchemaVersion: 1, RunID: name,
			StartedAt: time.Date(2026, 11, 1+i, 2, 0, 0, 0, time.UTC), StopReason: results.StopCompleted,
			Target: results.TargetInfo{Name: name, Kind: "api", Model: "m"},
			Load:   results.LoadInfo{Mode: "rate", Rate: 10, Requests: 6},
			Prices: &results.Prices{InputPer1M: 0.5, OutputPer1M: 1.5, Source: "test"}}
		fixture.WriteRun(t, dir, name, m, fixture.SampleRecs())
	}
	runs, err := reports.LoadAll([]string{dir})
	if err != nil || len(runs) != 2 {
		t.Fatalf("load: %d runs, %v", len(runs), err)
	}
	return runs
}

// TestRenderFormats: each format is the summaries' renderer followed by
// the decision's (json both in one document, html the page), so a
// report and a suite's report of the same runs are the same bytes; an
// unknown format is an error naming the known ones.
func TestRenderFormats(t *testing.T) {
	runs := loadRuns(t)
	now := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	dopt := decide.Options{Volumes: []decide.Volume{{InputTokens: 1e8, OutputTokens: 2e7}}}
	r := New(runs, Options{Decide: dopt, Title: "t", Generated: now})
	ss := decide.SummarizeAll(runs, reports.Options{}, nil)
	d := decide.New(ss, dopt)
	want := map[string]func(*bytes.Buffer) error{
		"text": func(b *bytes.Buffer) error {
			if err := render.Text(b, ss); err != nil {
				return err
			}
			return decide.RenderText(b, d)
		},
		"md": func(b *bytes.Buffer) error {
			if err := render.Markdown(b, ss); err != nil {
				return err
			}
			return decide.RenderMarkdown(b, d)
		},
		"json": func(b *bytes.Buffer) error { return decide.RenderReportJSON(b, ss, d) },
		"html": func(b *bytes.Buffer) error {
			return html.Render(b, runs, html.Options{Title: "t", Generated: now, Decide: &dopt})
		},
	}
	for _, f := range Formats {
		var got, exp bytes.Buffer
		if err := r.Render(&got, f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := want[f](&exp); err != nil {
			t.Fatal(err)
		}
		if got.Len() == 0 || !bytes.Equal(got.Bytes(), exp.Bytes()) {
			t.Errorf("%s: %d bytes, want the %d of its renderers", f, got.Len(), exp.Len())
		}
	}
	if len(r.Summaries()) != 2 || r.Decision() == nil {
		t.Errorf("summaries %d, decision %v", len(r.Summaries()), r.Decision())
	}
	if err := r.Render(&bytes.Buffer{}, "pdf"); err == nil || !strings.Contains(err.Error(), "text, md, json, html") {
		t.Errorf("pdf: %v", err)
	}
}

// TestTrend: the trend in a format is the trend's renderer; text is the
// default.
func TestTrend(t *testing.T) {
	runs := loadRuns(t)
	tr := trend.Build(runs, trend.Options{})
	for format, render := range map[string]func(*bytes.Buffer) error{
		"text": func(b *bytes.Buffer) error { return trend.RenderText(b, tr) },
		"md":   func(b *bytes.Buffer) error { return trend.RenderMarkdown(b, tr) },
		"json": func(b *bytes.Buffer) error { return trend.RenderJSON(b, tr) },
	} {
		var got, exp bytes.Buffer
		if err := Trend(&got, runs, reports.Options{}, format, "", time.Now()); err != nil {
			t.Fatal(err)
		}
		render(&exp)
		if got.Len() == 0 || got.String() != exp.String() {
			t.Errorf("%s: %q, want %q", format, got.String(), exp.String())
		}
	}
	var page bytes.Buffer
	if err := Trend(&page, runs, reports.Options{}, "html", "out/trend.html", time.Now()); err != nil || !strings.Contains(page.String(), "<html") {
		t.Errorf("html: %v", err)
	}
}
