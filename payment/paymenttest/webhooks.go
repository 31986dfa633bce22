package paymenttest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// WebhookStoreSuite runs the conformance tests of payment.WebhookStore against stores made by newStore
// (a new, empty store per subtest); stores that do not implement it are skipped. They check endpoints
// (round trip, workspace scoping, copies, updates that leave the disabled state alone, disabling),
// the fan-out cursor's compare-and-set, one delivery per event and endpoint, claims (due ones, earliest
// first, leased, none twice even from concurrent claimers, none of disabled endpoints), updates, listing
// and deletion.
func WebhookStoreSuite(t *testing.T, newStore func(t *testing.T) payment.Store) {
	capabilitySuite(t, newStore, "payment.WebhookStore", []capabilityTest[payment.WebhookStore]{
		{"Endpoints", testWebhookEndpoints},
		{"Deliveries", testWebhookDeliveries},
		{"ConcurrentClaims", testConcurrentDeliveryClaims},
		{"ConcurrentEndpointUpdates", testConcurrentEndpointUpdates},
		{"EndpointIDNoStoreHolds", testEndpointIDNoStoreHolds},
	})
	t.Run("Prune", func(t *testing.T) {
		s := newStore(t)
		h, ok := s.(payment.WebhookStore)
		p, pok := s.(payment.WebhookPruner)
		if !ok || !pok {
			t.Skip("store does not implement payment.WebhookPruner")
		}
		testPruneDeliveries(t, s, h, p)
	})
	t.Run("PruneCutWithinAMicrosecond", func(t *testing.T) {
		s := newStore(t)
		h, ok := s.(payment.WebhookStore)
		p, pok := s.(payment.WebhookPruner)
		if !ok || !pok {
			t.Skip("store does not implement payment.WebhookPruner")
		}
		testPruneDeliveriesFineCut(t, s, h, p)
	})
	t.Run("PruneEvents", func(t *testing.T) { testPruneEvents(t, newStore(t)) })
	t.Run("PruneEventsCutWithinAMicrosecond", func(t *testing.T) { testPruneEventsFineCut(t, newStore(t)) })
}

// testEndpointIDNoStoreHolds: an endpoint id that is not UTF-8 or holds NUL (a path segment such as
// %FF) names no endpoint: reading, disabling or deleting it is ErrNotFound and it has no deliveries,
// on every store (PostgreSQL, which cannot hold such text, refused the query).
func testEndpointIDNoStoreHolds(t *testing.T, s payment.Store, h payment.WebhookStore) {
	ws := NewEnv(t, s).Workspace.ID
	for _, id := range []string{"whk_\xff", "whk_\x00"} {
		_, err := h.GetWebhookEndpoint(ctx, ws, id)
		assert.ErrorIs(t, err, payment.ErrNotFound, "get %q", id)
		assert.ErrorIs(t, h.SetWebhookEndpointDisabled(ctx, ws, id, true, Epoch, "test"), payment.ErrNotFound, "disable %q", id)
		assert.ErrorIs(t, h.DeleteWebhookEndpoint(ctx, ws, id), payment.ErrNotFound, "delete %q", id)
		ds, err := h.ListWebhookDeliveries(ctx, ws, id, 10)
		assert.NoError(t, err, "deliveries of %q", id)
		assert.Empty(t, ds)
	}
}

