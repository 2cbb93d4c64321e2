package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file serves the protocols other than OpenAI chat and legacy
// completions (the Responses API, Anthropic Messages, Gemini
// streamGenerateContent) on the same engine: the same arrival, fault,
// network and token timing as the OpenAI paths, with each protocol's own
// request shape, events and error bodies. Each protocol is a parser and an
// event encoder; serveWire is the rest. streamWire is every protocol's
// stream, OpenAI's included (openaiwire.go).

// errKind is an error a protocol names in its own words.
type errKind int

const (
	errInvalid errKind = iota
	errNotFound
	errRateLimit
	errServer
)

// errorWriter writes a protocol's error response; retry is the wait a
// 429 asks for.
type errorWriter interface {
	writeError(w http.ResponseWriter, status int, kind errKind, msg string, retry time.Duration)
}

// protocol is one wire protocol of the simulator.
type protocol interface {
	errorWriter
	// parse reads a request.
	parse(r *http.Request, body []byte) (wireRequest, error)
	// encoder returns the event encoder of one response.
	encoder(j *wireJob) encoder
}

// wireRequest is what the simulator needs of a request.
type wireRequest struct {
	model     string // "" = not given
	text      string // the prompt, messages joined by newlines
	maxTokens int    // 0 = not given
	stream    bool
}

// wireJob is one accepted request of a non-OpenAI protocol: the job and
// the model the request named.
type wireJob struct {
	job
	model string
}

// encoder writes one response's events.
type encoder interface {
	begin(ew *eventWriter) error
	// tokens sends output tokens [from, to), all reasoning or all answer.
	tokens(ew *eventWriter, from, to int, reasoning bool) error
	end(ew *eventWriter) error
	// garbled sends one event whose JSON is cut in half.
	garbled(ew *eventWriter) error
}

// openaiErrors writes OpenAI's error bodies, for rate limits on the
// OpenAI paths.
type openaiErrors struct{}

func (openaiErrors) writeError(w http.ResponseWriter, status int, kind errKind, msg string, _ time.Duration) {
	typ, code := "invalid_request_error", ""
	switch kind {
	case errNotFound:
		code = "model_not_found"
	case errRateLimit:
		typ, code = "requests", "rate_limit_exceeded"
	case errServer:
		typ = "server_error"
	}
	writeError(w, status, typ, code, msg)
}

// protocolFor is the protocol that answers a path (OpenAI's error shape
// for the OpenAI paths).
func protocolFor(path string) errorWriter {
	switch path {
	case "/v1/responses":
		return responsesProtocol{}
	case "/v1/messages":
		return anthropicProtocol{}
	}
	if _, ok := geminiModel(path); ok {
		return geminiProtocol{}
	}
	return openaiErrors{}
}

// wireRoute returns the handler of a non-OpenAI generation path, or nil.
func (s *Server) wireRoute(path string) func(http.ResponseWriter, *http.Request) {
	var p protocol
	switch path {
	case "/v1/responses":
		p = responsesProtocol{}
	case "/v1/messages":
		p = anthropicProtocol{}
	default:
		if _, ok := geminiModel(path); !ok {
			return nil
		}
		p = geminiProtocol{}
	}
	return func(w http.ResponseWriter, r *http.Request) { s.serveWire(w, r, p) }
}

// serveWire serves one request of protocol p, as generate does for
// OpenAI: the network delay first, then the request's errors, injected
// faults, and the stream.
func (s *Server) serveWire(w http.ResponseWriter, r *http.Request, p protocol) {
	arrival := time.Now()
	n := s.arrivals.Add(1) - 1
	s.c.requests.Add(1)
	ft := decideFate(&s.cfg, n)
	ctx := r.Context()

	j := wireJob{job: job{stream: true, textStart: n, fate: ft, created: arrival.Unix()}}
	status, kind, msg := 0, errInvalid, ""
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var req wireRequest
	if err == nil {
		req, err = p.parse(r, body)
	}
	switch {
	case err != nil:
		status, msg = http.StatusBadRequest, err.Error()
	case req.model != "" && req.model != s.cfg.Model:
		status, kind, msg = http.StatusNotFound, errNotFound, fmt.Sprintf("model: %s (the simulator serves %s)", req.model, s.cfg.Model)
	case !req.stream:
		status, msg = http.StatusBadRequest, "the simulator serves only streaming requests on this path"
	case req.maxTokens > maxOutputTokens:
		status, msg = http.StatusBadRequest, fmt.Sprintf("max tokens %d is too large: the simulator supports at most %d", req.maxTokens, maxOutputTokens)
	default:
		j.model = req.model
		j.input = s.cfg.CountTokens(req.text)
		j.maxTokens, j.finish = req.maxTokens, "length"
		if req.maxTokens <= 0 {
			j.maxTokens, j.finish = s.cfg.DefaultMaxTokens, "stop"
		}
		j.reasoning = s.cfg.Provider.reasoning(j.maxTokens)
		j.cached = s.cfg.Provider.cached(j.input)
		j.id = fmt.Sprintf("%016x", splitmix64(uint64(s.cfg.Seed)^n))
		if kv := s.cfg.KVCapacityTokens; s.engine != nil && kv > 0 && j.input+j.maxTokens > kv {
			status, msg = http.StatusBadRequest, fmt.Sprintf("prompt (%d tokens) plus max tokens (%d) exceed the context length %d", j.input, j.maxTokens, kv)
		}
	}
	delay := ft.network // as generate: errors travel back the same distance
	if status == 0 {
		delay += s.cfg.InputLatencyPerToken * time.Duration(j.input)
	}
	j.entry = arrival.Add(delay)
	if err := sleepCtx(ctx, s.closed, j.entry); err != nil {
		s.c.canceled.Add(1)
		return
	}
	switch {
	case status != 0:
		s.c.badRequests.Add(1)
		p.writeError(w, status, kind, msg, 0)
		return
	case ft.serverErr:
		s.c.serverErrors.Add(1)
		p.writeError(w, http.StatusInternalServerError, errServer, "The server had an error while processing your request (simulated).", 0)
		return
	case ft.rateLimit:
		s.c.rateLimited.Add(1)
		ra := s.cfg.Faults.RetryAfter
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(ra)))
		w.Header().Set("retry-after-ms", strconv.FormatInt(ra.Milliseconds(), 10))
		p.writeError(w, http.StatusTooManyRequests, errRateLimit, fmt.Sprintf("Rate limit reached (simulated). Please try again in %v.", ra), ra)
		return
	}
	s.c.promptTokens.Add(int64(j.input))
	s.m.prompt.Add(float64(j.input))
	s.streamWire(ctx, w, &j.job, p.encoder(&j))
}

