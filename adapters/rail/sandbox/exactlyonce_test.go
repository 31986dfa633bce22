package sandbox_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/rail/sandbox"
	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// faultyNet sits between the processor and the sandbox and breaks the connection in the two ways that
// threaten exactly-once: a response lost after the rail accepted (a timeout), and the processor dying
// right after an acceptance, before it could record anything.
type faultyNet struct {
	*sandbox.Rail
	loseFirst map[payment.ID]bool // read-only once running
	lost      sync.Map            // payment id → true once its response was lost
	accepted  atomic.Int64
	killAt    int64
	kill      context.CancelFunc
}

func (f *faultyNet) Submit(ctx context.Context, p payment.Payment) (payment.RailReceipt, error) {
	rec, err := f.Rail.Submit(ctx, p)
	if err != nil {
		return rec, err
	}
	if f.loseFirst[p.ID] {
		if _, already := f.lost.LoadOrStore(p.ID, true); !already {
			return payment.RailReceipt{}, fmt.Errorf("sandbox link: %w", context.DeadlineExceeded)
		}
	}
	if f.accepted.Add(1) == f.killAt && f.kill != nil {
		f.kill() // the processor dies with the acceptance in flight
		return payment.RailReceipt{}, context.Canceled
	}
	return rec, nil
}

// TestExactlyOnce10k: 10,000 approved payments through the sandbox with temporary refusals (amounts
// ending in 99), lost responses after acceptance (every 7th payment) and a processor killed right after
// its 4,000th acceptance, then a second processor that finishes the work. Every payment the sandbox
// accepts becomes exactly one transfer; refused ones are submitted exactly once; every payment ends as
// the sandbox's rules say, with a complete history and exactly one event per transition.
func TestExactlyOnce10k(t *testing.T) {
	n := 10_000
	if testing.Short() {
		n = 2_000
	}
	clock := paymenttest.NewClock(time.Time{})
	store := memory.New()
	net := &faultyNet{loseFirst: make(map[payment.ID]bool), killAt: int64(n) * 2 / 5}
	env := paymenttest.NewEnv(t, store, paymenttest.WithServiceOptions(payment.Options{Clock: clock,
		Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: net, payment.MethodEFT: net}}))
	blocked := env.MustAccount(t, "Kapalı Ltd.", "TRY", payment.AccountExternal, "")
	net.Rail = sandbox.New(sandbox.Options{Clock: clock, SettleDelay: 30 * time.Second,
		RejectAccounts: []payment.AccountID{blocked.ID}})

	type want struct {
		status   payment.Status
		code     string
		accepted bool
		retries  int // temporary refusals
	}
	wants := make(map[payment.ID]want, n)
	ids := make([]payment.ID, 0, n)
	for i := range n {
		amount := int64(1000+i) * 100 // ends in 00: settles
		to := env.Vendor.ID
		w := want{status: payment.StatusSettled, accepted: true}
		switch i % 10 {
		case 1:
			amount += 13
			w = want{status: payment.StatusFailed, code: sandbox.CodeInsufficientFunds}
		case 2, 5:
			amount += 99
			w.retries = sandbox.TemporaryFailures
		case 3:
			amount += 31
			w = want{status: payment.StatusFailed, code: sandbox.CodeAccountClosed, accepted: true}
		case 4:
			to = blocked.ID
			w = want{status: payment.StatusFailed, code: sandbox.CodeCounterpartyRejected}
		}
		method := payment.MethodEFT
		if i%2 == 0 {
			method = payment.MethodBankTransfer
		}
		p := env.MustCreate(t, func(r *payment.Request) { r.Amount, r.ToAccount, r.Method = amount, to, method })
		_, err := env.Service.Approve(ctx, env.Workspace.ID, p.ID, "checker")
		require.NoError(t, err)
		wants[p.ID] = w
		ids = append(ids, p.ID)
		if i%7 == 6 {
			net.loseFirst[p.ID] = true
		}
	}

	opts := payment.ProcessorOptions{BatchSize: 250, Workers: 8, Lease: time.Minute,
		PollInterval: 10 * time.Second, RetryBase: time.Second, RetryMax: 8 * time.Second}

	// First processor: runs until the network kills it.
	runCtx, kill := context.WithCancel(ctx)
	net.kill = kill
	ticks := make(chan time.Time)
	opts.Owner, opts.Ticks = "first", ticks
	first := payment.NewProcessor(env.Service, opts)
	done := make(chan error, 1)
	go func() { done <- first.Run(runCtx) }()
	var runErr error
