package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// writeSessions writes sessions conversations of turns turns each, turns
// interleaved across sessions as a recorded log would have them.
func writeSessions(t *testing.T, sessions, turns int) string {
	t.Helper()
	var reqs []workloads.Request
	for k := 1; k <= turns; k++ {
		for s := range sessions {
			reqs = append(reqs, workloads.Request{ID: fmt.Sprintf("s%d-t%d", s, k), Prompt: "Go on.",
				MaxTokens: 4, SessionID: fmt.Sprint("s", s), Turn: k})
		}
	}
	return writeWorkloadFile(t, reqs)
}

func TestRunSessions(t *testing.T) {
	url := exactSim(t, 5*time.Millisecond, time.Millisecond)
	wl := writeSessions(t, 2, 3)
	think := 20 * time.Millisecond
	for _, mode := range [][]string{{"--rate", "20/s", "--arrival", "constant"}, {"--concurrency", "2"}} {
		t.Run(mode[0], func(t *testing.T) {
			out := t.TempDir()
			e, _, stderr := testEnv(nil)
			args := append([]string{"run", "--base-url", url, "--model", "sim", "--workload", wl,
				"--sessions", "--think-time", think.String(), "--out", out, "--run-id", "s", "--quiet"}, mode...)
			if code := dispatch(t.Context(), e, args); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			dir := filepath.Join(out, "s")
			recs, err := results.ReadRequests(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 6 {
				t.Fatalf("%d rows, want 6", len(recs))
			}
			byTurn := map[string]results.Record{}
			for _, r := range recs {
				if !r.OK() {
					t.Fatalf("%s: %s %s", r.RequestID, r.Status, r.ErrorMessage)
				}
				byTurn[fmt.Sprintf("%s-t%d", r.SessionID, r.Turn)] = r
			}
			for s := range 2 {
				for k := 2; k <= 3; k++ {
					prev, cur := byTurn[fmt.Sprintf("s%d-t%d", s, k-1)], byTurn[fmt.Sprintf("s%d-t%d", s, k)]
					// The next turn is scheduled exactly think time after the
					// previous answer, and never sent before it.
					if cur.ScheduledNs != prev.DoneNs+int64(think) || cur.SentNs < cur.ScheduledNs {
						t.Errorf("s%d turn %d scheduled %d sent %d; previous done %d", s, k, cur.ScheduledNs, cur.SentNs, prev.DoneNs)
					}
				}
			}
			m, err := results.ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Load.Sessions || m.Load.ThinkTimeNs != int64(think) {
				t.Errorf("manifest load %+v", m.Load)
			}
		})
	}
}

func TestRunThinkTimeNeedsSessions(t *testing.T) {
	e, _, stderr := testEnv(nil)
	code := dispatch(t.Context(), e, []string{"run", "--base-url", "http://127.0.0.1:1/v1", "--model", "m", "--workload", "sample",
		"--rate", "1/s", "--think-time", "1s", "--out", t.TempDir()})
	if code != exitUsage || !bytes.Contains([]byte(stderr.String()), []byte("--think-time needs --sessions")) {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
