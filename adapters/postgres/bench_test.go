package postgres_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/postgres"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// benchEnv is a service on a new schema with a pool of 8 connections, the wall clock and random ULIDs.
func benchEnv(b *testing.B) (*paymenttest.Env, *postgres.Store) {
	b.Helper()
	dsn, schema := newSchema(b)
	s := postgres.New(openPool(b, dsn, schema, 8), postgres.Options{})
	require.NoError(b, s.Migrate(context.Background()))
	env := paymenttest.NewEnv(b, s, paymenttest.WithServiceOptions(payment.Options{
		Clock: payment.SystemClock, IDs: payment.NewULIDSource()}))
	return env, s
}

// BenchmarkCreate is one payment created through payment.Service (the idempotency-key lookup, the
// workspace and account reads of validation, one insert statement), from 8 goroutines over 8
// connections.
func BenchmarkCreate(b *testing.B) {
	env, _ := benchEnv(b)
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	defer reportCPU(b)()
	b.SetParallelism(4) // 8 goroutines on 2 cores
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := n.Add(1)
			if _, err := env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) {
				r.IdempotencyKey = "bench-" + strconv.FormatInt(k, 10)
			})); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}

// BenchmarkCreateSerial is BenchmarkCreate from one goroutine.
func BenchmarkCreateSerial(b *testing.B) {
	env, _ := benchEnv(b)
	ctx, n := context.Background(), 0
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		n++
		if _, err := env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) {
			r.IdempotencyKey = "bench-" + strconv.Itoa(n)
		})); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}

// BenchmarkCreateBatch500 writes 500 new payments with one CreatePayments call: one transaction, one
// savepoint per payment.
func BenchmarkCreateBatch500(b *testing.B) {
	env, s := benchEnv(b)
	ctx := context.Background()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		errs, err := s.CreatePayments(ctx, env.Changes(b, 500))
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "creates/s")
}

// seed stores n payments and returns their ids.
func seed(b *testing.B, env *paymenttest.Env, s *postgres.Store, n int) []payment.ID {
	b.Helper()
	cs := env.Changes(b, n)
	errs, err := s.CreatePayments(context.Background(), cs)
	require.NoError(b, err)
	ids := make([]payment.ID, n)
	for i := range cs {
		require.NoError(b, errs[i])
		ids[i] = cs[i].Payment.ID
	}
	return ids
}

func BenchmarkGet(b *testing.B) {
	env, s := benchEnv(b)
	ids := seed(b, env, s, 1000)
	ctx, i := context.Background(), 0
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		i++
		if _, err := env.Service.Get(ctx, env.Workspace.ID, ids[i*7919%len(ids)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList100 reads one page of 100 payments, newest first, through payment.Service.
func BenchmarkList100(b *testing.B) {
	env, s := benchEnv(b)
	seed(b, env, s, 1000)
	ctx := context.Background()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		page, err := env.Service.List(ctx, env.Workspace.ID, payment.ListFilter{Limit: 100})
		if err != nil || len(page.Payments) != 100 {
			b.Fatal(err, len(page.Payments))
		}
	}
}
