package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{"ttft.p95", "ttft.p95", 0},
		{"ttft.p59", "ttft.p95", 2},
		{"flaw", "lawn", 2},
		{"gpt-4o", "gpt4o", 1},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (not symmetric)", c.b, c.a, got, c.want)
		}
	}
}

func TestClosest(t *testing.T) {
	names := []string{"ttft.p50", "ttft.p95", "tpot.p95", "error_rate", "goodput.fraction"}
	for _, c := range []struct {
		name string
		want string
		ok   bool
	}{
		{"tpot.p59", "tpot.p95", true}, // transposition: 2 edits
		{"ttft.p96", "ttft.p95", true},
		{"TTFT.P95", "ttft.p95", true},    // case does not count
		{"eror_rate", "error_rate", true}, // one deletion
		{"goodput.fracton", "goodput.fraction", true},
		{"ttft.p5", "ttft.p50", true}, // ties: the first given wins (p50 before p95)
		{"throughput", "", false},     // nothing near
		{"x", "", false},
	} {
		got, ok := Closest(c.name, names)
		if got != c.want || ok != c.ok {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", c.name, got, ok, c.want, c.ok)
		}
	}
	if got, ok := Closest("anything", nil); ok || got != "" {
		t.Errorf("Closest with no candidates = %q, %v", got, ok)
	}
}

func TestMaxEdits(t *testing.T) {
	for name, want := range map[string]int{"": 2, "ab": 2, "ttft.p95": 2, "goodput.fraction": 5} {
		if got := MaxEdits(name); got != want {
			t.Errorf("MaxEdits(%q) = %d, want %d", name, got, want)
		}
	}
}
