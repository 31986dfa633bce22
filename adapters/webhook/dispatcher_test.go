package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/webhook"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ctx = context.Background()

// receiver is a webhook endpoint as a customer would write one: it verifies every request with
// webhook.Verify and drops event ids it has seen.
type receiver struct {
	t     *testing.T
	clock *paymenttest.Clock
	srv   *httptest.Server

	mu        sync.Mutex
	secret    string
	requests  int
	got       []webhook.Envelope // verified, in arrival order, repeats included
	seen      map[string]bool
	answer    func(n int, env webhook.Envelope) int // HTTP status for the n-th request (from 1)
	onRequest func(n int)
}

func newReceiver(t *testing.T, clock *paymenttest.Clock) *receiver {
	r := &receiver{t: t, clock: clock, seen: make(map[string]bool),
		answer: func(int, webhook.Envelope) int { return http.StatusOK }}
	r.srv = httptest.NewTLSServer(r)
	t.Cleanup(r.srv.Close)
	return r
}

// set changes the receiver's settings under its lock: a request of a dispatcher that was stopped
// mid-delivery may still be arriving.
func (r *receiver) set(change func(r *receiver)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	change(r)
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	require.NoError(r.t, err)
	r.mu.Lock()
	r.requests++
	n, secret, answer, hook := r.requests, r.secret, r.answer, r.onRequest
	r.mu.Unlock()
	env, err := webhook.Verify(secret, body, req.Header.Get(webhook.SignatureHeader), r.clock.Now(), webhook.DefaultTolerance)
	if !assert.NoError(r.t, err, "every delivery verifies") {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	assert.Equal(r.t, env.ID, req.Header.Get(webhook.EventIDHeader))
	assert.Equal(r.t, string(env.Type), req.Header.Get(webhook.EventTypeHeader))
	assert.Equal(r.t, "application/json", req.Header.Get("Content-Type"))
	r.mu.Lock()
	r.got = append(r.got, env)
	r.seen[env.ID] = true
	r.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	w.WriteHeader(answer(n, env))
}

func (r *receiver) snapshot() (requests int, got []webhook.Envelope, unique int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, append([]webhook.Envelope(nil), r.got...), len(r.seen)
}

type hookEnv struct {
	*paymenttest.Env
	store *memory.Store
	recv  *receiver
	opts  webhook.Options
}

func newHookEnv(t *testing.T) *hookEnv {
	store := memory.New()
	e := &hookEnv{Env: paymenttest.NewEnv(t, store), store: store}
	e.recv = newReceiver(t, e.Clock)
	e.opts = webhook.Options{Clock: e.Clock, Client: e.recv.srv.Client(), IDs: &paymenttest.IDs{}, Workers: 4}
	return e
}

func (e *hookEnv) dispatcher() *webhook.Dispatcher { return webhook.New(e.store, e.store, e.opts) }

func (e *hookEnv) endpoint(t *testing.T, ws payment.WorkspaceID, events ...payment.EventType) payment.WebhookEndpoint {
	t.Helper()
	ep, err := e.dispatcher().CreateEndpoint(ctx, ws, payment.WebhookEndpointRequest{URL: e.recv.srv.URL + "/hooks", Events: events})
	require.NoError(t, err)
	e.recv.set(func(r *receiver) { r.secret = ep.Secret })
	return ep
}

func eventIDs(evs []webhook.Envelope) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	sort.Strings(out)
	return out
}

func outboxIDs(store *memory.Store, ws payment.WorkspaceID, types ...payment.EventType) []string {
	var out []string
	for _, e := range store.Outbox() {
		if e.Workspace == ws && (len(types) == 0 || contains(types, e.Type)) {
			out = append(out, e.ID)
		}
	}
	sort.Strings(out)
	return out
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestDeliversSignedEventsPerWorkspaceAndFilter(t *testing.T) {
	e := newHookEnv(t)
	all := e.endpoint(t, e.Workspace.ID)
	e.Clock.Advance(time.Second)
	p1 := e.MustAdvance(t, e.MustCreate(t), payment.StatusSettled)
	p2 := e.MustAdvance(t, e.MustCreate(t), payment.StatusCancelled)
	// A refused transition writes no event, so none is delivered.
	_, err := e.Service.Cancel(ctx, e.Workspace.ID, p1.ID, "maker", "too late")
	require.ErrorIs(t, err, payment.ErrInvalidTransition)

	st, err := e.dispatcher().DeliverOnce(ctx)
	require.NoError(t, err)
	want := outboxIDs(e.store, e.Workspace.ID)
	require.Len(t, want, 6, "created, approved, processing, settled; created, cancelled")
	assert.Equal(t, webhook.Stats{Enqueued: 6, Attempted: 6, Succeeded: 6}, st)
	_, got, _ := e.recv.snapshot()
	assert.Equal(t, want, eventIDs(got))
	for _, env := range got {
		assert.Equal(t, e.Workspace.ID, env.Workspace)
		assert.Equal(t, 1, env.Attempt)
		assert.Equal(t, e.Clock.Now().Unix(), env.Timestamp)
		var p payment.Payment
		require.NoError(t, json.Unmarshal(env.Data, &p))
		assert.Contains(t, []payment.ID{p1.ID, p2.ID}, p.ID)
	}
	ds, err := e.dispatcher().Deliveries(ctx, e.Workspace.ID, all.ID, 0)
	require.NoError(t, err)
	require.Len(t, ds, 6)
	for _, d := range ds {
		assert.Equal(t, payment.DeliverySucceeded, d.Status)
		assert.Equal(t, 1, d.Attempts)
		assert.Equal(t, http.StatusOK, d.LastStatusCode)
	}

	// Nothing new: nothing sent.
	st, err = e.dispatcher().DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, st)
}

