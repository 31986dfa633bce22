package payment

import (
	"context"
	"slices"
	"time"
)

// PrefixWebhookEndpoint and PrefixWebhookDelivery start webhook endpoint and delivery ids.
const (
	PrefixWebhookEndpoint = "whk_"
	PrefixWebhookDelivery = "dlv_"
)

// WebhookEndpoint is a workspace's subscriber URL: events of the types it asks for are POSTed to it,
// signed with its secret.
type WebhookEndpoint struct {
	ID          string      `json:"id"` // whk_ + ULID
	Workspace   WorkspaceID `json:"workspace_id"`
	URL         string      `json:"url"`
	Description string      `json:"description,omitempty"`
	// Events are the event types delivered; empty means every type.
	Events []EventType `json:"events"`
	// Secret keys the HMAC-SHA256 signature of every delivery. Never shown in listings or logs.
	Secret string `json:"-"`
	// Disabled endpoints receive nothing; DisabledReason says why (the last failure that disabled it,
	// or an operator's note).
	Disabled       bool      `json:"disabled"`
	DisabledAt     time.Time `json:"disabled_at,omitzero"`
	DisabledReason string    `json:"disabled_reason,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// Wants reports whether the endpoint subscribes to events of type t.
func (e *WebhookEndpoint) Wants(t EventType) bool {
	return len(e.Events) == 0 || slices.Contains(e.Events, t)
}

// DeliveryStatus is where one delivery of one event to one endpoint stands. Wire values are a public
// contract.
type DeliveryStatus string

// Delivery statuses.
const (
	// DeliveryPending: not yet acknowledged; NextAttemptAt says when it is tried (again).
	DeliveryPending DeliveryStatus = "pending"
	// DeliverySucceeded: the endpoint answered 2xx in time.
	DeliverySucceeded DeliveryStatus = "succeeded"
	// DeliveryFailed: every retry failed (and the endpoint was disabled).
	DeliveryFailed DeliveryStatus = "failed"
)

// WebhookDelivery is one event on its way to one endpoint, with the story of its attempts.
type WebhookDelivery struct {
	ID         string      `json:"id"` // dlv_ + ULID
	Workspace  WorkspaceID `json:"workspace_id"`
	EndpointID string      `json:"endpoint_id"`
	// Seq is the event's position in the store's outbox (EventLog).
	Seq   int64 `json:"seq"`
	Event Event `json:"event"`
	// Status, and NextAttemptAt for pending deliveries.
	Status        DeliveryStatus `json:"status"`
	NextAttemptAt time.Time      `json:"next_attempt_at,omitzero"`
	// Attempts counts the attempts made; FirstFailedAt is when the first one failed (retries are
	// scheduled from it).
	Attempts      int       `json:"attempts"`
	FirstFailedAt time.Time `json:"first_failed_at,omitzero"`
	LastAttemptAt time.Time `json:"last_attempt_at,omitzero"`
	// LastStatusCode is the HTTP status of the last answer (0: none, e.g. a timeout); LastError says
	// what went wrong with it.
	LastStatusCode int       `json:"last_status_code,omitempty"`
	LastError      string    `json:"last_error,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	DeliveredAt    time.Time `json:"delivered_at,omitzero"`
}

// WebhookStore persists webhook endpoints, deliveries and how far the outbox has been fanned out.
// Package adapters/webhook delivers with it; adapters/memory implements it, and SQL stores implement
// it beside their outbox. Methods taking a workspace treat another workspace's records as ErrNotFound.
//
// Delivery is at least once: the fan-out moves the cursor and stores the deliveries atomically (no
// event skipped or doubled), and a claimed delivery whose dispatcher dies is claimed again when its
// lease runs out; receivers drop the rare repeat by event id.
type WebhookStore interface {
	// CreateWebhookEndpoint stores a new endpoint; ErrDuplicate if the id exists.
	CreateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) error
	GetWebhookEndpoint(ctx context.Context, ws WorkspaceID, id string) (WebhookEndpoint, error)
	// ListWebhookEndpoints returns the workspace's endpoints, oldest first.
	ListWebhookEndpoints(ctx context.Context, ws WorkspaceID) ([]WebhookEndpoint, error)
	// UpdateWebhookEndpoint replaces the URL, description, events and secret of endpoint old with e's
	// (not its disabled state: see SetWebhookEndpointDisabled), provided the stored endpoint still
	// has old's: when another change came in between it is ErrConflict and nothing is written, so
	// that neither change is lost (a rotated secret, say, that was shown once). ErrNotFound when the
	// endpoint is gone. e has old's id and workspace.
	UpdateWebhookEndpoint(ctx context.Context, old, e WebhookEndpoint) error
	// SetWebhookEndpointDisabled disables (with when and why) or re-enables an endpoint.
	SetWebhookEndpointDisabled(ctx context.Context, ws WorkspaceID, id string, disabled bool, at time.Time, reason string) error
	// DeleteWebhookEndpoint removes an endpoint and its pending deliveries.
	DeleteWebhookEndpoint(ctx context.Context, ws WorkspaceID, id string) error

	// WebhookCursor is the sequence number of the last outbox event fanned out (0 before the first).
	WebhookCursor(ctx context.Context) (int64, error)
	// EnqueueWebhookDeliveries stores ds and moves the cursor from prev to next in one transaction.
	// When the cursor is no longer prev (another dispatcher fanned these events out) it is
	// ErrConflict and nothing is stored.
	EnqueueWebhookDeliveries(ctx context.Context, prev, next int64, ds []WebhookDelivery) error
	// ClaimWebhookDeliveries returns up to limit pending deliveries due at or before now, of enabled
	// endpoints, earliest due first, and moves their NextAttemptAt to until so that no other
	// dispatcher takes them meanwhile. (PostgreSQL: UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
	// LOCKED) RETURNING ….)
	ClaimWebhookDeliveries(ctx context.Context, now, until time.Time, limit int) ([]WebhookDelivery, error)
	// UpdateWebhookDelivery stores the outcome of an attempt (status, attempts, times, last answer).
	UpdateWebhookDelivery(ctx context.Context, d WebhookDelivery) error
	// ListWebhookDeliveries returns an endpoint's deliveries, newest first, at most limit (0: all).
	ListWebhookDeliveries(ctx context.Context, ws WorkspaceID, endpointID string, limit int) ([]WebhookDelivery, error)
}

