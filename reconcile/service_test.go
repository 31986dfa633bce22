package reconcile_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/orkesta/orkesta/reconcile"
)

type recorder struct {
	mu     sync.Mutex
	events []payment.Event
}

func (r *recorder) Publish(_ context.Context, e payment.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) ofType(t payment.EventType) []payment.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []payment.Event
	for _, e := range r.events {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

// flakyStore fails the failAt-th UpdatePayment (counting from 1) once. When before is set, the next
// UpdatePayment calls it (once) before it writes: another action that comes in between.
type flakyStore struct {
	payment.Store
	mu     sync.Mutex
	n      int
	failAt int
	before func()
	// failList fails the next ListPayments
	failList bool
}

func (s *flakyStore) ListPayments(ctx context.Context, ws payment.WorkspaceID, f payment.ListFilter) ([]payment.Payment, error) {
	s.mu.Lock()
	fail := s.failList
	s.failList = false
	s.mu.Unlock()
	if fail {
		return nil, errDisk
	}
	return s.Store.ListPayments(ctx, ws, f)
}

var errDisk = errors.New("disk on fire")

func (s *flakyStore) UpdatePayment(ctx context.Context, c payment.Change, prev int64) error {
	s.mu.Lock()
	s.n++
	fail := s.n == s.failAt
	before := s.before
	s.before = nil
	s.mu.Unlock()
	if before != nil {
		before()
	}
	if fail {
		return errDisk
	}
	return s.Store.UpdatePayment(ctx, c, prev)
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	env   *paymenttest.Env
	mem   *memory.Store
	flaky *flakyStore
	runs  *memory.RunStore
	svc   *reconcile.Service
	pub   *recorder
	ws    payment.WorkspaceID
}

func newFixture(t *testing.T) *fixture {
	mem := memory.New()
	flaky := &flakyStore{Store: mem}
	pub := &recorder{}
	env := paymenttest.NewEnv(t, flaky, paymenttest.WithServiceOptions(payment.Options{Publisher: pub}))
	runs := memory.NewRunStore(mem)
	// Every service test goes through the Service's cache of runs, as on SQLite and PostgreSQL.
	return &fixture{t: t, ctx: context.Background(), env: env, mem: mem, flaky: flaky, runs: runs, pub: pub,
		svc: reconcile.NewService(env.Service, &versionedRuns{RunStore: runs}, reconcile.ServiceOptions{}), ws: env.Workspace.ID}
}

// versionedRuns is the memory run store made a reconcile.RunVersioner, counting the runs it reads.
type versionedRuns struct {
	*memory.RunStore
	mu       sync.Mutex
	reads    int
	failNext bool // the next UpdateRun fails with errDisk
}

func (v *versionedRuns) UpdateRun(ctx context.Context, r reconcile.Run, prev int64, ev payment.Event) error {
	v.mu.Lock()
	fail := v.failNext
	v.failNext = false
	v.mu.Unlock()
	if fail {
		return errDisk
	}
	return v.RunStore.UpdateRun(ctx, r, prev, ev)
}

func (v *versionedRuns) GetRun(ctx context.Context, ws payment.WorkspaceID, id reconcile.RunID) (reconcile.Run, error) {
	v.mu.Lock()
	v.reads++
	v.mu.Unlock()
	return v.RunStore.GetRun(ctx, ws, id)
}

func (v *versionedRuns) RunVersion(ctx context.Context, ws payment.WorkspaceID, id reconcile.RunID) (int64, error) {
	r, err := v.RunStore.GetRun(ctx, ws, id)
	return r.Version, err
}

func (v *versionedRuns) readCount() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.reads
}

// pay creates a 1,250.00 TRY payment from the own account on 2026-01-15 and drives it to status.
func (f *fixture) pay(status payment.Status, ref string, mods ...func(*payment.Request)) payment.Payment {
	f.t.Helper()
	mods = append([]func(*payment.Request){func(r *payment.Request) { r.Reference = ref }}, mods...)
	return f.env.MustAdvance(f.t, f.env.MustCreate(f.t, mods...), status)
}

func (f *fixture) statement(entries ...reconcile.Entry) reconcile.Statement {
	st := reconcile.Statement{Format: "test", ID: "STMT-2026-01", Account: f.env.Own.IBAN, Currency: "TRY", Entries: entries}
	st.Fingerprint()
	return st
}

func (f *fixture) newRun() reconcile.Run {
	f.t.Helper()
	r, err := f.svc.CreateRun(f.ctx, f.ws, reconcile.RunRequest{Account: f.env.Own.ID,
		From: payment.MustDate("2026-01-01"), To: payment.MustDate("2026-01-31")}, "ayse@example.com")
	require.NoError(f.t, err)
	return r
}

func (f *fixture) status(id payment.ID) payment.Status {
	f.t.Helper()
	p, err := f.env.Service.Get(f.ctx, f.ws, id)
	require.NoError(f.t, err)
	return p.Status
}

func decisionOf(t *testing.T, r reconcile.Run, pos string) reconcile.Decision {
	t.Helper()
	for _, e := range r.Entries {
		if e.Entry.Position == pos {
			return e.Decision
		}
	}
	t.Fatalf("no entry at %s", pos)
	return reconcile.Decision{}
}

func fingerprint(t *testing.T, r reconcile.Run, pos string) string {
	t.Helper()
	for _, e := range r.Entries {
		if e.Entry.Position == pos {
			return e.Entry.Fingerprint
		}
	}
	t.Fatalf("no entry at %s", pos)
	return ""
}

