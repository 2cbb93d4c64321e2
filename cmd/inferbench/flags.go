package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/inferbench/inferbench/internal/suggest"
)

// newFlagSet returns a FlagSet that reports errors instead of exiting, with
// a usage text made of a synopsis, the flags, and examples.
func newFlagSet(name, synopsis, examples string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage:\n  %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(w, "\nExamples:\n%s\n", strings.TrimRight(examples, "\n"))
		}
	}
	return fs
}

// parseArgs parses flags that may come before, between or after positional
// arguments (report RUN... --format md), and returns the positionals.
// "--" ends flag parsing. It returns flag.ErrHelp for -h, after printing
// the usage; any other error is returned unprinted (usageError prints it
// once), an unknown flag's with the nearest known one.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = usage; fs.SetOutput(out) }()
	pos, err := parseAll(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(out)
		usage()
	}
	return pos, flagError(fs, err)
}

// flagError rewrites the flag package's "flag provided but not defined:
// -x" as "unknown flag --x", with a did-you-mean when a defined flag is
// close.
func flagError(fs *flag.FlagSet, err error) error {
	const prefix = "flag provided but not defined: -"
	if err == nil || !strings.HasPrefix(err.Error(), prefix) {
		return err
	}
	name := strings.TrimPrefix(err.Error(), prefix)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if near, ok := suggest.Closest(name, names); ok {
		return fmt.Errorf("unknown flag --%s (did you mean --%s?)", name, near)
	}
	return fmt.Errorf("unknown flag --%s", name)
}

// parseAll is parseArgs without the printing.
func parseAll(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, dashDash(err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first positional or after "--".
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// dashDash rewrites the flag package's "flag -name" to "flag --name", the
// way the help and the docs spell every flag.
func dashDash(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, " flag -"); i >= 0 && !strings.HasPrefix(msg[i+len(" flag -"):], "-") {
		return errors.New(msg[:i] + " flag --" + msg[i+len(" flag -"):])
	}
	return err
}

// parseFlagsOnly is parseArgs for commands that take no positional
// arguments: one is an error.
func parseFlagsOnly(fs *flag.FlagSet, args []string) error {
	pos, err := parseArgs(fs, args)
	if err == nil && len(pos) > 0 {
		err = fmt.Errorf("unexpected argument %q", pos[0])
	}
	return err
}

// givenFlags is the set of flags given on the command line (by name), for
// telling a flag set to its default value from one left out.
func givenFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// usageError prints msg and a hint, and returns exitUsage.
func usageError(e *env, cmd string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(e.stderr, "inferbench %s: %v\nRun 'inferbench %s -h' for usage.\n", cmd, err, cmd)
	return exitUsage
}

// parseQuiet is parseArgs for commands whose usage is long: the whole usage
// is printed only for -h (to stdout, exit 0), and any other flag error is
// one clear line (exit 2). ok is false when the command should return code.
func parseQuiet(e *env, name string, fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	usage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(e.stdout)
		usage()
		return nil, exitOK, false
	}
	if err != nil {
		return nil, usageError(e, name, err), false
	}
	return pos, 0, true
}
