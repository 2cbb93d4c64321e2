package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

func TestRunShards(t *testing.T) {
	url := exactSim(t, 2*time.Millisecond, time.Millisecond)
	wl := writeWorkload(t, 5, 2)
	out := t.TempDir()
	at := time.Now().Add(400 * time.Millisecond)
	var got []string
	for i, shard := range []string{"0/2", "1/2"} {
		e, stdout, stderr := testEnv(nil)
		args := []string{"run", "--base-url", url, "--model", "sim", "--workload", wl, "--concurrency", "1",
			"--shard", shard, "--out", out, "--run-id", "big", "--quiet"}
		if i == 0 {
			args = append(args, "--start-at", at.Format(time.RFC3339Nano))
		}
		if code := dispatch(t.Context(), e, args); code != exitOK {
			t.Fatalf("shard %s: exit %d: %s", shard, code, stderr)
		}
		dir := strings.TrimSpace(stdout.String())
		if want := filepath.Join(out, []string{"big-shard-0-of-2", "big-shard-1-of-2"}[i]); dir != want {
			t.Fatalf("shard %s wrote %s, want %s", shard, dir, want)
		}
		if i == 0 && time.Now().Before(at) {
			t.Errorf("shard 0 finished before its --start-at")
		}
		m, err := results.ReadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		if m.Shard == nil || m.Shard.Index != i || m.Shard.Count != 2 || m.Shard.Group != "big" {
			t.Errorf("shard %s manifest shard %+v", shard, m.Shard)
		}
		if i == 0 && (!m.StartedAt.Equal(at) || !m.Shard.StartAt.Equal(at)) {
			t.Errorf("shard 0 started %s (start_at %s), want %s", m.StartedAt, m.Shard.StartAt, at)
		}
		recs, err := results.ReadRequests(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			got = append(got, r.RequestID)
		}
	}
	slices.Sort(got)
	// writeWorkload names requests r0..r4: every one sent exactly once.
	if strings.Join(got, ",") != "r0,r1,r2,r3,r4" {
		t.Errorf("requests across shards: %v", got)
	}
}

func TestRunShardUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--concurrency", "1", "--shard", "0/2"}, "--shard needs --run-id"},
		{[]string{"--concurrency", "1", "--run-id", "x", "--start-at", "2001-01-01T00:00:00Z"}, "in the past"},
		{[]string{"--concurrency", "1,2", "--run-id", "x", "--start-at", time.Now().Add(time.Minute).Format(time.RFC3339)}, "not a sweep"},
	} {
		e, _, stderr := testEnv(nil)
		args := append([]string{"run", "--base-url", "http://127.0.0.1:1/v1", "--model", "m", "--workload", "sample",
			"--out", t.TempDir()}, tc.args...)
		if code := dispatch(t.Context(), e, args); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q lacks %q", tc.args, code, stderr, tc.want)
		}
	}
}