func TestRunLifecycle(t *testing.T) {
	f := newFixture(t)
	exact := f.pay(payment.StatusSettled, "INV-1")
	inFlight := f.pay(payment.StatusProcessing, "INV-2", func(r *payment.Request) { r.Amount = 99900 })
	fuzzy := f.pay(payment.StatusSettled, "INV-3", func(r *payment.Request) { r.Amount = 50000 })
	failed := f.pay(payment.StatusFailed, "INV-4", func(r *payment.Request) { r.Amount = 70000 })
	waiting := f.pay(payment.StatusSettled, "INV-5", func(r *payment.Request) { r.Amount = 1 })

	run := f.newRun()
	st := f.statement(
		entry("line 1", "Fatura INV-1"),
		entry("line 2", "EFT "+string(inFlight.ID), func(e *reconcile.Entry) { e.Amount = 99900 }),
		entry("line 3", "kira ödemesi", func(e *reconcile.Entry) { e.Amount = 50000 }),
		entry("line 4", "INV 4", func(e *reconcile.Entry) { e.Amount = 70000 }),
		entry("line 5", "HESAP İŞLETİM ÜCRETİ", func(e *reconcile.Entry) { e.Amount = 1500 }),
	)
	run, sum, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{st}, "ayse@example.com")
	require.NoError(t, err)
	assert.Equal(t, reconcile.ImportSummary{Added: 5}, sum)
	tests := []struct {
		pos   string
		state reconcile.DecisionState
		pay   payment.ID
	}{
		{"line 1", reconcile.StateMatched, exact.ID},
		{"line 2", reconcile.StateMatched, inFlight.ID},
		{"line 3", reconcile.StateProposed, fuzzy.ID},
		{"line 4", reconcile.StateAnomaly, failed.ID},
		{"line 5", reconcile.StateUnmatched, ""},
	}
	for _, tt := range tests {
		d := decisionOf(t, run, tt.pos)
		assert.Equal(t, tt.state, d.State, tt.pos)
		if tt.pay != "" {
			assert.Equal(t, []payment.ID{tt.pay}, d.PaymentIDs, tt.pos)
		}
	}

	_, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse@example.com")
	var open *reconcile.OpenItemsError
	require.ErrorAs(t, err, &open)
	assert.Equal(t, reconcile.OpenItemsError{Proposed: 1, Unmatched: 1, Anomalies: 1}, *open)
	assert.ErrorIs(t, err, reconcile.ErrOpenItems)
	assert.Equal(t, payment.StatusSettled, f.status(exact.ID), "nothing moves while items are open")

	run, err = f.svc.Approve(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 3"), "mehmet@example.com", "rent, confirmed")
	require.NoError(t, err)
	run, err = f.svc.Dismiss(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 5"), "mehmet@example.com", "account fee")
	require.NoError(t, err)
	run, err = f.svc.Dismiss(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 4"), "mehmet@example.com", "bank refunds it")
	require.NoError(t, err)

	rep, err := f.svc.Report(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Summary.Exact)
	assert.Equal(t, 1, rep.Summary.Fuzzy)
	assert.Equal(t, 2, rep.Summary.Dismissed)
	require.Len(t, rep.UnmatchedPayments, 1)
	assert.Equal(t, waiting.ID, rep.UnmatchedPayments[0].PaymentID)

	run, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse@example.com")
	require.NoError(t, err)
	assert.Equal(t, reconcile.RunFinalized, run.Status)
	assert.Equal(t, "ayse@example.com", run.FinalizedBy)
	for _, id := range []payment.ID{exact.ID, inFlight.ID, fuzzy.ID} {
		assert.Equal(t, payment.StatusReconciled, f.status(id))
	}
	assert.Equal(t, payment.StatusSettled, f.status(waiting.ID))
	h, err := f.env.Service.History(f.ctx, f.ws, inFlight.ID)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(h), 2)
	assert.Equal(t, fsm.EventSettle, h[len(h)-2].Event, "processing goes through settled")
	assert.Equal(t, fsm.EventReconcile, h[len(h)-1].Event)
	assert.Equal(t, "ayse@example.com", h[len(h)-1].Actor)
	assert.Contains(t, h[len(h)-1].Reason, string(run.ID))

	events := f.pub.ofType(payment.EventReconciliationCompleted)
	require.Len(t, events, 1)
	var data reconcile.CompletedEvent
	require.NoError(t, json.Unmarshal(events[0].Data, &data))
	assert.Equal(t, run.ID, data.RunID)
	assert.Equal(t, 5, data.Summary.Entries)
	var outbox int
	for _, e := range f.mem.Outbox() {
		if e.Type == payment.EventReconciliationCompleted {
			outbox++
		}
	}
	assert.Equal(t, 1, outbox, "the event is in the store's outbox too")

	t.Run("finalized runs are read-only", func(t *testing.T) {
		_, err := f.svc.Approve(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 3"), "x", "")
		assert.ErrorIs(t, err, reconcile.ErrRunClosed)
		_, _, err = f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{st}, "x")
		assert.ErrorIs(t, err, reconcile.ErrRunClosed)
		_, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "x")
		assert.ErrorIs(t, err, payment.ErrInvalidTransition)
	})
	t.Run("undo a finalized match", func(t *testing.T) {
		_, err := f.svc.Unmatch(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 1"), "cfo@example.com", "")
		assert.ErrorIs(t, err, payment.ErrInvalid, "a reason is required")
		undone, err := f.svc.Unmatch(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 1"), "cfo@example.com", "booked twice by the bank")
		require.NoError(t, err)
		assert.Equal(t, reconcile.RunFinalized, undone.Status)
		assert.Equal(t, reconcile.StateUnmatched, decisionOf(t, undone, "line 1").State)
		assert.Equal(t, payment.StatusSettled, f.status(exact.ID))
		h, err := f.env.Service.History(f.ctx, f.ws, exact.ID)
		require.NoError(t, err)
		last := h[len(h)-1]
		assert.Equal(t, fsm.EventUnreconcile, last.Event)
		assert.Equal(t, "cfo@example.com", last.Actor)
		assert.Contains(t, last.Reason, "booked twice by the bank")
		assert.Equal(t, reconcile.ActionUndo, undone.History[len(undone.History)-1].Action)
	})
}

// TestCompletedEventSummaryIsTheRunReports: the summary reconciliation.completed carries is the run's
// report's, with the account's payments of the period that no entry booked counted as unmatched.
// Before, the event said no payment was left unmatched, whatever the report said.
func TestCompletedEventSummaryIsTheRunReports(t *testing.T) {
	f := newFixture(t)
	f.pay(payment.StatusSettled, "INV-1")
	waiting := f.pay(payment.StatusSettled, "INV-5", func(r *payment.Request) { r.Amount = 1 })
	run := f.newRun()
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(entry("line 1", "INV-1"))}, "a")
	require.NoError(t, err)
	run, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "a")
	require.NoError(t, err)
	rep, err := f.svc.Report(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	require.Len(t, rep.UnmatchedPayments, 1)
	require.Equal(t, waiting.ID, rep.UnmatchedPayments[0].PaymentID)

	events := f.pub.ofType(payment.EventReconciliationCompleted)
	require.Len(t, events, 1)
	var data reconcile.CompletedEvent
	require.NoError(t, json.Unmarshal(events[0].Data, &data))
	assert.Equal(t, rep.Summary, data.Summary)
	assert.Equal(t, 1, data.Summary.UnmatchedPayments)
	assert.Equal(t, 2, data.Summary.Payments)

	t.Run("a summary that cannot be made leaves the run finalizing", func(t *testing.T) {
		f := newFixture(t)
		f.pay(payment.StatusSettled, "INV-1")
		run := f.newRun()
		run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(entry("line 1", "INV-1"))}, "a")
		require.NoError(t, err)
		f.flaky.mu.Lock()
		f.flaky.failList = true
		f.flaky.mu.Unlock()
		got, err := f.svc.Finalize(f.ctx, f.ws, run.ID, "a")
		require.ErrorIs(t, err, errDisk)
		assert.NotEqual(t, reconcile.RunFinalized, got.Status, "no run that says finalized when it is not")
		stored, err := f.svc.GetRun(f.ctx, f.ws, run.ID)
		require.NoError(t, err)
		assert.Equal(t, reconcile.RunFinalizing, stored.Status)
		assert.Empty(t, f.pub.ofType(payment.EventReconciliationCompleted))
		got, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "a")
		require.NoError(t, err)
		assert.Equal(t, reconcile.RunFinalized, got.Status)
		assert.Len(t, f.pub.ofType(payment.EventReconciliationCompleted), 1)
	})
}

func TestReimportAddsOnlyNewEntries(t *testing.T) {
	f := newFixture(t)
	f.pay(payment.StatusSettled, "INV-1")
	f.pay(payment.StatusSettled, "INV-2", func(r *payment.Request) { r.Amount = 2000 })
	run := f.newRun()
	day1 := f.statement(entry("line 1", "INV-1"))
	run, sum, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{day1}, "a")
	require.NoError(t, err)
	assert.Equal(t, reconcile.ImportSummary{Added: 1}, sum)

	overlap := f.statement(entry("line 1", "INV-1"), entry("line 2", "INV-2", func(e *reconcile.Entry) { e.Amount = 2000 }),
		entry("line 3", "later", func(e *reconcile.Entry) { e.ValueDate = payment.MustDate("2026-02-02") }))
	run, sum, err = f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{overlap}, "a")
	require.NoError(t, err)
	assert.Equal(t, reconcile.ImportSummary{Added: 1, Duplicates: 1, OutsidePeriod: 1}, sum)
	require.Len(t, run.Entries, 2)
	assert.Equal(t, reconcile.StateMatched, run.Entries[0].Decision.State)
	assert.Equal(t, reconcile.StateMatched, run.Entries[1].Decision.State)

	_, sum, err = f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{overlap}, "a")
	require.NoError(t, err)
	assert.Equal(t, reconcile.ImportSummary{Duplicates: 2, OutsidePeriod: 1}, sum)
}

