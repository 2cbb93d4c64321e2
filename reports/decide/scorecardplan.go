package decide

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/results"
	"go.yaml.in/yaml/v3"
)

// Scorecard criteria. Cost and latency are measured; the others are
// declared per target kind (with defaults) or per target in a plan.
const (
	CriterionCost    = "cost"
	CriterionLatency = "latency"
	CriterionControl = "control" // over model, version, rollout and tuning
	CriterionPrivacy = "privacy" // data stays where you put it
	CriterionLockIn  = "lock_in" // ease of leaving: 10 = no lock-in
	CriterionTeam    = "team"    // fit to the team's skills: 10 = nothing new to run
)

// Criteria are the scorecard's criteria in the order they are shown.
var Criteria = []string{CriterionCost, CriterionLatency, CriterionControl, CriterionPrivacy, CriterionLockIn, CriterionTeam}

// declaredCriteria are the criteria a plan declares rather than measures.
var declaredCriteria = []string{CriterionControl, CriterionPrivacy, CriterionLockIn, CriterionTeam}

// DefaultWeights are the scorecard weights when a plan gives none. Weights
// are relative: a score is sum(weight * score) / sum(weight).
var DefaultWeights = map[string]float64{
	CriterionCost: 30, CriterionLatency: 20, CriterionControl: 10,
	CriterionPrivacy: 15, CriterionLockIn: 10, CriterionTeam: 15,
}

// DefaultDeclared are the declared scores (0-10, higher is better for
// the buyer) of each target kind when a plan gives none. They are opinions
// written down so they can be argued with: a hosted API gives least control
// and sends data to a vendor, but asks nothing of the team; self-hosting is
// the reverse; a managed host of open models sits between, and the open
// weights make leaving it easy.
var DefaultDeclared = map[string]map[string]float64{
	"api":         {CriterionControl: 3, CriterionPrivacy: 4, CriterionLockIn: 3, CriterionTeam: 9},
	"managed":     {CriterionControl: 5, CriterionPrivacy: 5, CriterionLockIn: 7, CriterionTeam: 8},
	"self-hosted": {CriterionControl: 9, CriterionPrivacy: 9, CriterionLockIn: 9, CriterionTeam: 4},
}

// DefaultLatencyMetric is the latency the scorecard compares.
const DefaultLatencyMetric = "ttft_p95"

// ScorecardPlan is a decision plan: scorecard weights, declared scores per kind and
// per target, and per-target prices (GPU count and $/GPU-hour for
// self-hosted, per-token prices for the others). Read one with ParseScorecardPlan.
type ScorecardPlan struct {
	// Source is where the plan came from ("defaults" or a file name).
	Source  string
	Weights map[string]float64
	// LatencyMetric is metric_stat: metric one of ttft, ttfo, tpot, itl,
	// e2e, user_latency; stat one of p50, p90, p95, p99, max, mean.
	LatencyMetric string
	Kinds         map[string]map[string]float64
	Targets       map[string]ScorecardTarget
	// Components are the build-vs-buy component matrix's rows
	// (components:), shown next to the scorecard.
	Components []Component
}

// ScorecardTarget is what a plan says of one target.
type ScorecardTarget struct {
	// Group, when set, makes this target's runs part of the target Group
	// in the comparison: an explicit sweep of runs named per load
	// (vllm-c8, vllm-c16 -> vllm).
	Group    string
	Kind     string
	Declared map[string]float64
	// Price is the price the plan gives the target, in the form a
	// manifest keeps it: per-token prices written in the plan, GPUs *
	// usd_per_gpu_hour, or the catalogue entry it names once Resolve has
	// looked it up (tiers and cache-write prices included). Nil when the
	// plan gives none, or names one Resolve has not looked up yet.
	Price *results.Prices
	// Provider and Model name a per-token price in the catalogue; GPUType
	// and GPUOffer a GPU-hour price, for GPUs of them (Resolve).
	Provider string
	Model    string
	GPUType  string
	GPUOffer string
	GPUs     int
	line     int
}

