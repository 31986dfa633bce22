package reconcile

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// ServiceOptions tunes a Service. The zero value is ready to use.
type ServiceOptions struct {
	// AnomalyDays is how many days before and after a run's period cancelled, failed and reconciled
	// payments are loaded, to recognise anomalies and explain near misses (31 when zero).
	AnomalyDays int
	// PaymentInfoIDs maps payment-information ids to batches (see Options.PaymentInfoIDs).
	PaymentInfoIDs map[string]payment.BatchID
	// MaxRunEntries is the most entries a run may hold: an import that would take it past is refused
	// whole. A run is stored, read and reviewed as one document, so its size bounds the memory and
	// time of every review action [DefaultMaxRunEntries; negative: no limit]. The offline run
	// (Offline, orkesta reconcile) stores nothing and has no such limit.
	MaxRunEntries int
}

// DefaultMaxRunEntries is the most entries a run holds unless ServiceOptions say otherwise: a month
// of a busy collection account's statement, well beyond what people review by hand.
const DefaultMaxRunEntries = 200_000

// Service drives reconciliation runs: create, import statements, review, finalize. It reads payments
// and moves them to reconciled through the payment Service, and keeps runs in a Store. It is safe for
// concurrent use; concurrent changes to one run are caught by the store's compare-and-set and
// returned as payment.ErrConflict.
//
// Every action records who took it, in the run's history and in the payments' it moves: an actor
// that is empty (or only white space) is a *payment.ValidationError of field "actor", and nothing
// changes.
type Service struct {
	payments *payment.Service
	store    Store
	opts     ServiceOptions
	versions RunVersioner // the store, when it tells a run's version: then runs are kept in runs
	runs     runCache
	creating sync.Mutex // held by CreateRun from its overlap check until the run is stored
}

// NewService returns a Service on the payment service and a run store.
func NewService(payments *payment.Service, store Store, opts ServiceOptions) *Service {
	if opts.AnomalyDays <= 0 {
		opts.AnomalyDays = 31
	}
	versions, _ := store.(RunVersioner)
	return &Service{payments: payments, store: store, opts: opts, versions: versions}
}

// RunRequest is what a caller gives to start a run.
type RunRequest struct {
	Account payment.AccountID `json:"account"`
	From    payment.Date      `json:"from"`
	To      payment.Date      `json:"to"`
	// DateWindow is the matching date window in days (see Options.DateWindow).
	DateWindow int `json:"date_window"`
}

func (s *Service) now() time.Time { return s.payments.Clock().Now().UTC().Truncate(time.Microsecond) }

// nowFor is the time of a change to run: now, or the run's last change when the clock is behind it
// (another instance, a step back), so that the run's history reads in time order, as it is kept.
func (s *Service) nowFor(run *Run) time.Time {
	now := s.now()
	if now.Before(run.UpdatedAt) {
		now = run.UpdatedAt
	}
	if n := len(run.History); n > 0 && now.Before(run.History[n-1].At) {
		now = run.History[n-1].At
	}
	return now
}

// CreateRun starts an open run for one account and period.
//
// A period that overlaps that of a run of the same account that is not finalized yet (open or
// finalizing) is refused with a *RunOverlapError naming that run, its status and period (it matches
// payment.ErrConflict): both runs would import the same entries and match the same payments, and the
// one finalized second could never be. Finalized runs, and runs of other accounts, do not stand in the
// way. Calls to one Service are checked one after the other; the Store does not enforce the rule, so
// two Services on one database (several instances of a server) that create overlapping runs at the
// same moment can both succeed.
func (s *Service) CreateRun(ctx context.Context, ws payment.WorkspaceID, req RunRequest, actor string) (Run, error) {
	var errs []error
	bad := func(field, reason string) {
		errs = append(errs, &payment.ValidationError{Field: field, Reason: reason})
	}
	if err := required("actor", actor); err != nil {
		errs = append(errs, err)
	}
	if req.From == 0 || req.To == 0 {
		bad("from", "the period needs a start and an end date")
	} else if req.To < req.From {
		bad("to", "ends ("+req.To.String()+") before it starts ("+req.From.String()+")")
	}
	if err := (&Options{DateWindow: req.DateWindow}).validate(); err != nil {
		errs = append(errs, err)
	}
	switch acct, err := s.payments.GetAccount(ctx, ws, req.Account); {
	case err == nil:
		// The ids as stored: the payment service takes their ULIDs in either case, the run store and
		// the run's matching only as stored.
		ws, req.Account = acct.Workspace, acct.ID
	case !errors.Is(err, payment.ErrNotFound):
		return Run{}, err
	default:
		bad("account", "no account "+strconv.Quote(string(req.Account))+" in this workspace")
	}
	if err := errors.Join(errs...); err != nil {
		return Run{}, err
	}
	s.creating.Lock()
	defer s.creating.Unlock()
	if err := s.checkOverlap(ctx, ws, &req); err != nil {
		return Run{}, err
	}
	now := s.now()
	r := Run{ID: RunID(s.payments.NewID(PrefixRun)), Workspace: ws, Account: req.Account, From: req.From, To: req.To,
		DateWindow: req.DateWindow, Status: RunOpen, Entries: []RunEntry{}, CreatedBy: actor, CreatedAt: now, UpdatedAt: now,
		Version: 1, History: []RunEvent{{At: now, Actor: actor, Action: ActionCreate,
			Reason: "period " + req.From.String() + " to " + req.To.String()}}}
	if err := s.store.CreateRun(ctx, r); err != nil {
		return Run{}, err
	}
	s.keep(&r)
	return r, nil
}

