package recorder

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"sync"

	"github.com/inferbench/inferbench/workloads"
)

// observation watches the upstream's answer to one recorded request as
// the proxy copies it to the client, and keeps what it says about the
// answer's length: the usage the upstream reported (the last non-zero one
// of a stream, as Ollama zeroes it on every chunk), else, for a stream,
// the content chunks counted. The client's request is never changed: a
// stream that did not ask for usage is counted by chunks.
type observation struct {
	mu       sync.Mutex
	done     bool // the answer was read to its end
	streamed bool
	usage    *workloads.Observed
	chunks   int // events with answer text
	thinking int // events with reasoning text
}

type observationKey struct{}

// maxObservedLine bounds one SSE line (and a whole JSON answer) the
// observation keeps in memory; a longer one is passed on but not read.
const maxObservedLine = 8 << 20

// watch wraps resp's body so the observation reads it as the client does,
// when it is a successful answer it can read (JSON or an event stream, not
// compressed).
func (o *observation) watch(resp *http.Response) {
	if resp.StatusCode != http.StatusOK {
		return
	}
	if enc := resp.Header.Get("Content-Encoding"); enc != "" && enc != "identity" {
		return
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	o.streamed = mt == "text/event-stream"
	resp.Body = &watchedBody{ReadCloser: resp.Body, o: o}
}

// modifyResponse is the proxy's ModifyResponse: the observation of the
// request, if it is recorded, watches the answer.
func modifyResponse(resp *http.Response) error {
	if o, ok := resp.Request.Context().Value(observationKey{}).(*observation); ok {
		o.watch(resp)
	}
	return nil
}

// withObservation is r carrying o for modifyResponse.
func withObservation(r *http.Request, o *observation) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), observationKey{}, o))
}

// watchedBody feeds what the client reads to the observation: each SSE
// line of a stream as it completes, a JSON answer whole at its end.
type watchedBody struct {
	io.ReadCloser
	o    *observation
	buf  []byte
	skip bool // the current line is too long to read
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.feed(p[:n])
	if err == io.EOF {
		b.end()
	}
	return n, err
}

func (b *watchedBody) feed(p []byte) {
	if !b.o.streamed {
		if len(b.buf)+len(p) > maxObservedLine {
			b.skip = true
		}
		if !b.skip {
			b.buf = append(b.buf, p...)
		}
		return
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			b.keep(p)
			return
		}
		b.keep(p[:i])
		if !b.skip {
			b.o.event(b.buf)
		}
		b.buf, b.skip, p = b.buf[:0], false, p[i+1:]
	}
}

// keep adds part of the current line, unless it grew too long.
func (b *watchedBody) keep(p []byte) {
	if len(b.buf)+len(p) > maxObservedLine {
		b.skip = true
	}
	if !b.skip {
		b.buf = append(b.buf, p...)
	}
}

// end is the end of the answer.
func (b *watchedBody) end() {
	o := b.o
	if !o.streamed && !b.skip {
		var ans answer
		if json.Unmarshal(b.buf, &ans) == nil {
			o.take(ans.Usage)
		}
	}
	if o.streamed && !b.skip && len(bytes.TrimSpace(b.buf)) > 0 {
		o.event(b.buf) // a last line without its newline
	}
	o.mu.Lock()
	o.done = true
	o.mu.Unlock()
}

// answer is what the observation reads of an OpenAI chat or completions
// answer, whole or one stream event.
type answer struct {
	Usage   *usage `json:"usage"`
	Choices []struct {
		Text  string `json:"text"`
		Delta struct {
			Content          string `json:"content"`
			ReasoningContent string `json:"reasoning_content"`
			Reasoning        string `json:"reasoning"`
		} `json:"delta"`
	} `json:"choices"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	Details          struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

// event reads one SSE line of a stream.
func (o *observation) event(line []byte) {
	data, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("data:"))
	if !ok {
		return
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return // [DONE], or not an event the observation reads
	}
	var ev answer
	if json.Unmarshal(data, &ev) != nil {
		return
	}
	o.take(ev.Usage)
	for _, c := range ev.Choices {
		switch {
		case c.Delta.Content != "" || c.Text != "":
			o.chunks++
		case c.Delta.ReasoningContent != "" || c.Delta.Reasoning != "":
			o.thinking++
		}
	}
}

// take keeps u as the answer's usage unless it is empty.
func (o *observation) take(u *usage) {
	if u == nil || u.PromptTokens == 0 && u.CompletionTokens == 0 {
		return
	}
	o.mu.Lock()
	o.usage = &workloads.Observed{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens,
		ReasoningTokens: u.Details.ReasoningTokens, Source: workloads.ObservedFromUsage}
	o.mu.Unlock()
}

// result is what was observed of a complete answer, nil when nothing was
// (an error status, an answer cut short or not read, a JSON answer
// without usage).
func (o *observation) result() *workloads.Observed {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case !o.done:
		return nil
	case o.usage != nil:
		u := *o.usage
		u.Streamed = o.streamed
		return &u
	case o.streamed && o.chunks+o.thinking > 0:
		return &workloads.Observed{OutputTokens: o.chunks + o.thinking, ReasoningTokens: o.thinking,
			Source: workloads.ObservedFromChunks, Streamed: true}
	}
	return nil
}
