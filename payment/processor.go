package payment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Claimer is implemented by stores that hand work to Processors across workspaces. It is the one
// store query the processor needs: "which payments need a rail now, and nobody else is on them".
//
// Work is leased: Claim gives each payment to one owner until q.Until, and no other owner gets it
// before then. The lease is an optimisation that spreads work over processors, not what makes a
// payment go out once: that is the compare-and-set to processing (Service.Submit) and the rails'
// de-duplication on the payment id. A processor that dies simply lets its leases run out.
//
// The lease's end doubles as the payment's schedule: a processor that must look at a payment again
// later (the next retry after a temporary failure, the next status poll) stores that time with
// UpdateWork, so backoff survives a restart and other processors respect it.
//
// On PostgreSQL Claim is one statement over a work table (payment_id, owner, until, attempts,
// last_error, sent) beside payments:
//
//	INSERT INTO payment_work (payment_id, owner, until) SELECT p.id, $owner, $until FROM payments p
//	  JOIN workspaces w ON w.id = p.workspace_id LEFT JOIN payment_work k ON k.payment_id = p.id
//	  WHERE p.method = ANY($methods) AND (k.until IS NULL OR k.until <= $now)
//	    AND (p.status = 'approved' OR (p.status = 'pending' AND <no approval needed>)
//	         OR (p.status = 'processing' AND (NOT coalesce(k.sent, false) OR p.method = ANY($polled))))
//	  ORDER BY coalesce(k.until, p.created_at), p.id LIMIT $limit
//	  FOR UPDATE OF p SKIP LOCKED
//	ON CONFLICT (payment_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
//	RETURNING …
//
// so processors in separate processes never wait on each other's rows, and UpdateWork is an UPDATE …
// WHERE payment_id = $1 AND owner = $2.
type Claimer interface {
	// Claim leases up to q.Limit payments that need a rail to q.Owner until q.Until and returns them
	// with their bookkeeping, the longest-waiting first. A payment needs a rail when its method is in
	// q.Methods, it is due (never claimed and created at or before q.Now, or its lease or backoff
	// ended at or before q.Now: a processor whose clock is behind the creating host's waits for it),
	// and it is:
	//   - approved;
	//   - pending in a workspace whose approval policy does not require approval for it
	//     (Workspace.Approval.Requires is false: the store applies exactly that rule);
	//   - processing and not yet Sent (a crash between the claim and the rail, or a temporary
	//     failure to retry), or processing with a method in q.Polled (its rail reports outcomes);
	// and it was not moved to processing outside the rails (Change.Outside).
	Claim(ctx context.Context, q ClaimQuery) ([]Work, error)
	// UpdateWork stores w's bookkeeping (Until, Attempts, LastError, Sent: raised, never lowered but
	// by w.Resend) for a payment w.Owner has claimed. It is ErrConflict, and changes nothing, when
	// another owner has taken the payment since (the lease ran out). A store may forget the bookkeeping of payments that no longer need a rail.
	UpdateWork(ctx context.Context, w Work) error
	// MarkSent records that the processing payment id was handed to its rail by a Service.Dispatch
	// outside any processor (the dashboard's "Send now"), so that no processor sends it again: it
	// stays work only when its method is in ClaimQuery.Polled. It leaves a lease someone holds as it
	// is, and otherwise makes the payment's bookkeeping free to claim from at on.
	//
	// A Claimer also honours Change.Outside in Store.UpdatePayment: a payment moved to processing
	// that way is never returned by Claim again.
	MarkSent(ctx context.Context, id ID, at time.Time) error
}

// MayNeedRail reports whether a payment in status st may still need a rail: pending, approved or
// processing. A Claimer keeps bookkeeping only for those; the SQL stores' triggers use the same list.
func MayNeedRail(st Status) bool {
	return st == StatusPending || st == StatusApproved || st == StatusProcessing
}

