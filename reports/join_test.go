package reports

import (
	"reflect"
	"testing"

	"github.com/inferbench/inferbench/results"
)

// TestServerState: requests take the queue depth and KV usage last
// scraped before they were sent (sample-and-hold), land in their bands
// with their TTFT, and count as having waited when the queue was not
// empty; a request sent before the first scrape has no state.
func TestServerState(t *testing.T) {
	w := func(ts int64, v float64) results.ServerMetricSample {
		return results.ServerMetricSample{TsNs: ts, Canonical: results.CanonWaiting, Value: v, Source: "u"}
	}
	kv := func(ts int64, v float64) results.ServerMetricSample {
		return results.ServerMetricSample{TsNs: ts, Canonical: results.CanonKVUsage, Value: v, Source: "u"}
	}
	run := NewRunData("", &results.Manifest{RunID: "r", StopReason: results.StopCompleted})
	run.Server = []results.ServerMetricSample{w(100, 0), w(200, 3), w(300, 0), kv(100, 0.1), kv(200, 0.95), kv(300, 0.3)}
	ok := func(sent, ttft int64) *results.Record {
		r := &results.Record{Status: results.StatusOK, SentNs: sent, FirstTokenNs: sent + ttft, LastTokenNs: sent + ttft + 5, DoneNs: sent + ttft + 6, OutputTokens: 2}
		r.Derive()
		return r
	}
	for _, r := range []*results.Record{ok(50, 7), ok(150, 10), ok(250, 100), ok(260, 120), ok(350, 20)} {
		run.Add(r)
	}
	fail := &results.Record{SentNs: 270, DoneNs: 280}
	fail.SetError(results.ErrClassTimeout, "")
	run.Add(fail)

	st := Summarize(run, Options{}).ServerState
	want := &ServerState{Requests: 5, Waited: 3,
		ByQueue: []StateBand{{"0", 2, 10, 20}, {"2-3", 2, 100, 120}},
		ByKV:    []StateBand{{"<25%", 1, 10, 10}, {"25-50%", 1, 20, 20}, {">=90%", 2, 100, 120}}}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("server state\n %+v\nwant\n %+v", st, want)
	}
	// The joiner gives each request the state at send and the most it
	// met in flight.
	l := NewJoiner(nil, run.Server).Request(3, 150, 260)
	if *l.WaitingAtSend != 0 || *l.MaxWaiting != 3 || *l.KVUsageAtSend != 0.1 || *l.MaxKVUsage != 0.95 || l.RunningAtSend != nil {
		t.Errorf("joined %+v", l)
	}
}
