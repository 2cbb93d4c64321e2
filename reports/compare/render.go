package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/inferbench/inferbench/reports"
	"github.com/inferbench/inferbench/reports/internal/table"
	"github.com/inferbench/inferbench/reports/threshold"
)

// headline is the one-line outcome: the gate (thresholds) first, since
// that is what fails a build, then the statistical verdict.
func (c *Comparison) headline() (icon, text string) {
	failed := c.ThresholdsFailed()
	switch {
	case failed > 0:
		icon = "❌"
	case c.Verdict == VerdictWorse:
		icon = "⚠️"
	default:
		icon = "✅"
	}
	text = string(c.Verdict)
	switch n := len(c.Thresholds); {
	case n == 0:
		text += " · no thresholds"
	case failed > 0:
		text += fmt.Sprintf(" · %d of %d thresholds failed", failed, n)
	default:
		text += fmt.Sprintf(" · %d of %d thresholds passed", n, n)
	}
	if len(c.Incomplete) > 0 {
		icon = "⚠️"
		if failed > 0 {
			icon = "❌"
		}
		text += " · ON INCOMPLETE DATA"
	}
	return icon, text
}

// incompleteText is the warning over a verdict on incomplete data.
func (c *Comparison) incompleteText() string {
	return "this verdict rests on incomplete data (accepted with --allow-incomplete): " + strings.Join(c.Incomplete, "; ")
}

func verdictIcon(v Verdict) string {
	switch v {
	case VerdictWorse:
		return "🔴"
	case VerdictBetter:
		return "🟢"
	case VerdictSame:
		return "⚪"
	}
	return "–"
}

// describe is a run's identity for the header lines.
func describe(s *reports.Summary) string {
	parts := []string{s.Target}
	if s.Model != "" {
		parts = append(parts, s.Model)
	}
	if s.Simulated {
		parts = append(parts, "simulated")
	}
	return fmt.Sprintf("%s (%s), %d requests, %d ok", s.RunID, strings.Join(parts, ", "), s.Requests.Total, s.Requests.OK)
}

// cells are one metric row as text: baseline, candidate, delta, delta %,
// interval.
func (d MetricDelta) cells() [5]string {
	val := func(v float64) string {
		if math.IsNaN(v) {
			return "–"
		}
		return d.Unit.Format(v)
	}
	out := [5]string{val(d.Base), val(d.Cand), "–", "–", "–"}
	if !math.IsNaN(d.Delta) {
		out[2] = d.Unit.FormatDelta(d.Delta)
	}
	if !math.IsNaN(d.RelDelta) {
		out[3] = fmt.Sprintf("%+.1f%%", d.RelDelta*100)
	}
	if d.CI != nil {
		out[4] = "[" + d.Unit.FormatDelta(d.CI.Lo) + ", " + d.Unit.FormatDelta(d.CI.Hi) + "]"
	}
	return out
}

func (d MetricDelta) verdictText() string {
	v := string(d.Verdict)
	if !d.Counted && d.Verdict != VerdictUntested {
		v += " (not counted)"
	}
	return v
}

// shortVerdict is verdictText as the terminal table writes it, to fit
// 120 columns: "no sig. change", "(info)" for not counted.
func (d MetricDelta) shortVerdict() string {
	v := string(d.Verdict)
	if d.Verdict == VerdictSame {
		v = "no sig. change"
	}
	if !d.Counted && d.Verdict != VerdictUntested {
		v += " (info)"
	}
	return v
}

func pValue(p float64) string {
	switch {
	case math.IsNaN(p):
		return "–"
	case p < 1e-4:
		return "<0.0001"
	}
	return table.Ftoa(p, 4)
}

