package targets_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
)

// memoryTarget is a target whose every response is 200 with body, served
// from memory: no sockets, so the fuzzer and the benchmark see only the
// client.
func memoryTarget(tb testing.TB, body []byte) *targets.OpenAI {
	tb.Helper()
	tgt, err := targets.NewOpenAI(targets.OpenAIConfig{
		BaseURL: "http://127.0.0.1:9/v1", Model: "m", HTTPClient: memoryClient(body),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return tgt
}

// memoryClient answers every request 200 with body.
func memoryClient(body []byte) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			io.Copy(io.Discard, r.Body)
			r.Body.Close()
		}
		return &http.Response{
			StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:  http.Header{"Content-Type": {"text/event-stream"}},
			Body:    io.NopCloser(bytes.NewReader(body)),
			Request: r,
		}, nil
	})}
}

// streamBody is an SSE body of n one-token content chunks, usage, [DONE].
func streamBody(n int) []byte { return streamBodyOf(n, "tok", true) }

// streamBodyOf is an SSE body of n content chunks of text each, the usage
// chunk when usage, and [DONE].
func streamBodyOf(n int, text string, usage bool) []byte {
	var b strings.Builder
	b.WriteString("data: " + roleChunk() + "\n\n")
	for i := range n {
		if i == n-1 {
			b.WriteString("data: " + finishChunk(text, "stop") + "\n\n")
		} else {
			b.WriteString("data: " + contentChunk(text) + "\n\n")
		}
	}
	if usage {
		b.WriteString("data: " + usageChunk(100, n) + "\n\n")
	}
	b.WriteString("data: [DONE]\n\n")
	return []byte(b.String())
}

// FuzzOpenAIStream feeds arbitrary response bodies to the target: it must
// never panic, and always return a record whose status and class agree.
func FuzzOpenAIStream(f *testing.F) {
	seeds := []string{
		string(streamBody(3)),
		"",
		"data: [DONE]\n\n",
		"data: " + finishChunk("a", "stop") + "\n\n",
		"data: {\"choices\": [\n\ndata: [DONE]\n\n",
		"data: {\"error\": {\"message\": \"oom\"}}\n\n",
		"data: {\"error\": \"oom\"}\n\n",
		"data: {\"error\": \n",
		"data: {\"error\":",
		"data: {\"object\":\"error\",\"message\":\"bad\"}\n\n",
		": ping\n\nevent: x\nid: 1\nretry: 5\n\ndata: [DONE]\n\n",
		"data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}],\"usage\":{\"completion_tokens\":-5}}\n\ndata: [DONE]\n\n",
		"data: {\"choices\":[{\"delta\":{\"reasoning\":\"r\"}}],\"usage\":{\"completion_tokens\":3}}\ndata: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}],\"usage\":{\"completion_tokens\":1}}\ndata: [DONE]\n",
		"data: null\n\ndata: []\n\ndata: 1\n\ndata: \"x\"\n\n",
		"{\"id\":\"x\",\"object\":\"chat.completion\"}",
		"data: " + strings.Repeat("x", 5000) + "\n",
		"\x00\xff\xfe data: [DONE]\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tgt := memoryTarget(t, body)
		clock := results.NewClock(time.Now())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rec := tgt.Do(ctx, clock, testRequest())
		checkStreamRecord(t, rec)
		if rec.OK() && !bytes.Contains(body, []byte("[DONE]")) {
			t.Errorf("ok record from a body without [DONE]")
		}
	})
}

// checkStreamRecord checks what every record of a fuzzed stream must
// satisfy, whatever the protocol: status and class agree, offsets are
// ordered (the first event of any kind first), per-event lists match the
// event count, token sources are set
// and the error message is bounded.
func checkStreamRecord(t *testing.T, rec results.Record) {
	t.Helper()
	switch rec.Status {
	case results.StatusOK:
		if rec.ErrorClass != "" || rec.FinishReason == "" {
			t.Errorf("ok record with class %q, finish %q", rec.ErrorClass, rec.FinishReason)
		}
	case results.StatusError:
		if rec.ErrorClass == "" || rec.ErrorClass == results.ErrClassOther {
			t.Errorf("error record with class %q: %s", rec.ErrorClass, rec.ErrorMessage)
		}
	default:
		t.Errorf("status %q", rec.Status)
	}
	if rec.SentNs <= 0 || rec.DoneNs < rec.SentNs || rec.HTTPStatus != 200 {
		t.Errorf("sent %d done %d status %d", rec.SentNs, rec.DoneNs, rec.HTTPStatus)
	}
	if rec.Chunks > 0 && (len(rec.ChunkGapsNs) != int(rec.Chunks)-1 || rec.FirstTokenNs == 0 || rec.LastTokenNs < rec.FirstTokenNs ||
		rec.FirstOutputNs != 0 && rec.FirstOutputNs < rec.FirstTokenNs) {
		t.Errorf("%d chunks, %d gaps, first %d output %d last %d", rec.Chunks, len(rec.ChunkGapsNs), rec.FirstTokenNs, rec.FirstOutputNs, rec.LastTokenNs)
	}
	if rec.Chunks > 0 && (rec.FirstEventNs == 0 || rec.FirstEventNs > rec.FirstTokenNs) || rec.FirstEventNs != 0 && rec.FirstEventNs < rec.HeadersNs {
		t.Errorf("first event %d, headers %d, first token %d, %d chunks", rec.FirstEventNs, rec.HeadersNs, rec.FirstTokenNs, rec.Chunks)
	}
	if len(rec.ChunkTokens) != 0 && len(rec.ChunkTokens) != int(rec.Chunks) {
		t.Errorf("%d chunk token counts for %d chunks", len(rec.ChunkTokens), rec.Chunks)
	}
	if rec.OutputTokensSource == "" || rec.InputTokensSource == "" {
		t.Errorf("token sources %q %q", rec.InputTokensSource, rec.OutputTokensSource)
	}
	if len(rec.ErrorMessage) > results.MaxErrorMessage+len("…") {
		t.Errorf("error message of %d bytes", len(rec.ErrorMessage))
	}
}
