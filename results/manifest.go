package results

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Stop reasons written to the manifest.
const (
	StopCompleted   = "completed"   // the request count or the workload ran out
	StopDuration    = "duration"    // --duration elapsed
	StopInterrupted = "interrupted" // first Ctrl-C: scheduling stopped, in-flight drained
	StopCanceled    = "canceled"    // second Ctrl-C: in-flight requests canceled
	StopFailed      = "failed"      // the harness itself failed (e.g. the disk)
	StopRunning     = "running"     // written at start; seen only after a crash
)

// ManifestFile is the name of the manifest inside a run directory.
const ManifestFile = "manifest.json"

// Manifest describes a run: what was asked, what ran, and why it stopped.
// It is written when the run starts (stop_reason "running") and rewritten
// when it ends, so a crash leaves a manifest that says so.
type Manifest struct {
	SchemaVersion int       `json:"schema_version"`
	RunID         string    `json:"run_id"`
	Tool          Tool      `json:"tool"`
	Host          Host      `json:"host"`
	StartedAt     time.Time `json:"started_at"`
	// UpdatedAt is when the manifest was last written while the run went:
	// the time its live counts (Requests, Parts) are from.
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
	EndedAt    time.Time `json:"ended_at,omitzero"`
	StopReason string    `json:"stop_reason"`
	StopDetail string    `json:"stop_detail,omitempty"`

	Target   TargetInfo   `json:"target"`
	Workload WorkloadInfo `json:"workload"`
	Load     LoadInfo     `json:"load"`
	// Prices is the price snapshot the run's cost_usd was computed from.
	Prices *Prices `json:"prices,omitempty"`

	Requests RequestCounts `json:"requests"`
	// Probe is the request sent before the load to check the target
	// answers (absent with --no-probe, and on every level of a sweep but
	// the first). It is not a row of the run.
	Probe *Probe `json:"probe,omitempty"`
	// Telemetry says what was sampled alongside the run, if anything.
	Telemetry *TelemetryInfo `json:"telemetry,omitempty"`
	// Shard is set when this run is one shard of a run split across load
	// generators (inferbench run --shard).
	Shard *ShardInfo `json:"shard,omitempty"`
	// Client is the load generator's check of itself: its CPU use and
	// schedule lag, and whether they say it, not the target, was the limit.
	Client *ClientInfo `json:"client,omitempty"`
	Parts  []string    `json:"parts"`
	// Args is the command line with secrets removed.
	Args []string `json:"args,omitempty"`
}

// ClientInfo is what the load generator measured of itself over a run:
// its process CPU time against the wall time and the cores it may use,
// and the schedule lag of the measured requests. Saturated says the
// client, not the target, was the limit (Reasons says which figure passed
// which limit): the offered load was not delivered as scheduled, and the
// target's latency figures include the client's own delay.
type ClientInfo struct {
	// CPUSeconds is the process's user+system CPU time over WallSeconds,
	// from the dispatch's start (warm-up included) to its end or to the
	// latest manifest update while the run goes.
	CPUSeconds  float64 `json:"cpu_seconds"`
	WallSeconds float64 `json:"wall_seconds"`
	// Cores is the cores the client may use: min(GOMAXPROCS, NumCPU).
	Cores      int `json:"cores"`
	GOMAXPROCS int `json:"gomaxprocs"`
	NumCPU     int `json:"num_cpu"`
	// CPUUtilisation is CPUSeconds / (WallSeconds x Cores), 0..1 (a
	// little over 1 is possible: the runtime has threads GOMAXPROCS does
	// not count).
	CPUUtilisation float64 `json:"cpu_utilisation"`
	// LagRequests is how many measured requests LagP99Ns is over; LagP99Ns
	// and LagMaxNs are their schedule lag (sent_ns - scheduled_ns), p99
	// from a bounded log-bucket histogram (at most 1/16 above the exact
	// value), max exact.
	LagRequests int64 `json:"lag_requests"`
	LagP99Ns    int64 `json:"lag_p99_ns"`
	LagMaxNs    int64 `json:"lag_max_ns"`
	// Saturated is true when a figure passed its limit; Reasons names
	// each, in plain words.
	Saturated bool     `json:"saturated"`
	Reasons   []string `json:"reasons,omitempty"`
}

