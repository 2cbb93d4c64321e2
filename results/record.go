// Package results holds the on-disk contract of inferbench: the per-request
// Record, the run Manifest, and the Parquet writers and readers that
// notebooks, reports and later runs depend on.
//
// Column names are snake_case and carry their unit. Offsets (*_ns) are
// monotonic nanoseconds since the run start; an offset or duration that was
// not observed is stored as NULL (it is 0 in Go, since every observed offset
// is strictly after the run start).
package results

import "time"

// SchemaVersion is written into every Parquet file's key-value metadata
// (key "inferbench.schema_version") and into manifest.json. Bump it when a
// column changes meaning or type; adding columns keeps it.
const SchemaVersion = 1

// Status values of a Record.
const (
	StatusOK       = "ok"
	StatusError    = "error"
	StatusCanceled = "canceled"
)

// Error classes. A failed request is data: it gets one of these on its
// Record and the run goes on.
const (
	ErrClassHTTP4xx        = "http_4xx"
	ErrClassHTTP5xx        = "http_5xx"
	ErrClassRateLimited    = "rate_limited" // HTTP 429
	ErrClassTimeout        = "timeout"
	ErrClassConnect        = "connect"            // could not connect / connection refused
	ErrClassConnection     = "connection_dropped" // connection reset or closed mid-response
	ErrClassStreamBroken   = "stream_broken"      // stream ended without [DONE]
	ErrClassStreamTrunc    = "stream_truncated"   // [DONE] seen but no finish_reason
	ErrClassMalformedChunk = "malformed_chunk"    // a chunk that is not valid JSON / SSE
	ErrClassStreamError    = "stream_error"       // the server sent an error event mid-stream
	ErrClassEmptyOutput    = "empty_output"       // a complete answer with no text and no tool-call arguments
	ErrClassCanceled       = "canceled"           // the run was interrupted twice
	ErrClassRequest        = "request"            // the request could not be built
	ErrClassOther          = "other"
)

// Token count sources (input_tokens_source, output_tokens_source).
const (
	TokensFromUsage     = "usage"     // the server's usage object
	TokensFromTokenizer = "tokenizer" // counted locally with a tokenizer
	TokensFromChunks    = "chunks"    // one token per content chunk (a lower bound)
	TokensFromEstimate  = "estimate"  // estimated from text length
)

