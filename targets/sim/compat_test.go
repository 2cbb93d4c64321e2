package sim

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// These tests read the simulator with go-openai, the client library the
// OpenAI target is built on: if the library parses our wire format, real
// clients will too.

func openaiClient(url string) *openai.Client {
	cfg := openai.DefaultConfig("sk-sim-not-a-key")
	cfg.BaseURL = url + "/v1"
	return openai.NewClientWithConfig(cfg)
}

func TestGoOpenAIStream(t *testing.T) {
	_, url := startServer(t, Config{})
	c := openaiClient(url)
	st, err := c.CreateChatCompletionStream(t.Context(), openai.ChatCompletionRequest{
		Model:         "sim",
		Messages:      []openai.ChatCompletionMessage{{Role: "user", Content: "hello"}},
		MaxTokens:     6,
		Stream:        true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var text strings.Builder
	var finish openai.FinishReason
	var usage *openai.Usage
	for {
		r, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range r.Choices {
			text.WriteString(ch.Delta.Content)
			if ch.FinishReason != "" {
				finish = ch.FinishReason
			}
		}
		if r.Usage != nil {
			usage = r.Usage
		}
	}
	if n := len(strings.Fields(text.String())); n != 6 || finish != openai.FinishReasonLength {
		t.Errorf("%d words, finish %q", n, finish)
	}
	if usage == nil || usage.CompletionTokens != 6 || usage.PromptTokens != 2 || usage.TotalTokens != 8 {
		t.Errorf("usage %+v", usage)
	}
}

func TestGoOpenAINonStreamingAndCompletions(t *testing.T) {
	_, url := startServer(t, Config{})
	c := openaiClient(url)
	r, err := c.CreateChatCompletion(t.Context(), openai.ChatCompletionRequest{
		Model:               "sim",
		Messages:            []openai.ChatCompletionMessage{{Role: "user", Content: "hello"}},
		MaxCompletionTokens: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Object != "chat.completion" || len(r.Choices) != 1 || r.Usage.CompletionTokens != 4 ||
		len(strings.Fields(r.Choices[0].Message.Content)) != 4 || r.Choices[0].FinishReason != openai.FinishReasonLength {
		t.Errorf("chat %+v", r)
	}
	cr, err := c.CreateCompletion(t.Context(), openai.CompletionRequest{Model: "sim", Prompt: "once upon", MaxTokens: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(cr.Choices) != 1 || len(strings.Fields(cr.Choices[0].Text)) != 3 || cr.Usage.CompletionTokens != 3 {
		t.Errorf("completion %+v", cr)
	}
	models, err := c.ListModels(t.Context())
	if err != nil || len(models.Models) != 1 || models.Models[0].ID != "sim" {
		t.Errorf("models %+v %v", models, err)
	}
}

func TestGoOpenAIErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    Config
		status int
		typ    string
	}{
		{"429", Config{Faults: Faults{RateLimitRate: 1}}, http.StatusTooManyRequests, "requests"},
		{"500", Config{Faults: Faults{ErrorRate: 1}}, http.StatusInternalServerError, "server_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := startServer(t, tc.cfg)
			_, err := openaiClient(url).CreateChatCompletionStream(t.Context(), openai.ChatCompletionRequest{
				Model: "sim", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "x"}}, MaxTokens: 2, Stream: true,
			})
			var apiErr *openai.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T), want *openai.APIError", err, err)
			}
			if apiErr.HTTPStatusCode != tc.status || apiErr.Type != tc.typ || apiErr.Message == "" {
				t.Errorf("APIError %+v", apiErr)
			}
		})
	}
}
