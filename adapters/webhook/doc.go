// Package webhook delivers a store's events to the HTTP endpoints of each workspace, signed, retried
// and never lost.
//
// # Where events come from
//
// Every payment change writes its event to the store's outbox in the same transaction as the change
// (payment.EventLog): an event exists if and only if its change committed, so a crash loses none and a
// rollback invents none. A Dispatcher reads the outbox after a cursor and, in one store call
// (payment.WebhookStore.EnqueueWebhookDeliveries), creates one delivery per interested endpoint and
// moves the cursor: no event is skipped or fanned out twice, even with several dispatchers.
//
// The event types are payment.created, payment.approved, payment.processing, payment.settled,
// payment.failed, payment.cancelled and reconciliation.completed. Each endpoint belongs to one
// workspace, sees only that workspace's events, and may subscribe to some types only.
//
// # A delivery
//
// An HTTP POST of a JSON Envelope to the endpoint's URL:
//
//	POST /hooks/orkesta HTTP/1.1
//	Content-Type: application/json
//	X-Signature-256: 5d1c…  (hex HMAC-SHA256 of the raw body, keyed with the endpoint's secret)
//	X-Event-Id: evt_01J…
//	X-Event-Type: payment.settled
//
//	{"id":"evt_01J…","type":"payment.settled","workspace_id":"ws_…","occurred_at":"…",
//	 "timestamp":1768467600,"attempt":1,"data":{…the payment…}}
//
// The timestamp (Unix seconds of this attempt) is inside the signed body, so a captured request
// replayed later fails Verify's tolerance; the event id is the same on every attempt, so a receiver
// drops a repeat. Receivers call Verify before trusting anything in the body.
//
// An answer 2xx within Options.Timeout (10 s) is a success; anything else (another status, a redirect,
// no answer) is a failure. An endpoint that leaves an attempt without an answer gets no more attempts
// in that step of the dispatcher (its other due deliveries wait, untried, for the next), so that a
// slow endpoint holds the others up for one timeout, not one per delivery. After the first failure the delivery is retried 1 min, 5 min, 30 min, 2 h
// and 8 h after that failure (Options.Retries), and never sooner after the previous attempt than the
// schedule's gap between the two (an attempt made late, after the dispatcher was down or the
// endpoint re-enabled, pushes the later retries on); when the last retry fails the delivery is failed
// and the endpoint disabled, with the reason. EnableEndpoint re-enables it: deliveries that were pending
// resume, events that occurred meanwhile are not sent.
//
// Finished deliveries (succeeded or failed) are deleted 30 days after they were created
// (Options.KeepDeliveries; a store that is a payment.WebhookPruner, as memory, SQLite and PostgreSQL
// are), so the store does not grow with every event for ever. Pending ones are kept. In the same way
// the outbox's events are deleted 30 days after they occurred once the fan-out has passed them
// (Options.KeepEvents; an event log that is a payment.EventPruner): each delivery carries its own
// copy of its event. An application that reads the event log itself sets KeepEvents to -1 and prunes
// it when its own reader is done.
//
// # Where deliveries may go
//
// Endpoint URLs are https:// (http:// too with Options.AllowHTTP), and whoever may create an endpoint
// chooses where the server connects. The dispatcher's own client therefore connects only to addresses
// on the public internet: when it connects, after DNS resolution (a name that resolves, or starts
// to resolve, to an internal address is refused too), it refuses loopback, private, link-local
// (cloud metadata services), carrier-grade NAT, unspecified, multicast, broadcast and reserved
// addresses (CheckAddress), and the attempt fails with an *AddressError (ErrNotPublic) that says only
// that. Options.AllowPrivateNetworks lifts this for local development and tests. A host that passes
// its own Options.Client (an egress proxy, say) keeps endpoints off its network itself.
//
// # Guarantees
//
// Delivery is at least once. A dispatcher that dies between sending and recording the answer leaves
// its claimed deliveries to be sent again when their lease (Options.Lease) runs out, with the same
// event id: the only duplicates a receiver sees are those it can drop by id. Order is not guaranteed;
// use occurred_at and the payment's version.
package webhook
