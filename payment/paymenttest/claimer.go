package paymenttest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// ClaimerSuite runs the conformance tests of payment.Claimer against stores made by newStore (a new,
// empty store per subtest); stores that do not implement it are skipped. They check which payments
// are work, that leases keep them from everyone else until they end, the longest-waiting first, the
// Sent and Polled rules, UpdateWork's ownership check, MarkSent, Change.Outside (Service.SubmitOutside),
// and that concurrent claims never
// overlap.
func ClaimerSuite(t *testing.T, newStore func(t *testing.T) payment.Store) {
	capabilitySuite(t, newStore, "payment.Claimer", []capabilityTest[payment.Claimer]{
		{"SelectsWork", testClaimSelectsWork},
		{"SentAndPolled", testClaimSentAndPolled},
		{"UpdateWork", testUpdateWork},
		{"MarkSent", testMarkSent},
		{"MarkSentUnknownOrFinished", testMarkSentUnknownOrFinished},
		{"UpdateWorkOfAFinishedPayment", testUpdateWorkFinished},
		{"SubmittedOutside", testSubmittedOutside},
		{"DueFromCreation", testDueFromCreation},
		{"UpdateWorkKeepsSent", testUpdateWorkKeepsSent},
		{"NothingAsked", testClaimNothingAsked},
		{"ConcurrentClaimsDoNotOverlap", testConcurrentClaims},
	})
}

// capabilityTest is a test of an optional capability C of a store (an interface found by type
// assertion).
type capabilityTest[C any] struct {
	name string
	fn   func(t *testing.T, s payment.Store, c C)
}

// capabilitySuite runs each test on a new store as its C, skipping stores that are not one.
func capabilitySuite[C any](t *testing.T, newStore func(t *testing.T) payment.Store, name string, tests []capabilityTest[C]) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			c, ok := s.(C)
			if !ok {
				t.Skip("store does not implement " + name)
			}
			tc.fn(t, s, c)
		})
	}
}

func claimedIDs(ws []payment.Work) []payment.ID {
	out := make([]payment.ID, len(ws))
	for i, w := range ws {
		out[i] = w.Payment.ID
	}
	return out
}

var bankTransfer = []payment.Method{payment.MethodBankTransfer}

func testClaimSelectsWork(t *testing.T, s payment.Store, c payment.Claimer) {
	e := NewEnv(t, s, WithApproval(payment.ApprovalPolicy{
		Mode: payment.ApprovalThreshold, Thresholds: map[payment.Currency]int64{"TRY": 10_000}}))
	// A second workspace where everything needs approval; its payments are an hour older.
	strict := NewEnv(t, s, WithApproval(payment.ApprovalPolicy{Mode: payment.ApprovalRequired}),
		WithServiceOptions(payment.Options{Clock: NewClock(Epoch.Add(-time.Hour)), IDs: payment.NewULIDSource()}))

	approved := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	smallPending := e.MustCreate(t, func(r *payment.Request) { r.Amount = 9_999 })
	largePending := e.MustCreate(t, func(r *payment.Request) { r.Amount = 10_000 })
	processing := e.MustAdvance(t, e.MustCreate(t), payment.StatusProcessing)
	settled := e.MustAdvance(t, e.MustCreate(t), payment.StatusSettled)
	eft := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Method = payment.MethodEFT }), payment.StatusApproved)
	eur := e.MustCreate(t, func(r *payment.Request) { // no EUR threshold: approval always needed
		r.Currency, r.FromAccount, r.ToAccount, r.Amount = "EUR", e.OwnEUR.ID, e.VendorEUR.ID, 1
	})
	strictPending := strict.MustCreate(t, func(r *payment.Request) { r.Amount = 1 })
	strictApproved := strict.MustAdvance(t, strict.MustCreate(t), payment.StatusApproved)

	now := e.Clock.Now()
	got, err := c.Claim(ctx, payment.ClaimQuery{Owner: "a", Now: now, Until: now.Add(time.Minute), Limit: 100, Methods: bankTransfer})
	require.NoError(t, err)
	assert.ElementsMatch(t, []payment.ID{approved.ID, smallPending.ID, processing.ID, strictApproved.ID}, claimedIDs(got))
	for _, w := range got {
		assert.Equal(t, "a", w.Owner)
		assert.True(t, now.Add(time.Minute).Equal(w.Until))
		assert.Zero(t, w.Attempts)
		assert.False(t, w.Sent)
	}
	if len(got) > 0 {
		assert.Equal(t, strictApproved.ID, got[0].Payment.ID, "the longest-waiting first")
		for _, w := range got {
			if w.Payment.ID == approved.ID {
				assert.Equal(t, approved, w.Payment, "the payment as stored")
			}
		}
	}
	for _, id := range []payment.ID{largePending.ID, settled.ID, eft.ID, eur.ID, strictPending.ID} {
		assert.NotContains(t, claimedIDs(got), id)
	}

	// Nothing is handed out twice while the leases hold, even to their owner.
	for _, owner := range []string{"a", "b"} {
		again, err := c.Claim(ctx, payment.ClaimQuery{Owner: owner, Now: now, Until: now.Add(time.Minute), Limit: 100, Methods: bankTransfer})
		require.NoError(t, err)
		assert.Empty(t, again, owner)
	}
	// Another method is separate work.
	efts, err := c.Claim(ctx, payment.ClaimQuery{Owner: "b", Now: now, Until: now.Add(time.Minute), Limit: 100,
		Methods: []payment.Method{payment.MethodEFT}})
	require.NoError(t, err)
	assert.Equal(t, []payment.ID{eft.ID}, claimedIDs(efts))

	// When the leases end (at Until itself) they are free again, up to the limit.
	later := now.Add(time.Minute)
	next, err := c.Claim(ctx, payment.ClaimQuery{Owner: "b", Now: later, Until: later.Add(time.Minute), Limit: 2, Methods: bankTransfer})
	require.NoError(t, err)
	require.Len(t, next, 2)
	assert.Equal(t, "b", next[0].Owner)
}

