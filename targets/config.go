package targets

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/targets/targetspec"
	"github.com/inferbench/inferbench/workloads"
)

// Config configures a target of any wire protocol. The zero value of every
// optional field is its documented default. Fields that only one protocol
// reads say so.
type Config struct {
	// BaseURL is the API root including the version, e.g.
	// http://127.0.0.1:8000/v1: requests go to BaseURL/chat/completions,
	// BaseURL/completions, BaseURL/responses, BaseURL/messages (Anthropic)
	// or BaseURL/models/MODEL:streamGenerateContent (Gemini, whose root is
	// .../v1beta).
	BaseURL string
	// Model is sent as "model" (Gemini: in the path) and copied onto every
	// record.
	Model string
	// APIKey is the key itself (the command line reads it from an
	// environment variable); it is sent in AuthHeader and never written to
	// records, logs or JSON.
	APIKey string `json:"-"`
	// AuthHeader is the header that carries APIKey: "Authorization"
	// (default) sends "Bearer KEY"; any other name (api-key, x-api-key,
	// x-goog-api-key) sends the key as it is.
	AuthHeader string
	// Name, Kind and Provider are copied onto records (target,
	// target_kind, provider). Name defaults to Model.
	Name, Kind, Provider string
	// IncludeUsage sends stream_options.include_usage, so the server
	// reports token counts (default true). Turn it off for servers that
	// reject stream_options. OpenAI chat and completions only.
	IncludeUsage *bool
	// CountTokenizer counts the output tokens of a stream that ended
	// without the server's usage, from the text received (content and
	// reasoning; output_tokens_source "tokenizer"): one of
	// workloads.TokenizerNames, "" for DefaultCountTokenizer, or
	// NoCountTokenizer ("none") to count content events instead.
	CountTokenizer string
	// Temperature is sent when set, including 0. A request's own
	// temperature overrides it.
	Temperature *float64
	// ExtraBody fields are merged into every request body (engine
	// extensions such as top_k, ignore_eos, or a stream_options with
	// continuous_usage_stats; Anthropic's thinking; Gemini's
	// generationConfig). A field replaces one of the same name, whole,
	// except the objects a protocol merges key by key (stream_options;
	// Responses' reasoning and text; Gemini's generationConfig). A
	// request's own Extra fields override these.
	ExtraBody map[string]any
	// DropFields are never sent from a request's own Extra fields (nor
	// from its stream_options): the engine-only fields (ignore_eos,
	// min_tokens, continuous_usage_stats) a target does not accept, which
	// a workload may carry for engines.
	DropFields []string
	// Headers are set on every request, after the standard ones, so they
	// may replace them (e.g. anthropic-version).
	Headers map[string]string `json:"-"`
	// Query parameters are added to every request URL (Azure's
	// api-version).
	Query map[string]string
	// MaxTokensField is the body field a request's MaxTokens is sent as:
	// "max_tokens" or "max_completion_tokens", which OpenAI's reasoning
	// models require; "" sends the request's own field
	// (workloads.Request.MaxTokensField), else max_tokens. OpenAI chat
	// only.
	MaxTokensField string
	// NoSampling sends no sampling fields (SamplingFields): the request's
	// temperature and such extra fields are not sent. Temperature must
	// then be nil.
	NoSampling bool
	// SystemMessage is how system messages are sent: "" or
	// SystemAsSystem as they are, SystemAsDeveloper with role developer,
	// SystemAsUser folded into the first user message.
	SystemMessage string
	// Family names the model family whose rules the config follows, for
	// messages ("" = none).
	Family string
	// NoStreamOptions never sends stream_options, for hosts that reject
	// it: neither include_usage nor a request's own. OpenAI chat and
	// completions.
	NoStreamOptions bool
	// StrictFields fails a request (class request, nothing sent) when
	// any of its own fields would not be sent, instead of sending it
	// without them.
	StrictFields bool
	// DefaultMaxTokens is sent when a request has no MaxTokens, where the
	// protocol requires a limit (Anthropic; default 4096).
	DefaultMaxTokens int
	// Timeout bounds each request from send to the end of the stream
	// (0: none).
	Timeout time.Duration
	// FirstTokenTimeout bounds the wait from send to the first content or
	// reasoning event (0: none).
	FirstTokenTimeout time.Duration
	// IdleTimeout bounds the silence between two reads of the response
	// body once the first token has arrived (0: none).
	IdleTimeout time.Duration
	// HTTPClient sends the requests; nil means NewHTTPClient().
	HTTPClient *http.Client `json:"-"`
}

// OpenAIConfig is the name Config had when OpenAI chat was the only
// protocol; existing callers keep compiling.
type OpenAIConfig = Config

