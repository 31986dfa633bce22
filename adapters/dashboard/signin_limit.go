package dashboard

import (
	"cmp"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// Failed sign-ins are limited per client: each client has a bucket of DefaultSignInFailures failures
// that refills one failure every signInRefill. Every sign-in takes one failure from its client's
// bucket before the key store is asked, in the same step as the check, so that sign-ins sent at once
// cannot all pass; one that succeeds gives it back. An empty bucket answers 429 before the key store
// is asked, so that guessing keys cannot load the store, and a person who mistyped a key a few times
// is never held up.
const (
	// DefaultSignInFailures is Options.SignInFailures when zero.
	DefaultSignInFailures = 10
	signInRefill          = 6 * time.Second // 10 a minute once the bucket is empty
	// maxSignInClients bounds the clients tracked at once, so that an attacker with many addresses
	// cannot grow the table without bound. A client not tracked has failed nothing that is still
	// counted: it may always try.
	maxSignInClients = 10_000
)

// signInLimiter counts failed sign-ins per client. Safe for concurrent use; a nil limiter limits
// nothing.
type signInLimiter struct {
	burst  int           // failures a client may make at once
	refill time.Duration // one failure comes back after this long

	mu      sync.Mutex
	clients map[string]*bucket // only clients whose buckets are not full
}

// bucket is what a client may still fail, as of at: tokens failures, plus one every refill since.
type bucket struct {
	tokens float64
	at     time.Time
}

func newSignInLimiter(burst int) *signInLimiter {
	return &signInLimiter{burst: burst, refill: signInRefill, clients: make(map[string]*bucket)}
}

// level brings b up to now and returns its tokens.
func (l *signInLimiter) level(b *bucket, now time.Time) float64 {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(l.burst), b.tokens+float64(d)/float64(l.refill))
		b.at = now
	}
	return b.tokens
}

// take counts a sign-in of client as failed before it is checked, and returns 0; or, when client's
// bucket is empty, counts nothing and returns how long client must wait, in whole seconds rounded
// up. Call refund when the sign-in succeeds.
func (l *signInLimiter) take(client string, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.clients[client]
	if !ok {
		l.makeRoom(now)
		b = &bucket{tokens: float64(l.burst), at: now}
		l.clients[client] = b
	}
	if t := l.level(b, now); t < 1 {
		d := time.Duration((1 - t) * float64(l.refill))
		return (d + time.Second - 1).Truncate(time.Second)
	}
	b.tokens--
	return 0
}

// refund gives back the failure take counted for a sign-in of client that succeeded. A client whose
// bucket is full again is forgotten.
func (l *signInLimiter) refund(client string, now time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.clients[client]
	if !ok {
		return // forgotten meanwhile, its bucket made full
	}
	if l.level(b, now)+1 >= float64(l.burst) {
		delete(l.clients, client)
		return
	}
	b.tokens++
}

// makeRoom, when the table is full, forgets the clients whose buckets are full again and, if that
// frees less than a sixteenth of the table, the clients with the fullest buckets up to that: a
// client is forgotten before any client with fewer failures left, so that a flood of new addresses
// (each with a failure or so) never forgets the client that used up its failures. A sixteenth at a
// time keeps the cost of a sort to one in maxSignInClients/16 new clients.
func (l *signInLimiter) makeRoom(now time.Time) {
	if len(l.clients) < maxSignInClients {
		return
	}
	type entry struct {
		client string
		tokens float64
	}
	entries := make([]entry, 0, len(l.clients))
	for c, b := range l.clients {
		entries = append(entries, entry{c, l.level(b, now)})
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(b.tokens, a.tokens) })
	for i, e := range entries {
		if i >= maxSignInClients/16 && e.tokens < float64(l.burst) {
			break
		}
		delete(l.clients, e.client)
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
