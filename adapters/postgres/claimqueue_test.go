package postgres_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/postgres"
	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// queueMismatches lists the payments whose payment_work row is not what migration 0007 promises: a row
// exactly for the pending, approved and processing payments, with the payment's method and whether
// it awaits approval.
func queueMismatches(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT coalesce(p.id, k.payment_id) FROM payments p
		FULL JOIN payment_work k ON k.payment_id = p.id
		WHERE (p.id IS NULL)
			OR ((p.status IN ('pending', 'approved', 'processing')) <> (k.payment_id IS NOT NULL))
			OR (k.payment_id IS NOT NULL AND (k.method <> p.method OR k.awaiting_approval <> payment_awaits_approval(p)))`)
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return ids
}

// TestMigrationClaimQueues upgrades a version-6 schema holding payments in every state, leases
// taken before and a finished payment's stale bookkeeping, and checks the claims afterwards (the
// PostgreSQL twin of the SQLite TestMigrationClaimQueues).
func TestMigrationClaimQueues(t *testing.T) {
	ctx := context.Background()
	dsn, schema := newSchema(t)
	pool := openPool(t, dsn, schema, 4)

	files, err := filepath.Glob("migrations/*.sql")
	require.NoError(t, err)
	sort.Strings(files)
	require.Greater(t, len(files), 6)
	_, err = pool.Exec(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`)
	require.NoError(t, err)
	for i, f := range files[:6] {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, string(b))
		require.NoError(t, err, f)
		_, err = pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, i+1, filepath.Base(f))
		require.NoError(t, err)
	}

	s := postgres.New(pool, postgres.Options{})
	e := paymenttest.NewEnv(t, s)
	opts := paymenttest.WithServiceOptions(payment.Options{Clock: e.Clock, IDs: payment.NewULIDSource()})
	strict := paymenttest.NewEnv(t, s, paymenttest.WithApproval(payment.ApprovalPolicy{Mode: payment.ApprovalRequired}), opts)
	thr := paymenttest.NewEnv(t, s, paymenttest.WithApproval(payment.ApprovalPolicy{
		Mode: payment.ApprovalThreshold, Thresholds: map[payment.Currency]int64{"TRY": 10_000}}), opts)
	create := func(env *paymenttest.Env, to payment.Status, mods ...func(*payment.Request)) payment.Payment {
		e.Clock.Advance(time.Second)
		return env.MustAdvance(t, env.MustCreate(t, mods...), to)
	}
	settledLeft := create(e, payment.StatusProcessing) // its processor died before recording the end
	approved := create(e, payment.StatusApproved)
	submitted := create(e, payment.StatusProcessing) // by hand: never claimed
	sent := create(e, payment.StatusProcessing)
	awaiting := create(strict, payment.StatusPending)
	leased := create(e, payment.StatusApproved)
	pendingFree := create(e, payment.StatusPending)
	small := create(thr, payment.StatusPending, func(r *payment.Request) { r.Amount = 9_999 })
	large := create(thr, payment.StatusPending, func(r *payment.Request) { r.Amount = 10_000 })
	eft := create(e, payment.StatusApproved, func(r *payment.Request) { r.Method = payment.MethodEFT })
	retrying := create(e, payment.StatusProcessing)
	cancelled := create(e, payment.StatusCancelled)
	now := e.Clock.Now()
	for _, w := range []struct {
		id       payment.ID
		owner    string
		until    time.Time
		attempts int
		sent     bool
	}{
		{settledLeft.ID, "prc_gone", now.Add(-time.Hour), 0, false},
		{sent.ID, "", now.Add(-time.Hour), 0, true},
		{leased.ID, "prc_a", now.Add(time.Minute), 0, false},
		{retrying.ID, "prc_old", now.Add(-time.Second), 3, false},
	} {
		_, err := pool.Exec(ctx, `INSERT INTO payment_work (payment_id, owner, until, attempts, last_error, sent) VALUES ($1, $2, $3, $4, 'busy', $5)`,
			string(w.id), w.owner, w.until, w.attempts, w.sent)
		require.NoError(t, err)
	}
	e.MustAdvance(t, settledLeft, payment.StatusSettled)

	require.NoError(t, s.Migrate(ctx))
	var version int
	require.NoError(t, pool.QueryRow(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&version))
	require.Equal(t, postgres.SchemaVersion(), version)
	assert.Empty(t, queueMismatches(t, pool), "every active payment has its row, right after the upgrade")

	q := payment.ClaimQuery{Owner: "prc_b", Now: now, Until: now.Add(time.Minute), Limit: 20,
		Methods: []payment.Method{payment.MethodBankTransfer}}
	got, err := s.Claim(ctx, q)
	require.NoError(t, err)
	ids := func(ws []payment.Work) []payment.ID {
		var out []payment.ID
		for _, w := range ws {
			out = append(out, w.Payment.ID)
		}
		return out
	}
	assert.Equal(t, []payment.ID{approved.ID, submitted.ID, pendingFree.ID, small.ID, retrying.ID}, ids(got),
		"never claimed, oldest first; the one retrying when due")
	for _, w := range got {
		if w.Payment.ID == retrying.ID {
			assert.Equal(t, 3, w.Attempts, "the bookkeeping of before the upgrade is kept")
			assert.Equal(t, "busy", w.LastError)
		}
	}

	q.Polled = q.Methods
	got, err = s.Claim(ctx, q)
	require.NoError(t, err)
	require.Equal(t, []payment.ID{sent.ID}, ids(got), "sent: work for a processor that polls its rail")
	assert.True(t, got[0].Sent)

	q.Now, q.Until = now.Add(time.Minute), now.Add(2*time.Minute)
	got, err = s.Claim(ctx, q)
	require.NoError(t, err)
	assert.ElementsMatch(t, []payment.ID{approved.ID, submitted.ID, sent.ID, leased.ID, pendingFree.ID, small.ID, retrying.ID}, ids(got),
		"the lease taken before the upgrade held until its end; awaiting approval: never")
	for _, id := range []payment.ID{awaiting.ID, large.ID, eft.ID, cancelled.ID, settledLeft.ID} {
		assert.NotContains(t, ids(got), id)
	}

	// The triggers follow the payments from now on.
	e.MustAdvance(t, approved, payment.StatusCancelled)
	strict.MustAdvance(t, awaiting, payment.StatusApproved)
	thr.MustAdvance(t, large, payment.StatusApproved)
	assert.Empty(t, queueMismatches(t, pool))
	q.Now, q.Until = now.Add(2*time.Minute), now.Add(3*time.Minute)
	got, err = s.Claim(ctx, q)
	require.NoError(t, err)
	assert.Contains(t, ids(got), awaiting.ID, "approved: work")
	assert.Contains(t, ids(got), large.ID, "approved: work")
	assert.NotContains(t, ids(got), approved.ID, "cancelled: no more work")
}

