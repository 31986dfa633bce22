package memory_test

import (
	"testing"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
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