func TestEndpointFilters(t *testing.T) {
	e := newHookEnv(t)
	other := paymenttest.NewEnv(t, e.store, paymenttest.WithServiceOptions(payment.Options{
		Clock: paymenttest.NewClock(paymenttest.Epoch.Add(-time.Hour))}))
	settledOnly := e.endpoint(t, e.Workspace.ID, payment.EventPaymentSettled, payment.EventPaymentFailed)
	e.Clock.Advance(time.Second)
	e.MustAdvance(t, e.MustCreate(t), payment.StatusSettled)
	e.MustAdvance(t, e.MustCreate(t), payment.StatusFailed)
	e.MustAdvance(t, e.MustCreate(t), payment.StatusCancelled)
	other.MustAdvance(t, other.MustCreate(t), payment.StatusSettled) // another workspace's settlement

	_, err := e.dispatcher().DeliverOnce(ctx)
	require.NoError(t, err)
	_, got, _ := e.recv.snapshot()
	assert.Equal(t, outboxIDs(e.store, e.Workspace.ID, payment.EventPaymentSettled, payment.EventPaymentFailed), eventIDs(got))
	require.Len(t, got, 2)
	ds, err := e.dispatcher().Deliveries(ctx, other.Workspace.ID, settledOnly.ID, 0)
	assert.ErrorIs(t, err, payment.ErrNotFound, "another workspace cannot see the endpoint")
	assert.Empty(t, ds)
}

func TestEventsBeforeTheEndpointAreNotSent(t *testing.T) {
	e := newHookEnv(t)
	e.MustCreate(t)
	e.Clock.Advance(time.Second)
	e.endpoint(t, e.Workspace.ID)
	e.Clock.Advance(time.Second)
	e.MustCreate(t)
	st, err := e.dispatcher().DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Succeeded, "only the payment created after the endpoint")
}

// TestRetryScheduleThenDisable: an endpoint that always answers 500 is tried at the first failure and
// then exactly 1 min, 5 min, 30 min, 2 h and 8 h after it; never in between. After the last failure the
// delivery fails and the endpoint is disabled; enabling it brings new events again.
func TestRetryScheduleThenDisable(t *testing.T) {
	e := newHookEnv(t)
	e.recv.set(func(r *receiver) {
		r.answer = func(int, webhook.Envelope) int { return http.StatusInternalServerError }
	})
	ep := e.endpoint(t, e.Workspace.ID)
	e.Clock.Advance(time.Second)
	e.MustCreate(t)
	d := e.dispatcher()

	first := e.Clock.Now()
	schedule := []time.Duration{0, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 8 * time.Hour}
	for i, at := range schedule {
		if i > 0 {
			e.Clock.Set(first.Add(at - time.Second))
			st, err := d.DeliverOnce(ctx)
			require.NoError(t, err)
			assert.Zero(t, st.Attempted, "attempt %d: not one second early", i+1)
		}
		e.Clock.Set(first.Add(at))
		st, err := d.DeliverOnce(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, st.Attempted, "attempt %d at +%s", i+1, at)
		assert.Equal(t, i == len(schedule)-1, st.GaveUp == 1)
	}
	_, got, _ := e.recv.snapshot()
	require.Len(t, got, len(schedule))
	for i, env := range got {
		assert.Equal(t, first.Add(schedule[i]).Unix(), env.Timestamp, "attempt %d is signed with its own time", i+1)
		assert.Equal(t, i+1, env.Attempt)
		assert.Equal(t, got[0].ID, env.ID, "the same event id on every attempt")
	}

	disabled, err := e.store.GetWebhookEndpoint(ctx, e.Workspace.ID, ep.ID)
	require.NoError(t, err)
	assert.True(t, disabled.Disabled)
	assert.Contains(t, disabled.DisabledReason, "failed 6 times")
	assert.Contains(t, disabled.DisabledReason, "500")
	ds, err := d.Deliveries(ctx, e.Workspace.ID, ep.ID, 0)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, payment.DeliveryFailed, ds[0].Status)
	assert.Equal(t, 6, ds[0].Attempts)
	assert.Equal(t, first, ds[0].FirstFailedAt)

	// Disabled: a new event is not sent, and the failed delivery is not retried.
	e.MustCreate(t)
	e.Clock.Advance(24 * time.Hour)
	st, err := d.DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, st)

	// Re-enabled: new events flow again.
	e.recv.set(func(r *receiver) { r.answer = func(int, webhook.Envelope) int { return http.StatusNoContent } })
	_, err = d.EnableEndpoint(ctx, e.Workspace.ID, ep.ID)
	require.NoError(t, err)
	e.MustCreate(t)
	st, err = d.DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, webhook.Stats{Enqueued: 1, Attempted: 1, Succeeded: 1}, st)
}

