package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/simhost"
	"github.com/inferbench/inferbench/targets/sim"
)

// TestSecretsNowhere plants a distinct secret in every URL a user gives
// (the base URL's query and fragment, the server-metrics URL's user info,
// the GPU-metrics URL's query, a base URL with user info, the recorder's
// upstream) and looks for each in every file a run, its reports and its
// exports write, in the Parquet rows as decoded, and in everything printed.
func TestSecretsNowhere(t *testing.T) {
	srv, _, err := serveSim(sim.Config{Exact: true, TTFT: 2 * time.Millisecond, ITL: time.Millisecond, Model: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	host := strings.TrimPrefix(srv.Root, "http://")
	secrets := []string{"SECRET-BASE-QUERY", "SECRET-BASE-FRAGMENT", "SECRET-SERVER-PASSWORD", "SECRET-GPU-TOKEN",
		"SECRET-BASE-PASSWORD", "SECRET-UPSTREAM-PASSWORD", "SECRET-UPSTREAM-QUERY"}
	var printed bytes.Buffer // everything every command printed
	cli := func(args ...string) int {
		e, stdout, stderr := testEnv(nil)
		code := dispatch(context.Background(), e, args)
		printed.WriteString(stdout.String() + stderr.String())
		return code
	}
	out := t.TempDir()
	wl := writeWorkload(t, 6, 8)
	code := cli("run", "--base-url", srv.Root+"/v1?key=SECRET-BASE-QUERY#SECRET-BASE-FRAGMENT", "--model", "sim",
		"--workload", wl, "--concurrency", "2", "--requests", "6", "--out", out, "--run-id", "s",
		"--server-metrics=http://metrics:SECRET-SERVER-PASSWORD@"+host+"/metrics",
		"--gpu-metrics", srv.Root+simhost.GPUPath+"?token=SECRET-GPU-TOKEN", "--telemetry-interval", "100ms")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, printed.String())
	}
	run := filepath.Join(out, "s")
	// A base URL with user info is refused before anything is written,
	// and the refusal does not echo it.
	if code := cli("run", "--base-url", "http://user:SECRET-BASE-PASSWORD@"+host+"/v1", "--model", "sim", "--workload", wl,
		"--rate", "1", "--out", out, "--run-id", "u"); code != exitUsage {
		t.Errorf("base URL with user info: exit %d", code)
	}
	for _, format := range []string{"text", "md", "json", "html"} {
		if code := cli("report", run, "--format", format); code != exitOK {
			t.Errorf("report --format %s: exit %d", format, code)
		}
	}
	for _, format := range []string{"csv", "vegeta"} {
		if code := cli("export", run, "--format", format, "--out", filepath.Join(out, "export."+format)); code != exitOK {
			t.Errorf("export --format %s: exit %d", format, code)
		}
	}
	recorded := recordThrough(t, srv.Root, out, &printed)

	// The telemetry was scraped, so its URLs were used and had a chance
	// to leak.
	server, _ := results.ReadTable[results.ServerMetricSample](filepath.Join(run, results.ServerMetricsFile))
	gpu, _ := results.ReadTable[results.GPUSample](filepath.Join(run, results.GPUFile))
	if len(server) == 0 || len(gpu) == 0 {
		t.Fatalf("telemetry not sampled: %d server rows, %d gpu rows\n%s", len(server), len(gpu), printed.String())
	}
	// Decoded rows, as written (ReadTable does not redact).
	rows, err := results.ReadRequests(run)
	if err != nil || len(rows) != 6 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	var decoded strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&decoded, "%+v\n", r)
	}
	for _, r := range server {
		fmt.Fprintf(&decoded, "%+v\n", r)
	}
	for _, r := range gpu {
		fmt.Fprintf(&decoded, "%+v\n", r)
	}
	// Every file written, byte for byte.
	files := map[string][]byte{"printed output": printed.Bytes(), "decoded Parquet rows": []byte(decoded.String()), "recorded workload": recorded}
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			files[path] = b
		}
		return nil
	})
	for _, s := range secrets {
		for name, b := range files {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %s", name, s)
			}
		}
	}
	// What is kept instead says a key was sent without saying which.
	m, _ := os.ReadFile(filepath.Join(run, results.ManifestFile))
	for _, want := range []string{`"base_url": "` + srv.Root + `/v1?key=REDACTED"`, `?token=REDACTED`, `"server_metrics_url": "` + srv.Root + `/metrics"`} {
		if !bytes.Contains(m, []byte(want)) {
			t.Errorf("manifest lacks %s:\n%s", want, m)
		}
	}
}

// recordThrough runs `record` with credentials in its upstream URL,
// sends one request through it, and returns the recorded workload.
func recordThrough(t *testing.T, root, out string, printed *bytes.Buffer) []byte {
	t.Helper()
	file := filepath.Join(out, "recorded.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	upstream := strings.Replace(root, "http://", "http://rec:SECRET-UPSTREAM-PASSWORD@", 1) + "/?token=SECRET-UPSTREAM-QUERY"
	base, done, output := startRecord(t, ctx, upstream, file)
	resp, err := http.Post(base+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"sim","messages":[{"role":"user","content":"hi"}],"max_tokens":3}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("record: exit %d\n%s", code, output.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("record did not stop")
	}
	printed.WriteString(output.String())
	b, err := os.ReadFile(file)
	if err != nil || !bytes.Contains(b, []byte(`"hi"`)) {
		t.Fatalf("nothing recorded: %q, %v", b, err)
	}
	return b
}
