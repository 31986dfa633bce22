package pain001_test

import (
	"time"

	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/rail/pain001"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// railEnv is a workspace whose bank_transfer and eft payments go through a pain.001 rail, driven by a
// processor, with three counterparties that have IBANs and one that has none.
type railEnv struct {
	*paymenttest.Env
	store     *memory.Store
	rail      *pain001.Rail
	proc      *payment.Processor
	creditors []payment.Account
	noIBAN    payment.Account
}

func newRailEnv(t *testing.T, opts pain001.Options) *railEnv {
	t.Helper()
	store := memory.New()
	clock := paymenttest.NewClock(created)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	if opts.IDs == nil {
		opts.IDs = &paymenttest.IDs{}
	}
	rail := pain001.NewRail(store, opts)
	e := &railEnv{store: store, rail: rail, Env: paymenttest.NewEnv(t, store, paymenttest.WithServiceOptions(payment.Options{
		Clock: clock, Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: rail, payment.MethodEFT: rail}}))}
	for i, iban := range []string{ibanA, ibanB, ibanC} {
		e.creditors = append(e.creditors, e.MustAccount(t, []string{"Yılmaz Tekstil", "Müller GmbH", "Rossi S.p.A."}[i], "TRY", payment.AccountExternal, iban))
	}
	e.noIBAN = e.Vendor
	e.proc = payment.NewProcessor(e.Service, payment.ProcessorOptions{Owner: "test"})
	return e
}

// approved creates and approves a payment.
func (e *railEnv) approved(t *testing.T, mods ...func(*payment.Request)) payment.Payment {
	t.Helper()
	return e.MustAdvance(t, e.MustCreate(t, mods...), payment.StatusApproved)
}

func (e *railEnv) step(t *testing.T) payment.StepStats {
	t.Helper()
	st, err := e.proc.ProcessOnce(ctx)
	require.NoError(t, err)
	return st
}

func (e *railEnv) get(t *testing.T, id payment.ID) payment.Payment {
	t.Helper()
	p, err := e.Service.Get(ctx, e.Workspace.ID, id)
	require.NoError(t, err)
	return p
}

func TestRailCollectsAndWrites(t *testing.T) {
	e := newRailEnv(t, pain001.Options{})
	var ps []payment.Payment
	for i := range 5 {
		ps = append(ps, e.approved(t, func(r *payment.Request) {
			r.ToAccount = e.creditors[i%3].ID
			r.Amount = int64(10_000 * (i + 1))
			if i%2 == 1 {
				r.Method = payment.MethodEFT
			}
		}))
	}
	noIBAN := e.approved(t, func(r *payment.Request) { r.ToAccount = e.noIBAN.ID })

	st := e.step(t)
	assert.Equal(t, 5, st.Submitted)
	assert.Equal(t, 1, st.Failed)
	got := e.get(t, noIBAN.ID)
	assert.Equal(t, payment.StatusFailed, got.Status)
	assert.Equal(t, pain001.CodeMissingIBAN, got.FailureCode)

	d := pain001.Debtor{Workspace: e.Workspace.ID, Account: e.Own.ID}
	assert.Equal(t, []pain001.Debtor{d}, e.rail.Debtors())
	require.Len(t, e.rail.Pending(d), 5)

	var buf bytes.Buffer
	info, err := e.rail.WriteFile(ctx, d, &buf)
	require.NoError(t, err)
	xsdValid(t, "pain.001.001.09.xsd", buf.Bytes())
	assert.Equal(t, 5, info.Count)
	assert.Equal(t, int64(150_000), info.Sum)
	assert.Equal(t, payment.Currency("TRY"), info.Currency)
	assert.Len(t, info.MessageID, 29)
	want := make([]payment.ID, len(ps))
	for i, p := range ps {
		want[i] = p.ID
		assert.Contains(t, buf.String(), "<EndToEndId>"+p.EndToEnd+"</EndToEndId>")
		assert.Equal(t, payment.StatusProcessing, e.get(t, p.ID).Status, "processing until the bank reports")
	}
	assert.ElementsMatch(t, want, info.Payments())
	assert.Empty(t, e.rail.Debtors())

	// Written payments are never collected again: not by the processor, not by a repeated dispatch.
	assert.Zero(t, e.step(t).Claimed)
	rec, err := e.Service.Dispatch(ctx, e.Workspace.ID, ps[0].ID)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusProcessing, rec.Status)
	_, err = e.rail.WriteFile(ctx, d, &buf)
	assert.ErrorIs(t, err, pain001.ErrNothingToWrite)
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRailKeepsPaymentsWhenWritingFails(t *testing.T) {
	e := newRailEnv(t, pain001.Options{Version: pain001.V03})
	p := e.approved(t, func(r *payment.Request) { r.ToAccount = e.creditors[0].ID })
	e.step(t)
	d := pain001.Debtor{Workspace: e.Workspace.ID, Account: e.Own.ID}
	_, err := e.rail.WriteFile(ctx, d, failingWriter{})
	require.ErrorContains(t, err, "disk full")
	require.Len(t, e.rail.Pending(d), 1, "still waiting for a file")

	var buf bytes.Buffer
	info, err := e.rail.WriteFile(ctx, d, &buf)
	require.NoError(t, err)
	assert.Equal(t, []payment.ID{p.ID}, info.Payments())
	xsdValid(t, "pain.001.001.03.xsd", buf.Bytes())
}

