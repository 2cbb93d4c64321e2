package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// ProbeMaxTokens caps the output of the probe request: enough for any API
// to accept (Anthropic needs at least 1), small enough to cost nothing.
const ProbeMaxTokens = 8

// ErrProbeFailed marks an error of Execute or Sweep that is a failed
// probe (a *ProbeError): the target refused the first request, so the run
// did not start and left no run directory.
var ErrProbeFailed = errors.New("probe request failed")

// ProbeError is a probe the target refused, with what it answered.
type ProbeError struct {
	Probe results.Probe
}

func (e *ProbeError) Error() string {
	what := e.Probe.ErrorClass
	if e.Probe.HTTPStatus != 0 {
		what += fmt.Sprintf(", HTTP %d", e.Probe.HTTPStatus)
	}
	return fmt.Sprintf("probe request failed (%s): %s", what, cmp.Or(e.Probe.Message, "no message"))
}

// Is makes errors.Is(err, ErrProbeFailed) true.
func (e *ProbeError) Is(target error) bool { return target == ErrProbeFailed }

// probeStops says whether a probe that failed with class stops the run:
// what says the run cannot work as configured does (no server, a TLS
// problem, a wrong model, path or key, a body the API rejects, a request
// that cannot be built); what a server may not repeat does not (a 429, a
// 5xx, a timeout, a stream cut or garbled), because a run against a
// struggling server is worth measuring, and the no-success rule still
// fails a run in which nothing succeeds.
func probeStops(class string) bool {
	switch class {
	case results.ErrClassRateLimited, results.ErrClassHTTP5xx, results.ErrClassTimeout,
		results.ErrClassConnection, results.ErrClassStreamBroken, results.ErrClassStreamTrunc,
		results.ErrClassMalformedChunk, results.ErrClassStreamError:
		return false
	}
	return true
}

// probeRequest is the probe: the plan's first request, with its output
// capped at ProbeMaxTokens (and a min_tokens it carries capped to match),
// so it is a request of the very shape the run sends.
func probeRequest(req workloads.Request) workloads.Request {
	if req.MaxTokens == 0 || req.MaxTokens > ProbeMaxTokens {
		req.MaxTokens = ProbeMaxTokens
	}
	// A min_tokens above max_tokens is refused (vLLM: 400).
	if v, ok := req.Extra["min_tokens"]; ok {
		var n int
		if json.Unmarshal(v, &n) == nil && n > req.MaxTokens {
			req.Extra = maps.Clone(req.Extra)
			req.Extra["min_tokens"] = json.RawMessage(strconv.Itoa(req.MaxTokens))
		}
	}
	return req
}

// probe sends the probe request and says how it went. It returns an
// error wrapping ErrProbeFailed when the failure stops the run, and
// ErrStartInterrupted when ctx ended it.
func (p *Plan) probe(ctx context.Context, first workloads.Request) (*results.Probe, error) {
	req := probeRequest(first)
	clock := results.NewClock(time.Now())
	rec := p.Target.Do(ctx, clock, &req)
	if rec.DoneNs == 0 {
		rec.DoneNs = clock.Now()
	}
	pr := &results.Probe{Status: rec.Status, HTTPStatus: rec.HTTPStatus, ErrorClass: rec.ErrorClass,
		Message: rec.ErrorMessage, LatencyNs: rec.DoneNs - rec.SentNs}
	switch {
	case rec.Status == results.StatusOK:
		return pr, nil
	case ctx.Err() != nil:
		return pr, ErrStartInterrupted
	case rec.Status == "":
		pr.Status, pr.ErrorClass = results.StatusError, results.ErrClassOther
		pr.Message = cmp.Or(pr.Message, "target returned no status")
	}
	if probeStops(pr.ErrorClass) {
		return pr, &ProbeError{Probe: *pr}
	}
	p.log(fmt.Sprintf("probe: the target answered %s (%s); going on, as the server may not repeat it",
		pr.ErrorClass, cmp.Or(pr.Message, "no message")))
	return pr, nil
}
