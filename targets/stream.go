package targets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/internal/chunk"
	"github.com/inferbench/inferbench/workloads"
)

// wire is one protocol's side of a streamed exchange over plain net/http:
// how a request is written and how its events are read. The exchange
// itself (timing, timeouts, errors, the record) is streamTarget's, the
// same for every protocol.
type wire interface {
	// request returns the URL path under BaseURL, extra query
	// parameters, and the body fields for req, before the config's and
	// the request's extra fields are merged over them; p is what req's own
	// settings become (plan): the temperature to send.
	request(cfg *Config, req *workloads.Request, p *requestPlan) (path string, query url.Values, body []bodyField, err error)
	// fields says how the protocol takes a request's extra fields.
	fields() *fieldMap
	// decode takes one event, received at now.
	decode(ev sseEvent, now int64, st *streamState) error
	// end reports whether a stream that ended cleanly was complete: nil,
	// or an error saying what was missing.
	end(st *streamState) error
}

// statusReader is a wire that reads its protocol's error bodies itself;
// the others' go through newStatusError.
type statusReader interface {
	statusError(code int, body []byte) error
}

// SimulatedHeader is the response header by which inferbench's simulator
// (targets/sim) says an answer is simulated; a record of such an answer
// has Simulated set.
const SimulatedHeader = "X-Inferbench-Simulated"

// streamState is one stream's tally plus what the protocols need to read
// it.
type streamState struct {
	tally
	prevCompletion int64 // output tokens of the last usage seen (per-event counts)
	ended          bool  // the protocol's end event was seen ([DONE], message_stop, ...)
	anthropic      anthropicState
}

// streamTarget sends requests of one wire protocol and records them. It
// is safe for concurrent use.
type streamTarget struct {
	cfg     Config
	http    *http.Client
	header  http.Header
	extra   []bodyField
	wire    wire
	timeout error // the cause of a request's end at cfg.Timeout, made once

	// counter is the tokenizer fallback of token counts (nil: off), and
	// usageSeen says the target's last clean stream had a usage counting
	// its output: streams keep their text for the counter only while it
	// does not (textcount.go).
	counter   *tokenCounter
	usageSeen atomic.Bool
}

func newStreamTarget(name string, cfg Config, w wire) (*streamTarget, error) {
	extra, errs := cfg.validate()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s target: %w", name, err)
	}
	if cfg.Name == "" {
		cfg.Name = cfg.Model
	}
	t := &streamTarget{cfg: cfg, http: cfg.HTTPClient, extra: extra, wire: w}
	if t.http == nil {
		t.http = NewHTTPClient()
	}
	t.header = t.cfg.header()
	t.header.Set("Content-Type", "application/json")
	t.header.Set("Accept", "text/event-stream")
	t.timeout = fmt.Errorf("request timeout %v exceeded", cfg.Timeout)
	t.counter = newTokenCounter(cfg.CountTokenizer)
	if t.counter != nil && cfg.IncludeUsage != nil && !*cfg.IncludeUsage {
		// Usage was not asked for, so every stream will need the
		// tokenizer: load it now rather than after the first stream.
		if err := t.counter.load(); err != nil {
			return nil, fmt.Errorf("%s target: count tokenizer: %w", name, err)
		}
	}
	return t, nil
}

// requestContext derives one request's context: the total timeout, and a
// cancel function the watchdog uses to end the request with its cause.
func (t *streamTarget) requestContext(ctx context.Context) (context.Context, context.CancelCauseFunc, func()) {
	var stop context.CancelFunc = func() {}
	if t.cfg.Timeout > 0 {
		ctx, stop = context.WithTimeoutCause(ctx, t.cfg.Timeout, t.timeout)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	return ctx, cancel, func() { cancel(nil); stop() }
}

// CloseIdleConnections closes the pooled connections of the target's HTTP
// client.
func (t *streamTarget) CloseIdleConnections() { t.http.CloseIdleConnections() }

// build makes the HTTP request for req; its errors are requestErrors.
func (t *streamTarget) build(ctx context.Context, req *workloads.Request) (*http.Request, error) {
	p, err := t.plan(req)
	if err == nil && t.cfg.StrictFields && len(p.dropped) > 0 {
		err = strictError(p.dropped)
	}
	if err != nil {
		return nil, &requestError{err}
	}
	path, query, fields, err := t.wire.request(&t.cfg, req, &p)
	if err != nil {
		return nil, &requestError{err}
	}
	m := t.wire.fields()
	fields = m.mergeFields(fields, t.extra...)
	body := encodeObject(m.mergeFields(fields, p.extra...))
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.endpoint(path, query), bytes.NewReader(body))
	if err != nil {
		return nil, &requestError{err}
	}
	// Every request shares the target's header map: net/http's client
	// and transport only read a request's headers (the client copies them
	// before it changes any, on a redirect), so no map per request.
	hreq.Header = t.header
	return hreq, nil
}

