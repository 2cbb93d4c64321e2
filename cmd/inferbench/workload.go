package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/inferbench/inferbench/internal/cliflag"
	"github.com/inferbench/inferbench/reports/decide"
	"github.com/inferbench/inferbench/workloads"
)

// cmdWorkload is `inferbench workload`: inspect, convert, synthesise and
// sample workload files.
func cmdWorkload(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := e.stderr
		if len(args) > 0 {
			w = e.stdout
		}
		fmt.Fprint(w, workloadUsage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "inspect":
		return workloadInspect(e, rest)
	case "convert":
		return workloadConvert(e, rest)
	case "synth", "synthesise", "synthesize":
		return workloadSynth(e, rest)
	case "sample":
		return workloadSample(e, rest)
	}
	fmt.Fprintf(e.stderr, "inferbench workload: unknown subcommand %q\n\n%s", sub, workloadUsage)
	return exitUsage
}

const workloadUsage = `Usage:
  inferbench workload inspect FILE [--format text|json] [--input-format NAME]
  inferbench workload convert FILE --out OUT.jsonl [--format NAME] [--tokenizer NAME] [--seed N]
  inferbench workload synth --input-len DIST --output-len DIST --n N --out OUT.jsonl [--rate R --arrival A]
  inferbench workload sample FILE --out OUT.jsonl [--from D --to D] [--every K] [--shuffle-seed N]
      [--limit N] [--time-scale X]

Formats (detected from extension and content, or named):
  native, azure, mooncake, burstgpt, sharegpt, openai-batch, prompts-jsonl, prompts-text

Length-only traces (azure, mooncake, burstgpt) get synthesised prompts of exactly
the recorded length under the tokenizer (cl100k_base, o200k_base, p50k_base, r50k_base).

Run 'inferbench workload <subcommand> -h' for its flags.
`

// importFlags are the flags shared by the subcommands that read a file,
// and run's flags that shape how its workload file is read.
type importFlags struct {
	workloads.ImportOptions
	format string
}

func (f *importFlags) register(fs *flag.FlagSet, formatFlag string) {
	fs.StringVar(&f.format, formatFlag, "", "input format (default: detect): "+workloads.FormatNames())
	if formatFlag != "input-format" {
		fs.StringVar(&f.format, "input-format", "", "same as --"+formatFlag)
	}
	fs.StringVar(&f.Tokenizer, "tokenizer", workloads.DefaultTokenizer, "tokenizer for synthesised prompts and counted text: "+strings.Join(workloads.TokenizerNames, ", "))
	fs.Int64Var(&f.Seed, "seed", 0, "seed of synthesised prompt text")
	fs.BoolVar(&f.KeepFailed, "keep-failed", false, "keep rows the trace records as failed (BurstGPT Response tokens 0)")
	fs.BoolVar(&f.SkipInvalid, "skip-invalid", false, "skip and count malformed rows instead of stopping at the first")
}

// options are the import options the flags give; with --skip-invalid the
// first five skipped rows are printed (after prefix).
func (f *importFlags) options(e *env, prefix string) (workloads.ImportOptions, error) {
	opts, err := f.ImportOptions.Resolve(f.format)
	if err == nil && opts.SkipInvalid {
		shown := 0
		opts.OnInvalid = func(se *workloads.SyntaxError) {
			if shown < 5 {
				fmt.Fprintf(e.stderr, "%s: skipped %v\n", prefix, se)
			}
			shown++
		}
	}
	return opts, err
}

// oneFile checks that exactly one positional argument was given.
func oneFile(pos []string) (string, error) {
	switch len(pos) {
	case 0:
		return "", errors.New("need a workload FILE")
	case 1:
		return pos[0], nil
	}
	return "", fmt.Errorf("want one FILE, got %d arguments: %s", len(pos), strings.Join(pos, " "))
}

