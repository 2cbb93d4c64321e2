package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/inferbench/inferbench/workloads"
)

// rateFlag is a request rate as workloads.ParseRate reads it ("5/s",
// "300/m", "2/h" or a bare number per second), with the text given.
type rateFlag struct {
	perSec float64
	text   string
}

func (r *rateFlag) String() string { return r.text }

func (r *rateFlag) Set(s string) error {
	v, err := workloads.ParseRate(s)
	if err != nil {
		return err
	}
	r.perSec, r.text = v, s
	return nil
}

// rateList is --rate: one rate, or a comma-separated ladder of rates for a
// sweep ("1/s,2/s,4/s"). A repeated flag replaces the list.
type rateList []rateFlag

func (l *rateList) String() string {
	if l == nil {
		return ""
	}
	s := make([]string, len(*l))
	for i, r := range *l {
		s[i] = r.text
	}
	return strings.Join(s, ",")
}

func (l *rateList) Set(s string) error {
	var out rateList
	for part := range strings.SplitSeq(s, ",") {
		var r rateFlag
		if err := r.Set(strings.TrimSpace(part)); err != nil {
			return err
		}
		out = append(out, r)
	}
	*l = out
	return nil
}

// intList is --concurrency: one level, or a comma-separated ladder
// ("1,2,4,8"). Every level must be > 0.
type intList []int

func (l *intList) String() string {
	if l == nil {
		return ""
	}
	s := make([]string, len(*l))
	for i, n := range *l {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func (l *intList) Set(s string) error {
	var out intList
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n <= 0 {
			return fmt.Errorf("%q: want a positive number of virtual users, or a list such as 1,2,4,8", part)
		}
		out = append(out, n)
	}
	*l = out
	return nil
}

// shardFlag is --shard I/N (workloads.ParseShard).
type shardFlag struct{ workloads.Shard }

func (s *shardFlag) Set(v string) (err error) {
	s.Shard, err = workloads.ParseShard(v)
	return err
}

// optFloat is a float flag that knows whether it was given, so 0 can be
// sent explicitly.
type optFloat struct {
	v   float64
	set bool
}

func (o *optFloat) String() string {
	if !o.set {
		return ""
	}
	return strconv.FormatFloat(o.v, 'g', -1, 64)
}

func (o *optFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", s)
	}
	o.v, o.set = v, true
	return nil
}

// fractionFlag is a share from 0 to 1 given as a percentage (2%, 90%) or a
// fraction (0.02, 0.9); compare's --min-effect and report's
// --slo-attainment use it.
type fractionFlag float64

func (f *fractionFlag) String() string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(float64(*f)*100, 'g', -1, 64) + "%"
}

func (f *fractionFlag) Set(s string) error {
	s = strings.TrimSpace(s)
	scale := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, scale = t, 0.01
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v*scale >= 0 && v*scale <= 1) { // NaN too
		return fmt.Errorf("%q: want a percentage like 2%% or a fraction like 0.02", s)
	}
	*f = fractionFlag(v * scale)
	return nil
}