// TestImportEntriesWithoutCurrency: a statement that names no currency, whose entries name none, is in
// the run account's: its report shows 1250.00 TRY, not 125000 in no currency.
func TestImportEntriesWithoutCurrency(t *testing.T) {
	f := newFixture(t)
	f.pay(payment.StatusSettled, "INV-1")
	run := f.newRun()
	noCurrency := func(e *reconcile.Entry) { e.Currency = "" }
	st := f.statement(entry("line 1", "INV-1", noCurrency), entry("line 2", "fee", noCurrency, func(e *reconcile.Entry) { e.Amount = 5 }))
	st.Currency = ""
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{st}, "a")
	require.NoError(t, err)
	for _, e := range run.Entries {
		assert.Equal(t, payment.Currency("TRY"), e.Entry.Currency, e.Entry.Position)
	}
	r, err := f.svc.Report(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	assert.Equal(t, []reconcile.CurrencySummary{{Currency: "TRY", Entries: 2, Matched: 1, Amount: 125005, MatchedAmount: 125000}},
		r.Summary.Currencies)
	var b strings.Builder
	require.NoError(t, reconcile.WriteCSV(&b, r))
	assert.Contains(t, b.String(), ",2026-01-15,,1250.00,TRY,debit,")
	assert.Contains(t, b.String(), ",2026-01-15,,0.05,TRY,debit,")
}

func TestImportRefusesAnotherAccount(t *testing.T) {
	f := newFixture(t)
	run := f.newRun()
	st := f.statement(entry("line 1", "x"))
	st.Account = "DE89370400440532013000"
	_, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{st}, "a")
	assert.ErrorIs(t, err, payment.ErrInvalid)
	assert.NotContains(t, err.Error(), "DE89370400440532013000", "IBANs are masked in errors")
	st = f.statement(entry("line 1", "x"))
	st.Currency = "EUR"
	_, _, err = f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{st}, "a")
	assert.ErrorIs(t, err, payment.ErrInvalid)
}

// TestCheckStatementsNamesTheRunAccount: the refusal of another account's statement names the run's
// account by id, and by masked IBAN when it has one, never by an empty string.
func TestCheckStatementsNamesTheRunAccount(t *testing.T) {
	other := []reconcile.Statement{{Account: "DE89370400440532013000", Currency: "TRY"}}
	tests := []struct {
		name string
		acct payment.Account
		want string
	}{
		{"without an IBAN", payment.Account{ID: "acc_01KF0E44M00000000000000002", Currency: "TRY"},
			"statements[0].account: statement of account DE…3000, not of the run's account acc_01KF0E44M00000000000000002"},
		{"with an IBAN", payment.Account{ID: "acc_01KF0E44M00000000000000003", Currency: "TRY", IBAN: "TR330006100519786457841326"},
			"statements[0].account: statement of account DE…3000, not of the run's account acc_01KF0E44M00000000000000003 (TR…1326)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := reconcile.CheckStatements(&tc.acct, other)
			require.ErrorIs(t, err, payment.ErrInvalid)
			assert.Equal(t, "payment: "+tc.want, err.Error())
		})
	}
}

// TestRunNotFoundNamesIt: a run that is not in the workspace is an error naming the run and the
// workspace, still errors.Is payment.ErrNotFound, on every entry point of service.go.
func TestRunNotFoundNamesIt(t *testing.T) {
	f := newFixture(t)
	const id = reconcile.RunID("run_01KF0E44M00000000000000099")
	want := "payment: no run run_01KF0E44M00000000000000099 in workspace " + string(f.ws)
	calls := map[string]func() error{
		"GetRun":   func() error { _, err := f.svc.GetRun(f.ctx, f.ws, id); return err },
		"Import":   func() error { _, _, err := f.svc.Import(f.ctx, f.ws, id, nil, "a"); return err },
		"Finalize": func() error { _, err := f.svc.Finalize(f.ctx, f.ws, id, "a"); return err },
		"Report":   func() error { _, err := f.svc.Report(f.ctx, f.ws, id); return err },
		"Approve":  func() error { _, err := f.svc.Approve(f.ctx, f.ws, id, "fp", "a", ""); return err },
		"Unmatch":  func() error { _, err := f.svc.Unmatch(f.ctx, f.ws, id, "fp", "a", ""); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			require.ErrorIs(t, err, payment.ErrNotFound)
			var nf *payment.NotFoundError
			require.ErrorAs(t, err, &nf)
			assert.Equal(t, payment.NotFoundError{Kind: "run", ID: string(id), Workspace: f.ws, Err: payment.ErrNotFound}, *nf)
			assert.EqualError(t, err, want)
		})
	}
}

func TestRejectProposesTheNextCandidateOnce(t *testing.T) {
	f := newFixture(t)
	first := f.pay(payment.StatusSettled, "A")
	second := f.pay(payment.StatusSettled, "B")
	run := f.newRun()
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(entry("line 1", "no reference"))}, "a")
	require.NoError(t, err)
	d := decisionOf(t, run, "line 1")
	require.Equal(t, reconcile.StateProposed, d.State)
	require.Equal(t, []payment.ID{first.ID}, d.PaymentIDs)
	assert.Equal(t, []payment.ID{second.ID}, d.Alternatives)

	fp := fingerprint(t, run, "line 1")
	run, err = f.svc.Reject(f.ctx, f.ws, run.ID, fp, "mehmet", "not this one")
	require.NoError(t, err)
	d = decisionOf(t, run, "line 1")
	assert.Equal(t, reconcile.StateProposed, d.State)
	assert.Equal(t, []payment.ID{second.ID}, d.PaymentIDs)
	assert.Equal(t, []payment.ID{first.ID}, d.Rejected)

	run, err = f.svc.Reject(f.ctx, f.ws, run.ID, fp, "mehmet", "nor this one")
	require.NoError(t, err)
	d = decisionOf(t, run, "line 1")
	assert.Equal(t, reconcile.StateUnmatched, d.State)
	assert.ElementsMatch(t, []payment.ID{first.ID, second.ID}, d.Rejected)

	// A re-import that matches the open entries again keeps who rejected them and why.
	run, _, err = f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(entry("line 1", "no reference"))}, "a")
	require.NoError(t, err)
	d = decisionOf(t, run, "line 1")
	assert.Equal(t, reconcile.StateUnmatched, d.State)
	assert.Equal(t, "mehmet", d.By)
	assert.Equal(t, "nor this one", d.Note)

	_, err = f.svc.Approve(f.ctx, f.ws, run.ID, fp, "mehmet", "")
	var re *reconcile.ReviewError
	assert.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, reconcile.ErrReview)
}

func TestMap(t *testing.T) {
	f := newFixture(t)
	held := f.pay(payment.StatusSettled, "INV-1")
	free := f.pay(payment.StatusSettled, "INV-9", func(r *payment.Request) { r.Amount = 120000 })
	cancelled := f.pay(payment.StatusCancelled, "INV-8")
	eur := f.pay(payment.StatusSettled, "INV-7", func(r *payment.Request) {
		r.Currency, r.FromAccount, r.ToAccount = "EUR", f.env.OwnEUR.ID, f.env.VendorEUR.ID
	})
	savings := f.env.MustAccount(t, "Acme Savings", "TRY", payment.AccountInternal, "")
	incoming := f.pay(payment.StatusSettled, "INV-6", func(r *payment.Request) {
		r.FromAccount, r.ToAccount = savings.ID, f.env.Own.ID
	})
	run := f.newRun()
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(
		entry("line 1", "INV-1"), entry("line 2", "havale", func(e *reconcile.Entry) { e.Amount = 121000; e.ValueDate = payment.MustDate("2026-01-20") }))}, "a")
	require.NoError(t, err)
	fp := fingerprint(t, run, "line 2")
	require.Equal(t, reconcile.StateUnmatched, decisionOf(t, run, "line 2").State)

	bad := []struct {
		name string
		ids  []payment.ID
	}{
		{"none", nil},
		{"held by another entry", []payment.ID{held.ID}},
		{"cancelled", []payment.ID{cancelled.ID}},
		{"other currency", []payment.ID{eur.ID}},
		{"wrong direction", []payment.ID{incoming.ID}},
		{"unknown", []payment.ID{"pay_01KAWW1Y000000000000000000"}},
		{"twice", []payment.ID{free.ID, free.ID}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Map(f.ctx, f.ws, run.ID, fp, tt.ids, "mehmet", "")
			assert.ErrorIs(t, err, payment.ErrInvalid)
		})
	}
	run, err = f.svc.Map(f.ctx, f.ws, run.ID, fp, []payment.ID{free.ID}, "mehmet", "bank charged a fee on top")
	require.NoError(t, err)
	d := decisionOf(t, run, "line 2")
	assert.Equal(t, reconcile.StateMatched, d.State)
	assert.Equal(t, reconcile.ReviewManual, d.Review)
	assert.Equal(t, int64(1000), d.AmountDifference)
	assert.Equal(t, reconcile.Criteria{}, d.Criteria)
	require.Len(t, d.Reasons, 3)
	assert.Equal(t, "1210.00 TRY", d.Reasons[0].Entry)
	assert.Equal(t, "1200.00 TRY", d.Reasons[0].Payment)
	assert.Equal(t, int64(5), d.Reasons[1].Difference)

	t.Run("unmatch in an open run rejects the payment for the entry", func(t *testing.T) {
		run, err := f.svc.Unmatch(f.ctx, f.ws, run.ID, fp, "mehmet", "wrong payment")
		require.NoError(t, err)
		d := decisionOf(t, run, "line 2")
		assert.Equal(t, reconcile.StateUnmatched, d.State)
		assert.Equal(t, []payment.ID{free.ID}, d.Rejected)
		assert.Equal(t, payment.StatusSettled, f.status(free.ID))
	})
}