// ClaimQuery asks a Claimer for work.
type ClaimQuery struct {
	// Owner names the processor taking the leases.
	Owner string
	// Now is the processor's clock; leases that ended at or before it are free.
	Now time.Time
	// Until is when the new leases end.
	Until time.Time
	// Limit caps the number of payments returned (required, positive).
	Limit int
	// Methods are the methods the processor has rails for.
	Methods []Method
	// Polled are the methods whose rails report outcomes (RailStatusPoller): their processing
	// payments stay work after they were sent.
	Polled []Method
}

// Work is one claimed payment and the processor's bookkeeping for it.
type Work struct {
	Payment Payment
	// Owner holds the lease until Until; Until is also when the payment is next due.
	Owner string
	Until time.Time
	// Attempts counts the consecutive failed attempts to hand the payment to its rail (or to ask the
	// rail about it); LastError is the last one's reason, for operators. A rail that reports outcomes
	// (RailStatusPoller) has the payment only once it answers about it: its "no record of it" is a
	// failed attempt too, and the count runs on through the sending again until the rail answers.
	Attempts  int
	LastError string
	// Sent is true once the rail accepted the payment. UpdateWork never lowers it (a Service.Dispatch
	// outside this processor may have sent the payment while it held the lease), unless Resend is set.
	Sent bool
	// Resend, in UpdateWork, lowers Sent: the processor's polled rail has no record of the payment,
	// which is to be sent again. Claim returns it false.
	Resend bool
}

// ErrNoClaimer: the processor's store does not implement Claimer and none was given.
var ErrNoClaimer = errors.New("payment: the store cannot hand out work (no Claimer)")

// ProcessorOptions configures a Processor. The zero value means the defaults in brackets.
type ProcessorOptions struct {
	// Claimer finds work [the service's store, which must implement Claimer].
	Claimer Claimer
	// Owner names this processor in leases [a new id "prc_…" from the service].
	Owner string
	// Actor is recorded in history for the transitions the processor makes ["processor"].
	Actor string
	// Clock [the service's clock].
	Clock Clock
	// Ticks, when set, drives Run instead of a ticker of Interval: Run takes one step per value
	// received (tests pass a channel they control), and returns when the channel is closed.
	Ticks <-chan time.Time
	// Interval is how long Run rests when there is no more work [1s].
	Interval time.Duration
	// BatchSize is how many payments one step claims [100].
	BatchSize int
	// Workers is how many payments of a step are handled at once [4].
	Workers int
	// Lease is how long a claimed payment is held while the processor works on it; it must exceed the
	// longest rail call [2m]. The work on a payment gets a context that ends with its lease (the
	// claim's time plus Lease, on Clock): a rail call still running then is cancelled and counts as a
	// temporary failure, and a payment whose lease ended before a worker got to it is not started.
	Lease time.Duration
	// PollInterval is how long to wait before asking a polled rail about a payment again [30s].
	PollInterval time.Duration
	// RetryBase and RetryMax bound the backoff after a failed attempt: RetryBase·2^(attempt−1),
	// capped at RetryMax [1s, 5m].
	RetryBase, RetryMax time.Duration
	// Logger receives one line per failed attempt [discard].
	Logger *slog.Logger
}

// Processor drives payments through their rails: it claims payments ready to send, submits each once
// (the compare-and-set to processing is the claim; Service.Dispatch then hands it to the rail), retries
// temporary failures with capped exponential backoff, fails payments the rail refuses for good, polls
// rails that report outcomes, and picks up payments a crashed processor left in processing (dispatching
// again is safe: rails de-duplicate on the payment id).
//
// Several processors may share one store: each claims different payments. A Processor is safe for
// concurrent use, but one Run per Processor is the normal use.
type Processor struct {
	svc     *Service
	opts    ProcessorOptions
	methods []Method
	polled  []Method
}

