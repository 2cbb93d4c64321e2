package reports

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/inferbench/inferbench/results"
)

// TestErrorTallySampleIsOrderFree feeds the same failures in many orders,
// record by record and split between two tallies merged, and gets the same
// counts and samples: the earliest request's message, a message preferred
// over none.
func TestErrorTallySampleIsOrderFree(t *testing.T) {
	recs := []results.Record{
		{Status: results.StatusError, ErrorClass: results.ErrClassHTTP4xx, ErrorMessage: "404 model \"gtp-4o\" not found", SentNs: 30},
		{Status: results.StatusError, ErrorClass: results.ErrClassHTTP4xx, ErrorMessage: "400 bad request", SentNs: 40},
		{Status: results.StatusError, ErrorClass: results.ErrClassHTTP4xx, ErrorMessage: "", SentNs: 10},
		{Status: results.StatusError, ErrorClass: results.ErrClassTimeout, ErrorMessage: "", SentNs: 5},
		{Status: results.StatusError, ErrorClass: "", ErrorMessage: "what", SentNs: 7},
		{Status: results.StatusOK, SentNs: 1},
		{Status: results.StatusCanceled, ErrorClass: results.ErrClassCanceled, ErrorMessage: "canceled", SentNs: 2},
	}
	want := []ClassCount{
		{Class: results.ErrClassHTTP4xx, Count: 3, Sample: "404 model \"gtp-4o\" not found"},
		{Class: results.ErrClassTimeout, Count: 1, Sample: ""},
		{Class: "unknown", Count: 1, Sample: "what"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
		var a, b ErrorTally
		cut := trial % (len(recs) + 1)
		for i := range recs {
			if i < cut {
				a.AddRecord(&recs[i])
			} else {
				b.AddRecord(&recs[i])
			}
		}
		a.Merge(&b)
		if got := a.Classes(); !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: %+v, want %+v", trial, got, want)
		}
		if a.Total() != 5 {
			t.Fatalf("total %d", a.Total())
		}
	}
}
