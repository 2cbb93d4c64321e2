package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

func ids(reqs []workloads.Request) string {
	s := make([]string, len(reqs))
	for i, r := range reqs {
		s[i] = r.ID
	}
	return strings.Join(s, ",")
}

func TestShardWorkload(t *testing.T) {
	mk := func(specs ...string) []workloads.Request {
		w := make([]workloads.Request, len(specs))
		for i, s := range specs {
			sess, _, _ := strings.Cut(s, "@")
			if sess == s {
				sess = ""
			}
			w[i] = workloads.Request{ID: s, SessionID: sess}
		}
		return w
	}
	plain := mk("0", "1", "2", "3", "4", "5", "6")
	chats := mk("A@1", "A@2", "x", "B@1", "A@3", "y", "B@2")
	cases := []struct {
		w        []workloads.Request
		shard    shardFlag
		sessions bool
		want     string
	}{
		{plain, shardFlag{0, 3}, false, "0,3,6"},
		{plain, shardFlag{1, 3}, false, "1,4"},
		{plain, shardFlag{2, 3}, false, "2,5"},
		{plain, shardFlag{0, 1}, false, "0,1,2,3,4,5,6"},
		// Without --sessions conversations are split like any request.
		{chats, shardFlag{0, 2}, false, "A@1,x,A@3,B@2"},
		// With it, whole conversations: A is 0th, x 1st, B 2nd, y 3rd.
		{chats, shardFlag{0, 2}, true, "A@1,A@2,B@1,A@3,B@2"},
		{chats, shardFlag{1, 2}, true, "x,y"},
		{plain, shardFlag{0, 9}, false, "0"},
		{plain, shardFlag{8, 9}, false, ""},
	}
	for _, tc := range cases {
		if got := ids(shardWorkload(tc.w, tc.shard, tc.sessions)); got != tc.want {
			t.Errorf("%s of %s (sessions %v) = %q, want %q", tc.shard.String(), ids(tc.w), tc.sessions, got, tc.want)
		}
	}
}

func TestShardFlag(t *testing.T) {
	for _, bad := range []string{"", "1", "2/2", "-1/2", "0/0", "a/b", "1/2/3"} {
		var s shardFlag
		if err := s.Set(bad); err == nil {
			t.Errorf("--shard %q accepted as %s", bad, s.String())
		}
	}
	var s shardFlag
	if err := s.Set("3/4"); err != nil || s.index != 3 || s.count != 4 || s.suffix() != "-shard-3-of-4" {
		t.Errorf("3/4: %+v %v", s, err)
	}
}

func TestParseStartAt(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want string // error substring; "" = ok
	}{
		{"2026-01-02T15:00:30Z", ""},
		{"2026-01-02T14:59:30Z", ""},            // 30 s late: start at once
		{"2026-01-02T16:00:00+01:00", ""},       // same instant, other zone
		{"2026-01-02T14:58:00Z", "in the past"}, // 2 min late
		{"2026-01-02T17:00:00Z", "away"},        // 2 h ahead
		{"tomorrow", "want an RFC 3339 time"},
		{"2026-01-02 15:00:30", "want an RFC 3339 time"},
	} {
		_, err := parseStartAt(tc.v, now)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: err %v, want %q", tc.v, err, tc.want)
		}
	}
}

func TestWaitStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, _, _ := testEnv(nil)
		at := time.Now().Add(2 * time.Second).Truncate(time.Second)
		start, ok := waitStart(t.Context(), e, at)
		if !ok || time.Now().Before(at) || !start.Equal(at) {
			t.Errorf("ok %v, woke at %s, start %s; want %s", ok, time.Now(), start, at)
		}
		// In the past: no wait, and the start stays the shared one.
		past := time.Now().Add(-10 * time.Second)
		before := time.Now()
		if start, ok := waitStart(t.Context(), e, past); !ok || !start.Equal(past) || time.Since(before) != 0 {
			t.Errorf("past start: %s %v", start, ok)
		}
		// ctx ends the wait.
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, ok := waitStart(ctx, e, time.Now().Add(time.Minute)); ok || time.Since(before) != time.Second {
			t.Errorf("canceled wait: ok %v after %s", ok, time.Since(before))
		}
	})
}

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
		if code := run(t.Context(), e, args); code != exitOK {
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
		if code := run(t.Context(), e, args); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q lacks %q", tc.args, code, stderr, tc.want)
		}
	}
}