func TestRetrySucceeds(t *testing.T) {
	e := newHookEnv(t)
	e.recv.set(func(r *receiver) {
		r.answer = func(n int, _ webhook.Envelope) int {
			if n <= 2 {
				return http.StatusServiceUnavailable
			}
			return http.StatusAccepted
		}
	})
	ep := e.endpoint(t, e.Workspace.ID)
	e.Clock.Advance(time.Second)
	e.MustCreate(t)
	d := e.dispatcher()
	first := e.Clock.Now()
	for _, at := range []time.Duration{0, time.Minute, 5 * time.Minute} {
		e.Clock.Set(first.Add(at))
		_, err := d.DeliverOnce(ctx)
		require.NoError(t, err)
	}
	ds, err := d.Deliveries(ctx, e.Workspace.ID, ep.ID, 0)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, payment.DeliverySucceeded, ds[0].Status)
	assert.Equal(t, 3, ds[0].Attempts)
	assert.Equal(t, http.StatusAccepted, ds[0].LastStatusCode)
	got, err := e.store.GetWebhookEndpoint(ctx, e.Workspace.ID, ep.ID)
	require.NoError(t, err)
	assert.False(t, got.Disabled)
}

// TestCrashBetweenSendAndAck: the dispatcher dies while the receiver is answering 200 to the 5th
// request. After the lease, a new dispatcher sends what was not recorded again, with the same event
// ids: the receiver sees every event, and repeats only of deliveries that were in flight at the crash,
// which it drops by id.
func TestCrashBetweenSendAndAck(t *testing.T) {
	e := newHookEnv(t)
	e.endpoint(t, e.Workspace.ID)
	e.Clock.Advance(time.Second)
	for range 10 {
		e.MustCreate(t)
	}
	want := outboxIDs(e.store, e.Workspace.ID)
	require.Len(t, want, 10)

	crashCtx, crash := context.WithCancel(ctx)
	e.recv.set(func(r *receiver) {
		r.onRequest = func(n int) {
			if n == 5 {
				crash()
			}
		}
	})
	_, err := e.dispatcher().DeliverOnce(crashCtx)
	require.NoError(t, err)
	atCrash, _, _ := e.recv.snapshot()
	require.Less(t, atCrash, 10, "the crash stopped the dispatcher mid-batch")
	e.recv.set(func(r *receiver) { r.onRequest = nil }) // the dead dispatcher's requests may still arrive

	restarted := e.dispatcher()
	st, err := restarted.DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.Attempted, "the dead dispatcher's leases still hold")
	e.Clock.Advance(e.opts.Lease + time.Minute)
	_, err = restarted.DeliverOnce(ctx)
	require.NoError(t, err)

	requests, got, unique := e.recv.snapshot()
	assert.Equal(t, want, uniqueIDs(got), "every event arrived")
	assert.Equal(t, 10, unique)
	repeats := requests - unique
	assert.GreaterOrEqual(t, repeats, 1, "the delivery acknowledged at the crash is sent again")
	assert.LessOrEqual(t, repeats, e.opts.Workers, "repeats only of what was in flight")
	for _, env := range got {
		assert.Equal(t, 1, env.Attempt, "an unrecorded attempt does not count")
	}
}

func uniqueIDs(evs []webhook.Envelope) []string {
	seen := make(map[string]bool)
	var out []string
	for _, e := range evs {
		if !seen[e.ID] {
			seen[e.ID] = true
			out = append(out, e.ID)
		}
	}
	sort.Strings(out)
	return out
}

