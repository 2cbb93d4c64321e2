package examples

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/inferbench/inferbench/internal/testbin"
)

// notebook is the part of an nbformat 4 notebook the tests read.
type notebook struct {
	Cells []struct {
		Type   string   `json:"cell_type"`
		ID     string   `json:"id"`
		Source []string `json:"source"`
	} `json:"cells"`
	Format int `json:"nbformat"`
}

func readNotebook(t *testing.T) notebook {
	t.Helper()
	b, err := os.ReadFile("notebook.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	var nb notebook
	if err := json.Unmarshal(b, &nb); err != nil || nb.Format != 4 {
		t.Fatalf("notebook.ipynb is not an nbformat 4 notebook: %v", err)
	}
	return nb
}

// code is the source of the notebook's code cells, in order.
func (nb notebook) code() []string {
	var out []string
	for _, c := range nb.Cells {
		if c.Type == "code" {
			out = append(out, strings.Join(c.Source, ""))
		}
	}
	return out
}

var (
	// sqlCall is a con.sql call on a triple-quoted literal, the only form
	// the notebook's SQL may take, so that every statement is found here.
	sqlCall = regexp.MustCompile(`(?s)con\.sql\((f?)"""(.*?)"""`)
	// runsVar is the notebook's setting of the folder it reads.
	runsVar = regexp.MustCompile(`(?m)^RUNS = "([^"]+)"`)
	// placeholder is an f-string field.
	placeholder = regexp.MustCompile(`\{[^{}]*\}`)
)

// notebookSQL is the SQL of every con.sql call of the notebook, in order,
// with its one f-string field {RUNS} replaced by runs, and the RUNS the
// notebook sets. Any other form of call or field fails the test.
func notebookSQL(t *testing.T, nb notebook, runs string) (stmts []string, runsDefault string) {
	t.Helper()
	for _, src := range nb.code() {
		if m := runsVar.FindStringSubmatch(src); m != nil {
			runsDefault = m[1]
		}
		calls := sqlCall.FindAllStringSubmatch(src, -1)
		if n := strings.Count(src, "con.sql("); n != len(calls) {
			t.Fatalf("a cell calls con.sql %d times, %d of them on a \"\"\"literal\"\"\" the test can read:\n%s", n, len(calls), src)
		}
		for _, m := range calls {
			sql := m[2]
			if m[1] == "f" {
				sql = strings.ReplaceAll(sql, "{RUNS}", runs)
			}
			if f := placeholder.FindString(sql); f != "" {
				t.Fatalf("SQL field %s: only {RUNS} in an f-string is supported:\n%s", f, m[2])
			}
			stmts = append(stmts, sql)
		}
	}
	if runsDefault == "" {
		t.Fatal(`no RUNS = "..." in the notebook`)
	}
	return stmts, runsDefault
}

// selectsPerRun reports whether a query keeps runs apart: it selects
// run_id, and groups by it when it groups at all.
func selectsPerRun(sql string) bool {
	s := strings.ToLower(sql)
	_, groupBy, grouped := strings.Cut(s, "group by")
	return strings.Contains(s, "run_id") && (!grouped || strings.Contains(groupBy, "run_id") || strings.Contains(groupBy, "all"))
}

// TestNotebookSQLIsPerRun reads the notebook's SQL without running it:
// every query is found, and every query keeps runs apart (timings of two
// runs come from two clocks and must not be pooled).
func TestNotebookSQLIsPerRun(t *testing.T) {
	stmts, _ := notebookSQL(t, readNotebook(t), "runs")
	if len(stmts) < 6 {
		t.Fatalf("found %d SQL statements; the extraction is not looking", len(stmts))
	}
	for _, s := range stmts {
		if strings.HasPrefix(strings.TrimSpace(strings.ToUpper(s)), "CREATE") {
			continue
		}
		if !selectsPerRun(s) {
			t.Errorf("a query pools runs (no run_id, or not grouped by it):\n%s", s)
		}
	}
}

// result is one statement's result from scripts/duckdb-check/query.mjs.
type result struct {
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

func (r result) col(name string) int { return slices.Index(r.Columns, name) }

// float reads a DuckDB JSON value: DOUBLE as a number, BIGINT and DECIMAL
// as strings.
func float(t *testing.T, v any) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(fmt.Sprint(v), 64)
	if err != nil {
		t.Fatalf("%v is not a number", v)
	}
	return f
}

// duckdb runs stmts in order through DuckDB's Node.js client with dir as
// the working directory, or skips the test when the client is missing.
func duckdb(t *testing.T, dir string, stmts []string) []result {
	t.Helper()
	script, _ := filepath.Abs("../scripts/duckdb-check/query.mjs")
	b, _ := json.Marshal(stmts)
	in := filepath.Join(t.TempDir(), "statements.json")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "node", script, in)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("DuckDB: %v\n%s%s", err, out, stderr.String())
	}
	var res []result
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(stmts) {
		t.Fatalf("DuckDB printed %d results for %d statements (%v):\n%s", len(res), len(stmts), err, out)
	}
	return res
}

