package reconcile

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// review loads an open run, finds the entry, checks its state and applies f; then saves the run with
// a history line.
func (s *Service) review(ctx context.Context, ws payment.WorkspaceID, id RunID, fingerprint string, action RunAction,
	allowed []DecisionState, f func(run *Run, re *RunEntry, now time.Time) (RunEvent, error)) (Run, error) {
	run, err := s.loadRun(ctx, ws, id)
	if err != nil {
		return Run{}, err
	}
	return s.reviewRun(ctx, run, fingerprint, action, allowed, f)
}

// reviewRun is review on a run already loaded.
func (s *Service) reviewRun(ctx context.Context, run Run, fingerprint string, action RunAction,
	allowed []DecisionState, f func(run *Run, re *RunEntry, now time.Time) (RunEvent, error)) (Run, error) {
	id := run.ID
	if run.Status != RunOpen {
		return run, &RunStatusError{Run: id, Status: run.Status, Action: action}
	}
	i := run.entryIndex(fingerprint)
	if i < 0 {
		return run, fmt.Errorf("%w: no entry %s in run %s", payment.ErrNotFound, fingerprint, id)
	}
	re := &run.Entries[i]
	if !slices.Contains(allowed, re.Decision.State) {
		return run, &ReviewError{Entry: fingerprint, State: re.Decision.State, Action: action}
	}
	prev := run.Version
	now := s.nowFor(&run)
	ev, err := f(&run, re, now)
	if err != nil {
		return run, err
	}
	ev.At, ev.Action, ev.Entry = now, action, fingerprint
	run.History = append(run.History, ev)
	if err := s.save(ctx, &run, prev, now, payment.Event{}); err != nil {
		return Run{}, err
	}
	return run, nil
}

func required(field, value string) error {
	if strings.TrimSpace(value) == "" {
		return &payment.ValidationError{Field: field, Reason: "is required"}
	}
	return nil
}

// Approve accepts a proposed (fuzzy) match: the entry is matched with its payments, whichever it
// proposes now. A caller that shows the proposal to a person calls ApproveProposal.
func (s *Service) Approve(ctx context.Context, ws payment.WorkspaceID, id RunID, fingerprint, actor, note string) (Run, error) {
	return s.ApproveProposal(ctx, ws, id, fingerprint, nil, actor, note)
}

// ApproveProposal is Approve of the proposal its caller saw: expected are the payments it showed
// (the entry's Decision.PaymentIDs, in any order). When the entry proposes other payments now
// (someone rejected the proposal shown and matching proposed another), nothing changes and the
// error is a *ProposalChangedError that says what is proposed now. An empty expected checks
// nothing, as Approve.
func (s *Service) ApproveProposal(ctx context.Context, ws payment.WorkspaceID, id RunID, fingerprint string,
	expected []payment.ID, actor, note string) (Run, error) {
	if err := required("actor", actor); err != nil {
		return Run{}, err
	}
	return s.review(ctx, ws, id, fingerprint, ActionApprove, []DecisionState{StateProposed},
		func(_ *Run, re *RunEntry, now time.Time) (RunEvent, error) {
			if err := re.proposes(expected, ActionApprove); err != nil {
				return RunEvent{}, err
			}
			d := &re.Decision
			d.State, d.Review, d.By, d.Note, d.At = StateMatched, ReviewApproved, actor, note, now
			return RunEvent{Actor: actor, PaymentIDs: slices.Clone(d.PaymentIDs), Reason: note}, nil
		})
}

// Reject refuses a proposed match: its payments are never proposed for the entry again, and the entry
// is matched again against the remaining payments (it may get another proposal, or stay unmatched).
// It rejects whichever payments the entry proposes now; a caller that shows the proposal to a person
// calls RejectProposal.
func (s *Service) Reject(ctx context.Context, ws payment.WorkspaceID, id RunID, fingerprint, actor, reason string) (Run, error) {
	return s.RejectProposal(ctx, ws, id, fingerprint, nil, actor, reason)
}

// RejectProposal is Reject of the proposal its caller saw, checked as ApproveProposal checks it.
func (s *Service) RejectProposal(ctx context.Context, ws payment.WorkspaceID, id RunID, fingerprint string,
	expected []payment.ID, actor, reason string) (Run, error) {
	if err := required("actor", actor); err != nil {
		return Run{}, err
	}
	return s.review(ctx, ws, id, fingerprint, ActionReject, []DecisionState{StateProposed},
		func(run *Run, re *RunEntry, now time.Time) (RunEvent, error) {
			if err := re.proposes(expected, ActionReject); err != nil {
				return RunEvent{}, err
			}
			return s.release(ctx, run, re, actor, reason, now)
		})
}