// DefaultScorecardPlan is the plan used when none is given: default weights and
// declared scores, no prices.
func DefaultScorecardPlan() *ScorecardPlan {
	return &ScorecardPlan{Source: "defaults", Weights: DefaultWeights, LatencyMetric: DefaultLatencyMetric}
}

// Prices returns the prices the plan gives target, or nil when it gives
// none (the command line or the manifest then apply).
func (p *ScorecardPlan) Prices(target string) *results.Prices {
	if p == nil {
		return nil
	}
	t, ok := p.Targets[target]
	if !ok || t.Price == nil {
		return nil
	}
	pr := *t.Price
	src := "plan"
	if p.Source != "" {
		// The file's name, not its path: a label in a table cell.
		src = "plan " + filepath.Base(p.Source)
	}
	if pr.Source != "" {
		src += ": " + pr.Source
	}
	pr.Source = src
	return &pr
}

// PriceCatalog looks prices up by name: the price catalogue (package
// prices) as the command line wires it in, so reports need not depend on it.
type PriceCatalog interface {
	// TokenPrice returns the per-token prices of model at provider
	// (provider may be empty) as a manifest snapshot (prices.Snapshot),
	// with Source and CheckedAt set.
	TokenPrice(provider, model string) (results.Prices, error)
	// GPUPrice returns the USD per GPU-hour of one GPU of gpuType under
	// offer, where the price is from, and the day it was checked
	// (YYYY-MM-DD; "" when unknown).
	GPUPrice(gpuType, offer string) (usdPerGPUHour float64, source, checkedAt string, err error)
}

// NeedsCatalog reports whether some target names a catalogue price that
// Resolve has not looked up.
func (p *ScorecardPlan) NeedsCatalog() bool {
	if p == nil {
		return false
	}
	for _, t := range p.Targets {
		if t.Price == nil && (t.GPUType != "" || t.Model != "") {
			return true
		}
	}
	return false
}

// Resolve fills in the prices that targets name by GPU type and offer, or
// by provider and model, from cat. Errors are "file:line: ...", all at once.
func (p *ScorecardPlan) Resolve(cat PriceCatalog) error {
	if p == nil {
		return nil
	}
	var errs []error
	for name, t := range p.Targets {
		switch {
		case t.Price != nil:
			continue
		case t.GPUType != "":
			usd, src, checked, err := cat.GPUPrice(t.GPUType, t.GPUOffer)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: target %s: %w", p.Source, t.line, name, err))
				continue
			}
			t.Price = gpuPrice(t, usd)
			t.Price.Source, t.Price.CheckedAt = src, checked
		case t.Model != "":
			pr, err := cat.TokenPrice(t.Provider, t.Model)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: target %s: %w", p.Source, t.line, name, err))
				continue
			}
			if pr.CheckedAt != "" {
				pr.Source += ", checked " + pr.CheckedAt
			}
			t.Price = &pr
		default:
			continue
		}
		p.Targets[name] = t
	}
	return errors.Join(errs...)
}

// gpuPrice is t's GPUs at usdPerGPUHour each.
func gpuPrice(t ScorecardTarget, usdPerGPUHour float64) *results.Prices {
	return &results.Prices{GPUHourly: float64(t.GPUs) * usdPerGPUHour, GPUCount: t.GPUs,
		USDPerGPUHour: usdPerGPUHour, GPUType: t.GPUType, GPUOffer: t.GPUOffer}
}

// target is the plan's entry for a target (p may be nil).
func (p *ScorecardPlan) target(name string) (ScorecardTarget, bool) {
	if p == nil {
		return ScorecardTarget{}, false
	}
	t, ok := p.Targets[name]
	return t, ok
}

// declared is the declared score of criterion for a target of kind, and
// where it came from.
func (p *ScorecardPlan) declared(target, kind, criterion string) (float64, string) {
	if t, ok := p.Targets[target]; ok {
		if v, ok := t.Declared[criterion]; ok {
			return v, "plan (target)"
		}
		if t.Kind != "" {
			kind = t.Kind
		}
	}
	if v, ok := p.Kinds[kind][criterion]; ok {
		return v, "plan (kind " + kind + ")"
	}
	if v, ok := DefaultDeclared[kind][criterion]; ok {
		return v, "default for " + kind
	}
	return 5, "no default for kind " + strconv.Quote(kind) + ": neutral 5"
}

