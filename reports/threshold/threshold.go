package threshold

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/inferbench/inferbench/internal/suggest"
	"github.com/inferbench/inferbench/reports"
)

// Threshold is one parsed --fail-on expression: a metric of the checked
// run, a comparison, and a limit that may refer to the baseline's value of
// the same metric as `base`. The expression says when to FAIL (a
// requirement, ParseRequirement, reads the other way: what must hold):
//
//	ttft.p95 > 800ms                  fail when the p95 TTFT is above 800 ms
//	e2e.p99 > 1.10 * base             ... when p99 E2E grew by more than 10%
//	error_rate > 1%                   ... when more than 1% of requests failed
//	throughput.output_tok_s < 0.9 * base
//	goodput.fraction < 95%
//
// Grammar (whitespace is free; names are case-insensitive):
//
//	threshold := metric op limit
//	op        := ">" | ">=" | "<" | "<="
//	limit     := term { ("+" | "-") term }
//	term      := factor { ("*" | "/") factor }
//	factor    := "-" factor | number [unit] | "base" | "(" limit ")"
//	unit      := "ns" | "us" | "µs" | "ms" | "s" | "%"
//
// A duration metric needs a limit that is a duration (800ms, 1.1 * base,
// base + 50ms); other metrics take plain numbers. "%" divides by 100
// anywhere, so 110% * base is 1.1 * base. Fractions (error_rate,
// goodput.fraction) are 0..1: write 1% or 0.01.
type Threshold struct {
	// Expr is the expression as given.
	Expr string
	// Metric is the canonical name of the metric checked.
	Metric string
	// Op is the comparison: the one that fails the threshold, or for a
	// Requirement the one that must hold.
	Op string
	// Requirement is set for an expression that must hold (a suite's
	// gates): the check fails when the comparison is false.
	Requirement bool

	def     reports.Metric
	limit   node
	basePos int // byte offset of the first "base", -1 when there is none
}

// Error is a threshold expression that does not parse or does not
// make sense, with the byte offset of the problem.
type Error struct {
	Expr string
	Pos  int // byte offset into Expr
	Msg  string
}

// Error names the column and draws a caret under it:
//
//	"ttft.p95 > 800": column 12: ttft.p95 is a duration: give 800 a unit, like 800ms
//	  ttft.p95 > 800
//	             ^
func (e *Error) Error() string { return fmt.Sprintf("%q: %s", e.Expr, e.Detail()) }

// Detail is Error without the quoted expression in front, for callers
// that name it already (a flag parser's "invalid value ... for flag").
func (e *Error) Detail() string {
	col := utf8.RuneCountInString(e.Expr[:min(max(e.Pos, 0), len(e.Expr))])
	return fmt.Sprintf("column %d: %s\n  %s\n  %s^", col+1, e.Msg, e.Expr, strings.Repeat(" ", col))
}

// Parse parses one expression that says when to fail (--fail-on).
// Errors are *Error.
func Parse(expr string) (*Threshold, error) {
	return parse(expr, false)
}

// ParseRequirement parses one expression in the same grammar that says
// what must hold (a suite's gates: "ttft.p95 < 800ms" passes a run whose
// p95 TTFT is below 800 ms and fails the others). Errors are
// *Error.
func ParseRequirement(expr string) (*Threshold, error) {
	return parse(expr, true)
}

func parse(expr string, requirement bool) (*Threshold, error) {
	p := &parser{expr: expr, basePos: -1, requirement: requirement}
	if err := p.scan(); err != nil {
		return nil, err
	}
	return p.threshold()
}

// UsesBase reports whether the limit refers to the baseline.
func (t *Threshold) UsesBase() bool { return t.basePos >= 0 }

// NoBase returns an error pointing at `base` when the expression uses it:
// a single-run report has no baseline.
func (t *Threshold) NoBase() error {
	if !t.UsesBase() {
		return nil
	}
	return &Error{t.Expr, t.basePos, "base (the baseline's value) exists only in inferbench compare"}
}

// String returns the expression.
func (t *Threshold) String() string { return t.Expr }

// Result is one threshold checked against one run.
type Result struct {
	Expr   string
	Metric string
	// RunID is the run whose value was checked (the candidate in a
	// comparison).
	RunID string
	Unit  reports.Unit
	// Value is the run's value and Limit the evaluated limit (NaN when
	// not available); Base is the baseline's value (NaN when unused).
	Value, Limit, Base float64
	Failed             bool
	// Message says what was compared, or why it could not be.
	Message string
}