func TestRailSubmitIsIdempotent(t *testing.T) {
	e := newRailEnv(t, pain001.Options{})
	p := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.ToAccount = e.creditors[0].ID }), payment.StatusProcessing)
	for range 3 {
		rec, err := e.rail.Submit(ctx, p)
		require.NoError(t, err)
		assert.Equal(t, "pending:"+p.EndToEnd, rec.Reference)
	}
	d := pain001.Debtor{Workspace: e.Workspace.ID, Account: e.Own.ID}
	assert.Len(t, e.rail.Pending(d), 1)
	var buf bytes.Buffer
	info, err := e.rail.WriteFile(ctx, d, &buf)
	require.NoError(t, err)
	rec, err := e.rail.Submit(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, info.MessageID, rec.Reference, "after the file: the file's message id")
	assert.Empty(t, e.rail.Pending(d))
}

func TestRailRefuses(t *testing.T) {
	e := newRailEnv(t, pain001.Options{})
	eur := e.MustAccount(t, "Rossi EUR", "EUR", payment.AccountExternal, ibanC)
	base := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.ToAccount = e.creditors[0].ID }), payment.StatusProcessing)
	tests := []struct {
		name string
		mod  func(p *payment.Payment)
		code string
	}{
		{"card", func(p *payment.Payment) { p.Method = payment.MethodCard }, pain001.CodeUnsupportedMethod},
		{"creditor without IBAN", func(p *payment.Payment) { p.ToAccount = e.noIBAN.ID }, pain001.CodeMissingIBAN},
		{"debtor without IBAN", func(p *payment.Payment) { p.FromAccount, p.Currency, p.ToAccount = e.OwnEUR.ID, "EUR", eur.ID }, pain001.CodeMissingIBAN},
		{"currency", func(p *payment.Payment) { p.Currency = "EUR" }, pain001.CodeCurrencyMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := base
			p.ID = payment.ID(string(p.ID[:len(p.ID)-1]) + "Z")
			tc.mod(&p)
			_, err := e.rail.Submit(ctx, p)
			var re *payment.RailError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tc.code, re.Code)
			assert.False(t, re.Temporary)
		})
	}
	// An account that cannot be read (here: unknown) is not a refusal: the processor retries.
	p := base
	p.ID = payment.ID(string(p.ID[:len(p.ID)-1]) + "Y")
	p.ToAccount = "acc_01JZZZZZZZZZZZZZZZZZZZZZZZ"
	_, err := e.rail.Submit(ctx, p)
	require.ErrorIs(t, err, payment.ErrNotFound)
	var re *payment.RailError
	assert.False(t, errors.As(err, &re))
}

