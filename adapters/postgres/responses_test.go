package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/postgres"
)

// TestResponses: the idempotency records have httpapi.ResponseStore's semantics (as
// httpapi.MemoryResponseStore's tests check them): a claim, the record in flight, its replay once
// done, release, and expiry after the TTL.
func TestResponses(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	fp, other := [32]byte{1}, [32]byte{2}
	key := "ws_1\x00order-42" // the API's keys hold NUL

	_, claimed, err := s.BeginResponse(ctx, key, fp, t0, time.Hour)
	require.NoError(t, err)
	assert.True(t, claimed)
	rec, claimed, err := s.BeginResponse(ctx, key, other, t0.Add(time.Minute), time.Hour)
	require.NoError(t, err)
	assert.False(t, claimed)
	assert.False(t, rec.Done, "in flight")
	assert.Equal(t, fp, rec.Fingerprint, "the first request's fingerprint is kept")
	assert.Equal(t, t0, rec.CreatedAt)

	_, claimed, err = s.BeginResponse(ctx, "ws_2\x00order-42", fp, t0, time.Hour)
	require.NoError(t, err)
	assert.True(t, claimed, "another workspace's key is another key")

	require.NoError(t, s.CompleteResponse(ctx, key, t0, postgres.Response{Fingerprint: fp, Status: 201,
		ContentType: "application/json", Body: []byte(`{"id":"pay_1"}`), CreatedAt: t0}))
	rec, claimed, err = s.BeginResponse(ctx, key, fp, t0.Add(59*time.Minute), time.Hour)
	require.NoError(t, err)
	assert.False(t, claimed)
	assert.Equal(t, postgres.Response{Fingerprint: fp, Done: true, Status: 201, ContentType: "application/json",
		Body: []byte(`{"id":"pay_1"}`), CreatedAt: t0}, rec, "replayed as stored")

	// Expired: claimable again, by another request.
	_, claimed, err = s.BeginResponse(ctx, key, other, t0.Add(time.Hour), time.Hour)
	require.NoError(t, err)
	assert.True(t, claimed, "a record as old as the TTL has expired")
	rec, claimed, err = s.BeginResponse(ctx, key, fp, t0.Add(time.Hour+time.Second), time.Hour)
	require.NoError(t, err)
	assert.False(t, claimed)
	assert.False(t, rec.Done, "the new claim is in flight")
	assert.Equal(t, other, rec.Fingerprint)

	// Released: claimable again at once; releasing twice is fine.
	require.NoError(t, s.ReleaseResponse(ctx, key, t0.Add(time.Hour)))
	require.NoError(t, s.ReleaseResponse(ctx, key, t0.Add(time.Hour)))
	_, claimed, err = s.BeginResponse(ctx, key, fp, t0.Add(time.Hour+2*time.Second), time.Hour)
	require.NoError(t, err)
	assert.True(t, claimed)

	// An empty body is stored as empty, and a key of any bytes round-trips.
	odd := "ws_3\x00\xff\x01"
	_, _, err = s.BeginResponse(ctx, odd, fp, t0, time.Hour)
	require.NoError(t, err)
	require.NoError(t, s.CompleteResponse(ctx, odd, t0, postgres.Response{Fingerprint: fp, Status: 204, CreatedAt: t0}))
	rec, _, err = s.BeginResponse(ctx, odd, fp, t0, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 204, rec.Status)
	assert.Empty(t, rec.Body)
}

