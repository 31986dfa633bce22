-- 0001: workspaces, accounts, payments with their history, the event outbox and API keys.
--
-- Conventions (see doc.go): times are timestamptz (microseconds, UTC on the way out); dates are
-- date, NULL for "no date"; money is bigint minor units; optional text is '' rather than NULL.
-- Ids and keys are COLLATE "C": they compare byte by byte, as in Go, whatever the database's
-- collation. Every object is created unqualified, in the first schema of the search_path.

CREATE TABLE workspaces (
    id            text COLLATE "C" PRIMARY KEY,
    name          text NOT NULL,
    plan_name     text NOT NULL,
    plan_methods  text[] NOT NULL, -- the plan's methods in order
    approval_mode text NOT NULL,
    maker_checker boolean NOT NULL,
    created_at    timestamptz NOT NULL
);

-- Approval thresholds of a workspace's policy, in minor units per currency.
CREATE TABLE approval_thresholds (
    workspace_id text COLLATE "C" NOT NULL REFERENCES workspaces (id),
    currency     text NOT NULL,
    minor        bigint NOT NULL,
    PRIMARY KEY (workspace_id, currency)
);

CREATE TABLE accounts (
    id           text COLLATE "C" PRIMARY KEY,
    workspace_id text COLLATE "C" NOT NULL REFERENCES workspaces (id),
    name         text NOT NULL,
    currency     text NOT NULL,
    iban         text NOT NULL DEFAULT '',
    type         text NOT NULL CHECK (type IN ('internal', 'external')),
    created_at   timestamptz NOT NULL,
    UNIQUE (workspace_id, id) -- the target of the payments' foreign keys: same-workspace accounts only
);

CREATE TABLE payments (
    id              text COLLATE "C" PRIMARY KEY,
    workspace_id    text COLLATE "C" NOT NULL REFERENCES workspaces (id),
    amount          bigint NOT NULL CHECK (amount > 0),
    currency        text NOT NULL,
    method          text NOT NULL,
    from_account    text COLLATE "C" NOT NULL,
    to_account      text COLLATE "C" NOT NULL,
    description     text NOT NULL DEFAULT '',
    reference       text NOT NULL DEFAULT '',
    value_date      date,
    status          text NOT NULL,
    end_to_end      text COLLATE "C" NOT NULL,
    batch_id        text COLLATE "C" NOT NULL DEFAULT '',
    idempotency_key text COLLATE "C" NOT NULL DEFAULT '',
    created_by      text NOT NULL DEFAULT '',
    failure_code    text NOT NULL DEFAULT '',
    failure_reason  text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    version         bigint NOT NULL CHECK (version > 0), -- compare-and-set on every update
    FOREIGN KEY (workspace_id, from_account) REFERENCES accounts (workspace_id, id),
    FOREIGN KEY (workspace_id, to_account) REFERENCES accounts (workspace_id, id)
);

-- Listing is newest first by id (ULIDs are time-ordered) within a workspace; the cursor is an id.
CREATE INDEX payments_list ON payments (workspace_id, id);
CREATE INDEX payments_status ON payments (workspace_id, status, id);
CREATE UNIQUE INDEX payments_idempotency_key ON payments (workspace_id, idempotency_key)
    WHERE idempotency_key <> '';
-- Statements lead back to payments by their end-to-end key.
CREATE INDEX payments_end_to_end ON payments (end_to_end);
CREATE INDEX payments_batch ON payments (workspace_id, batch_id) WHERE batch_id <> '';

-- Every transition of every payment, append-only: seq 1 is the creation, then seq = version.
CREATE TABLE payment_history (
    payment_id  text COLLATE "C" NOT NULL REFERENCES payments (id),
    seq         integer NOT NULL CHECK (seq > 0),
    from_status text NOT NULL DEFAULT '',
    to_status   text NOT NULL,
    event       text NOT NULL,
    actor       text NOT NULL DEFAULT '',
    reason      text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL,
    PRIMARY KEY (payment_id, seq)
);

CREATE FUNCTION payment_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payment_history is append-only' USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER payment_history_append_only BEFORE UPDATE OR DELETE ON payment_history
    FOR EACH ROW EXECUTE FUNCTION payment_history_append_only();

-- The outbox: every event, written in the transaction of the change it reports. pos is the insert
-- order, which is not commit order when many transactions write at once; seq, the delivery cursor,
-- is given out later, by EventsAfter, to committed events only, one numbering at a time (it holds
-- events_cursor's row lock), so it increases in commit order and is never reused.
CREATE TABLE events (
    pos          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seq          bigint UNIQUE, -- NULL until numbered
    id           text COLLATE "C" NOT NULL UNIQUE,
    workspace_id text COLLATE "C" NOT NULL,
    type         text NOT NULL,
    payment_id   text COLLATE "C", -- NULL for events about no payment
    occurred_at  timestamptz NOT NULL,
    payload      jsonb NOT NULL -- the payment.Event as JSON
);

CREATE INDEX events_unnumbered ON events (pos) WHERE seq IS NULL;

-- The last seq given out.
CREATE TABLE events_cursor (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    last bigint NOT NULL
);
INSERT INTO events_cursor (last) VALUES (0);

-- API keys: only the SHA-256 of the secret is stored.
CREATE TABLE api_keys (
    id           text COLLATE "C" PRIMARY KEY,
    workspace_id text COLLATE "C" NOT NULL REFERENCES workspaces (id),
    name         text NOT NULL,
    scope        text NOT NULL,
    hash         bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz
);

CREATE INDEX api_keys_workspace ON api_keys (workspace_id, id);
