package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Dist is a distribution of token lengths for generated workloads.
// Samples are rounded and at least 1.
type Dist struct {
	// Kind is fixed, uniform, normal, lognormal or exponential.
	Kind string
	// A and B are the parameters: fixed:A; uniform:A,B (inclusive);
	// normal:A,B (mean, standard deviation); lognormal:A,B (mean, sigma
	// of the log); exponential:A (mean).
	A, B float64
}

// ParseDist parses "fixed:128", "uniform:100,200", "normal:512,64",
// "lognormal:512,0.4" or "exponential:300"; a bare number means fixed.
func ParseDist(s string) (Dist, error) {
	kind, args, _ := strings.Cut(strings.TrimSpace(s), ":")
	if _, err := strconv.ParseFloat(kind, 64); err == nil && args == "" {
		kind, args = "fixed", kind
	}
	var nums []float64
	for _, a := range strings.Split(args, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return Dist{}, fmt.Errorf("length distribution %q: want non-negative numbers after the colon", s)
		}
		nums = append(nums, f)
	}
	want := map[string]int{"fixed": 1, "uniform": 2, "normal": 2, "lognormal": 2, "exponential": 1}
	k := strings.ToLower(kind)
	n, ok := want[k]
	if !ok {
		return Dist{}, fmt.Errorf("length distribution %q: unknown kind %q (want fixed:N, uniform:A,B, normal:MEAN,SD, lognormal:MEAN,SIGMA or exponential:MEAN)", s, kind)
	}
	if len(nums) != n {
		return Dist{}, fmt.Errorf("length distribution %q: %s takes %d number(s)", s, k, n)
	}
	d := Dist{Kind: k, A: nums[0]}
	if n == 2 {
		d.B = nums[1]
	}
	if k == "uniform" && d.B < d.A {
		return Dist{}, fmt.Errorf("length distribution %q: uniform needs A <= B", s)
	}
	if d.A < 1 && k != "normal" {
		return Dist{}, fmt.Errorf("length distribution %q: lengths must be at least 1", s)
	}
	if d.A > MaxTokenCount || d.B > MaxTokenCount {
		return Dist{}, fmt.Errorf("length distribution %q: lengths must be at most %d tokens", s, MaxTokenCount)
	}
	return d, nil
}

func (d Dist) String() string {
	switch d.Kind {
	case "fixed", "exponential":
		return fmt.Sprintf("%s:%g", d.Kind, d.A)
	}
	return fmt.Sprintf("%s:%g,%g", d.Kind, d.A, d.B)
}

// Sample draws one length.
func (d Dist) Sample(r *rand.Rand) int {
	var v float64
	switch d.Kind {
	case "fixed":
		v = d.A
	case "uniform":
		lo, hi := math.Round(d.A), math.Round(d.B)
		v = lo + float64(r.IntN(int(hi-lo)+1))
	case "normal":
		v = d.A + d.B*r.NormFloat64()
	case "lognormal":
		// A is the mean: exp(mu + sigma^2/2) = A.
		mu := math.Log(d.A) - d.B*d.B/2
		v = math.Exp(mu + d.B*r.NormFloat64())
	case "exponential":
		v = d.A * r.ExpFloat64()
	}
	return max(1, int(math.Round(v)))
}

// Arrival is a process of inter-arrival gaps at a given mean rate.
type Arrival struct {
	// Kind is constant, poisson or gamma.
	Kind string
	// CV is gamma's coefficient of variation of the gaps (1 = Poisson,
	// above 1 burstier, below 1 more regular).
	CV float64
}

// ParseArrival parses "constant", "poisson" or "gamma:CV".
func ParseArrival(s string) (Arrival, error) {
	kind, arg, hasArg := strings.Cut(strings.ToLower(strings.TrimSpace(s)), ":")
	switch {
	case (kind == "constant" || kind == "poisson") && !hasArg:
		return Arrival{Kind: kind}, nil
	case kind == "gamma":
		cv, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(cv > 0 && cv <= MaxCV) {
			return Arrival{}, fmt.Errorf("arrival %q: want gamma:CV with 0 < CV <= %g (1 = Poisson, 2 = bursty)", s, float64(MaxCV))
		}
		return Arrival{Kind: kind, CV: cv}, nil
	}
	return Arrival{}, fmt.Errorf("arrival %q: want poisson, constant or gamma:CV", s)
}

// String is the form ParseArrival reads.
func (a Arrival) String() string {
	if a.Kind == "gamma" {
		return "gamma:" + strconv.FormatFloat(a.CV, 'g', -1, 64)
	}
	return a.Kind
}

// Gap draws the next inter-arrival gap in seconds at rate per second. It
// is the one formula of every arrival process: synthesised workloads and
// bench's pacers both draw their gaps here.
//
//	constant  1/rate
//	poisson   Exp(1) / rate
//	gamma     Gamma(k, 1) · θ,  shape k = 1/CV², scale θ = 1/(rate·k),
//	          so the mean gap kθ is 1/rate and its CV is CV
//
// The expressions are written as bench's golden Poisson offsets pin them
// (x/rate, not x·(1/rate), which differs in the last bit).
func (a Arrival) Gap(r *rand.Rand, rate float64) float64 {
	switch a.Kind {
	case "poisson":
		return r.ExpFloat64() / rate
	case "gamma":
		k := 1 / (a.CV * a.CV)
		theta := 1 / (rate * k)
		return GammaSample(r, k) * theta
	}
	return 1 / rate
}

