-- 0003: the payment processor's bookkeeping (payment.Claimer).
--
-- One row per payment a processor has claimed: who holds the lease and until when (also when the
-- payment is next due), the consecutive failed attempts and the last one's reason, and whether the
-- rail accepted it. Rows of payments that no longer need a rail are deleted.

CREATE TABLE payment_work (
    payment_id TEXT PRIMARY KEY REFERENCES payments (id),
    owner      TEXT NOT NULL,
    until      TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    sent       INTEGER NOT NULL DEFAULT 0 CHECK (sent IN (0, 1))
) STRICT, WITHOUT ROWID;

-- The payments that may need a rail, oldest first: all that a claim looks at.
CREATE INDEX payments_active ON payments (created_at, id) WHERE status IN ('pending', 'approved', 'processing');
