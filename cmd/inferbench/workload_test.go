package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/workloads"
)

var update = flag.Bool("update", false, "rewrite golden files")

const traces = "../../workloads/testdata/traces/"

// runCLI runs inferbench in process and returns its exit code, stdout and
// stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	e, stdout, stderr := testEnv(nil)
	code := dispatch(context.Background(), e, args)
	return code, stdout.String(), stderr.String()
}

// golden compares got with testdata/workload/name (see goldenFile).
func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenFile(t, filepath.Join("testdata", "workload", name), got)
}

func TestWorkloadInspectGolden(t *testing.T) {
	tests := []struct{ golden, file, format string }{
		{"inspect_azure2023.txt", traces + "azure2023/AzureLLMInferenceTrace_conv.first2000.csv", "text"},
		{"inspect_azure2024.txt", traces + "azure2024/AzureLLMInferenceTrace_conv_1week.head5.reconstructed.csv", "text"},
		{"inspect_mooncake.txt", traces + "mooncake/synthetic_trace.first2000.jsonl", "text"},
		{"inspect_burstgpt.txt", traces + "burstgpt/BurstGPT_3.first400.csv", "text"},
		{"inspect_sharegpt.txt", traces + "sharegpt/ShareGPT_V3_first5.json", "text"},
		{"inspect_mooncake.json", traces + "mooncake/synthetic_trace.first2000.jsonl", "json"},
		{"inspect_burstgpt.json", traces + "burstgpt/BurstGPT_3.first400.csv", "json"},
	}
	for _, tc := range tests {
		code, out, errOut := runCLI(t, "workload", "inspect", tc.file, "--format", tc.format)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", tc.file, code, errOut)
		}
		golden(t, tc.golden, out)
	}
}

