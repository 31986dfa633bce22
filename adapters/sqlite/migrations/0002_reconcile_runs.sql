-- 0002: reconciliation runs (reconcile.Store).
--
-- A run is a document (reconcile.Run is plain data): its header, entries and history are JSON, with
-- the columns that lists filter on beside them. Runs name their workspace and account without
-- foreign keys: a run is an audit record, kept as it was written.

CREATE TABLE reconcile_runs (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version > 0), -- compare-and-set on every update
    run          TEXT NOT NULL, -- the run without its entries and history, as JSON
    entries      TEXT NOT NULL, -- JSON array
    history      TEXT NOT NULL  -- JSON array
) STRICT;

-- Listing is newest first by id within a workspace.
CREATE INDEX reconcile_runs_list ON reconcile_runs (workspace_id, id);
