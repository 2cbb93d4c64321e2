package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds on one request, so a stray huge value cannot make the simulator
// generate for hours or buffer gigabytes.
const (
	maxBodyBytes    = 32 << 20
	maxOutputTokens = 1 << 20
)

// Server is a simulated OpenAI-compatible inference server. It implements
// http.Handler; serve it with net/http (or httptest). Disconnect faults
// abort the handler with http.ErrAbortHandler, which net/http turns into a
// dropped connection, so serve it with a net/http server rather than
// calling ServeHTTP with a recorder when DisconnectRate > 0.
type Server struct {
	cfg     Config // defaults applied
	engine  *engine
	closed  chan struct{}
	once    sync.Once
	created int64 // Unix seconds, for /v1/models

	arrivals atomic.Uint64 // request arrival counter: the fault draw index
	active   atomic.Int64  // exact mode: streams generating
	c        counters
	m        *metrics
	metricsH http.Handler
	limits   *limiter // Provider's RPM/TPM; nil = none
}

// counters are the Server's cumulative counts.
type counters struct {
	requests, completed, canceled, badRequests       atomic.Int64
	serverErrors, rateLimited, disconnects           atomic.Int64
	malformed, stalls, promptTokens, generatedTokens atomic.Int64
}

// Stats is a snapshot of the Server's state and counters.
type Stats struct {
	// Running is the number of sequences in the batch (exact mode: streams
	// generating); Waiting is the queue length (always 0 in exact mode).
	Running, Waiting int
	// KVUsage is the fraction of KVCapacityTokens the running sequences
	// hold, in [0,1]; 0 when the capacity is unlimited.
	KVUsage float64
	// Preemptions counts sequences pushed back to the queue for KV space.
	Preemptions int64

	// Requests counts generation requests received; the rest count how
	// they ended. Completed requests got their whole answer; Canceled ones
	// lost their client (or the server closed) first.
	Requests, Completed, Canceled, BadRequests int64
	// Injected faults.
	ServerErrors, RateLimited, Disconnects, Malformed, Stalls int64
	// PromptTokens counts prompt tokens of admitted requests;
	// GenerationTokens counts output tokens sent.
	PromptTokens, GenerationTokens int64
}

// New validates cfg and returns a Server; in engine mode it starts the
// scheduler goroutine, which Close stops.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sim config: %w", err)
	}
	s := &Server{
		cfg:     cfg.withDefaults(),
		closed:  make(chan struct{}),
		created: time.Now().Unix(),
	}
	if s.cfg.Mode() == ModeEngine {
		s.engine = newEngine(&s.cfg)
	}
	s.m = newMetrics(s)
	s.metricsH = s.m.handler()
	s.limits = newLimiter(s.cfg.Provider)
	return s, nil
}

// Config returns the Server's configuration with defaults applied.
func (s *Server) Config() Config { return s.cfg }

// Close stops the engine; streams in flight end at once, without [DONE].
// It is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		if s.engine != nil {
			s.engine.stop()
		}
	})
}

// Stats returns a snapshot of the Server's state and counters.
func (s *Server) Stats() Stats {
	st := Stats{
		Requests:         s.c.requests.Load(),
		Completed:        s.c.completed.Load(),
		Canceled:         s.c.canceled.Load(),
		BadRequests:      s.c.badRequests.Load(),
		ServerErrors:     s.c.serverErrors.Load(),
		RateLimited:      s.c.rateLimited.Load(),
		Disconnects:      s.c.disconnects.Load(),
		Malformed:        s.c.malformed.Load(),
		Stalls:           s.c.stalls.Load(),
		PromptTokens:     s.c.promptTokens.Load(),
		GenerationTokens: s.c.generatedTokens.Load(),
	}
	if s.engine == nil {
		st.Running = int(s.active.Load())
		return st
	}
	e := s.engine
	e.mu.Lock()
	st.Running, st.Waiting = len(e.b.running), len(e.b.waiting)
	if e.b.kvCap > 0 {
		st.KVUsage = min(1, float64(e.b.kvUsed())/float64(e.b.kvCap))
	}
	st.Preemptions = e.b.preemptions
	e.mu.Unlock()
	return st
}

// Load reports the engine's load now: the running batch, the queue and
// the KV-cache usage (0-1). It has the shape of a simulated GPU's load
// function (telemetry/simgpu.LoadFunc), so the GPU follows this engine.
func (s *Server) Load() (running, waiting int, kvUsage float64) {
	st := s.Stats()
	return st.Running, st.Waiting, st.KVUsage
}

// SimulatedHeader is set to "1" on every response of the simulator, so a
// client can tell that what it measured was simulated (inferbench's
// targets record it as the row's simulated flag).
const SimulatedHeader = "X-Inferbench-Simulated"

