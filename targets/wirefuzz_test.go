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
		checkStreamRecord(t, tgt.Do(ctx, results.NewClock(time.Now()), testRequest()))
	})
}
