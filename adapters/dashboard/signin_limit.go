package dashboard

import (
	"cmp"
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// Failed sign-ins are limited per client: each client has a bucket of DefaultSignInFailures failures
// that refills one failure every signInRefill. An empty bucket answers 429 before the key store is
// asked, so that guessing keys cannot load the store, and a person who mistyped a key a few times is
// never held up.
//
// A sign-in whose key is being checked is in flight: it is not a failure (yet), so it never makes a
// client's bucket empty, but the failures left must cover every attempt in flight, so that attempts
// sent at once cannot all pass. An attempt for which they do not waits, up to signInWait, for those in
// flight to be checked: each one that fails takes a failure, the others give their place back.
const (
	// DefaultSignInFailures is Options.SignInFailures when zero.
	DefaultSignInFailures = 10
	signInRefill          = 6 * time.Second // 10 a minute once the bucket is empty
	// signInWait is how long an attempt waits at most for the attempts in flight before it; then it
	// answers 429 with Retry-After signInBusyRetry.
	signInWait      = 5 * time.Second
	signInBusyRetry = time.Second
	// maxSignInClients bounds the clients tracked at once, so that an attacker with many addresses
	// cannot grow the table without bound. A client not tracked has failed nothing that is still
	// counted and has nothing in flight: it may always try.
	maxSignInClients = 10_000
)

// signInLimiter counts failed sign-ins per client. Safe for concurrent use; a nil limiter limits
// nothing.
type signInLimiter struct {
	burst  int           // failures a client may make at once
	refill time.Duration // one failure comes back after this long
	wait   time.Duration // signInWait

	mu      sync.Mutex
	clients map[string]*bucket // only clients whose buckets are not full or that have attempts in flight
}

// bucket is what a client may still fail, as of at: tokens failures, plus one every refill since; of
// those, inFlight are held by attempts being checked.
type bucket struct {
	tokens   float64
	at       time.Time
	inFlight int
	changed  chan struct{} // closed when inFlight goes down or the bucket is forgotten; nil: none waits
}

// signInAttempt is a sign-in let through by take: call failed or done on it once its key is checked.
// A nil attempt (no limit) does nothing.
type signInAttempt struct {
	l        *signInLimiter
	client   string
	b        *bucket
	resolved bool
}

// errSignInBusy is take's error when the attempts in flight did not resolve in time.
var errSignInBusy = errors.New("dashboard: too many sign-ins in flight")

func newSignInLimiter(burst int) *signInLimiter {
	return &signInLimiter{burst: burst, refill: signInRefill, wait: signInWait, clients: make(map[string]*bucket)}
}

// level brings b up to now and returns its tokens.
func (l *signInLimiter) level(b *bucket, now time.Time) float64 {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(l.burst), b.tokens+float64(d)/float64(l.refill))
		b.at = now
	}
	return b.tokens
}

// notify wakes the attempts waiting on b.
func (b *bucket) notify() {
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
}

// take lets a sign-in of client through: it holds one of the client's failures in flight and returns
// the attempt, to be resolved with failed or done. When the client's bucket is empty it holds nothing
// and returns how long the client must wait, in whole seconds rounded up. When the failures left are
// all held by attempts in flight, it waits for those, up to l.wait or until ctx is done; then it
// returns signInBusyRetry and errSignInBusy (or ctx's error).
func (l *signInLimiter) take(ctx context.Context, client string, now func() time.Time) (*signInAttempt, time.Duration, error) {
	if l == nil {
		return nil, 0, nil
	}
	var timeout <-chan time.Time
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		t := now()
		b, ok := l.clients[client]
		if !ok {
			l.makeRoom(t)
			b = &bucket{tokens: float64(l.burst), at: t}
			l.clients[client] = b
		}
		left := l.level(b, t)
		if left < 1 {
			d := time.Duration((1 - left) * float64(l.refill))
			return nil, (d + time.Second - 1).Truncate(time.Second), nil
		}
		if left-float64(b.inFlight) >= 1 {
			b.inFlight++
			return &signInAttempt{l: l, client: client, b: b}, 0, nil
		}
		if timeout == nil {
			timer := time.NewTimer(l.wait)
			defer timer.Stop()
			timeout = timer.C
		}
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		l.mu.Unlock()
		var err error
		select {
		case <-changed:
		case <-timeout:
			err = errSignInBusy
		case <-ctx.Done():
			err = ctx.Err()
		}
		l.mu.Lock()
		if err != nil {
			return nil, signInBusyRetry, err
		}
	}
}

// failed counts the attempt as a failure of its client.
func (a *signInAttempt) failed(now time.Time) { a.resolve(true, now) }

// done gives back the attempt's place without counting a failure: its key was valid, or not checked.
// It does nothing once the attempt is resolved, so it may be deferred.
func (a *signInAttempt) done(now time.Time) { a.resolve(false, now) }

func (a *signInAttempt) resolve(failed bool, now time.Time) {
	if a == nil {
		return
	}
	l, b := a.l, a.b
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.resolved {
		return
	}
	a.resolved = true
	b.inFlight--
	left := l.level(b, now)
	if failed {
		b.tokens--
		left--
	}
	b.notify()
	if b.inFlight == 0 && left >= float64(l.burst) && l.clients[a.client] == b {
		delete(l.clients, a.client) // full again
	}
}

// makeRoom, when the table is full, forgets the clients whose buckets are full again and, if that
// frees less than a sixteenth of the table, the clients with the fullest buckets up to that (failures
// left, less those held in flight): a client is forgotten before any client with fewer failures left
// or more attempts in flight, so that a flood of new addresses
// (each with a failure or so) never forgets the client that used up its failures. A sixteenth at a
// time keeps the cost of a sort to one in maxSignInClients/16 new clients.
func (l *signInLimiter) makeRoom(now time.Time) {
	if len(l.clients) < maxSignInClients {
		return
	}
	type entry struct {
		client string
		b      *bucket
		left   float64 // failures left, less those held in flight
	}
	entries := make([]entry, 0, len(l.clients))
	for c, b := range l.clients {
		entries = append(entries, entry{c, b, l.level(b, now) - float64(b.inFlight)})
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(b.left, a.left) })
	for i, e := range entries {
		if i >= maxSignInClients/16 && e.left < float64(l.burst) {
			break
		}
		delete(l.clients, e.client)
		e.b.notify() // its waiters start again on a new bucket
	}
}

// clientOf names the client of a request for the limiter: Options.ClientIP's answer, else the
// connection's address, as clientKey reads it.
func (h *Handler) clientOf(r *http.Request) string {
	if h.opts.ClientIP != nil {
		return clientKey(h.opts.ClientIP(r))
	}
	return clientKey(r.RemoteAddr)
}

// clientKey names the client at s, an address as ClientIP or RemoteAddr gives it: an IP address,
// with or without a port or brackets ("203.0.113.5", "203.0.113.5:52311", "[2001:db8::1]:443"), is
// the address alone, an IPv4-mapped IPv6 address the IPv4 address, and an IPv6 address its /64, which
// one host or network usually holds whole. Anything else names the client as it is, spaces trimmed.
func clientKey(s string) string {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		if ap, perr := netip.ParseAddrPort(s); perr == nil {
			a, err = ap.Addr(), nil
		} else if host, _, serr := net.SplitHostPort(s); serr == nil {
			a, err = netip.ParseAddr(host)
		} else if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
			a, err = netip.ParseAddr(s[1 : len(s)-1])
		}
	}
	if err != nil {
		return s
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
