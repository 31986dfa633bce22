package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/orkesta/orkesta/payment"
)

var _ payment.WebhookStore = (*Store)(nil)

// hookTable holds webhook endpoints, deliveries and the fan-out cursor. It has its own lock: webhook
// traffic never waits on payment writes.
type hookTable struct {
	mu         sync.Mutex
	endpoints  map[string]*payment.WebhookEndpoint
	epOrder    []string
	deliveries map[string]*payment.WebhookDelivery
	dlOrder    []string
	pairs      map[[2]string]bool // (endpoint id, event id): one delivery per event and endpoint
	cursor     int64
}

func (h *hookTable) init() {
	if h.endpoints == nil {
		h.endpoints = make(map[string]*payment.WebhookEndpoint)
		h.deliveries = make(map[string]*payment.WebhookDelivery)
		h.pairs = make(map[[2]string]bool)
	}
}

func cloneEndpoint(e *payment.WebhookEndpoint) payment.WebhookEndpoint {
	c := *e
	c.Events = slices.Clone(e.Events)
	return c
}

// endpoint returns the workspace's endpoint or nil. Callers hold h.mu.
func (h *hookTable) endpoint(ws payment.WorkspaceID, id string) *payment.WebhookEndpoint {
	if e := h.endpoints[id]; e != nil && e.Workspace == ws {
		return e
	}
	return nil
}

// CreateWebhookEndpoint implements payment.WebhookStore.
func (s *Store) CreateWebhookEndpoint(_ context.Context, e payment.WebhookEndpoint) error {
	s.mu.RLock()
	_, ok := s.ws[e.Workspace]
	s.mu.RUnlock()
	if !ok {
		return payment.ErrNotFound
	}
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	h.init()
	if _, dup := h.endpoints[e.ID]; dup {
		return payment.ErrDuplicate
	}
	c := cloneEndpoint(&e)
	h.endpoints[e.ID] = &c
	h.epOrder = append(h.epOrder, e.ID)
	return nil
}

// GetWebhookEndpoint implements payment.WebhookStore.
func (s *Store) GetWebhookEndpoint(_ context.Context, ws payment.WorkspaceID, id string) (payment.WebhookEndpoint, error) {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.endpoint(ws, id); e != nil {
		return cloneEndpoint(e), nil
	}
	return payment.WebhookEndpoint{}, payment.ErrNotFound
}

// ListWebhookEndpoints implements payment.WebhookStore.
func (s *Store) ListWebhookEndpoints(_ context.Context, ws payment.WorkspaceID) ([]payment.WebhookEndpoint, error) {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []payment.WebhookEndpoint
	for _, id := range h.epOrder {
		if e := h.endpoint(ws, id); e != nil {
			out = append(out, cloneEndpoint(e))
		}
	}
	return out, nil
}

// UpdateWebhookEndpoint implements payment.WebhookStore.
func (s *Store) UpdateWebhookEndpoint(_ context.Context, old, e payment.WebhookEndpoint) error {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	cur := h.endpoint(e.Workspace, e.ID)
	if cur == nil {
		return payment.ErrNotFound
	}
	if cur.URL != old.URL || cur.Description != old.Description || cur.Secret != old.Secret ||
		!slices.Equal(cur.Events, old.Events) {
		return fmt.Errorf("%w: webhook endpoint %s changed meanwhile", payment.ErrConflict, e.ID)
	}
	cur.URL, cur.Description, cur.Secret = e.URL, e.Description, e.Secret
	cur.Events = slices.Clone(e.Events)
	return nil
}

// SetWebhookEndpointDisabled implements payment.WebhookStore.
func (s *Store) SetWebhookEndpointDisabled(_ context.Context, ws payment.WorkspaceID, id string, disabled bool, at time.Time, reason string) error {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.endpoint(ws, id)
	if e == nil {
		return payment.ErrNotFound
	}
	e.Disabled = disabled
	if disabled {
		e.DisabledAt, e.DisabledReason = at, reason
	} else {
		e.DisabledAt, e.DisabledReason = time.Time{}, ""
	}
	return nil
}

