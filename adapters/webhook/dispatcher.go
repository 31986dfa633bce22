package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// DefaultRetries are the retry offsets after a delivery's first failure: 1 min, 5 min, 30 min, 2 h
// and 8 h. When the last retry fails too, the delivery fails and its endpoint is disabled.
func DefaultRetries() []time.Duration {
	return []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 8 * time.Hour}
}

// Options configures a Dispatcher. The zero value means the defaults in brackets.
type Options struct {
	// Clock stamps attempts and schedules retries [the wall clock].
	Clock payment.Clock
	// Client sends the deliveries [a client that does not follow redirects (a 3xx is a failure),
	// uses no proxy, and connects only to public addresses: see CheckAddress]. A Client passed here is
	// the caller's, and so is keeping endpoints off the host's own network: its dialer should refuse
	// what CheckAddress refuses.
	Client *http.Client
	// Timeout is how long an endpoint has to answer 2xx [10s].
	Timeout time.Duration
	// Retries are the offsets, from the first failure, of the retries [DefaultRetries].
	Retries []time.Duration
	// BatchSize is how many events one fan-out reads and how many deliveries one step claims [100].
	BatchSize int
	// Workers is how many deliveries are sent at once [8].
	Workers int
	// Lease is how long a claimed delivery is held before another dispatcher may send it again; it
	// must exceed Timeout, and a step starts no attempt that could outlast it [1m; twice Timeout
	// when it does not exceed it].
	Lease time.Duration
	// Interval is how long Run rests when there is nothing to do [1s]; Ticks, when set, drives Run
	// instead (one step per value received), and Run returns when the channel is closed.
	Interval time.Duration
	Ticks    <-chan time.Time
	// IDs makes endpoint and delivery ids [random ULIDs].
	IDs payment.IDSource
	// AllowHTTP accepts http:// endpoint URLs (local development); otherwise only https:// [false].
	AllowHTTP bool
	// AllowPrivateNetworks lets the dispatcher's own client connect to any address, loopback and
	// private networks included (local development, tests); otherwise it refuses, when it connects,
	// every address that is not on the public internet, so that whoever may create an endpoint
	// cannot make the server call its own network [false]. It has no effect on a Client passed in
	// Options.
	AllowPrivateNetworks bool
	// UserAgent is sent with every delivery ["orkesta-webhook/1"].
	UserAgent string
	// Logger receives a line per failed attempt and per disabled endpoint [discard].
	Logger *slog.Logger
	// KeepDeliveries is how long finished deliveries (succeeded or failed) are kept, when the store
	// is a payment.WebhookPruner: once an hour the older ones are deleted. Pending deliveries are
	// never. A negative value keeps every delivery [DefaultKeepDeliveries].
	KeepDeliveries time.Duration
	// KeepEvents is how long events stay in the outbox once they are fanned out, when the event log
	// is a payment.EventPruner: once an hour the older ones are deleted. A negative value keeps every
	// event, for an application that reads the log itself and prunes it on its own terms
	// [DefaultKeepEvents].
	KeepEvents time.Duration
}

// DefaultKeepDeliveries and DefaultKeepEvents are how long finished deliveries and fanned-out events
// are kept unless Options say otherwise.
const (
	DefaultKeepDeliveries = 30 * 24 * time.Hour
	DefaultKeepEvents     = 30 * 24 * time.Hour
)

// pruneEvery is how often a dispatcher prunes finished deliveries and old events, and pruneBatch how
// many one store call deletes (one short transaction each).
const (
	pruneEvery = time.Hour
	pruneBatch = 1000
)

var _ payment.Webhooks = (*Dispatcher)(nil)

// Dispatcher delivers the events of a store's outbox to the workspaces' endpoints. Several
// dispatchers may share a store: the fan-out cursor and the delivery leases keep them apart. It is
// safe for concurrent use.
type Dispatcher struct {
	events payment.EventLog
	store  payment.WebhookStore
	opts   Options
	// guarded: the dispatcher's own client refuses non-public addresses, so endpoints that name one
	// outright (an IP literal, localhost) are refused when they are given.
	guarded bool

	pruneMu sync.Mutex
	pruned  time.Time // when this dispatcher last pruned
}

