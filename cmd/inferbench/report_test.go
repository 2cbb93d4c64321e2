package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

const msec = int64(time.Millisecond)

// reportRec is a finished request: sent at sent ms, first token after ttft
// ms, last token after e2e ms, with gaps (ms) between content chunks.
func reportRec(runID string, i int, sent, ttft, e2e int64, gaps ...int64) results.Record {
	r := results.Record{
		RunID: runID, Target: "t", Model: "m", RequestIndex: int64(i), RequestID: "req",
		StartedAt:   time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC),
		ScheduledNs: sent * msec, SentNs: sent*msec + msec, Status: results.StatusOK,
		FirstTokenNs: (sent + ttft) * msec, FirstOutputNs: (sent + ttft) * msec,
		LastTokenNs: (sent + e2e) * msec, DoneNs: (sent + e2e + 2) * msec,
		InputTokens: 120, OutputTokens: int64(len(gaps) + 1), Chunks: int32(len(gaps) + 1),
		InputTokensSource: results.TokensFromUsage, OutputTokensSource: results.TokensFromUsage,
	}
	for _, g := range gaps {
		r.ChunkGapsNs = append(r.ChunkGapsNs, g*msec)
	}
	r.Derive()
	return r
}

// writeReportRun writes a run directory with a manifest and fixed rows.
func writeReportRun(t *testing.T, dir string, m results.Manifest, recs []results.Record) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := results.NewWriter(dir, m.RunID, results.WriterConfig{PartRows: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	m.SchemaVersion = results.SchemaVersion
	m.Parts = w.Parts()
	m.Requests.Sent = int64(len(recs))
	if err := results.WriteManifest(dir, &m); err != nil {
		t.Fatal(err)
	}
}

// reportFixture makes runs/api (simulated, per-token prices in the
// manifest, a warm-up and two failures) and runs/selfhosted (interrupted),
// and returns the temp dir holding runs/.
func reportFixture(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	var api []results.Record
	warm := reportRec("api", 0, 0, 30, 100, 10, 10)
	warm.Warmup = true
	api = append(api, warm)
	for i := 1; i <= 8; i++ {
		n := int64(i)
		api = append(api, reportRec("api", i, 100*n, 20+5*n, 200+20*n, 30, 40+n, 50, 60+2*n))
	}
	fail := results.Record{RunID: "api", RequestIndex: 9, ScheduledNs: 950 * msec, SentNs: 951 * msec,
		DoneNs: 960 * msec, HTTPStatus: 429, RetryAfterMs: 1000}
	fail.SetError(results.ErrClassRateLimited, "429 Too Many Requests")
	fail.Derive()
	fail2 := results.Record{RunID: "api", RequestIndex: 10, ScheduledNs: 990 * msec, SentNs: 991 * msec,
		FirstTokenNs: 1030 * msec, DoneNs: 1100 * msec}
	fail2.SetError(results.ErrClassStreamBroken, "stream ended without [DONE]")
	fail2.Derive()
	api = append(api, fail, fail2)
	writeReportRun(t, filepath.Join(tmp, "runs", "api"), results.Manifest{
		RunID: "api", StopReason: results.StopCompleted,
		StartedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
		Target:    results.TargetInfo{Name: "sim-api", Kind: "api", Model: "gpt-sim", Simulated: true},
		Workload:  results.WorkloadInfo{Name: "sample"},
		Prices:    &results.Prices{InputPer1M: 2.5, OutputPer1M: 10, Source: "catalogue 2026-11-01"},
	}, api)

	var self []results.Record
	for i := 0; i < 6; i++ {
		n := int64(i)
		r := reportRec("selfhosted", i, 50*n, 60+10*n, 300+15*n, 40, 40, 45+n, 45, 50)
		r.ScheduledNs -= n * 3 * msec // the client fell behind a little
		r.Derive()
		self = append(self, r)
	}
	writeReportRun(t, filepath.Join(tmp, "runs", "selfhosted"), results.Manifest{
		RunID: "selfhosted", StopReason: results.StopInterrupted,
		StartedAt: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC),
		Load:      results.LoadInfo{Mode: "rate", Rate: 20},
		Target:    results.TargetInfo{Name: "vllm-h100", Kind: "self-hosted", Model: "llama-8b"},
		Workload:  results.WorkloadInfo{Name: "sample"},
	}, self)

	// crashed/ lost its manifest: it has parts only.
	var crashed []results.Record
	for i := 0; i < 3; i++ {
		r := reportRec("crashed", i, 10*int64(i), 30, 90, 20, 20, 20)
		r.Target, r.Model = "sim-crash", "m-crash"
		crashed = append(crashed, r)
	}
	writeReportRun(t, filepath.Join(tmp, "crashed"), results.Manifest{RunID: "crashed"}, crashed)
	if err := os.Remove(filepath.Join(tmp, "crashed", results.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(tmp, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	plan := "weights: {cost: 40, latency: 20}\ntargets:\n  vllm-h100: {gpus: 2, usd_per_gpu_hour: 2.50, team: 6}\n" +
		"components:\n  - {name: LLM serving, differentiation: 2, complexity: 9}\n  - {name: eval harness, differentiation: 6, complexity: 6}\n"
	if err := os.WriteFile(filepath.Join(tmp, "plan.yaml"), []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "bad-plan.yaml"), []byte("weights: {speed: 1}\ntargets:\n  x: {gpus: 0}\ncomponents:\n  - {name: y, differentiation: 11, complexity: 0}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return tmp
}

func TestReportCommand(t *testing.T) {
	tmp := reportFixture(t)
	tests := []struct {
		name string
		args string // $DIR is the fixture's temp dir
		code int
	}{
		{"one-run-text", "$DIR/runs/api", exitOK},
		{"two-runs-md-flags-after", "$DIR/runs/api $DIR/runs/selfhosted --format md --slo ttft=50ms,tpot=70ms", exitOK},
		{"folder-of-runs-json", "--format json --slo e2e=350ms,itl=50ms $DIR/runs", exitOK},
		{"cli-per-token-prices", "$DIR/runs --price-in 3 --price-out 15 --price-cached 0.3", exitOK},
		{"gpu-hourly", "$DIR/runs/selfhosted --gpu-hourly 8", exitOK},
		{"crashed-run-no-manifest", "$DIR/crashed", exitOK},
		{"volume-scorecard", "$DIR/runs --volume 100M:20M --volume 5B:1B --scorecard $DIR/plan.yaml --slo e2e=400ms", exitOK},
		{"volume-scorecard-md", "$DIR/runs --volume 100M:20M --scorecard default --format md --month-hours 730", exitOK},
		{"volume-json", "$DIR/runs --volume 1B:100M --scorecard $DIR/plan.yaml --format json", exitOK},
		{"filter-target", "$DIR/runs --target vllm-* --target nothing", exitOK},
		{"filter-since", "$DIR/runs --since 2026-11-22", exitOK},
		{"filter-none-left", "$DIR/runs --since 2026-12-01T00:00:00Z", exitFailed},
		{"bad-decision-flags", "$DIR/runs --volume 100M --volume 1X:2 --month-hours 0 --slo-attainment 120% --since yesterday", exitUsage},
		{"bad-plan", "$DIR/runs --scorecard $DIR/bad-plan.yaml", exitUsage},
		{"help", "-h", exitOK},
		{"no-run-dirs", "--format md", exitUsage},
		{"unknown-format", "$DIR/runs --format pdf", exitUsage},
		{"bad-slo", "$DIR/runs --slo ttft=fast,latency=1s,tpot=0s,e2e", exitUsage},
		{"bad-prices", "$DIR/runs --price-in 1 --gpu-hourly -2", exitUsage},
		{"price-in-alone", "$DIR/runs --price-in 1", exitUsage},
		{"missing-run", "$DIR/runs/nope", exitFailed},
		{"not-a-run", "$DIR/empty", exitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := strings.Fields(strings.ReplaceAll(tt.args, "$DIR", tmp))
			var stdout, stderr bytes.Buffer
			e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
			code := dispatch(context.Background(), e, append([]string{"report"}, args...))
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			got := "$ inferbench report " + tt.args + "\nexit " + strconv.Itoa(code) +
				"\n--- stdout\n" + stdout.String() + "--- stderr\n" + stderr.String()
			got = strings.ReplaceAll(got, tmp, "$DIR")
			goldenFile(t, filepath.Join("testdata", "report", tt.name+".golden"), got)
		})
	}
}

func TestReportOutFile(t *testing.T) {
	tmp := reportFixture(t)
	out := filepath.Join(tmp, "report.md")
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	if code := cmdReport(context.Background(), e, []string{filepath.Join(tmp, "runs"), "--out", out, "--format", "md"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing with --out", stdout.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "| run | api | selfhosted |") {
		t.Errorf("report.md starts %q", string(b[:min(len(b), 60)]))
	}
	// An unwritable --out is a failed command, not a usage error.
	code := cmdReport(context.Background(), e, []string{filepath.Join(tmp, "runs"), "--out", filepath.Join(tmp, "no", "such", "dir", "r.md")})
	if code != exitFailed {
		t.Errorf("unwritable --out: exit %d, want %d", code, exitFailed)
	}
}

func TestSLOFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"ttft=500ms,tpot=50ms", "ttft=500ms,tpot=50ms", ""},
		{" TTFT = 1s , itl=200ms ,", "ttft=1s,itl=200ms", ""},
		{"e2e=2m", "e2e=2m0s", ""},
		{"ttft=abc", "", `"ttft=abc": not a duration`},
		{"x=1s,ttft", "", `"x=1s": unknown limit "x" (want ttft, tpot, e2e or itl); "ttft": want name=duration`},
		{"tpot=-5ms", "", `"tpot=-5ms": must be positive`},
		{",", "", "no limits given"},
	}
	for _, tt := range tests {
		var f sloFlag
		err := f.Set(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Set(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Set(%q) = %v", tt.in, err)
			continue
		}
		if got := f.String(); got != tt.want {
			t.Errorf("Set(%q) -> %q, want %q", tt.in, got, tt.want)
		}
	}
	// Repeating the flag adds limits and replaces same-named ones.
	var f sloFlag
	f.Set("ttft=1s,tpot=10ms")
	f.Set("ttft=2s")
	if got := f.String(); got != "ttft=2s,tpot=10ms" {
		t.Errorf("after two Sets: %q", got)
	}
}

func goldenFile(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// FuzzSLOFlag checks that --slo never panics and that what it accepts
// prints back to a value that parses to the same limits.
func FuzzSLOFlag(f *testing.F) {
	for _, s := range []string{"ttft=500ms,tpot=50ms", "e2e=1m30s", "itl=1ns", "x", "ttft=", "=1s", ",,,", "ttft=1e3ms", "TPOT=5us,itl=9h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a sloFlag
		if err := a.Set(s); err != nil {
			if !a.slo.IsZero() {
				t.Fatalf("Set(%q) failed but changed the SLO to %+v", s, a.slo)
			}
			return
		}
		var b sloFlag
		if err := b.Set(a.String()); err != nil {
			t.Fatalf("Set(%q) ok, but its String %q does not parse: %v", s, a.String(), err)
		}
		if a.slo != b.slo {
			t.Fatalf("round trip %q: %+v != %+v", s, a.slo, b.slo)
		}
	})
}

// A plan may name catalogue prices instead of numbers; the report resolves
// them from the shipped catalogue (asserted loosely: the catalogue is
// updated).
func TestReportPlanFromCatalogue(t *testing.T) {
	tmp := reportFixture(t)
	plan := filepath.Join(tmp, "cat.yaml")
	src := "targets:\n  vllm-h100: {gpus: 2, gpu: H100-SXM-80GB, offer: aws}\n  sim-api: {provider: openai, model: gpt-4o}\n"
	if err := os.WriteFile(plan, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	code := dispatch(context.Background(), e, []string{"report", filepath.Join(tmp, "runs"), "--scorecard", plan, "--volume", "100M:20M"})
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"catalogue openai/gpt-4o", "2 H100-SXM-80GB (aws) x $", "Monthly projection at 100M:20M"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout.String())
		}
	}
}
