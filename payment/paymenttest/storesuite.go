package paymenttest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// StoreSuite runs the conformance tests that every payment.Store must pass. newStore returns a new,
// empty store for each subtest (and registers its own cleanup). If the store also implements
// payment.KeyStore or payment.BatchCreator, those are tested too.
//
//	func TestStore(t *testing.T) {
//		paymenttest.StoreSuite(t, func(t *testing.T) payment.Store { return memory.New() })
//	}
func StoreSuite(t *testing.T, newStore func(t *testing.T) payment.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s payment.Store)
	}{
		{"Workspace", testWorkspace},
		{"Accounts", testAccounts},
		{"AccountsOldestFirst", testAccountsOldestFirst},
		{"CreateGetRoundTrip", testRoundTrip},
		{"NotFound", testNotFound},
		{"WorkspaceIsolation", testIsolation},
		{"DuplicateID", testDuplicateID},
		{"DuplicateIdempotencyKey", testDuplicateKey},
		{"UpdateCompareAndSet", testUpdateCAS},
		{"UpdateFollowsTheStatusMachine", testUpdateFollowsMachine},
		{"ConcurrentCompareAndSet", testConcurrentCAS},
		{"History", testHistory},
		{"ListOrderFiltersCursor", testList},
		{"ListAccountBothSides", testListAccountBothSides},
		{"ServiceLifecycle", testServiceLifecycle},
		{"TextThatIsNotUTF8", testTextNotUTF8},
		{"ServiceIDsInEitherCase", testServiceIDsInEitherCase},
		{"APIKeys", testAPIKeys},
		{"APIKeyExpiringAfterYear9999", testAPIKeyFarExpiry},
		{"ListCreatedToAfterYear9999", testListFarCreatedTo},
		{"ListValueToAfterYear9999", testListFarValueTo},
		{"BatchCreator", testBatchCreator},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

var ctx = context.Background()

type world struct {
	ws        payment.Workspace
	own, peer payment.Account
	ids       *IDs
	clock     *Clock
}

func newWorld(t *testing.T, s payment.Store) *world {
	t.Helper()
	w := &world{ids: &IDs{}, clock: NewClock(Epoch)}
	w.ws = payment.Workspace{
		ID: payment.WorkspaceID(payment.PrefixWorkspace + w.ids.NewULID(Epoch)), Name: "Suite",
		Plan:      payment.PlanGrowth,
		Approval:  payment.ApprovalPolicy{Mode: payment.ApprovalThreshold, Thresholds: map[payment.Currency]int64{"TRY": 1_000_000}, MakerChecker: true},
		CreatedAt: Epoch,
	}
	require.NoError(t, s.CreateWorkspace(ctx, w.ws))
	w.own = w.account(t, s, w.ws.ID, payment.AccountInternal)
	w.peer = w.account(t, s, w.ws.ID, payment.AccountExternal)
	return w
}

func (w *world) account(t *testing.T, s payment.Store, ws payment.WorkspaceID, typ payment.AccountType) payment.Account {
	t.Helper()
	a := payment.Account{ID: payment.AccountID(payment.PrefixAccount + w.ids.NewULID(Epoch)), Workspace: ws,
		Name: "Account " + string(typ), Currency: "TRY", IBAN: "TR330006100519786457841326", Type: typ, CreatedAt: Epoch}
	require.NoError(t, s.CreateAccount(ctx, a))
	return a
}

// change builds a valid creation change for the world's workspace.
func (w *world) change(mods ...func(*payment.Payment)) payment.Change {
	now := w.clock.Advance(time.Millisecond)
	id := payment.ID(payment.PrefixPayment + w.ids.NewULID(now))
	p := payment.Payment{
		ID: id, Workspace: w.ws.ID, Amount: 125000, Currency: "TRY", Method: payment.MethodEFT,
		FromAccount: w.own.ID, ToAccount: w.peer.ID, Description: "Fatura ödemesi", Reference: "INV-1",
		ValueDate: payment.DateOf(now), Status: payment.StatusPending, EndToEnd: id.EndToEndKey(),
		CreatedBy: "maker", CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	for _, m := range mods {
		m(&p)
	}
	return payment.Change{
		Payment: p,
		History: payment.Transition{PaymentID: p.ID, Seq: 1, To: payment.StatusPending, Event: payment.EventCreate, Actor: "maker", At: now},
		Event:   payment.Event{ID: payment.PrefixEvent + w.ids.NewULID(now), Type: payment.EventPaymentCreated, Workspace: w.ws.ID, OccurredAt: now, Payment: &p},
	}
}

// next builds the change that moves c's payment to status to.
func (w *world) next(c payment.Change, to payment.Status, ev string) payment.Change {
	now := w.clock.Advance(time.Second)
	p := c.Payment
	from := p.Status
	p.Status, p.Version, p.UpdatedAt = to, p.Version+1, now
	return payment.Change{
		Payment: p,
		History: payment.Transition{PaymentID: p.ID, Seq: int(p.Version), From: from, To: to, Event: fsm.Event(ev), Actor: "checker", Reason: "because", At: now},
	}
}

func testWorkspace(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	got, err := s.GetWorkspace(ctx, w.ws.ID)
	require.NoError(t, err)
	assert.Equal(t, w.ws.ID, got.ID)
	assert.Equal(t, w.ws.Name, got.Name)
	assert.Equal(t, w.ws.Plan, got.Plan)
	assert.Equal(t, w.ws.Approval, got.Approval)
	assert.True(t, w.ws.CreatedAt.Equal(got.CreatedAt))
	assert.ErrorIs(t, s.CreateWorkspace(ctx, w.ws), payment.ErrDuplicate)
	_, err = s.GetWorkspace(ctx, "ws_01JZZZZZZZZZZZZZZZZZZZZZZZ")
	assert.ErrorIs(t, err, payment.ErrNotFound)
}

func testAccounts(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	got, err := s.GetAccount(ctx, w.ws.ID, w.own.ID)
	require.NoError(t, err)
	assert.Equal(t, w.own.Name, got.Name)
	assert.Equal(t, w.own.IBAN, got.IBAN)
	assert.Equal(t, payment.AccountInternal, got.Type)
	assert.Equal(t, payment.Currency("TRY"), got.Currency)
	assert.True(t, w.own.CreatedAt.Equal(got.CreatedAt))
	list, err := s.ListAccounts(ctx, w.ws.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, w.own.ID, list[0].ID, "oldest first")
	assert.Equal(t, w.peer.ID, list[1].ID)
	assert.ErrorIs(t, s.CreateAccount(ctx, w.own), payment.ErrDuplicate)
	_, err = s.GetAccount(ctx, w.ws.ID, "acc_01JZZZZZZZZZZZZZZZZZZZZZZZ")
	assert.ErrorIs(t, err, payment.ErrNotFound)
}

// testAccountsOldestFirst: ListAccounts orders by creation time, then id, whatever the order the
// accounts were stored in (an import of accounts with their original times, a clock set back).
func testAccountsOldestFirst(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	account := func(id string, at time.Time) payment.Account {
		a := payment.Account{ID: payment.AccountID(payment.PrefixAccount + id), Workspace: w.ws.ID, Name: "Account " + id,
			Currency: "TRY", Type: payment.AccountExternal, CreatedAt: at}
		require.NoError(t, s.CreateAccount(ctx, a))
		return a
	}
	later := Epoch.Add(time.Hour)
	c := account("01K00000000000000000000003", later)
	b := account("01K00000000000000000000002", later)
	a := account("01K00000000000000000000001", Epoch.Add(time.Minute))
	old := account("01K00000000000000000000004", Epoch.Add(-time.Hour))
	list, err := s.ListAccounts(ctx, w.ws.ID)
	require.NoError(t, err)
	var got []payment.AccountID
	for _, acc := range list {
		got = append(got, acc.ID)
	}
	assert.Equal(t, []payment.AccountID{old.ID, w.own.ID, w.peer.ID, a.ID, b.ID, c.ID}, got)
}

func testRoundTrip(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	c := w.change(func(p *payment.Payment) {
		p.Amount = math.MaxInt64
		p.Description = "Çağrı Öztürk — ödeme ğüşıöç İĞÜŞÖÇ 💸"
		p.Reference = "PO/2026/ÇĞ-17"
		p.IdempotencyKey = "key-round-trip"
		p.BatchID = payment.BatchID(payment.PrefixBatch + w.ids.NewULID(Epoch))
		p.FailureCode, p.FailureReason = "", ""
		p.CreatedAt = time.Date(2026, 3, 29, 23, 59, 59, 999999000, time.UTC)
		p.UpdatedAt = p.CreatedAt
		p.ValueDate = payment.MustDate("2026-12-31")
	})
	require.NoError(t, s.CreatePayment(ctx, c))
	got, err := s.GetPayment(ctx, w.ws.ID, c.Payment.ID)
	require.NoError(t, err)
	assertSamePayment(t, c.Payment, got)
	byKey, err := s.GetPaymentByKey(ctx, w.ws.ID, "key-round-trip")
	require.NoError(t, err)
	assertSamePayment(t, c.Payment, byKey)

	// failure fields survive an update
	f := w.next(c, payment.StatusApproved, "approve")
	require.NoError(t, s.UpdatePayment(ctx, f, 1))
	f2 := w.next(f, payment.StatusProcessing, "submit")
	require.NoError(t, s.UpdatePayment(ctx, f2, 2))
	f3 := w.next(f2, payment.StatusFailed, "fail")
	f3.Payment.FailureCode, f3.Payment.FailureReason = "insufficient_funds", "balance too low"
	require.NoError(t, s.UpdatePayment(ctx, f3, 3))
	got, err = s.GetPayment(ctx, w.ws.ID, c.Payment.ID)
	require.NoError(t, err)
	assertSamePayment(t, f3.Payment, got)
}

func assertSamePayment(t *testing.T, want, got payment.Payment) {
	t.Helper()
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at %s != %s", want.CreatedAt, got.CreatedAt)
	assert.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "updated_at %s != %s", want.UpdatedAt, got.UpdatedAt)
	assert.Equal(t, time.UTC, got.CreatedAt.Location(), "times come back in UTC")
	want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, want, got)
}

