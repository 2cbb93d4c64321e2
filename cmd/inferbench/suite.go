package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/inferbench/inferbench/bench"
	"github.com/inferbench/inferbench/internal/cliflag"
	"github.com/inferbench/inferbench/suite"
)

const suiteSynopsis = `inferbench suite FILE [--out DIR] [--dry-run] [--only NAME]... [--metrics-listen ADDR]
      [--format text|md|json|html] [--quiet]

Runs the comparison a suite file declares (docs/suite.md): every target gets
the workload and the load, one after another (parallel: true, all at once),
into DIR/NAME/TARGET; then the side-by-side report goes to standard output
and, as report.md, report.json and report.html, beside the runs. The gates
(requirements in the --fail-on grammar, like 'ttft.p95 < 800ms') are
checked on every run: exit 3 when one does not hold (fail_on: expressions
keep --fail-on's meaning: exit 3 when one holds).
The first Ctrl-C drains the run going and stops the suite (the report covers
the runs done; exit 130), the second cancels the requests in flight.`

const suiteExamples = `  inferbench suite examples/demo.suite.yaml --out runs
  inferbench suite migration.suite.yaml --dry-run
  inferbench suite migration.suite.yaml --only vllm-h100 --only gpt-4o-mini --metrics-listen :9464`

func cmdSuite(ctx context.Context, e *env, args []string) int {
	sr := &suiteRun{cmd: "suite"}
	fs := cliflag.New("suite", suiteSynopsis, suiteExamples, e.stderr)
	sr.register(fs, "runs")
	fs.BoolVar(&sr.dry, "dry-run", false, "check the file and print what would run (targets, loads, run directories); send nothing")
	fs.Var(&sr.only, "only", "run only the target `NAME`; repeatable")
	fs.StringVar(&sr.metrics, "metrics-listen", "", "serve live Prometheus metrics at http://`ADDR`/metrics while the suite runs (default: the file's metrics_listen)")
	pos, err := cliflag.Parse(fs, args)
	if err == nil && len(pos) != 1 {
		err = fmt.Errorf("want one suite FILE, got %d arguments", len(pos))
	}
	if err != nil {
		return usageError(e, "suite", err)
	}
	s, err := suite.ReadFile(pos[0])
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench suite: %v\n", err)
		return exitUsage
	}
	return sr.run(ctx, e, s, args)
}

// suiteRun is how `suite` and `demo` run a suite and report it.
type suiteRun struct {
	cmd, out, format, html, metrics string
	only                            cliflag.List
	dry, quiet                      bool
}

// register adds the flags both commands have.
func (sr *suiteRun) register(fs *flag.FlagSet, out string) {
	fs.StringVar(&sr.out, "out", out, "results `DIR`: the runs go to DIR/NAME/TARGET, the report files beside them")
	fs.StringVar(&sr.format, "format", "text", "report format on standard output: "+strings.Join(suite.Formats, ", "))
	fs.BoolVar(&sr.quiet, "quiet", false, "no progress output")
}

func (sr *suiteRun) run(ctx context.Context, e *env, s *suite.Suite, args []string) int {
	if !slices.Contains(suite.Formats, sr.format) {
		return usageError(e, sr.cmd, fmt.Errorf("--format %q: want %s", sr.format, strings.Join(suite.Formats, ", ")))
	}
	opts := suite.Options{Out: sr.out, Only: sr.only,
		Env: suite.Env{Getenv: e.getenv, Tool: toolInfo(), Args: append([]string{sr.cmd}, args...), Log: e.log}}
	if sr.dry {
		steps, err := s.Plan(opts)
		if err == nil {
			err = s.Describe(e.stdout, steps, opts)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "inferbench %s: %v\n", sr.cmd, err)
			return exitUsage
		}
		return exitOK
	}
	ctx, abort, release := e.interruptible(ctx,
		fmt.Sprintf("inferbench %s: stopping: no new runs or requests; draining those in flight (Ctrl-C again to cancel them)", sr.cmd),
		"inferbench: canceling in-flight requests")
	defer release()
	metrics, stop, ok := e.serveMetrics(sr.cmd, cmp.Or(sr.metrics, s.MetricsListen))
	if !ok {
		return exitFailed
	}
	defer stop()
	opts.Env.Abort, opts.Env.Metrics = abort, metrics
	printers := sr.progress(e, &opts)
	res, err := s.Execute(ctx, opts)
	printers.StopAll()
	if errors.Is(err, suite.ErrInvalid) {
		fmt.Fprintf(e.stderr, "inferbench %s: %v\n", sr.cmd, err)
		return exitUsage
	}
	code := exitOK
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench %s: %v\n", sr.cmd, err)
		if errors.Is(err, bench.ErrProbeFailed) {
			fmt.Fprintf(e.stderr, "inferbench %s: a target whose probe failed did not run: %s\n", sr.cmd,
				strings.Replace(probeHint, "--no-probe", "no_probe: true", 1))
		}
		code = exitFailed
	}
	if res == nil || len(res.Runs) == 0 {
		if res != nil && res.Interrupted {
			return exitInterrupted
		}
		return exitFailed
	}
	rep, files, err := s.Report(res, time.Now())
	if err == nil {
		err = rep.Render(e.stdout, sr.format)
	}
	if err == nil && sr.html != "" {
		err = rep.WriteFile(sr.html, "html")
		files = append(files, sr.html)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "inferbench %s: report: %v\n", sr.cmd, err)
		return exitFailed
	}
	fmt.Fprintf(e.stderr, "inferbench %s: %d run(s) in %s; report written to:\n  %s\n", sr.cmd, len(res.Runs), res.Dir, strings.Join(files, "\n  "))
	gates := (&thresholdsFlag{list: slices.Concat(s.Gates, s.FailOn)}).gate(e, sr.cmd, rep.Summaries())
	failed := res.Failed()
	if len(failed) > 0 {
		fmt.Fprintf(e.stderr, "inferbench %s: %d run(s) failed: %s\n", sr.cmd, len(failed), strings.Join(failed, ", "))
	}
	switch {
	case res.Interrupted:
		return exitInterrupted
	case code != exitOK:
		return code
	case len(failed) > 0:
		return exitFailed
	}
	return gates
}

// progress prints each run's progress and summary (none with --quiet),
// and why a run failed (with --quiet too).
func (sr *suiteRun) progress(e *env, opts *suite.Options) *bench.Printers {
	ps := &bench.Printers{}
	if !sr.quiet {
		opts.Observers = func(target string) []bench.Observer { return []bench.Observer{ps.Add(target, e.progress(target))} }
	}
	opts.OnDone = func(target string, out bench.Outcome) {
		ps.Stop(target)
		if !sr.quiet {
			printSummary(e, out)
		}
		failureBanner(e, sr.cmd, out, suite.KeyName)
	}
	return ps
}
