-- 0004: webhook endpoints, deliveries and the fan-out cursor (payment.WebhookStore).
--
-- The endpoint's secret is stored as it is: it keys the HMAC of every delivery, so it cannot be
-- hashed. Deliveries carry their event (JSON) and keep no foreign key to their endpoint: finished
-- ones stay, as a record, after the endpoint is deleted.

CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    events          TEXT NOT NULL DEFAULT '', -- event types, comma-separated; empty: every type
    secret          TEXT NOT NULL,
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    disabled_at     TEXT,
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL
) STRICT;

CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, created_at, id);

CREATE TABLE webhook_deliveries (
    pos              INTEGER PRIMARY KEY, -- insertion order: listings are newest first
    id               TEXT NOT NULL UNIQUE,
    workspace_id     TEXT NOT NULL,
    endpoint_id      TEXT NOT NULL,
    seq              INTEGER NOT NULL, -- the event's position in the outbox
    event_id         TEXT NOT NULL,
    event            TEXT NOT NULL, -- the payment.Event as JSON
    status           TEXT NOT NULL,
    next_attempt_at  TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    first_failed_at  TEXT,
    last_attempt_at  TEXT,
    last_status_code INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    delivered_at     TEXT,
    UNIQUE (endpoint_id, event_id) -- one delivery per event and endpoint
) STRICT;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, pos) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, pos);

-- How far the outbox has been fanned out: the seq of the last event turned into deliveries.
CREATE TABLE webhook_cursor (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq INTEGER NOT NULL
) STRICT;

INSERT INTO webhook_cursor (one, seq) VALUES (1, 0);
