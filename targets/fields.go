package targets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// A workload's extra fields are OpenAI chat's vocabulary (the batch
// importer and the recorder carry them in from chat request bodies), or
// the target protocol's own when the workload was written for it. Each
// protocol's fieldMap says which of them it takes as they are, which it
// takes under another name (stop is Anthropic's stop_sequences and
// Gemini's generationConfig.stopSequences), and which objects are merged
// key by key with the one inferbench writes rather than replacing it.
// Every other field is not sent, and named (Check, strict_fields).
type fieldMap struct {
	protocol string
	// all: every field is the protocol's own (OpenAI chat and legacy
	// completions).
	all    bool
	native []string
	// mapped renames an OpenAI-style field; "a.b" is field b of object a.
	mapped map[string]string
	// lists are mapped fields whose value is a list: a string becomes a
	// list of one (OpenAI's stop takes either).
	lists []string
	// merged are the object fields merged key by key.
	merged []string
}

var (
	chatFields        = &fieldMap{protocol: targetspec.ProtocolOpenAIChat, all: true, merged: []string{"stream_options"}}
	completionsFields = &fieldMap{protocol: targetspec.ProtocolOpenAICompletions, all: true, merged: []string{"stream_options"}}
	responsesFields   = &fieldMap{protocol: targetspec.ProtocolOpenAIResponses,
		native: []string{"temperature", "top_p", "top_logprobs", "reasoning", "text", "tools", "tool_choice",
			"parallel_tool_calls", "metadata", "user", "safety_identifier", "prompt_cache_key", "service_tier",
			"truncation", "include", "instructions", "max_tool_calls", "store", "background",
			"previous_response_id", "prompt", "conversation"},
		mapped: map[string]string{"reasoning_effort": "reasoning.effort", "verbosity": "text.verbosity"},
		merged: []string{"reasoning", "text"},
	}
	anthropicFields = &fieldMap{protocol: targetspec.ProtocolAnthropic,
		native: []string{"temperature", "top_p", "top_k", "stop_sequences", "metadata", "thinking", "tools",
			"tool_choice", "service_tier", "container", "mcp_servers", "context_management", "output_config"},
		mapped: map[string]string{"stop": "stop_sequences", "user": "metadata.user_id"},
		lists:  []string{"stop"},
		merged: []string{"metadata"},
	}
	geminiFields = &fieldMap{protocol: targetspec.ProtocolGemini,
		native: []string{"generationConfig", "safetySettings", "tools", "toolConfig", "cachedContent"},
		mapped: map[string]string{"stop": "generationConfig.stopSequences", "temperature": "generationConfig.temperature",
			"top_p": "generationConfig.topP", "top_k": "generationConfig.topK", "seed": "generationConfig.seed",
			"presence_penalty": "generationConfig.presencePenalty", "frequency_penalty": "generationConfig.frequencyPenalty"},
		lists:  []string{"stop"},
		merged: []string{"generationConfig"},
	}
)

// key is the protocol's key for an extra field k with value v, and the
// value to send; ok is false when the protocol has no such field.
func (m *fieldMap) key(k string, v json.RawMessage) (string, json.RawMessage, bool) {
	if m.all || slices.Contains(m.native, k) {
		return k, v, true
	}
	to, ok := m.mapped[k]
	if !ok {
		return "", nil, false
	}
	if slices.Contains(m.lists, k) && len(v) > 0 && v[0] == '"' {
		v = append(append(json.RawMessage{'['}, v...), ']')
	}
	return to, v, true
}

// droppedField is a field of a request's own that is not sent, and why.
type droppedField struct{ name, why string }

// requestPlan is what a request's own settings become on the wire: the
// temperature to send, its extra fields as the protocol names them (a
// key "a.b" is field b of object a), and those not sent.
type requestPlan struct {
	temperature *float64
	extra       []bodyField
	dropped     []droppedField
}

// samplingGate is a wire that turns sampling off for some requests
// (Anthropic with thinking, Responses with a reasoning effort): it says
// why, or "".
type samplingGate interface {
	samplingOff(cfg *Config, req *workloads.Request) string
}

// plan maps req's own settings onto the target's protocol and model.
// Sampling fields are not sent when the model family or the target turns
// sampling off, or the wire does for this request; engine-only fields
// only where allowed (inside stream_options too); stream_options not to a
// host that rejects it; and no field the protocol does not have.
func (t *streamTarget) plan(req *workloads.Request) (requestPlan, error) {
	p := requestPlan{temperature: t.cfg.temperature(req)}
	if p.temperature == nil && len(req.Extra) == 0 {
		return p, nil
	}
	off := ""
	if t.cfg.NoSampling {
		off = "sampling is off for this model" + t.cfg.familyNote() + "; sampling: true sends it"
	} else if g, ok := t.wire.(samplingGate); ok {
		off = g.samplingOff(&t.cfg, req)
	}
	if off != "" && p.temperature != nil {
		p.temperature = nil
		p.dropped = append(p.dropped, droppedField{"temperature", off})
	}
	m := t.wire.fields()
	for _, k := range slices.Sorted(maps.Keys(req.Extra)) {
		v := req.Extra[k]
		if !json.Valid(v) {
			return p, fmt.Errorf("extra field %q is not valid JSON", k)
		}
		switch {
		case containsFold(t.cfg.DropFields, k):
			p.dropped = append(p.dropped, droppedField{k, "engine-only; allow_fields sends it"})
			continue
		case off != "" && slices.Contains(targetspec.SamplingFields, k):
			p.dropped = append(p.dropped, droppedField{k, off})
			continue
		case k == "stream_options" && t.cfg.NoStreamOptions:
			p.dropped = append(p.dropped, droppedField{k, "this host rejects stream_options"})
			continue
		}
		key, v, ok := m.key(k, v)
		if !ok {
			p.dropped = append(p.dropped, droppedField{k, "no such field in " + m.protocol})
			continue
		}
		if key == "stream_options" && containsFold(t.cfg.DropFields, "continuous_usage_stats") {
			var cut bool
			if v, cut = withoutKey(v, "continuous_usage_stats"); cut {
				p.dropped = append(p.dropped, droppedField{"stream_options.continuous_usage_stats", "engine-only; allow_fields sends it"})
			}
			if string(v) == "{}" {
				continue
			}
		}
		p.extra = append(p.extra, bodyField{key, v})
	}
	return p, nil
}

