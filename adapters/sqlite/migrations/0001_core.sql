-- 0001: workspaces, accounts, payments with their history, the event outbox and API keys.
--
-- Conventions (see doc.go): times are TEXT in UTC, "2006-01-02T15:04:05.000000Z" (fixed width, so
-- they sort and compare as text); dates are TEXT "YYYY-MM-DD" and NULL for "no date"; money is
-- INTEGER minor units; optional text is '' rather than NULL. Tables are STRICT, so a value of the
-- wrong type is an error instead of a silent conversion.

CREATE TABLE workspaces (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    plan_name     TEXT NOT NULL,
    plan_methods  TEXT NOT NULL, -- the plan's methods in order, comma-separated
    approval_mode TEXT NOT NULL,
    maker_checker INTEGER NOT NULL CHECK (maker_checker IN (0, 1)),
    created_at    TEXT NOT NULL
) STRICT;

-- Approval thresholds of a workspace's policy, in minor units per currency.
CREATE TABLE approval_thresholds (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    currency     TEXT NOT NULL,
    minor        INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, currency)
) STRICT, WITHOUT ROWID;

CREATE TABLE accounts (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    iban         TEXT NOT NULL DEFAULT '',
    type         TEXT NOT NULL CHECK (type IN ('internal', 'external')),
    created_at   TEXT NOT NULL,
    UNIQUE (workspace_id, id) -- the target of the payments' foreign keys: same-workspace accounts only
) STRICT;

CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    currency        TEXT NOT NULL,
    method          TEXT NOT NULL,
    from_account    TEXT NOT NULL,
    to_account      TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    reference       TEXT NOT NULL DEFAULT '',
    value_date      TEXT, -- YYYY-MM-DD
    status          TEXT NOT NULL,
    end_to_end      TEXT NOT NULL,
    batch_id        TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL DEFAULT '',
    failure_code    TEXT NOT NULL DEFAULT '',
    failure_reason  TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL CHECK (version > 0), -- compare-and-set on every update
    FOREIGN KEY (workspace_id, from_account) REFERENCES accounts (workspace_id, id),
    FOREIGN KEY (workspace_id, to_account) REFERENCES accounts (workspace_id, id)
) STRICT;

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
    payment_id  TEXT NOT NULL REFERENCES payments (id),
    seq         INTEGER NOT NULL CHECK (seq > 0),
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    event       TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    PRIMARY KEY (payment_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER payment_history_no_update BEFORE UPDATE ON payment_history
BEGIN
    SELECT RAISE(ABORT, 'payment_history is append-only');
END;

CREATE TRIGGER payment_history_no_delete BEFORE DELETE ON payment_history
BEGIN
    SELECT RAISE(ABORT, 'payment_history is append-only');
END;

-- The outbox: every event, written in the transaction of the change it reports. seq is the
-- delivery cursor; AUTOINCREMENT never reuses a number, and with one writer numbers follow commits.
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL,
    type         TEXT NOT NULL,
    payment_id   TEXT, -- NULL for events about no payment
    occurred_at  TEXT NOT NULL,
    payload      TEXT NOT NULL -- the payment.Event as JSON
) STRICT;

-- API keys: only the SHA-256 of the secret is stored.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
    prefix       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT
) STRICT;

CREATE INDEX api_keys_workspace ON api_keys (workspace_id, id);