// ServeHTTP routes OpenAI and vLLM paths. Every response, errors
// included, carries SimulatedHeader.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	type route struct {
		method string
		h      func(http.ResponseWriter, *http.Request)
	}
	w.Header().Set(SimulatedHeader, "1")
	if s.rateLimited(w, r) {
		return
	}
	var rt route
	switch r.URL.Path {
	case "/v1/chat/completions":
		rt = route{http.MethodPost, func(w http.ResponseWriter, r *http.Request) { s.generate(w, r, false) }}
	case "/v1/completions":
		rt = route{http.MethodPost, func(w http.ResponseWriter, r *http.Request) { s.generate(w, r, true) }}
	case "/v1/models":
		rt = route{http.MethodGet, s.models}
	case "/metrics":
		rt = route{http.MethodGet, s.metricsH.ServeHTTP}
	case "/health":
		rt = route{http.MethodGet, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }}
	default:
		if h := s.wireRoute(r.URL.Path); h != nil { // protocols.go
			rt = route{http.MethodPost, h}
			break
		}
		writeError(w, http.StatusNotFound, "invalid_request_error", "",
			fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path))
		return
	}
	if r.Method != rt.method && !(rt.method == http.MethodGet && r.Method == http.MethodHead) {
		w.Header().Set("Allow", rt.method)
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed",
			fmt.Sprintf("Method %s not allowed on %s; use %s", r.Method, r.URL.Path, rt.method))
		return
	}
	rt.h(w, r)
}

// models answers GET /v1/models.
func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	writeJSON(w, struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{"list", []model{{ID: s.cfg.Model, Object: "model", Created: s.created, OwnedBy: "inferbench-sim"}}})
}

// job is one accepted generation request.
type job struct {
	legacy       bool
	stream       bool
	includeUsage bool
	continuous   bool // usage so far on every chunk (vLLM continuous_usage_stats)
	input        int
	maxTokens    int
	finish       string // finish_reason: "length" or "stop"
	id           string
	created      int64
	textStart    uint64 // where the output text starts in the corpus
	entry        time.Time
	fate         fate
	reasoning    int // output tokens [0, reasoning) are reasoning (Provider)
	cached       int // prompt tokens reported as cached (Provider)
}

// reqError is an error answer decided while parsing, sent after the
// network delay.
type reqError struct {
	status    int
	typ, code string
	msg       string
}

func badRequest(format string, args ...any) *reqError {
	return &reqError{status: http.StatusBadRequest, typ: "invalid_request_error", msg: fmt.Sprintf(format, args...)}
}

// parseJob turns a request body into a job, or the error to answer.
func (s *Server) parseJob(body []byte, legacy bool, n uint64) (job, *reqError) {
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return job{}, badRequest("We could not parse the JSON body of your request: %v", err)
	}
	if req.Model != "" && req.Model != s.cfg.Model {
		return job{}, &reqError{status: http.StatusNotFound, typ: "invalid_request_error", code: "model_not_found",
			msg: fmt.Sprintf("The model `%s` does not exist.", req.Model)}
	}
	j := job{legacy: legacy, stream: req.Stream, textStart: n}
	j.includeUsage = req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	j.continuous = j.includeUsage && req.StreamOptions.ContinuousUsageStats
	if legacy {
		text, ids, err := req.legacyPrompt()
		if err != nil {
			return job{}, badRequest("%v", err)
		}
		j.input = ids
		if ids == 0 {
			j.input = s.cfg.CountTokens(text)
		}
		j.id = fmt.Sprintf("cmpl-%016x", splitmix64(uint64(s.cfg.Seed)^n))
	} else {
		if len(req.Messages) == 0 {
			return job{}, badRequest("messages must not be empty")
		}
		text, err := messagesText(nil, req.Messages)
		if err != nil {
			return job{}, badRequest("%v", err)
		}
		j.input = s.cfg.CountTokens(text)
		j.id = fmt.Sprintf("chatcmpl-%016x", splitmix64(uint64(s.cfg.Seed)^n))
	}
	maxTok, explicit, err := req.maxTokens()
	if err != nil {
		return job{}, badRequest("%v", err)
	}
	if maxTok > maxOutputTokens {
		return job{}, badRequest("max_tokens is too large: %d. The simulator supports at most %d completion tokens.", maxTok, maxOutputTokens)
	}
	j.maxTokens, j.finish = maxTok, "length"
	if !explicit {
		j.maxTokens, j.finish = s.cfg.DefaultMaxTokens, "stop"
	}
	if kv := s.cfg.KVCapacityTokens; s.engine != nil && kv > 0 && j.input+j.maxTokens > kv {
		return job{}, badRequest("This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the messages, %d in the completion). Please reduce the length of the messages or completion.",
			kv, j.input+j.maxTokens, j.input, j.maxTokens)
	}
	j.cached = s.cfg.Provider.cached(j.input)
	if !legacy { // legacy completions have no reasoning field
		j.reasoning = s.cfg.Provider.reasoning(j.maxTokens)
	}
	return j, nil
}