// NewProcessor returns a processor for the rails of svc (Options.Rails).
func NewProcessor(svc *Service, opts ProcessorOptions) *Processor {
	if opts.Claimer == nil {
		opts.Claimer, _ = svc.store.(Claimer)
	}
	if opts.Owner == "" {
		opts.Owner = svc.NewID("prc_")
	}
	if opts.Actor == "" {
		opts.Actor = "processor"
	}
	if opts.Clock == nil {
		opts.Clock = svc.opts.Clock
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 30 * time.Second
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 5 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	pr := &Processor{svc: svc, opts: opts}
	for m, r := range svc.opts.Rails {
		pr.methods = append(pr.methods, m)
		if _, ok := r.(RailStatusPoller); ok {
			pr.polled = append(pr.polled, m)
		}
	}
	slices.Sort(pr.methods)
	slices.Sort(pr.polled)
	return pr
}

// Owner is the name this processor's leases carry.
func (pr *Processor) Owner() string { return pr.opts.Owner }

// Backoff is the wait after the attempt-th consecutive failure: RetryBase·2^(attempt−1), capped at
// RetryMax.
func (pr *Processor) Backoff(attempt int) time.Duration {
	d := pr.opts.RetryBase
	for i := 1; i < attempt && d < pr.opts.RetryMax; i++ {
		d *= 2
	}
	return min(d, pr.opts.RetryMax)
}

// StepStats counts what one step did.
type StepStats struct {
	Claimed   int // payments claimed
	Submitted int // handed to a rail and accepted (or already known to it)
	Settled   int
	Failed    int // failed for good (rail refusal or rejection)
	Retrying  int // a temporary failure: tried again after a backoff
	Skipped   int // moved by someone else meanwhile
	Expired   int // not started: the lease ended before a worker got to it (the next claim takes it)
}

func (s *StepStats) add(o StepStats) {
	s.Claimed += o.Claimed
	s.Submitted += o.Submitted
	s.Settled += o.Settled
	s.Failed += o.Failed
	s.Retrying += o.Retrying
	s.Skipped += o.Skipped
	s.Expired += o.Expired
}

// Run processes payments until ctx is done or Ticks is closed, then returns nil; it returns
// ErrNoClaimer at once when there is no way to find work. Errors of single steps (a store that is
// briefly unavailable) are logged and the step is tried again at the next tick. Run starts no
// goroutine that outlives it.
func (pr *Processor) Run(ctx context.Context) error {
	if pr.opts.Claimer == nil {
		return ErrNoClaimer
	}
	ticks := pr.opts.Ticks
	if ticks == nil {
		t := time.NewTicker(pr.opts.Interval)
		defer t.Stop()
		ticks = t.C
	}
	for {
		st, err := pr.ProcessOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			pr.opts.Logger.ErrorContext(ctx, "payment: processor step failed", "owner", pr.opts.Owner, "error", err)
		}
		if err == nil && st.Claimed == pr.opts.BatchSize {
			continue // a full batch: there is probably more waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-ticks:
			if !ok {
				return nil // no step will be asked for again (a closed channel would spin the loop)
			}
		}
	}
}

// ProcessOnce claims one batch of work and handles it, returning when every claimed payment is done
// with for now. A cancelled ctx stops it between payments and leaves unrecorded what was in flight, as
// a crash would: its lease runs out and the next processor finishes the work. The payments it had
// claimed but not started it gives back, so that another processor takes them at once.
func (pr *Processor) ProcessOnce(ctx context.Context) (StepStats, error) {
	if pr.opts.Claimer == nil {
		return StepStats{}, ErrNoClaimer
	}
	if len(pr.methods) == 0 {
		return StepStats{}, nil
	}
	now := pr.opts.Clock.Now()
	work, err := pr.opts.Claimer.Claim(ctx, ClaimQuery{
		Owner: pr.opts.Owner, Now: now, Until: now.Add(pr.opts.Lease), Limit: pr.opts.BatchSize,
		Methods: pr.methods, Polled: pr.polled,
	})
	if err != nil {
		return StepStats{}, err
	}
	total := StepStats{Claimed: len(work)}
	var (
		mu        sync.Mutex
		wg        sync.WaitGroup
		next      = make(chan *Work)
		unstarted []Work // handed over once the stop had come: not started either
	)
	for range min(pr.opts.Workers, len(work)) {
		wg.Go(func() {
			for w := range next {
				if ctx.Err() != nil {
					mu.Lock()
					unstarted = append(unstarted, *w)
					mu.Unlock()
					continue
				}
				st := pr.handle(ctx, w)
				mu.Lock()
				total.add(st)
				mu.Unlock()
			}
		})
	}
	started := 0
	for i := range work {
		if ctx.Err() != nil {
			break
		}
		next <- &work[i]
		started++
	}
	close(next)
	wg.Wait()
	pr.giveBack(ctx, append(unstarted, work[started:]...))
	return total, nil
}

