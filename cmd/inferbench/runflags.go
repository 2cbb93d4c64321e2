package main

import (
	"fmt"
	"strconv"
	"strings"
)

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
