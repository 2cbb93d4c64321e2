package suite

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/internal/suggest"
	"github.com/inferbench/inferbench/prices"
	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/decide"
	"github.com/inferbench/inferbench/reports/threshold"
	"github.com/inferbench/inferbench/simhost"
	"github.com/inferbench/inferbench/targets/targetspec"
)

// Suite is a whole comparison declared in one file: the targets that get
// the same workload and load, the SLO and volumes the report judges them
// by, the gates that fail the suite, and the scorecard and component
// matrix of the decision. Read one with ReadFile or Parse; Plan checks it and
// Execute runs it.
type Suite struct {
	// Name names the suite's folder under the output directory.
	Name string
	// Title heads the HTML report (default "inferbench suite NAME").
	Title string
	// File is the file it was read from, as given.
	File    string
	Entries []*Entry
	// SLO judges goodput in the report and is every saturation search's.
	SLO     reports.SLO
	Volumes []decide.Volume
	// Percentiles is how the report takes latency percentiles (default
	// nearest-rank).
	Percentiles reports.PercentileMethod
	// Gates are requirements in the --fail-on grammar (gates:): the
	// suite fails (exit 3) when one does not hold for a run.
	Gates []*threshold.Threshold
	// FailOn are --fail-on expressions (fail_on:): the suite fails when
	// one holds for a run.
	FailOn    []*threshold.Threshold
	Scorecard *decide.ScorecardPlan
	// Components are the build-vs-buy component matrix's rows, shown in
	// the decision section of the report (a scorecard plan's own
	// components: are in Scorecard).
	Components []decide.Component
	// Parallel runs the targets at once instead of one after another.
	Parallel bool
	// MetricsListen serves live Prometheus metrics there while it runs.
	MetricsListen string

	workload Workload
	lines    map[string]int // top-level keys
}

// Entry is one target of a suite: its run, and where the file says what.
type Entry struct {
	Name  string
	Run   Run
	line  int
	lines map[string]int // setting ID (or key) -> the line that gave it
	node  *yaml.Node
}

// fileDoc is a suite file as YAML; the keys read through Settings (and
// the simulator's) stay nodes, so their lines and unknown keys are ours
// to report.
type fileDoc struct {
	Name          string         `yaml:"name"`
	Title         string         `yaml:"title"`
	Workload      yaml.Node      `yaml:"workload"`
	Load          yaml.Node      `yaml:"load"`
	SLO           yaml.Node      `yaml:"slo"`
	Percentiles   string         `yaml:"percentiles"`
	Volume        yaml.Node      `yaml:"volume"`
	Targets       []targetDoc    `yaml:"targets"`
	Gates         []yaml.Node    `yaml:"gates"`
	FailOn        []yaml.Node    `yaml:"fail_on"`
	Scorecard     yaml.Node      `yaml:"scorecard"`
	Components    []componentDoc `yaml:"components"`
	Parallel      bool           `yaml:"parallel"`
	MetricsListen string         `yaml:"metrics_listen"`
}

// targetDoc is one target: every key of a targets file's entry, and the
// suite's own.
type targetDoc struct {
	targetspec.Spec `yaml:",inline"`
	Load            yaml.Node            `yaml:"load"`
	GPU             *gpuDoc              `yaml:"gpu"`
	Sim             yaml.Node            `yaml:"sim"`
	Rest            map[string]yaml.Node `yaml:",inline"` // Settings of block "target"
}

type gpuDoc struct {
	Count  int     `yaml:"count"`
	Hourly float64 `yaml:"hourly"`
}

type componentDoc struct {
	Name            string `yaml:"name"`
	Differentiation int    `yaml:"differentiation"`
	Complexity      int    `yaml:"complexity"`
}