// testPruneDeliveriesFineCut: a finished delivery was created before a cut that is a fraction of a
// microsecond after it (a dispatcher's clock has nanoseconds, stored times microseconds), so it goes,
// as an event does (testPruneEventsFineCut).
func testPruneDeliveriesFineCut(t *testing.T, s payment.Store, h payment.WebhookStore, p payment.WebhookPruner) {
	ws := NewEnv(t, s).Workspace.ID
	require.NoError(t, h.CreateWebhookEndpoint(ctx, payment.WebhookEndpoint{ID: "whk_a", Workspace: ws, URL: "https://x.example", CreatedAt: Epoch}))
	d := delivery("dlv_1", "whk_a", ws, "evt_1", Epoch)
	d.Status = payment.DeliverySucceeded
	require.NoError(t, h.EnqueueWebhookDeliveries(ctx, 0, 1, []payment.WebhookDelivery{d}))
	n, err := p.PruneWebhookDeliveries(ctx, Epoch, 100)
	require.NoError(t, err)
	assert.Zero(t, n, "not before a cut at the same instant")
	n, err = p.PruneWebhookDeliveries(ctx, Epoch.Add(500*time.Nanosecond), 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// testPruneEventsFineCut: an event occurred before a cut that is a fraction of a microsecond after it
// (a dispatcher's clock has nanoseconds, stored times microseconds), so it goes.
func testPruneEventsFineCut(t *testing.T, s payment.Store) {
	el, _ := s.(payment.EventLog)
	p, ok := s.(payment.EventPruner)
	if el == nil || !ok {
		t.Skip("store does not implement payment.EventLog and payment.EventPruner")
	}
	e := NewEnv(t, s)
	e.MustCreate(t)
	all, err := el.EventsAfter(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, all, 1)
	n, err := p.PruneEvents(ctx, all[0].Seq, all[0].OccurredAt, 100)
	require.NoError(t, err)
	assert.Zero(t, n, "not before a cut at the same instant")
	n, err = p.PruneEvents(ctx, all[0].Seq, all[0].OccurredAt.Add(500*time.Nanosecond), 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// testPruneEvents: the head of the log goes, up to the given number and while older than the cut,
// at most limit a call; the numbers of the events that stay and of new ones do not change.
func testPruneEvents(t *testing.T, s payment.Store) {
	el, _ := s.(payment.EventLog)
	p, ok := s.(payment.EventPruner)
	if el == nil || !ok {
		t.Skip("store does not implement payment.EventLog and payment.EventPruner")
	}
	e := NewEnv(t, s)
	for range 5 {
		e.MustCreate(t)
		e.Clock.Advance(time.Hour)
	}
	all, err := el.EventsAfter(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, all, 5)
	left := func() []payment.LoggedEvent {
		got, err := el.EventsAfter(ctx, 0, 0)
		require.NoError(t, err)
		return got
	}
	cut := all[2].OccurredAt.Add(time.Minute) // after the third event, before the fourth

	n, err := p.PruneEvents(ctx, all[3].Seq, cut, 2)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, all[2:], left(), "the oldest first, limit a call")
	n, err = p.PruneEvents(ctx, all[3].Seq, cut, 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, all[3:], left(), "the fourth occurred after the cut")
	n, err = p.PruneEvents(ctx, all[3].Seq, cut.Add(24*time.Hour), 100)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, all[4:], left(), "the fifth is numbered after upTo")
	n, err = p.PruneEvents(ctx, all[3].Seq, cut.Add(24*time.Hour), 100)
	require.NoError(t, err)
	assert.Zero(t, n)

	after, err := el.EventsAfter(ctx, all[0].Seq, 0)
	require.NoError(t, err)
	assert.Equal(t, all[4:], after, "a reader behind the pruned head gets what is left")
	e.MustCreate(t)
	got := left()
	require.Len(t, got, 2)
	assert.Greater(t, got[1].Seq, all[4].Seq, "numbers are not reused")
	n, err = p.PruneEvents(ctx, got[1].Seq, e.Clock.Now().Add(time.Hour), 100)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Empty(t, left())
	e.MustCreate(t)
	got = left()
	require.Len(t, got, 1)
	assert.Greater(t, got[0].Seq, all[4].Seq+1, "an emptied log goes on numbering where it was")
}

// testPruneDeliveries: finished deliveries created before the cut go, oldest first and at most limit
// a call; pending ones stay however old, and newer ones stay.
func testPruneDeliveries(t *testing.T, s payment.Store, h payment.WebhookStore, p payment.WebhookPruner) {
	e := NewEnv(t, s)
	ws := e.Workspace.ID
	t0 := Epoch
	require.NoError(t, h.CreateWebhookEndpoint(ctx, payment.WebhookEndpoint{ID: "whk_a", Workspace: ws, URL: "https://x.example", CreatedAt: t0}))
	var ds []payment.WebhookDelivery
	for i, st := range []payment.DeliveryStatus{payment.DeliverySucceeded, payment.DeliveryPending, payment.DeliveryFailed,
		payment.DeliverySucceeded, payment.DeliverySucceeded} {
		d := delivery(fmt.Sprintf("dlv_%d", i+1), "whk_a", ws, fmt.Sprintf("evt_%d", i+1), t0.Add(time.Duration(i)*time.Hour))
		ds = append(ds, d)
		ds[i].Status = st
	}
	require.NoError(t, h.EnqueueWebhookDeliveries(ctx, 0, 5, ds))
	left := func() []string {
		list, err := h.ListWebhookDeliveries(ctx, ws, "whk_a", 0)
		require.NoError(t, err)
		var ids []string
		for _, d := range list {
			ids = append(ids, d.ID)
		}
		return ids
	}
	cut := t0.Add(3*time.Hour + time.Minute) // after dlv_4, before dlv_5
	n, err := p.PruneWebhookDeliveries(ctx, cut, 1)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, []string{"dlv_5", "dlv_4", "dlv_3", "dlv_2"}, left(), "the oldest first")
	n, err = p.PruneWebhookDeliveries(ctx, cut, 100)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, []string{"dlv_5", "dlv_2"}, left(), "the pending one and the newer one stay")
	n, err = p.PruneWebhookDeliveries(ctx, cut, 100)
	require.NoError(t, err)
	assert.Zero(t, n)
}

