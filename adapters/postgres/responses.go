package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Response is a recorded API response for an idempotency key: what an HTTP layer's response store
// keeps (httpapi.ResponseStore's StoredResponse, which cmd/orkesta converts to and from), in this
// package's own type so that the store does not depend on the HTTP adapter.
type Response struct {
	Fingerprint [32]byte // of the request: the same key with another request is refused by the caller
	Done        bool     // false while the first request is in flight
	Status      int
	ContentType string
	Body        []byte
	CreatedAt   time.Time
}

// sweepResponses is how many expired records each BeginResponse deletes at most, besides its own
// key's: more than the one record a call adds, so expired records never pile up, and few enough
// that a call stays one short statement.
const sweepResponses = 10

// BeginResponse claims key for a new request with fingerprint fp at now, with the semantics of
// httpapi.ResponseStore.Begin: if key has a record younger than ttl, BeginResponse returns it with
// claimed false (Done false while the first request is in flight); otherwise it stores an in-flight
// record (replacing an expired one) and returns claimed true. The claim is one statement (an insert
// that on conflict replaces only an expired record), so however many instances and connections race
// on a key, exactly one claims it. The same statement deletes up to a few other records older than
// ttl, skipping rows another call holds: nothing runs in the background.
//
// The key is stored as bytes (bytea): it may hold NUL, as the API's workspace-scoped keys do.
func (s *Store) BeginResponse(ctx context.Context, key string, fp [32]byte, now time.Time, ttl time.Duration) (Response, bool, error) {
	cutoff := pgTime(now.Add(-ttl)) // a record created at or before cutoff has expired
	for range 3 {
		var claimed bool
		err := s.pool.QueryRow(ctx, `WITH swept AS (
				DELETE FROM idempotency_responses WHERE key IN (
					SELECT key FROM idempotency_responses WHERE created_at <= $3 AND key <> $1
					ORDER BY created_at LIMIT `+fmt.Sprint(sweepResponses)+` FOR UPDATE SKIP LOCKED)
			)
			INSERT INTO idempotency_responses AS r (key, fingerprint, created_at) VALUES ($1, $2, $4)
			ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, done = false, status = 0,
				content_type = '', body = '', created_at = excluded.created_at
			WHERE r.created_at <= $3
			RETURNING true`, []byte(key), fp[:], cutoff, pgTime(now)).Scan(&claimed)
		if err == nil {
			return Response{}, true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return Response{}, false, translate(err)
		}
		// The key has a live record: read it. It may be released in between; then claim again.
		r, found, err := s.getResponse(ctx, key)
		if err != nil || found {
			return r, false, err
		}
	}
	return Response{}, false, errors.New("postgres: begin response: the key's record keeps changing; retry")
}

// getResponse reads the record of key; found is false when there is none.
func (s *Store) getResponse(ctx context.Context, key string) (r Response, found bool, err error) {
	var fp []byte
	err = s.pool.QueryRow(ctx, `SELECT fingerprint, done, status, content_type, body, created_at
		FROM idempotency_responses WHERE key = $1`, []byte(key)).
		Scan(&fp, &r.Done, &r.Status, &r.ContentType, &r.Body, &r.CreatedAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Response{}, false, nil
	case err != nil:
		return Response{}, false, translate(err)
	case len(fp) != len(r.Fingerprint):
		return Response{}, false, fmt.Errorf("postgres: idempotency record: stored fingerprint has %d bytes", len(fp))
	}
	copy(r.Fingerprint[:], fp)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, true, nil
}

// ErrResponseClaimLost is what CompleteResponse returns when the claim it names is no longer the
// key's record in flight: it outlived the TTL and another request claimed the key, or it was released.
var ErrResponseClaimLost = errors.New("postgres: the idempotency claim expired before its request finished; its response is not recorded")

// CompleteResponse stores the response of the claim BeginResponse made on key at claimedAt, as done
// (r.Done is ignored); its age counts from r.CreatedAt. Like httpapi.ResponseStore.Complete it
// stores nothing when the key no longer holds that claim in flight, and returns ErrResponseClaimLost:
// a request that outlived its claim never overwrites the record of a newer request with the key.
func (s *Store) CompleteResponse(ctx context.Context, key string, claimedAt time.Time, r Response) error {
	body := r.Body
	if body == nil {
		body = []byte{}
	}
	tag, err := s.pool.Exec(ctx, `UPDATE idempotency_responses SET fingerprint = $3, done = true, status = $4,
			content_type = $5, body = $6, created_at = $7
		WHERE key = $1 AND created_at = $2 AND NOT done`,
		[]byte(key), pgTime(claimedAt), r.Fingerprint[:], r.Status, r.ContentType, body, pgTime(r.CreatedAt))
	if err != nil {
		return translate(err)
	}
	if tag.RowsAffected() == 0 {
		return ErrResponseClaimLost
	}
	return nil
}

// ReleaseResponse forgets the claim BeginResponse made on key at claimedAt (a request that produced
// nothing worth replaying), so that the key may be claimed again. It leaves any other record of the
// key alone, and releasing a claim that is gone does nothing.
func (s *Store) ReleaseResponse(ctx context.Context, key string, claimedAt time.Time) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM idempotency_responses WHERE key = $1 AND created_at = $2 AND NOT done`,
		[]byte(key), pgTime(claimedAt))
	return translate(err)
}