// ReadFile reads and checks a suite file; see Parse.
func ReadFile(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// parser collects a file's problems, each as file:line: what is wrong.
type parser struct {
	file string
	errs []error
}

func (p *parser) errf(line int, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s:%d: %s", p.file, line, fmt.Sprintf(format, args...)))
}

// unknown reports an unknown key, with the known key it is closest to.
func (p *parser) unknown(k *yaml.Node, where string, known []string) {
	if where != "" {
		where += ": "
	}
	if near, ok := suggest.Closest(k.Value, known); ok {
		p.errf(k.Line, "%sunknown key %q (did you mean %q?)", where, k.Value, near)
		return
	}
	slices.Sort(known)
	p.errf(k.Line, "%sunknown key %q (known: %s)", where, k.Value, strings.Join(known, ", "))
}

// Parse parses a suite file and checks what can be checked without the
// output directory (Plan checks the rest). It reports every problem at
// once, each as file:line: what is wrong.
func Parse(file string, data []byte) (*Suite, error) {
	p := &parser{file: file}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, p.yamlErrors(err, 1)
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:1: want a mapping with name, workload, load and targets", file)
	}
	top := root.Content[0]
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc fileDoc
	if err := dec.Decode(&doc); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, p.yamlErrors(err, 1)
		}
		p.errs = append(p.errs, joined(p.yamlErrors(err, 1))...)
	}
	s := &Suite{Name: doc.Name, Title: doc.Title, File: file, Parallel: doc.Parallel, MetricsListen: doc.MetricsListen, lines: map[string]int{}}
	for i := 0; i+1 < len(top.Content); i += 2 {
		s.lines[top.Content[i].Value] = top.Content[i].Line
	}
	if !validName.MatchString(s.Name) {
		p.errf(cmpLine(s.lines["name"], 1), "name %q: want letters, digits, '.', '_' and '-' (it names the suite's folder)", s.Name)
	}
	base := NewRun()
	lines := map[string]int{}
	p.workload(&doc.Workload, &base, lines)
	p.settings(&doc.Load, "load", &base, lines, "load")
	s.SLO = p.slo(&doc.SLO)
	base.Load.SLO = s.SLO
	s.Volumes = p.volumes(&doc.Volume)
	if doc.Percentiles != "" {
		if err := s.Percentiles.Set(doc.Percentiles); err != nil {
			p.errf(s.lines["percentiles"], "percentiles: %v", err)
		}
	}
	s.Gates = p.gates("gates", doc.Gates, threshold.ParseRequirement)
	s.FailOn = p.gates("fail_on", doc.FailOn, threshold.Parse)
	s.Scorecard = p.scorecard(data, top)
	s.Components = p.components(doc.Components, top)
	s.workload = base.Workload
	p.targets(s, doc.Targets, top, base, lines)
	if len(p.errs) > 0 {
		return nil, p.sorted()
	}
	return s, nil
}

// sorted are the problems in the order of their lines.
func (p *parser) sorted() error {
	errs := p.errs
	line := func(e error) int {
		rest := strings.TrimPrefix(e.Error(), p.file+":")
		n, _ := strconv.Atoi(rest[:max(strings.IndexByte(rest, ':'), 0)])
		return n
	}
	slices.SortStableFunc(errs, func(a, b error) int { return line(a) - line(b) })
	return errors.Join(errs...)
}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func cmpLine(line, fallback int) int {
	if line > 0 {
		return line
	}
	return fallback
}

// workload reads workload: a path (or sample), or a mapping of the
// workload settings.
func (p *parser) workload(n *yaml.Node, r *Run, lines map[string]int) {
	if n.Kind == yaml.ScalarNode {
		r.Workload.Path = n.Value
		r.Given["workload"], lines["workload"] = true, n.Line
		return
	}
	p.settings(n, "workload", r, lines, "workload")
}

// settings applies a mapping of one block's settings to r, noting the
// line of each.
func (p *parser) settings(n *yaml.Node, block string, r *Run, lines map[string]int, where string) {
	if n.Kind == 0 {
		return
	}
	if n.Kind != yaml.MappingNode {
		p.errf(n.Line, "%s: want a mapping (key: value)", where)
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		s, ok := settingKey(block, k.Value)
		if !ok {
			p.unknown(k, where, blockKeys(block))
			continue
		}
		p.setting(v, s.Field(r), where+"."+k.Value)
		r.Given[s.ID()], lines[s.ID()] = true, k.Line
	}
}

// setting reads one value into a setting's field (setValue): a list of
// values is given to flag-style values (rates, levels) joined by commas.
// name is the key as the error says it.
func (p *parser) setting(v *yaml.Node, field any, name string) {
	val := v.Value
	_, list := field.(interface{ Set(string) error })
	switch {
	case v.Kind == yaml.SequenceNode && list:
		parts := make([]string, len(v.Content))
		for i, c := range v.Content {
			parts[i] = c.Value
		}
		val = strings.Join(parts, ",")
	case v.Kind != yaml.ScalarNode:
		p.errf(v.Line, "%s: want a single value", name)
		return
	}
	if err := setValue(field, val); err != nil {
		p.errf(v.Line, "%s %v", name, err)
	}
}

