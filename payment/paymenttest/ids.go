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

// NewULID implements payment.IDSource. The counter is the entropy, so ids of one millisecond increase
// in the order they were made (stores list newest first by id) and their 16-character end-to-end keys
// differ.
func (g *IDs) NewULID(t time.Time) string {
	g.mu.Lock()
	g.n++
	n := g.n
	g.mu.Unlock()
	return payment.EncodeULID(uint64(t.UnixMilli()), 0, n)
}
