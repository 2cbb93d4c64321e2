// Command benchclient measures what inferbench's client costs per request:
// process CPU time per request and peak RSS per in-flight stream, against
// the exact-timing simulator (targets/sim) running in a child process, so
// that the server's own work is not in the figures. It drives the target
// directly (targets.New and Do, one goroutine per request, as the runner
// does) and checks that every request came back ok with exactly -tokens
// output tokens.
//
// Scenarios (-scenarios, comma-separated):
//
//	rate:R      open loop at R requests/s for -seconds, TTFT -ttft, ITL -itl
//	streams:N   N concurrent slow streams started over -ramp, ITL -slow-itl,
//	            each one request; measured while all N are open
//
// Each scenario runs -repeat times, each time in a fresh client process and
// a fresh simulator process, and the table gives the range over repeats.
// CPU is the client process's user+system time (getrusage) over the load
// phase divided by the requests; RSS per stream is (peak RSS - RSS before
// the load) / peak in-flight requests; drift is the RSS at the end of the
// load minus the RSS half-way through (a flat run has drift near 0).
//
// Run through scripts/bench-client.sh (`make bench`); it is not a test.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
	"github.com/inferbench/inferbench/targets/sim"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// options are the command's flags.
type options struct {
	scenarios       string
	repeat          int
	seconds         float64
	ttft, itl       time.Duration
	slowITL, ramp   time.Duration
	tokens          int
	protocol        string
	cpuProfile      string
	memProfile      string
	serve, client   bool
	url, scenario   string
	profileScenario string
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("benchclient", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scenarios, "scenarios", "rate:100,rate:800,rate:2000,streams:1000,streams:10000", "comma-separated scenarios: rate:R, streams:N")
	fs.IntVar(&o.repeat, "repeat", 3, "runs of each scenario (fresh processes each)")
	fs.Float64Var(&o.seconds, "seconds", 5, "seconds of load of a rate scenario")
	fs.DurationVar(&o.ttft, "ttft", 50*time.Millisecond, "simulator's time to first token")
	fs.DurationVar(&o.itl, "itl", 10*time.Millisecond, "simulator's time between tokens (rate scenarios)")
	fs.DurationVar(&o.slowITL, "slow-itl", 500*time.Millisecond, "time between tokens of streams scenarios")
	fs.DurationVar(&o.ramp, "ramp", 5*time.Second, "time over which a streams scenario opens its streams")
	fs.IntVar(&o.tokens, "tokens", 64, "output tokens per request, one per event")
	fs.StringVar(&o.protocol, "protocol", targetspec.ProtocolOpenAIChat, "wire protocol")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the client's load phase to this `file` (with -profile-scenario)")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile at peak to this `file` (with -profile-scenario)")
	fs.StringVar(&o.profileScenario, "profile-scenario", "", "the scenario (first repeat) the profiles are taken of")
	fs.BoolVar(&o.serve, "serve", false, "internal: run the simulator")
	fs.BoolVar(&o.client, "client", false, "internal: run one scenario against -url and print its result as JSON")
	fs.StringVar(&o.url, "url", "", "internal: the simulator's root URL")
	fs.StringVar(&o.scenario, "scenario", "", "internal: the scenario to run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	switch {
	case o.serve:
		err = serveSim(o, stdout)
	case o.client:
		err = runClient(o, stdout)
	default:
		err = orchestrate(o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "benchclient:", err)
		return 1
	}
	return 0
}

// scenario is one parsed -scenarios entry.
type scenario struct {
	kind string // "rate" or "streams"
	n    float64
}

func parseScenario(s string) (scenario, error) {
	kind, v, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseFloat(v, 64)
	if !ok || err != nil || n <= 0 || (kind != "rate" && kind != "streams") {
		return scenario{}, fmt.Errorf("scenario %q: want rate:R or streams:N", s)
	}
	return scenario{kind, n}, nil
}

// serveSim runs the exact simulator on a free loopback port until stdin
// closes, printing its URL first.
func serveSim(o options, stdout io.Writer) error {
	srv, err := sim.New(sim.Config{Exact: true, TTFT: o.ttft, ITL: o.itl})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.Close()
	return hs.Close()
}

// result is what one client process measured.
type result struct {
	Scenario   string  `json:"scenario"`
	Requests   int     `json:"requests"`
	Good       int     `json:"good"` // ok, output_tokens = -tokens, no error
	FirstBad   string  `json:"first_bad,omitempty"`
	Seconds    float64 `json:"seconds"`
	CPUNs      int64   `json:"cpu_ns"`
	PeakFlight int64   `json:"peak_in_flight"`
	RSSBase    int64   `json:"rss_base"`
	RSSPeak    int64   `json:"rss_peak"`
	RSSMid     int64   `json:"rss_mid"`
	RSSEnd     int64   `json:"rss_end"`
	Goroutines int     `json:"goroutines_at_peak"`
	StackBytes uint64  `json:"stack_bytes_at_peak"`
	HeapBytes  uint64  `json:"heap_bytes_at_peak"`
	StackStart uint64  `json:"starting_stack_bytes_at_peak"`
}