func testNotFound(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	missing := payment.ID("pay_01JZZZZZZZZZZZZZZZZZZZZZZZ")
	_, err := s.GetPayment(ctx, w.ws.ID, missing)
	assert.ErrorIs(t, err, payment.ErrNotFound)
	_, err = s.GetPaymentByKey(ctx, w.ws.ID, "nope")
	assert.ErrorIs(t, err, payment.ErrNotFound)
	_, err = s.History(ctx, w.ws.ID, missing)
	assert.ErrorIs(t, err, payment.ErrNotFound)
	c := w.change()
	c.Payment.ID = missing
	assert.ErrorIs(t, s.UpdatePayment(ctx, w.next(c, payment.StatusApproved, "approve"), 1), payment.ErrNotFound)
}

func testIsolation(t *testing.T, s payment.Store) {
	a := newWorld(t, s)
	b := &world{ids: a.ids, clock: a.clock}
	b.ws = a.ws
	b.ws.ID = payment.WorkspaceID(payment.PrefixWorkspace + a.ids.NewULID(Epoch))
	require.NoError(t, s.CreateWorkspace(ctx, b.ws))
	b.own = b.account(t, s, b.ws.ID, payment.AccountInternal)
	b.peer = b.account(t, s, b.ws.ID, payment.AccountExternal)

	c := a.change(func(p *payment.Payment) { p.IdempotencyKey = "shared-key" })
	require.NoError(t, s.CreatePayment(ctx, c))
	_, err := s.GetPayment(ctx, b.ws.ID, c.Payment.ID)
	assert.ErrorIs(t, err, payment.ErrNotFound, "another workspace's payment is not found")
	_, err = s.GetPaymentByKey(ctx, b.ws.ID, "shared-key")
	assert.ErrorIs(t, err, payment.ErrNotFound)
	_, err = s.History(ctx, b.ws.ID, c.Payment.ID)
	assert.ErrorIs(t, err, payment.ErrNotFound)
	_, err = s.GetAccount(ctx, b.ws.ID, a.own.ID)
	assert.ErrorIs(t, err, payment.ErrNotFound)
	list, err := s.ListPayments(ctx, b.ws.ID, payment.ListFilter{})
	require.NoError(t, err)
	assert.Empty(t, list)
	accs, err := s.ListAccounts(ctx, b.ws.ID)
	require.NoError(t, err)
	assert.Len(t, accs, 2)

	// idempotency keys are unique per workspace, not globally
	cb := b.change(func(p *payment.Payment) { p.IdempotencyKey = "shared-key" })
	require.NoError(t, s.CreatePayment(ctx, cb))

	// an update that names the wrong workspace changes nothing
	u := a.next(c, payment.StatusApproved, "approve")
	u.Payment.Workspace = b.ws.ID
	assert.ErrorIs(t, s.UpdatePayment(ctx, u, 1), payment.ErrNotFound)
}

