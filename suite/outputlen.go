package suite

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/workloads"
)

// OutputLen is how many output tokens each request asks for (max_tokens):
// "max" (the zero value) its own max_tokens, "observed" the length its
// recorded upstream answered (Request.Observed), or a number for every
// request.
type OutputLen struct {
	Observed bool
	// Tokens, when > 0, is every request's max_tokens.
	Tokens int
}

func (o *OutputLen) String() string {
	switch {
	case o == nil || !o.Observed && o.Tokens == 0:
		return "max"
	case o.Observed:
		return "observed"
	}
	return strconv.Itoa(o.Tokens)
}

// Set reads max, observed or a number of tokens > 0.
func (o *OutputLen) Set(s string) error {
	switch s = strings.TrimSpace(s); s {
	case "max":
		*o = OutputLen{}
		return nil
	case "observed":
		*o = OutputLen{Observed: true}
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q: want max, observed or a number of tokens > 0", s)
	}
	*o = OutputLen{Tokens: n}
	return nil
}

// apply returns the requests with their output lengths as o says (reqs
// itself for max), and how many requests kept their own max_tokens for
// want of an observed length.
//
// With observed, a request asks for exactly what its upstream answered:
// max_tokens = observed output tokens (reasoning included, as APIs count
// it), and ignore_eos with min_tokens of the same, so an engine does not
// stop early. Those two are engine-only fields: a target that does not
// accept them drops them (targets' DropFields), and gets max_tokens alone.
func (o OutputLen) apply(reqs []workloads.Request) (out []workloads.Request, kept int) {
	if !o.Observed && o.Tokens == 0 {
		return reqs, 0
	}
	out = slices.Clone(reqs)
	for i := range out {
		r := &out[i]
		if o.Tokens > 0 {
			r.MaxTokens = o.Tokens
			continue
		}
		if r.Observed == nil || r.Observed.OutputTokens <= 0 {
			kept++
			continue
		}
		n := r.Observed.OutputTokens
		r.MaxTokens = n
		r.Extra = maps.Clone(r.Extra)
		if r.Extra == nil {
			r.Extra = map[string]json.RawMessage{}
		}
		r.Extra["ignore_eos"] = json.RawMessage("true")
		r.Extra["min_tokens"] = json.RawMessage(strconv.Itoa(n))
	}
	return out, kept
}
