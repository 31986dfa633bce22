package dashboard

import (
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSignInLimiterBounded: the limiter tracks at most maxSignInClients clients. A client it does not
// track has failed nothing and may always try; making room forgets first the clients whose buckets
// are full again, then the fullest, so that a flood of new addresses never gives a client that used
// up its failures a full bucket.
func TestSignInLimiterBounded(t *testing.T) {
	l := newSignInLimiter(3)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	for range 3 {
		require.Zero(t, l.take("attacker", t0))
	}
	require.Positive(t, l.take("attacker", t0), "bucket empty")
	for i := range 3 * maxSignInClients {
		require.Zero(t, l.take(fmt.Sprint("flood-", i), t0), "a new client may try")
		assert.LessOrEqual(t, len(l.clients), maxSignInClients, "the table does not grow")
	}
	assert.Positive(t, l.take("attacker", t0), "the flood did not refill the attacker's bucket")
	assert.Zero(t, l.take("late", t0), "nor does it hold up a new client")

	later := t0.Add(3 * signInRefill) // every bucket so far is full again
	var fresh []string
	for i := 0; len(l.clients) < maxSignInClients; i++ {
		fresh = append(fresh, fmt.Sprint("fresh-", i))
		require.Zero(t, l.take(fresh[len(fresh)-1], later))
	}
	require.Zero(t, l.take("late-2", later))
	assert.Len(t, l.clients, len(fresh)+1, "the clients whose buckets were full again were forgotten to make room")
	assert.NotContains(t, l.clients, "attacker", "its bucket refilled")
	for _, c := range fresh {
		assert.Contains(t, l.clients, c)
	}
}

// TestSignInLimiterRefund: a refund gives back what take spent; a client whose bucket is full again is
// no longer tracked, and a refund never raises a bucket above its size.
func TestSignInLimiterRefund(t *testing.T) {
	l := newSignInLimiter(2)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	require.Zero(t, l.take("a", t0))
	require.Zero(t, l.take("a", t0))
	require.Positive(t, l.take("a", t0))
	l.refund("a", t0)
	require.Len(t, l.clients, 1, "one failure still counted")
	require.Zero(t, l.take("a", t0))
	l.refund("a", t0)
	l.refund("a", t0)
	assert.Empty(t, l.clients, "full again: forgotten")
	l.refund("b", t0) // never tracked: nothing to do
	assert.Empty(t, l.clients)

	var nilLimiter *signInLimiter // SignInFailures < 0
	assert.Zero(t, nilLimiter.take("a", t0))
	nilLimiter.refund("a", t0)
}

// TestSignInLimiterRace: takes and refunds from many goroutines keep the count (run with -race).
func TestSignInLimiterRace(t *testing.T) {
	l := newSignInLimiter(50)
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	var passed, refunded atomic.Int64
	for i := range 200 {
		wg.Go(func() {
			if l.take("c", t0) == 0 {
				passed.Add(1)
				if i%2 == 0 {
					l.refund("c", t0)
					refunded.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.GreaterOrEqual(t, passed.Load(), int64(50))
	assert.LessOrEqual(t, passed.Load()-refunded.Load(), int64(50), "each refund lets one more through, no more")
	left := 0
	for l.take("c", t0) == 0 {
		left++
	}
	assert.Equal(t, int64(50)-passed.Load()+refunded.Load(), int64(left), "what is left is what was not spent")
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
