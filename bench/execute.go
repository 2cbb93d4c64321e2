package bench

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/telemetry"
	"github.com/inferbench/inferbench/workloads"
)

// ErrInvalidPlan marks an error of Execute or Sweep that is a problem with
// the plan (a usage error), not a failure while running: errors.Is finds
// it, and the message is the problem's (FieldErrors, errors.Join).
var ErrInvalidPlan = errors.New("invalid plan")

type planError struct{ err error }

func (e *planError) Error() string        { return e.err.Error() }
func (e *planError) Unwrap() error        { return e.err }
func (e *planError) Is(target error) bool { return target == ErrInvalidPlan }

// Outcome is how a run ended and where it is.
type Outcome struct {
	RunID, Dir string
	// Manifest is the manifest as finally written.
	Manifest   *results.Manifest
	StopReason string // one of results.Stop*
	Start, End time.Time
	Requests   results.RequestCounts
	// Measured counts the measured requests (warm-up left out) by status,
	// and Errors are their failures by error class, most frequent first,
	// with one message each.
	Measured results.RequestCounts
	Errors   []results.ClassCount
	// Failure is set when the run failed although it ran: no measured
	// request succeeded, or more failed than Plan.MaxErrorRate allows.
	Failure *Failure
}

// Interrupted says whether the context or Abort stopped the run early.
func (o Outcome) Interrupted() bool {
	return o.StopReason == results.StopInterrupted || o.StopReason == results.StopCanceled
}

