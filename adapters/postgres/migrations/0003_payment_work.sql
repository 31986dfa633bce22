-- 0003: the payment processor's bookkeeping (payment.Claimer).
--
-- One row per payment a processor has claimed: who holds the lease and until when (also when the
-- payment is next due), the consecutive failed attempts and the last one's reason, and whether the
-- rail accepted it. Rows of payments that no longer need a rail are deleted.

CREATE TABLE payment_work (
    payment_id text COLLATE "C" PRIMARY KEY REFERENCES payments (id),
    owner      text NOT NULL,
    until      timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    last_error text NOT NULL DEFAULT '',
    sent       boolean NOT NULL DEFAULT false
);

-- The payments that may need a rail, oldest first: all that a claim looks at.
CREATE INDEX payments_active ON payments (created_at, id) WHERE status IN ('pending', 'approved', 'processing');