// TestDispatchersShareTheOutbox: three dispatchers stepping at once over one store fan out and send
// every event exactly once between them.
func TestDispatchersShareTheOutbox(t *testing.T) {
	e := newHookEnv(t)
	e.endpoint(t, e.Workspace.ID)
	e.Clock.Advance(time.Second)
	for range 60 {
		e.MustAdvance(t, e.MustCreate(t), payment.StatusApproved)
	}
	e.opts.BatchSize = 7
	var wg sync.WaitGroup
	for range 3 {
		d := e.dispatcher()
		wg.Go(func() {
			for range 30 {
				_, err := d.DeliverOnce(ctx)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	requests, got, unique := e.recv.snapshot()
	assert.Equal(t, 120, unique)
	assert.Equal(t, 120, requests, "no event sent twice")
	assert.Equal(t, outboxIDs(e.store, e.Workspace.ID), eventIDs(got))
}

func TestTimeoutIsAFailure(t *testing.T) {
	e := newHookEnv(t)
	block := make(chan struct{})
	slow := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // the server notices a closed connection only after the body
		select {
		case <-r.Context().Done(): // the dispatcher gave up
			// No answer at all: returning would write a 200, which the client can read in the instant
			// its deadline passes (seen under -race, 3 runs in 200).
			panic(http.ErrAbortHandler)
		case <-block:
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(block) })                                  // runs first
	e.opts.Client, e.opts.Timeout = slow.Client(), 250*time.Millisecond // room for a TLS handshake on a loaded CI machine
	dl := e.failOnce(t, slow.URL)
	assert.Equal(t, "no answer within 250ms", dl.LastError)
	assert.Zero(t, dl.LastStatusCode)
	assert.Equal(t, e.Clock.Now().Add(time.Minute), dl.NextAttemptAt)
}

// TestUnansweringEndpointDoesNotHoldUpTheStep: an endpoint that never answers costs a step one
// timeout, not one per delivery: once it has left an attempt without an answer, its other deliveries
// of the step wait for their lease, untried, and the other endpoint's go out at once. (A step used to
// wait out the timeout of every one of them, 12 × 200 ms over 2 workers here, while every other
// endpoint's new events waited for the step to end.)
func TestUnansweringEndpointDoesNotHoldUpTheStep(t *testing.T) {
	e := newHookEnv(t)
	block := make(chan struct{})
	var mu sync.Mutex
	tried := 0
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		tried++
		mu.Unlock()
		select {
		case <-r.Context().Done():
			panic(http.ErrAbortHandler) // no answer at all (see TestTimeoutIsAFailure)
		case <-block:
		}
	}))
	t.Cleanup(silent.Close)
	t.Cleanup(func() { close(block) }) // runs first
	answering := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(answering.Close)
	e.opts.Client, e.opts.AllowHTTP, e.opts.AllowPrivateNetworks = nil, true, true
	e.opts.Timeout, e.opts.Workers = 200*time.Millisecond, 2
	d := e.dispatcher()
	slow, err := d.CreateEndpoint(ctx, e.Workspace.ID, payment.WebhookEndpointRequest{URL: silent.URL})
	require.NoError(t, err)
	_, err = d.CreateEndpoint(ctx, e.Workspace.ID, payment.WebhookEndpointRequest{URL: answering.URL})
	require.NoError(t, err)
	e.Clock.Advance(time.Second)
	for range 12 {
		e.MustCreate(t)
	}

	st, err := d.DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 12, st.Succeeded, "every delivery to the endpoint that answers")
	mu.Lock()
	assert.LessOrEqual(t, tried, e.opts.Workers, "at most the attempts already under way when the first went unanswered")
	mu.Unlock()
	ds, err := d.Deliveries(ctx, e.Workspace.ID, slow.ID, 0)
	require.NoError(t, err)
	untried := 0
	for _, dl := range ds {
		assert.Equal(t, payment.DeliveryPending, dl.Status)
		if dl.Attempts == 0 {
			untried++
		}
	}
	assert.Equal(t, 12-st.Failed, untried, "the others wait for the next step, their attempts not counted")
}

// failOnce sends one new event to a new endpoint at url, expects the attempt to fail and returns the
// delivery.
func (e *hookEnv) failOnce(t *testing.T, url string) payment.WebhookDelivery {
	t.Helper()
	d := e.dispatcher()
	ep, err := d.CreateEndpoint(ctx, e.Workspace.ID, payment.WebhookEndpointRequest{URL: url})
	require.NoError(t, err)
	e.Clock.Advance(time.Second)
	e.MustCreate(t)
	st, err := d.DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Failed)
	ds, err := d.Deliveries(ctx, e.Workspace.ID, ep.ID, 0)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	return ds[0]
}

func TestRedirectIsAFailure(t *testing.T) {
	e := newHookEnv(t)
	moved := httptest.NewServer(http.RedirectHandler("https://example.invalid/", http.StatusFound))
	t.Cleanup(moved.Close)
	// The default client, which does not follow redirects; the receiver is on loopback.
	e.opts.Client, e.opts.AllowHTTP, e.opts.AllowPrivateNetworks = nil, true, true
	dl := e.failOnce(t, moved.URL)
	assert.Equal(t, http.StatusFound, dl.LastStatusCode)
	assert.Equal(t, "answered 302 Found", dl.LastError)
}

// TestReconciliationEvents: events that carry their own payload (reconciliation.completed) are
// delivered with it as data.
func TestReconciliationEvents(t *testing.T) {
	e := newHookEnv(t)
	ep := e.endpoint(t, e.Workspace.ID, payment.EventReconciliationCompleted)
	log := eventLog{{Seq: 1, Event: payment.Event{ID: "evt_01JRECON00000000000000000", Type: payment.EventReconciliationCompleted,
		Workspace: e.Workspace.ID, OccurredAt: e.Clock.Now(), Data: json.RawMessage(`{"run_id":"run_1","exact":12}`)}}}
	d := webhook.New(log, e.store, e.opts)
	st, err := d.DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Succeeded)
	_, got, _ := e.recv.snapshot()
	require.Len(t, got, 1)
	assert.JSONEq(t, `{"run_id":"run_1","exact":12}`, string(got[0].Data))
	assert.Equal(t, ep.Workspace, got[0].Workspace)
}

type eventLog []payment.LoggedEvent

func (l eventLog) EventsAfter(_ context.Context, after int64, limit int) ([]payment.LoggedEvent, error) {
	var out []payment.LoggedEvent
	for _, e := range l {
		if e.Seq > after && (limit <= 0 || len(out) < limit) {
			out = append(out, e)
		}
	}
	return out, nil
}

