package targets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// OpenAI is the OpenAI-compatible streaming chat completions target (vLLM,
// SGLang, TGI, llama.cpp, Ollama, managed providers, the OpenAI API). It is
// safe for concurrent use.
type OpenAI struct {
	cfg            Config
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
func NewOpenAI(cfg Config) (*OpenAI, error) {
	extra, errs := cfg.validate()
	t := &OpenAI{cfg: cfg, includeUsage: cfg.IncludeUsage == nil || *cfg.IncludeUsage, extra: extra}
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
	// The key travels in wireDoer's headers, in whichever header the
	// provider wants (Authorization, api-key, ...); go-openai sends no
	// Authorization header when its own key is empty.
	oc := openai.DefaultConfig("")
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	oc.HTTPClient = &wireDoer{client: t.http, header: t.cfg.header(), query: cfg.Query}
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
	rec := t.cfg.newRecord(req)
	parent := ctx
	ctx, cancel, release := t.cfg.requestContext(ctx)
	defer release()

	patch, err := t.patch(req)
	if err != nil {
		requestFailed(&rec, clock, err)
		return rec
	}
	wd := startWatchdog(cancel, t.cfg.FirstTokenTimeout, t.cfg.IdleTimeout)
	defer wd.stop()
	ex := &exchange{clock: clock, patch: patch, wd: wd}
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
		fail(&rec, parent, ctx, err, ex.header, ex.status)
		return rec
	}

	st := streamState{tally: tally{wd: wd}}
	err = st.read(stream, clock, ex)
	rec.DoneNs = clock.Now()
	wd.stop()
	done := ex.body.sawDone
	st.fill(&rec, req)
	switch {
	case err != nil:
	case !done:
		err = errStreamBroken
		if ct := ex.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
			err = fmt.Errorf("%w (content-type %q)", err, ct)
		}
		err = fmt.Errorf("%w after %d content chunks", err, st.chunks)
	case rec.FinishReason == "":
		err = errStreamTruncated
	}
	if err != nil {
		stream.Close()
		fail(&rec, parent, ctx, err, ex.header, ex.status)
		return rec
	}
	drain(ex.body.rc, drainLimit, cancel)
	stream.Close()
	rec.Status = results.StatusOK
	return rec
}

// requestFailed marks a request that could not be built: nothing was
// sent, so it is sent and done at once.
func requestFailed(rec *results.Record, clock results.Clock, err error) {
	rec.SentNs = clock.Now()
	rec.StartedAt = clock.Wall(rec.SentNs)
	rec.DoneNs = rec.SentNs
	rec.SetError(results.ErrClassRequest, err.Error())
}

// fail sets the error class and message of a failed request. Once the
// request context is done, the context is the cause, whatever error the
// transport reported on its way down, unless the server had already
// answered with an error of its own or the stream had already ended. header
// and status are the response's, if one came.
func fail(rec *results.Record, parent, ctx context.Context, err error, header http.Header, status int) {
	class := classify(err)
	msg := errorMessage(err)
	switch class {
	case results.ErrClassRateLimited, results.ErrClassHTTP4xx, results.ErrClassHTTP5xx,
		results.ErrClassStreamError, results.ErrClassMalformedChunk, results.ErrClassRequest,
		results.ErrClassStreamBroken, results.ErrClassStreamTrunc:
	default:
		if ctx.Err() != nil {
			if errors.Is(parent.Err(), context.Canceled) {
				class = results.ErrClassCanceled
			} else {
				class = results.ErrClassTimeout
				if cause := context.Cause(ctx); cause != nil && cause != context.DeadlineExceeded && cause != context.Canceled {
					msg = cause.Error() + ": " + msg
				}
			}
		}
	}
	if header != nil && status >= 400 {
		rec.RetryAfterMs = retryAfterMs(header, time.Now())
	}
	var se *statusError
	if rec.RetryAfterMs == 0 && errors.As(err, &se) {
		rec.RetryAfterMs = se.retryAfterMs
	}
	if header != nil && class != results.ErrClassCanceled {
		for _, h := range []string{"X-Request-Id", "Request-Id"} {
			if id := header.Get(h); id != "" {
				msg += " (" + strings.ToLower(h) + ": " + id + ")"
				break
			}
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
	if temp := t.cfg.temperature(req); temp != nil {
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
	own, err := t.cfg.requestExtra(req)
	if err != nil {
		return nil, err
	}
	return setFields(fields, own...), nil
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
