package dashboard

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Failed sign-ins are limited per client: each client has a bucket of DefaultSignInFailures failures
// that refills one failure every signInRefill. An empty bucket answers 429 before the key store is
// asked, so that guessing keys cannot load the store, and a person who mistyped a key a few times is
// never held up.
const (
	// DefaultSignInFailures is Options.SignInFailures when zero.
	DefaultSignInFailures = 10
	signInRefill          = 6 * time.Second // 10 a minute once the bucket is empty
	// maxSignInClients bounds the clients tracked at once; past it, clients not tracked share one
	// bucket, so that an attacker with many addresses cannot grow the table without bound.
	maxSignInClients = 10_000
)

// signInLimiter counts failed sign-ins per client. Safe for concurrent use.
type signInLimiter struct {
	burst  int           // failures a client may make at once
	refill time.Duration // one failure comes back after this long

	mu      sync.Mutex
	clients map[string]*bucket
	shared  bucket // for clients beyond maxSignInClients
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
	if b.at.IsZero() {
		b.tokens, b.at = float64(l.burst), now
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(l.burst), b.tokens+float64(d)/float64(l.refill))
		b.at = now
	}
	return b.tokens
}

// wait returns how long client must wait before it may try to sign in again, in whole seconds: 0 when
// it may now.
func (l *signInLimiter) wait(client string, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.find(client, now, false)
	if b == nil {
		return 0
	}
	if t := l.level(b, now); t < 1 {
		d := time.Duration((1 - t) * float64(l.refill))
		return (d + time.Second - 1).Truncate(time.Second) // whole seconds, rounded up
	}
	return 0
}

// failed records a failed sign-in of client.
func (l *signInLimiter) failed(client string, now time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.find(client, now, true)
	l.level(b, now)
	b.tokens = max(b.tokens-1, 0)
}

// find returns client's bucket; with create, a new one (or, when the table is full even after the
// clients whose buckets are full again are forgotten, the shared one).
func (l *signInLimiter) find(client string, now time.Time, create bool) *bucket {
	if b, ok := l.clients[client]; ok {
		return b
	}
	if !create {
		if len(l.clients) >= maxSignInClients {
			return &l.shared
		}
		return nil
	}
	if len(l.clients) >= maxSignInClients {
		for c, b := range l.clients {
			if l.level(b, now) >= float64(l.burst) {
				delete(l.clients, c)
			}
		}
		if len(l.clients) >= maxSignInClients {
			return &l.shared
		}
	}
	b := &bucket{}
	l.clients[client] = b
	return b
}

// clientOf names the client of a request for the limiter: Options.ClientIP's answer, else the
// connection's address. An IPv6 client is its /64, which one host or network usually holds whole.
func (h *Handler) clientOf(r *http.Request) string {
	s := r.RemoteAddr
	if h.opts.ClientIP != nil {
		s = h.opts.ClientIP(r)
	} else if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return s
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
