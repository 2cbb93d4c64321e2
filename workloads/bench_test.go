package workloads

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// writeAzureTrace writes an Azure 2023-style trace of n rows (CRLF, 7
// fractional digits, no final newline) and returns its path.
func writeAzureTrace(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "azure_1m.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("TIMESTAMP,ContextTokens,GeneratedTokens")
	t := time.Date(2023, 11, 16, 18, 15, 46, 0, time.UTC)
	for i := range n {
		t = t.Add(time.Duration(100+(i*7919)%400000) * time.Microsecond)
		fmt.Fprintf(w, "\r\n%s.%07d,%d,%d", t.Format("2006-01-02 15:04:05"), t.Nanosecond()/100, 1+(i*31)%8000, 1+(i*17)%1000)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return path
}

// peakHeap samples the live heap until stop is called and returns the
// highest value seen, in bytes.
func peakHeap() (stop func() uint64) {
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	runtime.GC()
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// vmHWM is the process's peak resident set size from /proc (Linux), or 0.
func vmHWM() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkInspectAzure1M streams a generated 1,000,000-row Azure trace
// (about 40 MB) through Inspect and reports the peak live heap: it stays
// a few megabytes because rows are never held, only value counts.
func BenchmarkInspectAzure1M(b *testing.B) {
	const rows = 1_000_000
	path := writeAzureTrace(b, rows)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		stop := peakHeap()
		rr, err := OpenRows(path, ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		s, err := Inspect(rr)
		rr.Close()
		if err != nil || s.Rows != rows {
			b.Fatalf("rows %d, err %v", s.Rows, err)
		}
		peak = max(peak, stop())
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(vmHWM())/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadAzure100k streams a 100,000-row trace (mean input 4,000
// tokens) through Open, prompt synthesis with cl100k_base included,
// without keeping the requests.
func BenchmarkReadAzure100k(b *testing.B) {
	const rows = 100_000
	path := writeAzureTrace(b, rows)
	b.ResetTimer()
	var peak uint64
	var tokens int64
	for b.Loop() {
		stop := peakHeap()
		r, err := Open(path, ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		tokens = 0
		for {
			req, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
			tokens += int64(req.InputTokens)
		}
		r.Close()
		if n != rows {
			b.Fatalf("%d requests", n)
		}
		peak = max(peak, stop())
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkLoadMooncake2000 loads the 2,000-row Mooncake sample (mean
// 12,366 input tokens) with prompt synthesis: hash blocks are cached.
func BenchmarkLoadMooncake2000(b *testing.B) {
	for _, tok := range []string{"cl100k_base", "o200k_base"} {
		b.Run(tok, func(b *testing.B) {
			for b.Loop() {
				reqs, err := loadReqs("testdata/traces/mooncake/synthetic_trace.first2000.jsonl", ImportOptions{Tokenizer: tok})
				if err != nil || len(reqs) != 2000 {
					b.Fatal(err)
				}
			}
		})
	}
}