// runClient runs one scenario in this process and prints its result.
func runClient(o options, stdout io.Writer) error {
	sc, err := parseScenario(o.scenario)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(o.url, "/")
	spec := targetspec.Spec{Protocol: o.protocol, BaseURL: base + "/v1", Model: "sim", Name: "bench",
		Timeouts: targetspec.TimeoutSpec{Total: 5 * time.Minute}}
	if o.protocol == targetspec.ProtocolGemini {
		spec.BaseURL = base + "/v1beta"
	}
	tgt, err := targets.New(spec, func(string) string { return "" })
	if err != nil {
		return err
	}
	defer tgt.CloseIdleConnections()
	req := &workloads.Request{ID: "1", Prompt: "calibrate the client", MaxTokens: o.tokens}
	clock := results.NewClock(time.Now())
	ctx := context.Background()
	// Warm up the code paths and a few pooled connections with short
	// requests (a slow stream of full length would take half a minute).
	warm := *req
	warm.MaxTokens = 2
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			rec := tgt.Do(ctx, clock, &warm)
			if !rec.OK() {
				errs <- fmt.Errorf("warm-up request: %s %s", rec.ErrorClass, rec.ErrorMessage)
				return
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			return err
		}
	}
	runtime.GC()
	time.Sleep(200 * time.Millisecond)

	res := result{Scenario: o.scenario, RSSBase: rss("VmRSS")}
	var (
		inFlight, peak atomic.Int64
		good, total    atomic.Int64
		badOnce        sync.Once
		wg             sync.WaitGroup
	)
	do := func() {
		defer wg.Done()
		n := inFlight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		rec := tgt.Do(ctx, clock, req)
		inFlight.Add(-1)
		total.Add(1)
		if rec.OK() && rec.ErrorClass == "" && rec.OutputTokens == int64(o.tokens) {
			good.Add(1)
			return
		}
		badOnce.Do(func() {
			res.FirstBad = fmt.Sprintf("%s %s %q, %d output tokens", rec.Status, rec.ErrorClass, rec.ErrorMessage, rec.OutputTokens)
		})
	}
	profiling := o.profileScenario == o.scenario
	if profiling && o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}

	var n int
	var every time.Duration
	switch sc.kind {
	case "rate":
		n = int(sc.n * o.seconds)
		every = time.Duration(float64(time.Second) / sc.n)
	case "streams":
		n = int(sc.n)
		every = o.ramp / time.Duration(n)
	}
	loadTime := time.Duration(n) * every
	samp := startSampler(&inFlight, loadTime)
	cpu0 := cpuTime()
	start := time.Now()
	for i := range n {
		if d := time.Until(start.Add(time.Duration(i) * every)); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go do()
	}
	if sc.kind == "streams" {
		// Every stream is open once the last has its headers: hold the
		// heap profile until then.
		for peak.Load() < int64(n) && inFlight.Load() > 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if profiling && o.memProfile != "" {
		if err := writeHeapProfile(o.memProfile); err != nil {
			return err
		}
	}
	wg.Wait()
	res.CPUNs = int64(cpuTime() - cpu0)
	res.Seconds = time.Since(start).Seconds()
	if profiling && o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	samp.stop()
	res.Requests, res.Good, res.PeakFlight = int(total.Load()), int(good.Load()), peak.Load()
	res.RSSPeak = rss("VmHWM")
	res.RSSMid, res.RSSEnd = samp.mid, samp.end
	res.Goroutines, res.StackBytes, res.HeapBytes, res.StackStart = samp.goroutines, samp.stacks, samp.heap, samp.start
	return json.NewEncoder(stdout).Encode(res)
}

// sampler watches the process while the load runs: RSS half-way and at
// the end of the load, and goroutines, stack and heap bytes when the most
// requests were in flight.
type sampler struct {
	done                chan struct{}
	finished            chan struct{}
	mid, end            int64
	goroutines          int
	stacks, heap, start uint64
	inFlight            *atomic.Int64
	bestFlight          int64
	loadTime            time.Duration
	startedAt           time.Time
}

func startSampler(inFlight *atomic.Int64, loadTime time.Duration) *sampler {
	s := &sampler{done: make(chan struct{}), finished: make(chan struct{}), inFlight: inFlight, loadTime: loadTime, startedAt: time.Now()}
	go s.loop()
	return s
}

func (s *sampler) loop() {
	defer close(s.finished)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	ms := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}, {Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/stack/starting-size:bytes"}}
	for {
		select {
		case <-s.done:
			return
		case now := <-tick.C:
			el := now.Sub(s.startedAt)
			if s.mid == 0 && el >= s.loadTime/2 {
				s.mid = rss("VmRSS")
			}
			if el <= s.loadTime+s.loadTime/10 {
				s.end = rss("VmRSS")
			}
			if f := s.inFlight.Load(); f > s.bestFlight {
				s.bestFlight = f
				s.goroutines = runtime.NumGoroutine()
				metrics.Read(ms)
				s.stacks, s.heap, s.start = ms[0].Value.Uint64(), ms[1].Value.Uint64(), ms[2].Value.Uint64()
			}
		}
	}
}

