-- 0006: a claim reads only the payments it returns (payment.Claimer).
--
-- The claim of 0003 sorted every pending, approved and processing payment on its due time inside its
-- write transaction: 0.19-0.27 s at 100,000 active payments, most of them sent and waiting for the
-- bank's statement (never work on a rail that is not polled), while every other write waited.
--
-- Now payment_work is the processors' queue: a row for every payment that may need a rail, from its
-- creation (owner '' and due at its creation until a processor claims it) until it leaves pending,
-- approved and processing, kept so by the triggers below whoever changes the payment. A row names
-- the payment's method and whether it awaits approval (pending, and its workspace's policy requires
-- approval for it: payment.ApprovalPolicy.Requires), so that payment_work_due holds exactly the
-- payments that are work once due, by sent, method and due time. A claim reads each method's unsent
-- ones, and the sent ones only of the methods it polls, in due order, and stops at its limit.

ALTER TABLE payment_work ADD COLUMN method TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_work ADD COLUMN awaiting_approval INTEGER NOT NULL DEFAULT 0 CHECK (awaiting_approval IN (0, 1));
-- Moved to processing outside the rails (payment.Change.Outside: a bank file): never work again.
ALTER TABLE payment_work ADD COLUMN outside INTEGER NOT NULL DEFAULT 0 CHECK (outside IN (0, 1));

-- Whether a payment awaits approval: pending, in a workspace whose policy requires approval for it
-- (no approval mode, or a threshold mode with a threshold for the currency that the amount is under,
-- lets it through).
CREATE VIEW payment_approval (id, awaiting) AS
    SELECT p.id, p.status = 'pending' AND NOT coalesce((
        SELECT w.approval_mode IN ('none', '') OR (w.approval_mode = 'threshold' AND EXISTS (
            SELECT 1 FROM approval_thresholds t WHERE t.workspace_id = p.workspace_id AND t.currency = p.currency
                AND p.amount < t.minor))
        FROM workspaces w WHERE w.id = p.workspace_id), 0)
    FROM payments p;

DELETE FROM payment_work WHERE payment_id IN (
    SELECT id FROM payments WHERE status NOT IN ('pending', 'approved', 'processing'));
INSERT INTO payment_work (payment_id, owner, until)
    SELECT p.id, '', p.created_at FROM payments p
    WHERE p.status IN ('pending', 'approved', 'processing')
        AND NOT EXISTS (SELECT 1 FROM payment_work k WHERE k.payment_id = p.id);
UPDATE payment_work SET
    method = (SELECT p.method FROM payments p WHERE p.id = payment_work.payment_id),
    awaiting_approval = (SELECT a.awaiting FROM payment_approval a WHERE a.id = payment_work.payment_id);

CREATE INDEX payment_work_due ON payment_work (sent, method, until) WHERE awaiting_approval = 0 AND outside = 0;
DROP INDEX payments_active;

CREATE TRIGGER payment_work_created AFTER INSERT ON payments
    WHEN NEW.status IN ('pending', 'approved', 'processing')
BEGIN
    -- awaiting: payment_approval's, of NEW (the view would read the row again)
    INSERT INTO payment_work (payment_id, owner, until, method, awaiting_approval)
        VALUES (NEW.id, '', NEW.created_at, NEW.method, NEW.status = 'pending' AND NOT coalesce((
            SELECT w.approval_mode IN ('none', '') OR (w.approval_mode = 'threshold' AND EXISTS (
                SELECT 1 FROM approval_thresholds t WHERE t.workspace_id = NEW.workspace_id AND t.currency = NEW.currency
                    AND NEW.amount < t.minor))
            FROM workspaces w WHERE w.id = NEW.workspace_id), 0));
END;

-- A change of the payment that its row reflects: its status (approved or processing no longer await
-- approval), method, amount, currency or workspace.
CREATE TRIGGER payment_work_changed AFTER UPDATE OF status, method, amount, currency, workspace_id ON payments
    WHEN NEW.status IN ('pending', 'approved', 'processing') AND (NEW.status <> OLD.status
        OR NEW.method <> OLD.method OR NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency
        OR NEW.workspace_id <> OLD.workspace_id)
BEGIN
    INSERT INTO payment_work (payment_id, owner, until)
        SELECT NEW.id, '', NEW.created_at WHERE NOT EXISTS (SELECT 1 FROM payment_work WHERE payment_id = NEW.id);
    UPDATE payment_work SET method = NEW.method,
        awaiting_approval = (SELECT a.awaiting FROM payment_approval a WHERE a.id = NEW.id)
        WHERE payment_id = NEW.id;
END;

-- A payment that leaves pending, approved and processing never needs a rail again.
CREATE TRIGGER payment_work_done AFTER UPDATE OF status ON payments
    WHEN NEW.status NOT IN ('pending', 'approved', 'processing')
BEGIN
    DELETE FROM payment_work WHERE payment_id = NEW.id;
END;

-- The store never changes a workspace's approval policy once created; should one change, its pending
-- payments are looked at again.
CREATE TRIGGER payment_work_approval_mode AFTER UPDATE OF approval_mode ON workspaces
BEGIN
    UPDATE payment_work SET awaiting_approval = (SELECT a.awaiting FROM payment_approval a WHERE a.id = payment_work.payment_id)
        WHERE payment_id IN (SELECT id FROM payments WHERE workspace_id = NEW.id AND status = 'pending');
END;

CREATE TRIGGER payment_work_threshold_added AFTER INSERT ON approval_thresholds
BEGIN
    UPDATE payment_work SET awaiting_approval = (SELECT a.awaiting FROM payment_approval a WHERE a.id = payment_work.payment_id)
        WHERE payment_id IN (SELECT id FROM payments WHERE workspace_id = NEW.workspace_id AND status = 'pending');
END;

CREATE TRIGGER payment_work_threshold_changed AFTER UPDATE ON approval_thresholds
BEGIN
    UPDATE payment_work SET awaiting_approval = (SELECT a.awaiting FROM payment_approval a WHERE a.id = payment_work.payment_id)
        WHERE payment_id IN (SELECT id FROM payments WHERE workspace_id IN (OLD.workspace_id, NEW.workspace_id) AND status = 'pending');
END;

CREATE TRIGGER payment_work_threshold_removed AFTER DELETE ON approval_thresholds
BEGIN
    UPDATE payment_work SET awaiting_approval = (SELECT a.awaiting FROM payment_approval a WHERE a.id = payment_work.payment_id)
        WHERE payment_id IN (SELECT id FROM payments WHERE workspace_id = OLD.workspace_id AND status = 'pending');
END;
