package dashboard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/payment"
)

// countingKeys counts the sign-in lookups that reach the key store.
type countingKeys struct {
	payment.KeyStore
	lookups atomic.Int64
}

func (c *countingKeys) GetAPIKeyByHash(ctx context.Context, hash [32]byte) (payment.APIKey, error) {
	c.lookups.Add(1)
	return c.KeyStore.GetAPIKeyByHash(ctx, hash)
}

// postSignIn posts the sign-in form with secret from the client at addr ("host:port").
func postSignIn(t *testing.T, h http.Handler, addr, secret string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	cookies, csrf := loginForm(t, h)
	form := url.Values{"csrf": {csrf}, "api_key": {secret}}.Encode()
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	req.RemoteAddr = addr
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestSignInFailuresLimited: a client that fails to sign in ten times must wait: its next attempt, even
// with a valid key, is 429 with Retry-After and never reaches the key store; one more attempt comes back
// every 6 seconds. Other clients are not held up; an IPv6 client is its /64.
func TestSignInFailuresLimited(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	keys := &countingKeys{KeyStore: e.store}
	h := dashboard.New(e.Service, keys, dashboard.Options{Clock: e.Clock})
	const wrong = "ork_live_not-a-key-at-all"
	for i := range dashboard.DefaultSignInFailures {
		rec := postSignIn(t, h, "192.0.2.1:4000", wrong, nil)
		require.Equal(t, http.StatusUnauthorized, rec.Code, "failure %d", i+1)
	}
	require.EqualValues(t, dashboard.DefaultSignInFailures, keys.lookups.Load())

	rec := postSignIn(t, h, "192.0.2.1:4001", e.writer, nil)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code, "a valid key waits too: the limit is the client's")
	assert.Equal(t, "6", rec.Header().Get("Retry-After"))
	assert.Contains(t, rec.Body.String(), "Too many failed sign-ins from your address. Try again in 6 seconds.")
	assert.EqualValues(t, dashboard.DefaultSignInFailures, keys.lookups.Load(), "the key store was not asked")

	rec = postSignIn(t, h, "192.0.2.2:4000", e.writer, nil)
	assert.Equal(t, http.StatusSeeOther, rec.Code, "another client signs in")

	e.Clock.Advance(6 * time.Second)
	rec = postSignIn(t, h, "192.0.2.1:4002", wrong, nil)
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "one attempt came back after 6 seconds")
	rec = postSignIn(t, h, "192.0.2.1:4003", e.writer, nil)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code, "and it was spent")
	e.Clock.Advance(6 * time.Second)
	rec = postSignIn(t, h, "192.0.2.1:4003", e.writer, nil)
	assert.Equal(t, http.StatusSeeOther, rec.Code, "a valid key after the wait signs in")

	// IPv6: one /64 is one client.
	for range dashboard.DefaultSignInFailures {
		require.Equal(t, http.StatusUnauthorized, postSignIn(t, h, "[2001:db8:1:2::1]:4000", wrong, nil).Code)
	}
	assert.Equal(t, http.StatusTooManyRequests, postSignIn(t, h, "[2001:db8:1:2::ffff]:4000", e.writer, nil).Code)
	assert.Equal(t, http.StatusSeeOther, postSignIn(t, h, "[2001:db8:1:3::1]:4000", e.writer, nil).Code)
}

// TestSignInLimitOptions: ClientIP names the client (behind a proxy); a negative SignInFailures turns
// the limit off.
func TestSignInLimitOptions(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	h := dashboard.New(e.Service, e.store, dashboard.Options{Clock: e.Clock, SignInFailures: 2,
		ClientIP: func(r *http.Request) string { return r.Header.Get("X-Real-IP") }})
	from := func(ip string) http.Header { return http.Header{"X-Real-Ip": {ip}} }
	const wrong = "ork_live_not-a-key-at-all"
	for range 2 {
		require.Equal(t, http.StatusUnauthorized, postSignIn(t, h, "10.0.0.1:1", wrong, from("198.51.100.7")).Code)
	}
	assert.Equal(t, http.StatusTooManyRequests, postSignIn(t, h, "10.0.0.1:1", e.writer, from("198.51.100.7")).Code)
	assert.Equal(t, http.StatusSeeOther, postSignIn(t, h, "10.0.0.1:1", e.writer, from("198.51.100.8")).Code,
		"another client behind the same proxy")

	off := dashboard.New(e.Service, e.store, dashboard.Options{Clock: e.Clock, SignInFailures: -1})
	for range 3 * dashboard.DefaultSignInFailures {
		require.Equal(t, http.StatusUnauthorized, postSignIn(t, off, "192.0.2.1:1", wrong, nil).Code)
	}
	assert.Equal(t, http.StatusSeeOther, postSignIn(t, off, "192.0.2.1:1", e.writer, nil).Code)
}

