package bench

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// ProgressPrinter writes live progress of a run to W from the moment it
// begins until Stop: a line rewritten in place on a terminal (TTY, 4 times
// a second), plain lines every 5 s otherwise (CI logs). It is an
// Observer; a sweep begins it again for every level.
type ProgressPrinter struct {
	Progress
	W    io.Writer
	Name string
	// TTY says W is a terminal: the line is rewritten in place.
	TTY  bool
	done chan struct{}
	wg   sync.WaitGroup
}

// Begin implements Observer: count and print from now on.
func (p *ProgressPrinter) Begin(s Started) {
	p.Stop()
	p.Progress.Begin(s)
	every := 5 * time.Second
	if p.TTY {
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
				if p.TTY {
					fmt.Fprintf(p.W, "\r%s\n", p.Snapshot().Line(p.Name))
				}
				return
			case <-t.C:
				if p.TTY {
					fmt.Fprintf(p.W, "\r%s\x1b[K", p.Snapshot().Line(p.Name))
				} else {
					fmt.Fprintln(p.W, p.Snapshot().Line(p.Name))
				}
			}
		}
	}(p.done)
}

// Stop ends the printing, if any, and waits for the printer; nil is a
// printer that prints nothing.
func (p *ProgressPrinter) Stop() {
	if p == nil || p.done == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
	p.done = nil
}

// Line is one line of progress of the run name: the time since the
// start, the requests done (of those planned), what is left (ETA at the
// current rate, or the measured time against a duration limit), the
// current rates (over the last RateWindow) and the errors.
func (s Snapshot) Line(name string) string {
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

// Printers are the progress printers of runs going at once (a suite's
// targets), by name; safe for concurrent use.
type Printers struct {
	mu sync.Mutex
	by map[string]*ProgressPrinter
}

// Add keeps p as the printer of name and returns it.
func (ps *Printers) Add(name string, p *ProgressPrinter) *ProgressPrinter {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.by == nil {
		ps.by = map[string]*ProgressPrinter{}
	}
	ps.by[name] = p
	return p
}

// Stop stops the printer of name; none is a no-op.
func (ps *Printers) Stop(name string) {
	ps.mu.Lock()
	p := ps.by[name]
	ps.mu.Unlock()
	p.Stop()
}

// StopAll stops every printer.
func (ps *Printers) StopAll() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range ps.by {
		p.Stop()
	}
}