// GammaSample draws from Gamma(k, 1) by Marsaglia and Tsang's method,
// boosting k < 1 with U^(1/k). Arrival processes (bench's gamma pacer)
// and length distributions share it.
func GammaSample(r *rand.Rand, k float64) float64 {
	if k < 1 {
		return GammaSample(r, k+1) * math.Pow(r.Float64(), 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// ParseRate parses a request rate: "5/s", "300/m", "1000/h" or a bare
// number per second. It rejects rates that are not finite and positive.
func ParseRate(s string) (float64, error) {
	num, unit, hasUnit := strings.Cut(strings.TrimSpace(s), "/")
	v, err := strconv.ParseFloat(num, 64)
	per := 1.0
	if hasUnit {
		per = rateUnits[unit]
	}
	if err != nil || per == 0 || !(v > 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("rate %q: want a positive rate such as 5/s, 300/m or 2.5 (per second, minute or hour)", s)
	}
	if err := CheckRate(v / per); err != nil {
		return 0, fmt.Errorf("rate %q: %w", s, err)
	}
	return v / per, nil
}

// Bounds of a rate and of a gamma arrival's CV. Below MinRate (one
// request a day) the gaps of a long run overflow a schedule's nanosecond
// offsets and 1e-300 would send everything at once; above MaxRate no load
// generator keeps up and the number is a typo. A CV above MaxCV makes
// almost every gap zero and a rare one enormous.
const (
	MinRate = 1.0 / 86400
	MaxRate = 1e6
	MaxCV   = 10
)

// CheckRate says what is wrong with a rate per second, or nil when it is
// within [MinRate, MaxRate].
func CheckRate(perSec float64) error {
	if !(perSec >= MinRate && perSec <= MaxRate) {
		return fmt.Errorf("want a rate from one a day (%.3g/s) to %.0f/s, got %g/s", MinRate, MaxRate, perSec)
	}
	return nil
}

// rateUnits are the seconds of each unit ParseRate reads after the slash.
var rateUnits = map[string]float64{"s": 1, "sec": 1, "1s": 1, "m": 60, "min": 60, "1m": 60, "h": 3600, "1h": 3600}

// GenerateSpec describes a synthetic workload.
type GenerateSpec struct {
	// N is the number of requests.
	N int
	// Input and Output are the prompt and output length distributions.
	Input, Output Dist
	// Rate is the mean arrival rate per second; 0 leaves at_ms unset (the
	// run's own load model decides when to send).
	Rate float64
	// Arrival is the gap process; the zero value is Poisson.
	Arrival Arrival
	// SharedPrefix, when > 0, starts every prompt with the same text of
	// that many tokens, added to the drawn input length.
	SharedPrefix int
	// Tokenizer names the tokenizer whose counts prompts hit ("" is
	// cl100k_base).
	Tokenizer string
	// Seed makes the workload reproducible.
	Seed int64
}

// MaxGenerate bounds the requests of a synthesised workload.
const MaxGenerate = 10_000_000

// Validate reports every problem with the spec at once.
func (spec GenerateSpec) Validate() error {
	var errs []error
	if spec.N < 1 || spec.N > MaxGenerate {
		errs = append(errs, fmt.Errorf("generate: want 1 to %d requests, got %d", MaxGenerate, spec.N))
	}
	if spec.Input.Kind == "" || spec.Output.Kind == "" {
		errs = append(errs, errors.New("generate: need input and output length distributions"))
	}
	if spec.SharedPrefix < 0 || spec.SharedPrefix > MaxTokenCount {
		errs = append(errs, fmt.Errorf("generate: want a shared prefix of 0 to %d tokens, got %d", MaxTokenCount, spec.SharedPrefix))
	}
	if spec.Rate != 0 {
		if err := CheckRate(spec.Rate); err != nil {
			errs = append(errs, fmt.Errorf("generate: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Generate builds the workload spec describes and calls fn with each
// request in order; the same spec gives the same requests.
func Generate(spec GenerateSpec, fn func(Request) error) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	arrival := spec.Arrival
	if arrival.Kind == "" {
		arrival.Kind = "poisson"
	}
	tok, err := NewTokenizer(spec.Tokenizer)
	if err != nil {
		return err
	}
	synth := NewSynthesizer(tok, spec.Seed)
	rng := rand.New(rand.NewPCG(uint64(spec.Seed), 0x5eed))
	prefix := ""
	if spec.SharedPrefix > 0 {
		var b strings.Builder
		// Ends with a newline, so it counts apart from the suffix.
		if err := synth.build(&b, synth.rng(streamBlock, math.MaxUint64), spec.SharedPrefix, true); err != nil {
			return err
		}
		prefix = b.String()
	}
	at := 0.0
	for i := range spec.N {
		in, out := spec.Input.Sample(rng), spec.Output.Sample(rng)
		if i > 0 && spec.Rate > 0 {
			at += arrival.Gap(rng, spec.Rate)
		}
		suffix, err := synth.Prompt(uint64(i), in)
		if err != nil {
			return err
		}
		text, err := synth.exact(prefix+suffix, spec.SharedPrefix+in, uint64(i))
		if err != nil {
			return err
		}
		req := Request{ID: strconv.Itoa(i + 1), Index: i, Prompt: text, MaxTokens: out, InputTokens: spec.SharedPrefix + in}
		if spec.Rate > 0 {
			ms := math.Round(at*1e6) / 1e3 // microsecond resolution
			req.AtMs = &ms
		}
		if err := fn(req); err != nil {
			return err
		}
	}
	return nil
}