var yamlLine = regexp.MustCompile(`(?m)^\s*(?:yaml: )?line \d+: `)

// slo reads slo: {ttft, tpot, e2e, itl} durations.
func (p *parser) slo(n *yaml.Node) reports.SLO {
	var slo reports.SLO
	if n.Kind == 0 {
		return slo
	}
	if n.Kind != yaml.MappingNode {
		p.errf(n.Line, "slo: want a mapping like {ttft: 500ms, tpot: 50ms}")
		return slo
	}
	dst := map[string]*time.Duration{"ttft": &slo.TTFT, "tpot": &slo.TPOT, "e2e": &slo.E2E, "itl": &slo.ITL}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		d, ok := dst[k.Value]
		if !ok {
			p.unknown(k, "slo", []string{"ttft", "tpot", "e2e", "itl"})
			continue
		}
		if err := v.Decode(d); err != nil || *d <= 0 {
			p.errf(v.Line, "slo.%s: want a positive duration like 500ms, got %q", k.Value, v.Value)
		}
	}
	return slo
}

// volumes reads volume: one IN:OUT or a list of them.
func (p *parser) volumes(n *yaml.Node) []decide.Volume {
	items := []*yaml.Node{n}
	switch n.Kind {
	case 0:
		return nil
	case yaml.SequenceNode:
		items = n.Content
	}
	var out []decide.Volume
	for _, it := range items {
		v, err := decide.ParseVolume(it.Value)
		if err != nil || it.Kind != yaml.ScalarNode {
			p.errf(it.Line, "volume: %v", cmpErr(err, "want IN:OUT tokens per month, like 100M:20M"))
			continue
		}
		out = append(out, v)
	}
	return out
}

func cmpErr(err error, msg string) string {
	if err != nil {
		return err.Error()
	}
	return msg
}

// gates reads a list of expressions in the --fail-on grammar under key,
// each parsed by parse: requirements (gates:) or failure conditions
// (fail_on:). There is no baseline: a suite's runs are judged on their
// own.
func (p *parser) gates(key string, ns []yaml.Node, parse func(string) (*threshold.Threshold, error)) []*threshold.Threshold {
	var out []*threshold.Threshold
	for _, n := range ns {
		t, err := parse(n.Value)
		if err == nil {
			err = t.NoBase()
		}
		var te *threshold.Error
		switch {
		case errors.As(err, &te):
			p.errf(n.Line, "%s: %q: %s", key, n.Value, te.Detail())
		case err != nil:
			p.errf(n.Line, "%s: %v", key, err)
		default:
			out = append(out, t)
		}
	}
	return out
}

// scorecard reads scorecard: with reports' own plan parser, given the
// file's text from the key's value to the next top-level key (earlier
// lines blank), so its errors name the suite file's lines.
func (p *parser) scorecard(data []byte, top *yaml.Node) *decide.ScorecardPlan {
	v, end := valueOf(top, "scorecard")
	if v == nil {
		return nil
	}
	lines := strings.SplitAfter(string(data), "\n")
	end = min(end, len(lines)+1)
	var b strings.Builder
	for i := 1; i < end; i++ {
		l := lines[i-1]
		switch {
		case i < v.Line:
			l = "\n"
		case i == v.Line:
			r := []rune(l)
			l = strings.Repeat(" ", v.Column-1) + string(r[min(v.Column-1, len(r)):])
		}
		b.WriteString(l)
	}
	plan, err := decide.ParseScorecardPlan(p.file, []byte(b.String()))
	if err == nil && plan.NeedsCatalog() {
		if err = plan.Resolve(prices.Named{Catalog: prices.Default()}); err != nil {
			err = fmt.Errorf("%s:%d: scorecard: %w", p.file, v.Line, err)
		}
	}
	if err != nil {
		p.errs = append(p.errs, err)
		return nil
	}
	return plan
}

// valueOf is the value of a top-level key and the line of the key after
// it (a large number for the last).
func valueOf(top *yaml.Node, key string) (*yaml.Node, int) {
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != key {
			continue
		}
		if i+2 < len(top.Content) {
			return top.Content[i+1], top.Content[i+2].Line
		}
		return top.Content[i+1], 1 << 30
	}
	return nil, 0
}

