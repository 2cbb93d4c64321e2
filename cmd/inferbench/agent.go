package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/internal/cliflag"
	"github.com/inferbench/inferbench/reports/gputable"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/telemetry"
)

// openAgentNVML opens the local GPUs; tests replace it with a fake.
var openAgentNVML = telemetry.OpenNVML

const agentSynopsis = "inferbench agent [--listen ADDR] [--interval D] [--duration D --out DIR] [--allow-no-gpu]"

const agentExamples = `  # on the GPU host: serve its GPUs as DCGM-exporter-style metrics
  inferbench agent --listen 0.0.0.0:9400
  # on the load generator
  inferbench run ... --gpu-metrics http://gpu-host:9400/metrics
  # sample locally for 20 s into DIR/gpu.parquet and print a summary
  inferbench agent --listen off --duration 20s --out /tmp/gpucheck`

// cmdAgent serves this host's NVML samples as Prometheus text with
// dcgm-exporter names, so a GPU host without dcgm-exporter can be measured
// from the load generator (--gpu-metrics). With --duration and --out it
// also writes gpu.parquet and prints a per-GPU summary, which is what
// scripts/gpu-check.sh uses.
//
// Without a usable GPU it exits 1 with the reason, because an agent that
// silently serves nothing would make a remote run record no GPU data
// without anyone noticing; --allow-no-gpu serves an empty /metrics instead.
func cmdAgent(ctx context.Context, e *env, args []string) int {
	fs := cliflag.New("agent", agentSynopsis, agentExamples, e.stderr)
	listen := fs.String("listen", "127.0.0.1:9400", "address to serve /metrics on (0.0.0.0:9400 to be scraped from other hosts; off: no server)")
	interval := fs.Duration("interval", time.Second, "how often the GPUs are read (scrapes get the latest reading, as with dcgm-exporter)")
	duration := fs.Duration("duration", 0, "stop after this long (0: until Ctrl-C)")
	out := fs.String("out", "", "also write DIR/gpu.parquet and print a per-GPU summary at the end")
	allowNoGPU := fs.Bool("allow-no-gpu", false, "without a usable GPU, serve an empty /metrics instead of exiting 1")
	if err := cliflag.ParseNone(fs, args); err != nil {
		return usageError(e, "agent", err)
	}
	if *interval < time.Millisecond || *interval > bench.MaxInterval {
		return usageError(e, "agent", fmt.Errorf("--interval %v: want 1ms to %v", *interval, bench.MaxInterval))
	}
	if *duration < 0 || *duration > bench.MaxRunDuration {
		return usageError(e, "agent", fmt.Errorf("--duration %v: want 0 (until Ctrl-C) to %v", *duration, bench.MaxRunDuration))
	}
	if *listen == "off" && *duration <= 0 {
		return usageError(e, "agent", errors.New("--listen off needs --duration"))
	}

	logf := func(s string) { fmt.Fprintf(e.stderr, "inferbench agent: %s\n", strings.TrimPrefix(s, "telemetry: ")) }
	sampler, err := openAgentNVML(logf)
	if err != nil {
		if !*allowNoGPU {
			fmt.Fprintf(e.stderr, "inferbench agent: no local GPU to serve: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(e.stderr, "inferbench agent: NVML off (%v); serving an empty /metrics (--allow-no-gpu)\n", err)
		sampler = nil
	}
	if c, ok := sampler.(interface{ Close() error }); ok {
		defer c.Close()
	}

	a := &telemetry.Agent{Sampler: sampler, Interval: *interval, Clock: results.NewClock(time.Now()), Log: logf}
	if *out != "" {
		if a.GPU, err = results.NewGPUWriter(*out, "agent"); err != nil {
			fmt.Fprintf(e.stderr, "inferbench agent: %v\n", err)
			return exitFailed
		}
	}
	sigCtx, _, release := e.interruptible(ctx, "inferbench agent: interrupted, stopping", "")
	defer release()
	runCtx := sigCtx
	if *duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(sigCtx, *duration)
		defer cancel()
	}
	var ln net.Listener
	if *listen != "off" {
		if ln, err = net.Listen("tcp", *listen); err != nil {
			fmt.Fprintf(e.stderr, "inferbench agent: %v\n", err)
			if a.GPU != nil {
				a.GPU.Close()
			}
			return exitFailed
		}
		fmt.Fprintf(e.stdout, "inferbench agent: listening on http://%s\n", ln.Addr())
	}
	st, err := a.Serve(runCtx, ln)
	code := exitOK
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench agent: %v\n", err)
		code = exitFailed
	}
	if a.GPU != nil {
		if err := a.GPU.Close(); err != nil {
			fmt.Fprintf(e.stderr, "inferbench agent: %v\n", err)
			return exitFailed
		}
		rows, err := results.ReadGPU(*out)
		if err != nil {
			fmt.Fprintf(e.stderr, "inferbench agent: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(e.stdout, "inferbench agent: %d samples in %s (%d failed reads)\n",
			st.GPURows, filepath.Join(*out, results.GPUFile), st.Failures())
		gputable.Write(e.stdout, rows)
	}
	if code == exitOK && sigCtx.Err() != nil {
		return exitInterrupted
	}
	return code
}