// Execute runs one plan: it validates it, creates the run directory,
// waits for Outputs.StartAt, writes the manifest at the start and keeps its
// counts current while the run goes, runs telemetry alongside, stamps and
// writes every record (Parquet parts, observers), and finalises the
// manifest with the stop reason.
//
// Unless Plan.NoProbe, one probe request goes first, before the run
// directory is made: a probe the target refuses (a wrong model, path or
// key, nothing listening) stops Execute with a *ProbeError, leaving
// nothing behind.
//
// Cancelling ctx stops scheduling and drains the requests in flight (the
// first Ctrl-C); closing Plan.Abort cancels them (the second). Errors
// wrap ErrInvalidPlan for a problem with the plan, ErrProbeFailed for a
// refused probe, and ErrStartInterrupted when ctx ended the probe or the
// start wait; any other error is a failure of the run (the disk), with
// the Outcome of what was written. A run that ran but failed (Outcome.
// Failure) is not an error.
func Execute(ctx context.Context, p Plan) (Outcome, error) {
	if err := p.Validate(); err != nil {
		return Outcome{}, &planError{err}
	}
	reqs, _ := p.requests()
	now := time.Now()
	runID, group := p.runID(now)
	dir := filepath.Join(p.Outputs.Dir, runID)
	if _, err := os.Stat(dir); err == nil {
		return Outcome{}, &planError{fmt.Errorf("%s already exists; choose another run id or results directory", dir)}
	}
	var probe *results.Probe
	if !p.NoProbe {
		var err error
		if probe, err = p.probe(ctx, reqs[0]); err != nil {
			return Outcome{}, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Outcome{}, err
	}
	start := time.Now() // after the probe
	if !p.Outputs.StartAt.IsZero() {
		var ok bool
		if start, ok = waitStart(ctx, p.Outputs.StartAt); !ok {
			os.RemoveAll(dir) // nothing was sent: leave no half run behind
			return Outcome{}, ErrStartInterrupted
		}
	}
	x := &execution{plan: &p, dir: dir, start: start, man: p.manifest(runID, group, start, len(reqs))}
	x.man.Probe = probe
	return x.run(ctx, reqs)
}

// execution is one Execute from the first manifest on.
type execution struct {
	plan      *Plan
	dir       string
	start     time.Time
	man       *results.Manifest
	manifest  *results.ManifestWriter
	writer    *results.Writer
	progress  Progress
	simulated atomic.Bool
	// partClosed pokes the manifest's rewriter when a part is closed, so
	// the manifest lists it at once.
	partClosed chan struct{}
	// client measures the client itself while the dispatch runs.
	client *clientMeter
}

func (x *execution) run(ctx context.Context, reqs []workloads.Request) (Outcome, error) {
	p, man := x.plan, x.man
	var err error
	if x.manifest, err = results.NewManifestWriter(p.Outputs.FS, x.dir, man); err != nil {
		return Outcome{}, err
	}
	x.partClosed = make(chan struct{}, 1)
	x.writer, err = results.NewWriter(x.dir, man.RunID, results.WriterConfig{PartRows: p.Outputs.PartRows,
		PartInterval: p.Outputs.PartInterval, FS: p.Outputs.FS, OnPart: x.onPart})
	if err != nil {
		return x.finish(results.StopFailed, err)
	}
	tel, err := x.startTelemetry(ctx)
	if err != nil {
		return x.finish(results.StopFailed, err, x.writer.Close())
	}
	dc := p.dispatchConfig(reqs, x.start, SinkFunc(x.write), x.identity())
	begin := Started{RunID: man.RunID, Dir: x.dir, Start: x.start, Planned: dc.total(), Duration: p.Load.Duration, Warmup: p.Load.Warmup}
	x.progress.Begin(begin)
	for _, o := range p.Observers {
		o.Begin(begin)
	}
	x.client = startClientMeter(p.Load.SpinWait > 0)
	dc.OwnLag = x.client.observe
	stopLive := x.keepManifestCurrent()
	res, runErr := Dispatch(ctx, dc)
	stopLive()
	// The client's figures are the dispatch's, without closing the files.
	x.man.Client, x.client = x.client.info(), nil
	closeErr := x.writer.Close()
	if tel != nil {
		info, err := stopTelemetry(tel, p.Telemetry)
		man.Telemetry = info
		if err != nil {
			p.log(fmt.Sprintf("telemetry: %v", err))
		}
	}
	if errors.Is(runErr, closeErr) {
		closeErr = nil // the sink's failure is the writer's: say it once
	}
	x.man.Load.Phases = res.Phases
	return x.finish(cmp.Or(res.StopReason, results.StopFailed), runErr, closeErr)
}

// finish finalises the manifest with the stop reason, or as failed with
// the first of errs (the root cause) as its stop detail, and returns the
// outcome with every error joined. The final manifest is written in the
// space NewManifestWriter held back, so a full disk still gets one.
func (x *execution) finish(stop string, errs ...error) (Outcome, error) {
	man := x.man
	man.EndedAt = time.Now().UTC()
	man.StopReason = stop
	if x.writer != nil {
		x.update()
	}
	if err := errors.Join(errs...); err != nil {
		man.StopReason = results.StopFailed
		for _, e := range errs {
			if e != nil {
				man.StopDetail = e.Error()
				break
			}
		}
	}
	measured := x.progress.Snapshot().Measured
	out := Outcome{RunID: man.RunID, Dir: x.dir, Manifest: man, StopReason: man.StopReason, Start: x.start, End: man.EndedAt,
		Requests: man.Requests, Measured: measured, Errors: x.progress.Errors(), Failure: x.plan.judge(measured)}
	if err := x.manifest.Close(man); err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// onPart is the writer's note that a part was closed.
func (x *execution) onPart(string) {
	select {
	case x.partClosed <- struct{}{}:
	default: // a rewrite is already due
	}
}

// write is the run's sink: every stamped record goes to the Parquet
// parts, then to the live counters and the observers.
func (x *execution) write(r results.Record) error {
	if err := x.writer.Write(r); err != nil {
		return err
	}
	if r.Simulated {
		x.simulated.Store(true)
	}
	x.progress.Observe(&r)
	for _, o := range x.plan.Observers {
		o.Observe(&r)
	}
	return nil
}

// update copies the live counts, parts and client figures into the
// manifest. The manifest's counts are the progress counters: both count
// every record the writer took.
func (x *execution) update() {
	x.man.Requests = x.progress.Snapshot().Counts()
	x.man.Parts = x.writer.Parts()
	x.man.Target.Simulated = x.man.Target.Simulated || x.simulated.Load()
	if x.client != nil {
		x.man.Client = x.client.info()
	}
}

// keepManifestCurrent rewrites the manifest every ManifestInterval while
// the run goes, and whenever a part is closed, so a reader (or a crash)
// sees counts of at most that age and every closed part listed. The
// returned func stops it and waits.
func (x *execution) keepManifestCurrent() (stop func()) {
	every := cmp.Or(x.plan.Outputs.ManifestInterval, 5*time.Second)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			case <-x.partClosed:
			}
			x.update()
			x.man.UpdatedAt = time.Now().UTC()
			if err := x.manifest.Write(x.man); err != nil {
				x.plan.log(fmt.Sprintf("manifest: %v", err))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (x *execution) identity() Identity {
	t := x.plan.TargetInfo
	return Identity{RunID: x.man.RunID, Target: t.Name, TargetKind: t.Kind, Provider: t.Provider, Model: t.Model,
		Workload: x.man.Workload.Name, Simulated: t.Simulated, Prices: x.man.Prices}
}

func (x *execution) startTelemetry(ctx context.Context) (*telemetry.Session, error) {
	t := x.plan.Telemetry
	if !t.enabled() {
		return nil, nil
	}
	sess, err := telemetry.Start(context.WithoutCancel(ctx), telemetry.Config{
		GPUMetricsURL: t.GPUMetricsURL, ServerMetricsURL: t.ServerMetricsURL, NVML: t.NVML, Interval: t.Interval,
		RunDir: x.dir, RunID: x.man.RunID, Clock: results.NewClock(x.start),
		Log: func(s string) { x.plan.log("telemetry: " + s) },
	})
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	return sess, nil
}

// stopTelemetry takes a last sample, closes the files and describes them
// for the manifest.
func stopTelemetry(sess *telemetry.Session, t Telemetry) (*results.TelemetryInfo, error) {
	st, err := sess.Stop()
	info := &results.TelemetryInfo{GPUMetricsURL: results.RedactURL(t.GPUMetricsURL), ServerMetricsURL: results.RedactURL(t.ServerMetricsURL),
		IntervalNs: int64(cmp.Or(t.Interval, time.Second)), NVML: st.NVML, Files: st.Files, GPURows: st.GPURows, ServerRows: st.ServerRows}
	for _, s := range st.Samplers {
		for class, n := range s.FailuresByClass {
			if info.Failures == nil {
				info.Failures = map[string]int64{}
			}
			info.Failures[class] += n
		}
	}
	return info, err
}

// log passes s to the plan's Log with every URL in it redacted: a
// telemetry failure quotes the URL it failed on.
func (p *Plan) log(s string) {
	if p.Log != nil {
		p.Log(results.RedactText(s))
	}
}

// runID is the run's id (generated when the plan names none) with its
// shard's suffix, and the id all its shards share.
func (p *Plan) runID(now time.Time) (id, group string) {
	group = p.Outputs.RunID
	if group == "" {
		group = NewRunID(now, p.TargetInfo.Name)
	}
	return group + p.Outputs.Shard.Suffix(), group
}

// NewRunID names a run started at t against target: the UTC time, the
// target's name made safe for a directory, and a random suffix.
func NewRunID(t time.Time, target string) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, target)
	return t.UTC().Format("20060102T150405Z") + "-" + name + "-" + hex.EncodeToString(b[:])
}

// dispatchConfig is the dispatcher's part of the plan, for reqs.
func (p *Plan) dispatchConfig(reqs []workloads.Request, start time.Time, sink Sink, id Identity) DispatchConfig {
	l := p.Load
	dc := DispatchConfig{Target: p.Target, Workload: reqs, Flow: l.Flow, Abort: p.Abort, Sink: sink, Identity: id, Start: start}
	switch l.Mode {
	case ModeConcurrency:
		dc.Concurrency = l.Concurrency
	case ModeReplay:
		// With sessions only each conversation's first turn is paced;
		// later turns follow their answers.
		starts := SessionStarts(reqs, l.Sessions)
		offs := make([]time.Duration, len(starts))
		for i, wi := range starts {
			offs[i], _ = reqs[wi].At()
		}
		dc.Pacer, dc.Replay = ReplayPacer(offs, l.TimeScale), true
	default:
		dc.Pacer = ArrivalPacer(l.Arrival, l.Rate, ShardSeed(l.Seed, p.Outputs.Shard))
	}
	return dc
}

// manifest is the manifest written when the run starts.
func (p *Plan) manifest(runID, group string, start time.Time, requests int) *results.Manifest {
	l := p.Load
	load := results.LoadInfo{Mode: string(l.Mode), Requests: l.Requests, DurationNs: int64(l.Duration), Warmup: l.Warmup,
		MaxInFlight: l.MaxInFlight, TimeoutNs: int64(l.RequestTimeout), DrainNs: int64(cmp.Or(l.DrainTimeout, defaultDrain)),
		Sessions: l.Sessions, ThinkTimeNs: int64(l.ThinkTime)}
	switch l.Mode {
	case ModeConcurrency:
		load.Concurrency = l.Concurrency
	case ModeReplay:
		load.TimeScale = l.TimeScale
	case ModeRate:
		load.Rate, load.Arrival, load.Seed = l.Rate, cmp.Or(l.Arrival.String(), "poisson"), int64(l.Seed)
		if s := ShardSeed(l.Seed, p.Outputs.Shard); s != l.Seed {
			load.ShardSeed = s
		}
	}
	w := p.Workload
	host, _ := os.Hostname()
	m := &results.Manifest{
		SchemaVersion: results.SchemaVersion,
		RunID:         runID,
		Tool:          p.Tool,
		Host:          results.Host{Hostname: host, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()},
		StartedAt:     start.UTC(),
		StopReason:    results.StopRunning,
		Target:        p.TargetInfo,
		Workload: results.WorkloadInfo{Name: w.Name, Path: w.Path, Format: string(w.Format), SHA256: w.SHA256,
			Requests: requests, Skipped: w.Skipped},
		Load: load,
		Args: results.RedactArgs(p.Args),
	}
	if s := p.Outputs.Shard; s.Count > 0 {
		m.Shard = &results.ShardInfo{Index: s.Index, Count: s.Count, Group: group, StartAt: p.Outputs.StartAt.UTC()}
	}
	if p.Prices != nil {
		pr := *p.Prices
		m.Prices = &pr
	}
	return m
}

// Summary is the run in one line: its target, requests by status, how
// long it took and why it stopped.
func (o Outcome) Summary() string {
	c := o.Requests
	return fmt.Sprintf("%s: %d requests (%d ok, %d failed, %d canceled) in %s; stop reason: %s",
		o.Manifest.Target.Name, c.Sent, c.OK, c.Failed, c.Canceled, o.End.Sub(o.Start).Round(time.Millisecond), o.StopReason)
}
