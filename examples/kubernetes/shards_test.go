package kubernetes

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/inferbench/inferbench/internal/testbin"
	"github.com/inferbench/inferbench/results"
)

// TestIndexedJobRunsLocally runs each variant of the example the way a
// cluster would, with the pods' own command lines: the Indexed Job's N
// pods at once (JOB_COMPLETION_INDEX 0..N-1, GROUP and START_AT from the
// per-run ConfigMap, a start 2-3 s ahead), against `inferbench sim` on
// loopback (serving the Job's MODEL) instead of the vLLM Service, with
// folders for the volumes and the bucket; then the report Job. The merged report must hold every
// shard once and every request of the workload once.
func TestIndexedJobRunsLocally(t *testing.T) {
	if testing.Short() {
		t.Skip("builds inferbench and runs the example's pods")
	}
	bin := testbin.Build(t)
	ms := loadManifests(t, ".")
	cms := map[string]map[string]string{}
	for _, m := range ms {
		if cm, ok := m.obj.(*corev1.ConfigMap); ok {
			cms[cm.Name] = cm.Data
		}
	}
	for _, v := range []struct{ name, dir string }{{"shared-volume", "."}, {"s3", "s3"}} {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			runVariant(t, bin, jobsIn(ms, v.dir), cms)
		})
	}
}

