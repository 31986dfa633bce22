package paymenttest

import (
	"sync"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// IDs is a deterministic payment.IDSource: ULIDs with the given time and a counter as entropy, so ids
// are distinct, increasing, and the same in every run. Safe for concurrent use.
type IDs struct {
	mu sync.Mutex
	n  uint64
}

// NewULID implements payment.IDSource.
func (g *IDs) NewULID(t time.Time) string {
	g.mu.Lock()
	g.n++
	n := g.n
	g.mu.Unlock()
	// Put the counter in both halves so the 16-character end-to-end key differs too.
	return payment.EncodeULID(uint64(t.UnixMilli()), uint16(n>>48), n*0x9E3779B97F4A7C15>>20<<20|n)
}