// method is the sentence that says how the intervals were made.
func (c *Comparison) method() string {
	o := c.Options
	lat := "latencies by seeded bootstrap of the per-request values"
	shifts := "The Mann-Whitney shifts are shown for information (ITL's treats gaps as independent) and do not count."
	if c.Pairs > 0 {
		lat = fmt.Sprintf("latencies by seeded bootstrap resampling the %d request pairs together (ITL and schedule lag: each run's values on their own)", c.Pairs)
		shifts = "The shifts (Wilcoxon signed-rank of the per-request differences where paired, else Mann-Whitney) are shown for information and do not count."
	}
	return fmt.Sprintf("Δ = candidate − baseline with a %g%% interval: %s "+
		"(%d resamples, seed %d, nearest-rank percentiles; ITL resamples whole requests, since the gaps of one request are not independent), "+
		"error rate and good fraction by Newcombe's score interval, throughput by a Poisson-count interval; cost is not tested. "+
		"A change counts when its interval excludes 0 and it is at least %g%% of the baseline; schedule lag measures the load generator "+
		"and is not counted (info). %s",
		100*(1-o.Alpha), lat, o.Resamples, o.Seed, 100*o.MinEffect, shifts)
}

// pairingLine says whether the latencies were compared request by
// request, with how many pairs, or why not.
func (c *Comparison) pairingLine() string {
	if c.Pairs > 0 {
		return "latency tests: " + c.Pairing + "; paired bootstrap and Wilcoxon signed-rank"
	}
	return "latency tests: " + c.Pairing + "; bootstrap of each run and Mann-Whitney U"
}

// shiftCells are one shift as text: test, n base, n cand, P(cand>base),
// median per-request difference with its interval, p.
func (s Shift) shiftCells() []string {
	med := "–"
	if !math.IsNaN(s.MedianDiff) {
		med = reports.UnitDuration.FormatDelta(s.MedianDiff)
		if s.MedianCI != nil {
			med += " [" + reports.UnitDuration.FormatDelta(s.MedianCI.Lo) + ", " + reports.UnitDuration.FormatDelta(s.MedianCI.Hi) + "]"
		}
	}
	return []string{s.Test, table.Itoa(int64(s.NBase)), table.Itoa(int64(s.NCand)), probText(s.ProbGreater), med, pValue(s.P)}
}

// RenderText writes c as aligned plain text for a terminal.
func RenderText(w io.Writer, c *Comparison) error {
	var b strings.Builder
	_, head := c.headline()
	fmt.Fprintf(&b, "inferbench compare: %s\n", head)
	if len(c.Incomplete) > 0 {
		table.WrapText(&b, "WARNING: ", "         ", c.incompleteText())
	}
	fmt.Fprintf(&b, "baseline   %s\ncandidate  %s\n", describe(&c.Base), describe(&c.Cand))
	table.WrapText(&b, "", "  ", c.pairingLine())
	b.WriteString("\n")
	conf := fmt.Sprintf("%g%% CI of delta", 100*(1-c.Options.Alpha))
	rows := [][]string{{"metric", "baseline", "candidate", "delta", "delta %", conf, "verdict"}}
	for _, d := range c.Metrics {
		cl := d.cells()
		rows = append(rows, []string{d.Metric, cl[0], cl[1], cl[2], cl[3], cl[4], d.shortVerdict()})
	}
	writeAligned(&b, rows, []bool{false, true, true, true, true, false, false})
	if len(c.Thresholds) > 0 {
		b.WriteString("\nthresholds:\n")
		writeThresholds(&b, c.Thresholds)
	}
	if len(c.Shifts) > 0 {
		b.WriteString("\ndistribution shift (two-sided; paired: Wilcoxon signed-rank, else Mann-Whitney U):\n")
		rows = [][]string{{"  metric", "test", "n base", "n cand", "P(cand>base)", fmt.Sprintf("median Δ [%g%% CI]", 100*(1-c.Options.Alpha)), "p", "verdict"}}
		for _, s := range c.Shifts {
			v := string(s.Verdict)
			if s.Verdict == VerdictSame {
				v = "no sig. change" // as the metrics table, to fit 120 columns
			}
			rows = append(rows, append(append([]string{"  " + s.Metric}, s.shiftCells()...), v))
		}
		writeAligned(&b, rows, []bool{false, false, true, true, true, true, true, false})
	}
	b.WriteString("\n")
	table.WrapText(&b, "", "", c.method())
	table.WriteNotesText(&b, c.allNotes())
	_, err := io.WriteString(w, b.String())
	return err
}