// checkOverlap refuses a period that overlaps a run of the account that is not finalized yet.
func (s *Service) checkOverlap(ctx context.Context, ws payment.WorkspaceID, req *RunRequest) error {
	for _, status := range []RunStatus{RunOpen, RunFinalizing} {
		runs, err := s.store.ListRuns(ctx, ws, RunFilter{Account: req.Account, Status: status})
		if err != nil {
			return err
		}
		for i := range runs {
			if r := &runs[i]; r.From <= req.To && r.To >= req.From {
				return &RunOverlapError{Account: req.Account, From: req.From, To: req.To,
					Run: r.ID, Status: r.Status, RunFrom: r.From, RunTo: r.To}
			}
		}
	}
	return nil
}

// GetRun returns a run. A run that is not in the workspace is a *payment.NotFoundError of kind "run"
// (errors.Is payment.ErrNotFound).
func (s *Service) GetRun(ctx context.Context, ws payment.WorkspaceID, id RunID) (Run, error) {
	return s.loadRun(ctx, ws, id)
}

// ListRuns returns the workspace's runs matching f, newest first.
func (s *Service) ListRuns(ctx context.Context, ws payment.WorkspaceID, f RunFilter) ([]Run, error) {
	return s.store.ListRuns(ctx, ws, f)
}

// ImportSummary counts what an import did.
type ImportSummary struct {
	// Added entries are new to the run; Duplicates were already in it (same fingerprint: an
	// overlapping statement); OutsidePeriod were booked outside the run's period and left out.
	Added, Duplicates, OutsidePeriod int
}

// CheckStatements refuses statements that are not of account acct, as Import does: another account
// (by id or IBAN, where the statement names one) or another currency. Each problem is a
// *payment.ValidationError of field statements[i].account or statements[i].currency. A caller that
// creates a run and imports into it at once can check first, so that a refusal leaves no empty run.
func CheckStatements(acct *payment.Account, stmts []Statement) error {
	var errs []error
	for i := range stmts {
		st := &stmts[i]
		if a := normalizeAccount(st.Account); a != "" && a != string(acct.ID) && a != normalizeAccount(acct.IBAN) {
			errs = append(errs, &payment.ValidationError{Field: fmt.Sprintf("statements[%d].account", i),
				Reason: "statement of account " + payment.MaskIBAN(a) + ", not of the run's account " + accountName(acct)})
		}
		if st.Currency != "" && acct.Currency != "" && st.Currency != acct.Currency {
			errs = append(errs, &payment.ValidationError{Field: fmt.Sprintf("statements[%d].currency", i),
				Reason: "statement in " + string(st.Currency) + ", the account is in " + string(acct.Currency)})
		}
	}
	return errors.Join(errs...)
}

// accountName names acct in an error: its id, with its masked IBAN when it has one.
func accountName(acct *payment.Account) string {
	if acct.IBAN == "" {
		return string(acct.ID)
	}
	return string(acct.ID) + " (" + acct.MaskedIBAN() + ")"
}