func delivery(id, ep string, ws payment.WorkspaceID, evt string, due time.Time) payment.WebhookDelivery {
	return payment.WebhookDelivery{ID: id, Workspace: ws, EndpointID: ep, Seq: 1,
		Event:  payment.Event{ID: evt, Type: payment.EventPaymentCreated, Workspace: ws, OccurredAt: due},
		Status: payment.DeliveryPending, NextAttemptAt: due, CreatedAt: due}
}

func testWebhookEndpoints(t *testing.T, s payment.Store, h payment.WebhookStore) {
	e := NewEnv(t, s)
	ws := e.Workspace.ID
	ep := payment.WebhookEndpoint{ID: "whk_1", Workspace: ws, URL: "https://a.example/h", Description: "ERP — ödemeler",
		Secret: "s1", Events: []payment.EventType{payment.EventPaymentSettled, payment.EventPaymentFailed}, CreatedAt: Epoch}
	require.NoError(t, h.CreateWebhookEndpoint(ctx, ep))
	assert.ErrorIs(t, h.CreateWebhookEndpoint(ctx, ep), payment.ErrDuplicate)
	assert.ErrorIs(t, h.CreateWebhookEndpoint(ctx, payment.WebhookEndpoint{ID: "whk_2", Workspace: "ws_01JZZZZZZZZZZZZZZZZZZZZZZZ",
		URL: "https://a.example/h", CreatedAt: Epoch}), payment.ErrNotFound, "unknown workspace")

	// What the caller keeps is not the store's.
	want := ep
	want.Events = []payment.EventType{payment.EventPaymentSettled, payment.EventPaymentFailed}
	ep.Events[0] = payment.EventPaymentCancelled
	got, err := h.GetWebhookEndpoint(ctx, ws, "whk_1")
	require.NoError(t, err)
	assert.Equal(t, want, got, "every field, the secret too")
	assert.Equal(t, time.UTC, got.CreatedAt.Location())
	_, err = h.GetWebhookEndpoint(ctx, "ws_01JZZZZZZZZZZZZZZZZZZZZZZZ", "whk_1")
	assert.ErrorIs(t, err, payment.ErrNotFound, "another workspace's endpoint")

	stale := got
	changed := got
	changed.Events = nil
	changed.URL, changed.Secret, changed.Disabled = "https://b.example/h", "s2", true
	require.NoError(t, h.UpdateWebhookEndpoint(ctx, stale, changed))
	got, err = h.GetWebhookEndpoint(ctx, ws, "whk_1")
	require.NoError(t, err)
	assert.Equal(t, "https://b.example/h", got.URL)
	assert.Equal(t, "s2", got.Secret)
	assert.Empty(t, got.Events, "every event type")
	assert.False(t, got.Disabled, "the disabled state changes only through SetWebhookEndpointDisabled")

	// A change made from a copy read before another change was stored is refused whole: a
	// description edited from the stale copy must not bring the old URL and secret back.
	late := stale
	late.Description = "from a stale copy"
	assert.ErrorIs(t, h.UpdateWebhookEndpoint(ctx, stale, late), payment.ErrConflict)
	again, err := h.GetWebhookEndpoint(ctx, ws, "whk_1")
	require.NoError(t, err)
	assert.Equal(t, got, again, "nothing of the refused change is stored")
	for name, differ := range map[string]func(*payment.WebhookEndpoint){
		"url":         func(e *payment.WebhookEndpoint) { e.URL = "https://c.example/h" },
		"description": func(e *payment.WebhookEndpoint) { e.Description = "other" },
		"secret":      func(e *payment.WebhookEndpoint) { e.Secret = "s3" },
		"events":      func(e *payment.WebhookEndpoint) { e.Events = []payment.EventType{payment.EventPaymentSettled} },
	} {
		old := got
		differ(&old)
		assert.ErrorIs(t, h.UpdateWebhookEndpoint(ctx, old, got), payment.ErrConflict, "the stored %s differs", name)
	}

	other := got
	other.Workspace = "ws_01JZZZZZZZZZZZZZZZZZZZZZZZ"
	assert.ErrorIs(t, h.UpdateWebhookEndpoint(ctx, other, other), payment.ErrNotFound)
	gone := got
	gone.ID = "whk_404"
	assert.ErrorIs(t, h.UpdateWebhookEndpoint(ctx, gone, gone), payment.ErrNotFound)

	at := Epoch.Add(time.Hour)
	require.NoError(t, h.SetWebhookEndpointDisabled(ctx, ws, "whk_1", true, at, "too many failures"))
	got, err = h.GetWebhookEndpoint(ctx, ws, "whk_1")
	require.NoError(t, err)
	assert.True(t, got.Disabled)
	assert.True(t, at.Equal(got.DisabledAt))
	assert.Equal(t, "too many failures", got.DisabledReason)
	require.NoError(t, h.SetWebhookEndpointDisabled(ctx, ws, "whk_1", false, at, ""))
	got, err = h.GetWebhookEndpoint(ctx, ws, "whk_1")
	require.NoError(t, err)
	assert.False(t, got.Disabled)
	assert.True(t, got.DisabledAt.IsZero())
	assert.Empty(t, got.DisabledReason)
	assert.ErrorIs(t, h.SetWebhookEndpointDisabled(ctx, "ws_01JZZZZZZZZZZZZZZZZZZZZZZZ", "whk_1", true, at, ""), payment.ErrNotFound)

	require.NoError(t, h.CreateWebhookEndpoint(ctx, payment.WebhookEndpoint{ID: "whk_0", Workspace: ws, URL: "https://c.example",
		CreatedAt: Epoch.Add(time.Minute)}))
	eps, err := h.ListWebhookEndpoints(ctx, ws)
	require.NoError(t, err)
	require.Len(t, eps, 2)
	assert.Equal(t, "whk_1", eps[0].ID, "oldest first")
	assert.Equal(t, "whk_0", eps[1].ID)
	none, err := h.ListWebhookEndpoints(ctx, "ws_01JZZZZZZZZZZZZZZZZZZZZZZZ")
	require.NoError(t, err)
	assert.Empty(t, none)
}