// components reads the build-vs-buy matrix's rows, each checked by
// decide's rules (Component.Problems) at its line. A scorecard plan may
// give them too, but not both.
func (p *parser) components(docs []componentDoc, top *yaml.Node) []decide.Component {
	n, _ := valueOf(top, "components")
	if n == nil {
		return nil
	}
	if sc, _ := valueOf(top, "scorecard"); sc != nil && sc.Kind == yaml.MappingNode {
		if in, _ := valueOf(sc, "components"); in != nil {
			p.errf(keyLine(top, "components"), "components: the scorecard gives components too (line %d); keep one list", in.Line)
		}
	}
	var out []decide.Component
	for i, d := range docs {
		line := n.Line
		if i < len(n.Content) {
			line = n.Content[i].Line
		}
		c := decide.Component{Name: d.Name, Differentiation: d.Differentiation, Complexity: d.Complexity}
		for _, msg := range c.Problems() {
			p.errf(line, "components[%d] (%s): %s", i, d.Name, msg)
		}
		out = append(out, c)
	}
	return out
}

// yamlErrors turns the YAML library's "line N: msg" errors into
// file:N: msg, one per problem, unknown fields named as keys with the
// known key they are closest to.
func (p *parser) yamlErrors(err error, fallback int) error {
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var errs []error
	for _, m := range msgs {
		line := fallback
		if sm := yamlMsg.FindStringSubmatch(m); sm != nil {
			line, _ = strconv.Atoi(sm[1])
			m = sm[2]
		}
		if sm := notFound.FindStringSubmatch(m); sm != nil {
			known := knownKeys[sm[2]]
			m = fmt.Sprintf("unknown key %q", sm[1])
			if near, ok := suggest.Closest(sm[1], known); ok {
				m += fmt.Sprintf(" (did you mean %q?)", near)
			} else if len(known) > 0 {
				m += " (known: " + strings.Join(known, ", ") + ")"
			}
		}
		errs = append(errs, fmt.Errorf("%s:%d: %s", p.file, line, m))
	}
	return errors.Join(errs...)
}

var (
	yamlMsg  = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	notFound = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
)

// knownKeys are the keys of each type a suite file decodes strictly, by
// the name the YAML library gives the type.
var knownKeys = func() map[string][]string {
	keys := map[string][]string{}
	for _, v := range []any{fileDoc{}, gpuDoc{}, componentDoc{}, targetspec.TimeoutSpec{}, targetspec.RetrySpec{},
		targetspec.TelemetrySpec{}, prices.Spec{}, prices.GPUSpec{}} {
		t := reflectType(v)
		keys[t.String()] = yamlKeys(t)
	}
	return keys
}()

// simKeys are the keys of a target's sim: block.
func simKeys() []string {
	keys := []string{"preset", "gpus", "telemetry"}
	for _, s := range simhost.Settings {
		keys = append(keys, s.Key())
	}
	return keys
}

// base names the file in sources of prices it gives.
func (p *parser) base() string { return filepath.Base(p.file) }

// render writes the problems of an entry's run, each as file:line: with
// the target's name, and the settings named by their keys. A workload
// problem is the suite's, said once at its line.
func (s *Suite) render(e *Entry, err error) []string {
	var out []string
	for _, x := range joined(err) {
		var fe *bench.FieldError
		if !errors.As(x, &fe) {
			out = append(out, fmt.Sprintf("%s:%d: target %s: %v", s.File, e.line, e.Name, x))
			continue
		}
		msg := fe.Render(KeyName)
		st, known := lookupSetting(fe.Setting)
		if known && st.Block == "workload" {
			line := cmpLine(e.lines[fe.Setting], cmpLine(s.lines["workload"], 1))
			out = append(out, fmt.Sprintf("%s:%d: %s", s.File, line, msg))
			continue
		}
		line := e.lines[fe.Setting]
		if line == 0 {
			key := fe.Setting
			if known && st.Key != "" {
				key = st.Key
			}
			line = keyLine(e.node, key)
		}
		out = append(out, fmt.Sprintf("%s:%d: target %s: %s", s.File, line, e.Name, msg))
	}
	return out
}

// KeyName names a setting (by its ID) as a suite file spells it:
// load.max_error_rate, workload, gpus.
func KeyName(id string) string {
	st, ok := lookupSetting(id)
	switch {
	case !ok || st.Key == "":
		return strings.ReplaceAll(id, "-", "_")
	case st.Block == "workload" && st.Key == "path":
		return "workload"
	case st.Block == "workload" || st.Block == "load":
		return st.Block + "." + st.Key
	}
	return st.Key
}