// TestClaimQueueFollowsStoreWrites: every way the store writes a payment keeps its row right,
// including a batch created directly in approved and processing, and direct UpdatePayment writes
// that change method, amount, currency (and several columns at once).
func TestClaimQueueFollowsStoreWrites(t *testing.T) {
	ctx := context.Background()
	dsn, schema := newSchema(t)
	pool := openPool(t, dsn, schema, 4)
	s := postgres.New(pool, postgres.Options{})
	require.NoError(t, s.Migrate(ctx))
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
	assert.Empty(t, queueMismatches(t, pool))

	upd := func(p payment.Payment, mod func(*payment.Payment)) payment.Payment {
		prev, from := p.Version, p.Status
		mod(&p)
		p.Version++
		ev, _ := fsm.EventTo(from, p.Status) // none when the status stays
		require.NoError(t, s.UpdatePayment(ctx, payment.Change{Payment: p,
			History: payment.Transition{PaymentID: p.ID, Seq: int(p.Version), From: from, To: p.Status, Event: ev, At: p.UpdatedAt}}, prev))
		assert.Empty(t, queueMismatches(t, pool))
		return p
	}
	pending := cs[3].Payment
	pending = upd(pending, func(p *payment.Payment) { p.Amount = 9_000 })                // now under the threshold
	pending = upd(pending, func(p *payment.Payment) { p.Method = payment.MethodEFT })    // another queue
	pending = upd(pending, func(p *payment.Payment) { p.Currency, p.Amount = "EUR", 1 }) // no EUR threshold
	_ = upd(pending, func(p *payment.Payment) { p.Currency, p.Method, p.Amount = "TRY", payment.MethodBankTransfer, 1 })
	_ = upd(cs[0].Payment, func(p *payment.Payment) { p.Method = payment.MethodEFT })
	// The check itself sees a wrong row.
	_, err = pool.Exec(ctx, `UPDATE payment_work SET awaiting_approval = NOT awaiting_approval WHERE payment_id = $1`, string(cs[0].Payment.ID))
	require.NoError(t, err)
	assert.Len(t, queueMismatches(t, pool), 1)
}

