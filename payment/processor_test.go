package payment_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pollRail is a paymenttest.Rail that also answers status polls from a script.
type pollRail struct {
	paymenttest.Rail
	mu     sync.Mutex
	status func(p payment.Payment) (payment.RailOutcome, error)
	polls  int
}

func (r *pollRail) Status(_ context.Context, p payment.Payment) (payment.RailOutcome, error) {
	r.mu.Lock()
	r.polls++
	f := r.status
	r.mu.Unlock()
	return f(p)
}

type procEnv struct {
	*paymenttest.Env
	store *memory.Store
	rail  *paymenttest.Rail
}

func newProcEnv(t *testing.T, rail payment.Rail, opts ...paymenttest.Option) *procEnv {
	t.Helper()
	store := memory.New()
	clock := paymenttest.NewClock(time.Time{})
	opts = append(opts, paymenttest.WithServiceOptions(payment.Options{Clock: clock,
		Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: rail}}))
	e := &procEnv{Env: paymenttest.NewEnv(t, store, opts...), store: store}
	e.rail, _ = rail.(*paymenttest.Rail)
	return e
}

func (e *procEnv) processor(opts payment.ProcessorOptions) *payment.Processor {
	if opts.Owner == "" {
		opts.Owner = "test"
	}
	return payment.NewProcessor(e.Service, opts)
}

func (e *procEnv) status(t *testing.T, id payment.ID) payment.Payment {
	t.Helper()
	p, err := e.Service.Get(ctx, e.Workspace.ID, id)
	require.NoError(t, err)
	return p
}

func TestProcessorClaimsWhatIsReady(t *testing.T) {
	rail := &paymenttest.Rail{}
	e := newProcEnv(t, rail, paymenttest.WithApproval(payment.ApprovalPolicy{
		Mode: payment.ApprovalThreshold, Thresholds: map[payment.Currency]int64{"TRY": 1_000_000}}))
	approved := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount = 5_000_000 }), payment.StatusApproved)
	small := e.MustCreate(t, func(r *payment.Request) { r.Amount = 500 })               // below the threshold: no approval needed
	large := e.MustCreate(t, func(r *payment.Request) { r.Amount = 2_000_000 })         // needs approval first
	card := e.MustCreate(t, func(r *payment.Request) { r.Method = payment.MethodCard }) // no rail for cards
	cancelled := e.MustAdvance(t, e.MustCreate(t), payment.StatusCancelled)

	st, err := e.processor(payment.ProcessorOptions{}).ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, payment.StepStats{Claimed: 2, Submitted: 2}, st)
	for id, want := range map[payment.ID]payment.Status{
		approved.ID: payment.StatusProcessing, small.ID: payment.StatusProcessing,
		large.ID: payment.StatusPending, card.ID: payment.StatusPending, cancelled.ID: payment.StatusCancelled,
	} {
		assert.Equal(t, want, e.status(t, id).Status, id)
	}
	assert.Equal(t, 1, rail.Accepted(approved.ID))
	assert.Equal(t, 1, rail.Accepted(small.ID))
	assert.Zero(t, rail.Attempts(large.ID))

	st, err = e.processor(payment.ProcessorOptions{}).ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.Claimed, "a sent payment of a rail that reports nothing is not work any more")
	assert.Len(t, rail.Submissions(), 2)
}

func TestProcessorBackoff(t *testing.T) {
	pr := payment.NewProcessor(payment.NewService(memory.New(), payment.Options{}),
		payment.ProcessorOptions{RetryBase: time.Second, RetryMax: 30 * time.Second})
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second,
		5: 16 * time.Second, 6: 30 * time.Second, 60: 30 * time.Second, 1000: 30 * time.Second} {
		assert.Equal(t, want, pr.Backoff(attempt), "attempt %d", attempt)
	}
}