// Check evaluates t on s. base is the baseline's summary, or nil outside a
// comparison. A metric the run has no value for (no ok requests, no
// prices, no SLO) fails the threshold, requirement or not: a gate that
// cannot be checked must not pass silently.
func (t *Threshold) Check(s *reports.Summary, base *reports.Summary) Result {
	r := Result{Expr: t.Expr, Metric: t.Metric, RunID: s.RunID, Unit: t.def.Unit,
		Value: math.NaN(), Limit: math.NaN(), Base: math.NaN()}
	v, ok := t.def.Value(s)
	if !ok {
		r.Failed = true
		r.Message = fmt.Sprintf("%s: run %s has no value (%s)", t.Metric, s.RunID, missingReason(t.def))
		return r
	}
	r.Value = v
	var bv float64
	if t.UsesBase() {
		if base == nil {
			r.Failed = true
			r.Message = fmt.Sprintf("%s: no baseline to compare with", t.Metric)
			return r
		}
		bv, ok = t.def.Value(base)
		if !ok {
			r.Failed = true
			r.Message = fmt.Sprintf("%s: baseline %s has no value (%s)", t.Metric, base.RunID, missingReason(t.def))
			return r
		}
		r.Base = bv
	}
	r.Limit = t.limit.eval(bv)
	if math.IsNaN(r.Limit) || math.IsInf(r.Limit, 0) {
		r.Failed = true
		r.Message = fmt.Sprintf("%s: the limit is not a number (%v)", t.Metric, r.Limit)
		return r
	}
	var holds bool
	switch t.Op {
	case ">":
		holds = v > r.Limit
	case ">=":
		holds = v >= r.Limit
	case "<":
		holds = v < r.Limit
	case "<=":
		holds = v <= r.Limit
	}
	// A threshold fails when its comparison holds, a requirement when it
	// does not.
	r.Failed = holds != t.Requirement
	u := t.def.Unit
	if holds {
		r.Message = fmt.Sprintf("%s = %s %s %s", t.Metric, u.Format(v), t.Op, u.Format(r.Limit))
	} else {
		r.Message = fmt.Sprintf("%s = %s, not %s %s", t.Metric, u.Format(v), t.Op, u.Format(r.Limit))
	}
	if t.UsesBase() {
		r.Message += " (base " + u.Format(bv) + ")"
	}
	return r
}

// missingReason says why a run may lack a value of m.
func missingReason(m reports.Metric) string {
	switch {
	case m.Family != "":
		return "no ok request measured it"
	case strings.HasPrefix(m.Name, "cost"):
		return "no prices: the manifest has none and none were given"
	case strings.HasPrefix(m.Name, "goodput"):
		return "no SLO given (--slo) or no requests"
	}
	return "no measured requests"
}

// dim is the dimension of a value in a limit: a plain number or a
// duration (nanoseconds).
type dim int

const (
	dimScalar dim = iota
	dimDuration
)

func (d dim) String() string {
	if d == dimDuration {
		return "a duration"
	}
	return "a plain number"
}

// node is a limit expression, evaluated with the baseline's value.
type node interface{ eval(base float64) float64 }

type numNode float64

func (n numNode) eval(float64) float64 { return float64(n) }

type baseNode struct{}

func (baseNode) eval(b float64) float64 { return b }

type negNode struct{ x node }

func (n negNode) eval(b float64) float64 { return -n.x.eval(b) }

type binNode struct {
	op   byte
	l, r node
}

func (n binNode) eval(b float64) float64 {
	l, r := n.l.eval(b), n.r.eval(b)
	switch n.op {
	case '+':
		return l + r
	case '-':
		return l - r
	case '*':
		return l * r
	}
	return l / r
}

// token kinds.
const (
	tEOF = iota
	tNum
	tIdent
	tOp    // > >= < <=
	tPunct // + - * / ( ) %
)

type token struct {
	kind int
	text string
	pos  int
}

type parser struct {
	expr    string
	toks    []token
	i       int
	def     reports.Metric
	basePos int
	percent bool // a % literal appears in the limit
	// requirement: the expression says what must hold, not when to fail.
	requirement bool
}

func (p *parser) errAt(pos int, format string, args ...any) error {
	return &Error{p.expr, pos, fmt.Sprintf(format, args...)}
}

