package bench

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/telemetry"
	"github.com/inferbench/inferbench/workloads"
)

// Plan is one run: what to send, to which target, how hard, what to
// sample alongside, at what price and where to write it. Execute runs it;
// Validate reports every problem with it at once. The zero value of each
// optional field means its documented default.
type Plan struct {
	// Target receives the requests; the caller builds it (bench never
	// imports targets). TargetInfo is what the manifest and every record
	// say about it (never a secret).
	Target     Target
	TargetInfo results.TargetInfo
	// Workload is what to send, as loaded; Execute takes this shard's part
	// of it, in arrival order for a replay.
	Workload *workloads.Workload
	Load     Load
	Outputs  Outputs
	// Telemetry samples GPUs and the server alongside the run.
	Telemetry Telemetry
	// Prices is the price snapshot every request is priced with
	// (prices.Catalog.ForRun); nil leaves cost_usd 0.
	Prices *results.Prices
	// Tool is the binary that runs the plan; Args its command line (no
	// secrets), both for the manifest.
	Tool results.Tool
	Args []string
	// Log receives notes for the user (telemetry failures); nil is silent.
	Log func(string)
	// Abort, when closed, cancels the requests in flight (the second
	// Ctrl-C); cancelling Execute's ctx only stops scheduling and drains.
	Abort <-chan struct{}
	// Observers see the run start and every record once stamped (progress,
	// live metrics), from one goroutine at a time.
	Observers []Observer
	// MaxErrorRate, when set, fails a run in which more than this fraction
	// (0 to 1) of the measured requests that finished failed (canceled
	// ones are left out); nil: only a run in which no measured request
	// succeeded fails (Outcome.Failure).
	MaxErrorRate *float64
	// NoProbe skips the probe: by default Execute sends one request before
	// the load and stops when it fails (see probe.go).
	NoProbe bool
}

// Mode is how load is generated.
type Mode string

// The load modes.
const (
	// ModeRate is an open loop at Load.Rate with Load.Arrival's gaps.
	ModeRate Mode = "rate"
	// ModeConcurrency is a closed loop of Load.Concurrency virtual users.
	ModeConcurrency Mode = "concurrency"
	// ModeReplay sends each request at its own at_ms, times Load.TimeScale.
	ModeReplay Mode = "replay"
)

// Load is how hard and how long a plan sends.
type Load struct {
	Mode Mode
	// Rate is requests per second (ModeRate); Arrival its gap process
	// (zero: Poisson) and Seed the seed of random gaps.
	Rate    float64
	Arrival workloads.Arrival
	Seed    uint64
	// Concurrency is the number of virtual users (ModeConcurrency).
	Concurrency int
	// TimeScale multiplies recorded offsets (ModeReplay; must be > 0,
	// 0.1 replays ten times faster).
	TimeScale float64
	// Flow is how the requests are sent (DispatchConfig's).
	Flow
	// RequestTimeout is the target's timeout of one request, recorded in
	// the manifest (the target enforces it).
	RequestTimeout time.Duration
}

// Outputs says where and how a run is written.
type Outputs struct {
	// Dir is the results directory; the run goes to Dir/RunID.
	Dir string
	// RunID names the run (default: UTC time, target name and a random
	// suffix). A shard's directory adds Shard's suffix.
	RunID string
	// Shard runs part of the workload under a run id all shards share.
	Shard workloads.Shard
	// StartAt waits until this wall-clock time before starting (at most
	// MaxStartWait ahead; up to MaxStartLate in the past starts at once
	// with the shared time base); zero starts now.
	StartAt time.Time
	// PartRows and PartInterval rotate the Parquet parts (default 10000
	// rows, 10s).
	PartRows     int
	PartInterval time.Duration
	// ManifestInterval is how often the manifest's counts and parts are
	// rewritten while the run goes (default 5s); it is also rewritten
	// whenever a part is closed.
	ManifestInterval time.Duration
	// FS is where the manifest and the request parts are written (nil:
	// the operating system's); tests give one that fills up.
	FS results.FS
}