// TestProcessorRetriesOnSchedule: a rail refusing temporarily four times; each retry waits exactly
// the capped exponential backoff, no step before it touches the payment, and the failure is recorded.
func TestProcessorRetriesOnSchedule(t *testing.T) {
	rail := &paymenttest.Rail{Script: func(p payment.Payment, attempt int) (payment.RailReceipt, error) {
		if attempt <= 4 {
			return payment.RailReceipt{}, &payment.RailError{Code: "busy", Message: "try later", Temporary: true}
		}
		return payment.RailReceipt{Reference: "ok"}, nil
	}}
	e := newProcEnv(t, rail)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	pr := e.processor(payment.ProcessorOptions{RetryBase: time.Second, RetryMax: 4 * time.Second})

	waits := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, wait := range waits {
		start := e.Clock.Now()
		st, err := pr.ProcessOnce(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, st.Retrying, "attempt %d is refused", i+1)
		w, ok := e.store.WorkOf(p.ID)
		require.True(t, ok)
		assert.Equal(t, i+1, w.Attempts)
		assert.Equal(t, start.Add(wait), w.Until, "attempt %d: next try after %s", i+1, wait)
		assert.Contains(t, w.LastError, "busy: try later")
		assert.False(t, w.Sent)
		assert.Equal(t, payment.StatusProcessing, e.status(t, p.ID).Status, "a temporary refusal keeps it processing")

		e.Clock.Advance(wait - time.Millisecond)
		st, err = pr.ProcessOnce(ctx)
		require.NoError(t, err)
		assert.Zero(t, st.Claimed, "attempt %d: not before the backoff", i+1)
		e.Clock.Advance(time.Millisecond)
	}
	st, err := pr.ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Submitted)
	assert.Equal(t, 5, rail.Attempts(p.ID))
	assert.Equal(t, 1, rail.Accepted(p.ID))
	w, _ := e.store.WorkOf(p.ID)
	assert.Zero(t, w.Attempts, "success resets the count")
	assert.True(t, w.Sent)
}

func TestProcessorPermanentRefusalFails(t *testing.T) {
	rail := &paymenttest.Rail{Script: func(payment.Payment, int) (payment.RailReceipt, error) {
		return payment.RailReceipt{}, &payment.RailError{Code: "account_closed", Message: "beneficiary account closed"}
	}}
	e := newProcEnv(t, rail)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	st, err := e.processor(payment.ProcessorOptions{}).ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, payment.StepStats{Claimed: 1, Failed: 1}, st)
	got := e.status(t, p.ID)
	assert.Equal(t, payment.StatusFailed, got.Status)
	assert.Equal(t, "account_closed", got.FailureCode)
	assert.Equal(t, "beneficiary account closed", got.FailureReason)
	h, err := e.Service.History(ctx, e.Workspace.ID, p.ID)
	require.NoError(t, err)
	assert.Equal(t, "beneficiary account closed", h[len(h)-1].Reason)
	_, kept := e.store.WorkOf(p.ID)
	assert.False(t, kept)
	st, err = e.processor(payment.ProcessorOptions{}).ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.Claimed)
	assert.Equal(t, 1, rail.Attempts(p.ID), "never submitted again")
}

// TestProcessorPollsUntilSettled: a rail that reports later; the processor asks every PollInterval and
// settles or fails the payment when the rail says so.
func TestProcessorPollsUntilSettled(t *testing.T) {
	tests := []struct {
		name     string
		outcome  payment.RailOutcome
		want     payment.Status
		wantCode string
	}{
		{"settled", payment.RailOutcome{Status: payment.StatusSettled, Message: "booked"}, payment.StatusSettled, ""},
		{"returned", payment.RailOutcome{Status: payment.StatusFailed, Code: "AC04", Message: "closed account"}, payment.StatusFailed, "AC04"},
		{"failed without a reason", payment.RailOutcome{Status: payment.StatusFailed}, payment.StatusFailed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rail := &pollRail{}
			var clock *paymenttest.Clock
			var sentAt time.Time
			rail.status = func(payment.Payment) (payment.RailOutcome, error) {
				if clock.Now().Sub(sentAt) < time.Minute {
					return payment.RailOutcome{Status: payment.StatusProcessing}, nil
				}
				return tc.outcome, nil
			}
			e := newProcEnv(t, rail)
			clock = e.Clock
			p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
			pr := e.processor(payment.ProcessorOptions{PollInterval: 20 * time.Second})
			sentAt = clock.Now()
			st, err := pr.ProcessOnce(ctx)
			require.NoError(t, err)
			require.Equal(t, 1, st.Submitted)
			for range 2 {
				clock.Advance(20 * time.Second)
				_, err := pr.ProcessOnce(ctx)
				require.NoError(t, err)
				assert.Equal(t, payment.StatusProcessing, e.status(t, p.ID).Status)
			}
			clock.Advance(20 * time.Second)
			_, err = pr.ProcessOnce(ctx)
			require.NoError(t, err)
			got := e.status(t, p.ID)
			assert.Equal(t, tc.want, got.Status)
			assert.Equal(t, tc.wantCode, got.FailureCode)
			assert.Equal(t, 3, rail.polls, "one poll per interval")
			assert.Equal(t, 1, rail.Accepted(p.ID))
			h, err := e.Service.History(ctx, e.Workspace.ID, p.ID)
			require.NoError(t, err)
			assert.NotEmpty(t, h[len(h)-1].Reason, "the audit trail says why")
		})
	}
}