// Record is one request, one Parquet row. See docs/results.md for every
// column. The dispatcher fills identity, schedule and derived fields; the
// target fills what it observed on the wire.
type Record struct {
	RunID        string `parquet:"run_id,dict"`
	Target       string `parquet:"target,dict"`
	TargetKind   string `parquet:"target_kind,dict"` // api | managed | self-hosted
	Provider     string `parquet:"provider,dict"`
	Model        string `parquet:"model,dict"`
	Workload     string `parquet:"workload,dict"`
	Simulated    bool   `parquet:"simulated"`
	RequestIndex int64  `parquet:"request_index"`
	RequestID    string `parquet:"request_id"`
	SessionID    string `parquet:"session_id,optional"`
	Turn         int32  `parquet:"turn"`
	Warmup       bool   `parquet:"warmup"`
	Attempt      int32  `parquet:"attempt"`

	// StartedAt is the wall-clock time the request was sent.
	StartedAt time.Time `parquet:"started_at,timestamp(nanosecond)"`

	ScheduledNs int64 `parquet:"scheduled_ns"`
	SentNs      int64 `parquet:"sent_ns"`
	HeadersNs   int64 `parquet:"headers_ns,optional"`
	// FirstEventNs is the first stream event of any kind that carried
	// data: a role-only chunk, an Anthropic message_start or ping, a usage
	// chunk. vLLM's chat benchmark takes its TTFT from the first chunk
	// with any choices, so first_event_ns - sent_ns is that TTFT on a
	// server that sends its role chunk first (docs/metrics.md).
	FirstEventNs  int64 `parquet:"first_event_ns,optional"`
	FirstTokenNs  int64 `parquet:"first_token_ns,optional"`
	FirstOutputNs int64 `parquet:"first_output_ns,optional"`
	LastTokenNs   int64 `parquet:"last_token_ns,optional"`
	DoneNs        int64 `parquet:"done_ns"`

	ScheduleLagNs int64 `parquet:"schedule_lag_ns"`
	TTFBNs        int64 `parquet:"ttfb_ns,optional"`
	TTFTNs        int64 `parquet:"ttft_ns,optional"`
	TTFONs        int64 `parquet:"ttfo_ns,optional"`
	TPOTNs        int64 `parquet:"tpot_ns,optional"`
	E2ENs         int64 `parquet:"e2e_ns,optional"`

	// ChunkGapsNs are the gaps between consecutive content events (the first
	// entry is the gap between the first and second content event).
	ChunkGapsNs []int64 `parquet:"chunk_gaps_ns,list"`
	// ChunkTokens is the number of output tokens each content event carried,
	// where the server reported it (continuous usage); empty otherwise.
	ChunkTokens []int32 `parquet:"chunk_tokens,list"`
	Chunks      int32   `parquet:"chunks"`
	// Coalesced flags a stream whose content events arrived in bursts
	// after long silences (a buffering proxy, or a server that batches its
	// writes): per-chunk timings then measure the buffer, not the model.
	// CoalescedChunks counts the content events that arrived in bursts.
	Coalesced       bool  `parquet:"coalesced"`
	CoalescedChunks int32 `parquet:"coalesced_chunks"`

	InputTokens       int64 `parquet:"input_tokens"`
	OutputTokens      int64 `parquet:"output_tokens"`
	CachedInputTokens int64 `parquet:"cached_input_tokens"`
	// CacheWriteInputTokens are prompt tokens written to the provider's
	// prompt cache (Anthropic's cache_creation_input_tokens), billed at
	// their own price; like CachedInputTokens they are part of InputTokens.
	CacheWriteInputTokens int64  `parquet:"cache_write_input_tokens"`
	ReasoningTokens       int64  `parquet:"reasoning_tokens"`
	RequestedOutputTokens int64  `parquet:"requested_output_tokens"`
	IntendedInputTokens   int64  `parquet:"intended_input_tokens"`
	InputTokensSource     string `parquet:"input_tokens_source,dict"`
	OutputTokensSource    string `parquet:"output_tokens_source,dict"`

	Status       string  `parquet:"status,dict"`
	ErrorClass   string  `parquet:"error_class,optional,dict"`
	HTTPStatus   int32   `parquet:"http_status,optional"`
	ErrorMessage string  `parquet:"error_message,optional"`
	RetryAfterMs int64   `parquet:"retry_after_ms,optional"`
	Retries      int32   `parquet:"retries"`
	FinishReason string  `parquet:"finish_reason,optional,dict"`
	CostUSD      float64 `parquet:"cost_usd"`
}

// MaxErrorMessage is the longest error_message kept on a Record.
const MaxErrorMessage = 512

// SetError marks the record failed with class and a message cut to
// MaxErrorMessage bytes (on a rune boundary), with every URL in it
// redacted (RedactText): a transport error quotes the URL it failed on.
func (r *Record) SetError(class, msg string) {
	r.Status = StatusError
	r.ErrorClass = class
	r.ErrorMessage = Truncate(RedactText(msg), MaxErrorMessage)
}

// Truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

// OK reports whether the request completed successfully.
func (r *Record) OK() bool { return r.Status == StatusOK }

// Derive computes the durations from the offsets. Durations whose endpoints
// were not observed stay 0 (NULL on disk).
//
//	schedule_lag = sent - scheduled
//	TTFB = headers - sent        TTFT = first_token - sent
//	TTFO = first_output - sent   E2E  = last_token - sent
//	TPOT = (last_token - first_token) / (output_tokens - 1)
func (r *Record) Derive() {
	r.ScheduleLagNs = r.SentNs - r.ScheduledNs
	r.TTFBNs, r.TTFTNs, r.TTFONs, r.E2ENs, r.TPOTNs = 0, 0, 0, 0, 0
	if r.HeadersNs > 0 {
		r.TTFBNs = r.HeadersNs - r.SentNs
	}
	if r.FirstTokenNs > 0 {
		r.TTFTNs = r.FirstTokenNs - r.SentNs
	}
	if r.FirstOutputNs > 0 {
		r.TTFONs = r.FirstOutputNs - r.SentNs
	}
	if r.LastTokenNs > 0 && r.OK() {
		r.E2ENs = r.LastTokenNs - r.SentNs
	}
	if r.LastTokenNs > 0 && r.FirstTokenNs > 0 && r.OutputTokens > 1 && r.OK() {
		r.TPOTNs = (r.LastTokenNs - r.FirstTokenNs) / (r.OutputTokens - 1)
	}
}

// UserLatencyNs is the latency a user saw, corrected for coordinated
// omission: last_token - scheduled. It is 0 when not observed.
func (r *Record) UserLatencyNs() int64 {
	if r.LastTokenNs == 0 {
		return 0
	}
	return r.LastTokenNs - r.ScheduledNs
}