// twoMatched is a run with two entries matched exactly: payment a (INV-1, 1,250.00) on line 1 and
// payment b (INV-2, 20.00) on line 2, in the given statuses.
// TestMapPaymentsWhoseTotalOverflows: payments whose amounts add up to more than an int64 of minor
// units are refused, saying so, rather than recorded as a match whose payments total 0.00.
func TestMapPaymentsWhoseTotalOverflows(t *testing.T) {
	f := newFixture(t)
	const half = 1 << 62 // two of them are one more than the largest amount
	p1 := f.pay(payment.StatusSettled, "INV-1", func(r *payment.Request) { r.Amount = half })
	p2 := f.pay(payment.StatusSettled, "INV-2", func(r *payment.Request) { r.Amount = half })
	run := f.newRun()
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(
		entry("line 1", "havale", func(e *reconcile.Entry) { e.Amount = 1<<63 - 1 }))}, "a")
	require.NoError(t, err)
	fp := fingerprint(t, run, "line 1")
	require.Equal(t, reconcile.StateUnmatched, decisionOf(t, run, "line 1").State)

	_, err = f.svc.Map(f.ctx, f.ws, run.ID, fp, []payment.ID{p1.ID, p2.ID}, "mehmet", "")
	require.ErrorIs(t, err, payment.ErrInvalid)
	assert.ErrorContains(t, err, "payment_ids")
	assert.ErrorContains(t, err, "add up to more than")
	run, err = f.svc.GetRun(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	assert.Equal(t, reconcile.StateUnmatched, decisionOf(t, run, "line 1").State, "nothing is recorded")
}

func (f *fixture) twoMatched(sa, sb payment.Status) (a, b payment.Payment, run reconcile.Run) {
	f.t.Helper()
	a = f.pay(sa, "INV-1")
	b = f.pay(sb, "INV-2", func(r *payment.Request) { r.Amount = 2000 })
	run = f.newRun()
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(
		entry("line 1", "INV-1"), entry("line 2", "INV-2", func(e *reconcile.Entry) { e.Amount = 2000 }))}, "a")
	require.NoError(f.t, err)
	return a, b, run
}

func TestFinalizeResumesAfterAFailure(t *testing.T) {
	f := newFixture(t)
	a, b, run := f.twoMatched(payment.StatusProcessing, payment.StatusSettled)

	f.flaky.mu.Lock()
	f.flaky.failAt = f.flaky.n + 3 // settle a, reconcile a, then fail reconciling b
	f.flaky.mu.Unlock()
	run, err := f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.ErrorIs(t, err, errDisk)
	got, err := f.svc.GetRun(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	assert.Equal(t, reconcile.RunFinalizing, got.Status)
	assert.Equal(t, payment.StatusReconciled, f.status(a.ID))
	assert.Equal(t, payment.StatusSettled, f.status(b.ID))
	_, err = f.svc.Approve(f.ctx, f.ws, run.ID, got.Entries[0].Entry.Fingerprint, "x", "")
	assert.ErrorIs(t, err, reconcile.ErrRunClosed, "nothing else changes while finalizing")

	run, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.NoError(t, err)
	assert.Equal(t, reconcile.RunFinalized, run.Status)
	assert.Equal(t, payment.StatusReconciled, f.status(b.ID))
	h, err := f.env.Service.History(f.ctx, f.ws, a.ID)
	require.NoError(t, err)
	reconciles := 0
	for _, tr := range h {
		if tr.Event == fsm.EventReconcile {
			reconciles++
		}
	}
	assert.Equal(t, 1, reconciles, "a payment is reconciled once")
	assert.Len(t, f.pub.ofType(payment.EventReconciliationCompleted), 1)
}

func TestFinalizeRefusesAPaymentReconciledElsewhere(t *testing.T) {
	f := newFixture(t)
	p := f.pay(payment.StatusSettled, "INV-1")
	run := f.newRun()
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(entry("line 1", "INV-1"))}, "a")
	require.NoError(t, err)
	_, err = f.env.Service.MarkReconciled(f.ctx, f.ws, p.ID, "someone", "by hand")
	require.NoError(t, err)
	_, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	assert.ErrorIs(t, err, payment.ErrConflict)
	got, err := f.svc.GetRun(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	assert.Equal(t, reconcile.RunOpen, got.Status, "nothing changed")
}

