package sim

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// errClosed is returned to streams when the Server is closed under them.
var errClosed = errors.New("sim: server closed")

// seq is one request inside the engine.
type seq struct {
	input     int // prompt tokens
	maxTokens int // tokens to generate

	// Guarded by engine.mu.
	generated int
	recompute bool // preempted: its next prefill covers input+generated
	admitted  bool // ever admitted (for the first-token step)

	// gen mirrors generated for the stream goroutine; notify (capacity 1)
	// wakes it after each token.
	gen    atomic.Int64
	notify chan struct{}
}

func newSeq(input, maxTokens int) *seq {
	return &seq{input: input, maxTokens: maxTokens, notify: make(chan struct{}, 1)}
}

// kv is the KV cache footprint of s now.
func (s *seq) kv() int { return s.input + s.generated }

// batch is the scheduler state of a continuous-batching engine, without
// time: plan and advance are pure, so tests drive them step by step.
type batch struct {
	maxBatch int // 0: unlimited
	kvCap    int // 0: unlimited
	running  []*seq
	waiting  []*seq // FIFO; preempted sequences go back to the head

	preemptions int64
}

// step is what one engine step does.
type step struct {
	size          int // running sequences during the step
	admitted      int // sequences admitted (prefilled) at this step
	prefillTokens int // tokens prefilled at this step
	preempted     int // sequences preempted before this step
}

// duration is the wall time of st under cfg:
//
//	DecodeStep + DecodeStepPerSeq*size + PrefillPerToken*prefillTokens
func (c *Config) stepDuration(st step) time.Duration {
	return c.DecodeStep + c.DecodeStepPerSeq*time.Duration(st.size) +
		c.PrefillPerToken*time.Duration(st.prefillTokens)
}

// plan prepares the next step: while the running sequences would outgrow
// the KV capacity with one more token each, it preempts the most recently
// admitted one back to the head of the queue (vLLM's recompute
// preemption); then it admits waiting sequences in FIFO order while the
// batch and the KV have room. The head of the queue blocks those behind
// it, as in vLLM's FCFS policy.
func (b *batch) plan() step {
	var st step
	need := 0 // KV after this step: every running sequence grows by one
	for _, s := range b.running {
		need += s.kv() + 1
	}
	for b.kvCap > 0 && need > b.kvCap && len(b.running) > 1 {
		last := b.running[len(b.running)-1]
		b.running = b.running[:len(b.running)-1]
		need -= last.kv() + 1
		last.recompute = true
		b.waiting = append([]*seq{last}, b.waiting...)
		st.preempted++
		b.preemptions++
	}
	for len(b.waiting) > 0 {
		s := b.waiting[0]
		if b.maxBatch > 0 && len(b.running) >= b.maxBatch {
			break
		}
		if b.kvCap > 0 && need+s.kv()+1 > b.kvCap {
			break
		}
		b.waiting = b.waiting[1:]
		b.running = append(b.running, s)
		need += s.kv() + 1
		st.admitted++
		st.prefillTokens += s.kv() // the prompt, plus earlier output after a preemption
		s.recompute = false
		s.admitted = true
	}
	st.size = len(b.running)
	return st
}

// advance ends a step: every running sequence gets one token, and those
// that reached their limit leave the batch. It returns the sequences that
// got a token; finished ones have generated == maxTokens.
func (b *batch) advance() []*seq {
	progressed := make([]*seq, 0, len(b.running))
	kept := b.running[:0]
	for _, s := range b.running {
		s.generated++
		progressed = append(progressed, s)
		if s.generated < s.maxTokens {
			kept = append(kept, s)
		}
	}
	clear(b.running[len(kept):])
	b.running = kept
	return progressed
}

