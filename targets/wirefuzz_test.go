package targets_test

import (
	"context"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets"
)

// wireConstructors build each plain net/http protocol's target.
var wireConstructors = []func(targets.Config) (targets.Target, error){
	func(c targets.Config) (targets.Target, error) { return targets.NewCompletions(c) },
	func(c targets.Config) (targets.Target, error) { return targets.NewResponses(c) },
	func(c targets.Config) (targets.Target, error) { return targets.NewAnthropic(c) },
	func(c targets.Config) (targets.Target, error) { return targets.NewGemini(c) },
}

// FuzzWireStreams feeds arbitrary bodies to the completions, Responses,
// Anthropic and Gemini targets: none may panic, and every record's status,
// class and offsets must agree.
func FuzzWireStreams(f *testing.F) {
	seeds := []string{
		"data: " + textChunk("a", "stop", usage(3, 1, 0, 0)) + "\n\ndata: [DONE]\n\n",
		"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"a\"}\n\nevent: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n",
		"event: message_start\ndata: " + anMessageStart + "\n\nevent: content_block_delta\ndata: " + anThink + "\n\ndata: " + anText + "\n\ndata: " + anMessageDelta + "\n\ndata: " + anMessageStop + "\n\n",
		"data: " + gemChunk("a", true, "", 1, 0, 0, 1) + "\r\n\r\ndata: " + gemChunk("b", false, "STOP", 1, 1, 0, 1) + "\r\n\r\n",
		"event: error\ndata: " + anOverloaded + "\n\n",
		"data: {\"error\":{\"code\":500,\"message\":\"x\"}}\n\n",
		"data: {\"type\":\"response.failed\"}\n\n",
		"data: {\"usageMetadata\":{\"candidatesTokenCount\":-4}}\n\n",
		"data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":null}}\n\n",
		"data: {\n\n",
		"",
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		mk := wireConstructors[int(which)%len(wireConstructors)]
		tgt, err := mk(targets.Config{BaseURL: "http://127.0.0.1:9/v1", Model: "m", HTTPClient: memoryClient(body)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rec := tgt.Do(ctx, results.NewClock(time.Now()), testRequest())
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
		if len(rec.ChunkTokens) != 0 && len(rec.ChunkTokens) != int(rec.Chunks) {
			t.Errorf("%d chunk token counts for %d chunks", len(rec.ChunkTokens), rec.Chunks)
		}
		if rec.OutputTokensSource == "" || rec.InputTokensSource == "" {
			t.Errorf("token sources %q %q", rec.InputTokensSource, rec.OutputTokensSource)
		}
	})
}