func TestSendTest(t *testing.T) {
	e := newHookEnv(t)
	ep := e.endpoint(t, e.Workspace.ID)
	d := e.dispatcher()
	res, err := d.SendTest(ctx, e.Workspace.ID, ep.ID, payment.EventPaymentSettled)
	require.NoError(t, err)
	assert.NoError(t, res.Err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	_, got, _ := e.recv.snapshot()
	require.Len(t, got, 1)
	assert.Equal(t, res.EventID, got[0].ID)
	assert.JSONEq(t, `{"test":true}`, string(got[0].Data))
	_, err = d.SendTest(ctx, e.Workspace.ID, ep.ID, "payment.exploded")
	assert.ErrorIs(t, err, payment.ErrInvalid)
}

func TestEndpointManagement(t *testing.T) {
	e := newHookEnv(t)
	d := e.dispatcher()
	tests := []struct {
		name  string
		req   payment.WebhookEndpointRequest
		field string
	}{
		{"no url", payment.WebhookEndpointRequest{}, "url"},
		{"relative", payment.WebhookEndpointRequest{URL: "/hooks"}, "url"},
		{"plain http", payment.WebhookEndpointRequest{URL: "http://erp.example.com/hooks"}, "url"},
		{"credentials", payment.WebhookEndpointRequest{URL: "https://u:p@erp.example.com/hooks"}, "url"},
		{"unknown event", payment.WebhookEndpointRequest{URL: "https://erp.example.com/hooks", Events: []payment.EventType{"payment.reconciled"}}, "events"},
		{"description not UTF-8", payment.WebhookEndpointRequest{URL: "https://erp.example.com/hooks", Description: "ERP \xfe"}, "description"},
		{"description with NUL", payment.WebhookEndpointRequest{URL: "https://erp.example.com/hooks", Description: "ERP\x00"}, "description"},
		{"description too long", payment.WebhookEndpointRequest{URL: "https://erp.example.com/hooks", Description: strings.Repeat("ş", 201)}, "description"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.CreateEndpoint(ctx, e.Workspace.ID, tc.req)
			require.ErrorIs(t, err, payment.ErrInvalid)
			fe := payment.FieldErrors(err)
			require.Len(t, fe, 1)
			assert.Equal(t, tc.field, fe[0].Field)
		})
	}

	ep, err := d.CreateEndpoint(ctx, e.Workspace.ID, payment.WebhookEndpointRequest{URL: "https://erp.example.com/hooks", Description: "ERP"})
	require.NoError(t, err)
	assert.Regexp(t, `^whsec_[0-9a-f]{64}$`, ep.Secret)
	assert.Regexp(t, `^whk_`, ep.ID)

	upd, err := d.UpdateEndpoint(ctx, e.Workspace.ID, ep.ID, func(r *payment.WebhookEndpointRequest) {
		r.URL, r.Events = "https://erp.example.com/v2", []payment.EventType{payment.EventPaymentFailed}
	})
	require.NoError(t, err)
	assert.Equal(t, ep.Secret, upd.Secret, "an update keeps the secret")
	assert.Equal(t, "ERP", upd.Description, "and what the change leaves alone")
	_, err = d.UpdateEndpoint(ctx, e.Workspace.ID, ep.ID, func(r *payment.WebhookEndpointRequest) { r.URL = "ftp://x" })
	require.ErrorIs(t, err, payment.ErrInvalid, "the changed endpoint is validated")
	rot, err := d.RotateSecret(ctx, e.Workspace.ID, ep.ID)
	require.NoError(t, err)
	assert.NotEqual(t, ep.Secret, rot.Secret)

	for _, bad := range []string{"down\x00", "ERP \xfe", strings.Repeat("ş", 201)} {
		_, err := d.DisableEndpoint(ctx, e.Workspace.ID, ep.ID, bad)
		require.ErrorIs(t, err, payment.ErrInvalid, "%q", bad)
		assert.Equal(t, "reason", payment.FieldErrors(err)[0].Field)
	}
	off, err := d.DisableEndpoint(ctx, e.Workspace.ID, ep.ID, "maintenance")
	require.NoError(t, err)
	assert.True(t, off.Disabled, "the endpoint as it is now")
	list, err := d.Endpoints(ctx, e.Workspace.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].Disabled)
	assert.Equal(t, "maintenance", list[0].DisabledReason)
	assert.Equal(t, "https://erp.example.com/v2", list[0].URL)
	assert.Equal(t, []payment.EventType{payment.EventPaymentFailed}, list[0].Events)
	assert.Equal(t, rot.Secret, list[0].Secret)

	raw, err := json.Marshal(list[0])
	require.NoError(t, err)
	assert.NotContains(t, string(raw), rot.Secret, "the secret never appears in JSON")

	require.NoError(t, d.DeleteEndpoint(ctx, e.Workspace.ID, ep.ID))
	_, err = d.Deliveries(ctx, e.Workspace.ID, ep.ID, 0)
	assert.ErrorIs(t, err, payment.ErrNotFound)
	_, err = d.EnableEndpoint(ctx, e.Workspace.ID, ep.ID)
	assert.ErrorIs(t, err, payment.ErrNotFound)
}