// giveBack ends the leases of claimed payments that were never started (the processor is stopping),
// on a context of its own: the caller's has ended. A failure leaves the lease to run out.
func (pr *Processor) giveBack(ctx context.Context, unstarted []Work) {
	if len(unstarted) == 0 {
		return
	}
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	now := pr.opts.Clock.Now()
	for _, w := range unstarted {
		w.Until = now
		if err := pr.opts.Claimer.UpdateWork(gctx, w); err != nil && !errors.Is(err, ErrConflict) {
			pr.opts.Logger.WarnContext(gctx, "payment: processor: cannot give back a lease", "payment", w.Payment.ID, "error", err)
		}
	}
}

// handle does what one claimed payment needs and records the outcome in its bookkeeping.
func (pr *Processor) handle(ctx context.Context, w *Work) StepStats {
	if ctx.Err() != nil {
		return StepStats{}
	}
	p := w.Payment
	var (
		got Payment
		err error
	)
	// The work on a payment ends with its lease, when another processor may take it: a rail that
	// hangs is then a temporary failure (context.DeadlineExceeded), and the rest of the step goes on.
	// A payment whose lease ended while it waited for a worker (the calls before it were slow) is
	// not started: another processor may hold it by now, and it is due again anyway.
	left := w.Until.Sub(pr.opts.Clock.Now())
	if left <= 0 {
		return StepStats{Expired: 1}
	}
	lctx, cancel := context.WithTimeout(ctx, left)
	defer cancel()
	switch {
	case p.Status == StatusPending || p.Status == StatusApproved:
		got, err = pr.svc.Submit(lctx, p.Workspace, p.ID, pr.opts.Actor)
	case p.Status == StatusProcessing && !w.Sent:
		got, err = pr.svc.Dispatch(lctx, p.Workspace, p.ID)
	case p.Status == StatusProcessing:
		return pr.poll(ctx, lctx, w)
	default:
		return pr.record(ctx, w, StepStats{Skipped: 1}, 0)
	}
	if ctx.Err() != nil {
		return StepStats{} // stopping: record nothing, as a crash would not
	}
	return pr.outcome(ctx, w, got, err)
}

// outcome records what Submit or Dispatch returned.
func (pr *Processor) outcome(ctx context.Context, w *Work, p Payment, err error) StepStats {
	switch {
	case err == nil:
		// A polled rail's acceptance is confirmed by its answer to the next poll (it may have no
		// record of the payment): poll resets the count then.
		if p.Status != StatusProcessing || !slices.Contains(pr.polled, p.Method) {
			w.Attempts, w.LastError = 0, ""
		}
		switch p.Status {
		case StatusProcessing:
			w.Sent = true
			return pr.record(ctx, w, StepStats{Submitted: 1}, pr.opts.PollInterval)
		case StatusSettled:
			return pr.record(ctx, w, StepStats{Submitted: 1, Settled: 1}, 0)
		case StatusFailed:
			return pr.record(ctx, w, StepStats{Failed: 1}, 0)
		}
		return pr.record(ctx, w, StepStats{Skipped: 1}, 0)
	case movedElsewhere(err) && !fromRail(err):
		return pr.record(ctx, w, StepStats{Skipped: 1}, 0)
	default:
		// A temporary refusal, an error the rail did not classify (a timeout may hide an acceptance:
		// the retry carries the same payment id), or a store error: try again later.
		return pr.retry(ctx, w, err)
	}
}

