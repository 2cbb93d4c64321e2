package targets

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/internal/chunk"
)

// Errors of the stream itself: it ended cleanly but incomplete.
var (
	// errStreamBroken: the body ended without `data: [DONE]`.
	errStreamBroken = errors.New("stream ended without data: [DONE]")
	// errStreamTruncated: [DONE] arrived but no choice had a finish_reason.
	errStreamTruncated = errors.New("stream ended with [DONE] but no finish_reason")
)

// endMissingError is a stream that ended cleanly but without the event
// its protocol ends with ([DONE], message_stop, response.completed, a
// finishReason): the stream was cut. The message names a content type
// that was not an event stream, and, where countChunks, how many content
// events came first.
type endMissingError struct {
	want        string
	contentType string // set when the response was not text/event-stream
	chunks      int32
	countChunks bool
}

func (e *endMissingError) Error() string {
	msg := "stream ended without " + e.want
	if e.contentType != "" {
		msg += fmt.Sprintf(" (content-type %q)", e.contentType)
	}
	if e.countChunks {
		msg += fmt.Sprintf(" after %d content chunks", e.chunks)
	}
	return msg
}
func (e *endMissingError) Is(target error) bool { return target == errStreamBroken }

// emptyOutputError is a stream that ended complete but produced no output
// at all: no text and no tool-call arguments (reasoning alone is not
// output), as when a thinking budget uses up the whole token limit.
type emptyOutputError struct {
	finish    string
	reasoning int32 // reasoning events seen
}

func (e *emptyOutputError) Error() string {
	msg := "no output: the response ended"
	if e.finish != "" {
		msg += " (finish reason " + e.finish + ")"
	}
	if e.reasoning > 0 {
		return msg + fmt.Sprintf(" after %d reasoning events and no text or tool-call arguments", e.reasoning)
	}
	return msg + " without text or tool-call arguments"
}

// requestError is a request that could not be built (bad extra body, bad
// URL): the fault is in the plan or workload, not the server.
type requestError struct{ err error }

func (e *requestError) Error() string { return "building request: " + e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

// statusError is an HTTP error status answered by a server the plain
// net/http protocols talk to, with the server's own message.
type statusError struct {
	code         int
	msg          string
	retryAfterMs int64 // a wait the body asked for (Gemini's RetryInfo)
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.code, http.StatusText(e.code), e.msg)
}

// streamEventError is an error event the server sent mid-stream
// (`data: {"error": ...}`).
type streamEventError struct{ msg string }

func (e *streamEventError) Error() string { return "error event in stream: " + e.msg }

// malformedChunkError is a stream event that is not a valid chunk.
type malformedChunkError struct {
	err   error
	chunk string // the start of the offending event
}

func (e *malformedChunkError) Error() string {
	return "malformed chunk: " + e.err.Error() + ": " + results.Truncate(e.chunk, 120)
}
func (e *malformedChunkError) Unwrap() error { return e.err }