// TestProcessorRecoversAfterCrash: a payment moved to processing by a processor that died before
// reaching the rail is dispatched by the next one once the lease ran out, and only then.
func TestProcessorRecoversAfterCrash(t *testing.T) {
	rail := &paymenttest.Rail{}
	e := newProcEnv(t, rail)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	c, kill := context.WithCancel(ctx)
	blocked := &paymenttest.Rail{Script: func(payment.Payment, int) (payment.RailReceipt, error) {
		kill() // the process dies during the rail call
		return payment.RailReceipt{}, context.Canceled
	}}
	dying := payment.NewService(e.Store, payment.Options{Clock: e.Clock,
		Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: blocked}})
	_, err := payment.NewProcessor(dying, payment.ProcessorOptions{Owner: "dying", Lease: time.Minute}).ProcessOnce(c)
	require.NoError(t, err)
	require.Equal(t, payment.StatusProcessing, e.status(t, p.ID).Status)

	next := e.processor(payment.ProcessorOptions{Owner: "next"})
	st, err := next.ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.Claimed, "the dead processor's lease still holds")
	e.Clock.Advance(time.Minute)
	st, err = next.ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Submitted)
	assert.Equal(t, 1, rail.Accepted(p.ID))
	assert.Equal(t, payment.StatusProcessing, e.status(t, p.ID).Status)
}

// TestProcessorGivesBackWhatItDidNotStart: a processor stopped while it works through a claimed batch
// leaves the payment in flight leased (as a crash would), and gives back the leases of those it never
// started, so that another processor sends them at once rather than when the leases run out.
func TestProcessorGivesBackWhatItDidNotStart(t *testing.T) {
	rail := &paymenttest.Rail{}
	e := newProcEnv(t, rail)
	var ps []payment.Payment
	for range 4 {
		ps = append(ps, e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved))
	}
	c, stop := context.WithCancel(ctx)
	stopping := &paymenttest.Rail{Script: func(payment.Payment, int) (payment.RailReceipt, error) {
		stop() // the server is told to stop during the first rail call
		return payment.RailReceipt{}, context.Canceled
	}}
	svc := payment.NewService(e.Store, payment.Options{Clock: e.Clock,
		Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: stopping}})
	st, err := payment.NewProcessor(svc, payment.ProcessorOptions{Owner: "stopping", Lease: time.Minute, Workers: 1}).ProcessOnce(c)
	require.NoError(t, err)
	require.Equal(t, 4, st.Claimed)

	next := e.processor(payment.ProcessorOptions{Owner: "next"})
	st, err = next.ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, st.Claimed, "the three never started, at once; the one in flight keeps its lease")
	assert.Equal(t, 3, st.Submitted)
	e.Clock.Advance(time.Minute)
	st, err = next.ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Submitted, "the one in flight, once its lease ran out")
	for _, p := range ps {
		assert.Equal(t, 1, rail.Accepted(p.ID), "each sent once")
	}
}

