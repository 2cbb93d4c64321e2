package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/internal/diskfull"
	"github.com/inferbench/inferbench/results"
)

// TestRunNumericFlagsRejectBadValues: every numeric flag of run rejects
// NaN, infinities, negatives and absurd values with exit 2 before a run
// directory exists (the target is a port nothing listens on: a value that
// slipped through would start a run and write one).
func TestRunNumericFlagsRejectBadValues(t *testing.T) {
	wl := writeWorkload(t, 2, 4)
	bad := map[string][]string{
		"rate":                {"NaN", "Inf", "-1", "0", "1e-300", "1e300", "1/s,NaN"},
		"concurrency":         {"-1", "0", "1000000000", "1,NaN"},
		"arrival":             {"gamma:NaN", "gamma:-1", "gamma:Inf", "gamma:1e300"},
		"time-scale":          {"NaN", "Inf", "-1", "1e-300", "1e300"},
		"requests":            {"-1", "2000000000", "NaN"},
		"warmup":              {"-1", "2000000000"},
		"max-inflight":        {"-1", "1000000000"},
		"duration":            {"-1s", "1000000h", "NaN"},
		"think-time":          {"-1s", "1000000h"},
		"spin-wait":           {"-1s", "1h"},
		"timeout":             {"-1s", "1000000h"},
		"drain-timeout":       {"-1s", "1000000h"},
		"sweep-pause":         {"-1s", "1000000h"},
		"part-rows":           {"-1", "2000000000"},
		"part-interval":       {"-1s", "1ns", "1000000h"},
		"telemetry-interval":  {"-1s", "1ns", "1000000h"},
		"price-in":            {"NaN", "Inf", "-1", "1e300"},
		"price-out":           {"NaN", "Inf", "-1", "1e300"},
		"price-cached":        {"NaN", "Inf", "-1", "1e300"},
		"gpu-hourly":          {"NaN", "Inf", "-1", "1e300"},
		"temperature":         {"NaN", "Inf", "-1", "1e300"},
		"retries":             {"-1", "2000000000"},
		"connect-timeout":     {"-1s", "1000000h"},
		"first-token-timeout": {"-1s", "1000000h"},
		"idle-timeout":        {"-1s", "1000000h"},
		"seed":                {"-1", "NaN"},
		"workload-seed":       {"NaN"},
	}
	// The flags a value needs beside it to be checked at all.
	with := map[string][]string{
		"concurrency": nil, "time-scale": {"--replay"}, "think-time": {"--rate", "1", "--sessions"},
		"sweep-pause": {"--rate", "1/s,2/s"},
	}
	for flag, values := range bad {
		for _, v := range values {
			t.Run(flag+"="+v, func(t *testing.T) {
				out := t.TempDir()
				args := []string{"run", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--workload", wl, "--out", out, "--quiet"}
				extra, ok := with[flag]
				if !ok {
					extra = []string{"--rate", "1"}
				}
				if flag == "time-scale" {
					// A replay needs arrival offsets.
					extra = []string{"--replay"}
					args[6] = writeReplayWorkload(t)
				}
				args = append(append(args, extra...), "--"+flag+"="+v)
				e, _, stderr := testEnv(nil)
				if code := dispatch(t.Context(), e, args); code != exitUsage {
					t.Fatalf("exit %d, want 2\n%s", code, stderr)
				}
				if entries, _ := os.ReadDir(out); len(entries) != 0 {
					t.Errorf("a run directory was created: %v", entries)
				}
				if !strings.Contains(stderr.String(), flag) && !strings.Contains(stderr.String(), "price") &&
					!strings.Contains(stderr.String(), "temperature") && !strings.Contains(stderr.String(), "timeouts") &&
					!strings.Contains(stderr.String(), "retries") {
					t.Errorf("the error does not name the setting:\n%s", stderr)
				}
			})
		}
	}
}

// writeReplayWorkload writes two requests with arrival offsets.
func writeReplayWorkload(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "replay.jsonl")
	if err := os.WriteFile(p, []byte(`{"prompt":"a","max_tokens":2,"at_ms":0}`+"\n"+`{"prompt":"b","max_tokens":2,"at_ms":10}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOtherCommandsRejectBadNumbers: the numeric flags of the other
// commands that run or write something stop with exit 2 and write
// nothing.
func TestOtherCommandsRejectBadNumbers(t *testing.T) {
	sample := filepath.Join("..", "..", "workloads", "data", "sample.jsonl")
	tests := [][]string{
		{"workload", "synth", "--input-len", "fixed:10", "--output-len", "fixed:10", "--n", "2000000000"},
		{"workload", "synth", "--input-len", "fixed:10", "--output-len", "fixed:10", "--n", "-1"},
		{"workload", "synth", "--input-len", "fixed:10", "--output-len", "fixed:10", "--n", "3", "--shared-prefix", "2000000000"},
		{"workload", "synth", "--input-len", "fixed:2000000000", "--output-len", "fixed:10", "--n", "3"},
		{"workload", "synth", "--input-len", "fixed:NaN", "--output-len", "fixed:10", "--n", "3"},
		{"workload", "synth", "--input-len", "fixed:10", "--output-len", "fixed:10", "--n", "3", "--rate", "1e-300"},
		{"workload", "synth", "--input-len", "fixed:10", "--output-len", "fixed:10", "--n", "3", "--arrival", "gamma:NaN"},
		{"workload", "sample", sample, "--time-scale", "NaN"},
		{"workload", "sample", sample, "--time-scale", "1e300"},
		{"workload", "sample", sample, "--time-scale", "1e-300"},
		{"workload", "sample", sample, "--every", "-1"},
		{"workload", "sample", sample, "--limit", "-1"},
		{"demo", "--time-scale", "NaN"},
		{"demo", "--time-scale", "1e300"},
		{"demo", "--requests", "-1"},
		{"demo", "--requests", "2000000000"},
		{"calibrate", "--seconds", "NaN"},
		{"calibrate", "--seconds", "1e300"},
		{"calibrate", "--seconds", "-1"},
		{"calibrate", "--ttft", "-1s"},
		{"calibrate", "--itl", "1000000h"},
		{"calibrate", "--tokens", "2000000000"},
		{"calibrate", "--spin-wait", "-1s"},
		{"calibrate", "--rates", "NaN"},
		{"agent", "--interval", "-1s"},
		{"agent", "--interval", "1000000h"},
		{"agent", "--duration", "-1s"},
		{"agent", "--duration", "1000000h"},
		{"record", "--upstream", "http://127.0.0.1:9", "--rotate-requests", "-1"},
		{"record", "--upstream", "http://127.0.0.1:9", "--rotate-bytes", "-1"},
		{"sim", "--gpus", "-1"},
		{"sim", "--ttft", "1000000h"},
		{"sim", "--itl", "-1s"},
		{"sim", "--error-rate", "NaN"},
		{"sim", "--tokens-per-chunk", "2000000000"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			args := append([]string(nil), args...)
			switch args[0] {
			case "workload", "record":
				args = append(args, "--out", filepath.Join(out, "w.jsonl"))
			case "demo", "agent":
				args = append(args, "--out", out)
			case "sim":
				args = append(args, "--listen", "127.0.0.1:0")
			}
			code, _, stderr := runCLI(t, args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want 2\n%s", code, stderr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%s was written", out)
			}
		})
	}
}

// TestRunDiskFull: on a full disk the command exits 1 and says why,
// naming the part write, and the manifest is finalised as failed.
func TestRunDiskFull(t *testing.T) {
	url := exactSim(t, time.Millisecond, 100*time.Microsecond)
	e, _, stderr := testEnv(nil)
	e.fs = diskfull.New(results.ManifestReserveBytes + 8<<10)
	out := t.TempDir()
	code := dispatch(t.Context(), e, []string{"run", "--base-url", url, "--model", "sim", "--workload", writeWorkload(t, 50, 4),
		"--concurrency", "2", "--part-rows", "10", "--out", out, "--run-id", "full", "--quiet"})
	if code != exitFailed || !strings.Contains(stderr.String(), "no space left on device") ||
		!strings.Contains(stderr.String(), ".part-00000.parquet.tmp") {
		t.Fatalf("exit %d, want 1 with the part's failure:\n%s", code, stderr)
	}
	m, err := results.ReadManifest(filepath.Join(out, "full"))
	if err != nil || m.StopReason != results.StopFailed || !strings.Contains(m.StopDetail, "no space left on device") {
		t.Fatalf("manifest %+v, %v", m, err)
	}
}