// fingerprinted returns stmts with every entry fingerprinted: stmts itself when they all are, else
// copies whose entries without one get the fingerprint FingerprintAll gives them (identical bookings
// numbered across the statements, as a decoder numbers those of one file). A fingerprint the
// caller gave is kept; the caller's entries are never written.
func fingerprinted(stmts []Statement) []Statement {
	if !slices.ContainsFunc(stmts, func(st Statement) bool {
		return slices.ContainsFunc(st.Entries, func(e Entry) bool { return e.Fingerprint == "" })
	}) {
		return stmts
	}
	out := slices.Clone(stmts)
	for i := range out {
		out[i].Entries = slices.Clone(out[i].Entries)
	}
	FingerprintAll(out)
	for i := range out {
		for k, e := range stmts[i].Entries {
			if e.Fingerprint != "" {
				out[i].Entries[k].Fingerprint = e.Fingerprint
			}
		}
	}
	return out
}

// CheckRunSize refuses a run of n entries when it would hold more than ServiceOptions.MaxRunEntries:
// a *payment.ValidationError of field statements, the error Import gives. A caller that creates a
// run and imports into it at once can check the statements' entries first, so that a refusal
// leaves no empty run.
func (s *Service) CheckRunSize(n int) error { return s.checkRunSize(n) }

func (s *Service) checkRunSize(n int) error {
	limit := s.opts.MaxRunEntries
	switch {
	case limit == 0:
		limit = DefaultMaxRunEntries
	case limit < 0:
		return nil
	}
	if n <= limit {
		return nil
	}
	return &payment.ValidationError{Field: "statements", Reason: fmt.Sprintf(
		"the run would hold %d entries, more than the %d a run holds; import the statements into runs of shorter periods",
		n, limit)}
}

// Import adds the statements' entries to an open run and matches every open entry again against the
// account's processing and settled payments (the run's matched entries keep their payments). An entry
// already in the run (same Entry.Fingerprint) is not added twice, so re-importing an overlapping
// statement adds only what is new. The warnings of the statements about the run's period (a balance
// that does not add up) are kept in Run.StatementWarnings, each once, for the run's report.
// Statements of another account or currency are refused; an entry that names no currency, of a
// statement that names none, is in the account's.
func (s *Service) Import(ctx context.Context, ws payment.WorkspaceID, id RunID, stmts []Statement, actor string) (Run, ImportSummary, error) {
	var sum ImportSummary
	if err := required("actor", actor); err != nil {
		return Run{}, sum, err
	}
	run, err := s.loadRun(ctx, ws, id)
	if err != nil {
		return Run{}, sum, err
	}
	if run.Status != RunOpen {
		return run, sum, &RunStatusError{Run: id, Status: run.Status, Action: ActionImport}
	}
	acct, err := s.payments.GetAccount(ctx, ws, run.Account)
	if err != nil {
		return run, sum, err
	}
	if err := CheckStatements(&acct, stmts); err != nil {
		return run, sum, err
	}
	seen := make(map[string]bool, len(run.Entries))
	for i := range run.Entries {
		seen[run.Entries[i].Entry.Fingerprint] = true
	}
	prev := run.Version
	had := len(run.Entries)
	stmts = fingerprinted(stmts)
	for i := range stmts {
		st := &stmts[i]
		for _, e := range st.Entries {
			d := e.BookingDate
			if d == 0 {
				d = e.ValueDate
			}
			switch {
			case d != 0 && (d < run.From || d > run.To):
				sum.OutsidePeriod++
			case seen[e.Fingerprint]:
				sum.Duplicates++
			default:
				seen[e.Fingerprint] = true
				e.Currency = cmp.Or(e.Currency, st.Currency, acct.Currency) // else its statement's, else the account's
				run.Entries = append(run.Entries, RunEntry{Entry: e, Statement: st.ID, Decision: Decision{State: StateUnmatched}})
				sum.Added++
			}
		}
	}
	if err := s.checkRunSize(len(run.Entries)); err != nil && sum.Added > 0 {
		run.Entries = run.Entries[:had]
		return run, ImportSummary{}, err
	}
	run.keepWarnings(stmts)
	now := s.nowFor(&run)
	if err := s.rematch(ctx, &run, &acct, nil); err != nil {
		return run, sum, err
	}
	run.History = append(run.History, RunEvent{At: now, Actor: actor, Action: ActionImport,
		Reason: fmt.Sprintf("%d entries added, %d already in the run, %d outside the period", sum.Added, sum.Duplicates, sum.OutsidePeriod)})
	if err := s.save(ctx, &run, prev, now, payment.Event{}); err != nil {
		return Run{}, sum, err
	}
	return run, sum, nil
}