// proposes refuses an action on the entry's proposal when expected (unless empty) names other
// payments than it holds, in any order and either letter case of their ULIDs (payment.ParseID).
func (re *RunEntry) proposes(expected []payment.ID, action RunAction) error {
	if len(expected) == 0 {
		return nil
	}
	want, have := slices.Clone(expected), slices.Clone(re.Decision.PaymentIDs)
	for i, id := range want {
		if pid, err := payment.ParseID(string(id)); err == nil {
			want[i] = pid
		}
	}
	slices.Sort(want)
	slices.Sort(have)
	if slices.Equal(slices.Compact(want), slices.Compact(have)) {
		return nil
	}
	return &ProposalChangedError{Entry: re.Entry.Fingerprint, Position: re.Entry.Position, Action: action,
		Expected: slices.Clone(expected), Proposed: slices.Clone(re.Decision.PaymentIDs)}
}

// release records the entry's payments as rejected and matches it again.
func (s *Service) release(ctx context.Context, run *Run, re *RunEntry, actor, reason string, now time.Time) (RunEvent, error) {
	d := &re.Decision
	ev := RunEvent{Actor: actor, PaymentIDs: slices.Clone(d.PaymentIDs), Reason: reason}
	*d = Decision{State: StateUnmatched, Rejected: d.rejecting(), By: actor, Note: reason, At: now}
	acct, err := s.payments.GetAccount(ctx, run.Workspace, run.Account)
	if err != nil {
		return ev, err
	}
	if err := s.rematch(ctx, run, &acct, []int{run.entryIndex(re.Entry.Fingerprint)}); err != nil {
		return ev, err
	}
	if d.State == StateUnmatched {
		d.By, d.Note, d.At = actor, reason, now
	}
	return ev, nil
}

// rejecting is d.Rejected with d's payments added: a person took them off the entry, and matching
// never proposes them for it again.
func (d *Decision) rejecting() []payment.ID {
	rejected := d.Rejected
	for _, p := range d.PaymentIDs {
		if !slices.Contains(rejected, p) {
			rejected = append(rejected, p)
		}
	}
	return rejected
}

