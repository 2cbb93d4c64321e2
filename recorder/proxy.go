// Package recorder is an OpenAI-compatible pass-through proxy that records
// the generation requests it forwards as a native inferbench workload, so a
// team can capture real traffic from its application and replay it against
// other targets later.
//
// Requests are forwarded untouched (streaming responses are flushed as they
// arrive); recording happens off the request path, in one writer goroutine,
// which writes each request once its answer has been passed on, with what
// the answer said of its length (Request.Observed: the upstream's usage, or
// a stream's content chunks counted).
// Headers are never recorded, so Authorization and API keys forwarded to the
// upstream cannot reach the file. Message content can be kept, replaced by
// same-length synthetic text (hash), or dropped for lengths only.
package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Content says what the recording keeps of message text.
type Content string

// The content modes.
const (
	// ContentKeep records messages verbatim.
	ContentKeep Content = "keep"
	// ContentHash replaces each message's text with synthetic text of the
	// same token length, chosen by a salted SHA-256 of the text: equal texts
	// stay equal (so shared prefixes survive) and nothing of them is kept.
	ContentHash Content = "hash"
	// ContentDrop keeps lengths only: each request becomes one synthetic
	// prompt of its total token length.
	ContentDrop Content = "drop"
)

// ParseContent checks a content mode name ("" means keep).
func ParseContent(s string) (Content, error) {
	switch c := Content(strings.ToLower(s)); c {
	case "":
		return ContentKeep, nil
	case ContentKeep, ContentHash, ContentDrop:
		return c, nil
	}
	return "", fmt.Errorf("content mode %q: want keep, hash or drop", s)
}

// Config configures a Proxy. Zero values mean the documented defaults.
type Config struct {
	// Upstream is the server requests are forwarded to, e.g.
	// https://api.openai.com or http://127.0.0.1:8000. A request path that
	// already starts with Upstream's path (such as /v1) is not prefixed
	// again.
	Upstream *url.URL
	// Out is the workload file to write. It must not exist; with rotation
	// the files are OUT's name with .00001, .00002, ... before the
	// extension.
	Out string
	// Content is what to keep of message text (default keep).
	Content Content
	// Tokenizer counts tokens for hash and drop and for input_tokens
	// (default cl100k_base).
	Tokenizer string
	// HashSalt salts the content hashes; nil draws a random salt, so texts
	// match only within one recording.
	HashSalt []byte
	// RotateRequests starts a new file after this many requests (0: never).
	RotateRequests int
	// RotateBytes starts a new file once the current one has this many
	// bytes (0: never).
	RotateBytes int64
	// MaxBodyBytes bounds a recorded request body (default 32 MiB); a
	// larger one is refused with 413.
	MaxBodyBytes int64
	// QueueSize bounds the requests waiting to be written (default 4096);
	// when the writer falls that far behind, handlers wait for it. The
	// writer keeps arrival order, so a request waits for every answer that
	// began before it: one long stream holds up to QueueSize requests.
	QueueSize int
	// Transport sends upstream requests; nil clones http.DefaultTransport.
	Transport http.RoundTripper
	// OnError is told about requests that could not be recorded (they are
	// still forwarded); nil ignores them.
	OnError func(error)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Proxy forwards requests to the upstream and records generation
// requests. It is an http.Handler; Close flushes the recording.
type Proxy struct {
	cfg    Config
	rp     *httputil.ReverseProxy
	queue  chan captured
	mu     sync.Mutex // orders sequence numbers with queue sends
	seq    int64
	closed bool
	// closing is closed when Close begins: the writer stops waiting for
	// answers still streaming and records those requests without them.
	closing chan struct{}
	closeMu sync.Once
	done    chan struct{}
	w       *writer
	count   atomic.Int64
}

// captured is one request on its way to the writer.
type captured struct {
	seq     int64
	arrival time.Time
	chat    bool
	body    []byte
	// obs watches the upstream's answer; answered is closed once the
	// proxy has passed it on (or given up), and the writer waits for it.
	obs      *observation
	answered chan struct{}
}

// Validate reports every problem with the configuration at once: what
// New would refuse, before any file is created.
func (cfg Config) Validate() error {
	var errs []error
	if cfg.Upstream == nil || cfg.Upstream.Host == "" || (cfg.Upstream.Scheme != "http" && cfg.Upstream.Scheme != "https") {
		errs = append(errs, errors.New("upstream must be an http or https URL"))
	}
	if cfg.Out == "" {
		errs = append(errs, errors.New("output file is required"))
	}
	_, err := ParseContent(string(cfg.Content))
	errs = append(errs, err)
	if cfg.RotateRequests < 0 || cfg.RotateBytes < 0 || cfg.MaxBodyBytes < 0 || cfg.QueueSize < 0 {
		errs = append(errs, errors.New("rotation, body and queue limits must be >= 0"))
	}
	return errors.Join(errs...)
}

// New checks cfg, creates the first output file and returns the proxy.
func New(cfg Config) (*Proxy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Content, _ = ParseContent(string(cfg.Content))
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 32 << 20
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = 4096
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	w, err := newWriter(cfg)
	if err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, queue: make(chan captured, cfg.QueueSize), closing: make(chan struct{}), done: make(chan struct{}), w: w}
	up := cfg.Upstream
	base := strings.TrimSuffix(up.Path, "/")
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			path := pr.In.URL.Path
			pr.Out.URL.Scheme, pr.Out.URL.Host = up.Scheme, up.Host
			if base != "" && !strings.HasPrefix(path, base+"/") && path != base {
				path = base + path
			}
			pr.Out.URL.Path, pr.Out.URL.RawPath = path, ""
			pr.Out.Host = up.Host
		},
		// Flush every write: token streams must not wait in a buffer.
		FlushInterval:  -1,
		Transport:      cfg.Transport,
		ModifyResponse: modifyResponse,
	}
	go p.run()
	return p, nil
}