// save stores the run as version prev+1.
func (s *Service) save(ctx context.Context, run *Run, prev int64, now time.Time, ev payment.Event) error {
	run.Version = prev + 1
	run.UpdatedAt = now
	if err := s.store.UpdateRun(ctx, *run, prev, ev); err != nil {
		s.runs.drop(run.Workspace, run.ID) // read it again next time: another process may have changed it
		return err
	}
	s.keep(run)
	return nil
}

// loadPayments returns the account's processing and settled payments, and its cancelled, failed and
// reconciled ones around the period.
func (s *Service) loadPayments(ctx context.Context, run *Run) ([]Payment, error) {
	st := s.payments.Store()
	live, err := st.ListPayments(ctx, run.Workspace, payment.ListFilter{Account: run.Account,
		Statuses: []payment.Status{payment.StatusProcessing, payment.StatusSettled}})
	if err != nil {
		return nil, err
	}
	d := payment.Date(s.opts.AnomalyDays)
	other, err := st.ListPayments(ctx, run.Workspace, payment.ListFilter{Account: run.Account,
		Statuses:  []payment.Status{payment.StatusCancelled, payment.StatusFailed, payment.StatusReconciled},
		ValueFrom: run.From - d, ValueTo: run.To + d})
	if err != nil {
		return nil, err
	}
	return FromPayments(append(live, other...)), nil
}

// engineOptions are the matching options of a run.
func (s *Service) engineOptions(run *Run, acct *payment.Account) Options {
	return Options{DateWindow: run.DateWindow, Accounts: []payment.Account{*acct}, PaymentInfoIDs: s.opts.PaymentInfoIDs}
}

func accountStatement(acct *payment.Account) Statement {
	a := acct.IBAN
	if a == "" {
		a = string(acct.ID)
	}
	return Statement{Account: a, Currency: acct.Currency}
}

// rematch decides every open entry of the run again (only those in which, when not nil), against the
// account's payments that no other entry of the run holds, never proposing a payment a person
// rejected for the entry.
func (s *Service) rematch(ctx context.Context, run *Run, acct *payment.Account, which []int) error {
	if which == nil {
		for i := range run.Entries {
			if run.Entries[i].Decision.State.Open() {
				which = append(which, i)
			}
		}
	}
	if len(which) == 0 {
		return nil
	}
	all, err := s.loadPayments(ctx, run)
	if err != nil {
		return err
	}
	held := make(map[payment.ID]bool)
	rematched := make(map[int]bool, len(which))
	for _, i := range which {
		rematched[i] = true
	}
	for i := range run.Entries {
		d := &run.Entries[i].Decision
		if !rematched[i] && (d.State == StateMatched || d.State == StateProposed) {
			for _, p := range d.PaymentIDs {
				held[p] = true
			}
		}
	}
	pays := slices.DeleteFunc(all, func(p Payment) bool { return held[p.ID] })
	rejected := make(map[string][]payment.ID)
	st := accountStatement(acct)
	st.Entries = make([]Entry, len(which))
	for k, i := range which {
		st.Entries[k] = run.Entries[i].Entry
		if r := run.Entries[i].Decision.Rejected; len(r) > 0 {
			rejected[run.Entries[i].Entry.Fingerprint] = r
		}
	}
	opts := s.engineOptions(run, acct)
	if len(rejected) > 0 {
		opts.Exclude = func(e *Entry, p *Payment) bool { return slices.Contains(rejected[e.Fingerprint], p.ID) }
	}
	g, err := NewEngine(opts)
	if err != nil {
		return err
	}
	res := g.Match([]Statement{st}, pays)
	k := 0
	for o := range res.Outcomes() {
		re := &run.Entries[which[k]]
		k++
		prev := re.Decision
		re.Decision = decisionOf(o, prev.Rejected)
		if re.Decision.State == StateUnmatched && prev.State == StateUnmatched {
			// still unmatched: who left it so (rejecting its candidates), and why, stays
			re.Decision.By, re.Decision.Note, re.Decision.At = prev.By, prev.Note, prev.At
		}
	}
	return nil
}

