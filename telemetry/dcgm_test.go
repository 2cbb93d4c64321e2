package telemetry

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/results"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dcgmSampleText is dcgm-exporter output for two GPUs (shape as served by
// dcgm-exporter 4.x with the default counters plus SM_ACTIVE).
const dcgmSampleText = `# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).
# TYPE DCGM_FI_DEV_SM_CLOCK gauge
DCGM_FI_DEV_SM_CLOCK{gpu="0",UUID="GPU-aaaa",pci_bus_id="00000000:18:00.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node1",DCGM_FI_DRIVER_VERSION="570.86.15"} 1980
DCGM_FI_DEV_SM_CLOCK{gpu="1",UUID="GPU-bbbb",pci_bus_id="00000000:2A:00.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="node1",DCGM_FI_DRIVER_VERSION="570.86.15"} 1755
# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
# TYPE DCGM_FI_DEV_POWER_USAGE gauge
DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-aaaa",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 645.25
DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-bbbb",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 120.5
# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).
# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-aaaa",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 987654321012
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="1",UUID="GPU-bbbb",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 12345
# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
# TYPE DCGM_FI_DEV_GPU_UTIL gauge
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-aaaa",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 100
DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-bbbb",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 0
# HELP DCGM_FI_DEV_FB_FREE Framebuffer memory free (in MiB).
# TYPE DCGM_FI_DEV_FB_FREE gauge
DCGM_FI_DEV_FB_FREE{gpu="0",UUID="GPU-aaaa",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 1000
# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).
# TYPE DCGM_FI_DEV_FB_USED gauge
DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-aaaa",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 79000
# HELP DCGM_FI_DEV_FB_RESERVED Framebuffer memory reserved (in MiB).
# TYPE DCGM_FI_DEV_FB_RESERVED gauge
DCGM_FI_DEV_FB_RESERVED{gpu="0",UUID="GPU-aaaa",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 559
# HELP DCGM_FI_PROF_SM_ACTIVE The ratio of cycles an SM has at least 1 warp assigned.
# TYPE DCGM_FI_PROF_SM_ACTIVE gauge
DCGM_FI_PROF_SM_ACTIVE{gpu="0",UUID="GPU-aaaa",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 0.815
# HELP DCGM_FI_PROF_PIPE_TENSOR_ACTIVE Ratio of cycles the tensor (HMMA) pipe is active.
# TYPE DCGM_FI_PROF_PIPE_TENSOR_ACTIVE gauge
DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{gpu="0",UUID="GPU-aaaa",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 0.25
# HELP DCGM_FI_PROF_DRAM_ACTIVE Ratio of cycles the device memory interface is active sending or receiving data.
# TYPE DCGM_FI_PROF_DRAM_ACTIVE gauge
DCGM_FI_PROF_DRAM_ACTIVE{gpu="0",UUID="GPU-aaaa",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 0.5
# HELP DCGM_FI_DEV_XID_ERRORS Value of the last XID error encountered.
# TYPE DCGM_FI_DEV_XID_ERRORS gauge
DCGM_FI_DEV_XID_ERRORS{gpu="0",UUID="GPU-aaaa",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="node1"} 0
`

