package targets

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// drainLimit bounds how long Do waits for the end of a response after
// its end event to keep its connection for reuse.
const drainLimit = 250 * time.Millisecond

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

// Buffers of each connection, sized to what a stream needs, since every
// in-flight stream holds its connection's (issue 14: memory per stream at
// 10,000 concurrent streams). A response is read through the read buffer
// by the SSE reader's own (sseBufferSize): 2 KB holds several chat chunks
// when they pile up. The write buffer takes the request headers and a
// short body in one write; a longer body goes out in one more write
// whatever the buffer's size (net/http's buffered writer writes a body
// that does not fit straight through to the connection).
const (
	transportReadBuffer  = 2 << 10
	transportWriteBuffer = 1 << 10
)

// NewHTTPClientWith returns an HTTP client for targets: HTTP/1.1 only
// (HTTP/2 would multiplex every virtual user over one connection, with its
// flow control in the measurement), no transparent gzip (a compressing
// server buffers the stream), buffers sized to a stream, and an idle pool
// big enough that every concurrent request keeps its connection between
// requests. Proxies come
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
	tr.ReadBufferSize, tr.WriteBufferSize = transportReadBuffer, transportWriteBuffer
	return &http.Client{Transport: tr}
}
