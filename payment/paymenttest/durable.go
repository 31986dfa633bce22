package paymenttest

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// DurableSuite runs the tests a database-backed store passes beyond StoreSuite: its event log holds
// exactly the published events in order (when it implements payment.EventLog), it refuses payments
// that name an unknown workspace or account or another workspace's account (ErrNotFound), a
// non-positive amount or a new payment whose version is not 1 (ErrInvalid), and a reused event id
// (ErrDuplicate), and a write with a cancelled context fails with the context's error; no refused
// write leaves anything behind. newStore returns a new, empty store for each subtest.
func DurableSuite(t *testing.T, newStore func(t *testing.T) payment.Store) {
	t.Run("EventLog", func(t *testing.T) { testEventLog(t, newStore(t)) })
	t.Run("RefusedWrites", func(t *testing.T) { testRefusedWrites(t, newStore(t)) })
}

// recorder is a payment.Publisher that keeps what it is told.
type recorder struct {
	mu     sync.Mutex
	events []payment.Event
}

func (r *recorder) Publish(_ context.Context, e payment.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func testEventLog(t *testing.T, s payment.Store) {
	el, ok := s.(payment.EventLog)
	if !ok {
		t.Skip("store does not implement payment.EventLog")
	}
	rec := &recorder{}
	env := NewEnv(t, s, WithServiceOptions(payment.Options{Publisher: rec}))
	p := env.MustCreate(t)
	env.MustCreate(t)
	p = env.MustAdvance(t, p, payment.StatusReconciled)
	_, err := env.Service.Unreconcile(ctx, env.Workspace.ID, p.ID, "auditor", "wrong line") // publishes nothing
	require.NoError(t, err)

	all, err := el.EventsAfter(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, all, len(rec.events), "the log holds exactly the published events")
	types := make([]payment.EventType, len(all))
	for i, e := range all {
		assert.Equal(t, rec.events[i], e.Event, "event %d", i)
		assert.Positive(t, e.Seq)
		if i > 0 {
			assert.Greater(t, e.Seq, all[i-1].Seq)
		}
		types[i] = e.Type
	}
	assert.Equal(t, []payment.EventType{payment.EventPaymentCreated, payment.EventPaymentCreated, payment.EventPaymentApproved,
		payment.EventPaymentProcessing, payment.EventPaymentSettled}, types)

	page, err := el.EventsAfter(ctx, all[1].Seq, 2)
	require.NoError(t, err)
	assert.Equal(t, all[2:4], page, "after a cursor, up to the limit")
	rest, err := el.EventsAfter(ctx, all[len(all)-1].Seq, 10)
	require.NoError(t, err)
	assert.Empty(t, rest)
}

func testRefusedWrites(t *testing.T, s payment.Store) {
	env := NewEnv(t, s)
	other := NewEnv(t, s, WithServiceOptions(payment.Options{IDs: payment.NewULIDSource()}))
	change := func(mod func(c *payment.Change)) payment.Change {
		c := env.Changes(t, 1)[0]
		mod(&c)
		return c
	}
	stored := change(func(*payment.Change) {})
	require.NoError(t, s.CreatePayment(ctx, stored))
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	unknown := payment.AccountID("acc_01JZZZZZZZZZZZZZZZZZZZZZZZ")
	tests := []struct {
		name  string
		write func() error
		want  error
	}{
		{"account of an unknown workspace", func() error {
			a := env.Own
			a.ID, a.Workspace = unknown, "ws_01JZZZZZZZZZZZZZZZZZZZZZZZ"
			return s.CreateAccount(ctx, a)
		}, payment.ErrNotFound},
		{"payment from an unknown account", func() error {
			return s.CreatePayment(ctx, change(func(c *payment.Change) { c.Payment.FromAccount = unknown }))
		}, payment.ErrNotFound},
		{"payment to another workspace's account", func() error {
			return s.CreatePayment(ctx, change(func(c *payment.Change) { c.Payment.ToAccount = other.Vendor.ID }))
		}, payment.ErrNotFound},
		{"amount zero", func() error {
			return s.CreatePayment(ctx, change(func(c *payment.Change) { c.Payment.Amount = 0 }))
		}, payment.ErrInvalid},
		{"new payment at version 2", func() error {
			return s.CreatePayment(ctx, change(func(c *payment.Change) { c.Payment.Version = 2 }))
		}, payment.ErrInvalid},
		{"update skipping a version", func() error {
			c := change(func(*payment.Change) {})
			c.Payment, c.History.Seq = stored.Payment, 3
			c.Payment.Status, c.Payment.Version = payment.StatusApproved, 3
			return s.UpdatePayment(ctx, c, 1)
		}, payment.ErrInvalid},
		{"reused event id", func() error {
			return s.CreatePayment(ctx, change(func(d *payment.Change) { d.Event.ID = stored.Event.ID }))
		}, payment.ErrDuplicate},
		{"cancelled context", func() error {
			return s.CreatePayment(cancelled, change(func(*payment.Change) {}))
		}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, err := s.ListPayments(ctx, env.Workspace.ID, payment.ListFilter{})
			require.NoError(t, err)
			require.ErrorIs(t, tc.write(), tc.want)
			after, err := s.ListPayments(ctx, env.Workspace.ID, payment.ListFilter{})
			require.NoError(t, err)
			assert.Equal(t, before, after, "a refused write changes nothing")
			h, err := s.History(ctx, env.Workspace.ID, stored.Payment.ID)
			require.NoError(t, err)
			assert.Len(t, h, 1)
		})
	}
}