// TestFinalizeReopensWhenAPaymentChangedMidway: a Finalize stopped part-way, and a payment it had
// not reached failed meanwhile. The next Finalize names it and reopens the run, so the entry can be
// unmatched and dismissed; the entry reconciled already can be undone in the open run; then the run
// finalizes. Before, the run stayed finalizing and refused every review: stuck for good.
func TestFinalizeReopensWhenAPaymentChangedMidway(t *testing.T) {
	f := newFixture(t)
	a, b, run := f.twoMatched(payment.StatusProcessing, payment.StatusProcessing)
	f.flaky.mu.Lock()
	f.flaky.failAt = f.flaky.n + 3 // settle a, reconcile a, then fail settling b
	f.flaky.mu.Unlock()
	_, err := f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.ErrorIs(t, err, errDisk)
	_, err = f.env.Service.Fail(f.ctx, f.ws, b.ID, "rail", "returned", "returned by the bank")
	require.NoError(t, err)

	_, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.ErrorIs(t, err, payment.ErrConflict)
	assert.ErrorContains(t, err, string(b.ID))
	got, err := f.svc.GetRun(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	require.Equal(t, reconcile.RunOpen, got.Status, "reopened for review")
	assert.True(t, decisionOf(t, got, "line 1").Reconciled, "the entry reconciled already keeps its mark")

	got, err = f.svc.Unmatch(f.ctx, f.ws, run.ID, fingerprint(t, got, "line 2"), "ayse", "")
	require.NoError(t, err)
	_, err = f.svc.Dismiss(f.ctx, f.ws, run.ID, fingerprint(t, got, "line 2"), "ayse", "returned payment, booked back")
	require.NoError(t, err)
	run, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.NoError(t, err)
	assert.Equal(t, reconcile.RunFinalized, run.Status)
	assert.Equal(t, payment.StatusReconciled, f.status(a.ID))
	assert.Len(t, f.pub.ofType(payment.EventReconciliationCompleted), 1)

	// The same with the reconciled entry undone while the run is open again.
	g := newFixture(t)
	a, b, run = g.twoMatched(payment.StatusSettled, payment.StatusSettled)
	g.flaky.mu.Lock()
	g.flaky.failAt = g.flaky.n + 2 // reconcile a, then fail reconciling b
	g.flaky.mu.Unlock()
	_, err = g.svc.Finalize(g.ctx, g.ws, run.ID, "ayse")
	require.ErrorIs(t, err, errDisk)
	_, err = g.env.Service.MarkReconciled(g.ctx, g.ws, b.ID, "someone", "by hand")
	require.NoError(t, err)
	_, err = g.svc.Finalize(g.ctx, g.ws, run.ID, "ayse")
	require.ErrorIs(t, err, payment.ErrConflict)
	got, err = g.svc.Unmatch(g.ctx, g.ws, run.ID, fingerprint(t, run, "line 1"), "cfo", "")
	require.ErrorIs(t, err, payment.ErrInvalid, "undoing a reconciliation needs a reason")
	got, err = g.svc.Unmatch(g.ctx, g.ws, run.ID, fingerprint(t, run, "line 1"), "cfo", "wrong line")
	require.NoError(t, err)
	assert.Equal(t, reconcile.RunOpen, got.Status)
	assert.Equal(t, payment.StatusSettled, g.status(a.ID), "undone: back to settled")
	assert.False(t, decisionOf(t, got, "line 1").Reconciled)
}

// TestUnmatchUndoesAHalfReconciledBatch: a Finalize stopped between the payments of a batch entry
// (the first reconciled, the entry not yet marked), and the run was reopened for another entry.
// Unmatching the batch entry undoes the reconciliation of the payment it reached. Before, the entry
// was simply unmatched and the payment stayed reconciled by a run that no longer held it: once the
// entry was dismissed and the run finalized, nothing could undo it.
func TestUnmatchUndoesAHalfReconciledBatch(t *testing.T) {
	f := newFixture(t)
	p1 := f.pay(payment.StatusSettled, "", func(r *payment.Request) { r.Amount = 50000 })
	p2 := f.pay(payment.StatusSettled, "", func(r *payment.Request) { r.Amount = 75000 })
	p3 := f.pay(payment.StatusProcessing, "INV-3", func(r *payment.Request) { r.Amount = 2000 })
	run := f.newRun()
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(
		entry("line 1", "TOPLU"), entry("line 2", "INV-3", func(e *reconcile.Entry) { e.Amount = 2000 }))}, "a")
	require.NoError(t, err)
	require.Equal(t, reconcile.StateMatched, decisionOf(t, run, "line 2").State)
	fp := fingerprint(t, run, "line 1")
	_, err = f.svc.Map(f.ctx, f.ws, run.ID, fp, []payment.ID{p1.ID, p2.ID}, "ayse", "two invoices")
	require.NoError(t, err)

	f.flaky.mu.Lock()
	f.flaky.failAt = f.flaky.n + 2 // reconcile p1, then fail reconciling p2
	f.flaky.mu.Unlock()
	_, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.ErrorIs(t, err, errDisk)
	require.Equal(t, payment.StatusReconciled, f.status(p1.ID))
	_, err = f.env.Service.Fail(f.ctx, f.ws, p3.ID, "rail", "returned", "returned by the bank")
	require.NoError(t, err)
	_, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.ErrorIs(t, err, payment.ErrConflict)
	got, err := f.svc.GetRun(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	require.Equal(t, reconcile.RunOpen, got.Status, "reopened for review")
	require.False(t, decisionOf(t, got, "line 1").Reconciled, "the batch was not reconciled whole")

	_, err = f.svc.Unmatch(f.ctx, f.ws, run.ID, fp, "cfo", "")
	require.ErrorIs(t, err, payment.ErrInvalid, "undoing a reconciliation needs a reason")
	got, err = f.svc.Unmatch(f.ctx, f.ws, run.ID, fp, "cfo", "wrong line")
	require.NoError(t, err)
	assert.Equal(t, reconcile.RunOpen, got.Status)
	assert.Equal(t, reconcile.StateUnmatched, decisionOf(t, got, "line 1").State)
	assert.Equal(t, reconcile.ActionUndo, got.History[len(got.History)-1].Action)
	assert.Equal(t, payment.StatusSettled, f.status(p1.ID), "undone: back to settled")
	assert.Equal(t, payment.StatusSettled, f.status(p2.ID))
	h, err := f.env.Service.History(f.ctx, f.ws, p1.ID)
	require.NoError(t, err)
	assert.Equal(t, "cfo", h[len(h)-1].Actor)
	assert.Contains(t, h[len(h)-1].Reason, "wrong line")
}

// TestConcurrentUndosBothFinish: two people undo two matches of a finalized run at once; the second
// to store the run reads it again and finishes. Before, it failed with a conflict after moving its
// payment back to settled, and the run still said that payment was reconciled.
func TestConcurrentUndosBothFinish(t *testing.T) {
	f := newFixture(t)
	a, b, run := f.twoMatched(payment.StatusSettled, payment.StatusSettled)
	run, err := f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.NoError(t, err)
	var other error
	f.flaky.mu.Lock()
	f.flaky.before = func() { // while line 1 is being undone, line 2 is undone and stored first
		_, other = f.svc.Unmatch(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 2"), "bora", "booked twice")
	}
	f.flaky.mu.Unlock()
	got, err := f.svc.Unmatch(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 1"), "cfo", "wrong line")
	require.NoError(t, other)
	require.NoError(t, err)
	assert.Equal(t, reconcile.RunFinalized, got.Status)
	for _, tt := range []struct {
		pos string
		id  payment.ID
	}{{"line 1", a.ID}, {"line 2", b.ID}} {
		assert.Equal(t, payment.StatusSettled, f.status(tt.id), tt.pos)
		d := decisionOf(t, got, tt.pos)
		assert.Equal(t, reconcile.StateUnmatched, d.State, tt.pos)
		assert.False(t, d.Reconciled, tt.pos)
	}
	undos := 0
	for _, ev := range got.History {
		if ev.Action == reconcile.ActionUndo {
			undos++
		}
	}
	assert.Equal(t, 2, undos)
	h, err := f.env.Service.History(f.ctx, f.ws, a.ID)
	require.NoError(t, err)
	assert.Equal(t, fsm.EventUnreconcile, h[len(h)-1].Event)
	assert.Equal(t, fsm.EventReconcile, h[len(h)-2].Event, "undone once")
}

// TestUndoneMatchIsNotMadeAgain: a match undone in a run reopened for review is not made again by
// the next import, as a match unmatched in an open run is not. Before, re-importing the statement
// matched the entry with the same payment automatically, and the next Finalize reconciled it again.
func TestUndoneMatchIsNotMadeAgain(t *testing.T) {
	f := newFixture(t)
	a, b, run := f.twoMatched(payment.StatusSettled, payment.StatusSettled)
	f.flaky.mu.Lock()
	f.flaky.failAt = f.flaky.n + 2 // reconcile a, then fail reconciling b
	f.flaky.mu.Unlock()
	_, err := f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.ErrorIs(t, err, errDisk)
	_, err = f.env.Service.MarkReconciled(f.ctx, f.ws, b.ID, "someone", "by hand")
	require.NoError(t, err)
	_, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.ErrorIs(t, err, payment.ErrConflict)
	got, err := f.svc.Unmatch(f.ctx, f.ws, run.ID, fingerprint(t, run, "line 1"), "cfo", "wrong line")
	require.NoError(t, err)
	require.Equal(t, reconcile.RunOpen, got.Status)
	assert.Equal(t, []payment.ID{a.ID}, decisionOf(t, got, "line 1").Rejected)

	got, _, err = f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(
		entry("line 1", "INV-1"), entry("line 2", "INV-2", func(e *reconcile.Entry) { e.Amount = 2000 }))}, "a")
	require.NoError(t, err)
	d := decisionOf(t, got, "line 1")
	assert.Equal(t, reconcile.StateUnmatched, d.State)
	assert.Empty(t, d.PaymentIDs)
	assert.Equal(t, "cfo", d.By, "who left it unmatched, and why, stays")
	assert.Equal(t, "wrong line", d.Note)
}

