-- 0007: a claim reads only the payments it returns (payment.Claimer).
--
-- The claim of 0003 read every pending, approved and processing payment, joined every bookkeeping
-- row and sorted the lot on its due time: 0.35-0.48 s at 100,000 active payments, most of them sent
-- and waiting for the bank's statement (never work on a rail that is not polled).
--
-- Now payment_work is the processors' queue: a row for every payment that may need a rail, from its
-- creation (owner '' and due at its creation until a processor claims it) until it leaves pending,
-- approved and processing, kept so by the triggers below whoever changes the payment. A row names
-- the payment's method and whether it awaits approval (pending, and its workspace's policy requires
-- approval for it: payment.ApprovalPolicy.Requires), so that payment_work_due holds exactly the
-- payments that are work once due, by sent, method and due time. A claim reads each method's unsent
-- ones, and the sent ones only of the methods it polls, in due order, and stops at its limit.
--
-- Migrations run in one transaction: this one writes a row for every active payment and holds back
-- writes to payments meanwhile, about a second per 100,000 active payments.

ALTER TABLE payment_work ADD COLUMN method text NOT NULL DEFAULT '';
ALTER TABLE payment_work ADD COLUMN awaiting_approval boolean NOT NULL DEFAULT false;
-- Moved to processing outside the rails (payment.Change.Outside: a bank file): never work again.
ALTER TABLE payment_work ADD COLUMN outside boolean NOT NULL DEFAULT false;

-- Whether p awaits approval: pending, in a workspace whose policy requires approval for it (no
-- approval mode, or a threshold mode with a threshold for the currency that the amount is under,
-- lets it through).
CREATE FUNCTION payment_awaits_approval(p payments) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT p.status = 'pending' AND NOT coalesce((
        SELECT w.approval_mode IN ('none', '') OR (w.approval_mode = 'threshold' AND EXISTS (
            SELECT 1 FROM approval_thresholds t WHERE t.workspace_id = p.workspace_id AND t.currency = p.currency
                AND p.amount < t.minor))
        FROM workspaces w WHERE w.id = p.workspace_id), false)
$$;

DELETE FROM payment_work k USING payments p
    WHERE p.id = k.payment_id AND p.status NOT IN ('pending', 'approved', 'processing');
INSERT INTO payment_work (payment_id, owner, until)
    SELECT p.id, '', p.created_at FROM payments p WHERE p.status IN ('pending', 'approved', 'processing')
    ON CONFLICT (payment_id) DO NOTHING;
UPDATE payment_work k SET method = p.method, awaiting_approval = payment_awaits_approval(p)
    FROM payments p WHERE p.id = k.payment_id;

CREATE INDEX payment_work_due ON payment_work (sent, method, until, payment_id) WHERE NOT awaiting_approval AND NOT outside;
DROP INDEX payments_active;

-- A payment's row follows its changes: created with the payment, its method and approval kept
-- current, deleted when the payment leaves pending, approved and processing (it never comes back).
CREATE FUNCTION payment_work_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    awaiting boolean := false;
BEGIN
    IF NEW.status NOT IN ('pending', 'approved', 'processing') THEN
        DELETE FROM payment_work WHERE payment_id = NEW.id;
        RETURN NULL;
    END IF;
    IF NEW.status = 'pending' THEN -- as payment_awaits_approval(NEW), spelt out: a trigger runs per row
        SELECT NOT (w.approval_mode IN ('none', '') OR (w.approval_mode = 'threshold' AND EXISTS (
                SELECT 1 FROM approval_thresholds t WHERE t.workspace_id = NEW.workspace_id AND t.currency = NEW.currency
                    AND NEW.amount < t.minor)))
            INTO awaiting FROM workspaces w WHERE w.id = NEW.workspace_id;
        awaiting := coalesce(awaiting, true);
    END IF;
    INSERT INTO payment_work (payment_id, owner, until, method, awaiting_approval)
        VALUES (NEW.id, '', NEW.created_at, NEW.method, awaiting)
        ON CONFLICT (payment_id) DO UPDATE SET method = excluded.method, awaiting_approval = excluded.awaiting_approval
            WHERE (payment_work.method, payment_work.awaiting_approval) IS DISTINCT FROM (excluded.method, excluded.awaiting_approval);
    RETURN NULL;
END
$$;

CREATE TRIGGER payment_work_created AFTER INSERT ON payments
    FOR EACH ROW WHEN (NEW.status IN ('pending', 'approved', 'processing')) EXECUTE FUNCTION payment_work_follow();
CREATE TRIGGER payment_work_changed AFTER UPDATE OF status, method, amount, currency, workspace_id ON payments
    FOR EACH ROW WHEN ((NEW.status, NEW.method, NEW.amount, NEW.currency, NEW.workspace_id)
        IS DISTINCT FROM (OLD.status, OLD.method, OLD.amount, OLD.currency, OLD.workspace_id))
    EXECUTE FUNCTION payment_work_follow();

-- The store never changes a workspace's approval policy once created; should one change, the pending
-- payments of the workspace are looked at again.
CREATE FUNCTION payment_work_review(ws text) RETURNS void LANGUAGE sql AS $$
    UPDATE payment_work k SET awaiting_approval = payment_awaits_approval(p)
        FROM payments p
        WHERE p.id = k.payment_id AND p.workspace_id = ws AND p.status = 'pending'
            AND k.awaiting_approval IS DISTINCT FROM payment_awaits_approval(p)
$$;

CREATE FUNCTION payment_work_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'workspaces' THEN
        PERFORM payment_work_review(NEW.id);
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM payment_work_review(OLD.workspace_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM payment_work_review(NEW.workspace_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER payment_work_approval_mode AFTER UPDATE OF approval_mode ON workspaces
    FOR EACH ROW WHEN (NEW.approval_mode IS DISTINCT FROM OLD.approval_mode) EXECUTE FUNCTION payment_work_policy();
CREATE TRIGGER payment_work_thresholds AFTER INSERT OR UPDATE OR DELETE ON approval_thresholds
    FOR EACH ROW EXECUTE FUNCTION payment_work_policy();
