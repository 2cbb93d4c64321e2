package targets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// OpenAIConfig configures an OpenAI-compatible streaming chat target. The
// zero value of every optional field is its documented default.
type OpenAIConfig struct {
	// BaseURL is the API root including the version, e.g.
	// http://127.0.0.1:8000/v1; requests go to BaseURL/chat/completions.
	BaseURL string
	// Model is sent as "model" and copied onto every record.
	Model string
	// APIKey is sent as a bearer token. It is the key itself (the command
	// line reads it from an environment variable); it is never written to
	// records, logs or JSON.
	APIKey string `json:"-"`
	// Name, Kind and Provider are copied onto records (target,
	// target_kind, provider). Name defaults to Model.
	Name, Kind, Provider string
	// IncludeUsage sends stream_options.include_usage, so the server
	// reports token counts (default true). Turn it off for servers that
	// reject stream_options.
	IncludeUsage *bool
	// Temperature is sent when set, including 0. A request's own
	// temperature overrides it.
	Temperature *float64
	// ExtraBody fields are merged into every request body (engine
	// extensions such as top_k, ignore_eos, or a stream_options with
	// continuous_usage_stats). A field replaces one of the same name, whole:
	// an extra stream_options must say include_usage itself. A request's
	// own Extra fields override these.
	ExtraBody map[string]any
	// Headers are set on every request, after the standard ones, so they
	// may replace them (e.g. an api-key header for Azure).
	Headers map[string]string `json:"-"`
	// MaxTokensField is the body field a request's MaxTokens is sent as:
	// "max_tokens" (default) or "max_completion_tokens", which OpenAI's
	// reasoning models require.
	MaxTokensField string
	// Timeout bounds each request from send to the end of the stream
	// (0: none).
	Timeout time.Duration
	// HTTPClient sends the requests; nil means NewHTTPClient().
	HTTPClient *http.Client `json:"-"`
}

// String describes the config without its secrets (the API key and header
// values), so a %v in a log cannot leak them.
func (c OpenAIConfig) String() string {
	key := "unset"
	if c.APIKey != "" {
		key = "set"
	}
	return fmt.Sprintf("openai{base_url: %s, model: %s, name: %s, api_key: %s, headers: %d}",
		c.BaseURL, c.Model, c.Name, key, len(c.Headers))
}

// OpenAI is the OpenAI-compatible streaming chat completions target (vLLM,
// SGLang, TGI, llama.cpp, Ollama, managed providers, the OpenAI API). It is
// safe for concurrent use.
type OpenAI struct {
	cfg            OpenAIConfig
	client         *openai.Client
	http           *http.Client
	includeUsage   bool
	extra          []bodyField // cfg.ExtraBody, encoded once, sorted by key
	maxTokensField string
}

// drainLimit bounds how long Do waits for the end of a response after
// [DONE] to keep its connection for reuse.
const drainLimit = 250 * time.Millisecond

// NewOpenAI checks cfg and returns the target. It reports every problem
// with cfg at once.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	var errs []error
	if cfg.BaseURL == "" {
		errs = append(errs, errors.New("base URL is required"))
	} else if u, err := url.Parse(cfg.BaseURL); err != nil {
		errs = append(errs, fmt.Errorf("base URL: %w", err))
	} else if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		errs = append(errs, fmt.Errorf("base URL %q: want http(s)://host[:port]/path", cfg.BaseURL))
	}
	if cfg.Model == "" {
		errs = append(errs, errors.New("model is required"))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %v is negative", cfg.Timeout))
	}
	if cfg.Temperature != nil && (math.IsNaN(*cfg.Temperature) || math.IsInf(*cfg.Temperature, 0)) {
		errs = append(errs, fmt.Errorf("temperature %v is not a number", *cfg.Temperature))
	}
	t := &OpenAI{cfg: cfg, includeUsage: cfg.IncludeUsage == nil || *cfg.IncludeUsage}
	for _, k := range sortedKeys(cfg.ExtraBody) {
		v, err := json.Marshal(cfg.ExtraBody[k])
		if err != nil {
			errs = append(errs, fmt.Errorf("extra body field %q: %w", k, err))
			continue
		}
		t.extra = append(t.extra, bodyField{key: k, value: v})
	}
	switch t.maxTokensField = cfg.MaxTokensField; t.maxTokensField {
	case "":
		t.maxTokensField = "max_tokens"
	case "max_tokens", "max_completion_tokens":
	default:
		errs = append(errs, fmt.Errorf("max tokens field %q: want max_tokens or max_completion_tokens", cfg.MaxTokensField))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("openai target: %w", err)
	}
	if t.cfg.Name == "" {
		t.cfg.Name = cfg.Model
	}
	t.http = cfg.HTTPClient
	if t.http == nil {
		t.http = NewHTTPClient()
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	oc.HTTPClient = &wireDoer{client: t.http, headers: cfg.Headers}
	// go-openai counts every non-data line (blank separators, `: ping`
	// keep-alive comments, `event:` lines) between two events as an
	// "empty message" and fails the stream after 300 of them; a long
	// reasoning phase with keep-alives is not an error.
	oc.EmptyMessagesLimit = math.MaxUint
	t.client = openai.NewClientWithConfig(oc)
	return t, nil
}

