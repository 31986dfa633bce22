package dashboard

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clockAt is a clock stopped at t.
func clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

// failAt is a sign-in of client at t with a wrong key: it returns take's wait (zero when the attempt
// was let through and failed).
func failAt(t *testing.T, l *signInLimiter, client string, at time.Time) time.Duration {
	t.Helper()
	a, wait, err := l.take(context.Background(), client, clockAt(at))
	require.NoError(t, err)
	a.failed(at)
	return wait
}

// TestSignInLimiterBounded: the limiter tracks at most maxSignInClients clients. A client it does not
// track has failed nothing and may always try; making room forgets first the clients whose buckets
// are full again, then the fullest, so that a flood of new addresses never gives a client that used
// up its failures a full bucket.
func TestSignInLimiterBounded(t *testing.T) {
	l := newSignInLimiter(3)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	for range 3 {
		require.Zero(t, failAt(t, l, "attacker", t0))
	}
	require.Positive(t, failAt(t, l, "attacker", t0), "bucket empty")
	for i := range 3 * maxSignInClients {
		require.Zero(t, failAt(t, l, fmt.Sprint("flood-", i), t0), "a new client may try")
		assert.LessOrEqual(t, len(l.clients), maxSignInClients, "the table does not grow")
	}
	assert.Positive(t, failAt(t, l, "attacker", t0), "the flood did not refill the attacker's bucket")
	assert.Zero(t, failAt(t, l, "late", t0), "nor does it hold up a new client")

	later := t0.Add(3 * signInRefill) // every bucket so far is full again
	var fresh []string
	for i := 0; len(l.clients) < maxSignInClients; i++ {
		fresh = append(fresh, fmt.Sprint("fresh-", i))
		require.Zero(t, failAt(t, l, fresh[len(fresh)-1], later))
	}
	require.Zero(t, failAt(t, l, "late-2", later))
	assert.Len(t, l.clients, len(fresh)+1, "the clients whose buckets were full again were forgotten to make room")
	assert.NotContains(t, l.clients, "attacker", "its bucket refilled")
	for _, c := range fresh {
		assert.Contains(t, l.clients, c)
	}
}

// TestSignInLimiterInFlightNotForgotten: a client whose failures are all held by attempts in flight is
// not forgotten to make room for a flood of new addresses: its next attempt still waits.
func TestSignInLimiterInFlightNotForgotten(t *testing.T) {
	l := newSignInLimiter(3)
	l.wait = 20 * time.Millisecond
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	var held []*signInAttempt
	for range 3 {
		a, wait, err := l.take(ctx, "attacker", clockAt(t0))
		require.NoError(t, err)
		require.Zero(t, wait)
		held = append(held, a)
	}
	for i := range 2 * maxSignInClients {
		require.Zero(t, failAt(t, l, fmt.Sprint("flood-", i), t0))
	}
	a, wait, err := l.take(ctx, "attacker", clockAt(t0))
	assert.ErrorIs(t, err, errSignInBusy, "still waits for its attempts in flight")
	assert.Nil(t, a)
	assert.Equal(t, signInBusyRetry, wait)
	for _, a := range held {
		a.failed(t0)
	}
	assert.Equal(t, signInRefill, failAt(t, l, "attacker", t0), "its 3 failures counted")
}

// TestSignInLimiterResolve: an attempt that fails counts a failure; one that is done gives its place
// back; a client whose bucket is full again with nothing in flight is no longer tracked. Resolving an
// attempt twice does nothing more.
func TestSignInLimiterResolve(t *testing.T) {
	l := newSignInLimiter(2)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	require.Zero(t, failAt(t, l, "a", t0))
	a, wait, err := l.take(ctx, "a", clockAt(t0))
	require.NoError(t, err)
	require.Zero(t, wait)
	a.done(t0)
	a.done(t0)
	a.failed(t0) // already resolved
	require.Len(t, l.clients, 1, "one failure still counted")
	require.Zero(t, failAt(t, l, "a", t0))
	require.Equal(t, signInRefill, failAt(t, l, "a", t0), "two failures: empty")

	b, _, err := l.take(ctx, "b", clockAt(t0))
	require.NoError(t, err)
	require.Contains(t, l.clients, "b", "tracked while in flight")
	b.done(t0)
	assert.NotContains(t, l.clients, "b", "full again: forgotten")

	later := t0.Add(2 * signInRefill)
	a, _, err = l.take(ctx, "a", clockAt(later))
	require.NoError(t, err)
	a.done(later)
	assert.Empty(t, l.clients, "refilled and nothing in flight: forgotten")

	var nilLimiter *signInLimiter // SignInFailures < 0
	a, wait, err = nilLimiter.take(ctx, "a", clockAt(t0))
	assert.NoError(t, err)
	assert.Zero(t, wait)
	a.failed(t0)
	a.done(t0)
}