// A WebhookPruner forgets deliveries that are done with. A webhook store keeps one delivery for every
// event and endpoint, so without pruning it grows for ever; adapters/webhook prunes the ones older
// than its retention.
type WebhookPruner interface {
	// PruneWebhookDeliveries deletes up to limit deliveries created before before that are no longer
	// pending (succeeded or failed), oldest first, and returns how many it deleted. Pending ones
	// stay, however old.
	PruneWebhookDeliveries(ctx context.Context, before time.Time, limit int) (int, error)
}

// WebhookEndpointRequest is what a workspace gives to create or change an endpoint.
type WebhookEndpointRequest struct {
	URL         string      `json:"url"`
	Description string      `json:"description,omitempty"`
	Events      []EventType `json:"events"` // empty: every event type
}

// WebhookTest is the outcome of a test event sent to an endpoint.
type WebhookTest struct {
	EventID    string
	StatusCode int   // 0 when there was no answer
	Err        error // nil for a 2xx in time
}

// Webhooks configures a workspace's webhook endpoints. adapters/webhook's Dispatcher implements it;
// the API and the dashboard take it, so that they configure endpoints the same way. Methods treat
// another workspace's endpoints as ErrNotFound; invalid input is *ValidationError, several joined.
type Webhooks interface {
	// Endpoints lists the workspace's endpoints, oldest first.
	Endpoints(ctx context.Context, ws WorkspaceID) ([]WebhookEndpoint, error)
	Endpoint(ctx context.Context, ws WorkspaceID, id string) (WebhookEndpoint, error)
	// CreateEndpoint validates and stores an endpoint with a new secret, returned in the endpoint (the
	// one time it is handed out, apart from RotateSecret).
	CreateEndpoint(ctx context.Context, ws WorkspaceID, r WebhookEndpointRequest) (WebhookEndpoint, error)
	// UpdateEndpoint applies change to what the endpoint is now (URL, description, events), validates
	// the result as CreateEndpoint does, and stores it.
	UpdateEndpoint(ctx context.Context, ws WorkspaceID, id string, change func(*WebhookEndpointRequest)) (WebhookEndpoint, error)
	// RotateSecret gives the endpoint a new secret, returned in the endpoint.
	RotateSecret(ctx context.Context, ws WorkspaceID, id string) (WebhookEndpoint, error)
	// DisableEndpoint stops deliveries to the endpoint, with a person's reason.
	DisableEndpoint(ctx context.Context, ws WorkspaceID, id, reason string) (WebhookEndpoint, error)
	// EnableEndpoint resumes deliveries to a disabled endpoint.
	EnableEndpoint(ctx context.Context, ws WorkspaceID, id string) (WebhookEndpoint, error)
	// DeleteEndpoint removes the endpoint and its pending deliveries.
	DeleteEndpoint(ctx context.Context, ws WorkspaceID, id string) error
	// Deliveries returns the endpoint's deliveries, newest first, at most limit (0: all).
	Deliveries(ctx context.Context, ws WorkspaceID, id string, limit int) ([]WebhookDelivery, error)
	// SendTest sends one signed test event of type t to the endpoint now and reports the answer.
	SendTest(ctx context.Context, ws WorkspaceID, id string, t EventType) (WebhookTest, error)
}
