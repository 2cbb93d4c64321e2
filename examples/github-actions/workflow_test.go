package githubactions

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// workflow is the part of a GitHub Actions workflow the local runner
// needs.
type workflow struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Env   map[string]string `yaml:"env"`
		Steps []step            `yaml:"steps"`
	} `yaml:"jobs"`
}

type step struct {
	Name  string            `yaml:"name"`
	ID    string            `yaml:"id"`
	If    string            `yaml:"if"`
	Uses  string            `yaml:"uses"`
	Run   string            `yaml:"run"`
	Shell string            `yaml:"shell"`
	Env   map[string]string `yaml:"env"`
}

func (s step) label() string {
	if s.Name != "" {
		return s.Name
	}
	if s.ID != "" {
		return s.ID
	}
	return s.Uses
}

// expr matches a ${{ }} expression.
var expr = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// expand replaces the few expressions the workflow may use in env values:
// secrets are empty (no real keys in tests), github.* come from ctx. Any
// other expression fails the test, so the workflow stays runnable here.
func expand(t *testing.T, v string, ctx map[string]string) string {
	t.Helper()
	return expr.ReplaceAllStringFunc(v, func(m string) string {
		name := expr.FindStringSubmatch(m)[1]
		if strings.HasPrefix(name, "secrets.") {
			return ""
		}
		val, ok := ctx[name]
		if !ok {
			t.Fatalf("expression %q is not supported by the local runner", m)
		}
		return val
	})
}

// runner runs the run: steps of one job in order, carrying GITHUB_ENV and
// GITHUB_PATH between steps as a runner does.
type runner struct {
	t         *testing.T
	env       map[string]string // job env, then GITHUB_ENV additions
	path      []string          // GITHUB_PATH additions, newest first
	workspace string
	files     map[string]string // GITHUB_STEP_SUMMARY etc.
	pgids     []int
}

// result of one step: exit code, or -1 when skipped.
type result struct {
	step step
	code int
	out  string
}

// exitCode extracts the status from a finished command.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -2
}

func (r *runner) runStep(s step) result {
	t := r.t
	script := filepath.Join(r.files["RUNNER_TEMP"], "step.sh")
	if err := os.WriteFile(script, []byte(s.Run), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT"} {
		if err := os.WriteFile(r.files[f], nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	// GitHub's default shell for run: on Linux.
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
	cmd.Dir = r.workspace
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	env := map[string]string{}
	for k, v := range r.env {
		env[k] = v
	}
	for k, v := range s.Env {
		env[k] = v
	}
	for k, v := range r.files {
		env[k] = v
	}
	env["PATH"] = strings.Join(append(append([]string{}, r.path...), os.Getenv("PATH")), string(os.PathListSeparator))
	env["HOME"] = os.Getenv("HOME")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	// Output to a file, not a pipe: a background process the step starts
	// (the simulator) would hold a pipe open and Wait would not return.
	out, err := os.CreateTemp(r.files["RUNNER_TEMP"], "out-*")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.pgids = append(r.pgids, cmd.Process.Pid)
	code := exitCode(cmd.Wait())
	text, _ := os.ReadFile(out.Name())

	r.readEnvFile()
	if b, err := os.ReadFile(r.files["GITHUB_PATH"]); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if line != "" {
				r.path = append([]string{line}, r.path...)
			}
		}
	}
	return result{step: s, code: code, out: string(text)}
}

// readEnvFile applies GITHUB_ENV: NAME=value lines and NAME<<DELIM blocks.
func (r *runner) readEnvFile() {
	f, err := os.Open(r.files["GITHUB_ENV"])
	if err != nil {
		r.t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			for sc.Scan() && sc.Text() != delim {
				val = append(val, sc.Text())
			}
			r.env[name] = strings.Join(val, "\n")
			continue
		}
		if name, val, ok := strings.Cut(line, "="); ok {
			r.env[name] = val
		}
	}
}

// killAll ends the process groups of every step (the simulator, if a step
// failed before stopping it). These are processes this test started.
func (r *runner) killAll() {
	for _, pg := range r.pgids {
		_ = syscall.Kill(-pg, syscall.SIGKILL)
	}
}