// remove takes s out of the batch or the queue (client gone); it reports
// whether s was there.
func (b *batch) remove(s *seq) bool {
	for i, r := range b.running {
		if r == s {
			b.running = append(b.running[:i], b.running[i+1:]...)
			return true
		}
	}
	for i, w := range b.waiting {
		if w == s {
			b.waiting = append(b.waiting[:i], b.waiting[i+1:]...)
			return true
		}
	}
	return false
}

// kvUsed is the KV footprint of the running sequences.
func (b *batch) kvUsed() int {
	n := 0
	for _, s := range b.running {
		n += s.kv()
	}
	return n
}

// engine runs a batch in real time on one goroutine.
type engine struct {
	cfg  *Config
	wake chan struct{} // capacity 1: work arrived
	done chan struct{} // closed by stop
	exit chan struct{} // closed when the loop returns
	// onStep, if set, is called (without the lock) after each step with
	// the step and its planned duration; for metrics and tests.
	onStep func(st step, d time.Duration)

	mu sync.Mutex
	b  batch
}

func newEngine(cfg *Config) *engine {
	e := &engine{
		cfg:  cfg,
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
		exit: make(chan struct{}),
		b:    batch{maxBatch: cfg.MaxBatch, kvCap: cfg.KVCapacityTokens},
	}
	go e.loop()
	return e
}

// submit queues s.
func (e *engine) submit(s *seq) {
	e.mu.Lock()
	e.b.waiting = append(e.b.waiting, s)
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// cancel takes s out of the engine at once, freeing its batch slot and KV.
func (e *engine) cancel(s *seq) {
	e.mu.Lock()
	e.b.remove(s)
	e.mu.Unlock()
}

// stop ends the loop and waits for it.
func (e *engine) stop() {
	select {
	case <-e.done:
	default:
		close(e.done)
	}
	<-e.exit
}

// loop runs steps back to back. Each step ends at an absolute deadline
// (the previous deadline plus this step's duration), so timer lateness is
// not accumulated; after an idle period, or if the loop fell more than a
// step behind, the clock restarts from now instead of bursting to catch up.
func (e *engine) loop() {
	defer close(e.exit)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var next time.Time // start of the next step; zero after idle
	for {
		e.mu.Lock()
		st := e.b.plan()
		e.mu.Unlock()
		if st.size == 0 {
			next = time.Time{}
			select {
			case <-e.wake:
				continue
			case <-e.done:
				return
			}
		}
		d := e.cfg.stepDuration(st)
		now := time.Now()
		if next.IsZero() || now.Sub(next) > d {
			next = now
		}
		deadline := next.Add(d)
		timer.Reset(time.Until(deadline))
		select {
		case <-timer.C:
		case <-e.done:
			timer.Stop()
			return
		}
		e.mu.Lock()
		for _, s := range e.b.advance() {
			s.gen.Store(int64(s.generated))
			select {
			case s.notify <- struct{}{}:
			default:
			}
		}
		e.mu.Unlock()
		if e.onStep != nil {
			e.onStep(st, d)
		}
		next = deadline
	}
}

// engineSource streams one sequence's tokens from the engine.
type engineSource struct {
	e *engine
	s *seq
}

func (src *engineSource) next(ctx context.Context, want int) (int, error) {
	for {
		if g := int(src.s.gen.Load()); g >= want {
			return g, nil
		}
		select {
		case <-src.s.notify:
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-src.e.done:
			return 0, errClosed
		}
	}
}

// stall pauses delivery; the engine keeps generating meanwhile, so the
// tokens made during the pause arrive in a burst after it, as after a
// network stall.
func (src *engineSource) stall(ctx context.Context, d time.Duration) error {
	return sleepCtx(ctx, src.e.done, time.Now().Add(d))
}

func (src *engineSource) release() { src.e.cancel(src.s) }

// sleepCtx sleeps until deadline, or returns early with an error when ctx
// is done or closed is closed.
func sleepCtx(ctx context.Context, closed <-chan struct{}, deadline time.Time) error {
	d := time.Until(deadline)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-closed:
		return errClosed
	}
}
