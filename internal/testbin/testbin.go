// Package testbin builds the inferbench binary and starts its simulator,
// for tests that drive the command line as a user would (the examples'
// tests run manifests' and notebooks' own commands against it): one place
// for the build and for reading the simulator's listening line.
package testbin

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Build builds cmd/inferbench as `make build` does (CGO_ENABLED=0, the
// static binary the image and releases hold) into a temporary folder of
// t, and returns its path.
func Build(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "inferbench")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/inferbench/inferbench/cmd/inferbench")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// StartSim starts `bin sim --listen 127.0.0.1:0 ARGS...` and returns its
// /v1 URL, read from the line the simulator prints when it listens. The
// simulator is interrupted when t ends (killed after 5 s).
func StartSim(t testing.TB, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"sim", "--listen", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		for sc.Scan() {
		}
	}()
	select {
	case l := <-line:
		_, u, ok := strings.Cut(l, "listening on ")
		if !ok || !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("simulator said %q", l)
		}
		return strings.Fields(u)[0] + "/v1"
	case <-time.After(10 * time.Second):
		t.Fatal("simulator did not start within 10s")
	}
	return ""
}