// Telemetry is what to sample alongside a run.
type Telemetry struct {
	GPUMetricsURL, ServerMetricsURL string
	NVML                            bool
	// Interval between samples (default 1s).
	Interval time.Duration
}

func (t Telemetry) enabled() bool { return t.GPUMetricsURL != "" || t.ServerMetricsURL != "" || t.NVML }

// Observer watches a run as it goes: progress, live metrics, checks.
type Observer interface {
	// Begin is called once, when the run starts sending (after any
	// StartAt wait).
	Begin(Started)
	// Observe is called with every record once it is stamped, from one
	// goroutine at a time; it must not keep r.
	Observe(r *results.Record)
}

// Started describes a run that has begun.
type Started struct {
	RunID, Dir string
	Start      time.Time
	// Planned is the number of requests the plan sends (warm-up
	// included), or -1 when only a duration or an interrupt ends it.
	Planned int
	// Duration is the measured phase's duration limit (0: none) and
	// Warmup the warm-up requests sent before it.
	Duration time.Duration
	Warmup   int
}

// FieldError is one problem with one setting of a plan. The setting, and
// any setting Msg refers to as {name}, is named in the command line's
// spelling (run-id, think-time), so Render can name it the way the user
// wrote it: a flag, a YAML key.
type FieldError struct {
	// Setting is the setting at fault; "" for the plan as a whole.
	Setting string
	Msg     string
}

func (e *FieldError) Error() string { return e.Render(func(s string) string { return s }) }

var settingRef = regexp.MustCompile(`\{[a-z0-9-]+\}`)

// Render names the setting and each {setting} of Msg with name.
func (e *FieldError) Render(name func(setting string) string) string {
	msg := settingRef.ReplaceAllStringFunc(e.Msg, func(m string) string { return name(m[1 : len(m)-1]) })
	if e.Setting == "" {
		return msg
	}
	return name(e.Setting) + " " + msg
}

func problem(setting, format string, args ...any) error {
	return &FieldError{Setting: setting, Msg: fmt.Sprintf(format, args...)}
}

var validRunID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Validate reports every problem with the plan at once, as FieldErrors
// (errors.Join), checking the start time against the clock now.
func (p *Plan) Validate() error {
	var errs []error
	if p.Target == nil {
		errs = append(errs, problem("target", "is required"))
	}
	if p.Workload == nil || len(p.Workload.Requests) == 0 {
		errs = append(errs, problem("workload", `is required (a JSON Lines file, or "sample")`))
	} else if _, err := p.requests(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, p.Load.problems()...)
	errs = append(errs, p.Outputs.problems(time.Now())...)
	errs = append(errs, p.Telemetry.problems()...)
	if p.Prices != nil {
		if err := prices.CheckSnapshot(*p.Prices); err != nil {
			errs = append(errs, &FieldError{Msg: err.Error()})
		}
	}
	if r := p.MaxErrorRate; r != nil && !(*r >= 0 && *r <= 1) {
		errs = append(errs, problem("max-error-rate", "must be a fraction from 0 to 1 (or a percentage), got %g", *r))
	}
	return errors.Join(errs...)
}

// Bounds of a plan's numeric settings, checked by Validate: wide enough
// for any real run, narrow enough that a typo (an extra zero group, 1e300,
// a unit slip) stops the run before anything is written. Rates and gamma
// CVs are bounded by workloads.CheckRate and workloads.MaxCV, a replay's
// time scale by workloads.MinTimeScale and workloads.MaxTimeScale.
const (
	// MaxConcurrency bounds the virtual users and the in-flight cap.
	MaxConcurrency = 100_000
	// MaxRequests bounds the measured and the warm-up requests.
	MaxRequests = 1_000_000_000
	// MaxRunDuration bounds --duration.
	MaxRunDuration = 30 * 24 * time.Hour
	// MaxWait bounds the request and drain timeouts and the think time.
	MaxWait = 24 * time.Hour
	// MaxSpinWait bounds the busy wait before each open-loop send.
	MaxSpinWait = 100 * time.Millisecond
	// MaxPartRows bounds the rows of one Parquet part.
	MaxPartRows = 10_000_000
	// MinInterval and MaxInterval bound the part, manifest and telemetry
	// intervals.
	MinInterval, MaxInterval = 100 * time.Millisecond, time.Hour
)

