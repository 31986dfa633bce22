package memory

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// TestEventLogPruneChunks: pruning across chunk boundaries keeps every event's number and drops the
// chunks it emptied (all but a last one not full), and the log grows on from there, after being
// emptied too.
func TestEventLogPruneChunks(t *testing.T) {
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	var l eventLog
	add := func(k int) {
		for range k {
			i := l.n
			l.add(payment.Event{ID: fmt.Sprint("evt_", i+1), Type: payment.EventPaymentCreated, OccurredAt: t0.Add(time.Duration(i) * time.Second)})
		}
	}
	check := func() {
		t.Helper()
		for i := l.first; i < l.n; i++ {
			require.Equal(t, fmt.Sprint("evt_", i+1), l.at(i).ID)
		}
	}
	add(3*eventChunk + 5)
	require.Equal(t, 4, len(l.chunks))

	assert.Equal(t, eventChunk+10, l.prune(int64(eventChunk+10), t0.Add(time.Hour*24), eventChunk+100), "up to upTo")
	assert.Equal(t, 3, len(l.chunks), "the first chunk is dropped")
	assert.Equal(t, eventChunk, l.start)
	check()

	assert.Equal(t, 5, l.prune(1<<40, t0.Add(time.Duration(eventChunk+15)*time.Second), 100), "until one is not older than the cut")
	assert.Equal(t, 20, l.prune(1<<40, t0.Add(time.Hour*24), 20), "limit")
	check()

	rest := l.n - l.first
	assert.Equal(t, rest, l.prune(1<<40, t0.Add(time.Hour*24), 1<<20), "the rest")
	assert.Equal(t, 1, len(l.chunks), "the last chunk, not full, stays for the events to come")
	assert.Equal(t, l.n, l.first)
	add(eventChunk + 1)
	assert.Equal(t, 2, len(l.chunks), "the kept chunk filled up, then a new one")
	assert.Equal(t, 3*eventChunk+5+1, l.first+1, "numbers go on")
	check()
}