func TestGPUFromDCGM(t *testing.T) {
	rows, err := ParseText([]byte(dcgmSampleText), "http://10.0.0.5:9400/metrics")
	if err != nil {
		t.Fatal(err)
	}
	gpus := GPUFromDCGM(rows)
	if len(gpus) != 2 {
		t.Fatalf("got %d GPUs, want 2", len(gpus))
	}
	a, b := gpus[0], gpus[1]
	if a.GPUUUID != "GPU-aaaa" || a.GPUIndex != 0 || a.GPUName != "NVIDIA H100 80GB HBM3" || a.Host != "node1" ||
		a.Source != results.GPUSourceDCGM || a.SourceURL != "http://10.0.0.5:9400/metrics" {
		t.Errorf("identity = %+v", a)
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"sm_clock", float64(i64(a.SMClockMHz)), 1980},
		{"power", f64(a.PowerW), 645.25},
		{"energy", float64(i64(a.EnergyMJ)), 987654321012},
		{"util", f64(a.UtilGPUPct), 100},
		{"mem_used", float64(i64(a.MemUsedBytes)), 79000 << 20},
		{"mem_total = free+used+reserved", float64(i64(a.MemTotalBytes)), 80559 << 20},
		{"sm_active ratio -> pct", f64(a.SMActivePct), 81.5},
		{"tensor", f64(a.TensorActivePct), 25},
		{"dram", f64(a.DRAMActivePct), 50},
		{"gpu1 util 0 is a value, not NULL", f64(b.UtilGPUPct), 0},
		{"gpu1 sm_active absent -> NULL", f64(b.SMActivePct), -1},
		{"gpu1 memory absent -> NULL", float64(i64(b.MemTotalBytes)), -1},
		{"power limit not exposed -> NULL", f64(a.PowerLimitW), -1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestGPUFromDCGMMIG(t *testing.T) {
	text := `# TYPE DCGM_FI_DEV_GPU_UTIL gauge
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-m",modelName="NVIDIA A100-SXM4-80GB",GPU_I_PROFILE="3g.40gb",GPU_I_ID="1"} 30
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-m",modelName="NVIDIA A100-SXM4-80GB",GPU_I_PROFILE="3g.40gb",GPU_I_ID="2"} 70
`
	rows, err := ParseText([]byte(text), "u")
	if err != nil {
		t.Fatal(err)
	}
	g := GPUFromDCGM(rows)
	if len(g) != 2 || g[0].GPUUUID == g[1].GPUUUID || f64(g[0].UtilGPUPct)+f64(g[1].UtilGPUPct) != 100 ||
		g[0].GPUName != "NVIDIA A100-SXM4-80GB MIG 3g.40gb" {
		t.Fatalf("MIG instances must be separate rows: %+v", g)
	}
}

func fullSample(i int) results.GPUSample {
	return results.GPUSample{
		Host: "node1", GPUIndex: int32(i), GPUUUID: "GPU-" + string(rune('a'+i)), GPUName: "NVIDIA H100 80GB HBM3",
		UtilGPUPct: results.F64(97), UtilMemPct: results.F64(40), MemUsedBytes: results.I64(60 << 30), MemTotalBytes: results.I64(80 << 30),
		PowerW: results.F64(650.5), PowerLimitW: results.F64(700), EnergyMJ: results.I64(123456789012),
		SMClockMHz: results.I64(1980), MemClockMHz: results.I64(2619), TempC: results.F64(61),
		PCIeTxBytesPerS: results.F64(1 << 20), PCIeRxBytesPerS: results.F64(2 << 20),
		SMActivePct: results.F64(81.5), TensorActivePct: results.F64(25), DRAMActivePct: results.F64(50), GrEngineActivePct: results.F64(99),
	}
}

// The rendering is golden (run with -update to rewrite), and its HELP and
// TYPE lines are those of dcgm-exporter's default-counters.csv.
func TestWriteDCGMGolden(t *testing.T) {
	partial := fullSample(1)
	partial.SMActivePct, partial.TensorActivePct, partial.DRAMActivePct, partial.GrEngineActivePct = nil, nil, nil, nil
	var buf bytes.Buffer
	if err := WriteDCGM(&buf, []results.GPUSample{fullSample(0), partial}, nil); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "dcgm.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Errorf("WriteDCGM differs from %s (rerun with -update if intended):\n%s", golden, buf.String())
	}
	// From default-counters.csv (FIELD, type, help), verbatim.
	csv := []string{
		"DCGM_FI_DEV_SM_CLOCK,  gauge, SM clock frequency (in MHz).",
		"DCGM_FI_DEV_MEM_CLOCK, gauge, Memory clock frequency (in MHz).",
		"DCGM_FI_DEV_GPU_TEMP,    gauge, GPU temperature (in C).",
		"DCGM_FI_DEV_POWER_USAGE,              gauge, Power draw (in W).",
		"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, counter, Total energy consumption since boot (in mJ).",
		"DCGM_FI_DEV_GPU_UTIL,      gauge, GPU utilization (in %).",
		"DCGM_FI_DEV_MEM_COPY_UTIL, gauge, Memory utilization (in %).",
		"DCGM_FI_DEV_FB_FREE, gauge, Framebuffer memory free (in MiB).",
		"DCGM_FI_DEV_FB_USED, gauge, Framebuffer memory used (in MiB).",
		"DCGM_FI_PROF_GR_ENGINE_ACTIVE,   gauge, Ratio of time the graphics engine is active.",
		"DCGM_FI_PROF_SM_ACTIVE,          gauge, The ratio of cycles an SM has at least 1 warp assigned.",
		"DCGM_FI_PROF_PIPE_TENSOR_ACTIVE, gauge, Ratio of cycles the tensor (HMMA) pipe is active.",
		"DCGM_FI_PROF_DRAM_ACTIVE,        gauge, Ratio of cycles the device memory interface is active sending or receiving data.",
		"DCGM_FI_PROF_PCIE_TX_BYTES,      gauge, The rate of data transmitted over the PCIe bus - including both protocol headers and data payloads - in bytes per second.",
		"DCGM_FI_PROF_PCIE_RX_BYTES,      gauge, The rate of data received over the PCIe bus - including both protocol headers and data payloads - in bytes per second.",
	}
	for _, line := range csv {
		parts := strings.SplitN(line, ",", 3)
		name, typ, help := strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1]), strings.TrimSpace(parts[2])
		if !strings.Contains(buf.String(), "# HELP "+name+" "+help+"\n# TYPE "+name+" "+typ+"\n") {
			t.Errorf("%s: HELP/TYPE differ from default-counters.csv", name)
		}
	}
	// Round trip: what the agent serves, the scraper reads back.
	rows, err := ParseText(buf.Bytes(), "u")
	if err != nil {
		t.Fatal(err)
	}
	back := GPUFromDCGM(rows)
	if len(back) != 2 {
		t.Fatalf("round trip: %d GPUs", len(back))
	}
	in := fullSample(0)
	got := back[0]
	if f64(got.SMActivePct) != 81.5 || f64(got.PowerW) != 650.5 || i64(got.EnergyMJ) != 123456789012 ||
		i64(got.MemUsedBytes) != 60<<30 || i64(got.MemTotalBytes) != 80<<30 || f64(got.PowerLimitW) != 700 ||
		got.GPUUUID != in.GPUUUID || got.Host != "node1" || f64(got.PCIeRxBytesPerS) != 2<<20 || f64(got.GrEngineActivePct) != 99 {
		t.Errorf("round trip lost values: %+v", got)
	}
	if back[1].SMActivePct != nil {
		t.Errorf("a field left out must stay NULL after the round trip")
	}
}

func TestWriteDCGMExtraLabels(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteDCGM(&buf, []results.GPUSample{fullSample(0)}, map[string]string{SimulatedLabel: "1"}); err != nil {
		t.Fatal(err)
	}
	rows, err := ParseText(buf.Bytes(), "u")
	if err != nil {
		t.Fatal(err)
	}
	if g := GPUFromDCGM(rows); len(g) != 1 || g[0].Source != results.GPUSourceSim {
		t.Fatalf("simulated label must give source sim: %+v", g)
	}
}