// problems checks the load.
func (l *Load) problems() []error {
	var errs []error
	switch l.Mode {
	case ModeRate:
		if err := workloads.CheckRate(l.Rate); err != nil {
			errs = append(errs, problem("rate", "%v", err))
		}
		switch l.Arrival.Kind {
		case "", "poisson", "constant":
		case "gamma":
			if !(l.Arrival.CV > 0 && l.Arrival.CV <= workloads.MaxCV) {
				errs = append(errs, problem("arrival", "%q: want gamma:CV with 0 < CV <= %d", l.Arrival, workloads.MaxCV))
			}
		default:
			errs = append(errs, problem("arrival", "%q: want poisson, constant or gamma:CV", l.Arrival))
		}
	case ModeConcurrency:
		if l.Concurrency <= 0 || l.Concurrency > MaxConcurrency {
			errs = append(errs, problem("concurrency", "must be from 1 to %d, got %d", MaxConcurrency, l.Concurrency))
		}
	case "":
		errs = append(errs, problem("", "give exactly one of {rate}, {concurrency} and {replay}"))
	case ModeReplay:
	default:
		errs = append(errs, problem("", "load mode %q: want rate, concurrency or replay", l.Mode))
	}
	// A time scale is checked whenever it is set: a NaN must not pass
	// because the mode ignores it.
	if l.Mode == ModeReplay || l.TimeScale != 0 {
		if !(l.TimeScale >= workloads.MinTimeScale && l.TimeScale <= workloads.MaxTimeScale) {
			errs = append(errs, problem("time-scale", "must be from %g to %g, got %g", workloads.MinTimeScale, workloads.MaxTimeScale, l.TimeScale))
		}
	}
	errs = append(errs, l.Flow.problems()...)
	errs = append(errs, l.bounds()...)
	return errs
}

// bounds checks the upper bounds of the load's counts and durations (the
// flow checks that none is negative), and the request timeout.
func (l *Load) bounds() []error {
	var errs []error
	for _, n := range []struct {
		setting string
		v, max  int
	}{{"requests", l.Requests, MaxRequests}, {"warmup", l.Warmup, MaxRequests}, {"max-inflight", l.MaxInFlight, MaxConcurrency}} {
		if n.v > n.max {
			errs = append(errs, problem(n.setting, "must be at most %d, got %d", n.max, n.v))
		}
	}
	for _, d := range []struct {
		setting string
		v, max  time.Duration
	}{{"duration", l.Duration, MaxRunDuration}, {"think-time", l.ThinkTime, MaxWait}, {"spin-wait", l.SpinWait, MaxSpinWait},
		{"drain-timeout", l.DrainTimeout, MaxWait}, {"timeout", l.RequestTimeout, MaxWait}} {
		if d.v > d.max {
			errs = append(errs, problem(d.setting, "must be at most %s, got %s", d.max, d.v))
		}
	}
	if l.RequestTimeout < 0 {
		errs = append(errs, problem("timeout", "must not be negative, got %s", l.RequestTimeout))
	}
	return errs
}