// TestConcurrentClaimersSeparatePools: claimers on stores of their own (separate pools, as
// separate processes) racing with cancels, settles and give-backs: no payment is ever held by two
// owners at once, no claim returns a payment finished before it started, and once the leases end every
// payment still active is claimed.
func TestConcurrentClaimersSeparatePools(t *testing.T) {
	ctx := context.Background()
	dsn, schema := newSchema(t)
	base := postgres.New(openPool(t, dsn, schema, 4), postgres.Options{})
	require.NoError(t, base.Migrate(ctx))
	e := paymenttest.NewEnv(t, base, paymenttest.WithServiceOptions(payment.Options{
		Clock: paymenttest.NewClock(paymenttest.Epoch), IDs: payment.NewULIDSource()}))
	const n = 400
	var all []payment.Payment
	for i := range n {
		p := e.MustCreate(t)
		switch i % 4 {
		case 1:
			p = e.MustAdvance(t, p, payment.StatusApproved)
		case 2:
			p = e.MustAdvance(t, p, payment.StatusProcessing)
		}
		all = append(all, p)
	}
	now := e.Clock.Now()

	var mu sync.Mutex
	holder := map[payment.ID]string{}
	finished := map[payment.ID]bool{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for c := range 4 {
		s := postgres.New(openPool(t, dsn, schema, 2), postgres.Options{})
		owner := fmt.Sprintf("prc_%d", c)
		wg.Go(func() {
			for round := 0; ; round++ {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				done := maps.Clone(finished)
				mu.Unlock()
				got, err := s.Claim(ctx, payment.ClaimQuery{Owner: owner, Now: now, Until: now.Add(time.Hour), Limit: 7,
					Methods: []payment.Method{payment.MethodBankTransfer}})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, w := range got {
					if h, ok := holder[w.Payment.ID]; ok {
						t.Errorf("%s leased to %s while %s holds it", w.Payment.ID, owner, h)
					}
					if done[w.Payment.ID] {
						t.Errorf("%s claimed by %s after it finished", w.Payment.ID, owner)
					}
					holder[w.Payment.ID] = owner
				}
				mu.Unlock()
				// give every other one back at once (until = now: free again)
				for i, w := range got {
					if i%2 == 1 {
						continue
					}
					mu.Lock()
					delete(holder, w.Payment.ID)
					mu.Unlock()
					w.Until = now
					if err := s.UpdateWork(ctx, w); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	// Finish a third of them meanwhile.
	for i, p := range all {
		if i%3 != 0 {
			continue
		}
		to := payment.StatusCancelled
		if p.Status == payment.StatusProcessing {
			to = payment.StatusSettled
		}
		e.MustAdvance(t, p, to)
		mu.Lock()
		finished[p.ID] = true
		mu.Unlock()
	}
	close(stop)
	wg.Wait()
	assert.Empty(t, queueMismatches(t, base.Pool()))

	later := now.Add(2 * time.Hour)
	got, err := base.Claim(ctx, payment.ClaimQuery{Owner: "prc_end", Now: later, Until: later.Add(time.Hour), Limit: 2 * n,
		Methods: []payment.Method{payment.MethodBankTransfer}})
	require.NoError(t, err)
	var want []payment.ID
	for i, p := range all {
		if i%3 != 0 {
			want = append(want, p.ID)
		}
	}
	var ids []payment.ID
	for _, w := range got {
		ids = append(ids, w.Payment.ID)
	}
	assert.ElementsMatch(t, want, ids, "every active payment is due once the leases ended")
}
