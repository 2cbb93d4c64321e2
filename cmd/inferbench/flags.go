package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/inferbench/inferbench/internal/cliflag"
)

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
	pos, err := cliflag.Parse(fs, args)
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