func testDuplicateID(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	c := w.change()
	require.NoError(t, s.CreatePayment(ctx, c))
	again := c
	again.Payment.Amount = 1
	assert.ErrorIs(t, s.CreatePayment(ctx, again), payment.ErrDuplicate)
	got, err := s.GetPayment(ctx, w.ws.ID, c.Payment.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(125000), got.Amount, "the original is untouched")

	// an older id than the newest stored one is a duplicate too
	require.NoError(t, s.CreatePayment(ctx, w.change()))
	assert.ErrorIs(t, s.CreatePayment(ctx, again), payment.ErrDuplicate)
}

func testDuplicateKey(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	c1 := w.change(func(p *payment.Payment) { p.IdempotencyKey = "k-1" })
	c2 := w.change(func(p *payment.Payment) { p.IdempotencyKey = "k-1"; p.Amount = 7 })
	require.NoError(t, s.CreatePayment(ctx, c1))
	assert.ErrorIs(t, s.CreatePayment(ctx, c2), payment.ErrDuplicate)
	_, err := s.GetPayment(ctx, w.ws.ID, c2.Payment.ID)
	assert.ErrorIs(t, err, payment.ErrNotFound, "the duplicate stored nothing")
	_, err = s.History(ctx, w.ws.ID, c2.Payment.ID)
	assert.ErrorIs(t, err, payment.ErrNotFound, "nor its history")
	list, err := s.ListPayments(ctx, w.ws.ID, payment.ListFilter{})
	require.NoError(t, err)
	assert.Len(t, list, 1)
	// payments without a key never collide
	require.NoError(t, s.CreatePayment(ctx, w.change()))
	require.NoError(t, s.CreatePayment(ctx, w.change()))
}