func workloadInspect(e *env, args []string) int {
	const cmd = "workload inspect"
	fs := cliflag.New("inspect", "inferbench workload inspect FILE [--format text|json] [--input-format NAME]", `  inferbench workload inspect trace.csv
  inferbench workload inspect mooncake.jsonl --format json`, e.stderr)
	var imp importFlags
	imp.register(fs, "input-format")
	out := fs.String("format", "text", "output format: text or json")
	pos, err := cliflag.Parse(fs, args)
	if err != nil {
		return usageError(e, cmd, err)
	}
	file, err := oneFile(pos)
	if err == nil && *out != "text" && *out != "json" {
		err = fmt.Errorf("--format %q: want text or json", *out)
	}
	if err != nil {
		return usageError(e, cmd, err)
	}
	opts, err := imp.options(e, "inferbench workload inspect")
	if err != nil {
		return usageError(e, cmd, err)
	}
	rr, err := workloads.OpenRows(file, opts)
	if err != nil {
		return failed(e, cmd, err)
	}
	defer rr.Close()
	s, err := workloads.Inspect(rr)
	if err == nil && *out == "json" {
		err = s.WriteJSON(e.stdout, file)
	} else if err == nil {
		err = s.WriteText(e.stdout, file)
		if in, out, ok := s.MonthTokens(decide.DefaultMonthHours); ok && err == nil {
			_, err = fmt.Fprintf(e.stdout, "\nAt its recorded rate (%.4g req/s), a %d-day month of this traffic is about %s input and %s output tokens,\n"+
				"the mix it was answered with: project it with  inferbench report RUNS --volume %s:%s\n",
				s.RatePerS, decide.DefaultMonthHours/24, decide.Tokens(in), decide.Tokens(out), decide.Tokens(in), decide.Tokens(out))
		}
	}
	if err != nil {
		return failed(e, cmd, err)
	}
	return exitOK
}

// failed prints err for cmd and returns exitFailed.
func failed(e *env, cmd string, err error) int {
	fmt.Fprintf(e.stderr, "inferbench %s: %v\n", cmd, err)
	return exitFailed
}

func workloadConvert(e *env, args []string) int {
	const cmd = "workload convert"
	fs := cliflag.New("convert", "inferbench workload convert FILE --out OUT.jsonl [--format NAME] [--tokenizer NAME] [--seed N]", `  inferbench workload convert AzureLLMInferenceTrace_conv.csv --out azure.jsonl
  inferbench workload convert trace.jsonl --format mooncake --tokenizer o200k_base --out mooncake.jsonl`, e.stderr)
	var imp importFlags
	imp.register(fs, "format")
	out := fs.String("out", "", "native JSON Lines file to write (- for stdout)")
	pos, err := cliflag.Parse(fs, args)
	if err != nil {
		return usageError(e, cmd, err)
	}
	file, err := oneFile(pos)
	if err == nil && *out == "" {
		err = errors.New("need --out")
	}
	if err != nil {
		return usageError(e, cmd, err)
	}
	opts, err := imp.options(e, "inferbench workload convert")
	if err != nil {
		return usageError(e, cmd, err)
	}
	return filterTo(e, cmd, file, opts, workloads.FilterOptions{}, *out)
}

// filterTo reads file, keeps what opts selects and writes it to out as
// native JSON Lines, saying what it wrote.
func filterTo(e *env, cmd, file string, iopts workloads.ImportOptions, opts workloads.FilterOptions, out string) int {
	n, format, skipped, err := workloads.FilterFile(file, iopts, opts, out, e.stdout)
	if err != nil {
		return failed(e, cmd, err)
	}
	fmt.Fprintf(e.stderr, "inferbench %s: wrote %d requests from %s (%s) to %s%s\n", cmd, n, file, format, out, skipped)
	return exitOK
}