// TestUndoRetryLeavesAnotherRunsPayment: an undo interrupted part-way, retried after another run took
// and reconciled the payment it had already undone, leaves that payment to the other run.
func TestUndoRetryLeavesAnotherRunsPayment(t *testing.T) {
	f := newFixture(t)
	p1 := f.pay(payment.StatusSettled, "", func(r *payment.Request) { r.Amount = 50000 })
	p2 := f.pay(payment.StatusSettled, "", func(r *payment.Request) { r.Amount = 75000 })
	run := f.newRun()
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(entry("line 9", "TOPLU"))}, "a")
	require.NoError(t, err)
	fp := fingerprint(t, run, "line 9")
	_, err = f.svc.Map(f.ctx, f.ws, run.ID, fp, []payment.ID{p1.ID, p2.ID}, "ayse", "two invoices")
	require.NoError(t, err)
	_, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.NoError(t, err)

	f.flaky.mu.Lock()
	f.flaky.failAt = f.flaky.n + 2 // undo p1, then fail undoing p2
	f.flaky.mu.Unlock()
	_, err = f.svc.Unmatch(f.ctx, f.ws, run.ID, fp, "cfo", "wrong line")
	require.ErrorIs(t, err, errDisk)
	require.Equal(t, payment.StatusSettled, f.status(p1.ID))

	other, err := f.svc.CreateRun(f.ctx, f.ws, reconcile.RunRequest{Account: f.env.Own.ID,
		From: payment.MustDate("2026-01-01"), To: payment.MustDate("2026-01-31")}, "bora")
	require.NoError(t, err)
	st := f.statement(entry("line 3", "P1", func(e *reconcile.Entry) { e.Amount = 50000 }))
	st.ID = "STMT-2026-01-B"
	other, _, err = f.svc.Import(f.ctx, f.ws, other.ID, []reconcile.Statement{st}, "bora")
	require.NoError(t, err)
	_, err = f.svc.Map(f.ctx, f.ws, other.ID, fingerprint(t, other, "line 3"), []payment.ID{p1.ID}, "bora", "")
	require.NoError(t, err)
	_, err = f.svc.Finalize(f.ctx, f.ws, other.ID, "bora")
	require.NoError(t, err)
	require.Equal(t, payment.StatusReconciled, f.status(p1.ID))

	_, err = f.svc.Unmatch(f.ctx, f.ws, run.ID, fp, "cfo", "wrong line")
	require.NoError(t, err)
	assert.Equal(t, payment.StatusReconciled, f.status(p1.ID), "the other run's reconciliation stays")
	assert.Equal(t, payment.StatusSettled, f.status(p2.ID), "this run's own is undone")
}

// TestImportNumbersBookingsAcrossStatements: statements given without fingerprints are fingerprinted
// together, as a decoder does a file's: the same fee on two pages is two entries.
func TestImportNumbersBookingsAcrossStatements(t *testing.T) {
	f := newFixture(t)
	run := f.newRun()
	fee := entry("line 5", "FEE", func(e *reconcile.Entry) { e.Amount = 500 })
	page := func(id string, pos string) reconcile.Statement {
		e := fee
		e.Position = pos
		return reconcile.Statement{Format: "test", ID: id, Account: f.env.Own.IBAN, Currency: "TRY", Entries: []reconcile.Entry{e}}
	}
	_, sum, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{page("S/1", "line 5"), page("S/2", "line 12")}, "a")
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Added)
	assert.Zero(t, sum.Duplicates)

	// A fingerprint the caller gave is kept, beside statements that come without.
	given := page("S/3", "line 20")
	given.Entries[0].Fingerprint, given.Entries[0].Amount = "caller-key-1", 700
	other := page("S/4", "line 21")
	other.Entries[0].Amount = 800
	run2, sum, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{given, other}, "a")
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Added)
	assert.Equal(t, "caller-key-1", fingerprint(t, run2, "line 20"))
	assert.Empty(t, other.Entries[0].Fingerprint, "the caller's entries are not written")
}

// TestImportRefusesARunTooLarge: an import that would take a run past MaxRunEntries is refused whole,
// with nothing of it stored; under the limit, and with no limit, it is taken.
func TestImportRefusesARunTooLarge(t *testing.T) {
	f := newFixture(t)
	f.svc = reconcile.NewService(f.env.Service, &versionedRuns{RunStore: f.runs}, reconcile.ServiceOptions{MaxRunEntries: 3})
	run := f.newRun()
	lines := func(from, n int) reconcile.Statement {
		var es []reconcile.Entry
		for i := range n {
			es = append(es, entry(fmt.Sprintf("line %d", from+i), fmt.Sprintf("FEE %d", from+i), func(e *reconcile.Entry) { e.Amount = int64(100 + from + i) }))
		}
		return f.statement(es...)
	}
	_, sum, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{lines(1, 2)}, "a")
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Added)
	_, _, err = f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{lines(3, 2)}, "a")
	require.ErrorIs(t, err, payment.ErrInvalid)
	fe := payment.FieldErrors(err)
	require.Len(t, fe, 1)
	assert.Equal(t, "statements", fe[0].Field)
	assert.ErrorContains(t, err, "the run would hold 4 entries, more than the 3 a run holds")
	got, err := f.svc.GetRun(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	assert.Len(t, got.Entries, 2, "nothing of the refused import")
	_, sum, err = f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{lines(3, 1)}, "a")
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Added, "up to the limit")

	unlimited := reconcile.NewService(f.env.Service, f.runs, reconcile.ServiceOptions{MaxRunEntries: -1})
	_, sum, err = unlimited.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{lines(10, 5)}, "a")
	require.NoError(t, err)
	assert.Equal(t, 5, sum.Added)

	// A run over the limit (made with a larger one) still takes a re-import that adds nothing.
	_, sum, err = f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{lines(10, 5)}, "a")
	require.NoError(t, err)
	assert.Equal(t, 5, sum.Duplicates)
	assert.NoError(t, f.svc.CheckRunSize(3))
	assert.ErrorIs(t, f.svc.CheckRunSize(4), payment.ErrInvalid)
}

func TestCreateRunValidates(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.CreateRun(f.ctx, f.ws, reconcile.RunRequest{Account: "acc_nope", From: payment.MustDate("2026-02-01"),
		To: payment.MustDate("2026-01-01"), DateWindow: -1}, "a")
	require.ErrorIs(t, err, payment.ErrInvalid)
	fields := map[string]bool{}
	for _, fe := range payment.FieldErrors(err) {
		fields[fe.Field] = true
	}
	assert.Equal(t, map[string]bool{"account": true, "to": true, "date_window": true}, fields)
}