// CloseIdleConnections closes the pooled connections of the target's HTTP
// client.
func (t *OpenAI) CloseIdleConnections() { t.http.CloseIdleConnections() }

// Do sends req as a streaming chat completion and records what happened.
// It never fails: every error is an error class on the record. SentNs is
// taken just before go-openai builds and sends the request; HeadersNs when
// the response headers arrive; DoneNs when the stream ends.
func (t *OpenAI) Do(ctx context.Context, clock results.Clock, req *workloads.Request) results.Record {
	rec := results.Record{
		Target:                t.cfg.Name,
		TargetKind:            t.cfg.Kind,
		Provider:              t.cfg.Provider,
		Model:                 t.cfg.Model,
		RequestedOutputTokens: int64(req.MaxTokens),
		IntendedInputTokens:   int64(req.InputTokens),
	}
	parent := ctx
	var cancel context.CancelFunc
	if t.cfg.Timeout > 0 {
		ctx, cancel = context.WithTimeoutCause(ctx, t.cfg.Timeout,
			fmt.Errorf("request timeout %v exceeded", t.cfg.Timeout))
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()

	ex := &exchange{clock: clock}
	patch, err := t.patch(req)
	if err != nil {
		rec.SentNs = clock.Now()
		rec.StartedAt = clock.Wall(rec.SentNs)
		rec.DoneNs = rec.SentNs
		rec.SetError(results.ErrClassRequest, err.Error())
		return rec
	}
	ex.patch = patch
	creq := openai.ChatCompletionRequest{Model: t.cfg.Model, Messages: chatMessages(req)}
	if t.includeUsage {
		creq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}

	rec.SentNs = clock.Now()
	rec.StartedAt = clock.Wall(rec.SentNs)
	stream, err := t.client.CreateChatCompletionStream(withExchange(ctx, ex), creq)
	rec.HeadersNs = ex.headersNs
	rec.HTTPStatus = int32(ex.status)
	if err != nil {
		rec.DoneNs = clock.Now()
		if ex.body != nil {
			ex.body.Close()
		}
		fail(&rec, parent, ctx, err, ex)
		return rec
	}

	var st streamState
	err = st.read(stream, clock, ex)
	rec.DoneNs = clock.Now()
	done := ex.body.sawDone
	if err == nil && done {
		ex.body.drain(drainLimit, cancel)
	}
	stream.Close()
	st.fill(&rec, req)
	switch {
	case err != nil:
		fail(&rec, parent, ctx, err, ex)
	case !done:
		err = errStreamBroken
		if ct := ex.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
			err = fmt.Errorf("%w (content-type %q)", err, ct)
		}
		fail(&rec, parent, ctx, fmt.Errorf("%w after %d content chunks", err, st.chunks), ex)
	case rec.FinishReason == "":
		fail(&rec, parent, ctx, errStreamTruncated, ex)
	default:
		rec.Status = results.StatusOK
	}
	return rec
}

// fail sets the error class and message of a failed request. Once the
// request context is done, the context is the cause, whatever error the
// transport reported on its way down, unless the server had already
// answered with an error of its own.
func fail(rec *results.Record, parent, ctx context.Context, err error, ex *exchange) {
	class := classify(err)
	msg := errorMessage(err)
	switch class {
	case results.ErrClassRateLimited, results.ErrClassHTTP4xx, results.ErrClassHTTP5xx,
		results.ErrClassStreamError, results.ErrClassMalformedChunk, results.ErrClassRequest:
	default:
		if ctx.Err() != nil {
			if errors.Is(parent.Err(), context.Canceled) {
				class = results.ErrClassCanceled
			} else {
				class = results.ErrClassTimeout
				if cause := context.Cause(ctx); cause != nil && cause != context.DeadlineExceeded {
					msg = cause.Error() + ": " + msg
				}
			}
		}
	}
	if ex.header != nil && ex.status >= 400 {
		rec.RetryAfterMs = retryAfterMs(ex.header, time.Now())
	}
	if ex.header != nil && class != results.ErrClassCanceled {
		if id := ex.header.Get("X-Request-Id"); id != "" {
			msg += " (x-request-id: " + id + ")"
		}
	}
	rec.SetError(class, msg)
	if class == results.ErrClassCanceled {
		rec.Status = results.StatusCanceled
	}
}

