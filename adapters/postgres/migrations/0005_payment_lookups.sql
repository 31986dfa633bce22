-- 0005: indexes for the lookups that lists make by reference and by account.
--
-- A search by reference (the dashboard's, ?reference= on the API) and the payments of one account
-- (?account=, and the live payments a reconciliation run matches against) read every payment of the
-- workspace without them. Each index costs every create a little (see docs/performance.md).
--
-- Migrations run in one transaction, so building these indexes holds back writes to payments while
-- it runs: seconds per million payments. On a large database, create them beforehand without
-- blocking writes, under the same names, and this migration keeps them:
--   CREATE INDEX CONCURRENTLY payments_reference ON payments (workspace_id, reference, id) WHERE reference <> '';
--   CREATE INDEX CONCURRENTLY payments_from_account ON payments (workspace_id, from_account, id);
--   CREATE INDEX CONCURRENTLY payments_to_account ON payments (workspace_id, to_account, id);

CREATE INDEX IF NOT EXISTS payments_reference ON payments (workspace_id, reference, id) WHERE reference <> '';
CREATE INDEX IF NOT EXISTS payments_from_account ON payments (workspace_id, from_account, id);
CREATE INDEX IF NOT EXISTS payments_to_account ON payments (workspace_id, to_account, id);
