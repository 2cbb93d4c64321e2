package main

import (
	"os"

	"golang.org/x/term"

	"github.com/inferbench/inferbench/bench"
)

// progress is a printer of a run's live progress on stderr, rewriting
// one line in place when stderr is a terminal.
func (e *env) progress(name string) *bench.ProgressPrinter {
	tty := false
	if f, ok := e.stderr.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &bench.ProgressPrinter{W: e.stderr, Name: name, TTY: tty}
}