// generation reports whether a request is one the proxy records.
func generation(r *http.Request) (chat, ok bool) {
	if r.Method != http.MethodPost {
		return false, false
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/chat/completions"):
		return true, true
	case strings.HasSuffix(r.URL.Path, "/completions"):
		return false, true
	}
	return false, false
}

// ServeHTTP forwards r upstream, recording it first if it is a chat or
// completion request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if chat, ok := generation(r); ok {
		arrival := p.cfg.Now()
		body, err := io.ReadAll(io.LimitReader(r.Body, p.cfg.MaxBodyBytes+1))
		r.Body.Close()
		if err != nil {
			http.Error(w, "reading request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if int64(len(body)) > p.cfg.MaxBodyBytes {
			http.Error(w, fmt.Sprintf("request body over %d bytes", p.cfg.MaxBodyBytes), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		c := captured{arrival: arrival, chat: chat, body: body, obs: &observation{}, answered: make(chan struct{})}
		defer close(c.answered)
		r = withObservation(r, c.obs)
		p.enqueue(c)
	}
	p.rp.ServeHTTP(w, r)
}

// enqueue numbers c and hands it to the writer, in arrival order.
func (p *Proxy) enqueue(c captured) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.seq++
	c.seq = p.seq
	// A full queue waits for the writer, or for Close: holding mu, this
	// send must not keep Close (which takes mu) from ever starting.
	select {
	case p.queue <- c:
	case <-p.closing:
	}
}

// run is the writer goroutine.
func (p *Proxy) run() {
	defer close(p.done)
	for c := range p.queue {
		// Requests are written in arrival order, each once its answer has
		// been passed on, with what was observed of it.
		select {
		case <-c.answered:
		case <-p.closing:
		}
		if err := p.w.write(c); err != nil {
			if p.cfg.OnError != nil {
				p.cfg.OnError(fmt.Errorf("request %d not recorded: %w", c.seq, err))
			}
			continue
		}
		p.count.Add(1)
		if len(p.queue) == 0 {
			if err := p.w.flush(); err != nil && p.cfg.OnError != nil {
				p.cfg.OnError(err)
			}
		}
	}
}

// Recorded counts the requests written so far.
func (p *Proxy) Recorded() int64 { return p.count.Load() }

// Files lists the files written so far.
func (p *Proxy) Files() []string { return p.w.files() }

// Close stops recording, writes what is queued and closes the file.
// Requests that arrive once Close begins are not recorded, and those whose
// answers are still streaming are recorded without what their answers
// would have said (Observed); stop the HTTP server first.
func (p *Proxy) Close() error {
	// closing first, without mu: a handler waiting on a full queue holds
	// mu, and gives up (unrecorded) once closing is closed.
	p.closeMu.Do(func() { close(p.closing) })
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.queue)
	p.mu.Unlock()
	<-p.done
	return p.w.close()
}

// queueLen is how many requests wait for the writer (tests).
func (p *Proxy) queueLen() int { return len(p.queue) }