drive:
	for range 1000 {
		select {
		case ticks <- clock.Advance(5 * time.Second):
		case runErr = <-done:
			break drive
		}
	}
	require.NoError(t, runErr, "Run returns nil when its context ends")
	require.Error(t, runCtx.Err(), "the first processor was killed by the network, not by running out of ticks")
	atKill := len(net.Transfers())
	require.Less(t, atKill, n*7/10, "the kill happened mid-run")

	// Second processor: starts once the dead one's leases ran out, and finishes everything.
	clock.Advance(opts.Lease)
	runCtx2, stop := context.WithCancel(ctx)
	ticks2 := make(chan time.Time)
	opts.Owner, opts.Ticks = "second", ticks2
	second := payment.NewProcessor(env.Service, opts)
	go func() { done <- second.Run(runCtx2) }()
	terminal := func() int {
		ps, err := store.ListPayments(ctx, env.Workspace.ID, payment.ListFilter{Statuses: []payment.Status{payment.StatusSettled, payment.StatusFailed}})
		require.NoError(t, err)
		return len(ps)
	}
	for round := 0; terminal() < n; round++ {
		require.Less(t, round, 200, "the second processor does not finish")
		ticks2 <- clock.Advance(5 * time.Second)
	}
	stop()
	require.NoError(t, <-done)

	// The rail: one transfer per accepted payment, none for refused ones.
	transfers := make(map[payment.ID]int)
	for _, tr := range net.Transfers() {
		transfers[tr.PaymentID]++
	}
	results := make(map[payment.ID]map[sandbox.Result]int)
	for _, s := range net.Submissions() {
		if results[s.PaymentID] == nil {
			results[s.PaymentID] = make(map[sandbox.Result]int)
		}
		results[s.PaymentID][s.Result]++
	}
	duplicates, accepted := 0, 0
	for _, id := range ids {
		w := wants[id]
		r := results[id]
		duplicates += r[sandbox.Duplicate]
		if w.accepted {
			assert.Equal(t, 1, transfers[id], "%s: exactly one transfer", id)
			assert.Equal(t, 1, r[sandbox.Accepted], "%s: accepted once", id)
		} else {
			assert.Zero(t, transfers[id], "%s: no transfer", id)
			assert.Equal(t, 1, r[sandbox.Refused], "%s: a permanent refusal is not retried", id)
		}
		assert.Equal(t, w.retries, r[sandbox.Retry], "%s: temporary refusals", id)
		if w.accepted {
			accepted++
		}
	}
	lost := 0
	net.lost.Range(func(any, any) bool { lost++; return true })
	assert.GreaterOrEqual(t, duplicates, lost, "every lost response is retried: the rail answers with the first receipt")
	assert.LessOrEqual(t, duplicates, lost+opts.Workers, "no duplicate beyond lost responses and what was in flight at the kill")
	assert.Len(t, transfers, accepted)

	// The store: every payment ends as the rules say, with its full history and one event per step.
	events := make(map[payment.ID][]payment.EventType)
	for _, e := range store.Outbox() {
		if e.Payment != nil {
			events[e.Payment.ID] = append(events[e.Payment.ID], e.Type)
		}
	}
	for _, id := range ids {
		w := wants[id]
		p, err := env.Service.Get(ctx, env.Workspace.ID, id)
		require.NoError(t, err)
		assert.Equal(t, w.status, p.Status, "%s (amount %d)", id, p.Amount)
		assert.Equal(t, w.code, p.FailureCode, "%s (amount %d)", id, p.Amount)
		h, err := env.Service.History(ctx, env.Workspace.ID, id)
		require.NoError(t, err)
		require.Len(t, h, 4, "%s: created, approved, processing, %s", id, w.status)
		path := []payment.Status{payment.StatusPending, payment.StatusApproved, payment.StatusProcessing, w.status}
		for i, tr := range h {
			assert.Equal(t, i+1, tr.Seq)
			assert.Equal(t, path[i], tr.To)
			if i > 0 {
				assert.Equal(t, path[i-1], tr.From)
				to, err := fsm.Next(tr.From, tr.Event)
				assert.NoError(t, err)
				assert.Equal(t, tr.To, to)
			}
		}
		final := payment.EventPaymentSettled
		if w.status == payment.StatusFailed {
			final = payment.EventPaymentFailed
		}
		assert.Equal(t, []payment.EventType{payment.EventPaymentCreated, payment.EventPaymentApproved,
			payment.EventPaymentProcessing, final}, events[id], "%s: one event per transition", id)
		_, kept := store.WorkOf(id)
		assert.False(t, kept, "%s: no bookkeeping left for a finished payment", id)
	}
	t.Logf("%d payments, %d transfers (%d before the kill), %d lost responses, %d duplicate submissions",
		n, len(transfers), atKill, lost, duplicates)
}
