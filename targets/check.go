package targets

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/workloads"
)

// Check prepares every request of a workload as t would send it, before
// anything is sent, so a run that the API would refuse stops before it
// starts and a field that will not be sent is said once, not per request.
//
// notes are for the user, one line each: the requests' own fields that
// are not sent (each with why, how many requests carry it and the first),
// and limits raised to a protocol's minimum. err lists the requests the
// API would refuse (an Anthropic thinking budget not below max_tokens),
// and, with strict fields, the fields not sent; it names the first
// requests of each. A target of another package is not checked.
func Check(t Target, reqs []workloads.Request) (notes []string, err error) {
	if c, ok := t.(checker); ok {
		return c.check(reqs)
	}
	return nil, nil
}

// checker is a target Check can look into.
type checker interface {
	check(reqs []workloads.Request) ([]string, error)
}

// wireChecker is a wire with requests of its own to check: a note (a
// limit raised) or a problem (the API would refuse it), "" for none; and
// the rule behind them, said once after the requests.
type wireChecker interface {
	check(cfg *Config, req *workloads.Request) (note, problem string)
	checkRule() string
}

// maxExamples is how many requests a note or problem names.
const maxExamples = 3

// examples counts requests and keeps the first few, as "request ID: msg".
type examples struct {
	n     int
	first []string
}

func (e *examples) add(id, msg string) {
	e.n++
	if len(e.first) < maxExamples {
		e.first = append(e.first, "request "+id+": "+msg)
	}
}

func (e *examples) String() string {
	s := strings.Join(e.first, "; ")
	if more := e.n - len(e.first); more > 0 {
		s += fmt.Sprintf("; and %d more", more)
	}
	return s
}

func (t *streamTarget) check(reqs []workloads.Request) ([]string, error) {
	type drop struct {
		why, first string
		n          int
	}
	drops := map[string]*drop{}
	var order []string
	var raised, refused examples
	wc, _ := t.wire.(wireChecker)
	for i := range reqs {
		req := &reqs[i]
		id := req.ID
		if id == "" {
			id = "#" + strconv.Itoa(i+1)
		}
		p, err := t.plan(req)
		if err != nil {
			refused.add(id, err.Error())
			continue
		}
		for _, d := range p.dropped {
			if drops[d.name] == nil {
				drops[d.name] = &drop{why: d.why, first: id}
				order = append(order, d.name)
			}
			drops[d.name].n++
		}
		if wc == nil {
			continue
		}
		if note, problem := wc.check(&t.cfg, req); problem != "" {
			refused.add(id, problem)
		} else if note != "" {
			raised.add(id, note)
		}
	}
	var notes []string
	var errs []error
	if len(order) > 0 {
		list := make([]string, len(order))
		for i, name := range order {
			d := drops[name]
			list[i] = fmt.Sprintf("%s (%s; %s, the first %s)", name, d.why, requests(d.n), d.first)
		}
		if t.cfg.StrictFields {
			errs = append(errs, fmt.Errorf("strict fields: the workload carries fields this target would not send: %s", strings.Join(list, ", ")))
		} else {
			notes = append(notes, "not sent, as the protocol or model does not take them (strict_fields refuses instead): "+strings.Join(list, ", "))
		}
	}
	rule := ""
	if wc != nil {
		rule = " (" + wc.checkRule() + ")"
	}
	if raised.n > 0 {
		notes = append(notes, fmt.Sprintf("output limits below the API's minimum in %s: %v%s", requests(raised.n), &raised, rule))
	}
	if refused.n > 0 {
		errs = append(errs, fmt.Errorf("%s would be refused by the API: %v%s", requests(refused.n), &refused, rule))
	}
	return notes, errors.Join(errs...)
}

// requests is "1 request" or "N requests".
func requests(n int) string {
	if n == 1 {
		return "1 request"
	}
	return strconv.Itoa(n) + " requests"
}
