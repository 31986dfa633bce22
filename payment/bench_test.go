package payment_test

import (
	"testing"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

func benchEnv(b *testing.B) *paymenttest.Env {
	return paymenttest.NewEnv(b, memory.New(), paymenttest.WithServiceOptions(payment.Options{
		Clock: payment.SystemClock, IDs: payment.NewULIDSource()}))
}

// BenchmarkCreate: validate, id, store insert with history and event, on the memory store.
func BenchmarkCreate(b *testing.B) {
	env := benchEnv(b)
	req := env.Request()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.Service.Create(ctx, env.Workspace.ID, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCreateParallel(b *testing.B) {
	env := benchEnv(b)
	req := env.Request()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := env.Service.Create(ctx, env.Workspace.ID, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkTransitionCheck is the status machine's hot path.
func BenchmarkTransitionCheck(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fsm.Next(payment.StatusApproved, fsm.EventSubmit); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMinor(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := payment.ParseMinor("60451.15", "TRY"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatMinor(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = payment.FormatMinor(6045115, "TRY")
	}
}
