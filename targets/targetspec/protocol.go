package targetspec

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/inferbench/inferbench/workloads"
)

// This file holds what a spec is checked against of each protocol's own
// rules (Resolve), which the targets package's wires apply to every
// request too: Anthropic's extended thinking, the Responses API's
// reasoning effort, and the tokenizer that counts output without usage.

// AnthropicVersion is the anthropic-version header sent unless the config
// sets its own.
const AnthropicVersion = "2023-06-01"

// AnthropicThinking is the part of an Anthropic thinking object
// (extra_body.thinking, or a request's own) the checks read.
type AnthropicThinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens"`
}

// AnthropicThinkingOf reads a thinking object: a config's decoded YAML
// value or a request's raw JSON. A value that does not fit is the zero
// AnthropicThinking: the API, not the target, says what is wrong with it.
func AnthropicThinkingOf(v any) AnthropicThinking {
	var th AnthropicThinking
	decodeAny(v, &th)
	return th
}

// AnthropicMinThinkingBudget is the smallest thinking budget_tokens the
// Messages API takes.
const AnthropicMinThinkingBudget = 1024

// AnthropicThinkingDocs is where Anthropic documents the limits of
// extended thinking, for messages.
const AnthropicThinkingDocs = "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"

// ReasoningEffort reads the effort of a Responses reasoning object (a
// config's map, or a request's JSON); "" when it has none.
func ReasoningEffort(v any) string {
	var r struct {
		Effort string `json:"effort"`
	}
	decodeAny(v, &r)
	return r.Effort
}

// decodeAny decodes v into dst by way of JSON: v is a request's raw JSON
// or a config's decoded YAML value. A value that does not fit leaves dst
// as it is.
func decodeAny(v, dst any) {
	raw, ok := v.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return
		}
	}
	json.Unmarshal(raw, dst)
}

// DefaultCountTokenizer is the tokenizer that counts a stream's output
// without usage when a spec names none (Spec.CountTokenizer): the
// tokenizer workloads synthesise prompts with (workloads.DefaultTokenizer),
// so a run's input and output counts use one yardstick.
const DefaultCountTokenizer = workloads.DefaultTokenizer

// NoCountTokenizer turns that count off (Spec.CountTokenizer): output
// tokens without usage are the content events, as they always were.
const NoCountTokenizer = "none"

// CheckCountTokenizer checks a CountTokenizer value.
func CheckCountTokenizer(name string) error {
	if name == "" || name == NoCountTokenizer || slices.Contains(workloads.TokenizerNames, name) {
		return nil
	}
	return fmt.Errorf("%q: want %s or %s", name, strings.Join(workloads.TokenizerNames, ", "), NoCountTokenizer)
}
