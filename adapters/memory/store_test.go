package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStoreSuite(t *testing.T) {
	paymenttest.StoreSuite(t, func(t *testing.T) payment.Store { return memory.New() })
}

func TestClaimerSuite(t *testing.T) {
	paymenttest.ClaimerSuite(t, func(t *testing.T) payment.Store { return memory.New() })
}

func TestWebhookStoreSuite(t *testing.T) {
	paymenttest.WebhookStoreSuite(t, func(t *testing.T) payment.Store { return memory.New() })
}

// TestOutboxKeepsEventsExactly: the outbox stores a payment event compactly when its payment snapshot
// says the rest; any other event (another time, another workspace) comes back exactly as written.
func TestOutboxKeepsEventsExactly(t *testing.T) {
	s := memory.New()
	env := paymenttest.NewEnv(t, s)
	cs := env.Changes(t, 3)
	cs[1].Event.OccurredAt = cs[1].Event.OccurredAt.Add(time.Second)
	cs[2].Event.Workspace = "ws_other"
	var want []payment.Event
	for _, c := range cs {
		require.NoError(t, s.CreatePayment(context.Background(), c))
		want = append(want, c.Event)
	}
	assert.Equal(t, want, s.Outbox())
}