// testUpdateFollowsMachine: a store writes no status change the status machine does not allow, nor
// a history record that misstates the move, whoever calls it: ErrInvalid, and nothing changes.
func testUpdateFollowsMachine(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	tests := []struct {
		name string
		mod  func(c *payment.Change)
	}{
		{"pending to settled", func(c *payment.Change) {
			c.Payment.Status, c.History.To, c.History.Event = payment.StatusSettled, payment.StatusSettled, fsm.EventSettle
		}},
		{"history from another status than the stored one", func(c *payment.Change) {
			c.Payment.Status, c.History.From, c.History.To, c.History.Event =
				payment.StatusSettled, payment.StatusProcessing, payment.StatusSettled, fsm.EventSettle
		}},
		{"payment status other than the history's", func(c *payment.Change) { c.Payment.Status = payment.StatusReconciled }},
		{"status change without an event", func(c *payment.Change) { c.History.Event = "" }},
		{"history of another payment", func(c *payment.Change) { c.History.PaymentID = "pay_01KF0E44M00000000000000099" }},
		{"version skipped", func(c *payment.Change) { c.Payment.Version, c.History.Seq = 3, 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := w.change()
			require.NoError(t, s.CreatePayment(ctx, c))
			u := w.next(c, payment.StatusApproved, "approve")
			tt.mod(&u)
			assert.ErrorIs(t, s.UpdatePayment(ctx, u, 1), payment.ErrInvalid)
			got, err := s.GetPayment(ctx, w.ws.ID, c.Payment.ID)
			require.NoError(t, err)
			assert.Equal(t, payment.StatusPending, got.Status)
			assert.Equal(t, int64(1), got.Version)
			h, err := s.History(ctx, w.ws.ID, c.Payment.ID)
			require.NoError(t, err)
			assert.Len(t, h, 1)
		})
	}
}

func testUpdateCAS(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	c := w.change()
	require.NoError(t, s.CreatePayment(ctx, c))
	u := w.next(c, payment.StatusApproved, "approve")
	require.NoError(t, s.UpdatePayment(ctx, u, 1))
	stale := w.next(c, payment.StatusCancelled, "cancel") // built from version 1
	assert.ErrorIs(t, s.UpdatePayment(ctx, stale, 1), payment.ErrConflict)
	got, err := s.GetPayment(ctx, w.ws.ID, c.Payment.ID)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusApproved, got.Status, "a lost race changes nothing")
	assert.Equal(t, int64(2), got.Version)
	h, err := s.History(ctx, w.ws.ID, c.Payment.ID)
	require.NoError(t, err)
	assert.Len(t, h, 2, "and writes no history")
}

func testConcurrentCAS(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	c := w.change()
	require.NoError(t, s.CreatePayment(ctx, c))
	const n = 16
	var wins, conflicts atomic.Int32
	var wg sync.WaitGroup
	targets := []payment.Status{payment.StatusApproved, payment.StatusCancelled}
	events := []string{"approve", "cancel"}
	changes := make([]payment.Change, n)
	for i := range changes {
		changes[i] = w.next(c, targets[i%2], events[i%2])
		changes[i].History.Actor = fmt.Sprintf("actor-%d", i)
	}
	for i := 0; i < n; i++ {
		wg.Go(func() {
			err := s.UpdatePayment(ctx, changes[i], 1)
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, payment.ErrConflict):
				conflicts.Add(1)
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load(), "exactly one compare-and-set wins")
	assert.Equal(t, int32(n-1), conflicts.Load())
	got, err := s.GetPayment(ctx, w.ws.ID, c.Payment.ID)
	require.NoError(t, err)
	h, err := s.History(ctx, w.ws.ID, c.Payment.ID)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, got.Status, h[1].To, "history agrees with the winner")
}

func testHistory(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	c := w.change()
	require.NoError(t, s.CreatePayment(ctx, c))
	steps := []struct {
		to payment.Status
		ev string
	}{{payment.StatusApproved, "approve"}, {payment.StatusProcessing, "submit"}, {payment.StatusSettled, "settle"},
		{payment.StatusReconciled, "reconcile"}, {payment.StatusSettled, "unreconcile"}}
	cur := c
	for i, st := range steps {
		nx := w.next(cur, st.to, st.ev)
		require.NoError(t, s.UpdatePayment(ctx, nx, int64(i+1)))
		cur = nx
	}
	h, err := s.History(ctx, w.ws.ID, c.Payment.ID)
	require.NoError(t, err)
	require.Len(t, h, 6)
	assert.Equal(t, c.History.Event, h[0].Event)
	assert.Equal(t, payment.Status(""), h[0].From)
	for i, r := range h {
		assert.Equal(t, i+1, r.Seq)
		assert.Equal(t, c.Payment.ID, r.PaymentID)
		assert.Equal(t, time.UTC, r.At.Location())
		if i > 0 {
			assert.Equal(t, h[i-1].To, r.From, "each record starts where the last ended")
			assert.Equal(t, "checker", r.Actor)
			assert.Equal(t, "because", r.Reason)
			assert.True(t, r.At.After(h[i-1].At))
		}
	}
	assert.Equal(t, "unreconcile", string(h[5].Event))
}

