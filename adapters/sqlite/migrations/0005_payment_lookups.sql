-- 0005: indexes for the lookups that lists make by reference and by account.
--
-- A search by reference (the dashboard's, ?reference= on the API) and the payments of one account
-- (?account=, and the live payments a reconciliation run matches against) read every payment of the
-- workspace without them: 0.12-0.23 s at 200,000 payments, growing with the table. Each index costs
-- every create a little (see docs/performance.md).

CREATE INDEX payments_reference ON payments (workspace_id, reference, id) WHERE reference <> '';
CREATE INDEX payments_from_account ON payments (workspace_id, from_account, id);
CREATE INDEX payments_to_account ON payments (workspace_id, to_account, id);