// TestCreateRunRefusesAPeriodOverlappingAnUnfinalizedRun: a second run of the account whose period
// overlaps an open or finalizing run is refused, naming that run, its status and period. Before, it
// was created: both runs imported the same entries and matched the same payments, and the second
// could never be finalized ("reconciled by someone else").
func TestCreateRunRefusesAPeriodOverlappingAnUnfinalizedRun(t *testing.T) {
	f := newFixture(t)
	_, _, run := f.twoMatched(payment.StatusProcessing, payment.StatusSettled) // January, open
	create := func(acct payment.AccountID, from, to string) (reconcile.Run, error) {
		return f.svc.CreateRun(f.ctx, f.ws, reconcile.RunRequest{Account: acct,
			From: payment.MustDate(from), To: payment.MustDate(to)}, "b")
	}
	refused := func(t *testing.T, err error, status reconcile.RunStatus) {
		t.Helper()
		require.ErrorIs(t, err, payment.ErrConflict)
		assert.ErrorIs(t, err, reconcile.ErrRunOverlap)
		var ov *reconcile.RunOverlapError
		require.ErrorAs(t, err, &ov)
		assert.Equal(t, reconcile.RunOverlapError{Account: f.env.Own.ID, From: payment.MustDate("2026-01-31"),
			To: payment.MustDate("2026-02-27"), Run: run.ID, Status: status,
			RunFrom: payment.MustDate("2026-01-01"), RunTo: payment.MustDate("2026-01-31")}, *ov)
		assert.EqualError(t, err, "reconcile: the period 2026-01-31 to 2026-02-27 overlaps run "+string(run.ID)+
			" of account "+string(f.env.Own.ID)+", which is "+string(status)+" (period 2026-01-01 to 2026-01-31): "+
			"finalize that run first, or choose a period that does not overlap it")
	}

	_, err := create(f.env.Own.ID, "2026-01-31", "2026-02-27")
	refused(t, err, reconcile.RunOpen)
	_, err = create(f.env.Own.ID, "2026-01-10", "2026-01-12")
	assert.ErrorIs(t, err, reconcile.ErrRunOverlap, "a period inside the run's")
	_, err = create(f.env.Own.ID, "2025-12-01", "2026-03-31")
	assert.ErrorIs(t, err, reconcile.ErrRunOverlap, "a period around the run's")

	other, err := create(f.env.OwnEUR.ID, "2026-01-01", "2026-01-31")
	require.NoError(t, err, "another account's run does not stand in the way")
	_, err = create(f.env.OwnEUR.ID, "2026-01-15", "2026-01-20")
	assert.ErrorIs(t, err, reconcile.ErrRunOverlap)
	assert.NotEmpty(t, other.ID)

	f.flaky.mu.Lock()
	f.flaky.failAt = f.flaky.n + 2 // settle the processing payment, then fail reconciling it
	f.flaky.mu.Unlock()
	_, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.ErrorIs(t, err, errDisk)
	_, err = create(f.env.Own.ID, "2026-01-31", "2026-02-27")
	refused(t, err, reconcile.RunFinalizing)

	_, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.NoError(t, err)
	_, err = create(f.env.Own.ID, "2026-01-01", "2026-01-31")
	require.NoError(t, err, "a finalized run does not stand in the way")
	_, err = create(f.env.Own.ID, "2026-02-01", "2026-02-28")
	require.NoError(t, err, "the next period does not overlap")
}

// TestConcurrentCreateRunsMakeOneRun: overlapping runs created at the same moment through one
// Service make one run; the others are refused.
func TestConcurrentCreateRunsMakeOneRun(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = f.svc.CreateRun(f.ctx, f.ws, reconcile.RunRequest{Account: f.env.Own.ID,
				From: payment.MustDate("2026-01-01"), To: payment.MustDate("2026-01-31")}, "a")
		})
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		if err == nil {
			created++
		} else {
			assert.ErrorIs(t, err, reconcile.ErrRunOverlap)
		}
	}
	assert.Equal(t, 1, created)
}

// TestReviewOfAProposalSeenBeforeItChanged: an approve or reject that names the payments its caller
// saw is refused when the entry proposes others now (someone rejected the proposal shown and
// matching proposed the next candidate), saying what is proposed now; nothing changes. Before, the
// click applied to a payment the person never saw. Without names, Approve and Reject act as before.
func TestReviewOfAProposalSeenBeforeItChanged(t *testing.T) {
	f := newFixture(t)
	first := f.pay(payment.StatusSettled, "A")
	second := f.pay(payment.StatusSettled, "B")
	run := f.newRun()
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(entry("line 1", "no reference"))}, "a")
	require.NoError(t, err)
	fp := fingerprint(t, run, "line 1")
	require.Equal(t, []payment.ID{first.ID}, decisionOf(t, run, "line 1").PaymentIDs)
	seen := []payment.ID{first.ID} // what two people see

	_, err = f.svc.RejectProposal(f.ctx, f.ws, run.ID, fp, seen, "ayse", "not this one")
	require.NoError(t, err)
	before, err := f.svc.GetRun(f.ctx, f.ws, run.ID)
	require.NoError(t, err)
	require.Equal(t, []payment.ID{second.ID}, decisionOf(t, before, "line 1").PaymentIDs)

	for name, act := range map[string]func() (reconcile.Run, error){
		"approve": func() (reconcile.Run, error) {
			return f.svc.ApproveProposal(f.ctx, f.ws, run.ID, fp, seen, "mehmet", "")
		},
		"reject": func() (reconcile.Run, error) {
			return f.svc.RejectProposal(f.ctx, f.ws, run.ID, fp, seen, "mehmet", "")
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := act()
			require.ErrorIs(t, err, payment.ErrConflict)
			assert.ErrorIs(t, err, reconcile.ErrProposalChanged)
			var pc *reconcile.ProposalChangedError
			require.ErrorAs(t, err, &pc)
			assert.Equal(t, reconcile.ProposalChangedError{Entry: fp, Position: "line 1", Action: reconcile.RunAction(name),
				Expected: seen, Proposed: []payment.ID{second.ID}}, *pc)
			assert.EqualError(t, err, "reconcile: entry "+fp+" (line 1) proposes "+string(second.ID)+" now, not "+
				string(first.ID)+": look at the new proposal before you "+name+" it")
			after, err := f.svc.GetRun(f.ctx, f.ws, run.ID)
			require.NoError(t, err)
			assert.Equal(t, before, after, "nothing changed")
		})
	}

	run, err = f.svc.ApproveProposal(f.ctx, f.ws, run.ID, fp, []payment.ID{second.ID}, "mehmet", "seen")
	require.NoError(t, err, "the proposal seen is the one there")
	d := decisionOf(t, run, "line 1")
	assert.Equal(t, reconcile.StateMatched, d.State)
	assert.Equal(t, []payment.ID{second.ID}, d.PaymentIDs)
}

// TestEveryActionRequiresAnActor: every action that records history refuses an empty actor (or one of
// only white space) with a *payment.ValidationError of field actor, and changes nothing. Before, an
// undo, a dismissal or a finalization was recorded with no one in the run's history and in the
// payments'.
func TestEveryActionRequiresAnActor(t *testing.T) {
	f := newFixture(t)
	exact := f.pay(payment.StatusSettled, "INV-1")
	f.pay(payment.StatusSettled, "INV-3", func(r *payment.Request) { r.Amount = 50000 })
	spare := f.pay(payment.StatusSettled, "INV-9", func(r *payment.Request) { r.Amount = 1500 })
	run := f.newRun()
	st := f.statement(entry("line 1", "Fatura INV-1"),
		entry("line 2", "kira ödemesi", func(e *reconcile.Entry) { e.Amount = 50000 }),
		entry("line 3", "HESAP İŞLETİM ÜCRETİ", func(e *reconcile.Entry) { e.Amount = 1600 }))
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{st}, "ayse")
	require.NoError(t, err)
	matched, proposed, unmatched := fingerprint(t, run, "line 1"), fingerprint(t, run, "line 2"), fingerprint(t, run, "line 3")
	require.Equal(t, reconcile.StateProposed, decisionOf(t, run, "line 2").State)
	require.Equal(t, reconcile.StateUnmatched, decisionOf(t, run, "line 3").State)

	refused := func(t *testing.T, act func(actor string) error) {
		t.Helper()
		for _, actor := range []string{"", " \t"} {
			before, err := f.svc.ListRuns(f.ctx, f.ws, reconcile.RunFilter{})
			require.NoError(t, err)
			full, err := f.svc.GetRun(f.ctx, f.ws, run.ID)
			require.NoError(t, err)
			err = act(actor)
			require.ErrorIs(t, err, payment.ErrInvalid, "actor %q", actor)
			var fields []string
			for _, fe := range payment.FieldErrors(err) {
				fields = append(fields, fe.Field)
			}
			assert.Contains(t, fields, "actor")
			after, err := f.svc.ListRuns(f.ctx, f.ws, reconcile.RunFilter{})
			require.NoError(t, err)
			assert.Equal(t, before, after, "no run was created or changed")
			got, err := f.svc.GetRun(f.ctx, f.ws, run.ID)
			require.NoError(t, err)
			assert.Equal(t, full, got, "the run is unchanged")
		}
	}
	for name, act := range map[string]func(actor string) error{
		"create": func(a string) error {
			_, err := f.svc.CreateRun(f.ctx, f.ws, reconcile.RunRequest{Account: f.env.OwnEUR.ID,
				From: payment.MustDate("2026-01-01"), To: payment.MustDate("2026-01-31")}, a)
			return err
		},
		"import": func(a string) error {
			_, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(entry("line 9", "new"))}, a)
			return err
		},
		"approve": func(a string) error { _, err := f.svc.Approve(f.ctx, f.ws, run.ID, proposed, a, "ok"); return err },
		"reject":  func(a string) error { _, err := f.svc.Reject(f.ctx, f.ws, run.ID, proposed, a, "no"); return err },
		"map": func(a string) error {
			_, err := f.svc.Map(f.ctx, f.ws, run.ID, unmatched, []payment.ID{spare.ID}, a, "fee deducted")
			return err
		},
		"dismiss": func(a string) error {
			_, err := f.svc.Dismiss(f.ctx, f.ws, run.ID, unmatched, a, "bank fee")
			return err
		},
		"unmatch":  func(a string) error { _, err := f.svc.Unmatch(f.ctx, f.ws, run.ID, matched, a, "wrong"); return err },
		"finalize": func(a string) error { _, err := f.svc.Finalize(f.ctx, f.ws, run.ID, a); return err },
	} {
		t.Run(name, func(t *testing.T) { refused(t, act) })
	}

	_, err = f.svc.Approve(f.ctx, f.ws, run.ID, proposed, "mehmet", "rent")
	require.NoError(t, err)
	_, err = f.svc.Dismiss(f.ctx, f.ws, run.ID, unmatched, "mehmet", "bank fee")
	require.NoError(t, err)
	run, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse")
	require.NoError(t, err)
	t.Run("undo", func(t *testing.T) {
		refused(t, func(a string) error {
			_, err := f.svc.Unmatch(f.ctx, f.ws, run.ID, matched, a, "booked twice by the bank")
			return err
		})
		assert.Equal(t, payment.StatusReconciled, f.status(exact.ID))
	})
}

