package results

import (
	"cmp"
	"slices"
)

// ErrorTally counts failed requests by error class and keeps one sample
// message per class, so a report (or a run's closing banner) can say not
// only "100 http_4xx" but what the server said: "404 The model `gtp-4o`
// does not exist".
//
// The sample of a class is the message of its earliest request (smallest
// sent_ns; a request without a message only when none has one; ties go to
// the smaller message), so it does not depend on the order rows are read
// in: parts read by several workers, or records fed live as they finish,
// give the same sample. The zero value is ready to use; it is not safe for
// concurrent use.
type ErrorTally struct {
	classes map[string]*classTally
}

type classTally struct {
	count  int64
	sample string
	sentNs int64
	has    bool // sample is a real message
	seen   bool // sentNs is set
}

// Add counts one failed request of class (empty: "unknown") sent at
// sentNs with its error message.
func (t *ErrorTally) Add(class, message string, sentNs int64) {
	if class == "" {
		class = "unknown"
	}
	c := t.class(class)
	c.count++
	c.offer(message, sentNs)
}

// class is the tally of one class, made on first use.
func (t *ErrorTally) class(name string) *classTally {
	if t.classes == nil {
		t.classes = map[string]*classTally{}
	}
	c := t.classes[name]
	if c == nil {
		c = &classTally{}
		t.classes[name] = c
	}
	return c
}

// offer takes message as the class's sample when it comes first by the
// rule of ErrorTally.
func (c *classTally) offer(message string, sentNs int64) {
	has := message != ""
	better := !c.seen ||
		has && !c.has ||
		has == c.has && (sentNs < c.sentNs || sentNs == c.sentNs && message < c.sample)
	if better {
		c.sample, c.sentNs, c.has, c.seen = message, sentNs, has, true
	}
}

// AddRecord counts rec when it failed (status neither ok nor canceled);
// which records count (warm-up or not) is the caller's choice.
func (t *ErrorTally) AddRecord(rec *Record) {
	if rec.Status == StatusOK || rec.Status == StatusCanceled {
		return
	}
	t.Add(rec.ErrorClass, rec.ErrorMessage, rec.SentNs)
}

// Merge adds o's counts and samples to t.
func (t *ErrorTally) Merge(o *ErrorTally) {
	for class, oc := range o.classes {
		c := t.class(class)
		c.count += oc.count
		if oc.seen {
			c.offer(oc.sample, oc.sentNs)
		}
	}
}

// ClassCount is the number of failed requests of one error class, with
// one of their error messages (see ErrorTally).
type ClassCount struct {
	Class string
	Count int64
	// Sample is the error message of the class's earliest request ("" when
	// none had one).
	Sample string
}

// Classes are the counts by class with their sample messages, most
// frequent first (ties by name).
func (t *ErrorTally) Classes() []ClassCount {
	out := make([]ClassCount, 0, len(t.classes))
	for class, c := range t.classes {
		out = append(out, ClassCount{Class: class, Count: c.count, Sample: c.sample})
	}
	slices.SortFunc(out, func(a, b ClassCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Class, b.Class))
	})
	return out
}