// streamWire streams j's tokens through enc, for every protocol: reasoning
// first, then the answer, TokensPerChunk tokens per event (an event never
// mixes the two). Faults strike once half the tokens are sent.
func (s *Server) streamWire(ctx context.Context, w http.ResponseWriter, j *job, enc encoder) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	ew := &eventWriter{w: w, rc: http.NewResponseController(w)}
	if err := enc.begin(ew); err != nil {
		s.ended(err)
		return
	}
	src := s.newSource(j)
	defer src.release()
	k := s.cfg.TokensPerChunk
	mid := j.maxTokens / 2
	pending := j.fate.stall || j.fate.malformed || j.fate.disconnect
	sent, avail := 0, 0
	for sent < j.maxTokens {
		if pending && sent >= mid {
			pending = false
			if j.fate.stall {
				s.c.stalls.Add(1)
				if err := src.stall(ctx, s.cfg.Faults.Stall); err != nil {
					s.ended(err)
					return
				}
			}
			if j.fate.malformed {
				s.c.malformed.Add(1)
				if err := enc.garbled(ew); err != nil {
					s.ended(err)
					return
				}
			}
			if j.fate.disconnect {
				s.abort(src)
			}
		}
		want := min(sent+k, j.maxTokens)
		reasoning := sent < j.reasoning
		if reasoning {
			want = min(want, j.reasoning)
		}
		if avail < want {
			var err error
			if avail, err = src.next(ctx, want); err != nil {
				s.ended(err)
				return
			}
		}
		if err := enc.tokens(ew, sent, want, reasoning); err != nil {
			s.ended(err)
			return
		}
		if sent == 0 {
			s.m.ttft.Observe(time.Since(j.entry).Seconds())
		}
		s.c.generatedTokens.Add(int64(want - sent))
		s.m.generation.Add(float64(want - sent))
		sent = want
	}
	src.release()
	if err := enc.end(ew); err != nil {
		s.ended(err)
		return
	}
	s.finished(j)
}

// eventWriter writes one response's events, flushing after each.
type eventWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

// event writes `event: name` (when name is not "") and `data: v` as JSON.
// crlf ends lines with CRLF, as Google's servers do.
func (ew *eventWriter) event(name string, v any, crlf bool) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return ew.raw(name, data, crlf)
}

func (ew *eventWriter) raw(name string, data []byte, crlf bool) error {
	nl := "\n"
	if crlf {
		nl = "\r\n"
	}
	b := make([]byte, 0, len(data)+len(name)+20)
	if name != "" {
		b = append(b, "event: "+name+nl...)
	}
	b = append(b, "data: "...)
	b = append(b, data...)
	b = append(b, nl+nl...)
	return ew.write(b)
}

// write sends b and flushes it.
func (ew *eventWriter) write(b []byte) error {
	if _, err := ew.w.Write(b); err != nil {
		return err
	}
	return ew.flush()
}

// flush sends what is buffered; a writer that cannot flush is not an
// error.
func (ew *eventWriter) flush() error {
	if err := ew.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// garbledEvent writes v's JSON cut in half as one event.
func (ew *eventWriter) garbledEvent(name string, v any, crlf bool) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return ew.raw(name, data[:len(data)/2], crlf)
}

// jsonError writes a JSON error body with status.
func jsonError(w http.ResponseWriter, status int, body any) {
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// messagesText joins chat-style messages as the prompt text (system text
// first), as the OpenAI path and workloads.Request.Text do.
func messagesText(system []string, msgs []chatMessage) (string, error) {
	parts := append([]string(nil), system...)
	for i, m := range msgs {
		t, err := m.text()
		if err != nil {
			return "", fmt.Errorf("messages[%d].content: %w", i, err)
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, "\n"), nil
}