// LoadScorecardPlan is the plan a --scorecard value names: none for "",
// the defaults for "default", else the plan in that file, its catalogue
// prices looked up in cat.
func LoadScorecardPlan(name string, cat PriceCatalog) (*ScorecardPlan, error) {
	switch name {
	case "":
		return nil, nil
	case "default":
		return DefaultScorecardPlan(), nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	plan, err := ParseScorecardPlan(name, data)
	if err == nil && plan.NeedsCatalog() {
		err = plan.Resolve(cat)
	}
	if err != nil {
		return nil, err
	}
	return plan, nil
}

// ParseScorecardPlan reads a plan in YAML (or JSON, which YAML includes). name is
// used in errors, which are "name:line: what is wrong", every problem at
// once. An empty plan is the default plan.
//
//	weights: {cost: 30, latency: 20, control: 10, privacy: 15, lock_in: 10, team: 15}
//	latency: ttft_p95
//	kinds:
//	  self-hosted: {team: 3}
//	targets:
//	  vllm-a100: {gpus: 2, usd_per_gpu_hour: 2.50, privacy: 10}
//	  gpt-4o:    {input_per_1m: 2.50, output_per_1m: 10, cached_input_per_1m: 1.25}
//	  vllm-c8:   {group: vllm-a100}   # runs named per load, one target
//	components:                       # the component matrix (Component)
//	  - {name: LLM serving, differentiation: 2, complexity: 9}
func ParseScorecardPlan(name string, data []byte) (*ScorecardPlan, error) {
	p := DefaultScorecardPlan()
	p.Source = name
	p.Weights = map[string]float64{}
	for k, v := range DefaultWeights {
		p.Weights[k] = v
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, yamlErr(err))
	}
	if len(doc.Content) == 0 {
		return p, nil
	}
	pp := &planParser{name: name}
	root := doc.Content[0]
	pp.mapping(root, "plan", func(key string, kn, v *yaml.Node) {
		switch key {
		case "weights":
			pp.mapping(v, "weights", func(c string, kn, v *yaml.Node) {
				if !slices.Contains(Criteria, c) {
					pp.errf(kn, "unknown weight %q (want %s)", c, strings.Join(Criteria, ", "))
					return
				}
				if w, ok := pp.number(v, "weight "+c); ok {
					if w < 0 {
						pp.errf(v, "weight %s is negative", c)
					}
					p.Weights[c] = w
				}
			})
		case "latency":
			s := pp.str(v, "latency")
			if _, _, err := latencyMetric(s); err != nil {
				pp.errf(v, "%v", err)
			}
			p.LatencyMetric = s
		case "kinds":
			p.Kinds = map[string]map[string]float64{}
			pp.mapping(v, "kinds", func(kind string, kn, v *yaml.Node) {
				m := map[string]float64{}
				pp.mapping(v, "kind "+kind, func(c string, kn, v *yaml.Node) {
					pp.score(m, c, kn, v)
				})
				p.Kinds[kind] = m
			})
		case "targets":
			p.Targets = map[string]ScorecardTarget{}
			pp.mapping(v, "targets", func(target string, kn, v *yaml.Node) {
				p.Targets[target] = pp.target(target, v)
			})
		case "components":
			p.Components = pp.components(v)
		default:
			pp.errf(kn, "unknown key %q (want weights, latency, kinds, targets, components)", key)
		}
	})
	var sum float64
	for _, w := range p.Weights {
		sum += w
	}
	if sum <= 0 && len(pp.errs) == 0 {
		pp.errf(root, "the weights add up to 0")
	}
	if len(pp.errs) > 0 {
		return nil, errors.Join(pp.errs...)
	}
	return p, nil
}

// planParser walks a plan's YAML nodes and collects every problem with
// its line.
type planParser struct {
	name string
	errs []error
}