// TestWorkloadInspectJSONContract checks the keys scripts depend on and the
// reference numbers of the Azure sample.
func TestWorkloadInspectJSONContract(t *testing.T) {
	code, out, errOut := runCLI(t, "workload", "inspect", "--format", "json", traces+"azure2023/AzureLLMInferenceTrace_conv.first2000.csv")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"rows", "duration_s", "rate_per_s", "cv_interarrival", "input_tokens", "output_tokens", "sessions", "turns", "failed_rows"} {
		if _, ok := m[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	for _, obj := range []string{"input_tokens", "output_tokens"} {
		o, _ := m[obj].(map[string]any)
		for _, k := range []string{"mean", "p50", "p90", "p99", "max", "sum"} {
			if _, ok := o[k]; !ok {
				t.Errorf("missing key %s.%s", obj, k)
			}
		}
	}
	if m["rows"] != 2000.0 || m["duration_s"] != 424.259457 {
		t.Errorf("rows %v duration %v, want 2000 and 424.259457", m["rows"], m["duration_s"])
	}
}

func TestWorkloadConvertAndSample(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "burst.jsonl")
	code, _, errOut := runCLI(t, "workload", "convert", traces+"burstgpt/BurstGPT_3.first400.csv", "--out", out, "--tokenizer", "cl100k_base", "--seed", "4")
	if code != exitOK {
		t.Fatalf("convert: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "wrote 399 requests") || !strings.Contains(errOut, "1 failed rows skipped") {
		t.Errorf("convert summary: %s", errOut)
	}
	reqs, err := workloads.LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := workloads.NewTokenizer("cl100k_base")
	if len(reqs) != 399 || *reqs[0].AtMs != 0 || reqs[0].InputTokens != 906 || reqs[0].MaxTokens != 446 || len(tok.Encode(reqs[0].Prompt)) != 906 {
		t.Errorf("first converted request: %+v", reqs[0])
	}

	sampled := filepath.Join(dir, "window.jsonl")
	code, _, errOut = runCLI(t, "workload", "sample", out, "--from", "100s", "--to", "1000", "--every", "2", "--time-scale", "0.5", "--out", sampled)
	if code != exitOK {
		t.Fatalf("sample: exit %d: %s", code, errOut)
	}
	win, err := workloads.LoadFile(sampled)
	if err != nil {
		t.Fatal(err)
	}
	var inWindow []workloads.Request
	for _, r := range reqs {
		if *r.AtMs >= 100e3 && *r.AtMs < 1000e3 {
			inWindow = append(inWindow, r)
		}
	}
	if want := (len(inWindow) + 1) / 2; len(win) != want || len(win) == 0 {
		t.Fatalf("sample kept %d, want %d", len(win), want)
	}
	if got, want := *win[1].AtMs, (*inWindow[2].AtMs-100e3)*0.5; got != want || win[1].Prompt != inWindow[2].Prompt {
		t.Errorf("second sampled request at %v, want %v (the third in the window, rebased and scaled)", got, want)
	}

	// Keeping failed rows, straight from the trace, with a limit.
	code, stdout, errOut := runCLI(t, "workload", "sample", traces+"burstgpt/BurstGPT_3.first400.csv", "--keep-failed", "--shuffle-seed", "3", "--limit", "5", "--out", "-")
	if code != exitOK || strings.Count(stdout, "\n") != 5 {
		t.Errorf("sample to stdout: exit %d, %d lines: %s", code, strings.Count(stdout, "\n"), errOut)
	}
}

func TestWorkloadSynth(t *testing.T) {
	out := filepath.Join(t.TempDir(), "synth.jsonl")
	args := []string{"workload", "synth", "--input-len", "lognormal:200,0.4", "--output-len", "fixed:32", "--rate", "5/s", "--arrival", "gamma:2", "--shared-prefix", "64", "--n", "40", "--seed", "1", "--out", out}
	code, _, errOut := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	reqs, err := workloads.LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := workloads.NewTokenizer("cl100k_base")
	for i, r := range reqs {
		if r.MaxTokens != 32 || len(tok.Encode(r.Prompt)) != r.InputTokens || r.AtMs == nil {
			t.Fatalf("request %d: %+v", i, r)
		}
	}
	first, _ := os.ReadFile(out)
	runCLI(t, args...)
	again, _ := os.ReadFile(out)
	if len(reqs) != 40 || !bytes.Equal(first, again) {
		t.Errorf("%d requests; same seed same file: %v", len(reqs), bytes.Equal(first, again))
	}
}

func TestWorkloadErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46,1,2\r\nyesterday,1,2\r\n2023-11-16 18:15:47,1,2"), 0o644)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"workload"}, exitUsage, "Usage:"},
		{[]string{"workload", "frobnicate"}, exitUsage, `unknown subcommand "frobnicate"`},
		{[]string{"workload", "inspect"}, exitUsage, "need a workload FILE"},
		{[]string{"workload", "inspect", bad, "--format", "xml"}, exitUsage, `--format "xml"`},
		{[]string{"workload", "inspect", bad, "--input-format", "xml"}, exitUsage, `unknown workload format "xml"`},
		{[]string{"workload", "inspect", bad}, exitFailed, "bad.csv:3: TIMESTAMP: want a time like"},
		{[]string{"workload", "inspect", "/nonexistent.csv"}, exitFailed, "no such file"},
		{[]string{"workload", "convert", bad}, exitUsage, "need --out"},
		{[]string{"workload", "convert", bad, "--out", filepath.Join(t.TempDir(), "x.jsonl"), "--tokenizer", "llama"}, exitUsage, `unknown tokenizer "llama"`},
		{[]string{"workload", "synth", "--n", "0", "--input-len", "zipf:1", "--output-len", "fixed:1"}, exitUsage, "need --n >= 1"},
		{[]string{"workload", "sample", bad, "--out", "-", "--from", "10s", "--to", "5s"}, exitUsage, "must be after --from"},
		{[]string{"workload", "inspect", "-h"}, exitOK, "--input-format"},
	}
	for _, tc := range tests {
		code, _, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d containing %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	// --skip-invalid goes past the bad row and says so.
	code, out, errOut := runCLI(t, "workload", "inspect", bad, "--skip-invalid", "--format", "json")
	if code != exitOK || !strings.Contains(out, `"invalid_rows": 1`) || !strings.Contains(out, `"rows": 2`) || !strings.Contains(errOut, "bad.csv:3:") {
		t.Errorf("skip-invalid: exit %d\n%s\n%s", code, out, errOut)
	}
}
