package workloads

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestInspectMatchesReferenceTable checks inspect against the acceptance
// table of the reference data (shared/data/README.md, "Statistics of these
// files"): each number is formatted with as many decimals as the table
// gives and compared as text, so a change in the last printed digit fails.
func TestInspectMatchesReferenceTable(t *testing.T) {
	// file | rows | duration s | rate /s | CV | input mean / p50 / p99 | output mean / p50 / p99 | input sum | output sum
	table := []struct {
		file string
		row  string
	}{
		{"testdata/traces/azure2023/AzureLLMInferenceTrace_conv.first2000.csv",
			"2000 | 424.259457 | 4.711739 | 1.138331 | 1104.7825 / 1032 / 4100 | 264.9035 / 238 / 625 | 2209565 | 529807"},
		{"testdata/traces/mooncake/synthetic_trace.first2000.jsonl",
			"2000 | 532.806 | 3.751835 | 1.004171 | 12366.358 / 4174 / 56635 | 191.4755 / 152 / 776 | 24732716 | 382951"},
		{"testdata/traces/burstgpt/BurstGPT_3.first400.csv",
			"400 | 41453.0 | 0.009625 | 2.867112 | 617.3525 / 308 / 5866 | 170.875 / 101 / 862 | 246941 | 68350"},
	}
	for _, tc := range table {
		t.Run(tc.file, func(t *testing.T) {
			rr, err := OpenRows(tc.file, ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer rr.Close()
			s, err := Inspect(rr)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, cell := range strings.Split(tc.row, "|") {
				for _, v := range strings.Split(cell, "/") {
					want = append(want, strings.TrimSpace(v))
				}
			}
			got := []float64{float64(s.Rows), s.DurationS, s.RatePerS, s.CVInterarrival,
				s.InputTokens.Mean, float64(s.InputTokens.P50), float64(s.InputTokens.P99),
				s.OutputTokens.Mean, float64(s.OutputTokens.P50), float64(s.OutputTokens.P99),
				float64(s.InputTokens.Sum), float64(s.OutputTokens.Sum)}
			names := []string{"rows", "duration_s", "rate_per_s", "cv_interarrival", "input mean", "input p50", "input p99",
				"output mean", "output p50", "output p99", "input sum", "output sum"}
			if len(want) != len(got) {
				t.Fatalf("table row has %d numbers, want %d", len(want), len(got))
			}
			for i, w := range want {
				decimals := 0
				if _, frac, ok := strings.Cut(w, "."); ok {
					decimals = len(frac)
				}
				if g := strconv.FormatFloat(got[i], 'f', decimals, 64); g != w {
					t.Errorf("%s = %s, want %s (exact %v)", names[i], g, w, got[i])
				}
			}
		})
	}
}

func TestInspectBurstGPTCountsFailedAndSessions(t *testing.T) {
	rr, err := OpenRows("testdata/traces/burstgpt/BurstGPT_3.first400.csv", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	s, err := Inspect(rr)
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != FormatBurstGPT || s.FailedRows != 1 || s.Rows != 400 {
		t.Errorf("format %s rows %d failed %d, want burstgpt 400 1", s.Format, s.Rows, s.FailedRows)
	}
	if s.Sessions == 0 || s.Turns == 0 || s.Turns > s.Rows || s.MaxTurns < 2 {
		t.Errorf("sessions %d turns %d max %d: want sessions with several turns", s.Sessions, s.Turns, s.MaxTurns)
	}
}

func TestInspectMooncakePrefixReuse(t *testing.T) {
	in := "{\"timestamp\": 0, \"input_length\": 1100, \"output_length\": 5, \"hash_ids\": [1, 2, 3]}\n" +
		"{\"timestamp\": 0, \"input_length\": 1024, \"output_length\": 5, \"hash_ids\": [1, 2]}\n" +
		"{\"timestamp\": 10, \"input_length\": 600, \"output_length\": 5, \"hash_ids\": [7, 8]}\n"
	rr, err := NewRowReader(strings.NewReader(in), "t.jsonl", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Inspect(rr)
	if err != nil {
		t.Fatal(err)
	}
	p := s.PrefixReuse
	if p == nil || p.Blocks != 7 || p.UniqueBlocks != 5 || p.ReusedBlocks != 2 || p.RowsSharing != 1 {
		t.Fatalf("prefix reuse %+v, want 7 blocks, 5 unique, 2 reused, 1 row sharing", p)
	}
	if math.Abs(p.ReuseRatio-2.0/7) > 1e-12 {
		t.Errorf("reuse ratio %v, want 2/7", p.ReuseRatio)
	}
	// Gaps 0 and 0.01 s: mean 0.005, population sd 0.005, CV 1.
	if s.DurationS != 0.01 || math.Abs(s.CVInterarrival-1) > 1e-9 || math.Abs(s.RatePerS-200) > 1e-9 {
		t.Errorf("duration %v cv %v rate %v, want 0.01 1 200", s.DurationS, s.CVInterarrival, s.RatePerS)
	}
}

func TestLengthStatsNearestRank(t *testing.T) {
	tests := []struct {
		vals          []int
		p50, p90, p99 int
	}{
		{[]int{5}, 5, 5, 5},
		{[]int{1, 2}, 1, 2, 2},
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5, 9, 10},
		{[]int{3, 3, 3, 1}, 3, 3, 3},
	}
	for _, tc := range tests {
		counts := map[int]int64{}
		for _, v := range tc.vals {
			counts[v]++
		}
		ls := lengthStats(counts, len(tc.vals))
		if ls.P50 != tc.p50 || ls.P90 != tc.p90 || ls.P99 != tc.p99 {
			t.Errorf("%v: p50/p90/p99 = %d/%d/%d, want %d/%d/%d", tc.vals, ls.P50, ls.P90, ls.P99, tc.p50, tc.p90, tc.p99)
		}
	}
}

// TestInspectListsEveryBadLine: inspect reports every bad row at once, as
// a run's loader does, in any format.
func TestInspectListsEveryBadLine(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		lines    []string
	}{
		{"n.jsonl", "{\"prompt\":\"a\"}\n{\"prompt\":\n{\"prompt\":\"b\",\"max_tokens\":-1}\n{\"prompt\":\"c\"}\n{\"promt\":\"d\"}\n", []string{":2: ", ":3: ", ":5: "}},
		{"a.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,1,2\nbad,1,2\n2023-11-16 18:15:47,3,4\n2023-11-16 18:15:48,x,6\nsoon,1,1\n", []string{":3: ", ":5: ", ":6: "}},
	} {
		rr, err := NewRowReader(strings.NewReader(tc.in), tc.name, ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Inspect(rr)
		if err == nil {
			t.Fatalf("%s: bad rows accepted", tc.name)
		}
		for _, line := range tc.lines {
			if !strings.Contains(err.Error(), tc.name+line) {
				t.Errorf("%s: error lacks line %s\n%v", tc.name, line, err)
			}
		}
	}
}
