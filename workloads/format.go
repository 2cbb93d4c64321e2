package workloads

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Format names a workload file format.
type Format string

// The formats Open reads. Names are what --format and --input-format take.
const (
	// FormatNative is inferbench's own JSON Lines (see Request).
	FormatNative Format = "native"
	// FormatAzure is the Azure LLM inference trace CSV (2023 and 2024):
	// TIMESTAMP,ContextTokens,GeneratedTokens.
	FormatAzure Format = "azure"
	// FormatMooncake is Mooncake's JSON Lines trace: timestamp (ms),
	// input_length, output_length, hash_ids of 512-token blocks.
	FormatMooncake Format = "mooncake"
	// FormatBurstGPT is the BurstGPT CSV, v1 (no session columns) or v3.
	FormatBurstGPT Format = "burstgpt"
	// FormatShareGPT is a ShareGPT JSON array of conversations.
	FormatShareGPT Format = "sharegpt"
	// FormatOpenAIBatch is OpenAI Batch API input JSON Lines.
	FormatOpenAIBatch Format = "openai-batch"
	// FormatPromptsJSONL is JSON Lines of {"prompt": "..."} objects; other
	// keys are ignored (max_tokens is used when present).
	FormatPromptsJSONL Format = "prompts-jsonl"
	// FormatPromptsText is plain text with one prompt per line.
	FormatPromptsText Format = "prompts-text"
)

// Formats lists every format, in the order help texts show them.
var Formats = []Format{FormatNative, FormatAzure, FormatMooncake, FormatBurstGPT,
	FormatShareGPT, FormatOpenAIBatch, FormatPromptsJSONL, FormatPromptsText}

// ParseFormat checks a format name. Aliases: "jsonl" for native,
// "azure2023"/"azure2024", "batch" and "openai_batch", "prompts" and
// "text".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", nil
	case "native", "jsonl":
		return FormatNative, nil
	case "azure", "azure2023", "azure2024":
		return FormatAzure, nil
	case "mooncake":
		return FormatMooncake, nil
	case "burstgpt":
		return FormatBurstGPT, nil
	case "sharegpt":
		return FormatShareGPT, nil
	case "openai-batch", "openai_batch", "batch":
		return FormatOpenAIBatch, nil
	case "prompts-jsonl", "prompts", "prompt-jsonl":
		return FormatPromptsJSONL, nil
	case "prompts-text", "text", "txt":
		return FormatPromptsText, nil
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown workload format %q (want one of %s)", s, strings.Join(names, ", "))
}

// LengthOnly reports whether the format records token counts but no text,
// so Open synthesises prompts for it.
func (f Format) LengthOnly() bool {
	return f == FormatAzure || f == FormatMooncake || f == FormatBurstGPT
}

// sniffBytes is how much of a file detection looks at.
const sniffBytes = 64 << 10

// detect names the format of a file from its extension and first bytes,
// which it peeks at without consuming them.
func detect(name string, br *bufio.Reader) (Format, error) {
	head, _ := br.Peek(sniffBytes)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	ext := strings.ToLower(filepath.Ext(name))
	// Native files may open with '#' comments; JSON Lines start after them.
	body := skipComments(trimmed)
	switch {
	case len(trimmed) == 0:
		return "", fmt.Errorf("%s: %w", name, ErrEmpty)
	case trimmed[0] == '[':
		return FormatShareGPT, nil
	case len(body) > 0 && body[0] == '{':
		return detectJSONL(firstLine(body)), nil
	case ext == ".csv" || bytes.Contains(firstLine(trimmed), []byte(",")):
		return detectCSV(name, firstLine(trimmed))
	}
	return FormatPromptsText, nil
}

// firstLine returns b up to its first newline.
func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return bytes.TrimRight(b[:i], "\r")
	}
	return b
}

// detectCSV tells the CSV formats apart by their header.
func detectCSV(name string, header []byte) (Format, error) {
	h := strings.ToLower(string(header))
	switch {
	case strings.Contains(h, "contexttokens") && strings.Contains(h, "generatedtokens"):
		return FormatAzure, nil
	case strings.Contains(h, "request tokens") && strings.Contains(h, "response tokens"):
		return FormatBurstGPT, nil
	}
	return "", fmt.Errorf("%s:1: unknown CSV header %q (want Azure's TIMESTAMP,ContextTokens,GeneratedTokens or BurstGPT's Timestamp,...,Request tokens,Response tokens,...); name the format with --input-format", name, truncate(string(header), 120))
}

// skipComments drops the blank lines and the lines starting with '#' at
// the start of b.
func skipComments(b []byte) []byte {
	for len(b) > 0 && b[0] == '#' {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil
		}
		b = bytes.TrimLeft(b[i+1:], " \t\r\n")
	}
	return b
}

// detectJSONL tells the JSON Lines formats apart by the keys of the first
// object (as many as fit in the peeked bytes): Mooncake's and OpenAI
// Batch's own keys name them, and everything else is native. An unknown
// key never switches the format (a misspelled "max_token" must not turn a
// native file into a prompt list that ignores it): the native reader
// rejects it with a did-you-mean, and a prompt list with keys of its own
// is read by naming its format (prompts-jsonl).
func detectJSONL(line []byte) Format {
	keys := topLevelKeys(line)
	switch {
	case keys["hash_ids"] || keys["input_length"]:
		return FormatMooncake
	case keys["custom_id"] || keys["body"]:
		return FormatOpenAIBatch
	}
	return FormatNative
}

// nativeLineKeys are the keys of a native line, and nativeKeys those and
// the keys of its messages, in the order did-you-mean prefers them.
var (
	nativeLineKeys = []string{"id", "messages", "prompt", "max_tokens", "at_ms", "session_id", "turn", "temperature",
		"input_tokens", "extra", "max_tokens_field", "observed"}
	nativeKeys = append(slices.Clone(nativeLineKeys), "role", "content")
)

// topLevelKeys returns the keys of the JSON object at the start of b,
// stopping quietly where b is cut off or malformed.
func topLevelKeys(b []byte) map[string]bool {
	keys := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return keys
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, ok := t.(string)
		if !ok {
			return keys
		}
		keys[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// skipBOM drops a UTF-8 byte order mark at the start of br.
func skipBOM(br *bufio.Reader) {
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
}