// TestResponsesClaimLost: a request that outlives the TTL has lost its claim once another request
// claimed the key. Completing or releasing it then leaves the newer record alone, and Complete says
// the claim is lost.
func TestResponsesClaimLost(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	slow, quick := [32]byte{1}, [32]byte{2}
	key := "ws_1\x00slow"
	_, claimed, err := s.BeginResponse(ctx, key, slow, t0, time.Hour)
	require.NoError(t, err)
	require.True(t, claimed)
	later := t0.Add(90 * time.Minute)
	_, claimed, err = s.BeginResponse(ctx, key, quick, later, time.Hour)
	require.NoError(t, err)
	require.True(t, claimed, "the slow request's claim expired")

	// The slow request gives up: the newer claim stays in flight.
	require.NoError(t, s.ReleaseResponse(ctx, key, t0))
	rec, claimed, err := s.BeginResponse(ctx, key, quick, later.Add(time.Minute), time.Hour)
	require.NoError(t, err)
	require.False(t, claimed, "the newer claim was not released")
	assert.Equal(t, quick, rec.Fingerprint)

	require.NoError(t, s.CompleteResponse(ctx, key, later, postgres.Response{Fingerprint: quick, Status: 200,
		Body: []byte("quick"), CreatedAt: later.Add(time.Second)}))
	// The slow request finishes after all: its answer is not stored over the newer one.
	err = s.CompleteResponse(ctx, key, t0, postgres.Response{Fingerprint: slow, Status: 201, Body: []byte("slow"),
		CreatedAt: later.Add(2 * time.Second)})
	assert.ErrorIs(t, err, postgres.ErrResponseClaimLost)
	rec, claimed, err = s.BeginResponse(ctx, key, quick, later.Add(3*time.Second), time.Hour)
	require.NoError(t, err)
	require.False(t, claimed)
	assert.Equal(t, postgres.Response{Fingerprint: quick, Done: true, Status: 200, Body: []byte("quick"),
		CreatedAt: later.Add(time.Second)}, rec)
	// A finished record is not a claim: completing or releasing it again changes nothing.
	assert.ErrorIs(t, s.CompleteResponse(ctx, key, later, postgres.Response{Status: 500}), postgres.ErrResponseClaimLost)
	require.NoError(t, s.ReleaseResponse(ctx, key, later.Add(time.Second)))
	_, claimed, err = s.BeginResponse(ctx, key, quick, later.Add(4*time.Second), time.Hour)
	require.NoError(t, err)
	assert.False(t, claimed)
}

// TestResponsesSweep: expired records are deleted by later claims, a few at a time, more than each
// claim adds: they do not pile up.
func TestResponsesSweep(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	count := func() int {
		var n int
		require.NoError(t, s.Pool().QueryRow(ctx, `SELECT count(*) FROM idempotency_responses`).Scan(&n))
		return n
	}
	for i := range 25 {
		now := t0.Add(time.Duration(i) * time.Second)
		_, claimed, err := s.BeginResponse(ctx, fmt.Sprint("old-", i), [32]byte{}, now, time.Hour)
		require.NoError(t, err)
		require.True(t, claimed)
		require.NoError(t, s.CompleteResponse(ctx, fmt.Sprint("old-", i), now, postgres.Response{Status: 201, CreatedAt: now}))
	}
	require.Equal(t, 25, count())
	later := t0.Add(2 * time.Hour)
	for i := range 3 {
		_, claimed, err := s.BeginResponse(ctx, fmt.Sprint("new-", i), [32]byte{}, later, time.Hour)
		require.NoError(t, err)
		require.True(t, claimed)
	}
	assert.Equal(t, 3, count(), "three claims swept the 25 expired records")
	// A live record is never swept.
	_, claimed, err := s.BeginResponse(ctx, "new-3", [32]byte{}, later.Add(59*time.Minute), time.Hour)
	require.NoError(t, err)
	require.True(t, claimed)
	assert.Equal(t, 4, count())
}

// TestResponsesConcurrentBegin: 16 instances (stores with a connection each) claiming one key at
// once: exactly one claims it, and every other sees the in-flight record.
func TestResponsesConcurrentBegin(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const n = 16
	var stores [n]*postgres.Store
	for i := range stores {
		cfg := s.Pool().Config()
		cfg.MaxConns, cfg.MinConns = 1, 1
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		require.NoError(t, pool.Ping(ctx))
		stores[i] = postgres.New(pool, postgres.Options{})
	}
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	for round := range 5 {
		key := fmt.Sprint("ws_1\x00race-", round)
		if round%2 == 1 { // an expired record to replace makes the claim an update, not an insert
			old := t0.Add(-2 * time.Hour)
			_, claimed, err := s.BeginResponse(ctx, key, [32]byte{}, old, time.Hour)
			require.NoError(t, err)
			require.True(t, claimed)
			require.NoError(t, s.CompleteResponse(ctx, key, old, postgres.Response{Status: 201, CreatedAt: old}))
		}
		claims := make([]bool, n)
		errs := make([]error, n)
		recs := make([]postgres.Response, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				recs[i], claims[i], errs[i] = stores[i].BeginResponse(ctx, key, [32]byte{byte(i)}, t0, time.Hour)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i := range n {
			require.NoError(t, errs[i])
			if claims[i] {
				assert.Equal(t, -1, winner, "round %d: claimed twice", round)
				winner = i
			}
		}
		require.NotEqual(t, -1, winner, "round %d: nobody claimed", round)
		for i := range n {
			if i != winner {
				assert.False(t, recs[i].Done, "round %d", round)
				assert.Equal(t, [32]byte{byte(winner)}, recs[i].Fingerprint, "round %d: the winner's record", round)
			}
		}
	}
}
