package results

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestErrorTallySampleIsOrderFree feeds the same failures in many orders,
// record by record and split between two tallies merged, and gets the same
// counts and samples: the earliest request's message, a message preferred
// over none.
func TestErrorTallySampleIsOrderFree(t *testing.T) {
	recs := []Record{
		{Status: StatusError, ErrorClass: ErrClassHTTP4xx, ErrorMessage: "404 model \"gtp-4o\" not found", SentNs: 30},
		{Status: StatusError, ErrorClass: ErrClassHTTP4xx, ErrorMessage: "400 bad request", SentNs: 40},
		{Status: StatusError, ErrorClass: ErrClassHTTP4xx, ErrorMessage: "", SentNs: 10},
		{Status: StatusError, ErrorClass: ErrClassTimeout, ErrorMessage: "", SentNs: 5},
		{Status: StatusError, ErrorClass: "", ErrorMessage: "what", SentNs: 7},
		{Status: StatusOK, SentNs: 1},
		{Status: StatusCanceled, ErrorClass: ErrClassCanceled, ErrorMessage: "canceled", SentNs: 2},
	}
	want := []ClassCount{
		{Class: ErrClassHTTP4xx, Count: 3, Sample: "404 model \"gtp-4o\" not found"},
		{Class: ErrClassTimeout, Count: 1, Sample: ""},
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
	}
}
