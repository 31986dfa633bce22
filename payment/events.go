package payment

import (
	"context"
	"encoding/json"
	"time"
)

// EventType names what happened. Wire values are a public contract (webhook payloads).
type EventType string

// Event types.
const (
	EventPaymentCreated          EventType = "payment.created"
	EventPaymentApproved         EventType = "payment.approved"
	EventPaymentProcessing       EventType = "payment.processing"
	EventPaymentSettled          EventType = "payment.settled"
	EventPaymentFailed           EventType = "payment.failed"
	EventPaymentCancelled        EventType = "payment.cancelled"
	EventReconciliationCompleted EventType = "reconciliation.completed"
)

// EventTypes lists every event type.
func EventTypes() []EventType {
	return []EventType{EventPaymentCreated, EventPaymentApproved, EventPaymentProcessing, EventPaymentSettled,
		EventPaymentFailed, EventPaymentCancelled, EventReconciliationCompleted}
}

// eventFor is the event a payment publishes on entering a status; reconciled publishes none (there is
// one reconciliation.completed per run instead).
func eventFor(s Status) EventType {
	switch s {
	case StatusPending:
		return EventPaymentCreated
	case StatusApproved:
		return EventPaymentApproved
	case StatusProcessing:
		return EventPaymentProcessing
	case StatusSettled:
		return EventPaymentSettled
	case StatusFailed:
		return EventPaymentFailed
	case StatusCancelled:
		return EventPaymentCancelled
	}
	return ""
}

// Event is something that happened, written to the store's outbox in the same transaction as the
// change it reports, then published.
type Event struct {
	ID         string      `json:"id"` // evt_ + ULID: receivers de-duplicate on it
	Type       EventType   `json:"type"`
	Workspace  WorkspaceID `json:"workspace_id"`
	OccurredAt time.Time   `json:"occurred_at"`
	// Payment is the payment as it was right after the change, for payment.* events. Treat it as
	// read-only: a store may share this snapshot with its own record of that version.
	Payment *Payment `json:"payment,omitempty"`
	// Data is the payload of other events (reconciliation.completed: the run summary).
	Data json.RawMessage `json:"data,omitempty"`
}

// Publisher is told about events after they are committed. It must not block for long; durable
// delivery (webhooks) reads the store's outbox instead.
type Publisher interface {
	Publish(ctx context.Context, e Event)
}