// DeleteWebhookEndpoint implements payment.WebhookStore.
func (s *Store) DeleteWebhookEndpoint(_ context.Context, ws payment.WorkspaceID, id string) error {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.endpoint(ws, id) == nil {
		return payment.ErrNotFound
	}
	delete(h.endpoints, id)
	h.epOrder = slices.DeleteFunc(h.epOrder, func(x string) bool { return x == id })
	h.dlOrder = slices.DeleteFunc(h.dlOrder, func(x string) bool {
		d := h.deliveries[x]
		if d.EndpointID == id && d.Status == payment.DeliveryPending {
			delete(h.deliveries, x)
			return true
		}
		return false
	})
	return nil
}

var _ payment.WebhookPruner = (*Store)(nil)

// PruneWebhookDeliveries implements payment.WebhookPruner.
func (s *Store) PruneWebhookDeliveries(_ context.Context, before time.Time, limit int) (int, error) {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	h.dlOrder = slices.DeleteFunc(h.dlOrder, func(x string) bool {
		d := h.deliveries[x]
		if n == limit || d.Status == payment.DeliveryPending || !d.CreatedAt.Before(before) {
			return false
		}
		n++
		delete(h.deliveries, x)
		delete(h.pairs, [2]string{d.EndpointID, d.Event.ID})
		return true
	})
	return n, nil
}

// WebhookCursor implements payment.WebhookStore.
func (s *Store) WebhookCursor(context.Context) (int64, error) {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cursor, nil
}

// EnqueueWebhookDeliveries implements payment.WebhookStore. A delivery repeating an (endpoint, event)
// pair already stored is dropped.
func (s *Store) EnqueueWebhookDeliveries(_ context.Context, prev, next int64, ds []payment.WebhookDelivery) error {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	h.init()
	if h.cursor != prev {
		return payment.ErrConflict
	}
	for i := range ds {
		if _, dup := h.deliveries[ds[i].ID]; dup {
			return payment.ErrDuplicate
		}
	}
	for i := range ds {
		k := [2]string{ds[i].EndpointID, ds[i].Event.ID}
		if h.pairs[k] {
			continue
		}
		h.pairs[k] = true
		d := ds[i]
		h.deliveries[d.ID] = &d
		h.dlOrder = append(h.dlOrder, d.ID)
	}
	h.cursor = next
	return nil
}

// ClaimWebhookDeliveries implements payment.WebhookStore.
func (s *Store) ClaimWebhookDeliveries(_ context.Context, now, until time.Time, limit int) ([]payment.WebhookDelivery, error) {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	var due []*payment.WebhookDelivery
	for _, id := range h.dlOrder {
		d := h.deliveries[id]
		if d.Status != payment.DeliveryPending || d.NextAttemptAt.After(now) {
			continue
		}
		if e := h.endpoints[d.EndpointID]; e == nil || e.Disabled {
			continue
		}
		due = append(due, d)
	}
	slices.SortStableFunc(due, func(a, b *payment.WebhookDelivery) int { return a.NextAttemptAt.Compare(b.NextAttemptAt) })
	if limit > 0 && len(due) > limit {
		due = due[:limit]
	}
	out := make([]payment.WebhookDelivery, len(due))
	for i, d := range due {
		d.NextAttemptAt = until
		out[i] = *d
	}
	return out, nil
}

// UpdateWebhookDelivery implements payment.WebhookStore.
func (s *Store) UpdateWebhookDelivery(_ context.Context, d payment.WebhookDelivery) error {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	old := h.deliveries[d.ID]
	if old == nil || old.Workspace != d.Workspace {
		return payment.ErrNotFound
	}
	*old = d
	return nil
}

// ListWebhookDeliveries implements payment.WebhookStore.
func (s *Store) ListWebhookDeliveries(_ context.Context, ws payment.WorkspaceID, endpointID string, limit int) ([]payment.WebhookDelivery, error) {
	h := &s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []payment.WebhookDelivery
	for i := len(h.dlOrder) - 1; i >= 0; i-- {
		d := h.deliveries[h.dlOrder[i]]
		if d.Workspace != ws || d.EndpointID != endpointID {
			continue
		}
		out = append(out, *d)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}