// racingStore stores another change to an endpoint between a dispatcher's read of it and its write,
// as a second process or request would: meddle runs before each endpoint update it is asked for,
// times times.
type racingStore struct {
	*memory.Store
	meddle func()
	times  int
}

func (s *racingStore) UpdateWebhookEndpoint(ctx context.Context, old, e payment.WebhookEndpoint) error {
	if s.times > 0 {
		s.times--
		s.meddle()
	}
	return s.Store.UpdateWebhookEndpoint(ctx, old, e)
}

// TestEndpointChangesDoNotOverwriteEachOther: an update and a secret rotation that overlap both
// land; an endpoint that keeps changing under a change ends in ErrConflict with nothing of it stored.
func TestEndpointChangesDoNotOverwriteEachOther(t *testing.T) {
	e := newHookEnv(t)
	plain := e.dispatcher()
	ws := e.Workspace.ID
	ep, err := plain.CreateEndpoint(ctx, ws, payment.WebhookEndpointRequest{URL: "https://erp.example.com/hooks", Description: "ERP"})
	require.NoError(t, err)
	rs := &racingStore{Store: e.store}
	racing := webhook.New(e.store, rs, e.opts)

	var rotated payment.WebhookEndpoint
	rs.meddle, rs.times = func() {
		var err error
		rotated, err = plain.RotateSecret(ctx, ws, ep.ID)
		require.NoError(t, err)
	}, 1
	upd, err := racing.UpdateEndpoint(ctx, ws, ep.ID, func(r *payment.WebhookEndpointRequest) { r.Description = "ERP, live" })
	require.NoError(t, err)
	assert.Equal(t, "ERP, live", upd.Description)
	assert.Equal(t, rotated.Secret, upd.Secret, "the secret rotated meanwhile, and shown once, is kept")

	rs.meddle, rs.times = func() {
		_, err := plain.UpdateEndpoint(ctx, ws, ep.ID, func(r *payment.WebhookEndpointRequest) { r.URL = "https://erp.example.com/v2" })
		require.NoError(t, err)
	}, 1
	rot, err := racing.RotateSecret(ctx, ws, ep.ID)
	require.NoError(t, err)
	assert.NotEqual(t, rotated.Secret, rot.Secret)
	assert.Equal(t, "https://erp.example.com/v2", rot.URL, "the URL changed meanwhile is kept")
	got, err := plain.Endpoint(ctx, ws, ep.ID)
	require.NoError(t, err)
	assert.Equal(t, rot, got)

	n := 0
	rs.meddle, rs.times = func() {
		n++
		_, err := plain.UpdateEndpoint(ctx, ws, ep.ID, func(r *payment.WebhookEndpointRequest) { r.Description = fmt.Sprint("ERP ", n) })
		require.NoError(t, err)
	}, 1000
	_, err = racing.UpdateEndpoint(ctx, ws, ep.ID, func(r *payment.WebhookEndpointRequest) { r.URL = "https://erp.example.com/v3" })
	require.ErrorIs(t, err, payment.ErrConflict)
	got, err = plain.Endpoint(ctx, ws, ep.ID)
	require.NoError(t, err)
	assert.Equal(t, "https://erp.example.com/v2", got.URL, "nothing of the refused change")
	assert.Equal(t, fmt.Sprint("ERP ", n), got.Description)
	assert.Equal(t, 5, n, "the change was tried five times")
}

// TestRunStops: Run steps on its ticks and returns when its context ends.
func TestRunStops(t *testing.T) {
	e := newHookEnv(t)
	e.endpoint(t, e.Workspace.ID)
	e.Clock.Advance(time.Second)
	e.MustCreate(t)
	ticks := make(chan time.Time)
	e.opts.Ticks = ticks
	c, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.dispatcher().Run(c) }()
	ticks <- e.Clock.Now() // the first step has run when Run takes this tick
	requests, _, _ := e.recv.snapshot()
	assert.Equal(t, 1, requests)
	stop()
	assert.NoError(t, <-done)
}

// TestRunReturnsWhenTicksClose: a closed Ticks channel asks for no more steps; Run returns rather
// than stepping without rest until its context ends (a receive from a closed channel never blocks).
func TestRunReturnsWhenTicksClose(t *testing.T) {
	e := newHookEnv(t)
	ticks := make(chan time.Time)
	close(ticks)
	e.opts.Ticks = ticks
	c, stop := context.WithTimeout(ctx, time.Second)
	defer stop()
	require.NoError(t, e.dispatcher().Run(c))
	assert.NoError(t, c.Err(), "Run returned when the ticks ended, not when its context did")
}

