package sim

// openaiEncoder writes the OpenAI chat and legacy completions stream
// through streamWire, with the sseWriter that frames OpenAI chunks.
type openaiEncoder struct{ sw *sseWriter }

// begin sends the headers, and the role-only chunk of a chat stream
// unless it waits for the first token (Config.RoleChunk).
func (e openaiEncoder) begin(*eventWriter) error {
	if e.sw.j.legacy || e.sw.roleLate {
		return e.sw.flush() // headers now, as a real server does
	}
	return e.sw.role()
}

func (e openaiEncoder) tokens(_ *eventWriter, from, to int, reasoning bool) error {
	if from == 0 && e.sw.roleLate && !e.sw.j.legacy {
		if err := e.sw.role(); err != nil {
			return err
		}
	}
	return e.sw.content(from, to, reasoning)
}

func (e openaiEncoder) end(*eventWriter) error {
	if e.sw.j.includeUsage {
		if err := e.sw.usage(); err != nil {
			return err
		}
	}
	return e.sw.write(sseDone)
}

func (e openaiEncoder) garbled(*eventWriter) error { return e.sw.malformed() }

// usage is j's token accounting after out output tokens, with the
// provider emulation's cached and reasoning details when there are any.
func (j *job) usage(out int) *usage {
	u := newUsage(j.input, out)
	if j.cached > 0 {
		u.PromptTokensDetails = &struct {
			CachedTokens int `json:"cached_tokens"`
		}{j.cached}
	}
	if r := min(out, j.reasoning); r > 0 {
		u.CompletionTokensDetails = &struct {
			ReasoningTokens int `json:"reasoning_tokens"`
		}{r}
	}
	return u
}
