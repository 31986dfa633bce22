package httpapi

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMemoryResponseStoreForgetsReleasedKeys: a released claim (the answer to invalid input) leaves
// nothing behind for the rest of the TTL. Its key stayed in the expiry queue: 200,000 invalid
// requests with long keys within the TTL held about 55 MB, however small MaxBytes was.
func TestMemoryResponseStoreForgetsReleasedKeys(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryResponseStore()
	s.MaxBytes = 1 << 20
	now := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	_, _, err := s.Begin(ctx, "kept", [32]byte{}, now, time.Hour)
	require.NoError(t, err)
	require.NoError(t, s.Complete(ctx, "kept", now, StoredResponse{Status: 201, Body: []byte("{}"), CreatedAt: now}))
	long := strings.Repeat("k", 250)
	for i := range 200_000 {
		now = now.Add(time.Millisecond)
		key := long + strconv.Itoa(i)
		_, claimed, err := s.Begin(ctx, key, [32]byte{}, now, time.Hour)
		require.NoError(t, err)
		require.True(t, claimed)
		require.NoError(t, s.Release(ctx, key, now))
	}
	s.mu.Lock()
	queued := len(s.order) - s.head
	s.mu.Unlock()
	assert.Equal(t, 1, s.Len())
	assert.LessOrEqual(t, queued, 2048, "expiry queue entries for one record")

	// The kept record is still replayed, and expires in its time.
	rec, claimed, err := s.Begin(ctx, "kept", [32]byte{}, now, time.Hour)
	require.NoError(t, err)
	assert.False(t, claimed)
	assert.Equal(t, 201, rec.Status)
	_, claimed, err = s.Begin(ctx, "kept", [32]byte{}, now.Add(time.Hour), time.Hour)
	require.NoError(t, err)
	assert.True(t, claimed, "expired after its TTL")
}