// TestPruneFinishedDeliveries: finished deliveries older than KeepDeliveries are deleted, at most once
// an hour; a pending one stays however old, and a negative KeepDeliveries keeps everything.
func TestPruneFinishedDeliveries(t *testing.T) {
	e := newHookEnv(t)
	e.opts.KeepDeliveries = 24 * time.Hour
	ep := e.endpoint(t, e.Workspace.ID)
	d := e.dispatcher()
	count := func() int {
		ds, err := e.store.ListWebhookDeliveries(ctx, e.Workspace.ID, ep.ID, 0)
		require.NoError(t, err)
		return len(ds)
	}
	e.MustCreate(t)
	st, err := d.DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Succeeded)
	assert.Zero(t, st.Pruned, "nothing is old yet")

	e.recv.set(func(r *receiver) { r.answer = func(int, webhook.Envelope) int { return http.StatusServiceUnavailable } })
	e.MustCreate(t) // a delivery that keeps failing: pending, retried
	_, err = d.DeliverOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, count())

	e.Clock.Advance(25 * time.Hour)
	keepAll := e.opts
	keepAll.KeepDeliveries = -1
	st, err = webhook.New(e.store, e.store, keepAll).DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.Pruned, "a negative KeepDeliveries keeps everything")
	st, err = d.DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Pruned)
	assert.Equal(t, 1, count(), "the pending delivery stays")

	e.recv.set(func(r *receiver) { r.answer = func(int, webhook.Envelope) int { return http.StatusOK } })
	e.Clock.Advance(4 * time.Minute) // the late second attempt above put the third 4 min on
	st, err = d.DeliverOnce(ctx)     // its retry is due and succeeds: finished, and a day old
	require.NoError(t, err)
	assert.Equal(t, 1, st.Succeeded)
	assert.Zero(t, st.Pruned, "pruned less than an hour ago")
	assert.Equal(t, 1, count())
	e.Clock.Advance(time.Hour)
	st, err = d.DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Pruned)
	assert.Zero(t, count())
}

// unread is an event log whose events the fan-out never sees, so that its cursor stays where it is.
type unread struct{ *memory.Store }

func (unread) EventsAfter(context.Context, int64, int) ([]payment.LoggedEvent, error) {
	return nil, nil
}

// TestPruneFannedOutEvents: events older than KeepEvents leave the outbox once the fan-out has passed
// them, not before; a negative KeepEvents keeps them all.
func TestPruneFannedOutEvents(t *testing.T) {
	e := newHookEnv(t)
	e.opts.KeepEvents = 24 * time.Hour
	e.endpoint(t, e.Workspace.ID)
	e.MustCreate(t)
	e.Clock.Advance(25 * time.Hour)
	first := outboxIDs(e.store, e.Workspace.ID)
	require.Len(t, first, 1)

	st, err := webhook.New(unread{e.store}, e.store, e.opts).DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.PrunedEvents, "an event the fan-out has not passed stays, however old")
	keepAll := e.opts
	keepAll.KeepEvents = -1
	st, err = webhook.New(e.store, e.store, keepAll).DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Enqueued)
	assert.Zero(t, st.PrunedEvents, "a negative KeepEvents keeps everything")

	e.MustCreate(t)
	st, err = e.dispatcher().DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Succeeded, "the new event is delivered")
	assert.Equal(t, 1, st.PrunedEvents, "the day-old event goes")
	left := outboxIDs(e.store, e.Workspace.ID)
	require.Len(t, left, 1)
	assert.NotEqual(t, first[0], left[0], "the new event stays")
	_, got, _ := e.recv.snapshot()
	assert.Len(t, got, 2, "both events were delivered before")
}

// TestLateAttemptPushesRetriesOn: after the dispatcher was down for two days, a failing delivery is
// retried at the schedule's gaps from its late attempt (4 min, then 25 min), not on the next ticks
// one second apart, which would use up its retries and disable the endpoint within seconds.
func TestLateAttemptPushesRetriesOn(t *testing.T) {
	e := newHookEnv(t)
	e.recv.set(func(r *receiver) { r.answer = func(int, webhook.Envelope) int { return http.StatusServiceUnavailable } })
	ep := e.endpoint(t, e.Workspace.ID)
	e.Clock.Advance(time.Second)
	e.MustCreate(t)
	d := e.dispatcher()
	st, err := d.DeliverOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, st.Failed, "the first failure")

	e.Clock.Advance(48 * time.Hour) // down: the 1 min retry is two days late
	for i, wait := range []time.Duration{0, 4 * time.Minute, 25 * time.Minute} {
		e.Clock.Advance(wait - time.Second)
		if i > 0 {
			st, err = d.DeliverOnce(ctx)
			require.NoError(t, err)
			assert.Zero(t, st.Attempted, "retry %d: not a second before its gap", i+2)
		}
		e.Clock.Advance(time.Second)
		st, err = d.DeliverOnce(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, st.Attempted, "retry %d", i+2)
		assert.Zero(t, st.GaveUp)
	}
	ds, err := e.store.ListWebhookDeliveries(ctx, e.Workspace.ID, ep.ID, 0)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, 4, ds[0].Attempts)
	assert.Equal(t, payment.DeliveryPending, ds[0].Status, "two retries left")
	assert.Equal(t, e.Clock.Now().Add(2*time.Hour-30*time.Minute), ds[0].NextAttemptAt, "the 2 h retry 90 min after the 30 min one")
}

