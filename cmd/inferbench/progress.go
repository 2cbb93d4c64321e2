package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/inferbench/inferbench/bench"
)

// startProgress prints live progress of a run to w until done is closed:
// a line rewritten in place on a terminal (4 times a second), plain lines
// every 5 s otherwise (CI logs). The returned func waits for the printer
// to finish.
func startProgress(w io.Writer, name string, p *bench.Progress, done <-chan struct{}) func() {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	every := 5 * time.Second
	if tty {
		every = 250 * time.Millisecond
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				if tty {
					fmt.Fprintf(w, "\r%s\n", progressLine(name, p.Snapshot()))
				}
				return
			case <-t.C:
				if tty {
					fmt.Fprintf(w, "\r%s\x1b[K", progressLine(name, p.Snapshot()))
				} else {
					fmt.Fprintln(w, progressLine(name, p.Snapshot()))
				}
			}
		}
	}()
	return wg.Wait
}

func progressLine(name string, s bench.Snapshot) string {
	planned := "?"
	if s.Planned >= 0 {
		planned = fmt.Sprint(s.Planned)
	}
	line := fmt.Sprintf("%s  %s  %d/%s done  %.1f req/s  %.0f out tok/s  %d errors",
		name, s.Elapsed.Round(time.Second), s.Done, planned, s.ReqPerSec, s.TokPerSec, s.Errors)
	if s.LastError != "" {
		line += " (last: " + s.LastError + ")"
	}
	if s.Canceled > 0 {
		line += fmt.Sprintf("  %d canceled", s.Canceled)
	}
	return line
}