// writeThresholds lists results one a line: PASS or FAIL, the
// expression, and what was compared.
func writeThresholds(b *strings.Builder, rs []threshold.Result) {
	width := 0
	for _, t := range rs {
		width = max(width, runeLen(t.Expr))
	}
	for _, t := range rs {
		status := "PASS"
		if t.Failed {
			status = "FAIL"
		}
		fmt.Fprintf(b, "  %s  %s%s  %s\n", status, t.Expr, strings.Repeat(" ", width-runeLen(t.Expr)), t.Message)
	}
}

func probText(p float64) string {
	if math.IsNaN(p) {
		return "–"
	}
	return table.Ftoa(p, 3)
}

// allNotes are the comparison's notes and then each run's.
func (c *Comparison) allNotes() []string {
	out := append([]string{}, c.Notes...)
	for _, s := range []*reports.Summary{&c.Base, &c.Cand} {
		for _, n := range s.Notes {
			out = append(out, s.RunID+": "+n)
		}
	}
	return out
}

// writeAligned writes rows as columns two spaces apart, right-aligned
// where right[i], with a rule under the first row. Widths count runes, so
// "µs" and "–" line up.
func writeAligned(b *strings.Builder, rows [][]string, right []bool) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], runeLen(c))
		}
	}
	for ri, r := range rows {
		var line strings.Builder
		for i, c := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", width[i]-runeLen(c))
			if right[i] {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
		if ri == 0 {
			total := 0
			for _, wd := range width {
				total += wd + 2
			}
			b.WriteString(strings.Repeat("-", total-2) + "\n")
		}
	}
}

func runeLen(s string) int { return len([]rune(s)) }

