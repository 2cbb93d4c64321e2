package targets

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// watchdog enforces the first-token and idle timeouts of one request by
// canceling its context with a cause that names the timeout, so the record
// says which limit struck. The total timeout is the context's own
// deadline, and the connect timeout the dialer's. All methods are safe on
// a nil watchdog (no timeouts configured).
type watchdog struct {
	cancel context.CancelCauseFunc
	idle   time.Duration

	mu      sync.Mutex
	first   *time.Timer // armed at send, stopped by the first token
	idleT   *time.Timer // armed at the first token, reset by every read
	stopped bool
}

// startWatchdog arms the first-token timer now. It returns nil when both
// timeouts are off.
func startWatchdog(cancel context.CancelCauseFunc, first, idle time.Duration) *watchdog {
	if first <= 0 && idle <= 0 {
		return nil
	}
	w := &watchdog{cancel: cancel, idle: idle}
	if first > 0 {
		w.first = time.AfterFunc(first, func() {
			cancel(fmt.Errorf("first token timeout %v exceeded", first))
		})
	}
	return w
}

// firstToken stops the first-token timer and starts the idle one.
func (w *watchdog) firstToken() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.first != nil {
		w.first.Stop()
	}
	if w.idle > 0 && w.idleT == nil && !w.stopped {
		idle := w.idle
		w.idleT = time.AfterFunc(idle, func() {
			w.cancel(fmt.Errorf("idle timeout %v exceeded between chunks", idle))
		})
	}
}

// read notes that bytes arrived: the idle timer starts over.
func (w *watchdog) read() {
	// idle never changes after startWatchdog: without an idle timeout
	// there is no timer to reset, and the lock is skipped on every read.
	if w == nil || w.idle <= 0 {
		return
	}
	w.mu.Lock()
	if w.idleT != nil && !w.stopped {
		w.idleT.Reset(w.idle)
	}
	w.mu.Unlock()
}

// stop disarms both timers for good.
func (w *watchdog) stop() {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.stopped = true
	if w.first != nil {
		w.first.Stop()
	}
	if w.idleT != nil {
		w.idleT.Stop()
	}
	w.mu.Unlock()
}