// generate serves a chat (legacy=false) or legacy completion request.
func (s *Server) generate(w http.ResponseWriter, r *http.Request, legacy bool) {
	arrival := time.Now()
	n := s.arrivals.Add(1) - 1
	s.c.requests.Add(1)
	ft := decideFate(&s.cfg, n)
	ctx := r.Context()

	var j job
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	rerr := badRequest("could not read the request body: %v", err)
	if err == nil {
		j, rerr = s.parseJob(body, legacy, n)
	}
	// The network delay comes first: every answer, errors included,
	// travels back over the same distance. InputLatencyPerToken models a
	// provider's prefill on capacity this client's load does not touch.
	delay := ft.network
	if rerr == nil {
		delay += s.cfg.InputLatencyPerToken * time.Duration(j.input)
	}
	j.entry, j.fate, j.created = arrival.Add(delay), ft, arrival.Unix()
	if err := sleepCtx(ctx, s.closed, j.entry); err != nil {
		s.c.canceled.Add(1)
		return
	}
	if rerr != nil {
		s.c.badRequests.Add(1)
		writeError(w, rerr.status, rerr.typ, rerr.code, rerr.msg)
		return
	}

	switch {
	case ft.serverErr:
		s.c.serverErrors.Add(1)
		writeError(w, http.StatusInternalServerError, "server_error", "",
			"The server had an error while processing your request. Sorry about that! (simulated)")
		return
	case ft.rateLimit:
		s.c.rateLimited.Add(1)
		ra := s.cfg.Faults.RetryAfter
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(ra)))
		w.Header().Set("retry-after-ms", strconv.FormatInt(ra.Milliseconds(), 10))
		writeError(w, http.StatusTooManyRequests, "requests", "rate_limit_exceeded",
			fmt.Sprintf("Rate limit reached for requests (simulated). Please try again in %v.", ra))
		return
	}

	s.c.promptTokens.Add(int64(j.input))
	s.m.prompt.Add(float64(j.input))
	if j.stream {
		s.stream(ctx, w, &j)
	} else {
		s.respond(ctx, w, &j)
	}
}

// newSource starts generating j's tokens.
func (s *Server) newSource(j *job) source {
	if s.engine == nil {
		return newExactSource(&s.cfg, j.entry, s.closed, func(d int) { s.active.Add(int64(d)) })
	}
	sq := newSeq(j.input, j.maxTokens)
	s.engine.submit(sq)
	return &engineSource{e: s.engine, s: sq}
}

// ended counts a request that stopped early: its client went away (ctx
// done) or the server closed.
func (s *Server) ended(err error) {
	if err != nil {
		s.c.canceled.Add(1)
	}
}

// finished records a completed request in the counters and metrics.
func (s *Server) finished(j *job) {
	s.c.completed.Add(1)
	s.m.e2e.Observe(time.Since(j.entry).Seconds())
	s.m.success.WithLabelValues(j.finish).Inc()
}

// abort drops the connection without finishing the response (the
// disconnect fault). net/http recovers this panic value silently.
func (s *Server) abort(src source) {
	s.c.disconnects.Add(1)
	src.release()
	panic(http.ErrAbortHandler)
}

// stream writes j as server-sent events through streamWire
// (protocols.go) with the OpenAI encoder (openaiwire.go): the role-only
// chunk (chat only) at once or with the first token (Config.RoleChunk),
// content chunks of TokensPerChunk tokens as
// they are generated (reasoning first, as reasoning_content), the last one
// with finish_reason, the usage chunk if asked for, and [DONE]. Faults
// strike once half the tokens are sent.
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, j *job) {
	sw := &sseWriter{eventWriter: eventWriter{w: w, rc: http.NewResponseController(w)}, j: j, model: s.cfg.Model,
		roleLate: s.cfg.RoleChunk == RoleChunkWithFirstToken}
	s.streamWire(ctx, w, j, openaiEncoder{sw})
}