// TestProcessorsShareWork: four processors stepping at the same time over one store never submit a
// payment twice, and between them submit all.
func TestProcessorsShareWork(t *testing.T) {
	rail := &paymenttest.Rail{}
	e := newProcEnv(t, rail)
	const n = 400
	ids := make([]payment.ID, n)
	for i := range ids {
		ids[i] = e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved).ID
	}
	var wg sync.WaitGroup
	for i := range 4 {
		pr := e.processor(payment.ProcessorOptions{Owner: string(rune('a' + i)), BatchSize: 25, Workers: 3})
		wg.Go(func() {
			for range 20 {
				_, err := pr.ProcessOnce(ctx)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, 1, rail.Attempts(id), id)
		assert.Equal(t, payment.StatusProcessing, e.status(t, id).Status)
	}
}

// TestProcessorRunStops: Run steps on every tick, drains a full backlog without waiting for ticks,
// and returns when its context ends, leaving no goroutine behind.
func TestProcessorRunStops(t *testing.T) {
	rail := &paymenttest.Rail{}
	e := newProcEnv(t, rail)
	for range 10 {
		e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	}
	ticks := make(chan time.Time)
	c, stop := context.WithCancel(ctx)
	pr := e.processor(payment.ProcessorOptions{Ticks: ticks, BatchSize: 3, Workers: 2})
	done := make(chan error, 1)
	go func() { done <- pr.Run(c) }()
	ticks <- e.Clock.Now() // Run waits for this tick only after draining the backlog
	assert.Len(t, rail.Submissions(), 10, "the whole backlog, in full batches, before the first rest")
	assert.Positive(t, processorGoroutines(), "the check sees Run while it runs")
	stop()
	require.NoError(t, <-done)
	// No goroutine of the processor is left behind. Counting goroutines is at the mercy of other tests
	// winding down; the stacks say exactly whose goroutines are alive. Exiting goroutines get up to
	// two seconds to finish (Run has returned; nothing waits for a clock here).
	deadline := time.Now().Add(2 * time.Second)
	for processorGoroutines() > 0 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	assert.Zero(t, processorGoroutines(), "no goroutine left behind")
}

// TestProcessorRunReturnsWhenTicksClose: a closed Ticks channel asks for no more steps; Run returns
// rather than stepping without rest (a receive from a closed channel never blocks).
func TestProcessorRunReturnsWhenTicksClose(t *testing.T) {
	e := newProcEnv(t, &paymenttest.Rail{})
	claims := &countingClaimer{Claimer: e.store}
	ticks := make(chan time.Time)
	close(ticks)
	c, stop := context.WithTimeout(ctx, time.Second)
	defer stop()
	require.NoError(t, e.processor(payment.ProcessorOptions{Claimer: claims, Ticks: ticks}).Run(c))
	assert.NoError(t, c.Err(), "Run returned when the ticks ended, not when its context did")
	assert.Equal(t, int32(1), claims.n.Load(), "one step, the first, and no other")
}

// countingClaimer counts the claims made through it.
type countingClaimer struct {
	payment.Claimer
	n atomic.Int32
}

func (c *countingClaimer) Claim(ctx context.Context, q payment.ClaimQuery) ([]payment.Work, error) {
	c.n.Add(1)
	return c.Claimer.Claim(ctx, q)
}

// processorGoroutines counts the live goroutines running code of the Processor.
func processorGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "payment.(*Processor)") && !strings.Contains(g, "processorGoroutines") {
			n++
		}
	}
	return n
}

func TestProcessorWithoutClaimer(t *testing.T) {
	svc := payment.NewService(storeOnly{memory.New()}, payment.Options{
		Rails: map[payment.Method]payment.Rail{payment.MethodEFT: &paymenttest.Rail{}}})
	pr := payment.NewProcessor(svc, payment.ProcessorOptions{})
	assert.ErrorIs(t, pr.Run(ctx), payment.ErrNoClaimer)
	_, err := pr.ProcessOnce(ctx)
	assert.True(t, errors.Is(err, payment.ErrNoClaimer))
}

// storeOnly hides every optional interface of the store.
type storeOnly struct{ payment.Store }

// TestProcessorSurvivesAPanickingRail: a rail is someone else's code; one that panics must not take
// the processor (and the server running it) down. The panic is a failed attempt like any error the
// rail did not classify: recorded, retried after the backoff with the same payment id.
func TestProcessorSurvivesAPanickingRail(t *testing.T) {
	rail := &paymenttest.Rail{Script: func(p payment.Payment, attempt int) (payment.RailReceipt, error) {
		if attempt == 1 {
			panic("rail bug: nil map")
		}
		return payment.RailReceipt{Reference: "ok"}, nil
	}}
	e := newProcEnv(t, rail)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	pr := e.processor(payment.ProcessorOptions{RetryBase: time.Second})

	st, err := pr.ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, payment.StepStats{Claimed: 1, Retrying: 1}, st)
	w, ok := e.store.WorkOf(p.ID)
	require.True(t, ok)
	assert.Equal(t, 1, w.Attempts)
	assert.Contains(t, w.LastError, "rail bug: nil map")
	assert.False(t, w.Sent)
	assert.Equal(t, payment.StatusProcessing, e.status(t, p.ID).Status)

	e.Clock.Advance(time.Second)
	st, err = pr.ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Submitted)
	assert.Equal(t, 1, rail.Accepted(p.ID))
}

// TestProcessorPollerPanics: a status poll that panics is a failed attempt too.
func TestProcessorPollerPanics(t *testing.T) {
	rail := &pollRail{status: func(payment.Payment) (payment.RailOutcome, error) { panic("poller bug") }}
	e := newProcEnv(t, rail)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	pr := e.processor(payment.ProcessorOptions{PollInterval: time.Second})
	_, err := pr.ProcessOnce(ctx)
	require.NoError(t, err)
	e.Clock.Advance(time.Second)
	st, err := pr.ProcessOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, payment.StepStats{Claimed: 1, Retrying: 1}, st)
	w, _ := e.store.WorkOf(p.ID)
	assert.Contains(t, w.LastError, "poller bug")
	assert.True(t, w.Sent, "the rail had accepted it: it is asked again, not sent again")
}

