package sim

import "strings"

// EstimateTokens is the simulator's prompt token count: ceil(bytes/4), at
// least 1. Four bytes per token is the usual rule of thumb for English text
// with BPE tokenizers. Config.CountTokens replaces it (e.g. with a real
// tokenizer); clients that want to agree with the simulator's usage numbers
// can call this same function.
func EstimateTokens(text string) int {
	return max(1, (len(text)+3)/4)
}

// corpus is cycled through to make output text: each output token is one
// word with a leading space, so content is never empty and reads like text.
var corpus = strings.Fields(`the quick brown fox jumps over the lazy dog while a
simulated engine streams tokens one step at a time so that every benchmark can
measure time to first token inter token latency and throughput without a real
model behind the socket`)

// tokenText returns output token i of a response; start varies the text
// between requests.
func tokenText(start uint64, i int) string {
	return " " + corpus[(start+uint64(i))%uint64(len(corpus))]
}