// decisionOf turns an engine outcome into a stored decision.
func decisionOf(o Outcome, rejected []payment.ID) Decision {
	d := Decision{State: StateUnmatched, Rejected: rejected}
	switch {
	case o.Match != nil:
		m := o.Match
		d.State, d.Score, d.Review = StateProposed, m.Score, m.Review
		if m.Score == ScoreExact {
			d.State = StateMatched
		}
		d.PaymentIDs = slices.Clone(m.PaymentIDs)
		if len(d.PaymentIDs) == 0 {
			d.PaymentIDs = []payment.ID{m.PaymentID}
		}
		d.BatchID, d.Criteria, d.AmountDifference = m.BatchID, m.Criteria, m.AmountDifference
		d.Reasons = slices.Clone(m.Reasons)
		d.Alternatives = slices.Clone(m.Alternatives)
		d.Notes = slices.Clone(m.Notes)
	case o.Anomaly != nil:
		a := o.Anomaly
		d.State, d.Anomaly, d.Criteria = StateAnomaly, a.Kind, a.Criteria
		d.PaymentIDs = []payment.ID{a.PaymentID}
		d.Reasons = slices.Clone(a.Reasons)
	default:
		d.Notes = slices.Clone(o.UnmatchedEntry.Notes)
	}
	return d
}

// reconcileReason is the reason written into the history of every payment a run reconciles; Finalize
// recognises its own work by it when it resumes.
func reconcileReason(id RunID) string { return "reconciliation run " + string(id) }

// Finalize closes a run in which nothing is left open: every matched payment moves to reconciled
// (processing ones through settled), the run becomes read-only, and a reconciliation.completed event
// is published with the run's summary. Open items are an *OpenItemsError. If moving the payments is
// interrupted, the run stays finalizing and calling Finalize again finishes the job.
func (s *Service) Finalize(ctx context.Context, ws payment.WorkspaceID, id RunID, actor string) (Run, error) {
	if err := required("actor", actor); err != nil {
		return Run{}, err
	}
	run, err := s.loadRun(ctx, ws, id)
	if err != nil {
		return Run{}, err
	}
	if run.Status == RunFinalized {
		return run, &RunStatusError{Run: id, Status: run.Status, Action: ActionFinalize}
	}
	var open OpenItemsError
	for i := range run.Entries {
		switch run.Entries[i].Decision.State {
		case StateProposed:
			open.Proposed++
		case StateUnmatched:
			open.Unmatched++
		case StateAnomaly:
			open.Anomalies++
		}
	}
	if open != (OpenItemsError{}) {
		return run, &open
	}
	// Check every payment first, so that a payment another run or person moved stops the run before
	// anything changes.
	reason := reconcileReason(id)
	var errs []error
	for i := range run.Entries {
		d := &run.Entries[i].Decision
		if d.State != StateMatched || d.Reconciled {
			continue
		}
		for _, pid := range d.PaymentIDs {
			p, err := s.payments.Get(ctx, ws, pid)
			if err != nil {
				return run, err
			}
			switch p.Status {
			case payment.StatusProcessing, payment.StatusSettled:
			case payment.StatusReconciled:
				if mine, err := s.reconciledBy(ctx, ws, pid, reason); err != nil {
					return run, err
				} else if !mine {
					errs = append(errs, fmt.Errorf("%w: payment %s (entry %s) was reconciled by someone else; unmatch the entry",
						payment.ErrConflict, pid, run.Entries[i].Entry.Position))
				}
			default:
				errs = append(errs, fmt.Errorf("%w: payment %s (entry %s) is %s; unmatch the entry",
					payment.ErrConflict, pid, run.Entries[i].Entry.Position, p.Status))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		if run.Status == RunFinalizing {
			// An earlier Finalize stopped part-way and a payment it had not reached has changed
			// since: the entry must be reviewed, which only an open run allows. The entries already
			// reconciled keep their mark (unmatching one undoes its reconciliation).
			prev := run.Version
			run.Status = RunOpen
			if serr := s.save(ctx, &run, prev, s.nowFor(&run), payment.Event{}); serr != nil {
				return run, errors.Join(err, serr)
			}
		}
		return run, err
	}
	now := s.nowFor(&run)
	if run.Status == RunOpen {
		prev := run.Version
		run.Status = RunFinalizing
		if err := s.save(ctx, &run, prev, now, payment.Event{}); err != nil {
			return Run{}, err
		}
	}
	for i := range run.Entries {
		d := &run.Entries[i].Decision
		if d.State != StateMatched || d.Reconciled {
			continue
		}
		for _, pid := range d.PaymentIDs {
			if err := s.reconcilePayment(ctx, ws, pid, actor, reason); err != nil {
				// keep what is done: the next Finalize resumes from here
				prev := run.Version
				if serr := s.save(ctx, &run, prev, s.nowFor(&run), payment.Event{}); serr != nil {
					return run, errors.Join(err, serr)
				}
				return run, err
			}
		}
		d.Reconciled = true
	}
	prev := run.Version
	run.Status, run.FinalizedBy, run.FinalizedAt = RunFinalized, actor, now
	run.History = append(run.History, RunEvent{At: now, Actor: actor, Action: ActionFinalize})
	ev, err := s.completedEvent(ctx, &run, now)
	if err != nil {
		return Run{}, err // not stored: the next Finalize finishes the job
	}
	if err := s.save(ctx, &run, prev, now, ev); err != nil {
		return Run{}, err
	}
	s.payments.Published(ctx, ev)
	return run, nil
}

// reconcilePayment moves one payment to reconciled (through settled when processing); a payment this
// run already reconciled is left alone.
func (s *Service) reconcilePayment(ctx context.Context, ws payment.WorkspaceID, id payment.ID, actor, reason string) error {
	p, err := s.payments.Get(ctx, ws, id)
	if err != nil {
		return err
	}
	if p.Status == payment.StatusReconciled {
		if mine, err := s.reconciledBy(ctx, ws, id, reason); err != nil || mine {
			return err
		}
		return fmt.Errorf("%w: payment %s was reconciled by someone else", payment.ErrConflict, id)
	}
	if p.Status == payment.StatusProcessing {
		if _, err := s.payments.Settle(ctx, ws, id, actor, reason+": booked on the statement"); err != nil {
			return err
		}
	}
	_, err = s.payments.MarkReconciled(ctx, ws, id, actor, reason)
	return err
}

// reconciledBy reports whether the payment's latest reconciliation carries this reason.
func (s *Service) reconciledBy(ctx context.Context, ws payment.WorkspaceID, id payment.ID, reason string) (bool, error) {
	h, err := s.payments.History(ctx, ws, id)
	if err != nil {
		return false, err
	}
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].To == payment.StatusReconciled {
			return h[i].Reason == reason, nil
		}
	}
	return false, nil
}

