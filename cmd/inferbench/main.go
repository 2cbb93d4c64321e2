// Command inferbench replays LLM inference workloads against API providers,
// managed hosts and self-hosted engines, measures latency, throughput and
// saturation, writes Parquet results, and turns them into cost comparisons.
//
// It is wiring only: flags become a plan (bench.Plan, and the reports',
// workloads' and prices' options), signals become a context and an abort
// channel (interruptible), an outcome becomes an exit code, and it
// prints. Only this package touches flags, stdout, signals and os.Exit;
// it may import every other package.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/inferbench/inferbench/results"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1   // the run failed
	exitUsage       = 2   // usage or configuration error
	exitThresholds  = 3   // thresholds (--fail-on) failed
	exitInterrupted = 130 // interrupted by Ctrl-C
)

// env is what a subcommand may touch of the outside world. Tests give it
// buffers and a fake environment.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// interrupts delivers Ctrl-C (and SIGTERM); nil in tests that do not
	// interrupt.
	interrupts <-chan os.Signal
	// fs is where runs write their manifest and parts; nil is the
	// operating system's (tests give a disk that fills up).
	fs results.FS
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

// commands is the subcommand table, in the order help lists them.
var commands = []command{
	{"suite", "run a whole comparison declared in a suite file: every target, one report, gates", cmdSuite},
	{"run", "replay a workload against a target and write Parquet results", cmdRun},
	{"report", "summarise one or more run directories (latency, throughput, goodput, cost)", cmdReport},
	{"workload", "inspect, convert, synthesise and sample workloads", cmdWorkload},
	{"record", "proxy an app's OpenAI traffic to its upstream and record it as a workload", cmdRecord},
	{"compare", "compare a candidate run against a baseline; gate CI with --fail-on thresholds", cmdCompare},
	{"export", "export a run's requests as CSV or vegeta JSON results", cmdExport},
	{"sim", "serve a simulated OpenAI-compatible inference engine", cmdSim},
	{"demo", "run the built-in demo: three simulated targets, one side-by-side report", cmdDemo},
	{"prices", "list and search the shipped, dated price catalogue", cmdPrices},
	{"agent", "serve this host's NVML GPU samples as DCGM-style Prometheus metrics", cmdAgent},
	{"calibrate", "measure inferbench's own timing accuracy against an exact simulator", cmdCalibrate},
	{"version", "print the version", cmdVersion},
}

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, interrupts: sigs}
	os.Exit(dispatch(context.Background(), e, os.Args[1:]))
}

// dispatch runs a subcommand and returns the exit code.
func dispatch(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		usage(e.stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "inferbench: unknown command %q\n\n", name)
	usage(e.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `inferbench measures LLM inference targets (APIs, managed hosts, self-hosted
engines) on a recorded workload: latency, throughput, saturation and cost.

Usage:
  inferbench <command> [flags]

Commands:
`)
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprint(w, `
Examples:
  inferbench demo
  inferbench suite examples/demo.suite.yaml --out runs
  inferbench sim --listen 127.0.0.1:8000 --preset self-hosted
  inferbench run --base-url http://127.0.0.1:8000/v1 --model sim --workload sample \
      --rate 5/s --requests 200 --out runs
  inferbench report runs/* --slo ttft=500ms,tpot=50ms --format md

Run 'inferbench <command> -h' for the flags of a command.
`)
}

// interruptible is the one two-stage shutdown of every command that runs
// until stopped: the first interrupt (Ctrl-C, SIGTERM) cancels the
// returned context (stop scheduling, stop accepting, drain), the second
// closes abort (cancel what is in flight). first and second, when not
// empty, are printed as each comes. release stops watching.
func (e *env) interruptible(ctx context.Context, first, second string) (_ context.Context, abort <-chan struct{}, release func()) {
	ctx, cancel := context.WithCancel(ctx)
	ab := make(chan struct{})
	done := make(chan struct{})
	go func() {
		for n := 1; ; n++ {
			select {
			case <-e.interrupts: // nil in tests that do not interrupt: never ready
			case <-done:
				return
			}
			if n == 1 {
				e.note(first)
				cancel()
				continue
			}
			e.note(second)
			close(ab)
			return
		}
	}()
	return ctx, ab, func() { close(done); cancel() }
}

// log prints a library's note for the user on stderr.
func (e *env) log(s string) { fmt.Fprintf(e.stderr, "inferbench: %s\n", s) }

// note prints s on a line of its own on stderr, unless it is empty.
func (e *env) note(s string) {
	if s != "" {
		fmt.Fprintf(e.stderr, "\n%s\n", s)
	}
}