// RenderMarkdown writes c as GitHub-flavoured Markdown for a CI job
// summary or a pull-request comment: the verdict line first, then the
// metrics with deltas and intervals, the thresholds, and the details
// folded away.
func RenderMarkdown(w io.Writer, c *Comparison) error {
	var b strings.Builder
	icon, head := c.headline()
	fmt.Fprintf(&b, "### %s inferbench compare: %s\n\n", icon, head)
	fmt.Fprintf(&b, "Candidate %s against baseline %s; %s.\n\n", mdRun(&c.Cand), mdRun(&c.Base), table.MDEscape(c.pairingLine()))
	if len(c.Incomplete) > 0 {
		b.WriteString("> **Warning:** " + table.MDEscape(c.incompleteText()) + "\n\n")
	}
	if len(c.Thresholds) > 0 {
		b.WriteString("| | threshold | candidate | limit | detail |\n|---|---|--:|--:|---|\n")
		for _, t := range c.Thresholds {
			status := "✅"
			if t.Failed {
				status = "❌"
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", status, mdCodeText(t.Expr),
				mdValue(t.Unit, t.Value), mdValue(t.Unit, t.Limit), table.MDEscape(t.Message))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "| metric | baseline | candidate | Δ | Δ %% | %g%% CI of Δ | verdict |\n|---|--:|--:|--:|--:|--:|---|\n",
		100*(1-c.Options.Alpha))
	for _, d := range c.Metrics {
		cl := d.cells()
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s %s |\n", d.Metric,
			cl[0], cl[1], cl[2], cl[3], cl[4], verdictIcon(d.Verdict), d.verdictText())
	}
	b.WriteString("\n<details><summary>Method, distribution shifts and notes</summary>\n\n")
	b.WriteString(c.method() + "\n\n")
	if len(c.Shifts) > 0 {
		fmt.Fprintf(&b, "| distribution | test | n baseline | n candidate | P(cand > base) | median Δ per request [%g%% CI] | p | shift |\n|---|---|--:|--:|--:|--:|--:|---|\n",
			100*(1-c.Options.Alpha))
		for _, s := range c.Shifts {
			cl := s.shiftCells()
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s | %s %s |\n", s.Metric, cl[0], cl[1], cl[2], cl[3], cl[4], cl[5],
				verdictIcon(s.Verdict), s.Verdict)
		}
		b.WriteString("\n")
	}
	if n := c.allNotes(); len(n) > 0 {
		for _, s := range n {
			b.WriteString("- " + table.MDEscape(s) + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("</details>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// mdRun is a run's identity with every name from the run in a code span,
// so a model or target name cannot add markup.
func mdRun(s *reports.Summary) string {
	id := mdCode(s.RunID) + " (" + mdCode(s.Target)
	if s.Model != "" {
		id += ", " + mdCode(s.Model)
	}
	if s.Simulated {
		id += ", simulated"
	}
	return fmt.Sprintf("%s; %d requests, %d ok)", id, s.Requests.Total, s.Requests.OK)
}

func mdValue(u reports.Unit, v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return u.Format(v)
}

// mdCode wraps s in backticks that s cannot close.
func mdCode(s string) string { return "`" + mdCodeText(s) + "`" }

// mdCodeText makes s safe inside a backtick span in a table cell.
func mdCodeText(s string) string {
	s = strings.ReplaceAll(s, "`", "'")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// The JSON shape of a Comparison; durations are milliseconds, fractions
// 0..1, values that do not exist null.
type jsonComparison struct {
	Verdict    string          `json:"verdict"`
	Passed     bool            `json:"passed"`
	Complete   bool            `json:"complete"`
	Incomplete []string        `json:"incomplete"`
	Baseline   jsonRunRef      `json:"baseline"`
	Candidate  jsonRunRef      `json:"candidate"`
	Method     jsonMethod      `json:"method"`
	Pairing    jsonPairing     `json:"pairing"`
	Metrics    []jsonDelta     `json:"metrics"`
	Shifts     []jsonShift     `json:"shifts"`
	Thresholds []jsonThreshold `json:"thresholds"`
	Notes      []string        `json:"notes"`
}

type jsonRunRef struct {
	RunID     string `json:"run_id"`
	Target    string `json:"target"`
	Model     string `json:"model"`
	Simulated bool   `json:"simulated"`
	Requests  int64  `json:"requests"`
	OK        int64  `json:"ok"`
	Failed    int64  `json:"failed"`
}

type jsonMethod struct {
	Confidence   float64 `json:"confidence"`
	Resamples    int     `json:"resamples"`
	Seed         uint64  `json:"seed"`
	BootstrapCap int     `json:"bootstrap_cap"`
	MinEffect    float64 `json:"min_effect"`
	Percentiles  string  `json:"percentiles"`
}

type jsonPairing struct {
	Paired bool   `json:"paired"`
	Pairs  int    `json:"pairs"`
	Note   string `json:"note"`
}

type jsonDelta struct {
	Metric      string     `json:"metric"`
	Unit        string     `json:"unit"`
	Better      string     `json:"better"`
	Baseline    *float64   `json:"baseline"`
	Candidate   *float64   `json:"candidate"`
	Delta       *float64   `json:"delta"`
	DeltaPct    *float64   `json:"delta_pct"`
	CI          []*float64 `json:"ci"`
	Test        string     `json:"test"`
	Significant bool       `json:"significant"`
	Verdict     string     `json:"verdict"`
	Counted     bool       `json:"counted"`
}

type jsonShift struct {
	Metric       string     `json:"metric"`
	Test         string     `json:"test"`
	NBaseline    int        `json:"n_baseline"`
	NCandidate   int        `json:"n_candidate"`
	Pairs        int        `json:"pairs"`
	ProbGreater  *float64   `json:"prob_candidate_greater"`
	MedianDiff   *float64   `json:"median_diff_ms"`
	MedianDiffCI []*float64 `json:"median_diff_ci_ms"`
	Z            *float64   `json:"z"`
	P            *float64   `json:"p"`
	Verdict      string     `json:"verdict"`
}

type jsonThreshold struct {
	Expr    string   `json:"expr"`
	Metric  string   `json:"metric"`
	RunID   string   `json:"run_id"`
	Unit    string   `json:"unit"`
	Value   *float64 `json:"value"`
	Limit   *float64 `json:"limit"`
	Base    *float64 `json:"base"`
	Passed  bool     `json:"passed"`
	Message string   `json:"message"`
}

// num is v in JSON units (ms for durations), nil for NaN.
func num(u reports.Unit, v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	if u == reports.UnitDuration {
		v /= 1e6
	}
	return &v
}

func runRef(s *reports.Summary) jsonRunRef {
	return jsonRunRef{RunID: s.RunID, Target: s.Target, Model: s.Model, Simulated: s.Simulated,
		Requests: s.Requests.Total, OK: s.Requests.OK, Failed: s.Requests.Failed}
}

func jsonThresholds(rs []threshold.Result) []jsonThreshold {
	out := make([]jsonThreshold, 0, len(rs))
	for _, t := range rs {
		out = append(out, jsonThreshold{Expr: t.Expr, Metric: t.Metric, RunID: t.RunID, Unit: t.Unit.String(),
			Value: num(t.Unit, t.Value), Limit: num(t.Unit, t.Limit), Base: num(t.Unit, t.Base),
			Passed: !t.Failed, Message: t.Message})
	}
	return out
}

// RenderJSON writes c as one indented JSON object.
func RenderJSON(w io.Writer, c *Comparison) error {
	o := c.Options
	j := jsonComparison{
		Verdict: string(c.Verdict), Passed: c.ThresholdsFailed() == 0,
		Complete: len(c.Incomplete) == 0, Incomplete: append([]string{}, c.Incomplete...),
		Baseline: runRef(&c.Base), Candidate: runRef(&c.Cand),
		Method: jsonMethod{Confidence: 1 - o.Alpha, Resamples: o.Resamples, Seed: o.Seed,
			BootstrapCap: o.BootstrapCap, MinEffect: o.MinEffect, Percentiles: "nearest-rank"},
		Pairing: jsonPairing{Paired: c.Pairs > 0, Pairs: c.Pairs, Note: c.Pairing},
		Metrics: []jsonDelta{}, Shifts: []jsonShift{}, Thresholds: jsonThresholds(c.Thresholds),
		Notes: append([]string{}, c.allNotes()...),
	}
	for _, d := range c.Metrics {
		better := "lower"
		if d.Better == reports.HigherIsBetter {
			better = "higher"
		}
		jd := jsonDelta{Metric: d.Metric, Unit: d.Unit.String(), Better: better,
			Baseline: num(d.Unit, d.Base), Candidate: num(d.Unit, d.Cand), Delta: num(d.Unit, d.Delta),
			Test: d.Test, Significant: d.Significant, Verdict: string(d.Verdict), Counted: d.Counted}
		if !math.IsNaN(d.RelDelta) {
			p := d.RelDelta * 100
			jd.DeltaPct = &p
		}
		if d.CI != nil {
			jd.CI = []*float64{num(d.Unit, d.CI.Lo), num(d.Unit, d.CI.Hi)}
		}
		j.Metrics = append(j.Metrics, jd)
	}
	for _, s := range c.Shifts {
		js := jsonShift{Metric: s.Metric, Test: s.Test, NBaseline: s.NBase, NCandidate: s.NCand, Pairs: s.Pairs,
			ProbGreater: num(reports.UnitFraction, s.ProbGreater), MedianDiff: num(reports.UnitDuration, s.MedianDiff),
			Z: num(reports.UnitFraction, s.Z), P: num(reports.UnitFraction, s.P), Verdict: string(s.Verdict)}
		if s.MedianCI != nil {
			js.MedianDiffCI = []*float64{num(reports.UnitDuration, s.MedianCI.Lo), num(reports.UnitDuration, s.MedianCI.Hi)}
		}
		j.Shifts = append(j.Shifts, js)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}
