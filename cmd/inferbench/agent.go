package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/reports"
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
	fs := newFlagSet("agent", agentSynopsis, agentExamples, e.stderr)
	listen := fs.String("listen", "127.0.0.1:9400", "address to serve /metrics on (0.0.0.0:9400 to be scraped from other hosts; off: no server)")
	interval := fs.Duration("interval", time.Second, "how often the GPUs are read (scrapes get the latest reading, as with dcgm-exporter)")
	duration := fs.Duration("duration", 0, "stop after this long (0: until Ctrl-C)")
	out := fs.String("out", "", "also write DIR/gpu.parquet and print a per-GPU summary at the end")
	allowNoGPU := fs.Bool("allow-no-gpu", false, "without a usable GPU, serve an empty /metrics instead of exiting 1")
	if err := parseFlagsOnly(fs, args); err != nil {
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
			st.GPURows, filepath.Join(*out, results.GPUFile), failures(st))
		writeAgentSummary(e.stdout, rows)
	}
	if code == exitOK && sigCtx.Err() != nil {
		return exitInterrupted
	}
	return code
}

func failures(st telemetry.Stats) int64 {
	var n int64
	for _, s := range st.Samplers {
		n += s.Failures
	}
	return n
}

// writeAgentSummary prints one line per GPU; NULL columns print "-".
// scripts/gpu-check.sh reads the columns by position (name is last
// because it has spaces).
func writeAgentSummary(w io.Writer, rows []results.GPUSample) {
	byIdx := map[int32][]results.GPUSample{}
	for _, r := range rows {
		byIdx[r.GPUIndex] = append(byIdx[r.GPUIndex], r)
	}
	idx := make([]int32, 0, len(byIdx))
	for i := range byIdx {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "gpu\tsamples\tutil_mean_pct\tutil_max_pct\tsm_active_mean_pct\tpower_mean_w\tpower_max_w\tpower_limit_w\tenergy_j\tenergy_source\tmem_max_mib\tspan_s\tname")
	for _, i := range idx {
		rs := byIdx[i]
		var from, to int64 = rs[0].TsNs, rs[0].TsNs
		var pmax, plimit *float64
		for _, r := range rs {
			from, to = min(from, r.TsNs), max(to, r.TsNs)
			if r.PowerW != nil && (pmax == nil || *r.PowerW > *pmax) {
				pmax = r.PowerW
			}
			if r.PowerLimitW != nil {
				plimit = r.PowerLimitW
			}
		}
		s := reports.SummarizeGPU(rs, from, to)
		var mem *float64
		if s.MemHighWaterBytes != nil {
			mem = results.F64(float64(*s.MemHighWaterBytes >> 20))
		}
		src := s.EnergySource
		if src == "" {
			src = "-"
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\n", i, len(rs),
			num(s.MeanUtilPct), num(s.MaxUtilPct), num(s.MeanSMActivePct), num(s.MeanPowerW), num(pmax), num(plimit),
			num(s.EnergyJ), src, num(mem), float64(to-from)/1e9, rs[0].GPUName)
	}
	tw.Flush()
}

func num(p *float64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", *p)
}