// TestSignInLimiterWaitsForInFlight: when the failures left are all held by attempts in flight, the
// next attempt waits for them: it goes ahead when one is done, and is refused with the bucket's
// Retry-After when they fail and empty the bucket. It waits no longer than l.wait, nor once its
// request is gone.
func TestSignInLimiterWaitsForInFlight(t *testing.T) {
	l := newSignInLimiter(2)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	take := func() <-chan *signInAttempt {
		got := make(chan *signInAttempt, 1)
		go func() {
			a, wait, err := l.take(ctx, "c", clockAt(t0))
			assert.NoError(t, err)
			if a == nil {
				assert.Equal(t, signInRefill, wait)
			}
			got <- a
		}()
		return got
	}
	a1, a2 := <-take(), <-take()
	require.NotNil(t, a1)
	require.NotNil(t, a2)
	third := take()
	select {
	case <-third:
		t.Fatal("a third attempt went ahead of two in flight with two failures left")
	case <-time.After(50 * time.Millisecond):
	}
	a1.done(t0)
	a3 := <-third
	require.NotNil(t, a3, "goes ahead once one in flight is done")

	fourth := take()
	select {
	case <-fourth:
		t.Fatal("a fourth attempt went ahead")
	case <-time.After(50 * time.Millisecond):
	}
	a2.failed(t0)
	select {
	case <-fourth:
		t.Fatal("one failure left, held by a3: still waits")
	case <-time.After(50 * time.Millisecond):
	}
	a3.failed(t0)
	assert.Nil(t, <-fourth, "both failed: the bucket is empty")

	// Bounded waits.
	l = newSignInLimiter(1)
	l.wait = 30 * time.Millisecond
	held, _, err := l.take(ctx, "c", clockAt(t0))
	require.NoError(t, err)
	start := time.Now()
	a, wait, err := l.take(ctx, "c", clockAt(t0))
	assert.ErrorIs(t, err, errSignInBusy)
	assert.Nil(t, a)
	assert.Equal(t, signInBusyRetry, wait)
	assert.GreaterOrEqual(t, time.Since(start), l.wait)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	l.wait = time.Hour
	a, _, err = l.take(gone, "c", clockAt(t0))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, a)
	held.done(t0)
	a, _, err = l.take(gone, "c", clockAt(t0))
	assert.NoError(t, err, "nothing to wait for")
	assert.NotNil(t, a)
}

// TestSignInLimiterRace: attempts from many goroutines, half failing, half done: the failures counted
// plus the attempts in flight never exceed the limit, and what is left is what was not spent (run
// with -race).
func TestSignInLimiterRace(t *testing.T) {
	const burst = 50
	l := newSignInLimiter(burst)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var held, maxHeld, failed atomic.Int64
	for i := range 200 {
		wg.Go(func() {
			a, _, err := l.take(context.Background(), "c", clockAt(t0))
			if !assert.NoError(t, err) || a == nil {
				return
			}
			h := held.Add(1)
			for m := maxHeld.Load(); h > m && !maxHeld.CompareAndSwap(m, h); m = maxHeld.Load() {
			}
			if i%2 == 0 {
				failed.Add(1)
				a.failed(t0)
			} else {
				held.Add(-1)
				a.done(t0)
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, maxHeld.Load(), int64(burst), "failures plus attempts in flight")
	assert.LessOrEqual(t, failed.Load(), int64(burst))
	left := 0
	for failAt(t, l, "c", t0) == 0 {
		left++
	}
	assert.Equal(t, burst-failed.Load(), int64(left), "what is left is what was not spent")
}

// TestClientKey: how ClientIP's answer or the connection's address names a client.
func TestClientKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"203.0.113.5", "203.0.113.5"},
		{"203.0.113.5:52311", "203.0.113.5"},
		{"  203.0.113.5:52311\t", "203.0.113.5"},
		{"203.0.113.5:https", "203.0.113.5"},
		{"::ffff:203.0.113.5", "203.0.113.5"},
		{"[::ffff:203.0.113.5]:80", "203.0.113.5"},
		{"2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2::1]", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"", ""},
		{" not-an-address ", "not-an-address"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, clientKey(tt.in), "%q", tt.in)
	}
	h := &Handler{}
	r := httptest.NewRequest("POST", "/login", nil)
	r.RemoteAddr = "[2001:db8:1:2::7]:5555"
	assert.Equal(t, "2001:db8:1:2::/64", h.clientOf(r))
}