// slowKeys is a key store whose lookups take delay, as a database on another host does.
type slowKeys struct {
	payment.KeyStore
	delay   time.Duration
	lookups atomic.Int64
}

func (s *slowKeys) GetAPIKeyByHash(ctx context.Context, hash [32]byte) (payment.APIKey, error) {
	s.lookups.Add(1)
	time.Sleep(s.delay)
	return s.KeyStore.GetAPIKeyByHash(ctx, hash)
}

// TestSignInLimitConcurrent: failed sign-ins sent at once from one client reach the key store no more
// often than the limit allows one after the other; the rest are 429.
func TestSignInLimitConcurrent(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	keys := &slowKeys{KeyStore: e.store, delay: 2 * time.Millisecond}
	h := dashboard.New(e.Service, keys, dashboard.Options{Clock: e.Clock})
	const n = 100
	var wg sync.WaitGroup
	var unauthorized, limited atomic.Int64
	for i := range n {
		wg.Go(func() {
			rec := postSignIn(t, h, "192.0.2.9:"+strconv.Itoa(1000+i), "ork_live_guess-"+strconv.Itoa(i), nil)
			switch rec.Code {
			case http.StatusUnauthorized:
				unauthorized.Add(1)
			case http.StatusTooManyRequests:
				limited.Add(1)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, dashboard.DefaultSignInFailures, keys.lookups.Load(), "only the burst reaches the key store")
	assert.EqualValues(t, dashboard.DefaultSignInFailures, unauthorized.Load())
	assert.EqualValues(t, n-dashboard.DefaultSignInFailures, limited.Load())
}

// TestSignInValidAtOnce: colleagues behind one address (a NAT) who sign in with valid keys at the
// same moment, more of them than the limit and with a slow key store, all sign in: attempts whose keys
// are still being checked are not failures. The ones beyond the limit wait for those to be checked.
func TestSignInValidAtOnce(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	keys := &slowKeys{KeyStore: e.store, delay: 100 * time.Millisecond}
	h := dashboard.New(e.Service, keys, dashboard.Options{Clock: e.Clock})
	const n = dashboard.DefaultSignInFailures + 2
	codes := make([]int, n)
	bodies := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rec := postSignIn(t, h, "198.51.100.1:"+strconv.Itoa(2000+i), e.writer, nil)
			codes[i], bodies[i] = rec.Code, rec.Body.String()
		})
	}
	wg.Wait()
	for i, c := range codes {
		assert.Equal(t, http.StatusSeeOther, c, "valid key %d refused: %s", i, bodies[i])
	}
	assert.EqualValues(t, n, keys.lookups.Load())
}

// TestSignInValidAtOnceAfterFailures: after 8 mistyped keys from one address, 3 valid sign-ins sent at
// once all succeed: 2 failures are left and none of the 3 fails. Then 3 wrong keys at once: 2 reach
// the key store and fail, the third is 429 without asking it.
func TestSignInValidAtOnceAfterFailures(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	keys := &slowKeys{KeyStore: e.store, delay: 100 * time.Millisecond}
	h := dashboard.New(e.Service, keys, dashboard.Options{Clock: e.Clock})
	for range dashboard.DefaultSignInFailures - 2 {
		require.Equal(t, http.StatusUnauthorized, postSignIn(t, h, "198.51.100.1:1", "ork_live_typo", nil).Code)
	}
	atOnce := func(secret string) []int {
		codes := make([]int, 3)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Go(func() { codes[i] = postSignIn(t, h, "198.51.100.1:"+strconv.Itoa(3000+i), secret, nil).Code })
		}
		wg.Wait()
		slices.Sort(codes)
		return codes
	}
	assert.Equal(t, []int{303, 303, 303}, atOnce(e.writer))
	before := keys.lookups.Load()
	assert.Equal(t, []int{401, 401, 429}, atOnce("ork_live_typo"))
	assert.EqualValues(t, 2, keys.lookups.Load()-before, "only the failures left reach the key store")
}

