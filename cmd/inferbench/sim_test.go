package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

var listeningLine = regexp.MustCompile(`^inferbench sim: listening on (http://127\.0\.0\.1:\d+) \(preset ([a-z-]+)\)$`)

// startSim runs cmdSim in process and returns its URL, the preset it
// printed, and a channel with its exit code.
func startSim(t *testing.T, ctx context.Context, interrupts chan os.Signal, args ...string) (url, preset string, code <-chan int) {
	t.Helper()
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	e := &env{stdout: pw, stderr: &stderr, getenv: func(string) string { return "" }, interrupts: interrupts}
	ch := make(chan int, 1)
	go func() {
		ch <- cmdSim(ctx, e, append([]string{"--listen", "127.0.0.1:0"}, args...))
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line (stderr %q): %v", stderr.String(), err)
	}
	m := listeningLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		t.Fatalf("listening line %q", line)
	}
	go io.Copy(io.Discard, pr)
	return m[1], m[2], ch
}

func waitCode(t *testing.T, code <-chan int) int {
	t.Helper()
	select {
	case c := <-code:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("sim did not stop")
		return -1
	}
}

func TestCmdSimServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	url, preset, code := startSim(t, ctx, nil, "--model", "tiny")
	if preset != "self-hosted" {
		t.Errorf("default preset %q", preset)
	}
	resp, err := http.Get(url + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || len(m.Data) != 1 || m.Data[0].ID != "tiny" {
		t.Errorf("models: %d %+v %v", resp.StatusCode, m, err)
	}
	cancel()
	if c := waitCode(t, code); c != exitOK {
		t.Errorf("exit code %d, want 0", c)
	}
}

func TestCmdSimInterrupt(t *testing.T) {
	interrupts := make(chan os.Signal, 1)
	_, preset, code := startSim(t, t.Context(), interrupts, "--ttft", "5ms", "--itl", "1ms")
	if preset != "custom" {
		t.Errorf("preset %q, want custom", preset)
	}
	interrupts <- os.Interrupt
	if c := waitCode(t, code); c != exitOK {
		t.Errorf("exit code %d, want 0", c)
	}
}

func TestCmdSimUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--preset", "gpu"},
		{"--ttft", "5ms", "--decode-step", "5ms"},
		{"--error-rate", "2"},
		{"--preset", "exact", "--max-batch", "4"},
		{"stray"},
		{"--no-such-flag"},
	} {
		var stderr bytes.Buffer
		e := &env{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }}
		if c := cmdSim(t.Context(), e, args); c != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, c, exitUsage)
		}
		if !strings.Contains(stderr.String(), "inferbench sim") {
			t.Errorf("%v: stderr %q", args, stderr.String())
		}
	}
}
