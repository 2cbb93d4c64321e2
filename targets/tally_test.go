package targets

import (
	"slices"
	"testing"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

func TestCoalescedChunks(t *testing.T) {
	ms := int64(1e6)
	even := func(n int, gap int64) []int64 {
		g := make([]int64, n)
		for i := range g {
			g[i] = gap
		}
		return g
	}
	join := func(parts ...[]int64) []int64 {
		var out []int64
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name string
		lead int64
		gaps []int64
		want int32
	}{
		{"steady 20ms stream", 50 * ms, even(30, 20*ms), 0},
		{"uniformly instant (simulator at ITL 0)", 0, even(30, 0), 0},
		{"whole answer at once after a wait", 800 * ms, even(29, 10_000), 30},
		{"a burst of 10 after a 1s silence mid-stream", 50 * ms, join(even(10, 20*ms), []int64{1000 * ms}, even(9, 10_000), even(10, 20*ms)), 10},
		{"a burst of 7 is too short", 50 * ms, join(even(10, 20*ms), []int64{1000 * ms}, even(6, 10_000), even(10, 20*ms)), 0},
		{"long silence then normal pace is a stall, not coalescing", 50 * ms, join(even(10, 20*ms), []int64{1000 * ms}, even(10, 20*ms)), 0},
		{"silence under 20ms never counts", 5 * ms, join(even(10, 1*ms/2), []int64{15 * ms}, even(9, 10_000)), 0},
		{"too few chunks", 800 * ms, even(5, 0), 0},
		{"two bursts", 800 * ms, join(even(9, 0), []int64{900 * ms}, even(9, 0)), 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := coalescedChunks(tt.lead, tt.gaps); got != tt.want {
				t.Errorf("coalescedChunks = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestTallyChunkTokens checks that per-chunk token counts are kept only
// when every content event carried one: a gap anywhere drops them all,
// even when later events carry counts again.
func TestTallyChunkTokens(t *testing.T) {
	tests := []struct {
		name   string
		tokens []int64
		want   []int32
	}{
		{"every event counted", []int64{2, 0, 3}, []int32{2, 0, 3}},
		{"first event uncounted", []int64{-1, 1, 1}, nil},
		{"middle event uncounted", []int64{2, -1, 3}, nil},
		{"last event uncounted", []int64{2, 1, -1}, nil},
		{"no events", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tl tally
			for i, n := range tt.tokens {
				tl.content(int64(i+1), true, n)
			}
			var rec results.Record
			tl.fill(&rec, &workloads.Request{})
			if !slices.Equal(rec.ChunkTokens, tt.want) || (tt.want == nil) != (rec.ChunkTokens == nil) {
				t.Errorf("ChunkTokens = %v, want %v", rec.ChunkTokens, tt.want)
			}
			if rec.Chunks != int32(len(tt.tokens)) {
				t.Errorf("Chunks = %d, want %d", rec.Chunks, len(tt.tokens))
			}
		})
	}
}
