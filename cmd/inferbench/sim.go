package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/inferbench/inferbench/internal/cliflag"
	"github.com/inferbench/inferbench/internal/graceful"
	"github.com/inferbench/inferbench/simhost"
	"github.com/inferbench/inferbench/targets/sim"
)

// simShutdownGrace is how long streams in flight may take to finish after
// a stop request before they are cut.
const simShutdownGrace = 3 * time.Second

// cmdSim serves a simulated OpenAI-compatible engine until ctx is
// cancelled or an interrupt arrives (a second interrupt cuts streams in
// flight). A stop request is the normal end of a server, so it exits 0.
func cmdSim(ctx context.Context, e *env, args []string) int {
	fs := cliflag.New("sim", "inferbench sim [--listen ADDR] [--preset NAME] [flags]", `  # a vLLM-like GPU server that queues under load
  inferbench sim --preset self-hosted

  # the calibration target: first token after exactly 50ms, then one every 10ms
  inferbench sim --listen 127.0.0.1:9000 --ttft 50ms --itl 10ms

  # a hosted API that rate-limits 5% of requests and drops 1% of streams
  inferbench sim --preset api --rate-limit-rate 0.05 --disconnect-rate 0.01 --seed 7

  # a custom engine; any port (the real one is printed)
  inferbench sim --listen 127.0.0.1:0 --decode-step 10ms --decode-step-per-seq 1ms --max-batch 8

Presets:
`+presetHelp(), e.stderr)
	listen := fs.String("listen", "127.0.0.1:8000", "`address` to listen on (port 0 picks a free port)")
	gpus := fs.Int("gpus", 1, "GPUs of the simulated DCGM endpoint at /gpu/metrics (utilisation, power and energy follow the batch)")
	preset := fs.String("preset", "", "start from a preset: "+strings.Join(sim.PresetNames(), ", ")+" (default self-hosted unless --ttft/--itl or engine flags are given)")
	var c sim.Config
	for _, s := range simhost.Settings {
		cliflag.Bind(fs, s.Name, s.Usage, s.Field(&c))
	}
	if err := cliflag.ParseNone(fs, args); err != nil {
		return usageError(e, "sim", err)
	}
	if *gpus < 0 || *gpus > 1024 {
		return usageError(e, "sim", fmt.Errorf("--gpus %d: want 0 to 1024", *gpus))
	}
	set := cliflag.Given(fs)
	cfg, name, err := simhost.Config(*preset, c, set)
	if err != nil {
		return usageError(e, "sim", err)
	}
	srv, err := sim.New(cfg)
	if err != nil {
		return usageError(e, "sim", err)
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench sim: %v\n", err)
		return exitFailed
	}
	hs := &http.Server{Handler: simhost.Handler(srv, *gpus), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(e.stdout, "inferbench sim: listening on http://%s (preset %s)\n", ln.Addr(), name)

	ctx, cut, release := e.interruptible(ctx, "", "")
	defer release()
	select {
	case err := <-served:
		fmt.Fprintf(e.stderr, "inferbench sim: %v\n", err)
		return exitFailed
	case <-ctx.Done():
	}
	// Stop accepting, let streams in flight finish for a grace period (a
	// second interrupt cuts it short), then cut what is left.
	if err := graceful.Shutdown(hs, simShutdownGrace, cut); err != nil {
		srv.Close() // ends the streams so their handlers return
		hs.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(e.stderr, "inferbench sim: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// presetHelp lists the presets for the usage text.
func presetHelp() string {
	var b strings.Builder
	for _, n := range sim.PresetNames() {
		fmt.Fprintf(&b, "  %-12s %s\n", n, sim.PresetDoc(n))
	}
	return b.String()
}
