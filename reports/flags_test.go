package reports

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestParseSLO(t *testing.T) {
	base := SLO{TTFT: time.Second}
	got, err := ParseSLO("tpot=50ms, E2E=2s", base)
	if err != nil || got != (SLO{TTFT: time.Second, TPOT: 50 * time.Millisecond, E2E: 2 * time.Second}) {
		t.Fatalf("ParseSLO = %+v, %v", got, err)
	}
	if s := got.String(); s != "ttft=1s,tpot=50ms,e2e=2s" {
		t.Errorf("String = %q", s)
	}
	// Every bad item is reported at once, and base is kept.
	got, err = ParseSLO("ttft=fast,p99=1s,tpot=-1ms,x", base)
	if err == nil || got != base {
		t.Fatalf("bad list: %+v, %v", got, err)
	}
	for _, want := range []string{`"ttft=fast": not a duration`, `unknown limit "p99"`, `"tpot=-1ms": must be positive`, `"x": want name=duration`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := ParseSLO(" , ", SLO{}); err == nil {
		t.Error("an empty list is an error")
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"7d":         now.Add(-7 * 24 * time.Hour),
		"2w":         now.Add(-14 * 24 * time.Hour),
		"1.5d":       now.Add(-36 * time.Hour),
		"90m":        now.Add(-90 * time.Minute),
		"2026-11-01": time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	} {
		s, err := ParseSince(in)
		if err != nil || !s.From(now).Equal(want) || s.Text != in {
			t.Errorf("ParseSince(%q) = %+v from %v, %v; want %v", in, s, s.From(now), err, want)
		}
	}
	for _, in := range []string{"", "d", "-3d", "0h", "soon", "NaNd"} {
		if _, err := ParseSince(in); err == nil {
			t.Errorf("ParseSince(%q) accepted", in)
		}
	}
	if !(Since{}).From(now).IsZero() {
		t.Error("the zero Since keeps any time")
	}
}

func TestOverridePrices(t *testing.T) {
	given := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	if p, err := OverridePrices(given(), 0, 0, 0, 0); p != nil || err != nil {
		t.Errorf("no flags: %v, %v", p, err)
	}
	p, err := OverridePrices(given("price-in", "price-out"), 2.5, 10, 0, 0)
	if err != nil || p.InputPer1M != 2.5 || p.OutputPer1M != 10 || p.Source != "command line" {
		t.Errorf("per-token: %+v, %v", p, err)
	}
	if p, err := OverridePrices(given("gpu-hourly"), 0, 0, 0, 5); err != nil || p.GPUHourly != 5 {
		t.Errorf("gpu-hourly: %+v, %v", p, err)
	}
	for name, g := range map[string]map[string]bool{
		"both kinds":     given("price-in", "price-out", "gpu-hourly"),
		"input only":     given("price-in"),
		"NaN price":      given("gpu-hourly"),
		"negative price": given("price-in", "price-out"),
	} {
		hourly, in := 1.0, 1.0
		switch name {
		case "NaN price":
			hourly = math.NaN()
		case "negative price":
			in = -1
		}
		if _, err := OverridePrices(g, in, 1, 0, hourly); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestEnergyPriceValidate(t *testing.T) {
	if err := (EnergyPrice{USDPerKWh: 0.12, PUE: 1.3}).Validate(); err != nil {
		t.Errorf("valid: %v", err)
	}
	for _, p := range []EnergyPrice{{USDPerKWh: math.NaN(), PUE: 1}, {USDPerKWh: -1, PUE: 1}, {USDPerKWh: 1e300, PUE: 1}, {PUE: 0.5}, {PUE: math.Inf(1)}} {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}
