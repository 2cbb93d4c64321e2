package prices

import (
	"encoding/csv"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestDefaultLoads(t *testing.T) {
	c := Default()
	if n := len(c.Tokens()); n < 1000 {
		t.Errorf("%d per-token prices, want the full catalogue (>1000)", n)
	}
	if n := len(c.GPUs()); n < 60 {
		t.Errorf("%d GPU prices, want >60", n)
	}
	for _, p := range c.Tokens() {
		if !isDay(p.CheckedAt) || p.Source == "" {
			t.Errorf("%s/%s: checked_at %q source %q: every price needs a date and a source", p.Provider, p.Model, p.CheckedAt, p.Source)
		}
	}
	for _, g := range c.GPUs() {
		if g.CheckedAt == "" || g.Source == "" {
			t.Errorf("%s/%s: no date or source", g.GPU, g.Offer)
		}
	}
}

func isDay(s string) bool { return regexp.MustCompile(`^\d{4}-\d\d-\d\d$`).MatchString(s) }

// Every row of the project's selected price list must be priced by the
// catalogue, by its display name, at its price, except where the catalogue
// resolved a disagreement with a reason (see gencatalog's resolutions).
func TestCatalogueCoversSelectedPrices(t *testing.T) {
	f, err := os.Open("testdata/api_prices_selected.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Differences on purpose: provider/display -> field=value in the catalogue.
	resolved := map[string]map[string]float64{
		"fireworks_ai/Llama 3.1 8B":     {"input": 0.2, "output": 0.2},   // known LiteLLM error
		"fireworks_ai/gpt-oss-120b":     {"cached": 0.014},               // genai-prices checked later
		"bedrock/Bedrock Llama 3.1 70B": {"input": 0.72, "output": 0.72}, // launch price vs list price
	}
	paren := regexp.MustCompile(`\s*\([^)]*\)$`)
	c := Default()
	for i, rec := range recs[1:] {
		display := paren.ReplaceAllString(rec[1], "")
		key := rec[0] + "/" + display
		p, err := c.Lookup(rec[0], display)
		if err != nil {
			t.Errorf("line %d: %v", i+2, err)
			continue
		}
		want := map[string]string{"input": rec[2], "output": rec[3], "cached": rec[4], "write": rec[5]}
		got := map[string]*float64{"input": &p.InputPer1M, "output": &p.OutputPer1M, "cached": p.CachedInputPer1M, "write": p.CacheWritePer1M}
		for field, ws := range want {
			if ws == "" {
				continue
			}
			w, _ := strconv.ParseFloat(ws, 64)
			if r, ok := resolved[key][field]; ok {
				w = r
			}
			if got[field] == nil || *got[field] != w {
				t.Errorf("line %d %s: %s = %v, want %v", i+2, key, field, deref(got[field]), w)
			}
		}
		if p.CheckedAt == "" {
			t.Errorf("line %d %s: no checked_at", i+2, key)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return "none"
	}
	return *p
}

// Errors seen in other catalogues (shared data README) must not be in ours.
func TestKnownCatalogueErrorsAreFixed(t *testing.T) {
	c := Default()
	flash, err := c.Lookup("google", "gemini-1.5-flash")
	if err != nil {
		t.Fatal(err)
	}
	if flash.OutputPer1M != 0.3 || flash.InputPer1M != 0.075 {
		t.Errorf("Gemini 1.5 Flash in/out = %v/%v, want 0.075/0.3 (output listed as 0 elsewhere)", flash.InputPer1M, flash.OutputPer1M)
	}
	if lc := flash.LongContext; lc == nil || lc.AboveInputTokens != 128000 || lc.InputPer1M != 0.15 || lc.OutputPer1M != 0.6 {
		t.Errorf("Gemini 1.5 Flash long-context tier = %+v, want >128000 at 0.15/0.6", lc)
	}
	for _, name := range []string{"llama-v3p1-8b-instruct", "accounts/fireworks/models/llama-v3p1-8b-instruct", "Llama 3.1 8B"} {
		fw, err := c.Lookup("fireworks_ai", name)
		if err != nil {
			t.Fatal(err)
		}
		if fw.InputPer1M != 0.2 || fw.OutputPer1M != 0.2 {
			t.Errorf("Fireworks %s = %v/%v, want 0.20/0.20 (0.10 is a known error)", name, fw.InputPer1M, fw.OutputPer1M)
		}
	}
	// No model is priced with a paid input and a free output.
	for _, p := range c.Tokens() {
		if p.OutputPer1M == 0 && p.InputPer1M > 0 {
			t.Errorf("%s/%s: output 0 with input %v", p.Provider, p.Model, p.InputPer1M)
		}
	}
}

func TestLongContextTiers(t *testing.T) {
	tests := []struct {
		provider, model string
		above           int64
		in, out         float64
	}{
		{"google", "gemini-1.5-pro", 128000, 2.5, 10},
		{"google", "gemini-2.5-pro", 200000, 2.5, 15},
		{"anthropic", "claude-sonnet-4-20250514", 200000, 6, 22.5},
		{"anthropic", "claude-sonnet-4-5", 200000, 6, 22.5},
	}
	for _, tt := range tests {
		p, err := Default().Lookup(tt.provider, tt.model)
		if err != nil {
			t.Fatal(err)
		}
		lc := p.LongContext
		if lc == nil || lc.AboveInputTokens != tt.above || lc.InputPer1M != tt.in || lc.OutputPer1M != tt.out {
			t.Errorf("%s/%s tier = %+v, want >%d at %v/%v", tt.provider, tt.model, lc, tt.above, tt.in, tt.out)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		provider, model string
		want            string // provider/model found
	}{
		{"openai", "gpt-4o", "openai/gpt-4o"},
		{"OpenAI", "GPT-4o", "openai/gpt-4o"},
		{"openai", "gpt-4o-2024-08-06", "openai/gpt-4o"},
		{"openai", "gpt-4o-2099-01-31", "openai/gpt-4o"}, // any dated snapshot
		{"openai", "gpt-4o-mini", "openai/gpt-4o-mini"},  // exact beats a prefix
		{"openai", "gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini"},
		{"anthropic", "claude-sonnet-4-20250514", "anthropic/claude-sonnet-4-0"},
		{"anthropic", "claude-3-5-haiku-latest", "anthropic/claude-3-5-haiku"},
		{"anthropic", "claude-3-5-haiku-20241022", "anthropic/claude-3-5-haiku"},
		{"anthropic", "Claude Sonnet 4", "anthropic/claude-sonnet-4-0"},
		{"google", "models/gemini-2.0-flash", "google/gemini-2.0-flash"},
		{"gemini", "gemini-1.5-flash-002", "google/gemini-1.5-flash"},
		{"together_ai", "meta-llama/Llama-3.3-70B-Instruct-Turbo", "together/meta-llama/Llama-3.3-70B-Instruct-Turbo"},
		{"together", "Llama 3.1 8B Instruct Turbo", "together/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo"},
		{"groq", "llama-3.1-8b-instant", "groq/llama-3.1-8b-instant"},
		{"lambda_ai", "llama3.1-8b-instruct", "lambda/llama3.1-8b-instruct"},
		{"aws", "meta.llama3-1-8b-instruct-v1:0", "bedrock/meta.llama3-1-8b-instruct-v1:0"},
		{"", "claude-opus-4-1", "anthropic/claude-opus-4-1"}, // one provider prices it
	}
	for _, tt := range tests {
		p, err := Default().Lookup(tt.provider, tt.model)
		if err != nil {
			t.Errorf("Lookup(%q, %q): %v", tt.provider, tt.model, err)
			continue
		}
		if got := p.Provider + "/" + p.Model; got != tt.want {
			t.Errorf("Lookup(%q, %q) = %s, want %s", tt.provider, tt.model, got, tt.want)
		}
	}
}

func TestLookupExactSnapshotWins(t *testing.T) {
	c, err := New([]TokenPrice{
		{Provider: "openai", Model: "gpt-4o", Rates: Rates{InputPer1M: 2.5, OutputPer1M: 10}, CheckedAt: "2026-01-01", Source: "t"},
		{Provider: "openai", Model: "gpt-4o-2024-05-13", Rates: Rates{InputPer1M: 5, OutputPer1M: 15}, CheckedAt: "2026-01-01", Source: "t"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for model, want := range map[string]float64{"gpt-4o-2024-05-13": 5, "gpt-4o-2024-08-06": 2.5, "gpt-4o": 2.5} {
		p, err := c.Lookup("openai", model)
		if err != nil || p.InputPer1M != want {
			t.Errorf("Lookup(%s) = %v, %v; want input %v", model, p.InputPer1M, err, want)
		}
	}
}

func TestLookupErrors(t *testing.T) {
	c := Default()
	_, err := c.Lookup("openai", "gpt-4x")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "near matches") || !strings.Contains(err.Error(), "gpt-4") {
		t.Errorf("unknown model: %v; want ErrNotFound with near matches", err)
	}
	_, err = c.Lookup("opneai", "gpt-4o")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "openai") {
		t.Errorf("misspelt provider: %v; want ErrNotFound suggesting openai", err)
	}
	_, err = c.Lookup("", "gpt-oss-120b")
	if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "groq") {
		t.Errorf("model at many providers: %v; want ErrAmbiguous naming them", err)
	}
	if _, err = c.Lookup("openai", " "); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty model: %v", err)
	}
}

func TestGPU(t *testing.T) {
	tests := []struct {
		gpu, offer string
		wantGPU    string
		want       float64
	}{
		{"H100-SXM-80GB", "aws-on-demand", "H100-SXM-80GB", 6.88},
		{"H100", "aws", "H100-SXM-80GB", 6.88},
		{"h100 sxm", "lambda", "H100-SXM-80GB", 4.29},
		{"H100", "lambda-on-demand-8x", "H100-SXM-80GB", 3.99},
		{"A100-80GB", "runpod-community", "A100-SXM-80GB", 1.39},
		{"A100-80GB", "runpod", "A100-SXM-80GB", 1.59}, // the secure cloud is RunPod's default
		{"H200", "gcp-spot", "H200-141GB", 6.2607},
		{"L4", "aws-on-demand", "L4-24GB", 0.8048},
		{"L4", "aws-on-demand-g6.12xlarge", "L4-24GB", 1.1504},
		{"L40S", "Nebius", "L40S-48GB", 1.55},
		{"NVIDIA H100-SXM-80GB", "gcp-on-demand", "H100-SXM-80GB", 10.9791},
	}
	for _, tt := range tests {
		g, err := Default().GPU(tt.gpu, tt.offer)
		if err != nil {
			t.Errorf("GPU(%q, %q): %v", tt.gpu, tt.offer, err)
			continue
		}
		if g.GPU != tt.wantGPU || g.USDPerGPUHour != tt.want {
			t.Errorf("GPU(%q, %q) = %s $%v, want %s $%v", tt.gpu, tt.offer, g.GPU, g.USDPerGPUHour, tt.wantGPU, tt.want)
		}
		if g.Hourly(2) != 2*tt.want {
			t.Errorf("Hourly(2) = %v", g.Hourly(2))
		}
	}
	_, err := Default().GPU("H100", "aws-spot")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "aws-on-demand ($6.88/GPU-h)") {
		t.Errorf("unknown offer: %v; want the offers listed", err)
	}
	_, err = Default().GPU("H1000", "aws")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "H100") {
		t.Errorf("unknown type: %v; want near matches", err)
	}
}

func TestSearch(t *testing.T) {
	c := Default()
	hits := c.Search("sonnet 4-5 anthropic")
	found := false
	for _, e := range hits {
		if e.GPU != nil {
			t.Errorf("GPU entry %v for a model query", e.GPU)
		}
		if e.Token != nil && e.Token.Provider == "anthropic" && e.Token.Model == "claude-sonnet-4-5" {
			found = true
		}
	}
	if !found {
		t.Errorf("Search(sonnet 4-5 anthropic) = %d entries without claude-sonnet-4-5", len(hits))
	}
	gpuHits := c.Search("H100 aws")
	if len(gpuHits) == 0 {
		t.Fatal("no hits for H100 aws")
	}
	for _, e := range gpuHits {
		if e.GPU == nil || !strings.Contains(e.GPU.GPU, "H100") || e.GPU.Provider != "aws" {
			t.Errorf("Search(H100 aws) returned %+v", e)
		}
	}
	if n := len(c.Search("")); n != len(c.Tokens())+len(c.GPUs()) {
		t.Errorf("empty query: %d entries, want all %d", n, len(c.Tokens())+len(c.GPUs()))
	}
	if len(c.Search("together_ai mixtral")) == 0 {
		t.Error("provider alias in a query finds nothing")
	}
}

func TestNewRejectsDuplicatesAndBadPrices(t *testing.T) {
	ok := TokenPrice{Provider: "p", Model: "m", Rates: Rates{InputPer1M: 1, OutputPer1M: 1}}
	if _, err := New([]TokenPrice{ok, ok}, nil); err == nil {
		t.Error("duplicate provider/model accepted")
	}
	bad := ok
	bad.OutputPer1M = -1
	if _, err := New([]TokenPrice{bad}, nil); err == nil {
		t.Error("negative price accepted")
	}
	g := GPUPrice{GPU: "H100", Offer: "x", USDPerGPUHour: 2}
	if _, err := New(nil, []GPUPrice{g, g}); err == nil {
		t.Error("duplicate GPU offer accepted")
	}
}

func TestModelKey(t *testing.T) {
	for in, want := range map[string]string{
		"gpt-4o-2024-08-06":                  "gpt-4o",
		"claude-sonnet-4-20250514":           "claude-sonnet-4",
		"claude-sonnet-4@20250514":           "claude-sonnet-4",
		"claude-3-5-haiku-latest":            "claude-3-5-haiku",
		"models/gemini-1.5-flash-002":        "gemini-1.5-flash",
		"accounts/fireworks/models/qwen3-8b": "qwen3-8b",
		"gpt-oss-120b":                       "gpt-oss-120b",
		"llama-3.1-405b":                     "llama-3.1-405b",
		"deepseek-v3-0324":                   "deepseek-v3-0324",
		"o1-2024-12-17":                      "o1",
		"gpt-4o-2024-13-45":                  "gpt-4o-2024-13-45", // not a date
		"model-20250514-latest":              "model",
		"mistral-large-2411":                 "mistral-large-2411",
		"gemini-1.5-pro-002":                 "gemini-1.5-pro",
		"-001":                               "-001",
		"x-20250514":                         "x",
	} {
		if got := modelKey(in); got != want {
			t.Errorf("modelKey(%q) = %q, want %q", in, got, want)
		}
	}
}