// familyNote names the model family whose rule applies, for messages.
func (c *Config) familyNote() string {
	if c.Family == "" {
		return ""
	}
	return " (" + c.Family + ")"
}

// strictError is the error of a request whose fields would not all be
// sent, under StrictFields.
func strictError(dropped []droppedField) error {
	names := make([]string, len(dropped))
	for i, d := range dropped {
		names[i] = d.name + " (" + d.why + ")"
	}
	return fmt.Errorf("strict fields: not sent: %s", strings.Join(names, ", "))
}

// mergeFields sets add on fields as the protocol merges them: a key
// "a.b" sets field b inside object a (made if absent); an object field
// the protocol merges is merged key by key with the one there; any other
// field replaces the one of its key.
func (m *fieldMap) mergeFields(fields []bodyField, add ...bodyField) []bodyField {
	for _, f := range add {
		if obj, sub, ok := strings.Cut(f.key, "."); ok {
			fields = mergeInto(fields, obj, bodyField{sub, f.value})
			continue
		}
		if slices.Contains(m.merged, f.key) {
			if sub, ok := objectFields(f.value); ok && hasObject(fields, f.key) {
				fields = mergeInto(fields, f.key, sub...)
				continue
			}
		}
		fields = setFields(fields, f)
	}
	return fields
}

// hasObject reports whether fields has an object under key.
func hasObject(fields []bodyField, key string) bool {
	i := slices.IndexFunc(fields, func(g bodyField) bool { return g.key == key })
	return i >= 0 && len(fields[i].value) > 0 && fields[i].value[0] == '{'
}

// mergeInto sets add inside the object field key (made if absent, or
// replaced if it is not an object).
func mergeInto(fields []bodyField, key string, add ...bodyField) []bodyField {
	var sub []bodyField
	if i := slices.IndexFunc(fields, func(g bodyField) bool { return g.key == key }); i >= 0 {
		sub, _ = objectFields(fields[i].value)
	}
	return setFields(fields, bodyField{key, encodeObject(setFields(sub, add...))})
}

// objectFields splits a JSON object into its fields, in order; ok is
// false when raw is not an object.
func objectFields(raw json.RawMessage) ([]bodyField, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []bodyField
	for dec.More() {
		tok, err := dec.Token()
		k, isKey := tok.(string)
		if err != nil || !isKey {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, bodyField{k, v})
	}
	return out, true
}

// withoutKey is the object raw less its field key, and whether it had
// one; raw that is not an object comes back as it is.
func withoutKey(raw json.RawMessage, key string) (json.RawMessage, bool) {
	fields, ok := objectFields(raw)
	if !ok {
		return raw, false
	}
	i := slices.IndexFunc(fields, func(f bodyField) bool { return f.key == key })
	if i < 0 {
		return raw, false
	}
	return encodeObject(slices.Delete(fields, i, i+1)), true
}

// systemMessages applies a system message mode (Rules.SystemMessage) to
// msgs: as they are; with role developer; or folded into the first user
// message (their contents first, then a blank line), for models that take
// no system message. msgs is never modified.
func systemMessages(mode string, msgs []workloads.Message) []workloads.Message {
	isSystem := func(m workloads.Message) bool { return m.Role == "system" || m.Role == "developer" }
	if mode == "" || mode == targetspec.SystemAsSystem || !slices.ContainsFunc(msgs, isSystem) {
		return msgs
	}
	if mode == targetspec.SystemAsDeveloper {
		out := slices.Clone(msgs)
		for i := range out {
			if out[i].Role == "system" {
				out[i].Role = "developer"
			}
		}
		return out
	}
	var system []string
	out := make([]workloads.Message, 0, len(msgs))
	for _, m := range msgs {
		if isSystem(m) {
			system = append(system, m.Content)
			continue
		}
		out = append(out, m)
	}
	prefix := strings.Join(system, "\n")
	if i := slices.IndexFunc(out, func(m workloads.Message) bool { return m.Role == "user" }); i >= 0 {
		out[i].Content = prefix + "\n\n" + out[i].Content
		return out
	}
	return append([]workloads.Message{{Role: "user", Content: prefix}}, out...)
}
