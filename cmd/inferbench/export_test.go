package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestExportCommand(t *testing.T) {
	tmp := reportFixture(t)
	tests := []struct {
		name string
		args string // $DIR is the fixture's temp dir
		code int
	}{
		{"csv-stdout", "$DIR/runs/selfhosted --format csv", exitOK},
		{"vegeta-stdout", "--format vegeta $DIR/runs/api --attack nightly", exitOK},
		{"vegeta-out-file", "$DIR/runs/api --format vegeta --out $DIR/api.json", exitOK},
		{"help", "-h", exitOK},
		{"no-format", "$DIR/runs/api", exitUsage},
		{"bad-format-two-dirs", "$DIR/runs/api $DIR/runs/selfhosted --format parquet", exitUsage},
		{"not-a-run", "$DIR/empty --format csv", exitFailed},
		{"out-dir-missing", "$DIR/runs/api --format csv --out $DIR/nope/x.csv", exitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := strings.Fields(strings.ReplaceAll(tt.args, "$DIR", tmp))
			var stdout, stderr bytes.Buffer
			e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
			code := dispatch(context.Background(), e, append([]string{"export"}, args...))
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			got := "$ inferbench export " + tt.args + "\nexit " + strconv.Itoa(code) +
				"\n--- stdout\n" + stdout.String() + "--- stderr\n" + stderr.String()
			got = strings.ReplaceAll(got, tmp, "$DIR")
			goldenFile(t, filepath.Join("testdata", "export", tt.name+".golden"), got)
		})
	}
	// The file holds what stdout would have, and no temporary is left.
	var stdout bytes.Buffer
	e := &env{stdout: &stdout, stderr: &bytes.Buffer{}, getenv: func(string) string { return "" }}
	dispatch(context.Background(), e, []string{"export", filepath.Join(tmp, "runs", "api"), "--format", "vegeta"})
	b, err := os.ReadFile(filepath.Join(tmp, "api.json"))
	if err != nil || !bytes.Equal(b, stdout.Bytes()) || len(b) == 0 {
		t.Errorf("--out file differs from stdout (%v)", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, ".export-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
