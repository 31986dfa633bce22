-- 0004: webhook endpoints, deliveries and the fan-out cursor (payment.WebhookStore).
--
-- The endpoint's secret is stored as it is: it keys the HMAC of every delivery, so it cannot be
-- hashed. Deliveries carry their event (JSON) and keep no foreign key to their endpoint: finished
-- ones stay, as a record, after the endpoint is deleted.

CREATE TABLE webhook_endpoints (
    id              text COLLATE "C" PRIMARY KEY,
    workspace_id    text COLLATE "C" NOT NULL REFERENCES workspaces (id),
    url             text NOT NULL,
    description     text NOT NULL DEFAULT '',
    events          text[] NOT NULL DEFAULT '{}', -- event types; empty: every type
    secret          text NOT NULL,
    disabled        boolean NOT NULL DEFAULT false,
    disabled_at     timestamptz,
    disabled_reason text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL
);

CREATE INDEX webhook_endpoints_workspace ON webhook_endpoints (workspace_id, created_at, id);

CREATE TABLE webhook_deliveries (
    pos              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- insertion order: listings are newest first
    id               text COLLATE "C" NOT NULL UNIQUE,
    workspace_id     text COLLATE "C" NOT NULL,
    endpoint_id      text COLLATE "C" NOT NULL,
    seq              bigint NOT NULL, -- the event's position in the outbox
    event_id         text COLLATE "C" NOT NULL,
    event            jsonb NOT NULL, -- the payment.Event
    status           text NOT NULL,
    next_attempt_at  timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    first_failed_at  timestamptz,
    last_attempt_at  timestamptz,
    last_status_code integer NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    UNIQUE (endpoint_id, event_id) -- one delivery per event and endpoint
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, pos) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, pos);

-- How far the outbox has been fanned out: the seq of the last event turned into deliveries.
CREATE TABLE webhook_cursor (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq bigint NOT NULL
);

INSERT INTO webhook_cursor (seq) VALUES (0);
