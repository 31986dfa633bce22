package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/postgres"
)

// many requests with one key at once, on a fresh key and on an expired record, while
// other keys' claims sweep: exactly one claims each round, and the loser's Complete never lands.
func TestResponsesRace(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	ttl := time.Minute
	for round := range 20 {
		key := fmt.Sprintf("ws_1\x00k-%d", round%4)
		now := t0.Add(time.Duration(round) * 2 * ttl) // every round the previous record has expired
		var claims atomic.Int64
		var wg sync.WaitGroup
		for g := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := key
				if g%4 == 3 {
					k = fmt.Sprintf("ws_1\x00other-%d-%d", round, g) // sweeps
				}
				_, claimed, err := s.BeginResponse(ctx, k, [32]byte{byte(round)}, now, ttl)
				if err != nil {
					t.Error(err)
					return
				}
				if claimed && k == key {
					claims.Add(1)
				}
			}()
		}
		wg.Wait()
		require.EqualValues(t, 1, claims.Load(), "round %d", round)
		// The previous round's claim (expired, taken over) must not complete over this one.
		if round >= 4 {
			prev := t0.Add(time.Duration(round-4) * 2 * ttl)
			err := s.CompleteResponse(ctx, key, prev, postgres.Response{Status: 201, CreatedAt: now})
			assert.True(t, errors.Is(err, postgres.ErrResponseClaimLost), "round %d: %v", round, err)
		}
	}
}