func TestBuild(t *testing.T) {
	e := newRailEnv(t, pain001.Options{})
	bat1, bat2 := payment.BatchID("bat_01JBATCH100000000000000000"), payment.BatchID("bat_01JBATCH200000000000000000")
	d1, d2 := payment.MustDate("2026-01-15"), payment.MustDate("2026-01-16")
	mk := func(bat payment.BatchID, d payment.Date, to int) payment.Payment {
		return e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) {
			r.BatchID, r.ValueDate, r.ToAccount = bat, d, e.creditors[to].ID
		}), payment.StatusProcessing)
	}
	ps := []payment.Payment{mk(bat1, d1, 0), mk(bat1, d1, 1), mk(bat1, d2, 2), mk("", d1, 0), mk("", d1, 1), mk(bat2, d2, 0)}
	f, err := pain001.Build(ctx, e.store, ps, pain001.Options{IDs: &paymenttest.IDs{}, Clock: e.Clock,
		DebtorBIC: "AKBKTRIS", CreditorBIC: func(a payment.Account) string {
			if a.IBAN == ibanB {
				return "COBADEFF"
			}
			return ""
		}})
	require.NoError(t, err)
	type batch struct {
		id    string
		date  payment.Date
		count int
	}
	var got []batch
	for _, b := range f.Batches {
		got = append(got, batch{b.ID, b.ExecutionDate, len(b.Transfers)})
	}
	require.Len(t, got, 4)
	assert.Regexp(t, `^PMT[0-9A-Z]{26}$`, got[0].id, "no batch id: a generated one")
	assert.Equal(t, batch{got[0].id, d1, 2}, got[0])
	assert.Equal(t, batch{string(bat1), d1, 2}, got[1])
	assert.Equal(t, batch{string(bat1) + "-2", d2, 1}, got[2], "the same batch on another date")
	assert.Equal(t, batch{string(bat2), d2, 1}, got[3])
	assert.Equal(t, "Acme Operating", f.InitiatingParty)
	byPayment := make(map[payment.ID]pain001.Transfer)
	for _, b := range f.Batches {
		for i, tr := range b.Transfers {
			byPayment[tr.PaymentID] = tr
			if i > 0 {
				assert.Less(t, b.Transfers[i-1].PaymentID, tr.PaymentID, "payments in id order within a batch")
			}
		}
	}
	require.Len(t, byPayment, len(ps))
	for i, p := range ps {
		tr := byPayment[p.ID]
		assert.Equal(t, p.EndToEnd, tr.EndToEndID)
		assert.Equal(t, p.Amount, tr.Amount)
		assert.Equal(t, "INV-2026-0001 Invoice payment "+p.EndToEnd, tr.Remittance)
		wantBIC := map[bool]string{true: "COBADEFF"}[i == 1 || i == 4]
		assert.Equal(t, wantBIC, tr.Creditor.BIC, "payment %d", i)
	}
	var buf bytes.Buffer
	require.NoError(t, f.Encode(&buf))
	xsdValid(t, "pain.001.001.09.xsd", buf.Bytes())
}

// TestBuildExecutionDateNotInThePast: a file never asks the bank to execute on a date already past.
// Payments whose value date is past (approved or exported late) are asked for the file's date, and
// group together there; a future value date is kept.
func TestBuildExecutionDateNotInThePast(t *testing.T) {
	e := newRailEnv(t, pain001.Options{})
	bat := payment.BatchID("bat_01JBATCH100000000000000000")
	mk := func(d payment.Date) payment.Payment {
		return e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) {
			r.BatchID, r.ValueDate, r.ToAccount = bat, d, e.creditors[0].ID
		}),
			payment.StatusProcessing)
	}
	ps := []payment.Payment{mk(payment.MustDate("2026-01-15")), mk(payment.MustDate("2026-01-16")),
		mk(payment.MustDate("2026-01-20"))}
	e.Clock.Set(time.Date(2026, 1, 17, 10, 0, 0, 0, time.UTC))
	f, err := pain001.Build(ctx, e.store, ps, pain001.Options{IDs: &paymenttest.IDs{}, Clock: e.Clock})
	require.NoError(t, err)
	require.Len(t, f.Batches, 2)
	assert.Equal(t, string(bat), f.Batches[0].ID)
	assert.Equal(t, payment.MustDate("2026-01-17"), f.Batches[0].ExecutionDate, "two past value dates: today")
	assert.Len(t, f.Batches[0].Transfers, 2)
	assert.Equal(t, string(bat)+"-2", f.Batches[1].ID)
	assert.Equal(t, payment.MustDate("2026-01-20"), f.Batches[1].ExecutionDate, "a future value date is kept")
	var buf bytes.Buffer
	require.NoError(t, f.Encode(&buf))
	assert.Contains(t, buf.String(), "<ReqdExctnDt><Dt>2026-01-17</Dt></ReqdExctnDt>")
	assert.NotContains(t, buf.String(), "2026-01-15<")
}