// New returns a dispatcher reading events from events and keeping its state in store (usually both
// the same store).
func New(events payment.EventLog, store payment.WebhookStore, opts Options) *Dispatcher {
	if opts.Clock == nil {
		opts.Clock = payment.SystemClock
	}
	guarded := opts.Client == nil && !opts.AllowPrivateNetworks
	if opts.Client == nil {
		opts.Client = newClient(opts.AllowPrivateNetworks)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Retries == nil {
		opts.Retries = DefaultRetries()
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.Lease <= opts.Timeout { // no attempt would ever start: none can end within the lease
		opts.Lease = 2 * opts.Timeout
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.IDs == nil {
		opts.IDs = payment.NewULIDSource()
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "orkesta-webhook/1"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.KeepDeliveries == 0 {
		opts.KeepDeliveries = DefaultKeepDeliveries
	}
	if opts.KeepEvents == 0 {
		opts.KeepEvents = DefaultKeepEvents
	}
	return &Dispatcher{events: events, store: store, opts: opts, guarded: guarded}
}

// Stats counts what one step did.
type Stats struct {
	Enqueued  int // deliveries created from new events
	Attempted int // HTTP attempts made
	Succeeded int
	Failed    int // attempts that failed (retried later, or given up)
	GaveUp    int // deliveries failed for good, their endpoint disabled
	Pruned    int // finished deliveries deleted, older than Options.KeepDeliveries
	// PrunedEvents counts the fanned-out events deleted from the outbox, older than
	// Options.KeepEvents.
	PrunedEvents int
}

func (s *Stats) add(o Stats) {
	s.Enqueued += o.Enqueued
	s.Attempted += o.Attempted
	s.Succeeded += o.Succeeded
	s.Failed += o.Failed
	s.GaveUp += o.GaveUp
	s.Pruned += o.Pruned
	s.PrunedEvents += o.PrunedEvents
}

// Run delivers until ctx is done or Ticks is closed, then returns nil. Step errors (a store briefly
// unavailable) are logged and retried at the next tick. Run leaves no goroutine behind.
func (d *Dispatcher) Run(ctx context.Context) error {
	ticks := d.opts.Ticks
	if ticks == nil {
		t := time.NewTicker(d.opts.Interval)
		defer t.Stop()
		ticks = t.C
	}
	for {
		st, err := d.DeliverOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.opts.Logger.ErrorContext(ctx, "webhook: step failed", "error", err)
		}
		if err == nil && st.Attempted == d.opts.BatchSize {
			continue
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

// DeliverOnce fans out the events written since the last step into deliveries, then sends one batch
// of the deliveries that are due. It returns when every attempt of the batch has ended. A cancelled
// ctx records nothing of the attempts in flight, as a crash would not: their leases run out and they
// are sent again, with the same event id.
func (d *Dispatcher) DeliverOnce(ctx context.Context) (Stats, error) {
	var st Stats
	n, err := d.fanOut(ctx)
	st.Enqueued = n
	if err != nil {
		return st, err
	}
	now := d.opts.Clock.Now()
	until := now.Add(d.opts.Lease)
	due, err := d.store.ClaimWebhookDeliveries(ctx, now, until, d.opts.BatchSize)
	if err != nil {
		return st, err
	}
	eps := endpointCache{store: d.store, m: make(map[string]*endpointResult)}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		next = make(chan *payment.WebhookDelivery)
	)
	for range min(d.opts.Workers, len(due)) {
		wg.Go(func() {
			for dl := range next {
				s := d.deliver(ctx, &eps, dl, until)
				mu.Lock()
				st.add(s)
				mu.Unlock()
			}
		})
	}
	for i := range due {
		if ctx.Err() != nil {
			break
		}
		next <- &due[i]
	}
	close(next)
	wg.Wait()
	st.Pruned, st.PrunedEvents, err = d.prune(ctx, now)
	return st, err
}

// prune deletes the finished deliveries older than Options.KeepDeliveries and the fanned-out events
// older than Options.KeepEvents, at most once per pruneEvery, where the stores can.
func (d *Dispatcher) prune(ctx context.Context, now time.Time) (deliveries, events int, err error) {
	dp, dok := d.store.(payment.WebhookPruner)
	ep, eok := d.events.(payment.EventPruner)
	dok, eok = dok && d.opts.KeepDeliveries >= 0, eok && d.opts.KeepEvents >= 0
	if !dok && !eok {
		return 0, 0, nil
	}
	d.pruneMu.Lock()
	defer d.pruneMu.Unlock()
	if !d.pruned.IsZero() && now.Sub(d.pruned) < pruneEvery {
		return 0, 0, nil
	}
	d.pruned = now // a failure waits for the next turn too
	if dok {
		deliveries, err = pruneAll(ctx, func() (int, error) {
			return dp.PruneWebhookDeliveries(ctx, now.Add(-d.opts.KeepDeliveries), pruneBatch)
		})
		if err != nil {
			return deliveries, 0, fmt.Errorf("webhook: prune deliveries: %w", err)
		}
	}
	if eok {
		// Only events the fan-out has passed: they have their deliveries, each with its own copy.
		cursor, err := d.store.WebhookCursor(ctx)
		if err != nil {
			return deliveries, 0, fmt.Errorf("webhook: prune events: %w", err)
		}
		events, err = pruneAll(ctx, func() (int, error) {
			return ep.PruneEvents(ctx, cursor, now.Add(-d.opts.KeepEvents), pruneBatch)
		})
		if err != nil {
			return deliveries, events, fmt.Errorf("webhook: prune events: %w", err)
		}
	}
	return deliveries, events, nil
}

// pruneAll calls prune, which deletes up to pruneBatch records, until it deletes fewer or ctx ends,
// and returns how many it deleted.
func pruneAll(ctx context.Context, prune func() (int, error)) (int, error) {
	total := 0
	for ctx.Err() == nil {
		n, err := prune()
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
	return total, nil
}

// fanOut turns outbox events after the cursor into deliveries, one batch at a time, moving the
// cursor with them in one store call.
func (d *Dispatcher) fanOut(ctx context.Context) (int, error) {
	total := 0
	eps := make(map[payment.WorkspaceID][]payment.WebhookEndpoint)
	for ctx.Err() == nil {
		cursor, err := d.store.WebhookCursor(ctx)
		if err != nil {
			return total, err
		}
		evs, err := d.events.EventsAfter(ctx, cursor, d.opts.BatchSize)
		if err != nil || len(evs) == 0 {
			return total, err
		}
		now := d.opts.Clock.Now()
		var ds []payment.WebhookDelivery
		for _, e := range evs {
			list, ok := eps[e.Workspace]
			if !ok {
				if list, err = d.store.ListWebhookEndpoints(ctx, e.Workspace); err != nil {
					return total, err
				}
				eps[e.Workspace] = list
			}
			for i := range list {
				ep := &list[i]
				if ep.Disabled || !ep.Wants(e.Type) || e.OccurredAt.Before(ep.CreatedAt) {
					continue
				}
				ds = append(ds, payment.WebhookDelivery{
					ID: payment.PrefixWebhookDelivery + d.opts.IDs.NewULID(now), Workspace: e.Workspace,
					EndpointID: ep.ID, Seq: e.Seq, Event: e.Event, Status: payment.DeliveryPending,
					NextAttemptAt: now, CreatedAt: now,
				})
			}
		}
		switch err := d.store.EnqueueWebhookDeliveries(ctx, cursor, evs[len(evs)-1].Seq, ds); {
		case errors.Is(err, payment.ErrConflict):
			continue // another dispatcher fanned these out first: read on from where it left
		case err != nil:
			return total, err
		}
		total += len(ds)
		if len(evs) < d.opts.BatchSize {
			break
		}
	}
	return total, nil
}

// deliver makes one attempt and records its outcome, unless the attempt could outlast the lease
// that ends at until: once the lease has run out, another dispatcher may claim the delivery and send
// it too, and the two would overwrite each other's record. Such a delivery is left alone, unrecorded,
// and claimed again when its lease runs out; so a batch of a slow endpoint holds the step up no
// longer than the lease either.
func (d *Dispatcher) deliver(ctx context.Context, eps *endpointCache, dl *payment.WebhookDelivery, until time.Time) Stats {
	if ctx.Err() != nil || d.opts.Clock.Now().Add(d.opts.Timeout).After(until) {
		return Stats{}
	}
	ep, err := eps.get(ctx, dl.Workspace, dl.EndpointID)
	switch {
	case errors.Is(err, payment.ErrNotFound):
		dl.Status, dl.LastError, dl.NextAttemptAt = payment.DeliveryFailed, "endpoint deleted", time.Time{}
		d.update(ctx, dl)
		return Stats{}
	case err != nil:
		return Stats{} // the lease runs out and the delivery is tried again
	case ep.Disabled:
		return Stats{} // it waits: enabling the endpoint resumes it
	case eps.isUnanswering(ep.ID):
		// It left an attempt of this step without an answer: its other deliveries wait for their
		// lease to run out, rather than hold the workers up one timeout each.
		return Stats{}
	}
	sentAt := d.opts.Clock.Now()
	code, aerr := d.send(ctx, ep, dl, sentAt)
	if ctx.Err() != nil {
		return Stats{} // stopping: whatever the endpoint saw, nothing is recorded
	}
	if errors.Is(aerr, errNoAnswer) {
		eps.unanswering(ep.ID)
	}
	dl.Attempts++
	dl.LastAttemptAt, dl.LastStatusCode = sentAt, code
	if aerr == nil {
		dl.Status, dl.LastError, dl.DeliveredAt, dl.NextAttemptAt = payment.DeliverySucceeded, "", d.opts.Clock.Now(), time.Time{}
		d.update(ctx, dl)
		return Stats{Attempted: 1, Succeeded: 1}
	}
	dl.LastError = aerr.Error()
	if dl.FirstFailedAt.IsZero() {
		dl.FirstFailedAt = sentAt
	}
	retry := dl.Attempts - 1 // failures so far, minus one: the index of the next retry
	if retry < len(d.opts.Retries) {
		dl.NextAttemptAt = d.nextAttempt(dl.FirstFailedAt, sentAt, retry)
		d.opts.Logger.WarnContext(ctx, "webhook: delivery failed", "delivery", dl.ID, "endpoint", ep.ID,
			"event", dl.Event.ID, "attempt", dl.Attempts, "next_attempt_at", dl.NextAttemptAt, "error", aerr)
		d.update(ctx, dl)
		return Stats{Attempted: 1, Failed: 1}
	}
	reason := fmt.Sprintf("delivery %s failed %d times since %s; last: %s", dl.ID, dl.Attempts,
		dl.FirstFailedAt.UTC().Format(time.RFC3339), dl.LastError)
	if err := d.store.SetWebhookEndpointDisabled(ctx, ep.Workspace, ep.ID, true, sentAt, reason); err != nil {
		d.opts.Logger.ErrorContext(ctx, "webhook: cannot disable endpoint", "endpoint", ep.ID, "error", err)
	} else {
		eps.disabled(ep.ID)
		d.opts.Logger.WarnContext(ctx, "webhook: endpoint disabled", "endpoint", ep.ID, "reason", reason)
	}
	dl.Status, dl.NextAttemptAt = payment.DeliveryFailed, time.Time{}
	d.update(ctx, dl)
	return Stats{Attempted: 1, Failed: 1, GaveUp: 1}
}

// nextAttempt is when retry number retry (from 0) of a delivery that first failed at first is due,
// its last attempt sent at sent: Retries[retry] after the first failure, but never sooner after the
// last attempt than the schedule's own gap between the two retries. An attempt made late (the
// dispatcher was down, or the endpoint disabled and enabled again) would otherwise find every later
// retry already due, fail them all within seconds and disable the endpoint again.
func (d *Dispatcher) nextAttempt(first, sent time.Time, retry int) time.Time {
	gap := d.opts.Retries[retry]
	if retry > 0 {
		gap -= d.opts.Retries[retry-1]
	}
	return later(first.Add(d.opts.Retries[retry]), sent.Add(gap))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (d *Dispatcher) update(ctx context.Context, dl *payment.WebhookDelivery) {
	if err := d.store.UpdateWebhookDelivery(ctx, *dl); err != nil {
		d.opts.Logger.ErrorContext(ctx, "webhook: cannot record delivery", "delivery", dl.ID, "error", err)
	}
}

// send POSTs the delivery's envelope and returns the HTTP status (0 when there was no answer) and
// nil for a 2xx within the timeout.
func (d *Dispatcher) send(ctx context.Context, ep *payment.WebhookEndpoint, dl *payment.WebhookDelivery, at time.Time) (int, error) {
	body, err := envelope(&dl.Event, at, dl.Attempts+1)
	if err != nil {
		return 0, err
	}
	return d.post(ctx, ep, &dl.Event, body)
}

func (d *Dispatcher) post(ctx context.Context, ep *payment.WebhookEndpoint, e *payment.Event, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", d.opts.UserAgent)
	req.Header.Set(SignatureHeader, Sign(ep.Secret, body))
	req.Header.Set(EventIDHeader, e.ID)
	req.Header.Set(EventTypeHeader, string(e.Type))
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		var refused *AddressError
		switch {
		case errors.As(err, &refused):
			return 0, refusal(refused, req.URL.Hostname())
		case errors.Is(err, context.DeadlineExceeded):
			return 0, fmt.Errorf("%w within %s", errNoAnswer, d.opts.Timeout)
		}
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, errors.New("answered " + strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode))
	}
	return resp.StatusCode, nil
}

// errNoAnswer is an attempt that got no answer within Options.Timeout.
var errNoAnswer = errors.New("no answer")

// envelope builds the signed body of one attempt.
func envelope(e *payment.Event, at time.Time, attempt int) ([]byte, error) {
	data := e.Data
	if e.Payment != nil {
		var err error
		if data, err = json.Marshal(e.Payment); err != nil {
			return nil, err
		}
	}
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return json.Marshal(Envelope{ID: e.ID, Type: e.Type, Workspace: e.Workspace, OccurredAt: e.OccurredAt,
		Timestamp: at.Unix(), Attempt: attempt, Data: data})
}

// endpointCache loads each endpoint once per step.
type endpointCache struct {
	store payment.WebhookStore
	mu    sync.Mutex
	m     map[string]*endpointResult
}

type endpointResult struct {
	once sync.Once
	ep   payment.WebhookEndpoint
	err  error
	// noAnswer: an attempt of this step got no answer from the endpoint within the timeout.
	noAnswer bool
}

func (c *endpointCache) get(ctx context.Context, ws payment.WorkspaceID, id string) (*payment.WebhookEndpoint, error) {
	c.mu.Lock()
	r := c.m[id]
	if r == nil {
		r = &endpointResult{}
		c.m[id] = r
	}
	c.mu.Unlock()
	r.once.Do(func() { r.ep, r.err = c.store.GetWebhookEndpoint(ctx, ws, id) })
	if r.err != nil {
		return nil, r.err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ep := r.ep
	return &ep, nil
}

// disabled marks a cached endpoint disabled, so the rest of the step leaves its deliveries alone.
func (c *endpointCache) disabled(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.m[id]; r != nil {
		r.ep.Disabled = true
	}
}

// unanswering marks a cached endpoint that left an attempt without an answer, so the rest of the
// step leaves its deliveries alone.
func (c *endpointCache) unanswering(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.m[id]; r != nil {
		r.noAnswer = true
	}
}

func (c *endpointCache) isUnanswering(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.m[id]
	return r != nil && r.noAnswer
}
