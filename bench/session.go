package bench

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/inferbench/inferbench/results"
	"github.com/inferbench/inferbench/workloads"
)

// A unit is what the pacer (open loop) or a virtual user (closed loop)
// picks up: one request, or with Config.Sessions a whole conversation whose
// turns are sent one after the other.
type unit []int // workload indices, in the order they are sent

// buildUnits groups the workload into units. Without sessions every request
// is its own unit. With sessions, requests sharing a session_id become one
// unit ordered by turn (stable, so equal turns keep workload order), placed
// where the session's first turn sits in the workload; requests without a
// session_id stay units of their own.
func buildUnits(w []workloads.Request, sessions bool) []unit {
	units := make([]unit, 0, len(w))
	if !sessions {
		for i := range w {
			units = append(units, unit{i})
		}
		return units
	}
	bySession := map[string]int{} // session id -> index in units
	for i := range w {
		id := w[i].SessionID
		if id == "" {
			units = append(units, unit{i})
			continue
		}
		if u, ok := bySession[id]; ok {
			units[u] = append(units[u], i)
			continue
		}
		bySession[id] = len(units)
		units = append(units, unit{i})
	}
	for _, u := range units {
		if len(u) > 1 {
			slices.SortStableFunc(u, func(a, b int) int { return cmp.Compare(w[a].Turn, w[b].Turn) })
		}
	}
	// A session sits where its first turn (lowest turn) is, so a replay
	// ordered by arrival starts each conversation at its first turn's time.
	slices.SortStableFunc(units, func(a, b unit) int { return cmp.Compare(a[0], b[0]) })
	return units
}

// SessionStarts returns, in the order the dispatcher picks them up, the
// workload index of each unit's first request when sessions is set (a
// session's first turn, or a request without session_id). A replay of a
// session workload paces these: give ReplayPacer their arrival offsets.
// Without sessions it is every index in order.
func SessionStarts(w []workloads.Request, sessions bool) []int {
	units := buildUnits(w, sessions)
	out := make([]int, len(units))
	for i, u := range units {
		out[i] = u[0]
	}
	return out
}

// claimUnit returns the next unit of phase ph and the request index of
// its first request, reserving one request index per request of the unit
// and counting the unit in ph.scheduling (under the lock, so a wait for
// scheduling that starts once ph.claimed is closed sees every claim). The
// last unit of a phase is cut short so the phase ends at exactly its
// limit; ok is false when the phase is exhausted.
func (d *dispatcher) claimUnit(ph *phase) (u unit, base int, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ph.exhausted(d.next) {
		return nil, 0, false
	}
	u = d.units[d.nextUnit%len(d.units)]
	if ph.limit >= 0 && d.next+len(u) > ph.limit {
		u = u[:ph.limit-d.next]
	}
	base = d.next
	d.next += len(u)
	d.nextUnit++
	ph.scheduling.Add(1)
	ph.exhausted(d.next)
	return u, base, true
}

// unclaimUnit gives back the unit just claimed (scheduling stopped before
// it was sent). Only the open loop's single pacing goroutine calls it.
func (d *dispatcher) unclaimUnit(ph *phase, u unit) {
	d.mu.Lock()
	d.next -= len(u)
	d.nextUnit--
	d.mu.Unlock()
	ph.scheduling.Done()
}

// runUnit sends the requests of u in order. The first is sent at once
// (scheduled at first; its slot, if any, already held: taken at ready
// after a wait, or 0). Each later turn is scheduled ThinkTime after the
// previous turn finished and waits for it, so its schedule lag shows any
// delay of the harness or the in-flight cap.
//
// A failed turn does not end the conversation: the next turn is sent as
// the workload wrote it, as a user would retry or go on. A canceled turn
// (abort, drain deadline) or the end of scheduling (ctx) ends it. It calls
// ph.scheduling.Done once it has nothing more to schedule.
func (d *dispatcher) runUnit(ctx, reqCtx context.Context, ph *phase, u unit, base int, first, ready int64, slots chan struct{}) {
	schedDone := sync.OnceFunc(ph.scheduling.Done)
	defer schedDone()
	start := d.clock.Start()
	scheduled := first
	for k, wi := range u {
		if k > 0 {
			var ok bool
			if ready, ok = d.waitTurn(ctx, start.Add(time.Duration(scheduled)), slots); !ok {
				return
			}
		}
		if k == len(u)-1 {
			schedDone()
		}
		rec := d.send(reqCtx, ph, base+k, wi, scheduled, ready)
		if slots != nil {
			<-slots
		}
		if rec.Status == results.StatusCanceled {
			return
		}
		scheduled = rec.DoneNs + int64(d.cfg.ThinkTime)
	}
}