// classify maps an error to a results error class. It is a pure function of
// the error chain; Do consults the request context first, since once the
// context is done any error is a consequence of that (a read on a closed
// connection, say).
//
// Order matters: HTTP statuses before transport errors (go-openai's error
// values carry the status); connection failures before timeouts, so a dial
// that times out is "connect" (no connection was made); a net timeout mid-
// response is "timeout"; resets and truncated bodies are "connection_dropped".
func classify(err error) string {
	if err == nil {
		return ""
	}
	var (
		reqErr    *requestError
		statusErr *statusError
		eventErr  *streamEventError
		chunkErr  *malformedChunkError
		emptyErr  *emptyOutputError
		apiErr    *openai.APIError
		oaiReqErr *openai.RequestError
		opErr     *net.OpError
		dnsErr    *net.DNSError
		netErr    net.Error
		synErr    *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		certErr   *tls.CertificateVerificationError
		recErr    tls.RecordHeaderError
		authErr   x509.UnknownAuthorityError
		hostErr   x509.HostnameError
	)
	switch {
	case errors.As(err, &reqErr):
		return results.ErrClassRequest
	case errors.As(err, &statusErr):
		return statusClass(statusErr.code)
	case errors.Is(err, errSSETooLong):
		return results.ErrClassMalformedChunk
	case errors.As(err, &eventErr):
		return results.ErrClassStreamError
	case errors.As(err, &chunkErr), errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		return results.ErrClassMalformedChunk
	case errors.Is(err, errStreamBroken):
		return results.ErrClassStreamBroken
	case errors.Is(err, errStreamTruncated):
		return results.ErrClassStreamTrunc
	case errors.As(err, &emptyErr):
		return results.ErrClassEmptyOutput
	case errors.As(err, &apiErr):
		if apiErr.HTTPStatusCode == 0 {
			// go-openai's wrapping of a mid-stream error event.
			return results.ErrClassStreamError
		}
		return statusClass(apiErr.HTTPStatusCode)
	case errors.As(err, &oaiReqErr):
		return statusClass(oaiReqErr.HTTPStatusCode)
	case errors.Is(err, context.Canceled):
		return results.ErrClassCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return results.ErrClassTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &dnsErr),
		errors.As(err, &opErr) && opErr.Op == "dial",
		errors.As(err, &certErr), errors.As(err, &recErr),
		errors.As(err, &authErr), errors.As(err, &hostErr):
		return results.ErrClassConnect
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return results.ErrClassTimeout
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		// io.EOF here is a connection closed before the response headers;
		// the clean end of a stream never reaches classify as io.EOF.
		return results.ErrClassConnection
	case errors.As(err, &synErr), errors.As(err, &typeErr):
		return results.ErrClassMalformedChunk
	case strings.Contains(err.Error(), errServerClosedIdle):
		return results.ErrClassConnection
	}
	return results.ErrClassOther
}

// errServerClosedIdle is net/http's message (its error value is not
// exported) for a pooled connection the server closed just as a request
// was sent on it: a connection dropped before the headers, which net/http
// does not retry for a POST.
const errServerClosedIdle = "http: server closed idle connection"

// statusClass is the class of a failed HTTP status.
func statusClass(code int) string {
	switch {
	case code == http.StatusTooManyRequests:
		return results.ErrClassRateLimited
	case code >= 400 && code < 500:
		return results.ErrClassHTTP4xx
	case code >= 500 && code < 600:
		return results.ErrClassHTTP5xx
	}
	return results.ErrClassOther
}

// errorMessage is the message to record: the server's own words when it
// sent an OpenAI error body, else the error text.
func errorMessage(err error) string {
	var (
		apiErr    *openai.APIError
		oaiReqErr *openai.RequestError
		eventErr  *streamEventError
		statusErr *statusError
		reqErr    *requestError
	)
	switch {
	case errors.As(err, &reqErr):
		return reqErr.err.Error()
	case errors.As(err, &eventErr):
		return eventErr.msg
	case errors.As(err, &statusErr):
		return cmp.Or(statusErr.msg, fmt.Sprintf("HTTP %d", statusErr.code))
	case errors.As(err, &apiErr) && apiErr.Message != "":
		return apiErr.Message
	case errors.As(err, &oaiReqErr):
		if body := strings.TrimSpace(string(oaiReqErr.Body)); body != "" {
			return chunk.BodyMessage(body)
		}
		return oaiReqErr.HTTPStatus
	}
	return err.Error()
}

// retryAfterMs reads how long the server asked us to wait, in
// milliseconds: OpenAI's `retry-after-ms` (fractional milliseconds) when
// present, as it is the more precise, else the standard Retry-After in
// seconds or as an HTTP-date (relative to now). It is 0 when absent or
// unparseable.
func retryAfterMs(h http.Header, now time.Time) int64 {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return clampMs(math.Ceil(ms))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if !(s >= 0) {
			return 0
		}
		return clampMs(math.Ceil(s * 1000))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Milliseconds()
		}
	}
	return 0
}

// clampMs converts to int64 without overflow; a year is longer than any
// real back-off.
func clampMs(ms float64) int64 {
	const year = 365 * 24 * 3600 * 1000
	if ms > year {
		return year
	}
	return int64(ms)
}

// requestFailed marks a request that could not be built: nothing was
// sent, so it is sent and done at once.
func requestFailed(rec *results.Record, clock results.Clock, err error) {
	rec.SentNs = clock.Now()
	rec.StartedAt = clock.Wall(rec.SentNs)
	rec.DoneNs = rec.SentNs
	rec.SetError(classify(err), errorMessage(err))
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
		results.ErrClassStreamBroken, results.ErrClassStreamTrunc, results.ErrClassEmptyOutput:
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
