package targets

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/inferbench/inferbench/results"
)

// exchange is what the instrumented HTTP layer saw of one request. Do
// creates one per request and hands it down through the request context,
// because go-openai owns the request between Do and the HTTP client and
// offers no other way in: the wire-level facts (when headers arrived, the
// status and headers of a failed response, whether [DONE] was really on
// the wire) are only visible below it.
type exchange struct {
	clock results.Clock
	// patch holds the body fields go-openai cannot send (temperature 0,
	// engine extensions); they are merged into its JSON body.
	patch []bodyField

	wd *watchdog // first-token and idle timeouts; nil-safe

	headersNs int64       // when the response headers arrived; 0 if they never did
	status    int         // HTTP status code; 0 if no response
	header    http.Header // response headers
	body      *sseBody    // the response body, instrumented
}

// bodyField is one top-level field of the request body, already encoded.
type bodyField struct {
	key   string
	value json.RawMessage
}

type exchangeKey struct{}

func withExchange(ctx context.Context, ex *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, ex)
}

func exchangeFrom(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

// requestError is a request that could not be built (bad extra body, bad
// URL): the fault is in the plan or workload, not the server.
type requestError struct{ err error }

func (e *requestError) Error() string { return "building request: " + e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

// wireDoer is the openai.HTTPDoer under go-openai. It patches the request
// body, adds the key and configured headers and query parameters,
// timestamps the response headers and instruments the response body.
type wireDoer struct {
	client *http.Client
	header http.Header
	query  map[string]string
}

// Do implements openai.HTTPDoer.
func (d *wireDoer) Do(req *http.Request) (*http.Response, error) {
	ex := exchangeFrom(req.Context())
	if ex != nil && len(ex.patch) > 0 && req.Body != nil {
		if err := patchRequestBody(req, ex.patch); err != nil {
			return nil, &requestError{err}
		}
	}
	for k, v := range d.header {
		req.Header[k] = v
	}
	if len(d.query) > 0 {
		q := req.URL.Query()
		for k, v := range d.query {
			q.Set(k, v)
		}
		req.URL.RawQuery = q.Encode()
	}
	resp, err := d.client.Do(req)
	if ex == nil {
		return resp, err
	}
	if err != nil {
		return nil, err
	}
	ex.headersNs = ex.clock.Now()
	ex.status = resp.StatusCode
	ex.header = resp.Header
	ex.body = &sseBody{rc: &watchedBody{rc: resp.Body, wd: ex.wd}}
	resp.Body = ex.body
	return resp, nil
}

func patchRequestBody(req *http.Request, patch []bodyField) error {
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return fmt.Errorf("reading request body: %w", err)
	}
	body, err = mergeJSONObject(body, patch)
	if err != nil {
		return err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(body)), nil
	}
	return nil
}

// mergeJSONObject sets the patch fields on a JSON object; a patch field
// replaces a field of the same name. The common case (no name collides)
// splices the fields in before the closing brace without decoding the
// body, which may hold a long prompt; a collision, or any key that JSON
// would escape, falls back to a full decode and re-encode.
func mergeJSONObject(body []byte, patch []bodyField) ([]byte, error) {
	body = bytes.TrimSpace(body)
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' {
		return nil, errors.New("request body is not a JSON object")
	}
	splice := true
	for _, f := range patch {
		if !plainKey(f.key) || bytes.Contains(body, []byte(`"`+f.key+`":`)) {
			splice = false
			break
		}
	}
	if splice {
		out := make([]byte, 0, len(body)+64*len(patch))
		out = append(out, body[:len(body)-1]...)
		empty := len(bytes.TrimSpace(body[1:len(body)-1])) == 0
		for i, f := range patch {
			if i > 0 || !empty {
				out = append(out, ',')
			}
			out = append(out, '"')
			out = append(out, f.key...)
			out = append(out, '"', ':')
			out = append(out, f.value...)
		}
		return append(out, '}'), nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("decoding request body: %w", err)
	}
	for _, f := range patch {
		m[f.key] = f.value
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding request body: %w", err)
	}
	return out, nil
}