// TestProcessorUnknownRailStatus: a poll answering a status outside its contract (processing,
// settled or failed) leaves the payment processing, but as a failed attempt an operator can see
// (LastError names the status) and with backoff, not as a silent "still in flight" for ever.
func TestProcessorUnknownRailStatus(t *testing.T) {
	for _, status := range []payment.Status{"", "returned", payment.StatusCancelled, payment.StatusPending} {
		t.Run(string(status), func(t *testing.T) {
			rail := &pollRail{status: func(payment.Payment) (payment.RailOutcome, error) {
				return payment.RailOutcome{Status: status, Code: "X1", Message: "odd"}, nil
			}}
			e := newProcEnv(t, rail)
			p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
			pr := e.processor(payment.ProcessorOptions{PollInterval: time.Second, RetryBase: time.Minute, RetryMax: time.Hour})
			_, err := pr.ProcessOnce(ctx)
			require.NoError(t, err)
			wait := time.Second // the poll interval after the rail accepted it
			for attempt := 1; attempt <= 2; attempt++ {
				start := e.Clock.Advance(wait)
				st, err := pr.ProcessOnce(ctx)
				require.NoError(t, err)
				assert.Equal(t, payment.StepStats{Claimed: 1, Retrying: 1}, st, "attempt %d", attempt)
				w, _ := e.store.WorkOf(p.ID)
				assert.Equal(t, attempt, w.Attempts)
				assert.Contains(t, w.LastError, strconv.Quote(string(status)))
				wait = pr.Backoff(attempt)
				assert.Equal(t, start.Add(wait), w.Until, "attempt %d: asked again after the backoff", attempt)
				assert.True(t, w.Sent)
			}
			assert.Equal(t, payment.StatusProcessing, e.status(t, p.ID).Status)
		})
	}
}

// hangingRail never answers on its own: it returns only when its context ends.
type hangingRail struct{ calls atomic.Int32 }

func (r *hangingRail) Submit(c context.Context, _ payment.Payment) (payment.RailReceipt, error) {
	r.calls.Add(1)
	<-c.Done()
	return payment.RailReceipt{}, c.Err()
}

