package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// Calibration measures the harness's own timing error: it sends Poisson
// load to an exact-timing server (first token at TTFT, then one token
// every ITL) and compares what it measured with what the server was told
// to do, at each of Rates.
type Calibration struct {
	// Target is the exact-timing server.
	Target Target
	// Rates are the request rates per second, in order.
	Rates []float64
	// Seconds of load per rate; at least 50 requests are sent.
	Seconds float64
	// TTFT, ITL and Tokens are what the server does for every request.
	TTFT, ITL time.Duration
	Tokens    int
	// SpinWait is DispatchConfig.SpinWait.
	SpinWait time.Duration
}

// CalibrationLevel is what one rate measured: every value's error against
// the configured timing, in nanoseconds (measured minus configured), and
// this process's CPU time.
type CalibrationLevel struct {
	Rate         float64
	Requests, OK int
	// TTFTErr and E2EErr have one value per ok request, ITLErr one per
	// chunk gap, ScheduleLag one per request.
	TTFTErr, ITLErr, E2EErr, ScheduleLag []int64
	// CPU is this process's user and system CPU time over the level (the
	// server should run in another process), Wall the level's wall time
	// and Cores the cores the process may use.
	CPU, Wall time.Duration
	Cores     int
	// Spinning says the level busy-waited before sends (SpinWait).
	Spinning bool
}

// CPUUtilisation is CPU / (Wall x Cores).
func (l CalibrationLevel) CPUUtilisation() float64 {
	if l.Wall <= 0 || l.Cores <= 0 {
		return 0
	}
	return l.CPU.Seconds() / l.Wall.Seconds() / float64(l.Cores)
}

// Load is what the client's check of itself looks at, for this level
// with its TTFT error and schedule lag p99: a level with no Problems is
// a rate this machine sends faithfully.
func (l CalibrationLevel) Load(ttftErrP99, lagP99 time.Duration) ClientLoad {
	return ClientLoad{LagP99: lagP99, TTFTErrP99: ttftErrP99, CPUUtilisation: l.CPUUtilisation(), Wall: l.Wall, Cores: l.Cores,
		Spinning: l.Spinning}
}

// Validate reports every problem with the calibration's numbers at once
// (the target aside): rates within workloads.CheckRate's bounds, 0 <
// Seconds <= 3600, TTFT and ITL from 0 to a minute, 2 to 100,000 tokens,
// and a spin wait within MaxSpinWait.
func (c *Calibration) Validate() error {
	var errs []error
	if len(c.Rates) == 0 {
		errs = append(errs, errors.New("calibrate: need rates"))
	}
	for _, r := range c.Rates {
		if err := workloads.CheckRate(r); err != nil {
			errs = append(errs, fmt.Errorf("calibrate: rate: %w", err))
		}
	}
	if !(c.Seconds > 0 && c.Seconds <= 3600) {
		errs = append(errs, fmt.Errorf("calibrate: want 0 < seconds <= 3600, got %g", c.Seconds))
	}
	if c.TTFT < 0 || c.TTFT > time.Minute || c.ITL < 0 || c.ITL > time.Minute {
		errs = append(errs, fmt.Errorf("calibrate: want TTFT and ITL from 0 to 1m, got %s and %s", c.TTFT, c.ITL))
	}
	if c.Tokens < 2 || c.Tokens > 100_000 {
		errs = append(errs, fmt.Errorf("calibrate: want 2 to 100000 tokens, got %d", c.Tokens))
	}
	if c.SpinWait < 0 || c.SpinWait > MaxSpinWait {
		errs = append(errs, fmt.Errorf("calibrate: want a spin wait from 0 to %s, got %s", MaxSpinWait, c.SpinWait))
	}
	return errors.Join(errs...)
}

// E2E is the end-to-end time the server is told to take.
func (c *Calibration) E2E() time.Duration { return c.TTFT + time.Duration(c.Tokens-1)*c.ITL }

// Measure sends each rate's load and calls fn with what it measured. It stops
// early, without error, when ctx ends.
func (c *Calibration) Measure(ctx context.Context, fn func(CalibrationLevel)) error {
	if c.Target == nil {
		return errors.New("calibrate: need a target")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	wl := []workloads.Request{{ID: "1", Prompt: "calibrate", MaxTokens: c.Tokens}}
	for _, rate := range c.Rates {
		if ctx.Err() != nil {
			return nil
		}
		n := max(50, int(rate*c.Seconds))
		var recs []results.Record
		cpu0, wall0 := cpuTime(), time.Now()
		_, err := Dispatch(ctx, DispatchConfig{
			Target: c.Target, Workload: wl, Pacer: PoissonPacer(rate, 1),
			Sink: SinkFunc(func(r results.Record) error { recs = append(recs, r); return nil }), Flow: Flow{Requests: n, SpinWait: c.SpinWait},
		})
		cpu, wall := cpuTime()-cpu0, time.Since(wall0)
		if err != nil {
			return err
		}
		l := c.level(rate, recs, cpu)
		l.Wall, l.Cores, l.Spinning = wall, ClientCores(), c.SpinWait > 0
		fn(l)
	}
	return nil
}

func (c *Calibration) level(rate float64, recs []results.Record, cpu time.Duration) CalibrationLevel {
	l := CalibrationLevel{Rate: rate, Requests: len(recs), CPU: cpu}
	for _, r := range recs {
		l.ScheduleLag = append(l.ScheduleLag, r.ScheduleLagNs)
		if !r.OK() {
			continue
		}
		l.OK++
		l.TTFTErr = append(l.TTFTErr, r.TTFTNs-int64(c.TTFT))
		l.E2EErr = append(l.E2EErr, r.E2ENs-int64(c.E2E()))
		for _, g := range r.ChunkGapsNs {
			l.ITLErr = append(l.ITLErr, g-int64(c.ITL))
		}
	}
	return l
}
