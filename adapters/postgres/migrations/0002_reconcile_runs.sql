-- 0002: reconciliation runs (reconcile.Store).
--
-- A run is a document (reconcile.Run is plain data): its header, entries and history are JSON, with
-- the columns that lists filter on beside them. Runs name their workspace and account without
-- foreign keys: a run is an audit record, kept as it was written.

CREATE TABLE reconcile_runs (
    id           text COLLATE "C" PRIMARY KEY,
    workspace_id text COLLATE "C" NOT NULL,
    account_id   text COLLATE "C" NOT NULL,
    status       text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    version      bigint NOT NULL CHECK (version > 0), -- compare-and-set on every update
    run          jsonb NOT NULL, -- the run without its entries and history
    entries      jsonb NOT NULL,
    history      jsonb NOT NULL
);

-- Listing is newest first by id within a workspace.
CREATE INDEX reconcile_runs_list ON reconcile_runs (workspace_id, id);