// TestProcessorBoundsRailCallsByTheLease: a rail that hangs (a bank connection that never answers)
// is given up at the end of the payment's lease, when another processor may take the payment: the
// attempt is a temporary failure, retried after the backoff, and the processor goes on with its
// other work instead of waiting for ever.
func TestProcessorBoundsRailCallsByTheLease(t *testing.T) {
	rail := &hangingRail{}
	e := newProcEnv(t, rail)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	pr := e.processor(payment.ProcessorOptions{Lease: 50 * time.Millisecond, RetryBase: time.Second})

	type result struct {
		st  payment.StepStats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := pr.ProcessOnce(ctx)
		done <- result{st, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ProcessOnce is still waiting for the rail long after the lease ended")
	}
	require.NoError(t, r.err)
	assert.Equal(t, payment.StepStats{Claimed: 1, Retrying: 1}, r.st)
	w, ok := e.store.WorkOf(p.ID)
	require.True(t, ok)
	assert.Equal(t, 1, w.Attempts)
	assert.Contains(t, w.LastError, context.DeadlineExceeded.Error())
	assert.False(t, w.Sent)
	assert.Equal(t, e.Clock.Now().Add(time.Second), w.Until)
	assert.Equal(t, payment.StatusProcessing, e.status(t, p.ID).Status)
}

// TestProcessorLeavesWhatWasSentElsewhere: a payment handed to its rail outside any processor (the
// dashboard's "Send now" through Service.Submit) is never sent again by a processor; on a polled rail
// the processor only asks about it. One moved to processing outside the rails (an export's file,
// Service.SubmitOutside) is neither sent nor asked about.
func TestProcessorLeavesWhatWasSentElsewhere(t *testing.T) {
	t.Run("Submit", func(t *testing.T) {
		e := newProcEnv(t, &paymenttest.Rail{})
		p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
		p, err := e.Service.Submit(ctx, e.Workspace.ID, p.ID, "ops@example.com")
		require.NoError(t, err)
		require.Equal(t, payment.StatusProcessing, p.Status)
		pr := e.processor(payment.ProcessorOptions{})
		for range 3 {
			st, err := pr.ProcessOnce(ctx)
			require.NoError(t, err)
			assert.Zero(t, st.Submitted+st.Retrying, "%+v", st)
			e.Clock.Advance(time.Hour)
		}
		assert.Equal(t, 1, e.rail.Attempts(p.ID), "the rail saw the payment once")
	})
	t.Run("polled", func(t *testing.T) {
		rail := &pollRail{}
		rail.status = func(payment.Payment) (payment.RailOutcome, error) {
			return payment.RailOutcome{Status: payment.StatusSettled, Message: "booked"}, nil
		}
		e := newProcEnv(t, rail)
		p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
		_, err := e.Service.Submit(ctx, e.Workspace.ID, p.ID, "ops@example.com")
		require.NoError(t, err)
		_, err = e.processor(payment.ProcessorOptions{}).ProcessOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, payment.StatusSettled, e.status(t, p.ID).Status, "polled, not sent again")
		assert.Equal(t, 1, rail.Accepted(p.ID))
		assert.Equal(t, 1, rail.polls)
	})
	t.Run("SubmitOutside", func(t *testing.T) {
		// A rail that reports outcomes and never heard of the payment: a processor that asked it would
		// send the payment again.
		rail := &pollRail{}
		rail.status = func(payment.Payment) (payment.RailOutcome, error) { return payment.RailOutcome{}, payment.ErrNotFound }
		e := newProcEnv(t, rail)
		p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
		// What an export does: the payment moves to processing, outside the rails, on a service
		// without rails; its file is written.
		exporter := payment.NewService(e.Service.Store(), payment.Options{Clock: e.Clock})
		_, err := exporter.SubmitOutside(ctx, e.Workspace.ID, p.ID, "cli")
		require.NoError(t, err)
		pr := e.processor(payment.ProcessorOptions{})
		for range 3 {
			st, err := pr.ProcessOnce(ctx)
			require.NoError(t, err)
			assert.Zero(t, st.Claimed, "%+v", st)
			e.Clock.Advance(time.Hour)
		}
		assert.Zero(t, rail.Accepted(p.ID), "the file holds it: no rail sends it")
		assert.Zero(t, rail.polls, "nor is a rail asked about it")
		assert.Equal(t, payment.StatusProcessing, e.status(t, p.ID).Status)

		pending := e.MustCreate(t, func(r *payment.Request) { r.Amount = 10 })
		_, err = exporter.SubmitOutside(ctx, e.Workspace.ID, pending.ID, "cli")
		require.NoError(t, err, "a pending payment that needs no approval goes as Submit takes it")
		settled := e.MustAdvance(t, e.MustCreate(t), payment.StatusSettled)
		var se *payment.StatusError
		_, err = exporter.SubmitOutside(ctx, e.Workspace.ID, settled.ID, "cli")
		assert.ErrorAs(t, err, &se, "only what Submit takes")
	})
}

// slowFirstRail hangs on the first payment until its context ends (a bank that does not answer), and
// lets another processor run (via during) when the second payment is handed to it.
type slowFirstRail struct {
	mu       sync.Mutex
	hang     payment.ID
	during   func()
	accepted map[payment.ID]int
}

func (r *slowFirstRail) Submit(c context.Context, p payment.Payment) (payment.RailReceipt, error) {
	if p.ID == r.hang {
		<-c.Done()
		return payment.RailReceipt{}, c.Err()
	}
	if r.during != nil {
		r.during()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accepted[p.ID]++
	return payment.RailReceipt{Reference: "a-" + p.EndToEnd}, nil
}

// TestProcessorLeaseEndsBeforeQueuedPaymentStarts: a processor with one worker claims two payments
// under one lease. The first payment's rail hangs for the whole lease; the second's lease has ended
// by the time the worker is free, and a second processor has claimed and sent it meanwhile. The
// first processor must not start it: one payment, one rail.
func TestProcessorLeaseEndsBeforeQueuedPaymentStarts(t *testing.T) {
	store := memory.New()
	clock := payment.SystemClock
	env := paymenttest.NewEnv(t, store, paymenttest.WithServiceOptions(payment.Options{Clock: clock}))
	p1 := env.MustAdvance(t, env.MustCreate(t), payment.StatusProcessing) // processing, not sent (no rail)
	p2 := env.MustAdvance(t, env.MustCreate(t), payment.StatusProcessing)

	railB := &paymenttest.Rail{}
	svcB := payment.NewService(store, payment.Options{Clock: clock, Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: railB}})
	prB := payment.NewProcessor(svcB, payment.ProcessorOptions{Owner: "B", Lease: 300 * time.Millisecond})

	railA := &slowFirstRail{hang: p1.ID, accepted: map[payment.ID]int{}}
	railA.during = func() { _, _ = prB.ProcessOnce(context.Background()) } // another instance, ticking now
	svcA := payment.NewService(store, payment.Options{Clock: clock, Rails: map[payment.Method]payment.Rail{payment.MethodBankTransfer: railA}})
	prA := payment.NewProcessor(svcA, payment.ProcessorOptions{Owner: "A", Workers: 1, Lease: 300 * time.Millisecond})

	st, err := prA.ProcessOnce(t.Context())
	require.NoError(t, err)
	_, err = prB.ProcessOnce(t.Context()) // B's next tick
	require.NoError(t, err)
	sent := railA.accepted[p2.ID] + railB.Accepted(p2.ID)
	assert.Equal(t, 1, sent, "%s was handed to a rail %d times", p2.ID, sent)
	assert.Equal(t, 1, st.Expired, "A did not start the payment whose lease had ended: %+v", st)
}