func testWebhookDeliveries(t *testing.T, s payment.Store, h payment.WebhookStore) {
	e := NewEnv(t, s)
	ws := e.Workspace.ID
	t0 := Epoch
	for _, id := range []string{"whk_a", "whk_b"} {
		require.NoError(t, h.CreateWebhookEndpoint(ctx, payment.WebhookEndpoint{ID: id, Workspace: ws, URL: "https://x.example", CreatedAt: t0}))
	}

	cur, err := h.WebhookCursor(ctx)
	require.NoError(t, err)
	assert.Zero(t, cur)
	first := []payment.WebhookDelivery{
		delivery("dlv_1", "whk_a", ws, "evt_1", t0.Add(2*time.Second)),
		delivery("dlv_2", "whk_b", ws, "evt_1", t0.Add(time.Second)),
	}
	require.NoError(t, h.EnqueueWebhookDeliveries(ctx, 0, 5, first))
	assert.ErrorIs(t, h.EnqueueWebhookDeliveries(ctx, 0, 7, []payment.WebhookDelivery{
		delivery("dlv_3", "whk_a", ws, "evt_9", t0)}), payment.ErrConflict, "the cursor moved: nothing stored")
	// The same event to the same endpoint again is dropped; the cursor moves on.
	require.NoError(t, h.EnqueueWebhookDeliveries(ctx, 5, 6, []payment.WebhookDelivery{
		delivery("dlv_4", "whk_a", ws, "evt_1", t0), delivery("dlv_5", "whk_a", ws, "evt_2", t0.Add(3*time.Second))}))
	cur, err = h.WebhookCursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(6), cur)
	// A reused delivery id stores nothing and leaves the cursor.
	assert.ErrorIs(t, h.EnqueueWebhookDeliveries(ctx, 6, 8, []payment.WebhookDelivery{
		delivery("dlv_6", "whk_b", ws, "evt_3", t0), delivery("dlv_5", "whk_b", ws, "evt_4", t0)}), payment.ErrDuplicate)
	cur, err = h.WebhookCursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(6), cur)
	// Events nobody wants still move the cursor.
	require.NoError(t, h.EnqueueWebhookDeliveries(ctx, 6, 9, nil))
	cur, err = h.WebhookCursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(9), cur)

	// Claims: due ones only, earliest first, and leased until the given time.
	got, err := h.ClaimWebhookDeliveries(ctx, t0.Add(2*time.Second), t0.Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "dlv_2", got[0].ID)
	assert.Equal(t, "dlv_1", got[1].ID)
	assert.True(t, t0.Add(time.Minute).Equal(got[0].NextAttemptAt))
	want := first[1]
	want.NextAttemptAt = t0.Add(time.Minute)
	assert.Equal(t, want, got[0], "every field, the event too")
	again, err := h.ClaimWebhookDeliveries(ctx, t0.Add(2*time.Second), t0.Add(time.Minute), 10)
	require.NoError(t, err)
	assert.Empty(t, again, "leased")

	// A disabled endpoint's deliveries wait.
	require.NoError(t, h.SetWebhookEndpointDisabled(ctx, ws, "whk_a", true, t0, "off"))
	got, err = h.ClaimWebhookDeliveries(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour), 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "dlv_2", got[0].ID)

	done := got[0]
	done.Status, done.Attempts, done.NextAttemptAt = payment.DeliverySucceeded, 1, time.Time{}
	done.LastAttemptAt, done.DeliveredAt, done.LastStatusCode = t0.Add(time.Hour), t0.Add(time.Hour), 204
	done.FirstFailedAt, done.LastError = t0.Add(time.Second), "503 once"
	require.NoError(t, h.UpdateWebhookDelivery(ctx, done))
	wrong := done
	wrong.Workspace = "ws_01JZZZZZZZZZZZZZZZZZZZZZZZ"
	assert.ErrorIs(t, h.UpdateWebhookDelivery(ctx, wrong), payment.ErrNotFound)

	list, err := h.ListWebhookDeliveries(ctx, ws, "whk_a", 0)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "dlv_5", list[0].ID, "newest first")
	list, err = h.ListWebhookDeliveries(ctx, ws, "whk_b", 1)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, done, list[0])
	none, err := h.ListWebhookDeliveries(ctx, "ws_01JZZZZZZZZZZZZZZZZZZZZZZZ", "whk_b", 0)
	require.NoError(t, err)
	assert.Empty(t, none)

	// Deleting an endpoint removes its pending deliveries.
	require.NoError(t, h.DeleteWebhookEndpoint(ctx, ws, "whk_a"))
	list, err = h.ListWebhookDeliveries(ctx, ws, "whk_a", 0)
	require.NoError(t, err)
	assert.Empty(t, list)
	assert.ErrorIs(t, h.DeleteWebhookEndpoint(ctx, ws, "whk_a"), payment.ErrNotFound)
	eps, err := h.ListWebhookEndpoints(ctx, ws)
	require.NoError(t, err)
	require.Len(t, eps, 1)
	assert.Equal(t, "whk_b", eps[0].ID)
}

