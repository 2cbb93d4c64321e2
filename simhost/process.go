package simhost

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Process is `inferbench sim` running in a child process.
type Process struct {
	// URL is the simulator's /v1 URL.
	URL string
	cmd *exec.Cmd
}

// listening is what `inferbench sim` prints once it serves, before the
// URL.
const listening = "listening on "

// StartProcess starts exe's `sim` subcommand on a free loopback port with
// the extra args, and returns once it prints the address it serves
// (within 10 s). The child's stderr goes to stderr.
func StartProcess(ctx context.Context, exe string, stderr io.Writer, args ...string) (*Process, error) {
	cmd := exec.Command(exe, append([]string{"sim", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	p := &Process{cmd: cmd}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case line := <-lines:
		i := strings.Index(line, listening)
		if i < 0 {
			p.Stop()
			return nil, fmt.Errorf("simulator said %q", line)
		}
		u := strings.Fields(line[i+len(listening):])[0]
		p.URL = strings.TrimSuffix(u, "/") + "/v1"
		return p, nil
	case <-time.After(10 * time.Second):
		p.Stop()
		return nil, errors.New("simulator did not start within 10s")
	case <-ctx.Done():
		p.Stop()
		return nil, ctx.Err()
	}
}

// Stop interrupts the child and waits for it, killing it after 5 s.
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}