// ShardInfo places a run among the shards of one split run: shard Index
// (0-based) of Count, all sharing the run id Group (their own run ids are
// Group-shard-I-of-N) and, when StartAt is set, the same start time.
type ShardInfo struct {
	Index   int       `json:"index"`
	Count   int       `json:"count"`
	Group   string    `json:"group"`
	StartAt time.Time `json:"start_at,omitzero"`
}

// Tool identifies the inferbench build that wrote the run.
type Tool struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	GoVersion string `json:"go_version"`
}

// Host is the load generator's machine.
type Host struct {
	Hostname string `json:"hostname"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	CPUs     int    `json:"cpus"`
}

// TargetInfo is the target without secrets: never the key itself, only the
// name of the environment variable it came from.
type TargetInfo struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Provider  string `json:"provider,omitempty"`
	Protocol  string `json:"protocol"`
	BaseURL   string `json:"base_url"`
	Model     string `json:"model"`
	APIKeyEnv string `json:"api_key_env,omitempty"`
	Simulated bool   `json:"simulated,omitempty"`
	// SimConfig is the simulator's configuration when the target is one.
	SimConfig map[string]any `json:"sim_config,omitempty"`
}

// WorkloadInfo names the workload and pins its content by digest.
type WorkloadInfo struct {
	Name     string `json:"name"`
	Path     string `json:"path,omitempty"`
	Format   string `json:"format,omitempty"`
	SHA256   string `json:"sha256"`
	Requests int    `json:"requests"`
	// Skipped counts malformed rows skipped with --skip-invalid.
	Skipped int `json:"skipped,omitempty"`
}

// LoadInfo is the resolved load plan.
type LoadInfo struct {
	Mode        string  `json:"mode"` // rate | concurrency | replay
	Rate        float64 `json:"rate_per_s,omitempty"`
	Arrival     string  `json:"arrival,omitempty"`
	Seed        int64   `json:"seed,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"`
	TimeScale   float64 `json:"time_scale,omitempty"`
	Requests    int     `json:"requests,omitempty"`
	DurationNs  int64   `json:"duration_ns,omitempty"`
	Warmup      int     `json:"warmup,omitempty"`
	MaxInFlight int     `json:"max_in_flight,omitempty"`
	TimeoutNs   int64   `json:"timeout_ns,omitempty"`
	DrainNs     int64   `json:"drain_timeout_ns,omitempty"`
	// Sessions: requests sharing a session_id were sent as conversations,
	// each turn ThinkTimeNs after the previous turn's answer.
	Sessions    bool  `json:"sessions,omitempty"`
	ThinkTimeNs int64 `json:"think_time_ns,omitempty"`
	// Phases is set for a run with a warm-up (Warmup > 0): the warm-up
	// phase, and where the measured phase began.
	Phases *Phases `json:"phases,omitempty"`
	// ShardSeed is the seed a shard of a split run drew its arrivals from,
	// derived from Seed and the shard's index (bench.ShardSeed), so that
	// shards do not send in lockstep.
	ShardSeed uint64 `json:"shard_seed,omitempty"`
}

// Phases are the two phases of a run with a warm-up. The warm-up runs
// first, from the run start (started_at, offset 0); once every warm-up
// request has finished (or the drain timeout canceled the rest), the
// measured phase starts its own schedule. Every offset of the run, warm-up
// rows, measured rows and telemetry alike, counts on one clock from
// started_at; a measured request's offset in its phase's schedule is
// scheduled_ns - MeasuredStartNs.
type Phases struct {
	Warmup WarmupPhase `json:"warmup"`
	// MeasuredStartNs is the run-clock offset where the measured phase
	// began (its schedule's time zero), and MeasuredStartedAt the same
	// instant on the wall clock. Both are absent when the run stopped
	// during the warm-up (nothing was measured).
	MeasuredStartNs   int64     `json:"measured_start_ns,omitempty"`
	MeasuredStartedAt time.Time `json:"measured_started_at,omitzero"`
}

// WarmupPhase is how the warm-up went: its requests by outcome, and how
// long it took.
type WarmupPhase struct {
	// DurationNs runs from the run start until the last warm-up request
	// finished or was canceled.
	DurationNs int64 `json:"duration_ns"`
	Sent       int64 `json:"sent"`
	OK         int64 `json:"ok"`
	Failed     int64 `json:"failed"`
	Canceled   int64 `json:"canceled"`
	// TimedOut says the drain timeout ran out with warm-up requests still
	// running: they were canceled (and counted in Canceled) before the
	// measured phase started.
	TimedOut bool `json:"timed_out,omitempty"`
}

// Prices is a per-token price snapshot (USD per 1M tokens) or a GPU-hour
// price for self-hosted targets, with where it came from. A cached-input or
// cache-write price of 0 means those tokens are billed at the input price.
type Prices struct {
	InputPer1M       float64 `json:"input_per_1m,omitempty"`
	CachedInputPer1M float64 `json:"cached_input_per_1m,omitempty"`
	CacheWritePer1M  float64 `json:"cache_write_per_1m,omitempty"`
	OutputPer1M      float64 `json:"output_per_1m,omitempty"`
	// LongContext is the price band that bills a whole request whose input
	// tokens exceed its threshold (Gemini 2.5 Pro, Claude Sonnet 4 > 200k).
	LongContext *PriceTier `json:"long_context,omitempty"`
	GPUHourly   float64    `json:"gpu_hourly_usd,omitempty"` // total for all GPUs of the target
	// GPUType, GPUCount, GPUOffer and USDPerGPUHour say how GPUHourly was
	// made up: GPUCount x USDPerGPUHour of GPUType under GPUOffer.
	GPUType       string  `json:"gpu_type,omitempty"`
	GPUCount      int     `json:"gpu_count,omitempty"`
	GPUOffer      string  `json:"gpu_offer,omitempty"`
	USDPerGPUHour float64 `json:"usd_per_gpu_hour,omitempty"`
	// Provider and Model name the price catalogue entry used, if any.
	Provider  string `json:"provider,omitempty"`
	Model     string `json:"model,omitempty"`
	Source    string `json:"source,omitempty"`
	SourceURL string `json:"source_url,omitempty"`
	CheckedAt string `json:"checked_at,omitempty"`
}

// PriceTier is a long-context price band (USD per 1M tokens).
type PriceTier struct {
	AboveInputTokens int64   `json:"above_input_tokens"`
	InputPer1M       float64 `json:"input_per_1m"`
	CachedInputPer1M float64 `json:"cached_input_per_1m,omitempty"`
	CacheWritePer1M  float64 `json:"cache_write_per_1m,omitempty"`
	OutputPer1M      float64 `json:"output_per_1m"`
}

// TelemetryInfo describes the telemetry files of a run.
type TelemetryInfo struct {
	GPUMetricsURL    string           `json:"gpu_metrics_url,omitempty"`
	ServerMetricsURL string           `json:"server_metrics_url,omitempty"`
	NVML             string           `json:"nvml,omitempty"` // "on" or "off: why"
	IntervalNs       int64            `json:"interval_ns"`
	Files            []string         `json:"files,omitempty"`
	GPURows          int64            `json:"gpu_rows"`
	ServerRows       int64            `json:"server_rows"`
	Failures         map[string]int64 `json:"failures,omitempty"` // by class: refused, timeout, malformed...
}

// Probe is how the probe request went: its status (ok or error), the
// HTTP status and error class of a failure, the server's message, and
// its latency from send to the end of the response.
type Probe struct {
	Status     string `json:"status"`
	HTTPStatus int32  `json:"http_status,omitempty"`
	ErrorClass string `json:"error_class,omitempty"`
	Message    string `json:"message,omitempty"`
	LatencyNs  int64  `json:"latency_ns"`
}

// RequestCounts summarises the rows written.
type RequestCounts struct {
	Sent     int64 `json:"sent"`
	OK       int64 `json:"ok"`
	Failed   int64 `json:"failed"`
	Canceled int64 `json:"canceled"`
	Warmup   int64 `json:"warmup"`
}

// WriteManifest writes m to dir/manifest.json atomically (write to a temp
// file, then rename), so a reader never sees half a manifest. What it
// writes is m.Redacted(): no URL on disk carries a credential.
func WriteManifest(dir string, m *Manifest) error {
	return writeManifest(OS, dir, m)
}

func writeManifest(fsys FS, dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m.Redacted(), "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	b = append(b, '\n')
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(dir, ".manifest-"+hex.EncodeToString(rnd[:])+".json.tmp")
	f, err := fsys.Create(tmp)
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, filepath.Join(dir, ManifestFile))
	}
	if err != nil {
		_ = fsys.Remove(tmp)
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// Redacted is a copy of m with every URL in it redacted (RedactURL): the
// target's base URL, the telemetry endpoints, the command line and the
// stop detail. WriteManifest writes it and ReadManifest returns it, so
// even a run written before redaction existed never shows a credential.
func (m *Manifest) Redacted() *Manifest {
	c := *m
	c.Target.BaseURL = RedactURL(c.Target.BaseURL)
	if t := c.Telemetry; t != nil {
		tc := *t
		tc.GPUMetricsURL, tc.ServerMetricsURL = RedactURL(tc.GPUMetricsURL), RedactURL(tc.ServerMetricsURL)
		c.Telemetry = &tc
	}
	c.Args = RedactArgs(c.Args)
	c.StopDetail = RedactText(c.StopDetail)
	return &c
}

// ManifestReserveBytes is the disk space a ManifestWriter holds back for
// the final manifest.
const ManifestReserveBytes = 64 << 10

// reserveFile is the hidden file that holds the space back.
const reserveFile = ".manifest.reserve"

// ManifestWriter writes a run's manifest while the run goes and once at
// its end, and makes sure that last one can be written on a disk the run
// filled: it holds ManifestReserveBytes of the disk in a hidden file from
// the start and gives them back just before the final write. Writes are
// atomic (WriteManifest) and serialised.
type ManifestWriter struct {
	mu  sync.Mutex
	dir string
	fs  FS
}

// NewManifestWriter reserves the space for dir's final manifest on fsys
// (nil: OS) and writes m, the manifest of a run that starts.
func NewManifestWriter(fsys FS, dir string, m *Manifest) (*ManifestWriter, error) {
	w := &ManifestWriter{dir: dir, fs: orOS(fsys)}
	if err := w.reserve(); err != nil {
		return nil, err
	}
	if err := w.Write(m); err != nil {
		_ = w.fs.Remove(filepath.Join(dir, reserveFile))
		return nil, err
	}
	return w, nil
}

// reserve writes the reserve file with real bytes (not a sparse file,
// which would hold nothing back) and syncs it.
func (w *ManifestWriter) reserve() error {
	name := filepath.Join(w.dir, reserveFile)
	f, err := w.fs.Create(name)
	if err != nil {
		return fmt.Errorf("reserve space for the manifest: %w", err)
	}
	_, err = f.Write(make([]byte, ManifestReserveBytes))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = w.fs.Remove(name)
		return fmt.Errorf("reserve space for the manifest: %w", err)
	}
	return nil
}

// Write rewrites the manifest (the live counts of a run that goes).
func (w *ManifestWriter) Write(m *Manifest) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return writeManifest(w.fs, w.dir, m)
}

// Close gives the reserved space back and writes the final manifest.
func (w *ManifestWriter) Close(m *Manifest) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.fs.Remove(filepath.Join(w.dir, reserveFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write manifest: %w", err)
	}
	return writeManifest(w.fs, w.dir, m)
}

// ReadManifest reads dir/manifest.json, redacted (Manifest.Redacted).
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	return m.Redacted(), nil
}