// TestBuildExecutionDateInTheBankZone: "today", the floor of the requested execution date, is the
// date in Options.Location, the debtor bank's time zone (UTC when nil), and CreDtTm is written there
// with its offset. At 01:30 in Istanbul (22:30 UTC the day before) a Turkish bank's today is the
// later date; in New York at 20:00 (01:00 UTC the day after) it is the earlier one.
func TestBuildExecutionDateInTheBankZone(t *testing.T) {
	ist, err := time.LoadLocation("Europe/Istanbul")
	require.NoError(t, err)
	nyc, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	tests := []struct {
		name      string
		loc       *time.Location
		now       time.Time
		valueDate string
		want      string // ReqdExctnDt
		wantCre   string // CreDtTm
	}{
		{"UTC (nil)", nil, time.Date(2026, 1, 16, 22, 30, 0, 0, time.UTC), "2026-01-15",
			"2026-01-16", "2026-01-16T22:30:00Z"},
		{"UTC (nil), a clock in another zone", nil, time.Date(2026, 1, 17, 1, 30, 0, 0, ist), "2026-01-15",
			"2026-01-16", "2026-01-16T22:30:00Z"},
		{"Istanbul before midnight", ist, time.Date(2026, 1, 16, 23, 30, 0, 0, ist), "2026-01-15",
			"2026-01-16", "2026-01-16T23:30:00+03:00"},
		{"Istanbul after midnight", ist, time.Date(2026, 1, 17, 1, 30, 0, 0, ist), "2026-01-16",
			"2026-01-17", "2026-01-17T01:30:00+03:00"},
		{"Istanbul after midnight, value date today", ist, time.Date(2026, 1, 17, 1, 30, 0, 0, ist), "2026-01-17",
			"2026-01-17", "2026-01-17T01:30:00+03:00"},
		{"Istanbul, a future value date is kept", ist, time.Date(2026, 1, 17, 1, 30, 0, 0, ist), "2026-01-20",
			"2026-01-20", "2026-01-17T01:30:00+03:00"},
		{"New York before midnight, UTC after", nyc, time.Date(2026, 1, 16, 20, 0, 0, 0, nyc), "2026-01-16",
			"2026-01-16", "2026-01-16T20:00:00-05:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newRailEnv(t, pain001.Options{})
			p := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) {
				r.ValueDate, r.ToAccount = payment.MustDate(tt.valueDate), e.creditors[0].ID
			}), payment.StatusProcessing)
			f, err := pain001.Build(ctx, e.store, []payment.Payment{p},
				pain001.Options{IDs: &paymenttest.IDs{}, Clock: clockAt(tt.now), Location: tt.loc})
			require.NoError(t, err)
			require.Len(t, f.Batches, 1)
			assert.Equal(t, payment.MustDate(tt.want), f.Batches[0].ExecutionDate)
			assert.True(t, tt.now.Equal(f.CreatedAt), "CreatedAt %s is the clock's instant %s", f.CreatedAt, tt.now)
			var buf bytes.Buffer
			require.NoError(t, f.Encode(&buf))
			assert.Contains(t, buf.String(), "<ReqdExctnDt><Dt>"+tt.want+"</Dt></ReqdExctnDt>")
			assert.Contains(t, buf.String(), "<CreDtTm>"+tt.wantCre+"</CreDtTm>")
			xsdValid(t, "pain.001.001.09.xsd", buf.Bytes())
		})
	}
}

// clockAt is a clock stopped at a time, in that time's location (paymenttest.Clock turns it to UTC).
type clockAt time.Time

func (c clockAt) Now() time.Time { return time.Time(c) }

func TestBuildRefuses(t *testing.T) {
	e := newRailEnv(t, pain001.Options{})
	ok := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.ToAccount = e.creditors[0].ID }), payment.StatusApproved)
	other := e.MustAccount(t, "Second TRY account", "TRY", payment.AccountInternal, ibanB)
	tests := []struct {
		name  string
		p     payment.Payment
		field string
	}{
		{"pending", e.MustCreate(t, func(r *payment.Request) { r.ToAccount = e.creditors[0].ID }), "payments[1].status"},
		{"card", e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Method, r.ToAccount = payment.MethodCard, e.creditors[0].ID }), payment.StatusApproved), "payments[1].method"},
		{"no IBAN", e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved), "payments[1].to_account"},
		{"another debtor", e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.FromAccount, r.ToAccount = other.ID, e.creditors[0].ID }), payment.StatusApproved), "payments[1].from_account"},
		{"twice", ok, "payments[1].id"},
		{"19 digits", e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.ToAccount = 1e18, e.creditors[0].ID }), payment.StatusApproved), "payments[1].amount"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pain001.Build(ctx, e.store, []payment.Payment{ok, tc.p}, pain001.Options{})
			require.ErrorIs(t, err, payment.ErrInvalid)
			fe := payment.FieldErrors(err)
			require.Len(t, fe, 1, "%v", err)
			assert.Equal(t, tc.field, fe[0].Field)
			assert.Contains(t, fe[0].Reason, string(tc.p.ID))
		})
	}
	_, err := pain001.Build(ctx, e.store, nil, pain001.Options{})
	assert.ErrorIs(t, err, pain001.ErrNothingToWrite)
}