func testList(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	other := w.account(t, s, w.ws.ID, payment.AccountExternal)
	var ids []payment.ID
	for i := 0; i < 25; i++ {
		c := w.change(func(p *payment.Payment) {
			p.Reference = fmt.Sprintf("REF-%d", i%5)
			if i%2 == 1 {
				p.Method = payment.MethodBankTransfer
				p.ToAccount = other.ID
			}
			p.ValueDate = payment.MustDate("2026-02-01").AddDays(i)
		})
		require.NoError(t, s.CreatePayment(ctx, c))
		ids = append(ids, c.Payment.ID)
		if i%3 == 0 {
			require.NoError(t, s.UpdatePayment(ctx, w.next(c, payment.StatusApproved, "approve"), 1))
		}
	}
	all, err := s.ListPayments(ctx, w.ws.ID, payment.ListFilter{})
	require.NoError(t, err)
	require.Len(t, all, 25)
	for i := range all {
		assert.Equal(t, ids[24-i], all[i].ID, "newest first")
	}
	// cursor pagination walks everything exactly once
	seen := pageThrough(t, s, w.ws.ID, payment.ListFilter{Limit: 7})
	assert.Len(t, seen, 25)
	assert.Equal(t, ids[24], seen[0])
	assert.Equal(t, ids[0], seen[24])

	count := func(f payment.ListFilter) int {
		ps, err := s.ListPayments(ctx, w.ws.ID, f)
		require.NoError(t, err)
		for _, p := range ps {
			assert.True(t, f.Match(&p), "store returned a payment its filter excludes: %s", p.ID)
		}
		return len(ps)
	}
	assert.Equal(t, 9, count(payment.ListFilter{Statuses: []payment.Status{payment.StatusApproved}}))
	assert.Equal(t, 25, count(payment.ListFilter{Statuses: []payment.Status{payment.StatusApproved, payment.StatusPending}}))
	assert.Equal(t, 12, count(payment.ListFilter{Method: payment.MethodBankTransfer}))
	assert.Equal(t, 12, count(payment.ListFilter{ToAccount: other.ID}))
	assert.Equal(t, 12, count(payment.ListFilter{Account: other.ID}))
	assert.Equal(t, 25, count(payment.ListFilter{FromAccount: w.own.ID}))
	assert.Equal(t, 5, count(payment.ListFilter{Reference: "REF-3"}))
	assert.Equal(t, 25, count(payment.ListFilter{Currency: "TRY"}))
	assert.Equal(t, 0, count(payment.ListFilter{Currency: "EUR"}))
	assert.Equal(t, 3, count(payment.ListFilter{ValueFrom: payment.MustDate("2026-02-05"), ValueTo: payment.MustDate("2026-02-07")}))
	created := all[24-10].CreatedAt // the 11th payment
	assert.Equal(t, 15, count(payment.ListFilter{CreatedFrom: created}))
	assert.Equal(t, 11, count(payment.ListFilter{CreatedTo: created}))
	assert.Equal(t, 2, count(payment.ListFilter{Method: payment.MethodBankTransfer, Statuses: []payment.Status{payment.StatusApproved}, Limit: 2}))
	assert.Equal(t, 0, count(payment.ListFilter{BatchID: "bat_01JZZZZZZZZZZZZZZZZZZZZZZZ"}))
}

// testListAccountBothSides: an account filter takes the payments from and to the account, newest
// first across both sides, page by page with the cursor, with the other filters applied to both.
func testListAccountBothSides(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	var ids []payment.ID // newest first
	for i := 0; i < 17; i++ {
		c := w.change(func(p *payment.Payment) {
			if i%3 == 0 { // money coming in: from the counterparty to our account
				p.FromAccount, p.ToAccount = w.peer.ID, w.own.ID
			}
		})
		require.NoError(t, s.CreatePayment(ctx, c))
		if i%4 == 0 {
			require.NoError(t, s.UpdatePayment(ctx, w.next(c, payment.StatusApproved, "approve"), 1))
		}
		ids = append([]payment.ID{c.Payment.ID}, ids...)
	}
	for _, acct := range []payment.AccountID{w.own.ID, w.peer.ID} {
		seen := pageThrough(t, s, w.ws.ID, payment.ListFilter{Account: acct, Limit: 4})
		assert.Equal(t, ids, seen, "every payment once, newest first")
	}
	approved, err := s.ListPayments(ctx, w.ws.ID, payment.ListFilter{Account: w.own.ID,
		Statuses: []payment.Status{payment.StatusApproved}, Limit: 3})
	require.NoError(t, err)
	var got []payment.ID
	for _, p := range approved {
		got = append(got, p.ID)
	}
	assert.Equal(t, []payment.ID{ids[0], ids[4], ids[8]}, got, "payments 16, 12 and 8: approved, on both sides")
	none, err := s.ListPayments(ctx, w.ws.ID, payment.ListFilter{Account: "acc_01JZZZZZZZZZZZZZZZZZZZZZZZ"})
	require.NoError(t, err)
	assert.Empty(t, none)
}