func testClaimSentAndPolled(t *testing.T, s payment.Store, c payment.Claimer) {
	e := NewEnv(t, s)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusProcessing)
	now := e.Clock.Now()
	q := payment.ClaimQuery{Owner: "a", Now: now, Until: now.Add(time.Minute), Limit: 10, Methods: bankTransfer}
	got, err := c.Claim(ctx, q)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.False(t, got[0].Sent, "never sent: work")

	w := got[0]
	w.Sent, w.Until = true, now
	require.NoError(t, c.UpdateWork(ctx, w))
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	assert.Empty(t, got, "sent on a rail that reports nothing: no more work")

	q.Polled = q.Methods
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	require.Len(t, got, 1, "sent on a polled rail: work until it settles")
	assert.True(t, got[0].Sent)
	assert.Equal(t, p.ID, got[0].Payment.ID)
}

func testUpdateWork(t *testing.T, s payment.Store, c payment.Claimer) {
	e := NewEnv(t, s)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	now := e.Clock.Now()
	q := payment.ClaimQuery{Owner: "a", Now: now, Until: now.Add(time.Minute), Limit: 10, Methods: bankTransfer}
	got, err := c.Claim(ctx, q)
	require.NoError(t, err)
	require.Len(t, got, 1)
	stale := got[0]

	// a's lease runs out and b takes the payment: a may no longer write.
	q.Owner, q.Now, q.Until = "b", now.Add(time.Minute), now.Add(2*time.Minute)
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	require.Len(t, got, 1)
	stale.Attempts, stale.LastError = 9, "late"
	assert.ErrorIs(t, c.UpdateWork(ctx, stale), payment.ErrConflict)

	// b's bookkeeping is kept, and the payment is due when b said.
	w := got[0]
	w.Attempts, w.LastError, w.Until = 1, "busy: ödeme sistemi meşgul", now.Add(5*time.Minute)
	require.NoError(t, c.UpdateWork(ctx, w))
	q.Owner, q.Now, q.Until = "c", now.Add(5*time.Minute-time.Microsecond), now.Add(10*time.Minute)
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	assert.Empty(t, got, "not due yet")
	q.Now = now.Add(5 * time.Minute)
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	require.Len(t, got, 1)
	kept := got[0]
	assert.Equal(t, 1, kept.Attempts)
	assert.Equal(t, "busy: ödeme sistemi meşgul", kept.LastError)
	assert.Equal(t, "c", kept.Owner)

	// Once the payment no longer needs a rail, recording its work is fine (the store may forget it).
	e.MustAdvance(t, p, payment.StatusCancelled)
	require.NoError(t, c.UpdateWork(ctx, kept))

	unknown := kept
	unknown.Payment.ID = "pay_01JZZZZZZZZZZZZZZZZZZZZZZZ"
	assert.ErrorIs(t, c.UpdateWork(ctx, unknown), payment.ErrNotFound)
}

func testClaimNothingAsked(t *testing.T, s payment.Store, c payment.Claimer) {
	e := NewEnv(t, s)
	e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	now := e.Clock.Now()
	for name, q := range map[string]payment.ClaimQuery{
		"no limit":   {Owner: "a", Now: now, Until: now, Methods: bankTransfer},
		"no methods": {Owner: "a", Now: now, Until: now, Limit: 5},
	} {
		got, err := c.Claim(ctx, q)
		require.NoError(t, err)
		assert.Empty(t, got, name)
	}
}