// TestRailRestart: a new Rail (the process restarted) told about the files already written collects
// only the payments that were pending, when the host submits its processing payments again.
func TestRailRestart(t *testing.T) {
	e := newRailEnv(t, pain001.Options{})
	for i := range 3 {
		e.approved(t, func(r *payment.Request) { r.ToAccount = e.creditors[i].ID })
	}
	e.step(t)
	d := pain001.Debtor{Workspace: e.Workspace.ID, Account: e.Own.ID}
	var buf bytes.Buffer
	first, err := e.rail.WriteFile(ctx, d, &buf)
	require.NoError(t, err)
	late := e.approved(t, func(r *payment.Request) { r.ToAccount = e.creditors[0].ID })
	e.step(t) // accepted into the pending set, then the process dies

	restarted := pain001.NewRail(e.store, pain001.Options{Clock: e.Clock, IDs: &paymenttest.IDs{}})
	restarted.MarkWritten(first)
	page, err := e.Service.List(ctx, e.Workspace.ID, payment.ListFilter{Statuses: []payment.Status{payment.StatusProcessing}})
	require.NoError(t, err)
	require.Len(t, page.Payments, 4)
	for _, p := range page.Payments {
		_, err := restarted.Submit(ctx, p)
		require.NoError(t, err)
	}
	pending := restarted.Pending(d)
	require.Len(t, pending, 1)
	assert.Equal(t, late.ID, pending[0].ID, "only the payment that was in no file")
}

// TestRailMarkWrittenTakesStagedPayments: a payment already in the pending set leaves it when the host
// says its file was written, also when the host describes the file with Info (which names no debtor
// account): the next file must not hold it again, which would pay the creditor twice.
func TestRailMarkWrittenTakesStagedPayments(t *testing.T) {
	e := newRailEnv(t, pain001.Options{})
	p := e.approved(t, func(r *payment.Request) { r.ToAccount = e.creditors[0].ID })
	e.step(t) // in the pending set
	d := pain001.Debtor{Workspace: e.Workspace.ID, Account: e.Own.ID}
	require.Len(t, e.rail.Pending(d), 1)

	f, err := pain001.Build(ctx, e.store, []payment.Payment{e.get(t, p.ID)}, pain001.Options{})
	require.NoError(t, err)
	e.rail.MarkWritten(pain001.Info(f))

	assert.Empty(t, e.rail.Pending(d))
	assert.Empty(t, e.rail.Debtors())
	var buf bytes.Buffer
	_, err = e.rail.WriteFile(ctx, d, &buf)
	require.ErrorIs(t, err, pain001.ErrNothingToWrite)
	assert.Zero(t, buf.Len())
	rec, err := e.rail.Submit(ctx, e.get(t, p.ID))
	require.NoError(t, err)
	assert.Equal(t, f.MessageID, rec.Reference, "a later submission is answered with the file it is in")
}

// TestRailLeavesOutPaymentsFailedWhileWaiting: a payment failed by hand while it waited in the pending
// set (processing, not yet in a file) is not written: the bank would pay a payment the books say
// failed. The file holds the others, and the failed one leaves the pending set.
func TestRailLeavesOutPaymentsFailedWhileWaiting(t *testing.T) {
	e := newRailEnv(t, pain001.Options{})
	stopped := e.approved(t, func(r *payment.Request) { r.ToAccount = e.creditors[0].ID })
	kept := e.approved(t, func(r *payment.Request) { r.ToAccount = e.creditors[1].ID })
	e.step(t)
	d := pain001.Debtor{Workspace: e.Workspace.ID, Account: e.Own.ID}
	require.Len(t, e.rail.Pending(d), 2)
	_, err := e.Service.Fail(ctx, e.Workspace.ID, stopped.ID, "ops", "wrong_payee", "stopped before the file")
	require.NoError(t, err)

	var buf bytes.Buffer
	info, err := e.rail.WriteFile(ctx, d, &buf)
	require.NoError(t, err)
	assert.Equal(t, []payment.ID{kept.ID}, info.Payments())
	assert.NotContains(t, buf.String(), stopped.EndToEnd)
	assert.Empty(t, e.rail.Pending(d))
	_, err = e.rail.WriteFile(ctx, d, &buf)
	assert.ErrorIs(t, err, pain001.ErrNothingToWrite)
}

