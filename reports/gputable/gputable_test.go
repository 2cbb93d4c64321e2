package gputable

import (
	"bytes"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/results"
)

// TestWrite: one line per GPU in index order, whatever the order of the
// samples; the max power and the limit come from the samples, a column
// no sample has prints "-", and the name comes last.
func TestWrite(t *testing.T) {
	f := results.F64
	rows := []results.GPUSample{
		{GPUIndex: 1, TsNs: 0, GPUName: "NVIDIA H100 80GB", UtilGPUPct: f(50), PowerW: f(300), PowerLimitW: f(700)},
		{GPUIndex: 0, TsNs: 0, GPUName: "NVIDIA A10"},
		{GPUIndex: 1, TsNs: 2e9, GPUName: "NVIDIA H100 80GB", UtilGPUPct: f(100), PowerW: f(500), PowerLimitW: f(700)},
	}
	var b bytes.Buffer
	Write(&b, rows)
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "gpu  samples  util_mean_pct") || !strings.HasSuffix(lines[0], "name") {
		t.Fatalf("table:\n%s", b.String())
	}
	f0, f1 := strings.Fields(lines[1]), strings.Fields(lines[2])
	if f0[0] != "0" || f0[1] != "1" || f0[2] != "-" || f0[6] != "-" || !strings.HasSuffix(lines[1], "NVIDIA A10") {
		t.Errorf("gpu 0: %q", lines[1])
	}
	// gpu samples util_mean util_max sm power_mean power_max limit energy src mem span name...
	if f1[0] != "1" || f1[1] != "2" || f1[3] != "100.0" || f1[6] != "500.0" || f1[7] != "700.0" || f1[11] != "2.0" || !strings.HasSuffix(lines[2], "NVIDIA H100 80GB") {
		t.Errorf("gpu 1: %q", lines[2])
	}
}
