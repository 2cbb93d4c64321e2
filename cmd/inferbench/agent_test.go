package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/telemetry"
)

// agentFakeGPUs is a sampler with two GPUs whose energy counters grow.
type agentFakeGPUs struct {
	mu     sync.Mutex
	ticks  int64
	closed bool
}

func (f *agentFakeGPUs) Name() string { return "nvml" }
func (f *agentFakeGPUs) Close() error { f.mu.Lock(); f.closed = true; f.mu.Unlock(); return nil }
func (f *agentFakeGPUs) Sample(context.Context) (telemetry.Batch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ticks++
	var b telemetry.Batch
	for i := int32(0); i < 2; i++ {
		b.GPU = append(b.GPU, results.GPUSample{
			Source: results.GPUSourceNVML, GPUIndex: i, GPUUUID: "GPU-" + string(rune('a'+i)), GPUName: "NVIDIA H100 80GB HBM3",
			UtilGPUPct: results.F64(90), PowerW: results.F64(400 + float64(i)*100), PowerLimitW: results.F64(700),
			EnergyMJ: results.I64(1e9 + f.ticks*1000), MemUsedBytes: results.I64(1 << 30), MemTotalBytes: results.I64(80 << 30),
		})
	}
	return b, nil
}

func withAgentNVML(t *testing.T, open func(func(string)) (telemetry.Sampler, error)) {
	t.Helper()
	old := openAgentNVML
	openAgentNVML = open
	t.Cleanup(func() { openAgentNVML = old })
}

func TestAgentWithoutGPUExits1WithTheReason(t *testing.T) {
	withAgentNVML(t, func(func(string)) (telemetry.Sampler, error) {
		return nil, errors.Join(telemetry.ErrNVMLUnavailable, errors.New("libnvidia-ml.so.1 not found"))
	})
	var out, errb syncBuffer
	code := dispatch(context.Background(), &env{stdout: &out, stderr: &errb}, []string{"agent", "--listen", "127.0.0.1:0"})
	if code != exitFailed || !strings.Contains(errb.String(), "no local GPU to serve") || !strings.Contains(errb.String(), "libnvidia-ml") {
		t.Fatalf("code %d, stderr %q", code, errb.String())
	}
	if out.String() != "" {
		t.Errorf("stdout %q", out.String())
	}
}

func TestAgentUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"agent", "--listen", "off"},
		{"agent", "--interval", "0s"},
		{"agent", "extra"},
	} {
		var out, errb syncBuffer
		if code := dispatch(context.Background(), &env{stdout: &out, stderr: &errb}, args); code != exitUsage {
			t.Errorf("%v: code %d, want %d (stderr %q)", args, code, exitUsage, errb.String())
		}
	}
}

var listeningRE = regexp.MustCompile(`inferbench agent: listening on (http://127\.0\.0\.1:\d+)\n`)

// startAgent runs the agent in the background and returns its base URL,
// the interrupt channel and the exit code channel.
func startAgent(t *testing.T, stdout, stderr *syncBuffer, args ...string) (string, chan os.Signal, chan int) {
	t.Helper()
	intr := make(chan os.Signal, 1)
	codes := make(chan int, 1)
	go func() {
		codes <- dispatch(context.Background(), &env{stdout: stdout, stderr: stderr, interrupts: intr}, append([]string{"agent"}, args...))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningRE.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], intr, codes
		}
		select {
		case c := <-codes:
			t.Fatalf("agent exited %d early: %s", c, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("no listening line; stdout %q stderr %q", stdout.String(), stderr.String())
	return "", nil, nil
}

func TestAgentServesDCGMText(t *testing.T) {
	fake := &agentFakeGPUs{}
	withAgentNVML(t, func(func(string)) (telemetry.Sampler, error) { return fake, nil })
	var out, errb syncBuffer
	base, intr, codes := startAgent(t, &out, &errb, "--listen", "127.0.0.1:0", "--interval", "10ms")
	var gpus []results.GPUSample
	for i := 0; i < 200 && len(gpus) < 2; i++ {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rows, err := telemetry.ParseText(body, base)
		if err != nil {
			t.Fatalf("not Prometheus text: %v\n%s", err, body)
		}
		gpus = telemetry.GPUFromDCGM(rows)
		if len(gpus) < 2 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if len(gpus) != 2 || gpus[1].PowerW == nil || *gpus[1].PowerW != 500 || gpus[0].EnergyMJ == nil || gpus[0].GPUUUID != "GPU-a" {
		t.Fatalf("served GPUs = %+v", gpus)
	}
	intr <- os.Interrupt
	select {
	case code := <-codes:
		if code != exitInterrupted {
			t.Errorf("exit code after Ctrl-C = %d, want %d", code, exitInterrupted)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("agent did not stop on interrupt")
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if !fake.closed {
		t.Error("NVML not closed")
	}
}

func TestAgentAllowNoGPUServesEmpty(t *testing.T) {
	withAgentNVML(t, func(func(string)) (telemetry.Sampler, error) {
		return nil, telemetry.ErrNVMLUnavailable
	})
	var out, errb syncBuffer
	base, intr, codes := startAgent(t, &out, &errb, "--listen", "127.0.0.1:0", "--allow-no-gpu")
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) != 0 {
		t.Errorf("status %d body %q, want an empty 200", resp.StatusCode, body)
	}
	if !strings.Contains(errb.String(), "NVML off") {
		t.Errorf("stderr %q must say NVML is off", errb.String())
	}
	intr <- os.Interrupt
	<-codes
}

func TestAgentDurationOutWritesParquetAndSummary(t *testing.T) {
	fake := &agentFakeGPUs{}
	withAgentNVML(t, func(func(string)) (telemetry.Sampler, error) { return fake, nil })
	dir := t.TempDir()
	var out, errb syncBuffer
	code := dispatch(context.Background(), &env{stdout: &out, stderr: &errb},
		[]string{"agent", "--listen", "off", "--duration", "200ms", "--interval", "10ms", "--out", dir})
	if code != exitOK {
		t.Fatalf("code %d, stderr %q", code, errb.String())
	}
	rows, err := results.ReadGPU(dir)
	if err != nil || len(rows) < 4 {
		t.Fatalf("gpu.parquet: %d rows, %v", len(rows), err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "gpu  samples  util_mean_pct") {
		t.Fatalf("summary:\n%s", out.String())
	}
	for i, l := range lines[2:] {
		f := strings.Fields(l)
		// gpu samples util_mean util_max sm_mean power_mean power_max limit energy_j source mem span name...
		if f[0] != string(rune('0'+i)) || f[2] != "90.0" || f[4] != "-" || f[9] != "counter" || f[7] != "700.0" {
			t.Errorf("GPU %d line %q", i, l)
		}
		if !strings.HasSuffix(l, "NVIDIA H100 80GB HBM3") {
			t.Errorf("name missing: %q", l)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, results.GPUFile)); err != nil {
		t.Error(err)
	}
}
