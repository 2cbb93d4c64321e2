package prices

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// commentLines returns the leading "# " lines of a catalogue file.
func commentLines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() && strings.HasPrefix(sc.Text(), "# ") {
		out = append(out, strings.TrimPrefix(sc.Text(), "# "))
	}
	return out
}

// Reading the shipped files and writing them back gives the same bytes:
// the generator and the reader agree on the format, and every price reads
// back as the same float64.
func TestShippedCSVRoundTrip(t *testing.T) {
	for _, name := range []string{"data/tokens.csv", "data/gpus.csv"} {
		b, err := shipped.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if name == "data/tokens.csv" {
			ts, err := ReadTokenCSV(bytes.NewReader(b), name)
			if err != nil {
				t.Fatal(err)
			}
			err = WriteTokenCSV(&buf, commentLines(b), ts)
			if err != nil {
				t.Fatal(err)
			}
		} else {
			gs, err := ReadGPUCSV(bytes.NewReader(b), name)
			if err != nil {
				t.Fatal(err)
			}
			if err := WriteGPUCSV(&buf, commentLines(b), gs); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(buf.Bytes(), b) {
			t.Errorf("%s does not survive a read/write round trip", name)
		}
	}
}

const tokenHeader = "provider,model,aliases,input_per_1m,cached_input_per_1m,cache_write_per_1m,output_per_1m,tier_above_input_tokens,tier_input_per_1m,tier_cached_input_per_1m,tier_cache_write_per_1m,tier_output_per_1m,checked_at,source,source_url,notes\n"

func TestReadTokenCSVErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"bad header", "provider,model\n", "t.csv:1: header is"},
		{"bad price", tokenHeader + "# c\nopenai,gpt,,x,,,1,,,,,,2026-01-01,s,,\n", "t.csv:3: input price \"x\""},
		{"missing output", tokenHeader + "openai,gpt,,1,,,,,,,,,2026-01-01,s,,\n", "t.csv:2: output price is missing"},
		{"negative", tokenHeader + "openai,gpt,,1,-2,,1,,,,,,2026-01-01,s,,\n", "t.csv:2: cached input price \"-2\""},
		{"tier without threshold", tokenHeader + "openai,gpt,,1,,,1,,2,,,3,2026-01-01,s,,\n", "t.csv:2: tier prices without"},
		{"bad threshold", tokenHeader + "openai,gpt,,1,,,1,lots,2,,,3,2026-01-01,s,,\n", "t.csv:2: tier_above_input_tokens"},
		{"few fields", tokenHeader + "openai,gpt\n", "t.csv:2: wrong number of fields"},
	}
	for _, tt := range tests {
		_, err := ReadTokenCSV(strings.NewReader(tt.body), "t.csv")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestReadTokenCSVTier(t *testing.T) {
	body := tokenHeader + "google,g,a|b,1.25,0.125,,10,200000,2.5,0.25,,15,2026-01-01,s,u,n\n"
	ts, err := ReadTokenCSV(strings.NewReader(body), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	p := ts[0]
	if p.CacheWritePer1M != nil || *p.CachedInputPer1M != 0.125 || len(p.Aliases) != 2 {
		t.Errorf("parsed %+v", p)
	}
	if lc := p.LongContext; lc == nil || lc.AboveInputTokens != 200000 || lc.InputPer1M != 2.5 || *lc.CachedInputPer1M != 0.25 || lc.OutputPer1M != 15 {
		t.Errorf("tier %+v", p.LongContext)
	}
}

func TestReadGPUCSVErrors(t *testing.T) {
	h := "gpu,offer,aliases,provider,pricing,sku,gpus_per_instance,usd_per_gpu_hour,region,checked_at,source,source_url,notes\n"
	for body, want := range map[string]string{
		h + "H100,aws,,aws,on-demand,p5,8,0,,2026-01-01,s,,\n":    "g.csv:2: usd_per_gpu_hour 0 is not a price",
		h + "H100,aws,,aws,on-demand,p5,x,6.88,,2026-01-01,s,,\n": "g.csv:2: gpus_per_instance",
		h + ",aws,,aws,on-demand,p5,8,6.88,,2026-01-01,s,,\n":     "g.csv:2: gpu and offer are required",
	} {
		_, err := ReadGPUCSV(strings.NewReader(body), "g.csv")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
}

func FuzzReadTokenCSV(f *testing.F) {
	f.Add(tokenHeader + "openai,gpt,,1,,,1,,,,,,2026-01-01,s,,\n")
	f.Add(tokenHeader + "google,g,a|b,1.25,0.125,,10,200000,2.5,0.25,,15,2026-01-01,s,u,n\n")
	f.Add(tokenHeader + "x,\"y,z\",,1e308,,,NaN,,,,,,d,s,,\n")
	f.Add("# only a comment\n")
	f.Fuzz(func(t *testing.T, body string) {
		ts, err := ReadTokenCSV(strings.NewReader(body), "f.csv")
		if err != nil {
			return
		}
		// Whatever parses must validate and round-trip.
		var buf bytes.Buffer
		if err := WriteTokenCSV(&buf, nil, ts); err != nil {
			t.Fatal(err)
		}
		again, err := ReadTokenCSV(&buf, "again.csv")
		if err != nil || len(again) != len(ts) {
			t.Fatalf("round trip: %v (%d vs %d rows)", err, len(again), len(ts))
		}
	})
}