// testConcurrentEndpointUpdates: changes made at once from the same read of an endpoint are one
// winner and conflicts, never a mix, on however many connections the store has.
func testConcurrentEndpointUpdates(t *testing.T, s payment.Store, h payment.WebhookStore) {
	e := NewEnv(t, s)
	ep := payment.WebhookEndpoint{ID: "whk_c", Workspace: e.Workspace.ID, URL: "https://x.example/h", Secret: "s0", CreatedAt: Epoch}
	require.NoError(t, h.CreateWebhookEndpoint(ctx, ep))
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := ep
			c.Description, c.Secret = fmt.Sprint("change ", i), fmt.Sprint("s", i+1)
			errs[i] = h.UpdateWebhookEndpoint(ctx, ep, c)
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, won, "two changes from one read both won")
			won = i
			continue
		}
		require.ErrorIs(t, err, payment.ErrConflict, "change %d", i)
	}
	require.GreaterOrEqual(t, won, 0, "one change wins")
	got, err := h.GetWebhookEndpoint(ctx, e.Workspace.ID, "whk_c")
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint("change ", won), got.Description)
	assert.Equal(t, fmt.Sprint("s", won+1), got.Secret, "the winner's change, whole")
}

func testConcurrentDeliveryClaims(t *testing.T, s payment.Store, h payment.WebhookStore) {
	e := NewEnv(t, s)
	ws := e.Workspace.ID
	require.NoError(t, h.CreateWebhookEndpoint(ctx, payment.WebhookEndpoint{ID: "whk_a", Workspace: ws, URL: "https://x.example", CreatedAt: Epoch}))
	const n = 60
	ds := make([]payment.WebhookDelivery, n)
	for i := range ds {
		ds[i] = delivery(payment.PrefixWebhookDelivery+e.Service.NewID(""), "whk_a", ws, e.Service.NewID(payment.PrefixEvent), Epoch)
	}
	require.NoError(t, h.EnqueueWebhookDeliveries(ctx, 0, n, ds))
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for {
				got, err := h.ClaimWebhookDeliveries(ctx, Epoch, Epoch.Add(time.Minute), 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, n, "every delivery claimed")
	for id, k := range seen {
		assert.Equal(t, 1, k, "%s claimed %d times", id, k)
	}
}