// Map matches an entry to payments a person chose: an unmatched entry, an anomaly, or a proposed
// match being replaced. The payments must be processing or settled, in the entry's currency, move
// money on the run's account in the entry's direction, and not be held by another entry of the run.
// A difference between the entry's amount and the payments' total is recorded, as are the criteria.
func (s *Service) Map(ctx context.Context, ws payment.WorkspaceID, id RunID, fingerprint string, ids []payment.ID, actor, note string) (Run, error) {
	var errs []error
	if err := required("actor", actor); err != nil {
		errs = append(errs, err)
	}
	if len(ids) == 0 {
		errs = append(errs, &payment.ValidationError{Field: "payment_ids", Reason: "name at least one payment"})
	}
	if err := errors.Join(errs...); err != nil {
		return Run{}, err
	}
	// The ids as stored (payment.ParseID: either case of a ULID is one id), so that the same payment
	// in another case is not a second one, nor one that no other entry holds.
	ids = slices.Clone(ids)
	for i, pid := range ids {
		if p, err := payment.ParseID(string(pid)); err == nil {
			ids[i] = p
		}
	}
	return s.review(ctx, ws, id, fingerprint, ActionMap, []DecisionState{StateUnmatched, StateAnomaly, StateProposed},
		func(run *Run, re *RunEntry, now time.Time) (RunEvent, error) {
			acct, err := s.payments.GetAccount(ctx, ws, run.Account)
			if err != nil {
				return RunEvent{}, err
			}
			st := accountStatement(&acct)
			info := stmtInfo{known: true, ids: []string{string(acct.ID), st.Account}}
			e := &re.Entry
			cur := e.Currency
			if cur == "" {
				cur = acct.Currency
			}
			var errs []error
			bad := func(i int, reason string) {
				errs = append(errs, &payment.ValidationError{Field: fmt.Sprintf("payment_ids[%d]", i), Reason: reason})
			}
			var pays []Payment
			for i, pid := range ids {
				if slices.Contains(ids[:i], pid) {
					bad(i, string(pid)+" is named twice")
					continue
				}
				p, err := s.payments.Get(ctx, ws, pid)
				if errors.Is(err, payment.ErrNotFound) {
					bad(i, "no payment "+string(pid)+" in this workspace")
					continue
				}
				if err != nil {
					return RunEvent{}, err
				}
				rp := FromPayment(&p)
				switch {
				case classOf(p.Status) != classLive:
					bad(i, string(pid)+" is "+string(p.Status)+"; only processing and settled payments can be matched")
				case p.Currency != cur:
					bad(i, string(pid)+" is in "+string(p.Currency)+", the entry in "+string(cur))
				case !info.sideOK(e, &rp):
					bad(i, string(pid)+" does not move money on account "+acct.MaskedIBAN()+" in the entry's direction ("+string(e.Direction)+")")
				}
				for j := range run.Entries {
					o := &run.Entries[j]
					if o != re && (o.Decision.State == StateMatched || o.Decision.State == StateProposed) &&
						slices.Contains(o.Decision.PaymentIDs, pid) {
						bad(i, string(pid)+" is already matched with entry "+o.Entry.Position)
					}
				}
				pays = append(pays, rp)
			}
			var total int64
			for i := range pays {
				var ok bool
				if total, ok = payment.AddMinor(total, pays[i].Amount); !ok {
					errs = append(errs, &payment.ValidationError{Field: "payment_ids", Reason: "the payments' amounts add up to more than " +
						payment.FormatMinor(math.MaxInt64, cur) + " " + string(cur) + ", the largest amount there is"})
					break
				}
			}
			if err := errors.Join(errs...); err != nil {
				return RunEvent{}, err
			}
			crit, reasons := explain(&st, e, pays, s.engineOptions(run, &acct))
			d := &re.Decision
			*d = Decision{State: StateMatched, Review: ReviewManual, Score: ScoreFuzzy, PaymentIDs: slices.Clone(ids),
				Criteria: criteriaOf(crit), Reasons: reasons, AmountDifference: reasons[0].Difference,
				Rejected: d.Rejected, By: actor, Note: note, At: now}
			if score(crit) == 3 {
				d.Score = ScoreExact
			}
			return RunEvent{Actor: actor, PaymentIDs: slices.Clone(ids), Reason: note}, nil
		})
}

// Dismiss resolves an unmatched entry or an anomaly without a payment (a bank fee, interest, an
// anomaly someone has dealt with), with a reason.
func (s *Service) Dismiss(ctx context.Context, ws payment.WorkspaceID, id RunID, fingerprint, actor, reason string) (Run, error) {
	if err := errors.Join(required("actor", actor), required("reason", reason)); err != nil {
		return Run{}, err
	}
	return s.review(ctx, ws, id, fingerprint, ActionDismiss, []DecisionState{StateUnmatched, StateAnomaly},
		func(_ *Run, re *RunEntry, now time.Time) (RunEvent, error) {
			d := &re.Decision
			d.State, d.By, d.Note, d.At = StateDismissed, actor, reason, now
			return RunEvent{Actor: actor, PaymentIDs: slices.Clone(d.PaymentIDs), Reason: reason}, nil
		})
}