// runVariant runs one folder's shards Job and report Job and checks the
// outcome.
func runVariant(t *testing.T, bin string, jobs []*batchv1.Job, cms map[string]map[string]string) {
	var shards, report *batchv1.Job
	for _, j := range jobs {
		if j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion {
			shards = j
		} else {
			report = j
		}
	}
	if shards == nil || report == nil || len(jobs) != 2 {
		t.Fatalf("want an Indexed shards Job and a report Job, got %d Jobs", len(jobs))
	}
	n, runCtr := shardCount(t, shards)
	// The simulator stands for the target, serving the model the Job asks
	// for; TARGET_URL is the one variable the test replaces.
	url := testbin.StartSim(t, bin, "--model", envValue(t, runCtr, "MODEL"), "--preset", "exact", "--ttft", "2ms", "--itl", "500us")

	const group = "nightly-test"
	start := time.Now().Add(3 * time.Second).Truncate(time.Second)
	runCM := map[string]string{"group": group, "start-at": start.Format(time.RFC3339)}
	c := &cluster{t: t, bin: bin, claims: map[string]string{}, bucket: t.TempDir(),
		configMaps: map[string]map[string]string{"inferbench-run": runCM}, overrides: map[string]string{"TARGET_URL": url}}
	for k, v := range cms {
		c.configMaps[k] = v
	}
	workload, ok := cms["inferbench-workload"]["workload.jsonl"]
	if !ok {
		t.Fatal("no ConfigMap inferbench-workload with workload.jsonl")
	}
	wantIDs := workloadIDs(t, workload)

	// The shards: N pods at once, as parallelism N starts them.
	pods := make([]*pod, n)
	steps := make([][]step, n)
	for i := range n {
		pods[i] = c.newPod(fmt.Sprintf("%s-%d", shards.Name, i), shards.Spec.Template.Spec, i)
		steps[i] = pods[i].steps()
		// Loopback only: the run goes to the simulator, nowhere else.
		run := stepNamed(t, steps[i], runCtr.Name)
		if !slices.Contains(run.args, "--base-url="+url) {
			t.Fatalf("pod %d does not send to the simulator: %q", i, run.args)
		}
		if want := fmt.Sprintf("--shard=%d/%d", i, n); !slices.Contains(run.args, want) {
			t.Fatalf("pod %d: no %s in %q", i, want, run.args)
		}
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = c.run(t.Context(), steps[i]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	outArg := flagValue(t, runCtr.Args, "--out")

	// Each pod wrote its own shard, named for the group and its index.
	var sent int64
	var gotIDs []string
	schedules := map[string]int{} // a shard's scheduled offsets -> shards with them
	for i, p := range pods {
		dir := filepath.Join(p.hostPath(runCtr, expand(outArg, map[string]string{"GROUP": group})), fmt.Sprintf("%s-shard-%d-of-%d", group, i, n))
		m, err := results.ReadManifest(dir)
		if err != nil {
			t.Fatalf("pod %d: %v", i, err)
		}
		if sh := m.Shard; sh == nil || sh.Index != i || sh.Count != n || sh.Group != group || !sh.StartAt.Equal(start) {
			t.Errorf("pod %d: manifest shard %+v, want %d of %d in %s from %s", i, m.Shard, i, n, group, start)
		}
		if m.StopReason != results.StopCompleted || m.Requests.Sent == 0 || m.Requests.OK != m.Requests.Sent {
			t.Errorf("pod %d: stop %s, requests %+v", i, m.StopReason, m.Requests)
		}
		sent += m.Requests.Sent
		recs, err := results.ReadRequests(dir)
		if err != nil {
			t.Fatal(err)
		}
		var sched []string
		for _, r := range recs {
			gotIDs = append(gotIDs, r.RequestID)
			sched = append(sched, fmt.Sprint(r.ScheduledNs))
		}
		schedules[strings.Join(sched, ",")]++
	}
	// Independent arrivals: shards with one schedule would send together,
	// and N times the rate would arrive as bursts of N.
	if len(schedules) != n {
		t.Errorf("%d shards share %d schedules: give each shard its own --seed", n, len(schedules))
	}
	slices.Sort(gotIDs)
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("the shards sent %q; the workload is %q (each request exactly once)", gotIDs, wantIDs)
	}

	// The report Job reads the group the shards wrote.
	rp := c.newPod(report.Name, report.Spec.Template.Spec, -1)
	rsteps := rp.steps()
	if err := c.run(t.Context(), rsteps); err != nil {
		t.Fatal(err)
	}
	var input string
	for _, ctr := range slices.Concat(report.Spec.Template.Spec.InitContainers, report.Spec.Template.Spec.Containers) {
		if !isInferbench(ctr) {
			continue
		}
		if ctr.Args[0] != "report" || len(ctr.Args) < 2 || ctr.Args[1] != outArg {
			t.Errorf("report container %s reads %q; the shards write to %s", ctr.Name, ctr.Args, outArg)
		}
		input = rp.hostPath(ctr, expand(ctr.Args[1], map[string]string{"GROUP": group}))
	}
	if input == "" {
		t.Fatal("the report Job runs no `inferbench report`")
	}
	// What the report read: every shard once, nothing else.
	entries, err := os.ReadDir(input)
	if err != nil {
		t.Fatal(err)
	}
	var dirs, wantDirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	for i := range n {
		wantDirs = append(wantDirs, fmt.Sprintf("%s-shard-%d-of-%d", group, i, n))
	}
	if !slices.Equal(dirs, wantDirs) {
		t.Errorf("the report read %q, want %q", dirs, wantDirs)
	}
	var got struct {
		Runs []struct {
			RunID    string `json:"run_id"`
			Requests struct {
				Total int64 `json:"total"`
				OK    int64 `json:"ok"`
			} `json:"requests"`
		} `json:"runs"`
	}
	out, err := exec.CommandContext(t.Context(), bin, "report", input, "--format", "json").Output()
	if err != nil {
		t.Fatalf("report %s: %v", input, err)
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Runs) != 1 || got.Runs[0].RunID != group || got.Runs[0].Requests.Total != sent ||
		got.Runs[0].Requests.OK != sent || sent != int64(len(wantIDs)) {
		t.Errorf("merged report %+v; want one run %s of %d requests (the shards sent %d)", got.Runs, group, len(wantIDs), sent)
	}
}

// envValue is the literal value of a container's env var.
func envValue(t *testing.T, ctr corev1.Container, name string) string {
	t.Helper()
	for _, e := range ctr.Env {
		if e.Name == name && e.ValueFrom == nil {
			return e.Value
		}
	}
	t.Fatalf("container %s: no env %s with a value", ctr.Name, name)
	return ""
}

// stepNamed finds a container's step.
func stepNamed(t *testing.T, steps []step, name string) step {
	t.Helper()
	for _, s := range steps {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no container %s", name)
	return step{}
}

// flagValue is the value of --name=value in args, unexpanded.
func flagValue(t *testing.T, args []string, name string) string {
	t.Helper()
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	t.Fatalf("no %s= in %q", name, args)
	return ""
}

// workloadIDs are the ids of a native JSONL workload, sorted.
func workloadIDs(t *testing.T, jsonl string) []string {
	t.Helper()
	var ids []string
	for l := range strings.Lines(jsonl) {
		if strings.TrimSpace(l) == "" {
			continue
		}
		var r struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.ID == "" {
			t.Fatalf("workload line %q: %v", l, err)
		}
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}
