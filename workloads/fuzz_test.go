package workloads

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }

// fuzzFormat reads data as format f with SkipInvalid and checks that the
// reader never panics, always ends, reports rows in line order and every
// malformed row with a line number.
func fuzzFormat(t *testing.T, f Format, data []byte) {
	var bad []*SyntaxError
	rr, err := NewRowReader(bytes.NewReader(data), "fuzz", ImportOptions{Format: f, SkipInvalid: true,
		OnInvalid: func(e *SyntaxError) { bad = append(bad, e) }})
	if err != nil {
		return
	}
	last := 0
	for i := 0; ; i++ {
		if i > len(data)+2 {
			t.Fatalf("more rows than bytes: the reader does not advance")
		}
		row, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				t.Fatalf("SyntaxError escaped SkipInvalid: %v", err)
			}
			return // a read error ends the stream
		}
		if row.Line < last || row.Line < 1 && f != FormatShareGPT {
			t.Fatalf("row line %d after %d", row.Line, last)
		}
		last = row.Line
		if row.InputTokens < 0 || row.OutputTokens < 0 {
			t.Fatalf("negative length in %+v", row)
		}
	}
	for _, e := range bad {
		if e.Line < 1 || e.Msg == "" {
			t.Fatalf("bad row without a line or a message: %+v", e)
		}
	}
	if rr.Invalid() != len(bad) {
		t.Fatalf("Invalid() = %d, OnInvalid called %d times", rr.Invalid(), len(bad))
	}
}

func FuzzAzure(f *testing.F) {
	f.Add([]byte("TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.6805900,374,44\r\n2023-11-16 18:15:50.9951690,396,109"))
	f.Add([]byte("TIMESTAMP,ContextTokens,GeneratedTokens\n2024-05-10 00:00:00.009930+00:00,2162,5\n2024-05-12 00:00:00+00:00,1,2\n"))
	f.Add([]byte("TIMESTAMP,ContextTokens,GeneratedTokens\n\"2023-11-16 18:15:46,1,2\n"))
	f.Add([]byte("TIMESTAMP,ContextTokens,GeneratedTokens\nx,1\n,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFormat(t, FormatAzure, data) })
}

func FuzzBurstGPT(f *testing.F) {
	f.Add([]byte("Timestamp,Session ID,Elapsed time,Model,Request tokens,Response tokens,Total tokens,Log Type\n19440110.0,1722ac82,43,GPT-4,906,446,1352,Conversation log\n5,,1,ChatGPT,1,0,1,API log\n"))
	f.Add([]byte("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,472,18,490,Conversation log\n1e3,x,1,1,1,x\n"))
	f.Add([]byte("Timestamp,Request tokens,Response tokens\n-1,1,1\n.,a,b\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFormat(t, FormatBurstGPT, data) })
}

func FuzzMooncake(f *testing.F) {
	f.Add([]byte("{\"timestamp\": 0, \"input_length\": 6755, \"output_length\": 500, \"hash_ids\": [0, 1, 2]}\n{\"timestamp\": 27.5, \"input_length\": 1, \"output_length\": 1}\n"))
	f.Add([]byte("{\"timestamp\": 0}\n{}\n[1]\n{\"timestamp\": 1e30, \"input_length\": 1, \"output_length\": 1}"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFormat(t, FormatMooncake, data) })
}

func FuzzShareGPT(f *testing.F) {
	f.Add([]byte(`[{"id": "a", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}]`))
	f.Add([]byte("[\n{\"id\": \"b\", \"conversations\": [{\"from\": \"gpt\", \"value\": \"x\"}, {\"from\": \"human\", \"value\": \"y\"}]},\n{\"id\": 3, \"conversations\": 5}\n]"))
	f.Add([]byte(`[{"conversations": [{"role": "user", "content": "hi"}]}, {"conversations": [{"from": "alien"}]}]`))
	f.Add([]byte(`[{"id": "a", "conversations": [`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFormat(t, FormatShareGPT, data) })
}

func FuzzOpenAIBatch(f *testing.F) {
	seed, _ := os.ReadFile("testdata/openai_batch/vllm_openai_example_batch.jsonl")
	f.Add(seed)
	f.Add([]byte(`{"custom_id":"c","url":"/v1/completions","body":{"prompt":["a","b"],"max_tokens":"x"}}` + "\n" + `{"url":"/v1/chat/completions","body":{"messages":[{"role":"user","content":[{"type":"text","text":"a"}]}],"logprobs":true}}`))
	f.Add([]byte(`{"url": 5}` + "\n{\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFormat(t, FormatOpenAIBatch, data) })
}

func FuzzPromptsJSONL(f *testing.F) {
	f.Add([]byte("{\"prompt\": \"one\", \"id\": 7}\n{\"prompt\": \"\"}\n{\"prompt\": 5}\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFormat(t, FormatPromptsJSONL, data) })
}

func FuzzPromptsText(f *testing.F) {
	f.Add([]byte("one\r\n\r\ntwo"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFormat(t, FormatPromptsText, data) })
}

func FuzzNative(f *testing.F) {
	f.Add([]byte("{\"prompt\": \"a\", \"at_ms\": 5}\n# c\n{\"messages\": [{\"role\": \"user\", \"content\": \"b\"}]}\n{\"prompt\": \"a\", \"max_tokens\": -1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzFormat(t, FormatNative, data) })
}

// FuzzDetect checks that detection never panics and names a known format.
func FuzzDetect(f *testing.F) {
	f.Add("a.csv", []byte("TIMESTAMP,ContextTokens,GeneratedTokens\n"))
	f.Add("a.jsonl", []byte("{\"hash_ids\": [1]}"))
	f.Add("a", []byte("[{"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		rr, err := NewRowReader(bytes.NewReader(data), name, ImportOptions{})
		if err != nil {
			return
		}
		if _, err := ParseFormat(string(rr.Format())); err != nil {
			t.Fatalf("detected unknown format %q", rr.Format())
		}
	})
}

// FuzzParseRequestBody checks the live-traffic body parser the recording
// proxy uses: no panics, and what it accepts is a valid native request.
func FuzzParseRequestBody(f *testing.F) {
	f.Add([]byte(`{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":3,"temperature":0.2,"top_p":1}`), true)
	f.Add([]byte(`{"prompt":["a"],"max_completion_tokens":null}`), false)
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"type":"text","text":"a"}]}]}`), true)
	f.Add([]byte(`null`), true)
	f.Fuzz(func(t *testing.T, body []byte, chat bool) {
		req, err := ParseRequestBody(body, chat)
		if err != nil {
			return
		}
		if msg := req.validate(); msg != "" {
			t.Fatalf("accepted an invalid request (%s): %+v", msg, req)
		}
	})
}