// heldWriter holds its first Write until released, telling when it got there.
type heldWriter struct {
	in, release chan struct{}
	buf         bytes.Buffer
}

func (w *heldWriter) Write(p []byte) (int, error) {
	close(w.in)
	<-w.release
	return w.buf.Write(p)
}

// TestRailWritesAPaymentOnce: a second WriteFile while the first is writing waits for it, and finds
// the payment taken: one payment, one file, never two (each would pay the creditor). A third that
// waits gives up when its context ends.
func TestRailWritesAPaymentOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newRailEnv(t, pain001.Options{})
		p := e.approved(t, func(r *payment.Request) { r.ToAccount = e.creditors[0].ID })
		e.step(t)
		d := pain001.Debtor{Workspace: e.Workspace.ID, Account: e.Own.ID}
		first := &heldWriter{in: make(chan struct{}), release: make(chan struct{})}
		var info1 pain001.FileInfo
		var err1, err2, err3 error
		var second bytes.Buffer
		var wg sync.WaitGroup
		wg.Go(func() { info1, err1 = e.rail.WriteFile(ctx, d, first) })
		synctest.Wait() // the first is inside Write
		wg.Go(func() { _, err2 = e.rail.WriteFile(ctx, d, &second) })
		cancelled, cancel := context.WithCancel(ctx)
		wg.Go(func() { _, err3 = e.rail.WriteFile(cancelled, d, io.Discard) })
		synctest.Wait() // the others wait for it
		assert.Zero(t, second.Len(), "the second has not read the pending payments")
		cancel()
		synctest.Wait()
		close(first.release)
		wg.Wait()
		require.NoError(t, err1)
		assert.Equal(t, []payment.ID{p.ID}, info1.Payments())
		assert.ErrorIs(t, err2, pain001.ErrNothingToWrite)
		assert.Zero(t, second.Len(), "nothing written twice")
		assert.ErrorIs(t, err3, context.Canceled)
	})
}

// TestRailLeavesOutWhatNoFileHolds: a payment whose amount has more digits than a pain.001 amount
// holds is refused at submission (it would make every file of its debtor account fail), and payments
// whose amounts together pass the control sum's 18 digits go in successive files.
func TestRailLeavesOutWhatNoFileHolds(t *testing.T) {
	e := newRailEnv(t, pain001.Options{})
	huge := e.approved(t, func(r *payment.Request) { r.Amount, r.ToAccount = 1e18, e.creditors[0].ID })
	big1 := e.approved(t, func(r *payment.Request) { r.Amount, r.ToAccount = 6e17, e.creditors[1].ID })
	big2 := e.approved(t, func(r *payment.Request) { r.Amount, r.ToAccount = 6e17, e.creditors[2].ID })
	st := e.step(t)
	assert.Equal(t, 2, st.Submitted)
	assert.Equal(t, 1, st.Failed)
	got := e.get(t, huge.ID)
	assert.Equal(t, payment.StatusFailed, got.Status)
	assert.Equal(t, pain001.CodeAmountTooLarge, got.FailureCode)

	d := pain001.Debtor{Workspace: e.Workspace.ID, Account: e.Own.ID}
	var first, second bytes.Buffer
	info1, err := e.rail.WriteFile(ctx, d, &first)
	require.NoError(t, err)
	assert.Equal(t, []payment.ID{big1.ID}, info1.Payments())
	xsdValid(t, "pain.001.001.09.xsd", first.Bytes())
	info2, err := e.rail.WriteFile(ctx, d, &second)
	require.NoError(t, err)
	assert.Equal(t, []payment.ID{big2.ID}, info2.Payments())
	xsdValid(t, "pain.001.001.09.xsd", second.Bytes())
	assert.Empty(t, e.rail.Debtors())
}
