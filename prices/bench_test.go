package prices

import (
	"bytes"
	"testing"
)

// BenchmarkLoad is the one-off cost of parsing the shipped catalogue (paid
// by the first Default call of a process).
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := load(shipped); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookupSnapshot(b *testing.B) {
	c := Default()
	for b.Loop() {
		if _, err := c.Lookup("anthropic", "claude-sonnet-4-20250514"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCost(b *testing.B) {
	u := Usage{Input: 250000, CachedInput: 50000, Output: 3000, Reasoning: 1000}
	var sum float64
	for b.Loop() {
		sum += sonnet.Cost(u)
	}
	_ = sum
}

func BenchmarkReadTokenCSV(b *testing.B) {
	data, _ := shipped.ReadFile("data/tokens.csv")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ReadTokenCSV(bytes.NewReader(data), "tokens.csv"); err != nil {
			b.Fatal(err)
		}
	}
}
