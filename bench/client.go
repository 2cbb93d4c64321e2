package bench

import (
	"fmt"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/inferbench/inferbench/results"
)

// The limits past which the load generator, not the target, is the
// bottleneck of a run (docs/results.md, "client"). They come from
// `inferbench calibrate` against the exact simulator on a 2-core machine
// shared with other work: while the client keeps up, send lag p99 stays
// at 1-3 ms (Go timers fire up to about a millisecond late, and a loaded
// scheduler adds a little) and TTFT error p99 at 1.5-4 ms; once it does
// not, lag p99 jumps to tens or hundreds of milliseconds within one step
// of rate, with the process at 90-100% of its cores. 5 ms sits above the
// healthy floor and far below the overloaded regime, and is a tenth of a
// fast first token (50 ms): the error the client then adds to a target's
// TTFT is small against what is measured. 85% of the cores leaves the
// headroom a Go process needs for timers and the network poller to run
// on time; past it, the lag grows.
const (
	// ClientLagLimit is the most schedule lag p99 (and, in calibrate, TTFT
	// error p99) a trustworthy client shows.
	ClientLagLimit = 5 * time.Millisecond
	// ClientCPULimit is the most of its cores a trustworthy client uses
	// over a run (process CPU time / wall time / cores).
	ClientCPULimit = 0.85
	// clientCPUMinWall is the least wall time over which CPU use is
	// judged: a shorter run is mostly start-up.
	clientCPUMinWall = time.Second
)

// ClientLoad is what the client's check of itself looks at.
type ClientLoad struct {
	// LagP99 is the p99 of the client's own delay in sending requests
	// (schedule lag, less waits for an in-flight slot).
	LagP99 time.Duration
	// CPUUtilisation is process CPU time / (Wall x Cores); Wall is the
	// time it was measured over.
	CPUUtilisation float64
	Wall           time.Duration
	Cores          int
	// TTFTErrP99 is calibrate's TTFT error p99 against an exact server;
	// a run cannot know it and leaves it 0.
	TTFTErrP99 time.Duration
	// Spinning says the CPU time includes busy-waits before sends
	// (SpinWait), which yield to any other work: CPU is then not judged.
	Spinning bool
}

// Problems names, in plain words, each figure of l past its limit; none
// means the client kept up.
func (l ClientLoad) Problems() []string {
	var out []string
	if l.LagP99 > ClientLagLimit {
		out = append(out, fmt.Sprintf("schedule lag p99 %s is above %s", fmtMs(l.LagP99), fmtMs(ClientLagLimit)))
	}
	if l.TTFTErrP99 > ClientLagLimit {
		out = append(out, fmt.Sprintf("TTFT error p99 %s is above %s", fmtMs(l.TTFTErrP99), fmtMs(ClientLagLimit)))
	}
	if !l.Spinning && l.Wall >= clientCPUMinWall && l.CPUUtilisation >= ClientCPULimit {
		out = append(out, fmt.Sprintf("client CPU %.0f%% of its %d core(s) is at or above %.0f%%",
			100*l.CPUUtilisation, l.Cores, 100*ClientCPULimit))
	}
	return out
}

func fmtMs(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + " ms"
}

// ClientCores is the cores this process may use: GOMAXPROCS, at most
// the machine's CPUs.
func ClientCores() int { return max(1, min(runtime.GOMAXPROCS(0), runtime.NumCPU())) }

// cpuTime is this process's user+system CPU time (0 if unreadable).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clientMeter measures the client over a dispatch: CPU time and wall
// time from its start (two getrusage calls a look, nothing per request)
// and the client's own send delay of every measured request (one atomic
// add each).
type clientMeter struct {
	cpu0     time.Duration
	wall0    time.Time
	spinning bool
	lag      lagHistogram
}

func startClientMeter(spinning bool) *clientMeter {
	return &clientMeter{cpu0: cpuTime(), wall0: time.Now(), spinning: spinning}
}

// observe counts one measured request's own send delay.
func (m *clientMeter) observe(lagNs int64) { m.lag.add(lagNs) }

// info is the client's figures and verdict so far.
func (m *clientMeter) info() *results.ClientInfo {
	cpu, wall := cpuTime()-m.cpu0, time.Since(m.wall0)
	in := &results.ClientInfo{CPUSeconds: cpu.Seconds(), WallSeconds: wall.Seconds(), Cores: ClientCores(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		LagRequests: m.lag.n.Load(), LagP99Ns: m.lag.quantile(0.99), LagMaxNs: m.lag.max.Load()}
	if wall > 0 {
		in.CPUUtilisation = cpu.Seconds() / wall.Seconds() / float64(in.Cores)
	}
	in.Reasons = ClientLoad{LagP99: time.Duration(in.LagP99Ns), CPUUtilisation: in.CPUUtilisation, Wall: wall, Cores: in.Cores,
		Spinning: m.spinning}.Problems()
	in.Saturated = len(in.Reasons) > 0
	return in
}
