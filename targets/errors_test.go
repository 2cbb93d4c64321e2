package targets

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/inferbench/inferbench/results"
)

// timeoutErr is a net.Error that timed out, like a read deadline.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// post wraps err the way net/http's client does.
func post(err error) error {
	return &url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1/chat/completions", Err: err}
}

func TestClassify(t *testing.T) {
	var synErr *json.SyntaxError
	if err := json.Unmarshal([]byte("{x"), &struct{}{}); !errors.As(err, &synErr) {
		t.Fatalf("no syntax error from %v", err)
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"bad request body", &requestError{errors.New("x")}, results.ErrClassRequest},
		{"429 api error", &openai.APIError{HTTPStatusCode: 429, Message: "slow down"}, results.ErrClassRateLimited},
		{"429 request error", &openai.RequestError{HTTPStatusCode: 429}, results.ErrClassRateLimited},
		{"400", &openai.APIError{HTTPStatusCode: 400}, results.ErrClassHTTP4xx},
		{"401 request error", &openai.RequestError{HTTPStatusCode: 401}, results.ErrClassHTTP4xx},
		{"404", &openai.RequestError{HTTPStatusCode: 404, Err: synErr}, results.ErrClassHTTP4xx},
		{"500", &openai.APIError{HTTPStatusCode: 500}, results.ErrClassHTTP5xx},
		{"503 request error", &openai.RequestError{HTTPStatusCode: 503}, results.ErrClassHTTP5xx},
		{"1xx", &openai.RequestError{HTTPStatusCode: 101}, results.ErrClassOther},
		{"go-openai mid-stream error", fmt.Errorf("error, %w", &openai.APIError{Message: "oom"}), results.ErrClassStreamError},
		{"error event", &streamEventError{msg: "oom"}, results.ErrClassStreamError},
		{"malformed chunk", &malformedChunkError{err: synErr}, results.ErrClassMalformedChunk},
		{"bare json syntax error", synErr, results.ErrClassMalformedChunk},
		{"too many empty messages", openai.ErrTooManyEmptyStreamMessages, results.ErrClassMalformedChunk},
		{"stream broken", fmt.Errorf("%w after 3 chunks", errStreamBroken), results.ErrClassStreamBroken},
		{"stream truncated", errStreamTruncated, results.ErrClassStreamTrunc},
		{"canceled", post(context.Canceled), results.ErrClassCanceled},
		{"deadline", post(context.DeadlineExceeded), results.ErrClassTimeout},
		{"refused", post(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), results.ErrClassConnect},
		{"dial timeout", post(&net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}), results.ErrClassConnect},
		{"dns", post(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid"}}), results.ErrClassConnect},
		{"bad certificate", post(x509.UnknownAuthorityError{}), results.ErrClassConnect},
		{"read timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, results.ErrClassTimeout},
		{"os deadline", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), results.ErrClassTimeout},
		{"reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, results.ErrClassConnection},
		{"broken pipe", post(&net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.EPIPE)}), results.ErrClassConnection},
		{"unexpected EOF mid-stream", io.ErrUnexpectedEOF, results.ErrClassConnection},
		{"EOF before headers", post(io.EOF), results.ErrClassConnection},
		{"closed", net.ErrClosed, results.ErrClassConnection},
		{"anything else", errors.New("weird"), results.ErrClassOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.err); got != tc.want {
				t.Errorf("classify(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&openai.APIError{HTTPStatusCode: 500, Message: "engine crashed"}, "engine crashed"},
		{fmt.Errorf("error, %w", &openai.APIError{Message: "oom"}), "oom"},
		{&openai.RequestError{HTTPStatus: "502 Bad Gateway", HTTPStatusCode: 502, Body: []byte(" <html>bad gateway</html>\n")}, "<html>bad gateway</html>"},
		{&openai.RequestError{HTTPStatus: "502 Bad Gateway", HTTPStatusCode: 502}, "502 Bad Gateway"},
		{&streamEventError{msg: "oom"}, "oom"},
		{errors.New("plain"), "plain"},
	}
	for _, tc := range tests {
		if got := errorMessage(tc.err); got != tc.want {
			t.Errorf("errorMessage(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestRetryAfterMs(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   int64
	}{
		{"absent", nil, 0},
		{"seconds", map[string]string{"Retry-After": "2"}, 2000},
		{"fractional seconds", map[string]string{"Retry-After": "0.25"}, 250},
		{"http date", map[string]string{"Retry-After": now.Add(3 * time.Second).Format(http.TimeFormat)}, 3000},
		{"date in the past", map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0},
		{"negative", map[string]string{"Retry-After": "-5"}, 0},
		{"nan", map[string]string{"Retry-After": "NaN"}, 0},
		{"huge", map[string]string{"Retry-After": "1e300"}, 365 * 24 * 3600 * 1000},
		{"ms wins", map[string]string{"Retry-After": "2", "Retry-After-Ms": "1500"}, 1500},
		{"ms rounds up", map[string]string{"retry-after-ms": "20.1"}, 21},
		{"bad ms falls back", map[string]string{"Retry-After": "2", "Retry-After-Ms": "x"}, 2000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			if got := retryAfterMs(h, now); got != tc.want {
				t.Errorf("retryAfterMs(%v) = %d, want %d", tc.header, got, tc.want)
			}
		})
	}
}
