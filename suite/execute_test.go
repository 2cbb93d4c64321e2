package suite

import (
	"slices"
	"testing"

	"github.com/inferbench/inferbench/bench"
)

// TestOutcomeFailed: the runs that failed although they ran, in order;
// none is nil.
func TestOutcomeFailed(t *testing.T) {
	o := &Outcome{Runs: []bench.Outcome{{RunID: "a"}, {RunID: "b", Failure: &bench.Failure{}}, {RunID: "c"}, {RunID: "d", Failure: &bench.Failure{}}}}
	if got := o.Failed(); !slices.Equal(got, []string{"b", "d"}) {
		t.Errorf("Failed() = %q, want b, d", got)
	}
	if got := (&Outcome{Runs: o.Runs[:1]}).Failed(); got != nil {
		t.Errorf("Failed() = %q, want none", got)
	}
}