// CompletedEvent is the data of a reconciliation.completed event.
type CompletedEvent struct {
	RunID   RunID             `json:"run_id"`
	Account payment.AccountID `json:"account"`
	From    payment.Date      `json:"from"`
	To      payment.Date      `json:"to"`
	By      string            `json:"finalized_by,omitempty"`
	Summary Summary           `json:"summary"`
}

// completedEvent is the reconciliation.completed event of a run: its summary is the run's report's,
// the account's payments of the period that no entry holds counted as unmatched.
func (s *Service) completedEvent(ctx context.Context, run *Run, now time.Time) (payment.Event, error) {
	live, err := s.livePayments(ctx, run)
	if err != nil {
		return payment.Event{}, err
	}
	rep := runReport(run, live)
	data, err := json.Marshal(CompletedEvent{RunID: run.ID, Account: run.Account, From: run.From, To: run.To,
		By: run.FinalizedBy, Summary: rep.Summary})
	if err != nil {
		return payment.Event{}, err
	}
	return payment.Event{ID: s.payments.NewID(payment.PrefixEvent), Type: payment.EventReconciliationCompleted,
		Workspace: run.Workspace, OccurredAt: now, Data: data}, nil
}

// Report builds the run's report: its decisions, and the account's processing and settled payments
// of the period (widened by the date window) that no entry holds.
func (s *Service) Report(ctx context.Context, ws payment.WorkspaceID, id RunID) (*Report, error) {
	run, err := s.loadRun(ctx, ws, id)
	if err != nil {
		return nil, err
	}
	live, err := s.livePayments(ctx, &run)
	if err != nil {
		return nil, err
	}
	return runReport(&run, live), nil
}

// livePayments are the account's processing and settled payments of the run's period, widened by
// its date window: a run's report lists those no entry holds as unmatched.
func (s *Service) livePayments(ctx context.Context, run *Run) ([]Payment, error) {
	live, err := s.payments.Store().ListPayments(ctx, run.Workspace, payment.ListFilter{Account: run.Account,
		Statuses:  []payment.Status{payment.StatusProcessing, payment.StatusSettled},
		ValueFrom: run.From - payment.Date(run.DateWindow), ValueTo: run.To + payment.Date(run.DateWindow)})
	if err != nil {
		return nil, err
	}
	return FromPayments(live), nil
}
