package dashboard

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestSignInLimiterBounded: the limiter tracks at most maxSignInClients clients. Past that, new clients
// share one bucket (so addresses without end cannot grow the table), and clients whose buckets have
// refilled are forgotten to make room.
func TestSignInLimiterBounded(t *testing.T) {
	l := newSignInLimiter(2)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	for i := range maxSignInClients {
		l.failed(fmt.Sprint("c", i), t0)
	}
	assert.Len(t, l.clients, maxSignInClients)
	l.failed("late-1", t0)
	l.failed("late-2", t0)
	assert.Len(t, l.clients, maxSignInClients, "the table does not grow")
	assert.Positive(t, l.wait("late-3", t0), "untracked clients share a bucket, now empty")
	assert.Zero(t, l.wait("c0", t0), "a tracked client with a failure left")

	later := t0.Add(2 * signInRefill) // every tracked bucket is full again
	l.failed("late-4", later)
	assert.Len(t, l.clients, 1, "refilled clients were forgotten to make room")
	assert.Zero(t, l.wait("late-4", later))
}