func workloadSynth(e *env, args []string) int {
	const cmd = "workload synth"
	fs := cliflag.New("synth", "inferbench workload synth --input-len DIST --output-len DIST --n N --out OUT.jsonl [--rate R] [--arrival A]\n      [--shared-prefix N]", `  inferbench workload synth --input-len lognormal:512,0.4 --output-len fixed:128 --rate 5/s --arrival gamma:2 \
      --n 1000 --out w.jsonl
  inferbench workload synth --input-len uniform:100,2000 --output-len exponential:200 --shared-prefix 1024 \
      --n 500 --out rag.jsonl`, e.stderr)
	var o workloads.SynthOptions
	fs.StringVar(&o.InputLen, "input-len", "", "input length distribution: fixed:N, uniform:A,B, normal:MEAN,SD, lognormal:MEAN,SIGMA, exponential:MEAN")
	fs.StringVar(&o.OutputLen, "output-len", "", "output length distribution (max_tokens), same forms")
	fs.StringVar(&o.Rate, "rate", "", "mean arrival rate (5/s, 300/m); empty writes no arrival times")
	fs.StringVar(&o.Arrival, "arrival", "poisson", "arrival process: constant, poisson or gamma:CV")
	fs.IntVar(&o.SharedPrefix, "shared-prefix", 0, "tokens of text shared by every prompt, before its own input length")
	fs.IntVar(&o.N, "n", 0, "number of requests")
	fs.StringVar(&o.Out, "out", "", "native JSON Lines file to write (- for stdout)")
	fs.StringVar(&o.Tokenizer, "tokenizer", workloads.DefaultTokenizer, "tokenizer whose counts prompts hit: "+strings.Join(workloads.TokenizerNames, ", "))
	fs.Int64Var(&o.Seed, "seed", 0, "seed: the same flags and seed give the same workload")
	var err error
	if o.Args, err = cliflag.Parse(fs, args); err != nil {
		return usageError(e, cmd, err)
	}
	spec, err := o.Spec()
	if err != nil {
		return usageError(e, cmd, err)
	}
	count, err := workloads.WriteFile(o.Out, e.stdout, func(fn func(workloads.Request) error) error {
		return workloads.Generate(spec, fn)
	})
	if err != nil {
		return failed(e, cmd, err)
	}
	fmt.Fprintf(e.stderr, "inferbench %s: wrote %d requests to %s\n", cmd, count, o.Out)
	return exitOK
}

func workloadSample(e *env, args []string) int {
	const cmd = "workload sample"
	fs := cliflag.New("sample", "inferbench workload sample FILE --out OUT.jsonl [--from D --to D] [--every K] [--shuffle-seed N]\n      [--limit N] [--time-scale X]", `  inferbench workload sample azure.csv --from 10m --to 20m --out window.jsonl
  inferbench workload sample mooncake.jsonl --shuffle-seed 1 --limit 200 --time-scale 0.5 --out quick.jsonl`, e.stderr)
	var imp importFlags
	imp.register(fs, "format")
	var o workloads.SampleOptions
	fs.Var(cliflag.Parsed[time.Duration]{P: &o.From, Parse: workloads.ParseOffset}, "from", "keep requests arriving at or after this offset (90s, 10m, or seconds)")
	fs.Var(cliflag.Parsed[time.Duration]{P: &o.To, Parse: workloads.ParseOffset}, "to", "keep requests arriving before this offset")
	fs.IntVar(&o.Every, "every", 0, "keep every k-th request")
	fs.StringVar(&o.ShuffleSeed, "shuffle-seed", "", "shuffle requests between arrival slots with this seed (holds the selection in memory)")
	fs.IntVar(&o.Limit, "limit", 0, "keep at most N requests")
	fs.Float64Var(&o.TimeScale, "time-scale", 1, "multiply arrival offsets (0.5 = twice as fast)")
	fs.StringVar(&o.Out, "out", "", "native JSON Lines file to write (- for stdout)")
	pos, err := cliflag.Parse(fs, args)
	if err != nil {
		return usageError(e, cmd, err)
	}
	file, err := oneFile(pos)
	opts, err := o.Filter(err)
	if err != nil {
		return usageError(e, cmd, err)
	}
	iopts, err := imp.options(e, "inferbench workload sample")
	if err != nil {
		return usageError(e, cmd, err)
	}
	return filterTo(e, cmd, file, iopts, opts, o.Out)
}
