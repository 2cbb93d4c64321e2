package simhost

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/targets/sim"
)

// TestServe serves a simulator and reads its models, its vLLM metrics
// and its simulated GPU, then closes it.
func TestServe(t *testing.T) {
	s, err := Serve(sim.Config{Exact: true, Model: "tiny"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	get := func(url string) string {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", url, resp.StatusCode, b)
		}
		return string(b)
	}
	var models struct {
		Data []struct{ ID string } `json:"data"`
	}
	if err := json.Unmarshal([]byte(get(s.URL+"/models")), &models); err != nil || len(models.Data) != 1 || models.Data[0].ID != "tiny" {
		t.Errorf("models %+v %v", models, err)
	}
	if m := get(s.ServerMetricsURL()); !strings.Contains(m, "vllm:num_requests_running") {
		t.Errorf("server metrics lack vLLM's names:\n%s", m)
	}
	if g := get(s.GPUMetricsURL()); strings.Count(g, "DCGM_FI_DEV_GPU_UTIL{") != 3 {
		t.Errorf("want 3 simulated GPUs:\n%s", g)
	}
}
