package main

import (
	"fmt"
	"strconv"
	"strings"
)

// rateFlag is a request rate: "5/s", "300/m", "2/h" or a bare number (per
// second).
type rateFlag struct {
	perSec float64
	text   string
}

func (r *rateFlag) String() string { return r.text }

func (r *rateFlag) Set(s string) error {
	num, unit, found := strings.Cut(strings.TrimSpace(s), "/")
	per := 1.0
	if found {
		switch unit {
		case "s", "sec", "1s":
			per = 1
		case "m", "min", "1m":
			per = 60
		case "h", "1h":
			per = 3600
		default:
			return fmt.Errorf("unit %q: want /s, /m or /h", unit)
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 {
		return fmt.Errorf("%q: want a positive rate such as 5/s, 300/m or 2.5", s)
	}
	r.perSec, r.text = v/per, s
	return nil
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
	if err != nil || v*scale < 0 || v*scale > 1 {
		return fmt.Errorf("%q: want a percentage like 2%% or a fraction like 0.02", s)
	}
	*f = fractionFlag(v * scale)
	return nil
}
