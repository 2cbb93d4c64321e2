package workloads

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// rowsOf reads every row of in as format f (or detected by name).
func rowsOf(t testing.TB, name, in string, opts ImportOptions) ([]Row, error) {
	t.Helper()
	rr, err := NewRowReader(strings.NewReader(in), name, opts)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for {
		row, err := rr.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		file string
		want Format
	}{
		{"testdata/traces/azure2023/AzureLLMInferenceTrace_conv.first2000.csv", FormatAzure},
		{"testdata/traces/azure2024/AzureLLMInferenceTrace_code_1week.head5.reconstructed.csv", FormatAzure},
		{"testdata/traces/mooncake/synthetic_trace.first2000.jsonl", FormatMooncake},
		{"testdata/traces/mooncake/mooncake_trace_arxiv.first20.jsonl", FormatMooncake},
		{"testdata/traces/burstgpt/BurstGPT_3.first400.csv", FormatBurstGPT},
		{"testdata/traces/sharegpt/ShareGPT_V3_first5.json", FormatShareGPT},
		{"testdata/openai_batch/vllm_openai_example_batch.jsonl", FormatOpenAIBatch},
	}
	for _, tc := range tests {
		rr, err := OpenRows(tc.file, ImportOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if rr.Format() != tc.want {
			t.Errorf("%s: detected %s, want %s", tc.file, rr.Format(), tc.want)
		}
		rr.Close()
	}
	content := []struct {
		name, in string
		want     Format
	}{
		{"a.jsonl", `{"prompt": "hi", "max_tokens": 3, "at_ms": 5}`, FormatNative},
		{"a.jsonl", `{"messages": [{"role": "user", "content": "hi"}]}`, FormatNative},
		// An unknown key never switches the format: the native reader
		// rejects it with a did-you-mean (a prompt list is named).
		{"a.jsonl", `{"prompt": "hi", "source": "prod"}`, FormatNative},
		{"a.jsonl", `{"id":"t","prompt":"hello","max_token":100}`, FormatNative},
		// Native files may open with '#' comments.
		{"a.jsonl", "# my workload\n\n# v2\n{\"prompt\": \"hi\"}\n", FormatNative},
		{"a", "# a heading\nwhat is 2+2?\n", FormatPromptsText},
		{"a.txt", "what is 2+2?\nsay hi\n", FormatPromptsText},
		{"a", "TIMESTAMP,ContextTokens,GeneratedTokens\n", FormatAzure},
		{"a.data", "  [ {\"id\": \"x\"} ]", FormatShareGPT},
		{"a.jsonl", "\xef\xbb\xbf{\"custom_id\": \"r\"}", FormatOpenAIBatch},
	}
	for _, tc := range content {
		rr, err := NewRowReader(strings.NewReader(tc.in), tc.name, ImportOptions{})
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if rr.Format() != tc.want {
			t.Errorf("%q: detected %s, want %s", tc.in, rr.Format(), tc.want)
		}
	}
	if _, err := NewRowReader(strings.NewReader("a,b,c\n1,2,3\n"), "x.csv", ImportOptions{}); err == nil || !strings.Contains(err.Error(), "x.csv:1:") {
		t.Errorf("unknown CSV header: err = %v, want x.csv:1: ...", err)
	}
	if _, err := NewRowReader(strings.NewReader(" \n"), "x.jsonl", ImportOptions{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty file: err = %v, want ErrEmpty", err)
	}
	// An explicit format wins over detection.
	rr, err := NewRowReader(strings.NewReader("{\"prompt\": \"hi\"}\n"), "x.jsonl", ImportOptions{Format: FormatPromptsText})
	if err != nil || rr.Format() != FormatPromptsText {
		t.Errorf("override: format %v err %v", rr.Format(), err)
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) succeeded")
	}
}

func TestAzureEdgeCases(t *testing.T) {
	const base = 1700158546 // 2023-11-16 18:15:46 UTC
	tests := []struct {
		name, in string
		times    []int64 // ns after base
		in0      int
	}{
		{"CRLF, no final newline, 7 digits", "TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46.6805900,374,44\r\n2023-11-16 18:15:50.9951690,396,109", []int64{680590000, 4995169000}, 374},
		{"no fraction", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,2\n", []int64{0}, 1},
		{"6 digits and +00:00", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.009930+00:00,2162,5\n2023-11-16 18:15:47+00:00,7,8\n", []int64{9930000, 1e9}, 2162},
		{"Z and T", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16T18:15:46.5Z,3,4\n", []int64{5e8}, 3},
		{"other column order, spaces", "GeneratedTokens, ContextTokens, TIMESTAMP\n4, 3, 2023-11-16 18:15:46.1\n", []int64{1e8}, 3},
		{"blank lines", "TIMESTAMP,ContextTokens,GeneratedTokens\n\n2023-11-16 18:15:46,1,2\n\n", []int64{0}, 1},
	}
	for _, tc := range tests {
		rows, err := rowsOf(t, "a.csv", tc.in, ImportOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []int64
		for _, r := range rows {
			got = append(got, r.TimeNs-base*1e9)
		}
		if !reflect.DeepEqual(got, tc.times) || rows[0].InputTokens != tc.in0 || !rows[0].HasTime {
			t.Errorf("%s: times %v input %d, want %v %d", tc.name, got, rows[0].InputTokens, tc.times, tc.in0)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		format Format
		in     string
		want   string
	}{
		{FormatAzure, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,2\n16/11/2023,1,2\n", "a:3: TIMESTAMP: want a time like"},
		{FormatAzure, "TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:15:46,x,2\r\n", "a:2: ContextTokens: want a token count"},
		{FormatAzure, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1\n", "a:2: want 3 comma-separated fields"},
		{FormatAzure, "TIME,Tokens\n", "a:1: want header TIMESTAMP,ContextTokens,GeneratedTokens"},
		{FormatAzure, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,-2\n", "a:2: GeneratedTokens: want a token count"},
		{FormatBurstGPT, "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,GPT-4,1,2,3,x\nsoon,GPT-4,1,2,3,x\n", "a:3: Timestamp: want seconds"},
		{FormatBurstGPT, "Timestamp,Model\n", "a:1: want a BurstGPT header"},
		{FormatMooncake, "{\"timestamp\": 0, \"input_length\": 1, \"output_length\": 1}\n{\"timestamp\": 1, \"output_length\": 1}\n", `a:2: missing "input_length"`},
		{FormatMooncake, "{\"timestamp\": -5, \"input_length\": 1, \"output_length\": 1}\n", `a:1: "timestamp" must be milliseconds >= 0`},
		{FormatMooncake, "{\"timestamp\": 0, \"input_length\": \"1\", \"output_length\": 1}\n", `a:1: want a JSON object`},
		{FormatOpenAIBatch, `{"custom_id": "x", "url": "/v1/embeddings", "body": {"input": "hi"}}`, `a:1: "url" must be /v1/chat/completions or /v1/completions`},
		{FormatOpenAIBatch, `{"custom_id": "x", "url": "/v1/chat/completions", "body": {"messages": [{"role": "robot", "content": "hi"}]}}`, `a:1: messages[0]: unknown role "robot"`},
		{FormatOpenAIBatch, `{"custom_id": "x", "url": "/v1/chat/completions", "body": {"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}}`, `only text parts are supported`},
		{FormatOpenAIBatch, `{"custom_id": "x", "method": "GET", "url": "/v1/chat/completions", "body": {}}`, `a:1: "method" must be POST`},
		{FormatOpenAIBatch, `{"custom_id": "x", "url": "/v1/chat/completions", "body": {"messages": [{"role": "user", "content": "hi"}], "max_tokens": -1}}`, `a:1: body.max_tokens: want an integer >= 0`},
		{FormatPromptsJSONL, "{\"prompt\": \"a\"}\n\n{\"text\": \"b\"}\n", `a:3: missing "prompt"`},
		{FormatShareGPT, `{"id": "x"}`, `a:1: want a JSON array of conversations`},
		{FormatShareGPT, "[\n{\"id\": \"a\", \"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}]},\n{\"id\": \"b\", \"conversations\": [{\"from\": \"robot\", \"value\": \"hi\"}]}\n]", `a:3: conversation b: turn 0: unknown "from" "robot"`},
		{FormatShareGPT, "[\n{\"id\": \"a\",\n \"conversations\": 5}]", `a:2: conversation: field "conversations"`},
		{FormatShareGPT, "[\n{\"id\": \"a\", \"conversations\": []},\n\n  {\"id\": \"b\",\n \"conversations\": 5}]", `a:4: conversation: field "conversations"`},
		{FormatShareGPT, "[\n{\"id\": \"a\", \"conversations\": [}\n]", `a:2: invalid JSON`},
		{FormatNative, "{\"prompt\": \"a\"}\n{\"prompt\": \"a\", \"max_tokens\": -1}\n", `a:2: "max_tokens" must be from 0 to`},
	}
	for _, tc := range tests {
		_, err := rowsOf(t, "a", tc.in, ImportOptions{Format: tc.format})
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q:\n err = %v\nwant a SyntaxError containing %q", tc.format, truncate(tc.in, 60), err, tc.want)
		}
	}
}

func TestSkipInvalidCounts(t *testing.T) {
	in := "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,2\nbad,1,2\n2023-11-16 18:15:47,3\n2023-11-16 18:15:48,5,6"
	var seen []int
	r, err := NewReader(strings.NewReader(in), "a.csv", ImportOptions{SkipInvalid: true, OnInvalid: func(e *SyntaxError) { seen = append(seen, e.Line) }})
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	for {
		req, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, *req.AtMs)
	}
	if !reflect.DeepEqual(got, []float64{0, 2000}) || r.Invalid() != 2 || !reflect.DeepEqual(seen, []int{3, 4}) {
		t.Errorf("at_ms %v invalid %d lines %v, want [0 2000] 2 [3 4]", got, r.Invalid(), seen)
	}
	// Without SkipInvalid the same file stops at line 3.
	if _, err := loadReqs(writeTemp(t, "a.csv", in), ImportOptions{}); err == nil || !strings.Contains(err.Error(), "a.csv:3:") {
		t.Errorf("err = %v, want a.csv:3: ...", err)
	}
}

func TestBurstGPTVersionsAndFailed(t *testing.T) {
	v1 := "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,472,18,490,Conversation log\n45,ChatGPT,1087,0,1087,Conversation log\n118.5,GPT-4,417,276,693,Conversation log\n"
	rows, err := rowsOf(t, "v1.csv", v1, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || !rows[1].Failed || rows[0].Failed || rows[2].TimeNs != 118_500_000_000 || rows[0].InputTokens != 472 || rows[2].OutputTokens != 276 {
		t.Fatalf("v1 rows wrong: %+v", rows)
	}
	for _, keep := range []bool{false, true} {
		r, err := NewReader(strings.NewReader(v1), "v1.csv", ImportOptions{KeepFailed: keep})
		if err != nil {
			t.Fatal(err)
		}
		var ats []float64
		for {
			req, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			ats = append(ats, *req.AtMs)
		}
		want := []float64{0, 113500}
		if keep {
			want = []float64{0, 40000, 113500}
		}
		if !reflect.DeepEqual(ats, want) || (r.Failed() == 1) == keep {
			t.Errorf("keep=%v: at_ms %v failed %d, want %v", keep, ats, r.Failed(), want)
		}
	}
	v3 := "Timestamp,Session ID,Elapsed time,Model,Request tokens,Response tokens,Total tokens,Log Type\n" +
		"1.0,s1,3,GPT-4,10,20,30,Conversation log\n2.0,,3,GPT-4,10,20,30,API log\n3.0,s1,3,GPT-4,10,20,30,Conversation log\n"
	rows, err = rowsOf(t, "v3.csv", v3, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := [][2]any{}
	for _, r := range rows {
		got = append(got, [2]any{r.Request.SessionID, r.Request.Turn})
	}
	if !reflect.DeepEqual(got, [][2]any{{"s1", 0}, {"", 0}, {"s1", 1}}) {
		t.Errorf("v3 sessions/turns %v", got)
	}
}

func TestParseSeconds(t *testing.T) {
	tests := map[string]int64{"0": 0, "19440110.0": 19440110e9, "1.5": 1.5e9, ".25": 25e7, "3.1234567891": 3123456789, "1e3": 1e12}
	for in, want := range tests {
		if got, err := parseSeconds(in); err != nil || got != want {
			t.Errorf("parseSeconds(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", ".", "-1", "1.x", "abc", "1e400"} {
		if _, err := parseSeconds(in); err == nil {
			t.Errorf("parseSeconds(%q) succeeded", in)
		}
	}
}

func TestShareGPTSessions(t *testing.T) {
	in := `[
 {"id": "a", "conversations": [
   {"from": "human", "value": "q1"}, {"from": "gpt", "value": "a1"},
   {"from": "human", "value": "q2"}, {"from": "gpt", "value": "a2 a2"}]},
 {"id": "b", "conversations": [
   {"from": "gpt", "value": "left over"}, {"from": "human", "value": "p1"}, {"from": "human", "value": "p2"},
   {"from": "gpt", "value": "r1"}, {"from": "human", "value": "unanswered"}]}
]`
	rows, err := rowsOf(t, "s.json", in, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type turn struct {
		id, session string
		turn        int
		msgs        []Message
		lines       int
	}
	var got []turn
	for _, r := range rows {
		got = append(got, turn{r.Request.ID, r.Request.SessionID, r.Request.Turn, r.Request.Messages, r.Line})
	}
	u := func(s string) Message { return Message{Role: "user", Content: s} }
	a := func(s string) Message { return Message{Role: "assistant", Content: s} }
	want := []turn{
		{"a:0", "a", 0, []Message{u("q1")}, 2},
		{"a:1", "a", 1, []Message{u("q1"), a("a1"), u("q2")}, 2},
		{"b:0", "b", 0, []Message{u("p1\n\np2")}, 5},
		{"b:1", "b", 1, []Message{u("p1\n\np2"), a("r1"), u("unanswered")}, 5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("turns:\n got %+v\nwant %+v", got, want)
	}
	// The recorded answer's length is the output; the last turn has none.
	tok, _ := NewTokenizer("cl100k_base")
	if n := len(tok.Encode("a2 a2")); rows[1].OutputTokens != n || rows[1].Request.MaxTokens != n || rows[3].OutputTokens != 0 {
		t.Errorf("output tokens %d/%d/%d, want %d (\"a2 a2\") and 0", rows[1].OutputTokens, rows[1].Request.MaxTokens, rows[3].OutputTokens, n)
	}
	if rows[1].InputTokens <= rows[0].InputTokens {
		t.Errorf("turn 1 input %d not longer than turn 0's %d", rows[1].InputTokens, rows[0].InputTokens)
	}
}

func TestShareGPTSample(t *testing.T) {
	reqs, err := loadReqs("testdata/traces/sharegpt/ShareGPT_V3_first5.json", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sessions := map[string]int{}
	for i, r := range reqs {
		if r.Messages[0].Role != "user" || r.Messages[len(r.Messages)-1].Role != "user" {
			t.Errorf("request %d does not start and end with the user", i)
		}
		if r.Turn != sessions[r.SessionID] {
			t.Errorf("request %d: turn %d, want %d", i, r.Turn, sessions[r.SessionID])
		}
		sessions[r.SessionID]++
	}
	// 6 + 1 + 1 + 6 human turns, and the conversation that starts with
	// gpt has 3 human turns.
	if len(reqs) != 17 || len(sessions) != 5 || sessions["hRPPgZT_11"] != 3 {
		t.Errorf("%d requests in %d sessions (%v), want 17 in 5", len(reqs), len(sessions), sessions)
	}
}

func TestOpenAIBatch(t *testing.T) {
	reqs, err := loadReqs("testdata/openai_batch/vllm_openai_example_batch.jsonl", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The file asks max_completion_tokens: the request keeps the name, so
	// a target sends the field the file used.
	want := Request{ID: "request-1", Index: 0, MaxTokens: 1000, MaxTokensField: "max_completion_tokens", Messages: []Message{
		{Role: "system", Content: "You are a helpful assistant."}, {Role: "user", Content: "Hello world!"}}}
	if len(reqs) != 2 || !reflect.DeepEqual(reqs[0], want) || reqs[1].ID != "request-2" || reqs[1].Index != 1 {
		t.Fatalf("got %+v", reqs)
	}
	in := `{"custom_id":"c1","method":"POST","url":"/v1/completions","body":{"model":"m","prompt":["once"],"max_tokens":7,"temperature":0,"top_p":0.5,"stream":true}}` + "\n" +
		`  {"custom_id" : "c2" , "url":"/v1/chat/completions", "body": {"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}], "max_tokens": 5, "max_completion_tokens": 9}}  ` + "\n"
	rows, err := rowsOf(t, "b.jsonl", in, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r0, r1 := rows[0].Request, rows[1].Request
	if r0.Prompt != "once" || r0.MaxTokens != 7 || r0.MaxTokensField != "" || r0.Temperature == nil || *r0.Temperature != 0 || string(r0.Extra["top_p"]) != "0.5" || len(r0.Extra) != 1 {
		t.Errorf("completion request %+v", r0)
	}
	if r1.Messages[0].Content != "a\nb" || r1.MaxTokens != 9 || r1.MaxTokensField != "max_completion_tokens" || r1.ID != "c2" {
		t.Errorf("chat request %+v: want parts joined and max_completion_tokens to win", r1)
	}
}

func TestPromptLists(t *testing.T) {
	rows, err := rowsOf(t, "p.jsonl", "{\"prompt\": \"one\", \"source\": \"x\", \"id\": 7}\n{\"prompt\": \"two\", \"max_tokens\": 3}\n", ImportOptions{Format: FormatPromptsJSONL})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Request.Prompt != "one" || rows[0].Request.ID != "7" || rows[1].Request.MaxTokens != 3 || rows[1].Request.ID != "2" {
		t.Errorf("prompts jsonl: %+v", rows)
	}
	rows, err = rowsOf(t, "p.txt", "first prompt\r\n\r\n  second prompt  \r\n", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Request.Prompt != "first prompt" || rows[1].Request.Prompt != "second prompt" || rows[1].Line != 3 {
		t.Errorf("prompts text: %+v", rows)
	}
}

func TestReaderSynthesisesLengthOnlyRows(t *testing.T) {
	reqs, err := loadReqs("testdata/traces/azure2024/AzureLLMInferenceTrace_conv_1week.head5.reconstructed.csv", ImportOptions{Tokenizer: "o200k_base", Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := NewTokenizer("o200k_base")
	wantIn := []int{1452, 584, 862, 1569, 617}
	wantAt := []float64{0, 40.52, 156.825, 157.769, 247.116}
	for i, r := range reqs {
		if r.InputTokens != wantIn[i] || len(tok.Encode(r.Prompt)) != wantIn[i] || *r.AtMs != wantAt[i] || r.Index != i {
			t.Errorf("request %d: input %d (%d encoded), at %v, index %d; want %d at %v", i, r.InputTokens, len(tok.Encode(r.Prompt)), *r.AtMs, r.Index, wantIn[i], wantAt[i])
		}
	}
	if reqs[0].MaxTokens != 3 || reqs[4].MaxTokens != 104 {
		t.Errorf("max_tokens %d, %d; want 3, 104", reqs[0].MaxTokens, reqs[4].MaxTokens)
	}
	// Native output of a converted trace loads with the native loader.
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, reqs); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSONL(&buf, "converted.jsonl")
	if err != nil || len(back) != len(reqs) || back[3].Prompt != reqs[3].Prompt || back[3].InputTokens != reqs[3].InputTokens {
		t.Fatalf("round trip: %v", err)
	}
}

func TestReaderNativePassThrough(t *testing.T) {
	in := "{\"prompt\": \"a\", \"at_ms\": 500}\n# comment\n{\"messages\": [{\"role\": \"user\", \"content\": \"b\"}], \"at_ms\": 700, \"session_id\": \"s\", \"turn\": 1}\n"
	path := writeTemp(t, "w.jsonl", in)
	reqs, err := loadReqs(path, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The streaming reader (SkipInvalid) and the all-errors-at-once native
	// loader read the same requests.
	streamed, err := loadReqs(path, ImportOptions{SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(reqs, streamed) {
		t.Errorf("the native loader and the reader differ:\n%+v\n%+v", reqs, streamed)
	}
	if *reqs[0].AtMs != 500 || reqs[1].ID != "3" {
		t.Errorf("native at_ms must be kept as written: %+v", reqs)
	}
}

func TestReaderRejectsTimeGoingBackBeforeFirst(t *testing.T) {
	in := "{\"timestamp\": 100, \"input_length\": 3, \"output_length\": 1}\n{\"timestamp\": 50, \"input_length\": 3, \"output_length\": 1}\n"
	if _, err := loadReqs(writeTemp(t, "m.jsonl", in), ImportOptions{}); err == nil || !strings.Contains(err.Error(), "m.jsonl:2: timestamp is earlier") {
		t.Errorf("err = %v", err)
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := t.TempDir() + "/" + name
	if err := writeFile(path, content); err != nil {
		t.Fatal(err)
	}
	return path
}