// countRail accepts everything, counts per payment, and runs during() once on its first submission.
type countRail struct {
	mu       sync.Mutex
	accepted map[payment.ID]int
	during   func()
}

func (r *countRail) Submit(_ context.Context, p payment.Payment) (payment.RailReceipt, error) {
	r.mu.Lock()
	f := r.during
	r.during = nil
	r.mu.Unlock()
	if f != nil {
		f()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accepted[p.ID]++
	return payment.RailReceipt{Reference: "r-" + p.EndToEnd}, nil
}

// TestProcessorSendNowWhileItHoldsTheLease: a processor claims two approved payments (one worker).
// While it hands the first to the rail, an operator presses "Send now" on the second (the dashboard:
// Service.Submit with the rail): the rail accepts it and Dispatch marks it sent. The processor's worker
// then finds the second moved and records its bookkeeping, whose Sent it read at the claim: the mark
// must survive, or the next step sends the payment again.
func TestProcessorSendNowWhileItHoldsTheLease(t *testing.T) {
	store := memory.New()
	clock := paymenttest.NewClock(time.Time{})
	rail := &countRail{accepted: map[payment.ID]int{}}
	rails := map[payment.Method]payment.Rail{payment.MethodBankTransfer: rail}
	e := paymenttest.NewEnv(t, store, paymenttest.WithServiceOptions(payment.Options{Clock: clock, Rails: rails}))
	p1 := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	clock.Advance(time.Second)
	p2 := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)

	dashboard := payment.NewService(store, payment.Options{Clock: clock, Rails: rails})
	rail.during = func() {
		got, err := dashboard.Submit(context.Background(), e.Workspace.ID, p2.ID, "ops@example.com")
		require.NoError(t, err)
		require.Equal(t, payment.StatusProcessing, got.Status)
	}
	pr := payment.NewProcessor(e.Service, payment.ProcessorOptions{Owner: "A", Workers: 1})
	st, err := pr.ProcessOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, payment.StepStats{Claimed: 2, Submitted: 1, Skipped: 1}, st)
	for range 3 {
		clock.Advance(time.Minute)
		_, err = pr.ProcessOnce(context.Background())
		require.NoError(t, err)
	}
	assert.Equal(t, 1, rail.accepted[p1.ID])
	assert.Equal(t, 1, rail.accepted[p2.ID], "%s handed to the rail %d times", p2.ID, rail.accepted[p2.ID])
}

// TestSubmitWhileAProcessorSendsTheSamePayment: the bank is slow, and while a caller's Submit waits
// for its rail call, a processor's step finds the payment processing and not yet sent, hands it to
// the rail too (rails de-duplicate on the payment id) and records the outcome first. The caller's
// Submit worked: it answers the payment as it is now, settled or failed as the rail said, not an
// error that it cannot settle or fail it.
func TestSubmitWhileAProcessorSendsTheSamePayment(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func() (payment.RailReceipt, error)
		want   payment.Status
	}{
		{"settled", func() (payment.RailReceipt, error) { return payment.RailReceipt{Reference: "r", Settled: true}, nil },
			payment.StatusSettled},
		{"refused", func() (payment.RailReceipt, error) {
			return payment.RailReceipt{}, &payment.RailError{Code: "account_closed", Message: "closed"}
		}, payment.StatusFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pr *payment.Processor
			rail := &paymenttest.Rail{}
			rail.Script = func(p payment.Payment, attempt int) (payment.RailReceipt, error) {
				if attempt == 1 { // the caller's call, still in flight when the processor steps
					st, err := pr.ProcessOnce(ctx)
					require.NoError(t, err)
					require.Equal(t, 1, st.Claimed)
				}
				return tc.answer()
			}
			e := newProcEnv(t, rail)
			pr = e.processor(payment.ProcessorOptions{})
			p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)

			got, err := e.Service.Submit(ctx, e.Workspace.ID, p.ID, "api")
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.Status)
			assert.Equal(t, got, e.status(t, p.ID))
			assert.Equal(t, 2, rail.Attempts(p.ID))
		})
	}
}