// Unmatch takes a match (or proposal) apart; its payments are never proposed for the entry again.
// In an open run the entry is matched again against the rest. In a finalized run it undoes the
// reconciliation: the payments go back from reconciled to settled (payment.Service.Unreconcile) with
// the actor and reason in their history, the entry becomes unmatched and the run stays finalized. A
// reason is required after finalization. An entry of an open run that an interrupted Finalize
// reconciled already (the run was reopened to review a payment that changed meanwhile) is undone
// the same way, and the run stays open.
//
// An undo leaves alone a payment that another run has reconciled since (an undo interrupted
// part-way and retried later): it is no longer this run's to undo.
//
// A matched entry of an open run some of whose payments this run reconciled without marking the
// entry (a Finalize stopped between the payments of a batch, then the run was reopened) is undone
// the same way too: unmatching it must not leave a payment reconciled by a run that no longer
// holds it.
//
// An undo moves payments before it stores the run: when another action on the run (an undo of
// another entry) is stored first, it reads the run again and finishes (the payments it moved
// already are skipped), rather than leave them settled in a run that says they are reconciled.
func (s *Service) Unmatch(ctx context.Context, ws payment.WorkspaceID, id RunID, fingerprint, actor, reason string) (Run, error) {
	if err := required("actor", actor); err != nil {
		return Run{}, err
	}
	for attempt := 1; ; attempt++ {
		run, err := s.loadRun(ctx, ws, id)
		if err != nil {
			return Run{}, err
		}
		reconciled := false
		if i := run.entryIndex(fingerprint); i >= 0 {
			if reconciled, err = s.reconciledHere(ctx, &run, &run.Entries[i].Decision); err != nil {
				return run, err
			}
		}
		if run.Status != RunFinalized && !reconciled {
			return s.reviewRun(ctx, run, fingerprint, ActionUnmatch, []DecisionState{StateMatched, StateProposed},
				func(run *Run, re *RunEntry, now time.Time) (RunEvent, error) {
					return s.release(ctx, run, re, actor, reason, now)
				})
		}
		run, err = s.undo(ctx, run, fingerprint, actor, reason)
		if errors.Is(err, payment.ErrConflict) && attempt < undoAttempts {
			continue
		}
		return run, err
	}
}

// undoAttempts is how often Unmatch tries an undo that another action on the run keeps beating.
const undoAttempts = 3

// undo is Unmatch of a reconciled entry: its payments go back to settled, the entry becomes
// unmatched.
func (s *Service) undo(ctx context.Context, run Run, fingerprint, actor, reason string) (Run, error) {
	id, ws := run.ID, run.Workspace
	if err := required("reason", reason); err != nil {
		return run, err
	}
	i := run.entryIndex(fingerprint)
	if i < 0 {
		return run, fmt.Errorf("%w: no entry %s in run %s", payment.ErrNotFound, fingerprint, id)
	}
	re := &run.Entries[i]
	if re.Decision.State != StateMatched {
		return run, &ReviewError{Entry: fingerprint, State: re.Decision.State, Action: ActionUndo}
	}
	if run.Status == RunFinalizing {
		return run, &RunStatusError{Run: id, Status: run.Status, Action: ActionUndo}
	}
	why := reconcileReason(id) + " undone: " + reason
	for _, pid := range re.Decision.PaymentIDs {
		p, err := s.payments.Get(ctx, ws, pid)
		if err != nil {
			return run, err
		}
		if p.Status == payment.StatusSettled {
			continue // undone already by an interrupted earlier call
		}
		if p.Status == payment.StatusReconciled {
			if mine, err := s.reconciledBy(ctx, ws, pid, reconcileReason(id)); err != nil {
				return run, err
			} else if !mine {
				continue // undone by an interrupted earlier call, then reconciled by another run
			}
		}
		if _, err := s.payments.Unreconcile(ctx, ws, pid, actor, why); err != nil {
			return run, err
		}
	}
	prev := run.Version
	now := s.nowFor(&run)
	d := &re.Decision
	ev := RunEvent{At: now, Actor: actor, Action: ActionUndo, Entry: fingerprint, PaymentIDs: slices.Clone(d.PaymentIDs), Reason: reason}
	*d = Decision{State: StateUnmatched, Rejected: d.rejecting(), By: actor, Note: reason, At: now,
		Notes: []string{"the reconciliation of " + joinIDs(d.PaymentIDs) + " was undone"}}
	run.History = append(run.History, ev)
	if err := s.save(ctx, &run, prev, now, payment.Event{}); err != nil {
		return Run{}, err
	}
	return run, nil
}

// reconciledHere reports whether unmatching the decision undoes a reconciliation of this run: it
// is marked reconciled, or, in an open run, a payment it holds is reconciled by this run (a
// Finalize reconciled it, then stopped before it could mark the entry, and the run was reopened).
func (s *Service) reconciledHere(ctx context.Context, run *Run, d *Decision) (bool, error) {
	if d.Reconciled || run.Status != RunOpen || d.State != StateMatched {
		return d.Reconciled, nil
	}
	for _, pid := range d.PaymentIDs {
		p, err := s.payments.Get(ctx, run.Workspace, pid)
		if err != nil {
			return false, err
		}
		if p.Status != payment.StatusReconciled {
			continue
		}
		if mine, err := s.reconciledBy(ctx, run.Workspace, pid, reconcileReason(run.ID)); err != nil || mine {
			return mine, err
		}
	}
	return false, nil
}