// TestSignInSuccessCostsNothing: a sign-in that succeeds does not count against the client (the
// attempt is counted before the key store is asked and given back when the key is valid).
func TestSignInSuccessCostsNothing(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	h := dashboard.New(e.Service, e.store, dashboard.Options{Clock: e.Clock})
	const wrong = "ork_live_not-a-key-at-all"
	for range dashboard.DefaultSignInFailures - 1 {
		require.Equal(t, http.StatusUnauthorized, postSignIn(t, h, "192.0.2.1:1", wrong, nil).Code)
	}
	for i := range 3 * dashboard.DefaultSignInFailures {
		require.Equal(t, http.StatusSeeOther, postSignIn(t, h, "192.0.2.1:1", e.writer, nil).Code, "sign-in %d", i+1)
	}
	assert.Equal(t, http.StatusUnauthorized, postSignIn(t, h, "192.0.2.1:1", wrong, nil).Code, "the tenth failure")
	assert.Equal(t, http.StatusTooManyRequests, postSignIn(t, h, "192.0.2.1:1", e.writer, nil).Code)
}

// TestSignInLimitClientIPWithPort: the client is its address whatever ClientIP adds around it: a
// port (as some front ends set X-Forwarded-For, or r.RemoteAddr itself), brackets, spaces; an
// IPv4-mapped IPv6 address is the IPv4 address.
func TestSignInLimitClientIPWithPort(t *testing.T) {
	forms := [][]string{
		{"203.0.113.5:52311", "203.0.113.5:52312", " 203.0.113.5 ", "203.0.113.5", "[::ffff:203.0.113.5]:1", "::ffff:203.0.113.5"},
		{"[2001:db8:1:2::1]:443", "[2001:db8:1:2::2]:444", "2001:db8:1:2::3", "[2001:db8:1:2::4]", " [2001:db8:1:2::5]:1 "},
	}
	for _, addrs := range forms {
		t.Run(addrs[0], func(t *testing.T) {
			e := newTestEnv(t, dashboard.Options{})
			keys := &countingKeys{KeyStore: e.store}
			h := dashboard.New(e.Service, keys, dashboard.Options{Clock: e.Clock,
				ClientIP: func(r *http.Request) string { return r.Header.Get("X-Forwarded-For") }})
			for i := range 3 * dashboard.DefaultSignInFailures {
				hdr := http.Header{"X-Forwarded-For": {addrs[i%len(addrs)]}}
				postSignIn(t, h, "10.0.0.1:"+strconv.Itoa(40000+i), "ork_live_guess", hdr)
			}
			assert.EqualValues(t, dashboard.DefaultSignInFailures, keys.lookups.Load(), "one address, however written, is one client")
		})
	}
}

// TestSignInLimitTableFull: once the limiter tracks as many clients as it may, a client that never
// failed still signs in with a valid key, and fails with a wrong one (401, not 429).
func TestSignInLimitTableFull(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	h := dashboard.New(e.Service, e.store, dashboard.Options{Clock: e.Clock})
	for i := range 10_000 + dashboard.DefaultSignInFailures {
		addr := "[2001:db8:" + strconv.FormatInt(int64(i>>16), 16) + ":" + strconv.FormatInt(int64(i&0xffff), 16) + "::1]:1"
		postSignIn(t, h, addr, "ork_live_guess", nil)
		if i%2500 == 2499 {
			e.Clock.Advance(time.Second) // 2,500 guesses a second: no tracked bucket is full again
		}
	}
	rec := postSignIn(t, h, "198.51.100.77:5000", e.writer, nil)
	assert.Equal(t, http.StatusSeeOther, rec.Code, "a client that never failed signs in (Retry-After %q)", rec.Header().Get("Retry-After"))
	rec = postSignIn(t, h, "198.51.100.78:5000", "ork_live_guess", nil)
	assert.Equal(t, http.StatusUnauthorized, rec.Code, "and fails as itself (Retry-After %q)", rec.Header().Get("Retry-After"))
}