// Do sends req and records what happened. It never fails: every error is
// an error class on the record. SentNs is taken just before the request
// is written; HeadersNs when the response headers arrive; DoneNs when the
// stream ends.
func (t *streamTarget) Do(ctx context.Context, clock results.Clock, req *workloads.Request) (rec results.Record) {
	// rec is the result itself: one Record on the stack, not two, for a
	// smaller stack in every in-flight request.
	rec = t.cfg.newRecord(req)
	parent := ctx
	ctx, cancel, release := t.requestContext(ctx)
	defer release()
	hreq, err := t.build(ctx, req)
	if err != nil {
		requestFailed(&rec, clock, err)
		return rec
	}
	wd := startWatchdog(cancel, t.cfg.FirstTokenTimeout, t.cfg.IdleTimeout)
	defer wd.stop()

	rec.SentNs = clock.Now()
	rec.StartedAt = clock.Wall(rec.SentNs)
	resp, err := t.http.Do(hreq)
	if err != nil {
		rec.DoneNs = clock.Now()
		fail(&rec, parent, ctx, err, nil, 0)
		return rec
	}
	rec.HeadersNs = clock.Now()
	rec.HTTPStatus = int32(resp.StatusCode)
	rec.Simulated = resp.Header.Get(SimulatedHeader) != ""
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		rec.DoneNs = clock.Now()
		fail(&rec, parent, ctx, t.statusError(resp.StatusCode, body), resp.Header, resp.StatusCode)
		return rec
	}
	defer resp.Body.Close()
	if err := t.stream(resp, clock, req, wd, &rec); err != nil {
		fail(&rec, parent, ctx, err, resp.Header, resp.StatusCode)
		return rec
	}
	drain(resp.Body, drainLimit, cancel)
	rec.Status = results.StatusOK
	return rec
}

// stream reads the response's events into rec: the timings and token
// counts, and DoneNs. It returns what went wrong, if anything.
func (t *streamTarget) stream(resp *http.Response, clock results.Clock, req *workloads.Request, wd *watchdog, rec *results.Record) error {
	st := streamState{tally: tally{wd: wd, counter: t.counter}}
	st.collect = t.counter != nil && !t.usageSeen.Load()
	defer st.release()
	rd := newSSEReader(resp.Body)
	rd.wd = wd
	defer rd.release()
	err := t.read(rd, clock, &st, resp.Header)
	rec.DoneNs = clock.Now()
	wd.stop()
	st.fill(rec, req)
	if err == nil {
		err = t.wire.end(&st)
	}
	if err == nil && st.firstOutput == 0 {
		err = &emptyOutputError{finish: st.finish, reasoning: st.chunks}
	}
	if err == nil && t.counter != nil {
		t.usageSeen.Store(st.hasUsage && !st.usage.outputUnknown)
	}
	return err
}

// read decodes events until the protocol's end event, the end of the
// body, or an error. At the end of the body it returns what the wire
// says was missing, naming a content type that is not an event stream.
func (t *streamTarget) read(rd *sseReader, clock results.Clock, st *streamState, h http.Header) error {
	for !st.ended {
		ev, err := rd.next()
		now := clock.Now()
		switch {
		case err == io.EOF:
			err = t.wire.end(st)
			if ct := h.Get("Content-Type"); err != nil && !strings.HasPrefix(ct, "text/event-stream") {
				var missing *endMissingError
				if errors.As(err, &missing) {
					missing.contentType = ct
				} else {
					err = fmt.Errorf("%w (content-type %q)", err, ct)
				}
			}
			return err
		case err != nil:
			return err
		}
		st.event(now)
		if err := t.wire.decode(ev, now, st); err != nil {
			return err
		}
	}
	return nil
}

// statusError is the error of an HTTP error status, read from its body.
func (t *streamTarget) statusError(code int, body []byte) error {
	if sr, ok := t.wire.(statusReader); ok {
		return sr.statusError(code, body)
	}
	return newStatusError(code, body)
}

// newStatusError reads an error response body: the provider's message
// (OpenAI, Anthropic and Gemini all nest it as error.message) and a wait
// the body asks for (Gemini's google.rpc.RetryInfo retryDelay).
func newStatusError(code int, body []byte) *statusError {
	e := &statusError{code: code, msg: chunk.BodyMessage(strings.TrimSpace(string(body)))}
	var g struct {
		Error struct {
			Details []struct {
				Type       string `json:"@type"`
				RetryDelay string `json:"retryDelay"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &g) == nil {
		for _, d := range g.Error.Details {
			if d.RetryDelay == "" {
				continue
			}
			// A protobuf Duration in JSON: decimal seconds with an "s".
			if s, err := strconv.ParseFloat(strings.TrimSuffix(d.RetryDelay, "s"), 64); err == nil && s >= 0 {
				e.retryAfterMs = clampMs(s * 1000)
			}
		}
	}
	return e
}