// runJob runs every step as a runner would: after a failure, only steps
// whose if: asks for always() or failure() run. Steps that use an action
// are skipped (checkout, setup-go, cache, upload: not available here), and
// so are the steps named in skip.
func (r *runner) runJob(steps []step, skip map[string]bool) []result {
	var res []result
	failed := false
	for _, s := range steps {
		if s.Uses != "" || skip[s.ID] {
			continue
		}
		cond := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s.If), "${{"), "}}"))
		runIt := !failed
		switch cond {
		case "", "success()":
		case "always()", "!cancelled()":
			runIt = true
		case "failure()":
			runIt = failed
		default:
			r.t.Fatalf("step %q: if: %q is not supported by the local runner", s.label(), s.If)
		}
		if !runIt {
			res = append(res, result{step: s, code: -1})
			continue
		}
		rr := r.runStep(s)
		r.t.Logf("step %q: exit %d\n%s", s.label(), rr.code, rr.out)
		if rr.code != 0 {
			failed = true
		}
		res = append(res, rr)
	}
	return res
}

func codeOf(t *testing.T, res []result, name string) int {
	t.Helper()
	for _, r := range res {
		if r.step.Name == name {
			return r.code
		}
	}
	t.Fatalf("no step %q", name)
	return 0
}

type junit struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suite    struct {
		Cases []struct {
			Name string `xml:"name,attr"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestNightlyWorkflowLocally runs nightly.yml's run: steps three times in
// one workspace against the suite's simulator target (nightly.suite.yaml
// with 40 requests at 100/s and 1 ms per token: served inside inferbench,
// loopback only), with a locally built inferbench in place of the build
// step: the first night has no baseline and becomes it; the second
// compares with it; the third rehearses a regression (TTFT 50 ms -> 150
// ms) and must fail the gate and keep the old baseline.
func TestNightlyWorkflowLocally(t *testing.T) {
	if testing.Short() {
		t.Skip("builds inferbench and runs the workflow three times")
	}
	data, err := os.ReadFile("nightly.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("nightly.yml: %v", err)
	}
	job, ok := wf.Jobs["benchmark"]
	if !ok || len(job.Steps) == 0 {
		t.Fatalf("nightly.yml has no benchmark job with steps")
	}
	var build step
	for _, s := range job.Steps {
		if s.Uses == "" && s.Run == "" {
			t.Errorf("step %q neither runs nor uses anything", s.label())
		}
		if s.Run != "" && strings.Contains(s.Run, "${{") {
			t.Errorf("step %q: run: uses ${{ }}; pass values through env: instead", s.label())
		}
		if s.Shell != "" && s.Shell != "bash" {
			t.Errorf("step %q: shell %q: the local runner runs bash", s.label(), s.Shell)
		}
		if s.ID == "build" {
			build = s
		}
	}
	if !strings.Contains(build.Run, "go build") || !strings.Contains(build.Run, "./cmd/inferbench") {
		t.Fatalf("the build step (id: build) should go build ./cmd/inferbench; it is %q", build.Run)
	}

	// The build step, done here: its binary goes on PATH as the step's
	// GITHUB_PATH line would put it.
	bin := t.TempDir()
	gb := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(bin, "inferbench"), "github.com/inferbench/inferbench/cmd/inferbench")
	if out, err := gb.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	suite, err := os.ReadFile("nightly.suite.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// nightlySuite is the suite with short nights and the simulator's
	// settings; each replacement must find its text.
	nightlySuite := func(sim string) string {
		s := string(suite)
		for old, new := range map[string]string{"requests: 200": "requests: 40", "rate: 5/s": "rate: 100/s", "{preset: exact}": sim} {
			if !strings.Contains(s, old) {
				t.Fatalf("nightly.suite.yaml lacks %q", old)
			}
			s = strings.ReplaceAll(s, old, new)
		}
		p := filepath.Join(t.TempDir(), "nightly.suite.yaml")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	workspace := t.TempDir()
	night := func(n int, sim string) ([]result, string, string) {
		tmp := t.TempDir()
		files := map[string]string{"RUNNER_TEMP": tmp, "GITHUB_WORKSPACE": workspace}
		for _, f := range []string{"GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT"} {
			files[f] = filepath.Join(tmp, strings.ToLower(f))
			if err := os.WriteFile(files[f], nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ctx := map[string]string{"github.run_id": fmt.Sprint(n)}
		r := &runner{t: t, env: map[string]string{}, path: []string{bin}, workspace: workspace, files: files}
		defer r.killAll()
		for k, v := range wf.Env {
			r.env[k] = expand(t, v, ctx)
		}
		for k, v := range job.Env {
			r.env[k] = expand(t, v, ctx)
		}
		for k, v := range map[string]string{
			"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": "main", "GITHUB_RUN_ID": fmt.Sprint(n),
			"BENCH_SUITE": nightlySuite(sim),
		} {
			r.env[k] = v
		}
		res := r.runJob(job.Steps, map[string]bool{"build": true})
		summary, _ := os.ReadFile(files["GITHUB_STEP_SUMMARY"])
		junitXML, err := os.ReadFile(filepath.Join(workspace, r.env["REPORTS_DIR"], "junit.xml"))
		if err != nil {
			t.Fatalf("night %d: no JUnit file: %v", n, err)
		}
		if r.env["TARGET"] != "sim" || !strings.Contains(r.env["RUN_DIR"], "/nightly/sim") {
			t.Errorf("night %d: target %q, run dir %q", n, r.env["TARGET"], r.env["RUN_DIR"])
		}
		report, err := os.ReadFile(filepath.Join(workspace, r.env["REPORTS_DIR"], "report.md"))
		if err != nil || !strings.Contains(string(report), "sim (simulated)") {
			t.Errorf("night %d: the suite's report: %v\n%s", n, err, report)
		}
		return res, string(summary), string(junitXML)
	}
	checkJUnit := func(n int, x string, wantFailures bool) {
		var j junit
		if err := xml.Unmarshal([]byte(x), &j); err != nil {
			t.Fatalf("night %d: JUnit: %v\n%s", n, err, x)
		}
		if j.Tests != 5 || len(j.Suite.Cases) != 5 || j.Suite.Cases[0].Name != "ttft.p95 > 1.25 * base" {
			t.Errorf("night %d: JUnit %+v", n, j)
		}
		if (j.Failures > 0) != wantFailures {
			t.Errorf("night %d: %d failures", n, j.Failures)
		}
	}
	verdict := regexp.MustCompile(`(?m)^### (✅|⚠️|❌) inferbench compare: `)
	baselineOf := func() string {
		m, err := filepath.Glob(filepath.Join(workspace, "bench-baseline", "sim", "requests", "part-*.parquet"))
		if err != nil || len(m) == 0 {
			t.Fatalf("no baseline kept: %v", err)
		}
		b, err := os.ReadFile(filepath.Join(workspace, "bench-baseline", "sim", "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// Night 1: no baseline yet.
	res, summary, x := night(1, "{preset: exact, itl: 1ms}")
	for _, r := range res {
		if r.code != 0 {
			t.Fatalf("night 1: step %q exit %d\n%s", r.step.label(), r.code, r.out)
		}
	}
	if !strings.Contains(summary, "No baseline for sim yet") || !verdict.MatchString(summary) ||
		!strings.Contains(summary, "### ✅ inferbench compare: no significant change · 5 of 5 thresholds passed") {
		t.Errorf("night 1 summary:\n%s", summary)
	}
	checkJUnit(1, x, false)
	first := baselineOf()

	// Night 2: compared with night 1. Two runs of an exact simulator on a
	// shared machine may still differ by more than a threshold allows, so
	// both outcomes of the gate are accepted here; night 3 checks the
	// gate itself.
	res, summary, x = night(2, "{preset: exact, itl: 1ms}")
	code := codeOf(t, res, "Compare with the baseline")
	if code != 0 && code != 3 {
		t.Fatalf("night 2: compare exit %d", code)
	}
	m := verdict.FindStringSubmatch(summary)
	if m == nil || strings.Contains(summary, "No baseline") || (code == 0) != (m[1] != "❌") {
		t.Errorf("night 2 (compare exit %d) summary:\n%s", code, summary)
	}
	checkJUnit(2, x, code == 3)
	second := baselineOf()
	if code == 0 && second == first {
		t.Errorf("night 2 passed but did not become the baseline")
	}

	// Night 3: TTFT 150 ms instead of 50 ms fails ttft.p95 > 1.25 * base.
	res, summary, x = night(3, "{preset: exact, itl: 1ms, ttft: 150ms}")
	if code := codeOf(t, res, "Compare with the baseline"); code != 3 {
		t.Errorf("night 3: compare exit %d, want 3", code)
	}
	if codeOf(t, res, "Keep this run as the baseline") != -1 {
		t.Errorf("night 3: after the failed gate the baseline step must be skipped")
	}
	if !strings.Contains(summary, "### ❌ inferbench compare: worse") || !strings.Contains(summary, "| ❌ | `ttft.p95 > 1.25 * base` |") {
		t.Errorf("night 3 summary:\n%s", summary)
	}
	checkJUnit(3, x, true)
	if baselineOf() != second {
		t.Errorf("night 3's regression replaced the baseline")
	}
}
