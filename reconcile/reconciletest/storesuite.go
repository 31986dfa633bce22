// Package reconciletest is the test kit for reconcile.Store implementations, as payment/paymenttest
// is for payment stores: StoreSuite is the conformance test every run store must pass.
package reconciletest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// SampleRun returns a run with every field set (entries, decisions, history, statement warnings), so that a store that
// drops or mangles a field fails the round trip. n makes the ids distinct.
func SampleRun(ws payment.WorkspaceID, n int) reconcile.Run {
	at := time.Date(2026, 1, 15, 9, 0, n, 123456000, time.UTC)
	id := reconcile.RunID(fmt.Sprintf("%s%s", reconcile.PrefixRun, payment.EncodeULID(uint64(at.UnixMilli()), uint16(n), uint64(n))))
	pid := payment.ID(payment.PrefixPayment + payment.EncodeULID(uint64(at.UnixMilli()), 7, uint64(n)))
	return reconcile.Run{
		ID: id, Workspace: ws, Account: "acc_01KAWW1Y0000000000000OWN",
		From: payment.MustDate("2026-01-01"), To: payment.MustDate("2026-01-31"), DateWindow: 2,
		Status: reconcile.RunOpen, CreatedBy: "ayse@example.com", CreatedAt: at, UpdatedAt: at, Version: 1,
		Entries: []reconcile.RunEntry{{
			Statement: "STMT-1",
			Entry: reconcile.Entry{BookingDate: payment.MustDate("2026-01-15"), ValueDate: payment.MustDate("2026-01-16"),
				Amount: 125000, Direction: reconcile.Debit, Currency: "TRY", CustomerRef: "INV-2026-0001",
				BankRef: "B1", EndToEnd: pid.EndToEndKey(), Remittance: "Fatura ödemesi", CounterpartyName: "Yılmaz",
				CounterpartyIBAN: "TR330006100519786457841326", BankTxCode: "NTRF", Fields: map[string]string{"EREF": "x"},
				Position: "line 4", Fingerprint: fmt.Sprintf("fp%d", n)},
			Decision: reconcile.Decision{State: reconcile.StateProposed, Score: reconcile.ScoreFuzzy, Review: reconcile.ReviewPending,
				PaymentIDs: []payment.ID{pid}, Criteria: reconcile.Criteria{Amount: true, Reference: true},
				Reasons:          []reconcile.Reason{{Criterion: reconcile.CriterionAmount, Matched: true, Entry: "1250.00 TRY", Payment: "1250.00 TRY"}},
				AmountDifference: 0, Alternatives: []payment.ID{pid}, Notes: []string{"note"}, Rejected: []payment.ID{pid},
				By: "mehmet@example.com", Note: "checked", At: at},
		}},
		History: []reconcile.RunEvent{{At: at, Actor: "ayse@example.com", Action: reconcile.ActionCreate, Reason: "period"},
			{At: at, Actor: "ayse@example.com", Action: reconcile.ActionImport, Entry: "fp", PaymentIDs: []payment.ID{pid}}},
		StatementWarnings: []reconcile.StatementWarning{
			{Statement: "STMT-1", From: payment.MustDate("2026-01-01"), To: payment.MustDate("2026-01-15"), Currency: "TRY",
				Warning: reconcile.Warning{Code: "balance_mismatch", Message: "opening balance 10000.00 plus entries -1250.00 is " +
					"8750.00, but the closing balance is 8800.00", Difference: 5000}},
			{Warning: reconcile.CharsetWarning("windows-1254")},
		},
	}
}

