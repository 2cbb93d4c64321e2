package prices

import (
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	c := Default()
	toks, gs, err := c.Find("gpt-4o-mini", "openai", false)
	if err != nil || len(gs) != 0 || len(toks) == 0 || toks[0].Provider != "openai" {
		t.Fatalf("%v %v %v", toks, gs, err)
	}
	// A dated snapshot the search does not contain resolves by Lookup.
	toks, _, err = c.Find("gpt-4o-mini-2024-07-18", "openai", false)
	if err != nil || len(toks) != 1 || toks[0].Model != "gpt-4o-mini" {
		t.Errorf("snapshot name: %v %v", toks, err)
	}
	if _, _, err := c.Find("x", "opneai", false); err == nil || !strings.Contains(err.Error(), "unknown provider") {
		t.Errorf("unknown provider: %v", err)
	}
	toks, gs, err = c.Find("H100 aws", "", true)
	if err != nil || len(toks) != 0 || len(gs) == 0 {
		t.Errorf("gpus: %v %v %v", toks, gs, err)
	}
}

func TestParseGPUSpec(t *testing.T) {
	g, err := ParseGPUSpec("H100-SXM-80GB:2:aws-on-demand")
	if err != nil || g != (GPUSpec{Type: "H100-SXM-80GB", Count: 2, Offer: "aws-on-demand"}) || g.String() != "H100-SXM-80GB:2:aws-on-demand" {
		t.Errorf("%+v %v", g, err)
	}
	if g, err := ParseGPUSpec("A100:4"); err != nil || g.String() != "A100:4" {
		t.Errorf("%+v %v", g, err)
	}
	for _, bad := range []string{"", "H100", ":2", "H100:0", "H100:x", "a:1:b:c"} {
		if _, err := ParseGPUSpec(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
