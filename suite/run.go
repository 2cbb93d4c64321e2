package suite

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// Run is one run, declared: what the flags of `inferbench run` say, or
// one target of a suite file. Build turns it into a bench.Plan (or a
// bench.SweepPlan). Its zero value is not useful: start from NewRun,
// which holds the documented defaults, and set what is given.
type Run struct {
	Target    Target
	Workload  Workload
	Load      Load
	Outputs   Outputs
	Telemetry bench.Telemetry
	Price     Price
	// Given names the settings given explicitly, by their flag names
	// (Setting.ID): over a targets file's entry only the target settings
	// given apply, and a setting given applies even when it is zero
	// (retries 0 turns the file's retries off).
	Given map[string]bool
}

// Target is what the run is sent to.
type Target struct {
	// File and Name pick an entry of a targets file (Name may be empty
	// when the file declares one target); the Spec settings given apply
	// over it.
	File, Name string
	// Spec declares the target (a preset fills what it leaves empty).
	Spec targetspec.Spec
	// Sim, when set, is a simulator served in process for this target:
	// its URL becomes the spec's base URL once Serve has started it.
	Sim *Sim
}

// Workload is what to send and how to read it.
type Workload struct {
	// Path is a workload file in any supported format, or "sample".
	Path string
	// Format names the file's format ("" detects it).
	Format string
	// Import are the reading options (Format is taken from Format).
	Import workloads.ImportOptions
	// OutputLen is how many output tokens each request asks for.
	OutputLen OutputLen
	// Loaded is the workload already loaded (a suite loads it once for
	// all its targets); nil loads Path.
	Loaded *workloads.Workload
	err    error // the problem loading it once gave
}

// Load is how hard and how long to send, and the ladder of a sweep.
type Load struct {
	// Exactly one of Rates, Concurrency and Replay gives the mode; a list
	// of more than one rate or concurrency is a sweep, one run per level.
	Rates       Rates
	Concurrency Levels
	Replay      bool
	// Arrival is the gap process of rates (poisson, constant, gamma:CV)
	// and Seed the seed of random gaps.
	Arrival string
	Seed    uint64
	// TimeScale multiplies a replay's recorded offsets.
	TimeScale float64
	bench.Flow
	// RequestTimeout is the total timeout of one request.
	RequestTimeout time.Duration
	// SweepPause is the wait between the levels of a sweep.
	SweepPause time.Duration
	// Saturate stops a sweep at the first level where fewer than
	// reports.DefaultAttainment of requests meet SLO.
	Saturate bool
	SLO      reports.SLO
	// MaxErrorRate, when set, fails a run in which a larger share of the
	// measured requests failed (bench.Plan's).
	MaxErrorRate *float64
	// NoProbe skips the probe request (bench.Plan's).
	NoProbe bool
}

// Outputs says where the run is written.
type Outputs struct {
	Dir, RunID string
	Shard      workloads.Shard
	// StartAt is an RFC 3339 time to start at ("" = now).
	StartAt          string
	PartRows         int
	PartInterval     time.Duration
	ManifestInterval time.Duration
}

// Price says how the run's requests are priced (prices.RunQuery).
type Price struct {
	// Explicit are prices given outright: per token, or the hourly total
	// of all the target's GPUs.
	Explicit results.Prices
	// Provider names the catalogue provider to price the model at.
	Provider string
	// GPUs are the target's GPUs, priced from the catalogue (Type "" =
	// none).
	GPUs prices.GPUSpec
	// Catalog is a file of catalogue overrides ("" = the shipped one).
	Catalog string
}

// NewRun is a run with every default set: Poisson arrivals with seed 1,
// time scale 1, a 10 minute request timeout, a 30 s drain, Parquet parts
// of 10000 rows or 10 s, telemetry every second, the default tokenizer.
func NewRun() Run {
	return Run{
		Workload: Workload{Import: workloads.ImportOptions{Tokenizer: workloads.DefaultTokenizer}},
		Load: Load{Arrival: "poisson", Seed: 1, TimeScale: 1, RequestTimeout: 10 * time.Minute,
			Flow: bench.Flow{DrainTimeout: 30 * time.Second}},
		Outputs:   Outputs{PartRows: 10000, PartInterval: 10 * time.Second},
		Telemetry: bench.Telemetry{Interval: time.Second},
		Given:     map[string]bool{},
	}
}

// Rate is one request rate, with the text it was given as.
type Rate struct {
	PerSec float64
	Text   string
}

// Rates is one rate, or a sweep's ladder of rates: "5/s", "300/m", a bare
// number per second, or a comma-separated list ("1/s,2/s,4/s"). Setting
// it again replaces the list.
type Rates []Rate

func (l *Rates) String() string {
	if l == nil {
		return ""
	}
	s := make([]string, len(*l))
	for i, r := range *l {
		s[i] = r.Text
	}
	return strings.Join(s, ",")
}

// Set parses a rate or a list of rates (workloads.ParseRate).
func (l *Rates) Set(s string) error {
	var out Rates
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		v, err := workloads.ParseRate(part)
		if err != nil {
			return err
		}
		out = append(out, Rate{v, part})
	}
	*l = out
	return nil
}

// Levels is one concurrency, or a sweep's ladder ("1,2,4,8"); every level
// must be > 0.
type Levels []int

func (l *Levels) String() string {
	if l == nil {
		return ""
	}
	s := make([]string, len(*l))
	for i, n := range *l {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// Set parses a level or a comma-separated list of levels.
func (l *Levels) Set(s string) error {
	var out Levels
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n <= 0 {
			return fmt.Errorf("%q: want a positive number of virtual users, or a list such as 1,2,4,8", part)
		}
		out = append(out, n)
	}
	*l = out
	return nil
}