// String describes the config without its secrets (the API key and header
// values), so a %v in a log cannot leak them.
func (c Config) String() string {
	key := "unset"
	if c.APIKey != "" {
		key = "set"
	}
	return fmt.Sprintf("target{base_url: %s, model: %s, name: %s, api_key: %s, headers: %d}",
		c.BaseURL, c.Model, c.Name, key, len(c.Headers))
}

// DefaultAnthropicMaxTokens is Config.DefaultMaxTokens's default.
const DefaultAnthropicMaxTokens = 4096

// validate reports every problem with c at once, and encodes ExtraBody.
func (c *Config) validate() ([]bodyField, []error) {
	var errs []error
	if c.BaseURL == "" {
		errs = append(errs, errors.New("base URL is required"))
	} else if u, err := url.Parse(c.BaseURL); err != nil {
		errs = append(errs, fmt.Errorf("base URL: %w", err))
	} else if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		errs = append(errs, fmt.Errorf("base URL %q: want http(s)://host[:port]/path", results.RedactURL(c.BaseURL)))
	}
	if c.Model == "" {
		errs = append(errs, errors.New("model is required"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"timeout", c.Timeout}, {"first token timeout", c.FirstTokenTimeout}, {"idle timeout", c.IdleTimeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %v is negative", d.name, d.v))
		}
	}
	if c.DefaultMaxTokens < 0 {
		errs = append(errs, fmt.Errorf("default max tokens %d is negative", c.DefaultMaxTokens))
	}
	if c.Temperature != nil && (math.IsNaN(*c.Temperature) || math.IsInf(*c.Temperature, 0)) {
		errs = append(errs, fmt.Errorf("temperature %v is not a number", *c.Temperature))
	}
	if err := targetspec.CheckMaxTokensField(c.MaxTokensField); err != nil {
		errs = append(errs, err)
	}
	if err := targetspec.CheckSystemMessage(c.SystemMessage); err != nil {
		errs = append(errs, err)
	}
	if c.NoSampling && c.Temperature != nil {
		errs = append(errs, fmt.Errorf("temperature %v is set, but sampling is off%s", *c.Temperature, c.familyNote()))
	}
	if err := targetspec.CheckCountTokenizer(c.CountTokenizer); err != nil {
		errs = append(errs, fmt.Errorf("count tokenizer: %w", err))
	}
	if strings.ContainsAny(c.AuthHeader, " :\r\n") {
		errs = append(errs, fmt.Errorf("auth header %q is not a header name", c.AuthHeader))
	}
	var extra []bodyField
	for _, k := range slices.Sorted(maps.Keys(c.ExtraBody)) {
		v, err := json.Marshal(c.ExtraBody[k])
		if err != nil {
			errs = append(errs, fmt.Errorf("extra body field %q: %w", k, err))
			continue
		}
		extra = append(extra, bodyField{key: k, value: v})
	}
	return extra, errs
}

// header is every header a request of c carries besides Content-Type:
// the key in its header, then Headers.
func (c *Config) header() http.Header {
	h := http.Header{}
	if c.APIKey != "" {
		switch name := c.AuthHeader; {
		case name == "" || strings.EqualFold(name, "Authorization"):
			h.Set("Authorization", "Bearer "+c.APIKey)
		default:
			h.Set(name, c.APIKey)
		}
	}
	for k, v := range c.Headers {
		h.Set(k, v)
	}
	return h
}

// endpoint is BaseURL + path, with Query and extra query parameters. A
// query in BaseURL itself (Azure's ?api-version=...) is kept, and the path
// goes before it; a fragment is never sent.
func (c *Config) endpoint(path string, extra url.Values) string {
	base, rawQuery, _ := strings.Cut(c.BaseURL, "?")
	base, _, _ = strings.Cut(base, "#")
	rawQuery, _, _ = strings.Cut(rawQuery, "#")
	u := strings.TrimRight(base, "/") + path
	if len(c.Query) == 0 && len(extra) == 0 {
		if rawQuery != "" {
			u += "?" + rawQuery
		}
		return u
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		q = url.Values{}
	}
	for k, v := range c.Query {
		q.Set(k, v)
	}
	for k, vs := range extra {
		q[k] = vs
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// newRecord is a record with what the config and request say, before
// anything is sent.
func (c *Config) newRecord(req *workloads.Request) results.Record {
	return results.Record{
		Target:                c.Name,
		TargetKind:            c.Kind,
		Provider:              c.Provider,
		Model:                 c.Model,
		RequestedOutputTokens: int64(req.MaxTokens),
		IntendedInputTokens:   int64(req.InputTokens),
	}
}

// temperature is the temperature to send for req, or nil.
func (c *Config) temperature(req *workloads.Request) *float64 {
	if req.Temperature != nil {
		return req.Temperature
	}
	return c.Temperature
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