// pageThrough lists every payment f selects, a page of f.Limit at a time through the cursor, and
// returns their ids in the order listed.
func pageThrough(t *testing.T, s payment.Store, ws payment.WorkspaceID, f payment.ListFilter) []payment.ID {
	t.Helper()
	var seen []payment.ID
	for {
		page, err := s.ListPayments(ctx, ws, f)
		require.NoError(t, err)
		for _, p := range page {
			seen = append(seen, p.ID)
		}
		if len(page) < f.Limit {
			return seen
		}
		f.After = page[len(page)-1].ID
	}
}

func testServiceLifecycle(t *testing.T, s payment.Store) {
	env := NewEnv(t, s)
	p := env.MustCreate(t, func(r *payment.Request) { r.IdempotencyKey = "svc-1" })
	again, err := env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) { r.IdempotencyKey = "svc-1" }))
	require.NoError(t, err)
	assert.Equal(t, p.ID, again.ID, "an idempotent replay returns the original")
	_, err = env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) { r.IdempotencyKey = "svc-1"; r.Amount++ }))
	assert.ErrorIs(t, err, payment.ErrIdempotencyMismatch)

	p = env.MustAdvance(t, p, payment.StatusReconciled)
	p, err = env.Service.Unreconcile(ctx, env.Workspace.ID, p.ID, "auditor", "wrong statement line")
	require.NoError(t, err)
	assert.Equal(t, payment.StatusSettled, p.Status)
	_, err = env.Service.Cancel(ctx, env.Workspace.ID, p.ID, "maker", "too late")
	var se *payment.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, payment.StatusSettled, se.Status)
	h, err := env.Service.History(ctx, env.Workspace.ID, p.ID)
	require.NoError(t, err)
	require.Len(t, h, 6)
	assert.Equal(t, "wrong statement line", h[5].Reason)
	stored, err := env.Service.Get(ctx, env.Workspace.ID, p.ID)
	require.NoError(t, err)
	assertSamePayment(t, p, stored)
}

// testServiceIDsInEitherCase: the Service takes a payment, account or workspace id with its ULID in
// either case, as ParseID does and the HTTP API does (a ULID is case-insensitive); a lower-case id
// was "not found". An id that is not one (invalid UTF-8, NUL, no ULID) is not found, on PostgreSQL
// too, which answered a database error.
func testServiceIDsInEitherCase(t *testing.T, s payment.Store) {
	env := NewEnv(t, s)
	lower := func(id, prefix string) string { return prefix + strings.ToLower(strings.TrimPrefix(id, prefix)) }
	ws := payment.WorkspaceID(lower(string(env.Workspace.ID), payment.PrefixWorkspace))
	p := env.MustCreate(t)
	id := payment.ID(lower(string(p.ID), payment.PrefixPayment))

	got, err := env.Service.Get(ctx, ws, id)
	require.NoError(t, err)
	assert.Equal(t, p.ID, got.ID)
	w, err := env.Service.Workspace(ctx, ws)
	require.NoError(t, err)
	assert.Equal(t, env.Workspace.ID, w.ID)
	acc := env.Request().FromAccount
	a, err := env.Service.GetAccount(ctx, ws, payment.AccountID(lower(string(acc), payment.PrefixAccount)))
	require.NoError(t, err)
	assert.Equal(t, acc, a.ID)
	accounts, err := env.Service.ListAccounts(ctx, ws)
	require.NoError(t, err)
	assert.NotEmpty(t, accounts)
	page, err := env.Service.List(ctx, ws, payment.ListFilter{})
	require.NoError(t, err)
	assert.Len(t, page.Payments, 1)
	q, err := env.Service.Create(ctx, ws, env.Request())
	require.NoError(t, err)
	assert.Equal(t, env.Workspace.ID, q.Workspace)
	got, err = env.Service.Cancel(ctx, ws, id, "ops", "not needed")
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCancelled, got.Status)
	h, err := env.Service.History(ctx, ws, id)
	require.NoError(t, err)
	assert.Len(t, h, 2)

	for _, bad := range []payment.ID{"pay_\xff", "pay_" + payment.ID(strings.Repeat("0", 25)) + "\x00", "pay_nope", "", p.ID + " "} {
		_, err := env.Service.Get(ctx, env.Workspace.ID, bad)
		var nf *payment.NotFoundError
		require.ErrorAs(t, err, &nf, "%q", bad)
		assert.Equal(t, "payment", nf.Kind)
		_, err = env.Service.Approve(ctx, env.Workspace.ID, bad, "checker")
		assert.ErrorIs(t, err, payment.ErrNotFound, "%q", bad)
		_, err = env.Service.History(ctx, env.Workspace.ID, bad)
		assert.ErrorIs(t, err, payment.ErrNotFound, "%q", bad)
		_, err = env.Service.Get(ctx, "ws_\xff", p.ID)
		assert.ErrorIs(t, err, payment.ErrNotFound)
	}
	_, err = env.Service.GetAccount(ctx, env.Workspace.ID, "acc_\xff\x00")
	assert.ErrorIs(t, err, payment.ErrNotFound)
	_, err = env.Service.Workspace(ctx, "ws_\xff\x00")
	assert.ErrorIs(t, err, payment.ErrNotFound)
}