// TestEndpointsNamingNonPublicAddressesAreRefused: with the dispatcher's own client, an endpoint whose
// URL names a non-public address outright (an IP literal, localhost) is refused when it is given,
// not only when something is sent; with AllowPrivateNetworks, or a client of the caller's, it is
// taken.
func TestEndpointsNamingNonPublicAddressesAreRefused(t *testing.T) {
	e := newHookEnv(t)
	own := e.opts
	own.Client = nil
	d := webhook.New(e.store, e.store, own)
	for _, u := range []string{"https://127.0.0.1/h", "https://10.0.0.5:8443/h", "https://[::1]/h", "https://localhost:8080/h",
		"https://api.localhost/h", "https://169.254.169.254/latest", "https://[fd00::1]/h"} {
		_, err := d.CreateEndpoint(ctx, e.Workspace.ID, payment.WebhookEndpointRequest{URL: u})
		require.ErrorIs(t, err, payment.ErrInvalid, u)
		fe := payment.FieldErrors(err)
		require.Len(t, fe, 1, u)
		assert.Equal(t, "url", fe[0].Field, u)
		assert.Contains(t, fe[0].Reason, "endpoints must be on the public internet", u)
	}
	_, err := d.CreateEndpoint(ctx, e.Workspace.ID, payment.WebhookEndpointRequest{URL: "https://0.0.0.0/h"})
	require.Len(t, payment.FieldErrors(err), 1)
	assert.Contains(t, payment.FieldErrors(err)[0].Reason, "is an unspecified address", "the same words as the dispatcher's")
	_, err = d.CreateEndpoint(ctx, e.Workspace.ID, payment.WebhookEndpointRequest{URL: "https://erp.example.com/h"})
	require.NoError(t, err, "a name is checked when the client connects")
	_, err = d.CreateEndpoint(ctx, e.Workspace.ID, payment.WebhookEndpointRequest{URL: "https://93.184.215.14/h"})
	require.NoError(t, err, "a public address")

	own.AllowPrivateNetworks = true
	_, err = webhook.New(e.store, e.store, own).CreateEndpoint(ctx, e.Workspace.ID, payment.WebhookEndpointRequest{URL: "https://127.0.0.1/h"})
	require.NoError(t, err)
	_, err = e.dispatcher().CreateEndpoint(ctx, e.Workspace.ID, payment.WebhookEndpointRequest{URL: "https://127.0.0.1/h"})
	require.NoError(t, err, "a client of the caller's: the caller's guard")
}

// TestNoAttemptOutlastsItsLease: a slow endpoint takes 8 s a request, so a step's batch of 10
// outlasts its 1 min lease. The step starts no attempt that could end after the lease (one started at
// +56 s could answer at +66 s): the rest wait for the next step, and a second dispatcher stepping once
// the lease has run out does not send again what the first is sending (it used to: the first sent all
// ten, the second the last ones again).
func TestNoAttemptOutlastsItsLease(t *testing.T) {
	e := newHookEnv(t)
	e.endpoint(t, e.Workspace.ID)
	e.Clock.Advance(time.Second)
	for range 10 {
		e.MustCreate(t)
	}
	e.opts.Workers = 1
	first, second := e.dispatcher(), e.dispatcher()
	leaseEnds := e.Clock.Now().Add(time.Minute)
	stepped := false
	e.recv.set(func(r *receiver) {
		r.onRequest = func(int) {
			e.Clock.Advance(8 * time.Second)
			if !stepped && !e.Clock.Now().Before(leaseEnds) { // the first step's lease has run out
				stepped = true
				_, err := second.DeliverOnce(ctx)
				assert.NoError(t, err)
			}
		}
	})
	st, err := first.DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 7, st.Attempted, "attempts at +0 s … +48 s end within the lease; the rest wait")
	e.recv.set(func(r *receiver) { r.onRequest = func(int) { e.Clock.Advance(8 * time.Second) } })
	e.Clock.Set(leaseEnds)
	st, err = second.DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, st.Attempted, "the rest, once the lease has run out")
	requests, got, unique := e.recv.snapshot()
	assert.Equal(t, outboxIDs(e.store, e.Workspace.ID), eventIDs(got), "every event arrived")
	assert.Equal(t, 10, unique)
	assert.Equal(t, 10, requests, "none twice")
}

// tickingClock moves on a millisecond every time it is read, as a wall clock does between a claim
// and the attempts that follow it.
type tickingClock struct{ *paymenttest.Clock }

func (c tickingClock) Now() time.Time {
	c.Advance(time.Millisecond)
	return c.Clock.Now()
}

// TestLeaseNoLongerThanTimeout: a Lease that does not exceed the Timeout would leave no room for any
// attempt to end within it, and nothing would ever be sent; it is taken as twice the Timeout.
func TestLeaseNoLongerThanTimeout(t *testing.T) {
	e := newHookEnv(t)
	e.endpoint(t, e.Workspace.ID)
	e.Clock.Advance(time.Second)
	e.MustCreate(t)
	e.opts.Clock, e.opts.Timeout, e.opts.Lease = tickingClock{e.Clock}, time.Minute, time.Minute
	st, err := e.dispatcher().DeliverOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Succeeded)
}