func (pp *planParser) errf(n *yaml.Node, format string, args ...any) {
	pp.errs = append(pp.errs, fmt.Errorf("%s:%d: %s", pp.name, n.Line, fmt.Sprintf(format, args...)))
}

func (pp *planParser) mapping(n *yaml.Node, what string, fn func(key string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		pp.errf(n, "%s: want a mapping (key: value)", what)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			pp.errf(k, "%s: %q given twice", what, k.Value)
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, v)
	}
}

func (pp *planParser) number(n *yaml.Node, what string) (float64, bool) {
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.ParseFloat(strings.TrimPrefix(n.Value, "$"), 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v, true
		}
	}
	pp.errf(n, "%s: want a number, got %q", what, n.Value)
	return 0, false
}

func (pp *planParser) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode {
		pp.errf(n, "%s: want a string", what)
		return ""
	}
	return n.Value
}

func (pp *planParser) score(m map[string]float64, c string, kn, v *yaml.Node) {
	if !slices.Contains(declaredCriteria, c) {
		pp.errf(kn, "unknown score %q (want %s)", c, strings.Join(declaredCriteria, ", "))
		return
	}
	if s, ok := pp.number(v, c); ok {
		if s < 0 || s > 10 {
			pp.errf(v, "%s %v is outside 0..10", c, s)
		}
		m[c] = s
	}
}

// components reads the component matrix: a list of {name,
// differentiation, complexity}, each checked by Component.Problems at
// its line.
func (pp *planParser) components(n *yaml.Node) []Component {
	if n.Kind != yaml.SequenceNode {
		pp.errf(n, "components: want a list of {name, differentiation, complexity}")
		return nil
	}
	var out []Component
	for i, item := range n.Content {
		what := fmt.Sprintf("components[%d]", i)
		c := Component{}
		var bad []string
		pp.mapping(item, what, func(key string, kn, v *yaml.Node) {
			score := func(dst *int) {
				x, err := strconv.Atoi(v.Value)
				if err != nil || v.Kind != yaml.ScalarNode {
					pp.errf(v, "%s: %s %q: want a whole number from %d to %d", what, key, v.Value, MinScore, MaxScore)
					bad = append(bad, key)
					return
				}
				*dst = x
			}
			switch key {
			case "name":
				c.Name = pp.str(v, key)
			case "differentiation":
				score(&c.Differentiation)
			case "complexity":
				score(&c.Complexity)
			default:
				pp.errf(kn, "%s: unknown key %q (want name, differentiation, complexity)", what, key)
			}
		})
		if item.Kind != yaml.MappingNode {
			continue
		}
		for _, msg := range c.Problems() {
			// A score that did not parse is said once, above.
			if !slices.ContainsFunc(bad, func(k string) bool { return strings.HasPrefix(msg, k+" ") }) {
				pp.errf(item, "%s (%s): %s", what, c.Name, msg)
			}
		}
		out = append(out, c)
	}
	return out
}

