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

// progressPrinter prints live progress of a run from the moment it
// begins until stop: a line rewritten in place on a terminal (4 times a
// second), plain lines every 5 s otherwise (CI logs). It is a bench
// Observer; a sweep begins it again for every level.
type progressPrinter struct {
	bench.Progress
	w    io.Writer
	name string
	done chan struct{}
	wg   sync.WaitGroup
}

// Begin implements bench.Observer: count and print from now on.
func (p *progressPrinter) Begin(s bench.Started) {
	p.stop()
	p.Progress.Begin(s)
	tty := false
	if f, ok := p.w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	every := 5 * time.Second
	if tty {
		every = 250 * time.Millisecond
	}
	p.done = make(chan struct{})
	p.wg.Add(1)
	go func(done chan struct{}) {
		defer p.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				if tty {
					fmt.Fprintf(p.w, "\r%s\n", progressLine(p.name, p.Snapshot()))
				}
				return
			case <-t.C:
				if tty {
					fmt.Fprintf(p.w, "\r%s\x1b[K", progressLine(p.name, p.Snapshot()))
				} else {
					fmt.Fprintln(p.w, progressLine(p.name, p.Snapshot()))
				}
			}
		}
	}(p.done)
}

// stop ends the printing, if any, and waits for the printer; nil is a
// printer that prints nothing.
func (p *progressPrinter) stop() {
	if p == nil || p.done == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
	p.done = nil
}

// progressLine is one line of progress: the time since the start, the
// requests done (of those planned), what is left (ETA at the current
// rate, or the measured time against a --duration), the current rates
// (over the last bench.RateWindow) and the errors.
func progressLine(name string, s bench.Snapshot) string {
	done := fmt.Sprintf("%d done", s.Done)
	if s.Planned >= 0 {
		done = fmt.Sprintf("%d/%d done", s.Done, s.Planned)
	}
	switch {
	case s.Planned < 0 && s.Limit > 0 && s.ETA < 0:
		done += "  warm-up"
	case s.Planned < 0 && s.Limit > 0:
		done += fmt.Sprintf("  %s/%s", min(s.MeasuredElapsed, s.Limit).Round(time.Second), s.Limit)
	case s.ETA >= 0:
		done += fmt.Sprintf("  ETA %s", s.ETA.Round(time.Second))
	}
	line := fmt.Sprintf("%s  %s  %s  %.1f req/s  %.0f out tok/s  %d errors",
		name, s.Elapsed.Round(time.Second), done, s.ReqPerSec, s.TokPerSec, s.Errors)
	if s.LastError != "" {
		line += " (last: " + s.LastError + ")"
	}
	if s.Canceled > 0 {
		line += fmt.Sprintf("  %d canceled", s.Canceled)
	}
	return line
}
