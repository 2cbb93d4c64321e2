package workloads

import (
	"bufio"
	"encoding/json"
	"strconv"
)

// promptsJSONLSource reads JSON Lines of {"prompt": "..."}, the simplest
// export of production prompts. Unknown keys are ignored (unlike the native
// format), "max_tokens" and "id" are used when present.
type promptsJSONLSource struct{ lineSource }

func newPromptsJSONLSource(br *bufio.Reader, name string) *promptsJSONLSource {
	return &promptsJSONLSource{lineSource{br: br, name: name}}
}

type promptLine struct {
	ID        json.RawMessage `json:"id"`
	Prompt    *string         `json:"prompt"`
	MaxTokens int             `json:"max_tokens"`
}

func (s *promptsJSONLSource) next() (Row, error) {
	b, line, err := s.nextLine()
	if err != nil {
		return Row{}, err
	}
	row := Row{Line: line}
	var p promptLine
	if err := s.decode(b, line, &p, `want a JSON object {"prompt": "..."}`); err != nil {
		return row, err
	}
	if p.Prompt == nil {
		return row, s.errorf(line, `missing "prompt"`)
	}
	row.Request = Request{ID: rawID(p.ID, line), Prompt: *p.Prompt, MaxTokens: p.MaxTokens}
	if msg := row.Request.validate(); msg != "" {
		return row, s.errorf(line, "%s", msg)
	}
	row.OutputTokens = p.MaxTokens
	return row, nil
}

// rawID turns a JSON string or number id into a string; absent ids become
// the line number.
func rawID(raw json.RawMessage, line int) string {
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return strconv.Itoa(line)
}

// promptsTextSource reads plain text, one prompt per non-blank line.
type promptsTextSource struct{ lineSource }

func newPromptsTextSource(br *bufio.Reader, name string) *promptsTextSource {
	return &promptsTextSource{lineSource{br: br, name: name}}
}

func (s *promptsTextSource) next() (Row, error) {
	b, line, err := s.nextLine()
	if err != nil {
		return Row{}, err
	}
	return Row{Line: line, Request: Request{ID: strconv.Itoa(line), Prompt: string(b)}}, nil
}
