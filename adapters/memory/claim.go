package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/orkesta/orkesta/payment"
)

var _ payment.Claimer = (*Store)(nil)

// workRec is the processor bookkeeping of one payment (payment.Work without the payment).
type workRec struct {
	owner     string
	until     time.Time
	attempts  int
	lastError string
	sent      bool
	outside   bool // moved to processing outside the rails (payment.Change.Outside): never work again
}

// workTable holds the bookkeeping of every payment a processor has claimed. Guarded by Store.mu.
type workTable struct {
	m map[payment.ID]*workRec
}

// rec returns the bookkeeping of payment id, new (due at until) when it has none.
func (t *workTable) rec(id payment.ID, until time.Time) *workRec {
	if t.m == nil {
		t.m = make(map[payment.ID]*workRec)
	}
	w := t.m[id]
	if w == nil {
		w = &workRec{until: until}
		t.m[id] = w
	}
	return w
}

// markOutside records that payment id went to processing outside the rails (payment.Change.Outside).
func (t *workTable) markOutside(id payment.ID) {
	w := t.rec(id, time.Time{})
	w.outside, w.sent = true, true
}

// Claim implements payment.Claimer. It scans every workspace's payments under the store's lock: fine
// for the tests and demos this store is for; SQL stores use an index and SKIP LOCKED instead. The scan
// also drops the bookkeeping of finished payments that a dying processor could not record.
func (s *Store) Claim(_ context.Context, q payment.ClaimQuery) ([]payment.Work, error) {
	if q.Limit <= 0 || len(q.Methods) == 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	type cand struct {
		r   *record
		due time.Time
	}
	var cands []cand
	for _, d := range s.ws {
		for _, id := range d.order {
			r := d.payments[id]
			p := r.p
			w := s.work.m[id]
			if !payment.MayNeedRail(p.Status) {
				if w != nil { // finished while its processor died before recording it
					delete(s.work.m, id)
				}
				continue
			}
			if !slices.Contains(q.Methods, p.Method) || w != nil && (w.outside || w.until.After(q.Now)) ||
				w == nil && p.CreatedAt.After(q.Now) { // due from its creation on
				continue
			}
			switch p.Status {
			case payment.StatusApproved:
			case payment.StatusPending:
				if d.w.Approval.Requires(p.Money()) {
					continue
				}
			case payment.StatusProcessing:
				if w != nil && w.sent && !slices.Contains(q.Polled, p.Method) {
					continue
				}
			default:
				continue
			}
			due := p.CreatedAt
			if w != nil {
				due = w.until
			}
			cands = append(cands, cand{r: r, due: due})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		return cmp.Compare(a.r.p.ID, b.r.p.ID)
	})
	if len(cands) > q.Limit {
		cands = cands[:q.Limit]
	}
	out := make([]payment.Work, len(cands))
	for i, c := range cands {
		w := s.work.rec(c.r.p.ID, q.Until)
		w.owner, w.until = q.Owner, q.Until
		out[i] = payment.Work{Payment: *c.r.p, Owner: w.owner, Until: w.until, Attempts: w.attempts,
			LastError: w.lastError, Sent: w.sent}
	}
	return out, nil
}

// UpdateWork implements payment.Claimer. The bookkeeping of a payment that no longer needs a rail
// (settled, failed, cancelled) is dropped, and recording it is no error.
func (s *Store) UpdateWork(_ context.Context, w payment.Work) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A finished payment first, whoever records it, as on the SQL stores: its bookkeeping may be gone
	// already (its last owner recorded the end), and a processor whose lease ran out is told nothing.
	if d, ok := s.ws[w.Payment.Workspace]; ok {
		if r, ok := d.payments[w.Payment.ID]; ok {
			if !payment.MayNeedRail(r.p.Status) {
				delete(s.work.m, w.Payment.ID)
				return nil
			}
		}
	}
	rec := s.work.m[w.Payment.ID]
	if rec == nil {
		return payment.ErrNotFound
	}
	if rec.owner != w.Owner {
		return payment.ErrConflict
	}
	rec.until, rec.attempts, rec.lastError = w.Until, w.Attempts, w.LastError
	rec.sent = !w.Resend && (rec.sent || w.Sent) // raised, never lowered but by Resend
	return nil
}

// MarkSent implements payment.Claimer. An unknown payment is ErrNotFound, as on the SQL stores; a
// payment that no longer needs a rail has no bookkeeping.
func (s *Store) MarkSent(_ context.Context, id payment.ID, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var r *record
	for _, d := range s.ws {
		if r = d.payments[id]; r != nil {
			break
		}
	}
	switch {
	case r == nil:
		return fmt.Errorf("%w: payment %s", payment.ErrNotFound, id)
	case !payment.MayNeedRail(r.p.Status):
		return nil
	}
	s.work.rec(id, at).sent = true
	return nil
}

// WorkOf returns the processor bookkeeping kept for a payment (its payment field is left empty), and
// false when there is none: for tests and operators asking why a payment waits.
func (s *Store) WorkOf(id payment.ID) (payment.Work, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.work.m[id]
	if w == nil {
		return payment.Work{}, false
	}
	return payment.Work{Owner: w.owner, Until: w.until, Attempts: w.attempts, LastError: w.lastError, Sent: w.sent}, true
}
