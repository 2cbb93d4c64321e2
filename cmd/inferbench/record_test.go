package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/workloads"
)

func TestRecordCommand(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer sk-cli-secret" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"choices":[]}`))
	}))
	defer upstream.Close()
	out := filepath.Join(t.TempDir(), "cap.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done, stderr := startRecord(t, ctx, upstream.URL, out)
	req, _ := http.NewRequest("POST", base+"/v1/chat/completions", strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"hello"}],"max_tokens":7}`))
	req.Header.Set("Authorization", "Bearer sk-cli-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("through the proxy: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("record did not stop")
	}
	reqs, err := workloads.LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(out)
	if len(reqs) != 1 || reqs[0].Messages[0].Content != "hello" || reqs[0].MaxTokens != 7 || bytes.Contains(raw, []byte("sk-cli-secret")) {
		t.Errorf("recorded %s", raw)
	}
	if !strings.Contains(stderr.String(), "recorded 1 requests") {
		t.Errorf("summary missing: %s", stderr.String())
	}
}

func TestRecordUsageErrors(t *testing.T) {
	code, _, errOut := runCLI(t, "record", "--upstream", "ftp://x", "--content", "blur")
	if code != exitUsage || !strings.Contains(errOut, "want an http or https URL") || !strings.Contains(errOut, "need --out") || !strings.Contains(errOut, "content mode") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// TestRecordPortTaken: a port that is taken fails the command before the
// output file is created, so no empty --out is left to block the retry.
func TestRecordPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out := filepath.Join(t.TempDir(), "cap.jsonl")
	code, _, errOut := runCLI(t, "record", "--listen", ln.Addr().String(), "--upstream", "http://127.0.0.1:9", "--out", out)
	if code != exitFailed || !strings.Contains(errOut, "address already in use") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("--out exists after the listen failed: %v", err)
	}
}

// startRecord runs `record` from upstream into out until ctx ends, and
// returns the proxy's base URL, the channel its exit code comes on, and
// what it printed (stdout and stderr).
func startRecord(t *testing.T, ctx context.Context, upstream, out string) (string, <-chan int, *syncBuffer) {
	t.Helper()
	printed := &syncBuffer{}
	e := &env{stdin: strings.NewReader(""), stdout: printed, stderr: printed, getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() {
		done <- dispatch(ctx, e, []string{"record", "--listen", "127.0.0.1:0", "--upstream", upstream, "--out", out})
	}()
	addr := regexp.MustCompile(`listening on (http://[0-9.:]+)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := addr.FindStringSubmatch(printed.String()); m != nil {
			return m[1], done, printed
		}
	}
	t.Fatalf("record did not start: %s", printed.String())
	return "", nil, nil
}
