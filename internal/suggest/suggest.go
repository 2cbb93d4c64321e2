// Package suggest finds the name someone probably meant when they typed
// one that does not exist: the "did you mean ttft.p95?" of an unknown
// metric, model, flag or key. It owns the edit distance used for that
// and imports only the standard library, so any package may use it.
package suggest

import "strings"

// Distance is the Levenshtein edit distance between a and b: the fewest
// single-byte insertions, deletions and substitutions that turn one into
// the other. Names are compared byte by byte, which is exact for the ASCII
// names this is meant for.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// MaxEdits is the most edits a suggestion may be away from name: a third
// of its length, and at least 2, so a typo or two in a short name is still
// caught while a long name is not "corrected" into an unrelated one.
func MaxEdits(name string) int { return max(2, len(name)/3) }

// Closest returns the candidate nearest to name by Distance, compared
// without regard to case, and true when it is at most MaxEdits(name)
// edits away. Of equally near candidates the first given wins, so a
// caller that lists its names in a fixed order gets a fixed answer.
func Closest(name string, candidates []string) (string, bool) {
	n := strings.ToLower(name)
	best, bestD := "", -1
	for _, c := range candidates {
		if d := Distance(n, strings.ToLower(c)); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > MaxEdits(name) {
		return "", false
	}
	return best, true
}