// respond writes j as one JSON response once every token is generated.
func (s *Server) respond(ctx context.Context, w http.ResponseWriter, j *job) {
	src := s.newSource(j)
	defer src.release()
	if _, err := src.next(ctx, 1); err != nil {
		s.ended(err)
		return
	}
	s.m.ttft.Observe(time.Since(j.entry).Seconds())
	if f := j.fate; f.stall || f.disconnect {
		if mid := j.maxTokens / 2; mid > 1 {
			if _, err := src.next(ctx, mid); err != nil {
				s.ended(err)
				return
			}
		}
		if f.stall {
			s.c.stalls.Add(1)
			if err := src.stall(ctx, s.cfg.Faults.Stall); err != nil {
				s.ended(err)
				return
			}
		}
		if f.disconnect {
			s.abort(src)
		}
	}
	if _, err := src.next(ctx, j.maxTokens); err != nil {
		s.ended(err)
		return
	}
	src.release()
	s.c.generatedTokens.Add(int64(j.maxTokens))
	s.m.generation.Add(float64(j.maxTokens))

	var b []byte
	text := j.text(j.reasoning, j.maxTokens)
	u := j.usage(j.maxTokens)
	if j.legacy {
		b, _ = json.Marshal(completion{ID: j.id, Object: "text_completion", Created: j.created, Model: s.cfg.Model,
			Choices: []choice{{Text: &text, FinishReason: j.finish}}, Usage: u})
	} else {
		msg := &message{Role: "assistant", Content: text, ReasoningContent: j.text(0, j.reasoning)}
		b, _ = json.Marshal(completion{ID: j.id, Object: "chat.completion", Created: j.created, Model: s.cfg.Model,
			Choices: []choice{{Message: msg, FinishReason: j.finish}}, Usage: u})
	}
	b = append(b, '\n')
	if j.fate.malformed {
		s.c.malformed.Add(1)
		b = b[:len(b)/2]
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if _, err := w.Write(b); err != nil {
		s.ended(err)
		return
	}
	s.finished(j)
}

// text is output tokens [from, to) of j.
func (j *job) text(from, to int) string {
	b := make([]byte, 0, 8*(to-from))
	for i := from; i < to; i++ {
		b = append(b, tokenText(j.textStart, i)...)
	}
	return string(b)
}

// sseWriter writes one response's events, flushing after each.
type sseWriter struct {
	eventWriter
	j        *job
	model    string
	sent     int  // output tokens sent so far
	roleLate bool // the role-only chunk goes just before the first token
}

// role sends the role-only chunk.
func (sw *sseWriter) role() error {
	empty := ""
	return sw.send(chunkChoice{Delta: &delta{Role: "assistant", Content: &empty}})
}

// chunk builds a chunk of j with the given choices.
func (sw *sseWriter) chunk(choices []chunkChoice) chunk {
	c := chunk{ID: sw.j.id, Object: "chat.completion.chunk", Created: sw.j.created, Model: sw.model, Choices: choices}
	if sw.j.legacy {
		c.Object = "text_completion"
	}
	switch {
	case sw.j.continuous:
		c.Usage, _ = json.Marshal(sw.j.usage(sw.sent))
	case sw.j.includeUsage:
		c.Usage = json.RawMessage("null")
	}
	return c
}

// send writes a chunk with one choice.
func (sw *sseWriter) send(ch chunkChoice) error {
	b, err := json.Marshal(sw.chunk([]chunkChoice{ch}))
	if err != nil {
		return err
	}
	return sw.write(sseEvent(b))
}

// content sends tokens [from, to), as reasoning_content when reasoning;
// the chunk that ends the response carries finish_reason.
func (sw *sseWriter) content(from, to int, reasoning bool) error {
	text := sw.j.text(from, to)
	var ch chunkChoice
	switch {
	case sw.j.legacy:
		ch.Text = &text
	case reasoning:
		ch.Delta = &delta{ReasoningContent: &text}
	default:
		ch.Delta = &delta{Content: &text}
	}
	if to == sw.j.maxTokens {
		ch.FinishReason = &sw.j.finish
	}
	sw.sent = to
	return sw.send(ch)
}

// usage sends the final usage chunk: no choices, the whole request's
// token counts.
func (sw *sseWriter) usage() error {
	c := sw.chunk([]chunkChoice{})
	u, _ := json.Marshal(sw.j.usage(sw.j.maxTokens))
	c.Usage = u
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return sw.write(sseEvent(b))
}

// malformed sends an event whose payload is a chunk cut in half: invalid
// JSON, as from a proxy that split an event.
func (sw *sseWriter) malformed() error {
	garbled := " garbled"
	ch := chunkChoice{Delta: &delta{Content: &garbled}}
	if sw.j.legacy {
		ch = chunkChoice{Text: &garbled}
	}
	b, err := json.Marshal(sw.chunk([]chunkChoice{ch}))
	if err != nil {
		return err
	}
	return sw.write(sseEvent(b[:len(b)/2]))
}