// StoreSuite runs the conformance tests against stores made by newStore (a fresh, empty store per call).
// If the store also implements payment.EventLog, events given to UpdateRun must appear in it.
func StoreSuite(t *testing.T, newStore func(t *testing.T) reconcile.Store) {
	ctx := context.Background()
	const ws, other = payment.WorkspaceID("ws_01KAWW1Y000000000000000WS1"), payment.WorkspaceID("ws_01KAWW1Y000000000000000WS2")

	t.Run("create and get round-trip every field", func(t *testing.T) {
		s := newStore(t)
		r := SampleRun(ws, 1)
		require.NoError(t, s.CreateRun(ctx, r))
		got, err := s.GetRun(ctx, ws, r.ID)
		require.NoError(t, err)
		assert.Equal(t, r, got)
	})
	t.Run("text with a NUL byte", func(t *testing.T) {
		// A statement line may carry control characters the decoders keep. A store keeps the run; it
		// may give back U+FFFD for a NUL (PostgreSQL's jsonb holds no NUL), and nothing else changes.
		s := newStore(t)
		r := SampleRun(ws, 1)
		r.Entries[0].Entry.Remittance = "Fatura\x00 \\u0000 ödemesi\x01"
		r.Entries[0].Decision.Note = "\x00"
		require.NoError(t, s.CreateRun(ctx, r))
		got, err := s.GetRun(ctx, ws, r.ID)
		require.NoError(t, err)
		clean := func(s string) string { return strings.ReplaceAll(s, "\uFFFD", "\x00") }
		got.Entries[0].Entry.Remittance = clean(got.Entries[0].Entry.Remittance)
		got.Entries[0].Decision.Note = clean(got.Entries[0].Decision.Note)
		assert.Equal(t, r, got)
		r.Version = 2
		require.NoError(t, s.UpdateRun(ctx, r, 1, payment.Event{}))
	})
	t.Run("an id that is not UTF-8 or holds NUL is not found", func(t *testing.T) {
		// A path segment such as %FF names no run (PostgreSQL, which cannot hold such text, refused
		// the query, and the dashboard's run page answered a server error).
		s := newStore(t)
		v, _ := s.(reconcile.RunVersioner)
		for _, id := range []reconcile.RunID{"run_\xff", "run_\x00"} {
			_, err := s.GetRun(ctx, ws, id)
			assert.ErrorIs(t, err, payment.ErrNotFound, "%q", id)
			if v != nil {
				_, err = v.RunVersion(ctx, ws, id)
				assert.ErrorIs(t, err, payment.ErrNotFound, "version of %q", id)
			}
		}
	})
	t.Run("the version without the run", func(t *testing.T) {
		s := newStore(t)
		v, ok := s.(reconcile.RunVersioner)
		if !ok {
			t.Skip("the store is not a reconcile.RunVersioner")
		}
		r := SampleRun(ws, 1)
		require.NoError(t, s.CreateRun(ctx, r))
		got, err := v.RunVersion(ctx, ws, r.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(1), got)
		r.Version = 2
		require.NoError(t, s.UpdateRun(ctx, r, 1, payment.Event{}))
		got, err = v.RunVersion(ctx, ws, r.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(2), got)
		_, err = v.RunVersion(ctx, other, r.ID)
		assert.ErrorIs(t, err, payment.ErrNotFound)
		_, err = v.RunVersion(ctx, ws, "run_nope")
		assert.ErrorIs(t, err, payment.ErrNotFound)
	})
	t.Run("duplicate id", func(t *testing.T) {
		s := newStore(t)
		r := SampleRun(ws, 1)
		require.NoError(t, s.CreateRun(ctx, r))
		assert.ErrorIs(t, s.CreateRun(ctx, r), payment.ErrDuplicate)
	})
	t.Run("not found and workspace scoping", func(t *testing.T) {
		s := newStore(t)
		r := SampleRun(ws, 1)
		require.NoError(t, s.CreateRun(ctx, r))
		_, err := s.GetRun(ctx, other, r.ID)
		assert.ErrorIs(t, err, payment.ErrNotFound)
		_, err = s.GetRun(ctx, ws, "run_nope")
		assert.ErrorIs(t, err, payment.ErrNotFound)
		r.Workspace, r.Version = other, 2
		assert.ErrorIs(t, s.UpdateRun(ctx, r, 1, payment.Event{}), payment.ErrNotFound)
	})
	t.Run("returned runs are copies", func(t *testing.T) {
		s := newStore(t)
		r := SampleRun(ws, 1)
		require.NoError(t, s.CreateRun(ctx, r))
		r.Entries[0].Decision.PaymentIDs[0] = "pay_changed"
		got, err := s.GetRun(ctx, ws, r.ID)
		require.NoError(t, err)
		got.Entries[0].Entry.Fields["EREF"] = "changed"
		got.StatementWarnings[0].Difference = 1
		listed, err := s.ListRuns(ctx, ws, reconcile.RunFilter{})
		require.NoError(t, err)
		require.Len(t, listed, 1)
		listed[0].StatementWarnings[0].Message = "changed"
		again, err := s.GetRun(ctx, ws, r.ID)
		require.NoError(t, err)
		assert.Equal(t, SampleRun(ws, 1), again)
	})
	t.Run("update is compare-and-set", func(t *testing.T) {
		s := newStore(t)
		r := SampleRun(ws, 1)
		require.NoError(t, s.CreateRun(ctx, r))
		r.Version, r.Status = 2, reconcile.RunFinalized
		require.NoError(t, s.UpdateRun(ctx, r, 1, payment.Event{}))
		stale := r
		stale.Version, stale.Status = 2, reconcile.RunOpen
		assert.ErrorIs(t, s.UpdateRun(ctx, stale, 1, payment.Event{}), payment.ErrConflict)
		got, err := s.GetRun(ctx, ws, r.ID)
		require.NoError(t, err)
		assert.Equal(t, reconcile.RunFinalized, got.Status)
		assert.Equal(t, int64(2), got.Version)
	})
	t.Run("concurrent updates: exactly one wins", func(t *testing.T) {
		s := newStore(t)
		r := SampleRun(ws, 1)
		require.NoError(t, s.CreateRun(ctx, r))
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				c := r
				c.Version, c.CreatedBy = 2, fmt.Sprint(i)
				errs[i] = s.UpdateRun(ctx, c, 1, payment.Event{})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
			} else {
				assert.ErrorIs(t, err, payment.ErrConflict)
			}
		}
		assert.Equal(t, 1, won)
	})
	t.Run("list filters, newest first, workspace scoped", func(t *testing.T) {
		s := newStore(t)
		for i := 1; i <= 3; i++ {
			r := SampleRun(ws, i)
			if i == 2 {
				r.Status = reconcile.RunFinalized
			}
			require.NoError(t, s.CreateRun(ctx, r))
		}
		require.NoError(t, s.CreateRun(ctx, SampleRun(other, 9)))
		all, err := s.ListRuns(ctx, ws, reconcile.RunFilter{})
		require.NoError(t, err)
		require.Len(t, all, 3)
		assert.Equal(t, SampleRun(ws, 3).ID, all[0].ID)
		assert.Equal(t, SampleRun(ws, 1).ID, all[2].ID)
		fin, err := s.ListRuns(ctx, ws, reconcile.RunFilter{Status: reconcile.RunFinalized})
		require.NoError(t, err)
		require.Len(t, fin, 1)
		assert.Equal(t, SampleRun(ws, 2).ID, fin[0].ID)
		none, err := s.ListRuns(ctx, ws, reconcile.RunFilter{Account: "acc_other"})
		require.NoError(t, err)
		assert.Empty(t, none)
	})
	t.Run("events go to the outbox with the run", func(t *testing.T) {
		s := newStore(t)
		log, ok := s.(payment.EventLog)
		if !ok {
			t.Skip("the store keeps no event log")
		}
		before, err := log.EventsAfter(ctx, 0, 0)
		require.NoError(t, err)
		r := SampleRun(ws, 1)
		require.NoError(t, s.CreateRun(ctx, r))
		r.Version = 2
		ev := payment.Event{ID: "evt_1", Type: payment.EventReconciliationCompleted, Workspace: ws, OccurredAt: r.CreatedAt,
			Data: []byte(`{"run_id":"x"}`)}
		require.NoError(t, s.UpdateRun(ctx, r, 1, ev))
		after, err := log.EventsAfter(ctx, 0, 0)
		require.NoError(t, err)
		require.Len(t, after, len(before)+1)
		assert.Equal(t, ev.ID, after[len(after)-1].ID)
		assert.Equal(t, ev.Type, after[len(after)-1].Type)
	})
}
