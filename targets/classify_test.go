package targets

import (
	"errors"
	"net/url"
	"testing"

	"github.com/inferbench/inferbench/results"
)

// TestClassifyServerClosedIdle: a pooled connection closed by the server
// as the request went out (seen at 2,000 req/s against the simulator) is
// a dropped connection, retryable, not "other".
func TestClassifyServerClosedIdle(t *testing.T) {
	err := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1/chat/completions", Err: errors.New("http: server closed idle connection")}
	if got := classify(err); got != results.ErrClassConnection {
		t.Errorf("classify(%v) = %q, want %q", err, got, results.ErrClassConnection)
	}
	rec := results.Record{Status: results.StatusError, ErrorClass: classify(err)}
	if !Retryable(&rec) {
		t.Errorf("not retryable: %+v", rec)
	}
}