func testConcurrentClaims(t *testing.T, s payment.Store, c payment.Claimer) {
	e := NewEnv(t, s)
	const n = 60
	for range n {
		e.MustCreate(t)
	}
	now := e.Clock.Now()
	var mu sync.Mutex
	seen := map[payment.ID]string{}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			owner := string(rune('a' + i))
			for {
				got, err := c.Claim(ctx, payment.ClaimQuery{Owner: owner, Now: now, Until: now.Add(time.Minute), Limit: 7, Methods: bankTransfer})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, w := range got {
					if prev, dup := seen[w.Payment.ID]; dup {
						t.Errorf("%s claimed by %s and %s", w.Payment.ID, prev, owner)
					}
					seen[w.Payment.ID] = owner
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, n, "every payment claimed once")
}

// testMarkSent: a payment marked as sent is no longer work, but for a polled rail; marking keeps a
// lease someone holds, and the holder's bookkeeping.
func testMarkSent(t *testing.T, s payment.Store, c payment.Claimer) {
	e := NewEnv(t, s)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusProcessing)
	held := e.MustAdvance(t, e.MustCreate(t), payment.StatusProcessing)
	now := e.Clock.Now()
	q := payment.ClaimQuery{Owner: "a", Now: now, Until: now.Add(time.Minute), Limit: 1, Methods: bankTransfer}
	got, err := c.Claim(ctx, q)
	require.NoError(t, err)
	require.Equal(t, []payment.ID{p.ID}, claimedIDs(got), "the older one first")
	w := got[0]
	w.Attempts, w.LastError = 1, "timeout"
	require.NoError(t, c.UpdateWork(ctx, w))

	require.NoError(t, c.MarkSent(ctx, p.ID, now), "marking a payment a processor holds")
	require.NoError(t, c.MarkSent(ctx, held.ID, now), "marking a payment nobody claimed")
	require.NoError(t, c.MarkSent(ctx, held.ID, now), "twice")

	q.Owner, q.Limit = "b", 10
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	assert.Empty(t, got, "sent, on a rail that reports nothing: no work")
	q.Polled = q.Methods
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	require.Equal(t, []payment.ID{held.ID}, claimedIDs(got), "the other is still leased to a")
	assert.True(t, got[0].Sent)

	w.Sent = true
	require.NoError(t, c.UpdateWork(ctx, w), "a still holds its lease")
	q.Now, q.Until = now.Add(2*time.Minute), now.Add(3*time.Minute)
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	require.Len(t, got, 2)
	for _, g := range got {
		assert.True(t, g.Sent, "%s", g.Payment.ID)
		if g.Payment.ID == p.ID {
			assert.Equal(t, 1, g.Attempts, "the holder's bookkeeping is kept")
			assert.Equal(t, "timeout", g.LastError)
		}
	}
}

// testMarkSentUnknownOrFinished: marking a payment that does not exist is ErrNotFound; marking one
// that no longer needs a rail changes nothing and is no error.
func testMarkSentUnknownOrFinished(t *testing.T, s payment.Store, c payment.Claimer) {
	e := NewEnv(t, s)
	now := e.Clock.Now()
	assert.ErrorIs(t, c.MarkSent(ctx, "pay_01JZZZZZZZZZZZZZZZZZZZZZZZ", now), payment.ErrNotFound)
	done := e.MustAdvance(t, e.MustCreate(t), payment.StatusSettled)
	require.NoError(t, c.MarkSent(ctx, done.ID, now))
	q := payment.ClaimQuery{Owner: "a", Now: now, Until: now.Add(time.Minute), Limit: 10, Methods: bankTransfer, Polled: bankTransfer}
	got, err := c.Claim(ctx, q)
	require.NoError(t, err)
	assert.Empty(t, got)
}

// testUpdateWorkFinished: recording the work of a payment that no longer needs a rail is no error,
// whoever records it: the processor that finished it, or one whose lease ran out before.
func testUpdateWorkFinished(t *testing.T, s payment.Store, c payment.Claimer) {
	e := NewEnv(t, s)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	now := e.Clock.Now()
	q := payment.ClaimQuery{Owner: "a", Now: now, Until: now.Add(time.Minute), Limit: 10, Methods: bankTransfer}
	a, err := c.Claim(ctx, q)
	require.NoError(t, err)
	require.Len(t, a, 1)
	q.Owner, q.Now, q.Until = "b", now.Add(2*time.Minute), now.Add(3*time.Minute) // a's lease ran out
	b, err := c.Claim(ctx, q)
	require.NoError(t, err)
	require.Len(t, b, 1)
	e.MustAdvance(t, p, payment.StatusSettled)
	b[0].Until = q.Now
	require.NoError(t, c.UpdateWork(ctx, b[0]), "the owner")
	a[0].Until = q.Now
	require.NoError(t, c.UpdateWork(ctx, a[0]), "the owner before")
}

