package results

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"},
		{"https://user:pw@host/metrics", "https://host/metrics"},
		{"https://user@host/metrics", "https://host/metrics"},
		{"https://host/v1beta?key=SECRET", "https://host/v1beta?key=REDACTED"},
		{"https://host/v1?a=1&token=SECRET;b", "https://host/v1?a=REDACTED&token=REDACTED&b"},
		{"https://host/v1#access_token=SECRET", "https://host/v1"},
		{"https://u:p@host:9400/m?token=S#frag", "https://host:9400/m?token=REDACTED"},
		// A password with '/' or '#' does not parse; the host still shows.
		{"http://u:pa/ss@host:1/m", "http://host:1/REDACTED"},
		{"http://u:secret#x@host/m", "http://host/REDACTED"},
		{"not a url", "not a url"},
		{"user:pw@host", "REDACTED"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedactTextAndArgs(t *testing.T) {
	msg := `Get "http://u:***@127.0.0.1:9/metrics?token=SECRET": dial tcp: refused; GET https://h/x?k=SECRET2: HTTP 500`
	got := RedactText(msg)
	if strings.Contains(got, "SECRET") || !strings.Contains(got, `Get "http://127.0.0.1:9/metrics?token=REDACTED": dial tcp`) {
		t.Errorf("RedactText = %q", got)
	}
	args := []string{"run", "--base-url", "https://h/v1?key=S1", "--server-metrics=http://u:S2@h/metrics", "--slo", "ttft=1s", "-gpu-metrics=http://h/g#S3"}
	want := []string{"run", "--base-url", "https://h/v1?key=REDACTED", "--server-metrics=http://h/metrics", "--slo", "ttft=1s", "-gpu-metrics=http://h/g"}
	if got := RedactArgs(args); !slices.Equal(got, want) {
		t.Errorf("RedactArgs = %q, want %q", got, want)
	}
	if args[2] != "https://h/v1?key=S1" {
		t.Error("RedactArgs changed its input")
	}
}

// TestManifestNeverHoldsASecret: whatever a caller puts in a manifest,
// the file on disk holds no credential of any URL, and reading an old
// file that does redacts it.
func TestManifestNeverHoldsASecret(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{RunID: "r", StopReason: StopFailed,
		Target:     TargetInfo{BaseURL: "https://u:S1@h/v1?key=S2#S3"},
		Telemetry:  &TelemetryInfo{GPUMetricsURL: "http://h/g?token=S4", ServerMetricsURL: "http://u:S5@h/metrics"},
		Args:       []string{"run", "--server-metrics=http://u:S6@h/m", "--gpu-metrics", "http://h/g?token=S7"},
		StopDetail: `Get "http://h/m?token=S8": refused`}
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	for _, s := range []string{"S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"} {
		if strings.Contains(string(raw), s) {
			t.Errorf("manifest.json holds %s:\n%s", s, raw)
		}
	}
	if m.Args[1] != "--server-metrics=http://u:S6@h/m" {
		t.Error("WriteManifest changed the caller's manifest")
	}
	// A manifest written before redaction existed reads redacted.
	old := strings.Replace(string(raw), "https://h/v1?key=REDACTED", "https://u:S1@h/v1?key=S2", 1)
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte(old), 0o644)
	got, err := ReadManifest(dir)
	if err != nil || got.Target.BaseURL != "https://h/v1?key=REDACTED" {
		t.Errorf("old manifest read as %q, %v", got.Target.BaseURL, err)
	}
}