func (s *sampler) stop() { close(s.done); <-s.finished }

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("heap").WriteTo(f, 0)
}

// rss reads a field of /proc/self/status, in bytes (0 if unreadable).
func rss(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime is this process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// orchestrate runs every scenario -repeat times, each in a fresh
// simulator and client process, and prints the table.
func orchestrate(o options, stdout, stderr io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var scs []string
	for _, s := range strings.Split(o.scenarios, ",") {
		if _, err := parseScenario(s); err != nil {
			return err
		}
		scs = append(scs, strings.TrimSpace(s))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(stdout, "benchclient: %s, %d-token streams (one token per event) against the exact simulator in a child process; GOMAXPROCS %d, %d CPUs\n",
		o.protocol, o.tokens, runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(stdout, "rate: TTFT %v ITL %v for %gs; streams: TTFT %v ITL %v opened over %v; ranges over %d runs\n\n",
		o.ttft, o.itl, o.seconds, o.ttft, o.slowITL, o.ramp, o.repeat)
	const row = "%-14s %9s %13s %11s %15s %15s %13s %12s  %s\n"
	fmt.Fprintf(stdout, row, "scenario", "requests", "peak streams", "CPU/req ms", "RSS/stream KB", "peak RSS MB", "RSS drift MB", "goroutines", fmt.Sprintf("all ok, %d tokens", o.tokens))
	for _, s := range scs {
		var rs []result
		for i := range o.repeat {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r, err := runOnce(ctx, exe, o, s, i == 0)
			if err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
			rs = append(rs, r)
		}
		printRow(stdout, row, s, rs)
	}
	return nil
}

// runOnce runs one scenario: a simulator child, then a client child.
func runOnce(ctx context.Context, exe string, o options, s string, first bool) (result, error) {
	sc, _ := parseScenario(s)
	itl := o.itl
	if sc.kind == "streams" {
		itl = o.slowITL
	}
	srv := exec.CommandContext(ctx, exe, "-serve", "-ttft", o.ttft.String(), "-itl", itl.String())
	srv.Stderr = os.Stderr
	in, err := srv.StdinPipe()
	if err != nil {
		return result{}, err
	}
	out, err := srv.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	if err := srv.Start(); err != nil {
		return result{}, err
	}
	defer func() { in.Close(); _ = srv.Wait() }()
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return result{}, fmt.Errorf("simulator did not start: %w", err)
	}
	args := []string{"-client", "-url", strings.TrimSpace(url), "-scenario", s, "-tokens", strconv.Itoa(o.tokens),
		"-seconds", strconv.FormatFloat(o.seconds, 'g', -1, 64), "-ramp", o.ramp.String(), "-protocol", o.protocol}
	if first && o.profileScenario == s {
		args = append(args, "-profile-scenario", s, "-cpuprofile", o.cpuProfile, "-memprofile", o.memProfile)
	}
	cl := exec.CommandContext(ctx, exe, args...)
	cl.Stderr = os.Stderr
	b, err := cl.Output()
	if err != nil {
		return result{}, fmt.Errorf("client: %w", err)
	}
	var r result
	if err := json.Unmarshal(b, &r); err != nil {
		return result{}, fmt.Errorf("client said %q: %w", b, err)
	}
	return r, nil
}

// printRow prints one scenario's ranges over its runs.
func printRow(w io.Writer, row, s string, rs []result) {
	rng := func(f func(r result) float64, prec int) string {
		vs := make([]float64, len(rs))
		for i, r := range rs {
			vs[i] = f(r)
		}
		lo, hi := slices.Min(vs), slices.Max(vs)
		if strconv.FormatFloat(lo, 'f', prec, 64) == strconv.FormatFloat(hi, 'f', prec, 64) {
			return strconv.FormatFloat(lo, 'f', prec, 64)
		}
		return strconv.FormatFloat(lo, 'f', prec, 64) + "-" + strconv.FormatFloat(hi, 'f', prec, 64)
	}
	ok := "yes"
	var bad []string
	for _, r := range rs {
		if r.Good != r.Requests {
			ok = "NO"
			bad = append(bad, fmt.Sprintf("%d of %d bad, first: %s", r.Requests-r.Good, r.Requests, r.FirstBad))
		}
	}
	if len(bad) > 0 {
		ok += " (" + strings.Join(bad, "; ") + ")"
	}
	mb := func(b int64) float64 { return float64(b) / (1 << 20) }
	fmt.Fprintf(w, row, s,
		rng(func(r result) float64 { return float64(r.Requests) }, 0),
		rng(func(r result) float64 { return float64(r.PeakFlight) }, 0),
		rng(func(r result) float64 { return float64(r.CPUNs) / 1e6 / float64(max(r.Requests, 1)) }, 3),
		rng(func(r result) float64 { return float64(r.RSSPeak-r.RSSBase) / 1024 / float64(max(r.PeakFlight, 1)) }, 1),
		rng(func(r result) float64 { return mb(r.RSSPeak) }, 0),
		rng(func(r result) float64 { return mb(r.RSSEnd - r.RSSMid) }, 1),
		rng(func(r result) float64 { return float64(r.Goroutines) }, 0),
		ok)
}