// patch is the body fields of req that go-openai cannot send: temperature
// (it drops 0), max_tokens (go-openai refuses it for some model names,
// and cannot send it as max_completion_tokens for others), and the extra
// fields, the request's over the config's.
func (t *OpenAI) patch(req *workloads.Request) ([]bodyField, error) {
	fields := make([]bodyField, 0, 2+len(t.extra)+len(req.Extra))
	temp := t.cfg.Temperature
	if req.Temperature != nil {
		temp = req.Temperature
	}
	if temp != nil {
		v, err := json.Marshal(*temp)
		if err != nil {
			return nil, fmt.Errorf("temperature: %w", err)
		}
		fields = append(fields, bodyField{"temperature", v})
	}
	if req.MaxTokens > 0 {
		fields = append(fields, bodyField{t.maxTokensField, json.RawMessage(strconv.Itoa(req.MaxTokens))})
	}
	fields = setFields(fields, t.extra...)
	for _, k := range sortedKeys(req.Extra) {
		v := req.Extra[k]
		if !json.Valid(v) {
			return nil, fmt.Errorf("extra field %q is not valid JSON", k)
		}
		fields = setFields(fields, bodyField{k, v})
	}
	return fields, nil
}

// setFields sets each of add on fields, replacing a field of the same key.
func setFields(fields []bodyField, add ...bodyField) []bodyField {
	for _, f := range add {
		i := slices.IndexFunc(fields, func(g bodyField) bool { return g.key == f.key })
		if i >= 0 {
			fields[i] = f
		} else {
			fields = append(fields, f)
		}
	}
	return fields
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func chatMessages(req *workloads.Request) []openai.ChatCompletionMessage {
	msgs := req.ChatMessages()
	out := make([]openai.ChatCompletionMessage, len(msgs))
	for i, m := range msgs {
		out[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	return out
}

// promptBytes is len(req.Text()) without building the text.
func promptBytes(req *workloads.Request) int {
	if len(req.Messages) == 0 {
		return len(req.Prompt)
	}
	n := len(req.Messages) - 1
	for _, m := range req.Messages {
		n += len(m.Content)
	}
	return n
}

// chunk is the part of a chat.completion.chunk event that Do looks at.
// Decoding only these fields is cheaper than go-openai's full type, and
// it sees the fields go-openai does not have: `reasoning` (vLLM's newer
// name for reasoning_content) and error objects.
type chunk struct {
	Object  string `json:"object"`
	Choices []struct {
		Delta struct {
			Content          string          `json:"content"`
			Refusal          string          `json:"refusal"`
			ToolCalls        json.RawMessage `json:"tool_calls"`
			ReasoningContent string          `json:"reasoning_content"`
			Reasoning        string          `json:"reasoning"`
		} `json:"delta"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *chunkUsage `json:"usage"`
	// Error is an error event's payload; Message is the payload of the
	// older {"object": "error", "message": ...} form.
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
}

type chunkUsage struct {
	PromptTokens        int64 `json:"prompt_tokens"`
	CompletionTokens    int64 `json:"completion_tokens"`
	PromptTokensDetails *struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

// errorMessage reports whether the event is an error event, and its message.
func (c *chunk) errorMessage() (string, bool) {
	if len(c.Error) > 0 && string(c.Error) != "null" {
		var obj struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(c.Error, &obj) == nil && obj.Message != "" {
			return obj.Message, true
		}
		var s string
		if json.Unmarshal(c.Error, &s) == nil && s != "" {
			return s, true
		}
		return string(c.Error), true
	}
	if c.Object == "error" {
		return c.Message, true
	}
	return "", false
}

// streamState accumulates the observations of one stream.
type streamState struct {
	firstToken, firstOutput, lastToken int64
	gaps                               []int64
	chunks                             int32
	chunkTokens                        []int32
	chunkTokensBad                     bool // some content event had no usage
	finish                             string
	usage                              *chunkUsage // the last usage seen
	prevCompletion                     int64       // its completion_tokens
}

// read consumes the stream until it ends. It returns nil when the body
// ended cleanly (with or without [DONE]; the caller checks which).
func (st *streamState) read(stream *openai.ChatCompletionStream, clock results.Clock, ex *exchange) error {
	var c chunk
	for {
		raw, err := stream.RecvRaw()
		now := clock.Now()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var apiErr *openai.APIError
			if errors.As(err, &apiErr) {
				return &streamEventError{msg: firstNonEmpty(apiErr.Message, bodyMessage(ex.body.errLine))}
			}
			return err
		}
		if raw == nil {
			// go-openai saw `data: {"error"` but could not decode it.
			return &streamEventError{msg: firstNonEmpty(bodyMessage(ex.body.errLine), "undecodable error event")}
		}
		// Reuse the choices array, zeroed: encoding/json decodes into
		// the elements it finds there, keeping fields an event lacks.
		choices := c.Choices[:cap(c.Choices)]
		clear(choices)
		c = chunk{Choices: choices[:0]}
		if err := json.Unmarshal(raw, &c); err != nil {
			return &malformedChunkError{err: err, chunk: string(raw)}
		}
		if msg, ok := c.errorMessage(); ok {
			return &streamEventError{msg: msg}
		}
		st.observe(&c, now)
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// observe takes one event at time now. An event counts as a content event
// when any choice carries reasoning text or output (content, refusal or
// tool-call deltas); role-only, empty and usage-only events do not.
func (st *streamState) observe(c *chunk, now int64) {
	var text, output bool
	for i := range c.Choices {
		ch := &c.Choices[i]
		d := &ch.Delta
		if d.Content != "" || d.Refusal != "" || hasToolCalls(d.ToolCalls) {
			output = true
		}
		if d.ReasoningContent != "" || d.Reasoning != "" {
			text = true
		}
		if ch.FinishReason != "" {
			st.finish = ch.FinishReason
		}
	}
	if text || output {
		st.chunks++
		if st.firstToken == 0 {
			st.firstToken = now
		}
		if output && st.firstOutput == 0 {
			st.firstOutput = now
		}
		if st.lastToken > 0 {
			st.gaps = append(st.gaps, now-st.lastToken)
		}
		st.lastToken = now
		// Per-chunk tokens exist only when every content event carries
		// the running usage (vLLM continuous_usage_stats).
		if c.Usage != nil && c.Usage.CompletionTokens >= st.prevCompletion && !st.chunkTokensBad {
			st.chunkTokens = append(st.chunkTokens, int32(c.Usage.CompletionTokens-st.prevCompletion))
		} else {
			st.chunkTokensBad = true
		}
	}
	if c.Usage != nil {
		st.usage = c.Usage
		st.prevCompletion = c.Usage.CompletionTokens
	}
}

func hasToolCalls(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s != "" && s != "null" && s != "[]"
}

// fill copies the observations onto rec. Token counts come from the last
// usage the server sent; without one, output tokens are the content
// events (a lower bound when events carry several tokens) and input tokens
// an estimate of 4 bytes per token.
func (st *streamState) fill(rec *results.Record, req *workloads.Request) {
	rec.FirstTokenNs = st.firstToken
	rec.FirstOutputNs = st.firstOutput
	rec.LastTokenNs = st.lastToken
	rec.ChunkGapsNs = st.gaps
	rec.Chunks = st.chunks
	if !st.chunkTokensBad && len(st.chunkTokens) == int(st.chunks) {
		rec.ChunkTokens = st.chunkTokens
	}
	rec.FinishReason = st.finish
	if u := st.usage; u != nil {
		rec.InputTokens = u.PromptTokens
		rec.OutputTokens = u.CompletionTokens
		if u.PromptTokensDetails != nil {
			rec.CachedInputTokens = u.PromptTokensDetails.CachedTokens
		}
		if u.CompletionTokensDetails != nil {
			rec.ReasoningTokens = u.CompletionTokensDetails.ReasoningTokens
		}
		rec.InputTokensSource = results.TokensFromUsage
		rec.OutputTokensSource = results.TokensFromUsage
		return
	}
	rec.OutputTokens = int64(st.chunks)
	rec.OutputTokensSource = results.TokensFromChunks
	rec.InputTokens = int64(promptBytes(req)+3) / 4
	rec.InputTokensSource = results.TokensFromEstimate
}