// scan splits the expression into tokens.
func (p *parser) scan() error {
	s := p.expr
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return p.errAt(i, "not valid UTF-8")
		case unicode.IsSpace(r):
			i += size
		case r >= '0' && r <= '9' || r == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			// An exponent only when digits follow, so "5e" is 5 and a unit.
			if j+1 < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k < len(s) && s[k] >= '0' && s[k] <= '9' {
					for k < len(s) && s[k] >= '0' && s[k] <= '9' {
						k++
					}
					j = k
				}
			}
			p.toks = append(p.toks, token{tNum, s[i:j], i})
			i = j
		case r == '_' || unicode.IsLetter(r):
			j := i
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if r2 != '_' && r2 != '.' && !unicode.IsLetter(r2) && !unicode.IsDigit(r2) {
					break
				}
				j += n
			}
			p.toks = append(p.toks, token{tIdent, s[i:j], i})
			i = j
		case r == '>' || r == '<':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			p.toks = append(p.toks, token{tOp, s[i:j], i})
			i = j
		case r == '=' || r == '!':
			what := "the condition that fails the check"
			if p.requirement {
				what = "the condition that must hold"
			}
			return p.errAt(i, "unsupported operator: use >, >=, < or <= (%s)", what)
		case strings.ContainsRune("+-*/()%", r):
			p.toks = append(p.toks, token{tPunct, s[i : i+1], i})
			i++
		default:
			return p.errAt(i, "unexpected %q", r)
		}
	}
	p.toks = append(p.toks, token{tEOF, "", len(s)})
	return nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) threshold() (*Threshold, error) {
	mt := p.next()
	if mt.kind != tIdent {
		if mt.kind == tEOF {
			return nil, p.errAt(mt.pos, "empty expression: want METRIC OP LIMIT, like 'ttft.p95 > 800ms'")
		}
		return nil, p.errAt(mt.pos, "want a metric name first, like ttft.p95 or error_rate")
	}
	def, ok := reports.LookupMetric(mt.text)
	if !ok {
		msg := fmt.Sprintf("unknown metric %q", mt.text)
		if c := closestMetric(mt.text); c != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", c)
		} else if !strings.Contains(mt.text, ".") && isFamily(mt.text) {
			stats := reports.Stats()
			names := make([]string, len(stats))
			for i, st := range stats {
				names[i] = st.Name
			}
			msg += fmt.Sprintf(" (name a statistic: %s.p95; one of %s)", mt.text, strings.Join(names, ", "))
		} else {
			msg += "; known: latencies (ttft, ttfo, tpot, itl, e2e, user_latency, schedule_lag) . p50|p90|p95|p99|max|mean, error_rate, throughput.requests_per_s, throughput.output_tok_s, goodput.fraction, goodput.req_s, cost_per_1m_output, cost_per_1m_input, cost_per_request"
		}
		return nil, p.errAt(mt.pos, "%s", msg)
	}
	p.def = def
	op := p.next()
	if op.kind != tOp {
		return nil, p.errAt(op.pos, "want a comparison (>, >=, <, <=) after %s", mt.text)
	}
	limitPos := p.peek().pos
	limit, d, err := p.sum()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.text == ")" {
			return nil, p.errAt(t.pos, "unbalanced )")
		}
		return nil, p.errAt(t.pos, "unexpected %q after the limit", t.text)
	}
	want := dimScalar
	if def.Unit == reports.UnitDuration {
		want = dimDuration
	}
	if d != want {
		if want == dimDuration {
			hint := ""
			if _, ok := limit.(numNode); ok {
				lit := strings.TrimSpace(p.expr[limitPos:])
				hint = fmt.Sprintf(": give %s a unit, like %sms", lit, lit)
			} else {
				hint = " (like 800ms, 1.1 * base or base + 50ms)"
			}
			return nil, p.errAt(limitPos, "%s is a duration, but the limit is %s%s", def.Name, d, hint)
		}
		return nil, p.errAt(limitPos, "%s is not a duration, but the limit is one", def.Name)
	}
	if !p.UsesBase() {
		v := limit.eval(0)
		switch {
		case def.Unit == reports.UnitFraction && !p.percent && v > 1:
			return nil, p.errAt(limitPos, "%s is a fraction from 0 to 1: write %s%% or %s (%s would be %s%%)",
				def.Name, sigPlain(v), sigPlain(v/100), sigPlain(v), sigPlain(v*100))
		case def.Unit != reports.UnitFraction && p.percent:
			return nil, p.errAt(limitPos, "%s is not a fraction, so a bare percentage means a plain number; did you mean %s * base?",
				def.Name, strings.TrimSpace(p.expr[limitPos:]))
		}
	}
	return &Threshold{Expr: p.expr, Metric: def.Name, Op: op.text, Requirement: p.requirement, def: def, limit: limit, basePos: p.basePos}, nil
}

