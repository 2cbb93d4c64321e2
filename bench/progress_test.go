package bench

import (
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
)

func TestProgressCounts(t *testing.T) {
	var p Progress
	p.Begin(Started{Start: time.Now(), Planned: 5})
	for _, r := range []results.Record{
		{Status: results.StatusOK, Warmup: true, OutputTokens: 3},
		{Status: results.StatusOK, OutputTokens: 4},
		{Status: results.StatusError, ErrorClass: results.ErrClassOther},
		{Status: results.StatusCanceled, Warmup: true},
	} {
		p.Observe(&r)
	}
	s := p.Snapshot()
	if s.Planned != 5 || s.Done != 4 || s.OK != 2 || s.Errors != 1 || s.Canceled != 1 || s.Warmup != 2 ||
		s.OutputTokens != 7 || s.LastError != results.ErrClassOther {
		t.Errorf("snapshot %+v", s)
	}
}