// testSubmittedOutside: a payment moved to processing by Service.SubmitOutside (a bank file) is never
// work again: not to send, not to poll, not for the processor that held its lease when it moved and
// records its bookkeeping afterwards.
func testSubmittedOutside(t *testing.T, s payment.Store, c payment.Claimer) {
	e := NewEnv(t, s)
	held := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	free := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	control := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	now := e.Clock.Now()
	q := payment.ClaimQuery{Owner: "a", Now: now, Until: now.Add(time.Minute), Limit: 1, Methods: bankTransfer}
	got, err := c.Claim(ctx, q)
	require.NoError(t, err)
	require.Equal(t, []payment.ID{held.ID}, claimedIDs(got))

	for _, id := range []payment.ID{held.ID, free.ID} {
		p, err := e.Service.SubmitOutside(ctx, e.Workspace.ID, id, "export")
		require.NoError(t, err)
		require.Equal(t, payment.StatusProcessing, p.Status)
	}
	// a's worker finds the payment moved and records that it is done with it for now
	w := got[0]
	w.Until, w.Attempts, w.LastError = now, 0, ""
	require.NoError(t, c.UpdateWork(ctx, w))
	require.NoError(t, c.MarkSent(ctx, free.ID, now), "a Dispatch's mark leaves it outside")

	q.Owner, q.Limit, q.Polled = "b", 10, bankTransfer
	q.Now, q.Until = now.Add(2*time.Minute), now.Add(3*time.Minute)
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, []payment.ID{control.ID}, claimedIDs(got), "only the payment the rails are to send")
}

// testDueFromCreation: a payment nobody claimed yet is work from its creation on: a processor whose
// clock is behind the creating host's (2 s here) finds it once its clock gets there.
func testDueFromCreation(t *testing.T, s payment.Store, c payment.Claimer) {
	e := NewEnv(t, s)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	q := payment.ClaimQuery{Owner: "a", Now: p.CreatedAt.Add(-2 * time.Second), Limit: 10, Methods: bankTransfer}
	q.Until = q.Now.Add(time.Minute)
	got, err := c.Claim(ctx, q)
	require.NoError(t, err)
	assert.Empty(t, got, "not due before its creation")
	q.Now = p.CreatedAt
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, []payment.ID{p.ID}, claimedIDs(got), "due at its creation")
	q.Owner = "b"
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	assert.Empty(t, got, "claimed now: held until its lease ends")
}

// testUpdateWorkKeepsSent: a mark of sent made while a processor holds the lease (a Service.Dispatch
// elsewhere: the dashboard's "Send now") survives that processor's UpdateWork with its stale Sent;
// only Resend lowers it.
func testUpdateWorkKeepsSent(t *testing.T, s payment.Store, c payment.Claimer) {
	e := NewEnv(t, s)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	now := e.Clock.Now()
	q := payment.ClaimQuery{Owner: "a", Now: now, Until: now.Add(time.Minute), Limit: 10, Methods: bankTransfer}
	got, err := c.Claim(ctx, q)
	require.NoError(t, err)
	require.Equal(t, []payment.ID{p.ID}, claimedIDs(got))
	e.MustAdvance(t, p, payment.StatusProcessing)
	require.NoError(t, c.MarkSent(ctx, p.ID, now))
	w := got[0]
	w.Until = now // the holder found it moved: done with it for now
	require.NoError(t, c.UpdateWork(ctx, w))
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	assert.Empty(t, got, "sent elsewhere: not to be sent again")

	q.Polled = bankTransfer
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	require.Equal(t, []payment.ID{p.ID}, claimedIDs(got), "polled")
	require.True(t, got[0].Sent)
	w = got[0]
	w.Until, w.Sent, w.Resend = now, false, true // the rail has no record of it
	require.NoError(t, c.UpdateWork(ctx, w))
	q.Polled = nil
	got, err = c.Claim(ctx, q)
	require.NoError(t, err)
	require.Equal(t, []payment.ID{p.ID}, claimedIDs(got), "to be sent again")
	assert.False(t, got[0].Sent)
	assert.False(t, got[0].Resend)
}