// plainKey reports whether encoding/json writes key verbatim, so a byte
// search for it in an encoded object cannot miss.
func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// sseBody watches a server-sent-events response body as it is read. go-openai
// returns io.EOF both after `data: [DONE]` and when the connection simply
// ends, so the body itself notes whether the [DONE] line was on the wire;
// it also keeps the first `data: {"error"...}` line, which go-openai drops
// when it cannot decode it.
type sseBody struct {
	rc io.ReadCloser

	line      []byte // the current line, up to maxSSELine bytes
	truncated bool   // the current line is longer than maxSSELine
	sawDone   bool
	errLine   string
}

// maxSSELine is how much of each line sseBody keeps: enough for an error
// event's message; longer lines (big content chunks) are only scanned for
// their end.
const maxSSELine = 1024

// Read implements io.Reader.
func (s *sseBody) Read(p []byte) (int, error) {
	n, err := s.rc.Read(p)
	if n > 0 {
		s.scan(p[:n])
	}
	return n, err
}

// Close implements io.Closer.
func (s *sseBody) Close() error { return s.rc.Close() }

func (s *sseBody) scan(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			s.keep(b)
			return
		}
		s.keep(b[:i])
		s.endLine()
		b = b[i+1:]
	}
}

func (s *sseBody) keep(b []byte) {
	room := maxSSELine - len(s.line)
	if len(b) > room {
		b = b[:room]
		s.truncated = true
	}
	s.line = append(s.line, b...)
}

// endLine looks at a complete line the way go-openai does: trimmed, then
// `data:` and optional spaces. A line cut off at EOF is not complete, as
// go-openai does not act on it either.
func (s *sseBody) endLine() {
	l := bytes.TrimSpace(s.line)
	if v, ok := bytes.CutPrefix(l, []byte("data:")); ok {
		v = bytes.TrimLeft(v, " \t")
		switch {
		case !s.truncated && string(v) == "[DONE]":
			s.sawDone = true
		case s.errLine == "" && bytes.HasPrefix(v, []byte(`{"error"`)):
			s.errLine = string(v)
		}
	}
	s.line = s.line[:0]
	s.truncated = false
}

// drain reads what is left of a finished response (the chunked-encoding
// terminator, usually already in flight) so the connection goes back to
// the pool instead of being closed, which would add a TCP and TLS
// handshake to the next request. It gives up after limit, via cancel,
// against a server that keeps the response open after its end event.
func drain(r io.Reader, limit time.Duration, cancel context.CancelCauseFunc) {
	t := time.AfterFunc(limit, func() { cancel(errDrained) })
	_, _ = io.CopyN(io.Discard, r, 64<<10)
	t.Stop()
}

// errDrained cancels a finished request whose server kept the response
// open; the record is already complete.
var errDrained = errors.New("response kept open after its end")

// NewHTTPClient returns the HTTP client targets use when none is given:
// NewHTTPClientWith(HTTPOptions{}).
func NewHTTPClient() *http.Client { return NewHTTPClientWith(HTTPOptions{}) }

// HTTPOptions are the transport settings of a target's HTTP client.
type HTTPOptions struct {
	// ConnectTimeout bounds dialing and the TLS handshake (0: the
	// operating system's dial timeout, and net/http's 10s handshake).
	ConnectTimeout time.Duration
	// Insecure turns TLS certificate verification off. Only for a
	// self-signed engine on a private network; never the default.
	Insecure bool
}

// NewHTTPClientWith returns an HTTP client for targets: HTTP/1.1 only
// (HTTP/2 would multiplex every virtual user over one connection, with its
// flow control in the measurement), no transparent gzip (a compressing
// server buffers the stream), and an idle pool big enough that every
// concurrent request keeps its connection between requests. Proxies come
// from HTTPS_PROXY, HTTP_PROXY and NO_PROXY as they are when the client is
// made (net/http's own reads them once per process); requests to loopback
// addresses never go through a proxy.
func NewHTTPClientWith(o HTTPOptions) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	proxy := httpproxy.FromEnvironment().ProxyFunc()
	tr.Proxy = func(r *http.Request) (*url.URL, error) { return proxy(r.URL) }
	if o.ConnectTimeout > 0 {
		tr.DialContext = (&net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
		tr.TLSHandshakeTimeout = o.ConnectTimeout
	}
	if o.Insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user's --insecure
	}
	tr.ForceAttemptHTTP2 = false
	tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	tr.DisableCompression = true
	tr.MaxIdleConns = 0
	tr.MaxIdleConnsPerHost = 4096
	tr.MaxConnsPerHost = 0
	tr.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: tr}
}