// needDuckDB skips when DuckDB's Node.js client is not installed.
func needDuckDB(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("../scripts/duckdb-check/node_modules/@duckdb/node-api"); err != nil {
		t.Skip("DuckDB client not installed: run `npm ci --prefix scripts/duckdb-check` (.ci/run does)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not found")
	}
}

// reportRate is inferbench report's throughput of one run directory.
func reportRate(t *testing.T, bin, dir string) (reqPerS, outTokPerS float64) {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), bin, "report", dir, "--format", "json").Output()
	if err != nil {
		t.Fatalf("report %s: %v", dir, err)
	}
	var r struct {
		Runs []struct {
			RequestsPerS     float64 `json:"requests_per_s"`
			OutputTokensPerS float64 `json:"output_tokens_per_s"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Runs) != 1 {
		t.Fatalf("report %s: %v\n%s", dir, err, out)
	}
	return r.Runs[0].RequestsPerS, r.Runs[0].OutputTokensPerS
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }

// twoRuns writes two runs of one simulated target into dir/runs, as two
// nights of one endpoint would be: each sends 12 requests at a constant
// 20/s. It returns the built binary and the run ids.
func twoRuns(t *testing.T, runs string) (bin string, ids []string) {
	t.Helper()
	bin = testbin.Build(t)
	url := testbin.StartSim(t, bin, "--preset", "exact", "--ttft", "1ms", "--itl", "200us")
	ids = []string{"night-1", "night-2"}
	for _, id := range ids {
		cmd := exec.CommandContext(t.Context(), bin, "run", "--base-url", url, "--model", "sim", "--target-name", "engine",
			"--workload", "sample", "--rate", "20/s", "--arrival", "constant", "--requests", "12", "--out", runs, "--run-id", id, "--quiet")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("run %s: %v\n%s", id, err, out)
		}
	}
	return bin, ids
}

// TestNotebookOnTwoRuns runs the notebook's standard-library cell with
// python3 and every SQL statement through DuckDB's Node.js client, in
// order, on two real runs of one target, from a folder laid out as the
// notebook expects (RUNS under the working directory). Each run must be
// its own row, and each run's throughput must be the one inferbench
// report gives for that run alone: pooled by target, two runs of one
// endpoint would show twice the rate. The SQL blocks of docs/results.md
// are checked the same way.
func TestNotebookOnTwoRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds inferbench and writes two runs")
	}
	needDuckDB(t)
	nb := readNotebook(t)
	_, runsName := notebookSQL(t, nb, "")
	work := t.TempDir()
	runs := filepath.Join(work, runsName)
	bin, ids := twoRuns(t, runs)
	want := map[string][2]float64{}
	for _, id := range ids {
		r, o := reportRate(t, bin, filepath.Join(runs, id))
		want[id] = [2]float64{r, o}
	}

	t.Run("python", func(t *testing.T) {
		py, err := exec.LookPath("python3")
		if err != nil {
			t.Skip("python3 not found")
		}
		var stdlib []string
		for _, src := range nb.code() {
			if !strings.Contains(src, "duckdb") && !strings.Contains(src, "con.") {
				stdlib = append(stdlib, src)
			}
		}
		if len(stdlib) == 0 {
			t.Fatal("no standard-library cell")
		}
		cmd := exec.CommandContext(t.Context(), py, "-c", strings.Join(stdlib, "\n"))
		cmd.Dir = work
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("python3: %v\n%s", err, out)
		}
		for _, id := range ids {
			if !strings.Contains(string(out), id+" engine self-hosted completed") {
				t.Errorf("the manifest listing does not show %s:\n%s", id, out)
			}
		}
	})

	t.Run("sql", func(t *testing.T) {
		stmts, _ := notebookSQL(t, nb, runsName)
		res := duckdb(t, work, stmts)
		rates := 0
		for i, r := range res {
			if strings.HasPrefix(strings.TrimSpace(strings.ToUpper(stmts[i])), "CREATE") {
				continue
			}
			runCol := r.col("run_id")
			if runCol < 0 || len(r.Rows) == 0 {
				t.Errorf("statement %d: columns %q, %d rows: want rows per run_id\n%s", i, r.Columns, len(r.Rows), stmts[i])
				continue
			}
			seen := map[string]bool{}
			for _, row := range r.Rows {
				seen[fmt.Sprint(row[runCol])] = true
			}
			if len(seen) != len(ids) {
				t.Errorf("statement %d sees runs %v, want %q", i, seen, ids)
			}
			if c := r.col("req_per_s"); c >= 0 {
				rates++
				checkRates(t, r, want, c, 0)
			}
		}
		if rates != 1 {
			t.Errorf("%d results with req_per_s, want the throughput cell's one", rates)
		}
	})

	t.Run("docs", func(t *testing.T) {
		doc, err := os.ReadFile("../docs/results.md")
		if err != nil {
			t.Fatal(err)
		}
		blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
		if len(blocks) == 0 {
			t.Fatal("no ```sql block in docs/results.md")
		}
		var stmts []string
		for _, b := range blocks {
			stmts = append(stmts, strings.ReplaceAll(b[1], "'runs/", "'"+runsName+"/"))
		}
		for i, r := range duckdb(t, work, stmts) {
			if !selectsPerRun(stmts[i]) || r.col("run_id") < 0 || len(r.Rows) != len(ids) {
				t.Errorf("docs/results.md query %d: %d rows, columns %q: want one row per run\n%s", i, len(r.Rows), r.Columns, stmts[i])
				continue
			}
			if c := r.col("out_tok_s"); c >= 0 {
				checkRates(t, r, want, c, 1)
			}
		}
	})
}

// checkRates compares column c of each row with the run's rate from
// inferbench report (which: 0 requests, 1 output tokens per second).
func checkRates(t *testing.T, r result, want map[string][2]float64, c, which int) {
	t.Helper()
	runCol, targetCol := r.col("run_id"), r.col("target")
	if len(r.Rows) != len(want) || targetCol < 0 {
		t.Fatalf("%s: %d rows (columns %q), want one per run", r.Columns[c], len(r.Rows), r.Columns)
	}
	if r.Rows[0][targetCol] != r.Rows[1][targetCol] {
		t.Fatalf("the two runs should be of one target: %v", r.Rows)
	}
	for _, row := range r.Rows {
		id := fmt.Sprint(row[runCol])
		got, w := float(t, row[c]), want[id][which]
		t.Logf("run %s: %s = %.3f (inferbench report: %.3f)", id, r.Columns[c], got, w)
		if w <= 0 || !near(got, w) {
			t.Errorf("run %s: %s = %g; inferbench report gives %g for the run alone", id, r.Columns[c], got, w)
		}
	}
}