// poll asks a RailStatusPoller how a sent payment is doing and settles or fails it accordingly, on
// lctx (ctx bounded by the lease); the outcome is recorded on ctx.
func (pr *Processor) poll(ctx, lctx context.Context, w *Work) StepStats {
	p := w.Payment
	poller, ok := pr.svc.opts.Rails[p.Method].(RailStatusPoller)
	if !ok {
		return pr.record(ctx, w, StepStats{Skipped: 1}, pr.opts.PollInterval)
	}
	out, err := railStatus(lctx, poller, p)
	if ctx.Err() != nil {
		return StepStats{}
	}
	if errors.Is(err, ErrNotFound) {
		// The rail never got it (it was lost between acceptance and the rail's own storage): send
		// again, as a failed attempt with its backoff, so that a rail that keeps saying so is seen.
		w.Sent, w.Resend = false, true
		return pr.retry(ctx, w, fmt.Errorf("payment: the %s rail has no record of the payment; sending it again", p.Method))
	}
	if err == nil {
		switch out.Status {
		case StatusProcessing, StatusSettled, StatusFailed:
		default:
			// Outside the rail's contract: the payment stays processing, but as a failed attempt that
			// operators see, with backoff, rather than as a silent "still in flight" for ever.
			err = fmt.Errorf("payment: the %s rail reported status %q; want processing, settled or failed",
				p.Method, string(out.Status))
		}
	}
	if err != nil {
		return pr.retry(ctx, w, err)
	}
	w.Attempts, w.LastError = 0, ""
	switch out.Status {
	case StatusSettled:
		reason := out.Message
		if reason == "" {
			reason = "settled on the rail"
		}
		_, err = pr.svc.Settle(lctx, p.Workspace, p.ID, pr.opts.Actor, reason)
		return pr.terminal(ctx, w, err, StepStats{Settled: 1})
	case StatusFailed:
		_, err = pr.svc.Fail(lctx, p.Workspace, p.ID, pr.opts.Actor, out.Code, out.Message)
		return pr.terminal(ctx, w, err, StepStats{Failed: 1})
	}
	return pr.record(ctx, w, StepStats{}, pr.opts.PollInterval)
}

func (pr *Processor) terminal(ctx context.Context, w *Work, err error, ok StepStats) StepStats {
	switch {
	case ctx.Err() != nil:
		return StepStats{}
	case err == nil:
		return pr.record(ctx, w, ok, 0)
	case movedElsewhere(err):
		return pr.record(ctx, w, StepStats{Skipped: 1}, 0)
	}
	return pr.retry(ctx, w, err)
}

func (pr *Processor) retry(ctx context.Context, w *Work, err error) StepStats {
	w.Attempts++
	w.LastError = storable(err.Error())
	wait := pr.Backoff(w.Attempts)
	pr.opts.Logger.WarnContext(ctx, "payment: rail attempt failed", "payment", w.Payment.ID,
		"attempt", w.Attempts, "retry_in", wait, "error", err)
	return pr.record(ctx, w, StepStats{Retrying: 1}, wait)
}

// record stores the bookkeeping with the payment next due after wait (0: free at once).
func (pr *Processor) record(ctx context.Context, w *Work, st StepStats, wait time.Duration) StepStats {
	w.Until = pr.opts.Clock.Now().Add(wait)
	if err := pr.opts.Claimer.UpdateWork(ctx, *w); err != nil && !errors.Is(err, ErrConflict) {
		pr.opts.Logger.ErrorContext(ctx, "payment: cannot record work", "payment", w.Payment.ID, "error", err)
	}
	return st
}

// movedElsewhere reports errors that mean another actor changed the payment first.
func movedElsewhere(err error) bool {
	return errors.Is(err, ErrConflict) || errors.Is(err, ErrInvalidTransition) ||
		errors.Is(err, ErrNotAllowed) || errors.Is(err, ErrNotFound)
}
