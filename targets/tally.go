package targets

import (
	"slices"
	"sync"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// tally accumulates what every protocol observes of one stream the same
// way, so that a record means the same whichever protocol filled it:
// content events with their times, the finish reason, and the token usage
// the server reported.
type tally struct {
	firstEvent                         int64 // any event that carried data
	firstToken, firstOutput, lastToken int64
	lists                              *eventLists // gaps and per-event tokens; nil until the first content event
	chunks                             int32
	finish                             string

	usage    tokenUsage
	hasUsage bool

	// counter counts the output of a stream that ends without usage from
	// the text of its content events, which the stream keeps when collect
	// is set (textcount.go); nil: no fallback.
	counter *tokenCounter
	collect bool

	wd *watchdog // told of the first token; nil-safe
}

// event takes the arrival of any event at time now, before it is decoded.
func (t *tally) event(now int64) {
	if t.firstEvent == 0 {
		t.firstEvent = now
	}
}

// tokenUsage is a server's token accounting in the record's convention:
// input includes cached and cache-write tokens; output includes
// reasoning tokens. outputUnknown says the server has not reported the
// output yet (Anthropic's message_start carries a placeholder until
// message_delta), so output and reasoning are not counts.
type tokenUsage struct {
	input, output, cached, cacheWrite, reasoning int64
	outputUnknown                                bool
}

// content takes one content event at time now: output reports whether it
// carried non-reasoning output (reasoning alone counts for TTFT, not for
// TTFO). tokens is the output tokens the event carried, or -1 if the
// server did not say.
func (t *tally) content(now int64, output bool, tokens int64) {
	if t.lists == nil {
		t.lists = eventListPool.Get().(*eventLists)
	}
	l := t.lists
	// Per-chunk tokens exist only when every content event carries them
	// (vLLM continuous_usage_stats): one event without stops the list.
	if tokens >= 0 && len(l.tokens) == int(t.chunks) {
		l.tokens = append(l.tokens, int32(tokens))
	}
	t.chunks++
	if t.firstToken == 0 {
		t.firstToken = now
		t.wd.firstToken()
	}
	if output && t.firstOutput == 0 {
		t.firstOutput = now
	}
	if t.lastToken > 0 {
		l.gaps = append(l.gaps, now-t.lastToken)
	}
	t.lastToken = now
}

// eventLists are one stream's growing per-event lists. They are pooled:
// a stream appends to arrays an earlier stream grew, and fill copies
// exact-size lists out for the record, so a request allocates each list
// once instead of once per doubling.
type eventLists struct {
	gaps   []int64
	tokens []int32
	// text and reasoning are the content events' text, kept for the
	// tokenizer fallback (textcount.go).
	text, reasoning []byte
}

var eventListPool = sync.Pool{New: func() any { return new(eventLists) }}

// maxPooledEvents bounds the lists the pool keeps (256 KB of gaps).
const maxPooledEvents = 32 << 10

// release returns the lists to the pool; the record has its own copies.
func (t *tally) release() {
	l := t.lists
	if l == nil {
		return
	}
	t.lists = nil
	if cap(l.gaps) > maxPooledEvents || cap(l.tokens) > maxPooledEvents {
		return
	}
	l.gaps, l.tokens = l.gaps[:0], l.tokens[:0]
	if cap(l.text) > maxPooledText || cap(l.reasoning) > maxPooledText {
		l.text, l.reasoning = nil, nil
	}
	l.text, l.reasoning = l.text[:0], l.reasoning[:0]
	eventListPool.Put(l)
}

// setUsage keeps u as the stream's usage.
func (t *tally) setUsage(u tokenUsage) {
	t.usage, t.hasUsage = u, true
}

// fill copies the observations onto rec. Token counts come from the
// usage the server sent; without one, output tokens are counted by the
// tokenizer from the text the stream kept (textcount.go), else they are
// the content events (a lower bound when events carry several tokens),
// and input tokens an estimate of 4 bytes per token. A usage whose output
// was never reported gives the input only, and output tokens are counted
// as without usage.
func (t *tally) fill(rec *results.Record, req *workloads.Request) {
	rec.FirstEventNs = t.firstEvent
	rec.FirstTokenNs = t.firstToken
	rec.FirstOutputNs = t.firstOutput
	rec.LastTokenNs = t.lastToken
	rec.Chunks = t.chunks
	rec.FinishReason = t.finish
	if l := t.lists; l != nil {
		if len(l.gaps) > 0 {
			rec.ChunkGapsNs = slices.Clone(l.gaps)
		}
		if len(l.tokens) == int(t.chunks) {
			rec.ChunkTokens = slices.Clone(l.tokens)
		}
		lead := int64(0)
		if rec.HeadersNs > 0 && t.firstToken > 0 {
			lead = t.firstToken - rec.HeadersNs
		}
		rec.CoalescedChunks = coalescedChunks(lead, rec.ChunkGapsNs)
		rec.Coalesced = rec.CoalescedChunks > 0
	}
	rec.OutputTokens = int64(t.chunks)
	rec.OutputTokensSource = results.TokensFromChunks
	if !t.hasUsage {
		rec.InputTokens = int64(promptBytes(req)+3) / 4
		rec.InputTokensSource = results.TokensFromEstimate
		t.countOutput(rec)
		return
	}
	u := t.usage
	rec.InputTokens = u.input
	rec.CachedInputTokens, rec.CacheWriteInputTokens = u.cached, u.cacheWrite
	rec.InputTokensSource = results.TokensFromUsage
	if !u.outputUnknown {
		rec.OutputTokens, rec.ReasoningTokens = u.output, u.reasoning
		rec.OutputTokensSource = results.TokensFromUsage
		return
	}
	t.countOutput(rec)
}

// Coalescing thresholds; see coalescedChunks.
const (
	coalesceMinBurst  = 8    // content events in one burst
	coalesceBurstGap  = 1e6  // 1 ms: events closer than this arrived "at once"
	coalesceMinSilent = 20e6 // 20 ms: a silence shorter than this is never "long"
	coalesceFactor    = 5    // a long silence is this many medians
)

// coalescedChunks counts the content events that arrived in bursts after
// a long silence: the signature of a buffering proxy or a server that
// batches its writes, under which per-chunk timings measure the buffer,
// not the model. lead is the silence before the first content event
// (first token - headers; 0 if unknown); gaps are the gaps between
// content events.
//
// A burst is at least coalesceMinBurst consecutive events each within
// coalesceBurstGap of the one before, whose first event came after a
// silence longer than both coalesceMinSilent and coalesceFactor times the
// median gap:
//
//	silence > max(20 ms, 5 × median(gaps))   then ≥ 8 events, each < 1 ms apart
//
// A stream that is uniformly fast (a simulator at ITL 0, or a model
// faster than 1 ms per event) has no long silence and is not flagged; a
// stream whose whole answer arrives at once after a wait is (the wait is
// the lead).
func coalescedChunks(lead int64, gaps []int64) int32 {
	if len(gaps)+1 < coalesceMinBurst {
		return 0
	}
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	long := max(int64(coalesceMinSilent), coalesceFactor*sorted[len(sorted)/2])
	// silence[i] is the wait before event i: lead, then the gaps.
	silence := func(i int) int64 {
		if i == 0 {
			return lead
		}
		return gaps[i-1]
	}
	var n int32
	events := len(gaps) + 1
	for i := 0; i < events; {
		if silence(i) <= long {
			i++
			continue
		}
		j := i + 1 // the burst is events i..j-1
		for j < events && gaps[j-1] < coalesceBurstGap {
			j++
		}
		if j-i >= coalesceMinBurst {
			n += int32(j - i)
		}
		i = j
	}
	return n
}

// promptBytes is len(req.Text()) without building the text.
func promptBytes(req *workloads.Request) int {
	if len(req.Messages) == 0 {
		return len(req.Prompt)
	}
	n := len(req.Messages) - 1
	for _, m := range req.Messages {
		n += len(m.Content)
	}
	return n
}