// TestReviewOfAProposalSeenInLowerCase: the payments of the proposal seen may be named with their
// ULIDs in lower case, as payment.ParseID and the HTTP API accept them; they are the payments
// proposed, not a changed proposal (it was refused as proposal_changed, naming the same payment).
func TestReviewOfAProposalSeenInLowerCase(t *testing.T) {
	f := newFixture(t)
	p := f.pay(payment.StatusSettled, "A")
	run := f.newRun()
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(entry("line 1", "no reference"))}, "a")
	require.NoError(t, err)
	fp := fingerprint(t, run, "line 1")
	require.Equal(t, []payment.ID{p.ID}, decisionOf(t, run, "line 1").PaymentIDs)
	lower := payment.ID(payment.PrefixPayment + strings.ToLower(strings.TrimPrefix(string(p.ID), payment.PrefixPayment)))

	run, err = f.svc.ApproveProposal(f.ctx, f.ws, run.ID, fp, []payment.ID{lower}, "mehmet", "seen")
	require.NoError(t, err)
	d := decisionOf(t, run, "line 1")
	assert.Equal(t, reconcile.StateMatched, d.State)
	assert.Equal(t, []payment.ID{p.ID}, d.PaymentIDs)
}

// TestRunHistoryTimesNeverGoBack: a service whose clock is behind the one that wrote a run's last
// change (another instance, a clock stepped back) dates its change no earlier than that one, so the
// run's history reads in time order.
func TestRunHistoryTimesNeverGoBack(t *testing.T) {
	f := newFixture(t)
	f.pay(payment.StatusSettled, "INV-1")
	run := f.newRun()
	f.env.Clock.Advance(-time.Hour)
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(entry("line 1", "Fatura INV-1"))}, "ayse@example.com")
	require.NoError(t, err)
	f.env.Clock.Advance(-time.Hour)
	run, err = f.svc.Finalize(f.ctx, f.ws, run.ID, "ayse@example.com")
	require.NoError(t, err)
	require.Len(t, run.History, 3)
	for i := 1; i < len(run.History); i++ {
		assert.False(t, run.History[i].At.Before(run.History[i-1].At), "%s at %v, before %s at %v",
			run.History[i].Action, run.History[i].At, run.History[i-1].Action, run.History[i-1].At)
	}
	assert.Equal(t, run.CreatedAt, run.FinalizedAt)
	assert.Equal(t, run.CreatedAt, run.UpdatedAt)
}

// TestCreateRunWithLowerCaseIDsKeepsThemAsStored: a run created with the workspace and account ids'
// ULIDs in lower case (the payment service takes either case) is the account's run: it is refused
// where it overlaps an open run, and it keeps the ids as stored. It was created beside the open run,
// under ids no other run, payment or page of the workspace has.
func TestCreateRunWithLowerCaseIDsKeepsThemAsStored(t *testing.T) {
	f := newFixture(t)
	_, _, run := f.twoMatched(payment.StatusProcessing, payment.StatusSettled) // January, open
	ws := payment.WorkspaceID(strings.ToLower(string(f.ws)))
	acct := payment.AccountID(strings.ToLower(string(f.env.Own.ID)))
	_, err := f.svc.CreateRun(f.ctx, ws, reconcile.RunRequest{Account: acct,
		From: payment.MustDate("2026-01-15"), To: payment.MustDate("2026-02-15")}, "b")
	var ov *reconcile.RunOverlapError
	require.ErrorAs(t, err, &ov)
	assert.Equal(t, run.ID, ov.Run)

	march, err := f.svc.CreateRun(f.ctx, ws, reconcile.RunRequest{Account: acct,
		From: payment.MustDate("2026-03-01"), To: payment.MustDate("2026-03-31")}, "b")
	require.NoError(t, err)
	assert.Equal(t, f.ws, march.Workspace)
	assert.Equal(t, f.env.Own.ID, march.Account)
	got, err := f.svc.GetRun(f.ctx, f.ws, march.ID)
	require.NoError(t, err)
	assert.Equal(t, march.ID, got.ID)
}

// TestMapTakesPaymentIDsInEitherCase: Map takes a payment id's ULID in either case as the one
// payment (payment.ParseID) and keeps it as stored: a payment another entry holds is refused in lower
// case too, as is one named twice in two cases. The lower-case id of a held payment was mapped, and
// the payment was matched with two entries.
func TestMapTakesPaymentIDsInEitherCase(t *testing.T) {
	f := newFixture(t)
	held := f.pay(payment.StatusSettled, "INV-1")
	free := f.pay(payment.StatusSettled, "INV-9", func(r *payment.Request) { r.Amount = 60000 })
	run := f.newRun()
	run, _, err := f.svc.Import(f.ctx, f.ws, run.ID, []reconcile.Statement{f.statement(
		entry("line 1", "INV-1"), entry("line 2", "havale", func(e *reconcile.Entry) { e.Amount = 120000; e.ValueDate = payment.MustDate("2026-01-20") }))}, "a")
	require.NoError(t, err)
	require.Equal(t, reconcile.StateMatched, decisionOf(t, run, "line 1").State)
	fp := fingerprint(t, run, "line 2")
	lower := func(id payment.ID) payment.ID { return payment.ID(strings.ToLower(string(id))) }

	_, err = f.svc.Map(f.ctx, f.ws, run.ID, fp, []payment.ID{lower(held.ID)}, "mehmet", "")
	require.ErrorIs(t, err, payment.ErrInvalid)
	assert.ErrorContains(t, err, "already matched with entry line 1")
	_, err = f.svc.Map(f.ctx, f.ws, run.ID, fp, []payment.ID{free.ID, lower(free.ID)}, "mehmet", "")
	require.ErrorIs(t, err, payment.ErrInvalid)
	assert.ErrorContains(t, err, "named twice")

	run, err = f.svc.Map(f.ctx, f.ws, run.ID, fp, []payment.ID{lower(free.ID)}, "mehmet", "")
	require.NoError(t, err)
	assert.Equal(t, []payment.ID{free.ID}, decisionOf(t, run, "line 2").PaymentIDs)
}