// testTextNotUTF8: a rail's failure message in another code page, or with a NUL byte, is stored
// with U+FFFD in their place (PostgreSQL refuses such text), and the payment does fail: it is not
// left in processing. The same goes for a reason or actor a caller passes.
func testTextNotUTF8(t *testing.T, s payment.Store) {
	env := NewEnv(t, s)
	p := env.MustAdvance(t, env.MustCreate(t), payment.StatusProcessing)
	p, err := env.Service.Fail(ctx, env.Workspace.ID, p.ID, "rail\xfe", "AC\x0004", "Hesap kapal\xfd")
	require.NoError(t, err)
	assert.Equal(t, payment.StatusFailed, p.Status)
	stored, err := env.Service.Get(ctx, env.Workspace.ID, p.ID)
	require.NoError(t, err)
	assert.Equal(t, "AC\uFFFD04", stored.FailureCode)
	assert.Equal(t, "Hesap kapal\uFFFD", stored.FailureReason)
	q := env.MustCreate(t)
	_, err = env.Service.Cancel(ctx, env.Workspace.ID, q.ID, "ops", "m\xfc\xfeteri istedi\x00")
	require.NoError(t, err)
	for id, want := range map[payment.ID][2]string{p.ID: {"rail\uFFFD", "Hesap kapal\uFFFD"}, q.ID: {"ops", "m\uFFFDteri istedi\uFFFD"}} {
		h, err := env.Service.History(ctx, env.Workspace.ID, id)
		require.NoError(t, err)
		last := h[len(h)-1]
		assert.Equal(t, want, [2]string{last.Actor, last.Reason})
	}
}

func testAPIKeys(t *testing.T, s payment.Store) {
	ks, ok := s.(payment.KeyStore)
	if !ok {
		t.Skip("store does not implement payment.KeyStore")
	}
	w := newWorld(t, s)
	secret, hash := payment.NewAPIKeySecret()
	k := payment.APIKey{ID: "key_" + w.ids.NewULID(Epoch), Workspace: w.ws.ID, Name: "erp", Scope: payment.ScopeReadWrite,
		Hash: hash, Prefix: secret[:8], CreatedAt: Epoch, ExpiresAt: Epoch.Add(24 * time.Hour)}
	require.NoError(t, ks.CreateAPIKey(ctx, k))
	assert.ErrorIs(t, ks.CreateAPIKey(ctx, k), payment.ErrDuplicate)
	got, err := ks.GetAPIKeyByHash(ctx, payment.HashAPIKey(secret))
	require.NoError(t, err)
	assert.Equal(t, k.ID, got.ID)
	assert.Equal(t, k.Scope, got.Scope)
	assert.True(t, got.Matches(hash))
	assert.True(t, k.ExpiresAt.Equal(got.ExpiresAt))
	assert.True(t, got.RevokedAt.IsZero())
	_, err = ks.GetAPIKeyByHash(ctx, payment.HashAPIKey(secret+"x"))
	assert.ErrorIs(t, err, payment.ErrNotFound)
	list, err := ks.ListAPIKeys(ctx, w.ws.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.ErrorIs(t, ks.RevokeAPIKey(ctx, "ws_01JZZZZZZZZZZZZZZZZZZZZZZZ", k.ID, Epoch), payment.ErrNotFound, "another workspace cannot revoke it")
	for _, id := range []string{"key_\x00", "key_\xff", "key_" + w.ids.NewULID(Epoch)} { // %00, %FF in a URL path
		assert.ErrorIs(t, ks.RevokeAPIKey(ctx, w.ws.ID, id, Epoch), payment.ErrNotFound, "no key %q", id)
	}
	require.NoError(t, ks.RevokeAPIKey(ctx, w.ws.ID, k.ID, Epoch.Add(time.Hour)))
	got, err = ks.GetAPIKeyByHash(ctx, hash)
	require.NoError(t, err)
	assert.False(t, got.Active(Epoch.Add(2*time.Hour)))
}

// testAPIKeyFarExpiry: an expiry after the year 9999 in UTC (9999-12-31T23:59:59-01:00, a valid RFC
// 3339 time) is refused as ErrInvalid, on every store: RFC 3339 cannot write it in UTC, nor SQLite
// keep it (the key, and the workspace's list of keys, could not be read again). Nothing is stored.
func testAPIKeyFarExpiry(t *testing.T, s payment.Store) {
	ks, ok := s.(payment.KeyStore)
	if !ok {
		t.Skip("store does not implement payment.KeyStore")
	}
	w := newWorld(t, s)
	_, hash := payment.NewAPIKeySecret()
	k := payment.APIKey{ID: "key_" + w.ids.NewULID(Epoch), Workspace: w.ws.ID, Name: "erp", Scope: payment.ScopeReadOnly,
		Hash: hash, Prefix: "ok_ABCDE", CreatedAt: Epoch, ExpiresAt: time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("", -3600))}
	require.ErrorIs(t, ks.CreateAPIKey(ctx, k), payment.ErrInvalid)
	_, err := ks.GetAPIKeyByHash(ctx, hash)
	assert.ErrorIs(t, err, payment.ErrNotFound, "a refused key is not stored")
	list, err := ks.ListAPIKeys(ctx, w.ws.ID)
	require.NoError(t, err, "the workspace's keys can be listed")
	assert.Empty(t, list)
	k.ExpiresAt = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
	require.NoError(t, ks.CreateAPIKey(ctx, k), "the last microsecond of 9999 is kept")
	got, err := ks.GetAPIKeyByHash(ctx, hash)
	require.NoError(t, err)
	assert.True(t, k.ExpiresAt.Equal(got.ExpiresAt))
}

