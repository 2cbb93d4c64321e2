package workloads

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The settings of the workload commands as given (a command's flags),
// checked all at once and named as the flags name them.

// SynthOptions are the settings of a synthesised workload, before
// parsing: distributions, rate and arrival as text.
type SynthOptions struct {
	// Args are positional arguments, which synth takes none of.
	Args                               []string
	InputLen, OutputLen, Rate, Arrival string
	N, SharedPrefix                    int
	Tokenizer                          string
	Seed                               int64
	// Out is the file to write.
	Out string
}

// Spec parses the options into the spec Generate takes, reporting every
// problem at once.
func (o SynthOptions) Spec() (GenerateSpec, error) {
	spec := GenerateSpec{N: o.N, SharedPrefix: o.SharedPrefix, Tokenizer: o.Tokenizer, Seed: o.Seed}
	var errs []error
	if len(o.Args) > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments: %s", strings.Join(o.Args, " ")))
	}
	if o.InputLen == "" || o.OutputLen == "" {
		errs = append(errs, errors.New("need --input-len and --output-len"))
	} else {
		var err1, err2 error
		spec.Input, err1 = ParseDist(o.InputLen)
		spec.Output, err2 = ParseDist(o.OutputLen)
		errs = append(errs, err1, err2)
	}
	if o.Out == "" {
		errs = append(errs, errors.New("need --out"))
	}
	if o.Rate != "" {
		var err error
		spec.Rate, err = ParseRate(o.Rate)
		errs = append(errs, err)
	}
	if o.N < 1 || o.N > MaxGenerate {
		errs = append(errs, fmt.Errorf("need --n >= 1 (and at most %d)", MaxGenerate))
	}
	if o.SharedPrefix < 0 || o.SharedPrefix > MaxTokenCount {
		errs = append(errs, fmt.Errorf("--shared-prefix must be from 0 to %d tokens", MaxTokenCount))
	}
	a, err := ParseArrival(o.Arrival)
	spec.Arrival = a
	errs = append(errs, err)
	if _, err := NewTokenizer(o.Tokenizer); err != nil {
		errs = append(errs, err)
	}
	return spec, errors.Join(errs...)
}

// SampleOptions are the settings of a sample of a workload file.
type SampleOptions struct {
	FilterOptions
	// ShuffleSeed, when not empty, shuffles with this integer seed.
	ShuffleSeed string
	// Out is the file to write.
	Out string
}

// Filter is the filter the options select, every problem reported at
// once (after argErr, the problem with the positional arguments, if
// any).
func (o SampleOptions) Filter(argErr error) (FilterOptions, error) {
	opts := o.FilterOptions
	errs := []error{argErr}
	if o.Out == "" {
		errs = append(errs, errors.New("need --out"))
	}
	if o.ShuffleSeed != "" {
		var err error
		opts.Shuffle = true
		if opts.ShuffleSeed, err = strconv.ParseInt(o.ShuffleSeed, 10, 64); err != nil {
			errs = append(errs, fmt.Errorf("--shuffle-seed %q: want an integer", o.ShuffleSeed))
		}
	}
	if opts.Every < 0 || opts.Limit < 0 {
		errs = append(errs, errors.New("--every and --limit must be >= 0"))
	}
	if ts := opts.TimeScale; !(ts >= MinTimeScale && ts <= MaxTimeScale) {
		errs = append(errs, fmt.Errorf("--time-scale must be from %g to %g, got %g", MinTimeScale, MaxTimeScale, ts))
	}
	if opts.To != 0 && opts.To <= opts.From {
		errs = append(errs, fmt.Errorf("--to %v must be after --from %v", opts.To, opts.From))
	}
	return opts, errors.Join(errs...)
}

// ParseOffset reads a time offset into a workload: a Go duration (90s,
// 10m) or plain seconds, never negative.
func ParseOffset(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 {
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("want a duration like 90s or 10m, or seconds")
	}
	return d, nil
}

// Resolve checks the options' tokenizer and sets Format from its name
// ("" detects it).
func (o ImportOptions) Resolve(format string) (ImportOptions, error) {
	var err error
	if o.Format, err = ParseFormat(format); err != nil {
		return o, err
	}
	if _, err := NewTokenizer(o.Tokenizer); err != nil {
		return o, err
	}
	return o, nil
}

// FormatNames lists the formats by name, comma-separated.
func FormatNames() string {
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// MonthTokens are a month (hours long) of a recording's traffic at its
// recorded rate, in the input and output lengths its upstream answered
// with (the mean of the rows with usage): the volume that projects its
// cost. ok is false for a recording without arrival times or usage.
func (s Stats) MonthTokens(hours float64) (input, output float64, ok bool) {
	o := s.Observed
	if o == nil || !s.Timed || s.RatePerS <= 0 || o.Rows == o.FromChunks {
		return 0, 0, false
	}
	perMonth := s.RatePerS * hours * 3600
	n := float64(o.Rows - o.FromChunks)
	return perMonth * float64(o.UsageInput) / n, perMonth * float64(o.UsageOutput) / n, true
}