// problems checks where the run goes, and its start time against now.
func (o *Outputs) problems(now time.Time) []error {
	var errs []error
	if o.Dir == "" {
		errs = append(errs, problem("out", "is required"))
	}
	if o.RunID != "" && !validRunID.MatchString(o.RunID) {
		errs = append(errs, problem("run-id", "%q: use letters, digits, '.', '_' and '-'", o.RunID))
	}
	if !o.Shard.Valid() {
		errs = append(errs, problem("shard", "%d/%d: want I/N with 0 <= I < N", o.Shard.Index, o.Shard.Count))
	} else if o.Shard.Count > 0 && o.RunID == "" {
		errs = append(errs, problem("shard", "needs {run-id}, the name all shards share"))
	}
	if !o.StartAt.IsZero() {
		if err := CheckStartAt(o.StartAt, now); err != nil {
			errs = append(errs, problem("start-at", "%v", err))
		}
	}
	if o.PartRows < 0 || o.PartRows > MaxPartRows {
		errs = append(errs, problem("part-rows", "must be from 1 to %d (0: the default), got %d", MaxPartRows, o.PartRows))
	}
	errs = append(errs, intervalProblem("part-interval", o.PartInterval)...)
	errs = append(errs, intervalProblem("manifest-interval", o.ManifestInterval)...)
	return errs
}

// intervalProblem checks an interval: 0 (the default) or within
// [MinInterval, MaxInterval].
func intervalProblem(setting string, d time.Duration) []error {
	if d != 0 && (d < MinInterval || d > MaxInterval) {
		return []error{problem(setting, "must be from %s to %s (0: the default), got %s", MinInterval, MaxInterval, d)}
	}
	return nil
}

// problems checks the telemetry endpoints (through telemetry's own check).
func (t *Telemetry) problems() []error {
	var errs []error
	errs = append(errs, intervalProblem("telemetry-interval", t.Interval)...)
	if err := (telemetry.Config{GPUMetricsURL: t.GPUMetricsURL, ServerMetricsURL: t.ServerMetricsURL, RunDir: "-"}).Validate(); err != nil {
		errs = append(errs, &FieldError{Msg: err.Error()})
	}
	return errs
}

// requests are the requests the plan sends: its shard's part of the
// workload, in arrival order for a replay (a copy; the workload stays as
// loaded, so a sweep shares it).
func (p *Plan) requests() ([]workloads.Request, error) {
	w := p.Workload
	reqs := p.Outputs.Shard.Of(w.Requests, p.Load.Sessions)
	if len(reqs) == 0 {
		return nil, problem("shard", "%s: %s has no requests for this shard", p.Outputs.Shard, w.Name)
	}
	if p.Load.Mode != ModeReplay {
		return reqs, nil
	}
	reqs = append([]workloads.Request(nil), reqs...)
	if err := workloads.SortForReplay(reqs); err != nil {
		return nil, problem("", "%s: %v", w.Name, err)
	}
	// The last arrival times the time scale must fit a run (and a
	// time.Duration); an invalid time scale is Load's problem.
	last, _ := reqs[len(reqs)-1].At()
	if ts := p.Load.TimeScale; ts >= workloads.MinTimeScale && ts <= workloads.MaxTimeScale && last.Seconds()*ts > MaxRunDuration.Seconds() {
		return nil, problem("time-scale", "%g makes the replay of %s last %.0f h (its last at_ms times the time scale), over the %.0f h a run may last",
			ts, w.Name, last.Hours()*ts, MaxRunDuration.Hours())
	}
	return reqs, nil
}

// FormatProblems writes err, the problems of a plan, one per line, naming
// each setting of a FieldError with name (a flag, a YAML key); other
// errors read as they are.
func FormatProblems(err error, name func(setting string) string) string {
	var lines []string
	var walk func(error)
	walk = func(e error) {
		if pe, ok := e.(*planError); ok {
			e = pe.err
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var fe *FieldError
		if errors.As(e, &fe) {
			lines = append(lines, fe.Render(name))
			return
		}
		lines = append(lines, e.Error())
	}
	walk(err)
	return strings.Join(lines, "\n")
}
