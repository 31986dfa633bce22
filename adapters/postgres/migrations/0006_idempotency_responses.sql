-- 0006: the API's idempotency records (httpapi.ResponseStore, through Store.BeginResponse), shared
-- by every instance on the database so that an Idempotency-Key is honoured whichever instance a
-- retry reaches.
--
-- The key is the API's record key as it is: the workspace, a NUL byte, the client's Idempotency-Key.
-- text cannot hold NUL, so the key is bytea. A record is in flight (done false, no response yet)
-- from its claim until its response is stored or it is released. Records older than the API's TTL
-- are replaced by a new claim of their key and deleted a few at a time by later claims
-- (created_at's index finds them).

CREATE TABLE idempotency_responses (
    key          bytea PRIMARY KEY,
    fingerprint  bytea NOT NULL CHECK (length(fingerprint) = 32), -- SHA-256 of the request
    done         boolean NOT NULL DEFAULT false,
    status       integer NOT NULL DEFAULT 0,
    content_type text NOT NULL DEFAULT '',
    body         bytea NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL
);

CREATE INDEX idempotency_responses_created ON idempotency_responses (created_at);