func (p *parser) UsesBase() bool { return p.basePos >= 0 }

func isFamily(name string) bool {
	for _, f := range reports.Latencies() {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// closestMetric is the catalogue name nearest to name by edit distance,
// for "did you mean" hints; "" when nothing is close.
func closestMetric(name string) string {
	c, _ := suggest.Closest(name, reports.MetricNames())
	return c
}

func sigPlain(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) }

// sum := term { (+|-) term }; both sides of + and - have one dimension.
func (p *parser) sum() (node, dim, error) {
	l, ld, err := p.term()
	if err != nil {
		return nil, 0, err
	}
	for t := p.peek(); t.text == "+" || t.text == "-"; t = p.peek() {
		p.next()
		r, rd, err := p.term()
		if err != nil {
			return nil, 0, err
		}
		if ld != rd {
			return nil, 0, p.errAt(t.pos, "cannot %s %s and %s", map[string]string{"+": "add", "-": "subtract"}[t.text], ld, rd)
		}
		l = binNode{t.text[0], l, r}
	}
	return l, ld, nil
}

// term := factor { (*|/) factor }; a duration may be scaled by a plain
// number, and divided by one (or by a duration, giving a plain number).
func (p *parser) term() (node, dim, error) {
	l, ld, err := p.factor()
	if err != nil {
		return nil, 0, err
	}
	for t := p.peek(); t.text == "*" || t.text == "/"; t = p.peek() {
		p.next()
		r, rd, err := p.factor()
		if err != nil {
			return nil, 0, err
		}
		switch {
		case t.text == "*" && ld == dimDuration && rd == dimDuration:
			return nil, 0, p.errAt(t.pos, "cannot multiply two durations")
		case t.text == "*":
			ld = max(ld, rd)
		case ld == dimScalar && rd == dimDuration:
			return nil, 0, p.errAt(t.pos, "cannot divide a plain number by a duration")
		case ld == dimDuration && rd == dimDuration:
			ld = dimScalar
		}
		l = binNode{t.text[0], l, r}
	}
	return l, ld, nil
}

// durationUnits are nanoseconds per unit.
var durationUnits = map[string]float64{"ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9}

func (p *parser) factor() (node, dim, error) {
	t := p.next()
	switch {
	case t.text == "-" && t.kind == tPunct:
		x, d, err := p.factor()
		if err != nil {
			return nil, 0, err
		}
		return negNode{x}, d, nil
	case t.text == "(":
		x, d, err := p.sum()
		if err != nil {
			return nil, 0, err
		}
		if c := p.next(); c.text != ")" {
			return nil, 0, p.errAt(c.pos, "want ) to close the ( at column %d", utf8.RuneCountInString(p.expr[:t.pos])+1)
		}
		return x, d, nil
	case t.kind == tIdent && strings.EqualFold(t.text, "base"):
		if p.basePos < 0 {
			p.basePos = t.pos
		}
		if p.def.Unit == reports.UnitDuration {
			return baseNode{}, dimDuration, nil
		}
		return baseNode{}, dimScalar, nil
	case t.kind == tNum:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, 0, p.errAt(t.pos, "bad number %q", t.text)
		}
		u := p.peek()
		if u.kind == tPunct && u.text == "%" {
			p.next()
			p.percent = true
			return numNode(v / 100), dimScalar, nil
		}
		if u.kind == tIdent {
			if ns, ok := durationUnits[strings.ToLower(u.text)]; ok {
				p.next()
				if p.def.Unit != reports.UnitDuration {
					return nil, 0, p.errAt(u.pos, "%s is not a duration: drop the unit %q", p.def.Name, u.text)
				}
				return numNode(v * ns), dimDuration, nil
			}
			if !strings.EqualFold(u.text, "base") {
				return nil, 0, p.errAt(u.pos, "unknown unit %q (want ns, us, ms, s or %%)", u.text)
			}
			return nil, 0, p.errAt(u.pos, "want * between %s and base", t.text)
		}
		return numNode(v), dimScalar, nil
	case t.kind == tEOF:
		return nil, 0, p.errAt(t.pos, "the limit is missing: want a number (800ms, 1%%), base, or an expression (1.1 * base)")
	case t.kind == tIdent:
		if _, ok := durationUnits[strings.ToLower(t.text)]; ok {
			return nil, 0, p.errAt(t.pos, "unit %q without a number", t.text)
		}
		return nil, 0, p.errAt(t.pos, "unknown name %q in the limit (only base, the baseline's value, may appear there)", t.text)
	}
	return nil, 0, p.errAt(t.pos, "unexpected %q", t.text)
}
