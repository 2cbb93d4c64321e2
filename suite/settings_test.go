package suite

import (
	"flag"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestSettings checks the table: IDs unique, keys unique in their block,
// every field a type a flag or a key can read, and every field distinct.
func TestSettings(t *testing.T) {
	r := NewRun()
	ids, keys, fields := map[string]bool{}, map[string]bool{}, map[string]string{}
	for _, s := range Settings {
		if ids[s.ID()] {
			t.Errorf("setting %q twice", s.ID())
		}
		ids[s.ID()] = true
		if s.Key != "" {
			bk := s.Block + "." + s.Key
			if keys[bk] {
				t.Errorf("key %s twice", bk)
			}
			keys[bk] = true
		}
		if (s.Key == "") != (s.Block == "") || s.Usage == "" {
			t.Errorf("%s: key %q block %q usage %q", s.ID(), s.Key, s.Block, s.Usage)
		}
		f := s.Field(&r)
		switch f.(type) {
		case *string, *int, *int64, *uint64, *bool, *float64, *time.Duration, flag.Value:
		default:
			t.Errorf("%s: a %T is neither a flag nor a key", s.ID(), f)
		}
		p := reflect.ValueOf(f)
		if w, ok := f.(interface{ ptr() any }); ok {
			p = reflect.ValueOf(w.ptr())
		}
		addr := fmt.Sprintf("%s@%x", p.Type(), p.Pointer())
		if prev, dup := fields[addr]; dup {
			t.Errorf("%s and %s read the same field", s.ID(), prev)
		}
		fields[addr] = s.ID()
	}
}

func TestRates(t *testing.T) {
	for in, want := range map[string]float64{"5/s": 5, "300/m": 5, "7200/h": 2, "2.5": 2.5} {
		var r Rates
		if err := r.Set(in); err != nil || len(r) != 1 || r[0].PerSec != want || r.String() != in {
			t.Errorf("%q: %v %v, want %v", in, r, err, want)
		}
	}
	var l Rates
	if err := l.Set("1/s, 2/s,4/s"); err != nil || len(l) != 3 || l[2].PerSec != 4 {
		t.Errorf("list: %v %v", l, err)
	}
	for _, bad := range []string{"", "0", "-1/s", "5/d", "x/s", "1/s,x"} {
		var r Rates
		if err := r.Set(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	var c Levels
	if err := c.Set("1,2, 8"); err != nil || c.String() != "1,2,8" {
		t.Errorf("levels: %v %v", c, err)
	}
	for _, bad := range []string{"0", "1,-2", "x", ""} {
		if err := c.Set(bad); err == nil {
			t.Errorf("levels %q accepted", bad)
		}
	}
}

// TestCopySetting copies every target setting given over a targets
// file's entry, even a zero.
func TestCopySetting(t *testing.T) {
	src, dst := NewRun(), NewRun()
	dst.Target.Spec.Retries.Max, dst.Target.Spec.Model = 3, "file-model"
	temp := 0.0
	src.Target.Spec.Temperature = &temp
	for _, id := range []string{"retries", "temperature"} {
		s, _ := lookupSetting(id)
		copySetting(s, &dst, &src)
	}
	if dst.Target.Spec.Retries.Max != 0 || dst.Target.Spec.Temperature == nil || *dst.Target.Spec.Temperature != 0 || dst.Target.Spec.Model != "file-model" {
		t.Errorf("spec after copy: %+v", dst.Target.Spec)
	}
}