func (pp *planParser) target(name string, n *yaml.Node) ScorecardTarget {
	t := ScorecardTarget{Declared: map[string]float64{}, line: n.Line}
	var usdPerGPUHour, in, out, cached float64
	set := map[string]*yaml.Node{}
	pp.mapping(n, "target "+name, func(key string, kn, v *yaml.Node) {
		set[key] = kn
		num := func(dst *float64) {
			if f, ok := pp.number(v, key); ok {
				if f < 0 {
					pp.errf(v, "%s is negative", key)
				}
				*dst = f
			}
		}
		switch key {
		case "kind":
			t.Kind = pp.str(v, key)
		case "group":
			t.Group = pp.str(v, key)
		case "gpus":
			g, err := strconv.Atoi(v.Value)
			if err != nil || g <= 0 {
				pp.errf(v, "gpus: want a whole number > 0, got %q", v.Value)
			}
			t.GPUs = g
		case "usd_per_gpu_hour":
			num(&usdPerGPUHour)
		case "gpu":
			t.GPUType = pp.str(v, key)
		case "offer":
			t.GPUOffer = pp.str(v, key)
		case "provider":
			t.Provider = pp.str(v, key)
		case "model":
			t.Model = pp.str(v, key)
		case "input_per_1m":
			num(&in)
		case "output_per_1m":
			num(&out)
		case "cached_input_per_1m":
			num(&cached)
		default:
			if slices.Contains(declaredCriteria, key) {
				pp.score(t.Declared, key, kn, v)
				return
			}
			pp.errf(kn, "target %s: unknown key %q (want group, kind, gpus, usd_per_gpu_hour, gpu, offer, input_per_1m, output_per_1m, cached_input_per_1m, provider, model, %s)",
				name, key, strings.Join(declaredCriteria, ", "))
		}
	})
	perToken := set["input_per_1m"] != nil || set["output_per_1m"] != nil || set["cached_input_per_1m"] != nil
	catToken := set["model"] != nil || set["provider"] != nil
	gpu := set["gpus"] != nil || set["usd_per_gpu_hour"] != nil || set["gpu"] != nil || set["offer"] != nil
	switch {
	case (perToken || catToken) && gpu:
		pp.errf(n, "target %s: per-token prices and GPU prices exclude each other", name)
	case gpu && set["gpus"] == nil:
		pp.errf(n, "target %s: GPU pricing needs gpus (how many)", name)
	case gpu && set["usd_per_gpu_hour"] != nil && set["gpu"] != nil && set["offer"] != nil:
		pp.errf(n, "target %s: give usd_per_gpu_hour or a catalogue gpu and offer, not both", name)
	case gpu && set["usd_per_gpu_hour"] == nil && (set["gpu"] == nil || set["offer"] == nil):
		pp.errf(n, "target %s: GPU pricing needs usd_per_gpu_hour, or gpu and offer from the price catalogue", name)
	case perToken && catToken:
		pp.errf(n, "target %s: give input_per_1m/output_per_1m or a catalogue provider and model, not both", name)
	case perToken && (set["input_per_1m"] == nil || set["output_per_1m"] == nil):
		pp.errf(n, "target %s: per-token pricing needs both input_per_1m and output_per_1m", name)
	case catToken && set["model"] == nil:
		pp.errf(n, "target %s: a catalogue price needs model (provider is optional)", name)
	}
	switch {
	case t.GPUs > 0 && usdPerGPUHour > 0:
		t.Price = gpuPrice(t, usdPerGPUHour)
	case in > 0 || out > 0:
		t.Price = &results.Prices{InputPer1M: in, OutputPer1M: out, CachedInputPer1M: cached}
	}
	return t
}

// yamlErr turns yaml's "yaml: line 3: ..." into "3: ..." so that the
// caller's "name:" prefix makes "name:3: ...".
func yamlErr(err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			if _, aerr := strconv.Atoi(rest[:i]); aerr == nil {
				return errors.New(rest)
			}
		}
	}
	return err
}

// latencyMetric parses "metric_stat" into the latency and the statistic.
func latencyMetric(s string) (reports.Latency, reports.Stat, error) {
	i := strings.LastIndex(s, "_")
	if i < 0 {
		return reports.Latency{}, reports.Stat{}, fmt.Errorf("latency %q: want metric_stat like ttft_p95", s)
	}
	m, st := s[:i], s[i+1:]
	l, okL := reports.LookupLatency(m)
	stat, okS := reports.LookupStat(st)
	if !okL || !okS || m == "schedule_lag" {
		return reports.Latency{}, reports.Stat{}, fmt.Errorf("latency %q: want metric_stat with metric ttft, ttfo, tpot, itl, e2e or user_latency and stat p50, p90, p95, p99, max or mean", s)
	}
	return l, stat, nil
}

// SummarizeAll summarises runs with opt, each priced by the plan's prices
// for its target where the plan gives some (plan may be nil).
func SummarizeAll(runs []*reports.RunData, opt reports.Options, plan *ScorecardPlan) []reports.Summary {
	ss := make([]reports.Summary, len(runs))
	for i, r := range runs {
		ropt := opt
		if p := plan.Prices(r.Target); p != nil {
			ropt.Prices = p
		}
		ss[i] = reports.Summarize(r, ropt)
	}
	return ss
}
