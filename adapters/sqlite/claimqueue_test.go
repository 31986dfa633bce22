package sqlite_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// queueMismatches lists the payments whose payment_work row is not what migration 0006 promises.
func queueMismatches(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT p.id FROM payments p LEFT JOIN payment_work k ON k.payment_id = p.id
			JOIN payment_approval a ON a.id = p.id
		WHERE ((p.status IN ('pending', 'approved', 'processing')) <> (k.payment_id IS NOT NULL))
			OR (k.payment_id IS NOT NULL AND (k.method <> p.method OR k.awaiting_approval <> a.awaiting))
		UNION ALL SELECT k.payment_id FROM payment_work k WHERE NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = k.payment_id)`)
	require.NoError(t, err)
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	return ids
}

func TestClaimQueueFollowsStoreWrites(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	db := s.DB()
	thr := paymenttest.NewEnv(t, s, paymenttest.WithApproval(payment.ApprovalPolicy{
		Mode: payment.ApprovalThreshold, Thresholds: map[payment.Currency]int64{"TRY": 10_000}}))

	cs := thr.Changes(t, 4, func(r *payment.Request) { r.Amount = 20_000 })
	for i, st := range []payment.Status{payment.StatusApproved, payment.StatusProcessing, payment.StatusSettled, payment.StatusPending} {
		cs[i].Payment.Status, cs[i].History.To = st, st
		snap := cs[i].Payment
		cs[i].Event.Payment = &snap
	}
	errs, err := s.CreatePayments(ctx, cs)
	require.NoError(t, err)
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Empty(t, queueMismatches(t, db))

	upd := func(p payment.Payment, mod func(*payment.Payment)) payment.Payment {
		prev, from := p.Version, p.Status
		mod(&p)
		p.Version++
		ev, _ := fsm.EventTo(from, p.Status) // none when the status stays
		require.NoError(t, s.UpdatePayment(ctx, payment.Change{Payment: p,
			History: payment.Transition{PaymentID: p.ID, Seq: int(p.Version), From: from, To: p.Status, Event: ev, At: p.UpdatedAt}}, prev))
		assert.Empty(t, queueMismatches(t, db))
		return p
	}
	pending := cs[3].Payment
	pending = upd(pending, func(p *payment.Payment) { p.Amount = 9_000 })
	pending = upd(pending, func(p *payment.Payment) { p.Method = payment.MethodEFT })
	pending = upd(pending, func(p *payment.Payment) { p.Currency, p.Amount = "EUR", 1 })
	pending = upd(pending, func(p *payment.Payment) { p.Currency, p.Method, p.Amount = "TRY", payment.MethodBankTransfer, 1 })
	pending = upd(pending, func(p *payment.Payment) { p.Status = payment.StatusApproved; p.Amount = 50_000 })
	_ = upd(pending, func(p *payment.Payment) { p.Status = payment.StatusCancelled })
	_ = upd(cs[0].Payment, func(p *payment.Payment) { p.Method = payment.MethodEFT })
	_ = upd(cs[1].Payment, func(p *payment.Payment) { p.Status = payment.StatusSettled })

	// Through the service, every transition.
	for _, to := range []payment.Status{payment.StatusPending, payment.StatusApproved, payment.StatusProcessing,
		payment.StatusSettled, payment.StatusReconciled, payment.StatusFailed, payment.StatusCancelled} {
		thr.MustAdvance(t, thr.MustCreate(t), to)
		thr.MustAdvance(t, thr.MustCreate(t, func(r *payment.Request) { r.Amount = 1 }), to)
		assert.Empty(t, queueMismatches(t, db), to)
	}
	// The check itself sees a wrong row.
	_, err = db.Exec(`UPDATE payment_work SET method = 'x' WHERE payment_id = (SELECT min(payment_id) FROM payment_work)`)
	require.NoError(t, err)
	assert.Len(t, queueMismatches(t, db), 1)
}