// testListFarCreatedTo: a CreatedTo after the year 9999 in UTC takes every payment.
func testListFarCreatedTo(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	require.NoError(t, s.CreatePayment(ctx, w.change()))
	to := time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("", -3600)).UTC()
	ps, err := s.ListPayments(ctx, w.ws.ID, payment.ListFilter{CreatedTo: to})
	require.NoError(t, err)
	assert.Len(t, ps, 1)
	ps, err = s.ListPayments(ctx, w.ws.ID, payment.ListFilter{CreatedFrom: to})
	require.NoError(t, err)
	assert.Empty(t, ps)
}

// testListFarValueTo: a ValueTo after 9999-12-31 takes every payment, as a later date would. A
// reconciliation run ending 9999-12-31 asks for value dates up to its end plus its window and
// anomaly days; SQLite compared "10000-01-31" as text and found none.
func testListFarValueTo(t *testing.T, s payment.Store) {
	w := newWorld(t, s)
	require.NoError(t, s.CreatePayment(ctx, w.change()))
	require.NoError(t, s.CreatePayment(ctx, w.change(func(p *payment.Payment) { p.ValueDate = payment.MustDate("9999-12-31") })))
	ps, err := s.ListPayments(ctx, w.ws.ID, payment.ListFilter{ValueTo: payment.MustDate("9999-12-31").AddDays(31)})
	require.NoError(t, err)
	assert.Len(t, ps, 2)
}

func testBatchCreator(t *testing.T, s payment.Store) {
	bc, ok := s.(payment.BatchCreator)
	if !ok {
		t.Skip("store does not implement payment.BatchCreator")
	}
	w := newWorld(t, s)
	existing := w.change(func(p *payment.Payment) { p.IdempotencyKey = "taken" })
	require.NoError(t, s.CreatePayment(ctx, existing))
	cs := make([]payment.Change, 10)
	for i := range cs {
		cs[i] = w.change(func(p *payment.Payment) { p.IdempotencyKey = fmt.Sprintf("b-%d", i) })
	}
	cs[3].Payment.IdempotencyKey = "taken" // fails alone
	cs[7].Payment.IdempotencyKey = "b-6"   // duplicate within the batch: the later one fails
	errs, err := bc.CreatePayments(ctx, cs)
	require.NoError(t, err)
	require.Len(t, errs, 10)
	for i, e := range errs {
		if i == 3 || i == 7 {
			assert.ErrorIs(t, e, payment.ErrDuplicate, "item %d", i)
			_, gerr := s.GetPayment(ctx, w.ws.ID, cs[i].Payment.ID)
			assert.ErrorIs(t, gerr, payment.ErrNotFound, "failed item %d stored nothing", i)
			continue
		}
		assert.NoError(t, e, "item %d", i)
		got, gerr := s.GetPayment(ctx, w.ws.ID, cs[i].Payment.ID)
		require.NoError(t, gerr)
		assertSamePayment(t, cs[i].Payment, got)
		h, herr := s.History(ctx, w.ws.ID, cs[i].Payment.ID)
		require.NoError(t, herr)
		assert.Len(t, h, 1)
	}
}