// TestProcessorBacksOffARailErrorThatWrapsAStoreSentinel: a rail whose unclassified error wraps
// ErrConflict or ErrNotFound (a bank's 409 "request in progress", 404) is a failed attempt, retried
// after the backoff and counted, not a payment "moved elsewhere" that is claimed again at once.
func TestProcessorBacksOffARailErrorThatWrapsAStoreSentinel(t *testing.T) {
	for _, sentinel := range []error{payment.ErrConflict, payment.ErrNotFound} {
		t.Run(sentinel.Error(), func(t *testing.T) {
			rail := &paymenttest.Rail{Script: func(payment.Payment, int) (payment.RailReceipt, error) {
				return payment.RailReceipt{}, fmt.Errorf("bank api: request in progress: %w", sentinel)
			}}
			e := newProcEnv(t, rail)
			p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
			pr := e.processor(payment.ProcessorOptions{RetryBase: time.Second})
			for range 3 {
				_, err := pr.ProcessOnce(ctx)
				require.NoError(t, err)
			}
			assert.Equal(t, 1, rail.Attempts(p.ID), "nothing before the backoff")
			w, ok := e.store.WorkOf(p.ID)
			require.True(t, ok)
			assert.Equal(t, 1, w.Attempts)
			assert.Contains(t, w.LastError, "request in progress")
			assert.Equal(t, e.Clock.Now().Add(time.Second), w.Until)
			assert.Equal(t, payment.StatusProcessing, e.status(t, p.ID).Status)
		})
	}
}

// TestProcessorCountsARailThatHasNoRecord: a polled rail that answers "no record of it" gets the
// payment again, and each such answer is a failed attempt operators see (LastError, the count, the
// backoff) until the rail answers about the payment: a rail that always says "unknown" does not
// cycle silently.
func TestProcessorCountsARailThatHasNoRecord(t *testing.T) {
	rail := &pollRail{}
	var known atomic.Bool
	rail.status = func(payment.Payment) (payment.RailOutcome, error) {
		if known.Load() {
			return payment.RailOutcome{Status: payment.StatusProcessing}, nil
		}
		return payment.RailOutcome{}, payment.ErrNotFound
	}
	e := newProcEnv(t, rail)
	p := e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	const poll = 30 * time.Second
	pr := e.processor(payment.ProcessorOptions{PollInterval: poll, RetryBase: time.Second, RetryMax: time.Minute})
	st, err := pr.ProcessOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, st.Submitted)

	for n := 1; n <= 3; n++ {
		e.Clock.Advance(poll)
		st, err := pr.ProcessOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, st.Retrying, "poll %d", n)
		w, ok := e.store.WorkOf(p.ID)
		require.True(t, ok)
		assert.Equal(t, n, w.Attempts, "poll %d", n)
		assert.Contains(t, w.LastError, "has no record of the payment", "poll %d", n)
		assert.False(t, w.Sent, "poll %d: to be sent again", n)
		assert.Equal(t, e.Clock.Now().Add(pr.Backoff(n)), w.Until, "poll %d: sent again after the backoff", n)

		e.Clock.Advance(pr.Backoff(n))
		st, err = pr.ProcessOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, st.Submitted, "poll %d: sent again", n)
		w, _ = e.store.WorkOf(p.ID)
		assert.Equal(t, n, w.Attempts, "poll %d: the count runs on until the rail answers about it", n)
		assert.Contains(t, w.LastError, "has no record of the payment", "poll %d", n)
	}
	assert.Equal(t, 4, rail.Accepted(p.ID))

	known.Store(true)
	e.Clock.Advance(poll)
	_, err = pr.ProcessOnce(ctx)
	require.NoError(t, err)
	w, _ := e.store.WorkOf(p.ID)
	assert.Zero(t, w.Attempts, "the rail's answer resets the count")
	assert.Empty(t, w.LastError)
	assert.True(t, w.Sent)
	assert.Equal(t, payment.StatusProcessing, e.status(t, p.ID).Status)
}
