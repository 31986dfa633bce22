package sqlite_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// benchEnv is a service on a new database with the wall clock and random ULIDs, as in production.
func benchEnv(b *testing.B, o sqlite.OpenOptions) (*paymenttest.Env, *sqlite.Store) {
	b.Helper()
	db, _ := openDB(b, o)
	s := sqlite.New(db, sqlite.Options{})
	require.NoError(b, s.Migrate(context.Background()))
	env := paymenttest.NewEnv(b, s, paymenttest.WithServiceOptions(payment.Options{
		Clock: payment.SystemClock, IDs: payment.NewULIDSource()}))
	return env, s
}

// BenchmarkCreate is one payment created through payment.Service: the idempotency-key lookup, the
// workspace and account reads of validation, and one durable transaction (payment, history, event).
func BenchmarkCreate(b *testing.B) {
	for _, d := range []sqlite.Durability{sqlite.DurabilityFull, sqlite.DurabilityNormal} {
		b.Run(string(d), func(b *testing.B) {
			env, _ := benchEnv(b, sqlite.OpenOptions{Durability: d})
			ctx, n := context.Background(), 0
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				n++
				if _, err := env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) {
					r.IdempotencyKey = "bench-" + itoa(n)
				})); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
		})
	}
}

// BenchmarkCreateBatch500 writes 500 new payments with one CreatePayments call: one transaction, one
// savepoint per payment.
func BenchmarkCreateBatch500(b *testing.B) {
	env, s := benchEnv(b, sqlite.OpenOptions{})
	ctx := context.Background()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		cs := env.Changes(b, 500)
		errs, err := s.CreatePayments(ctx, cs)
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
func seed(b *testing.B, env *paymenttest.Env, s *sqlite.Store, n int) []payment.ID {
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
	env, s := benchEnv(b, sqlite.OpenOptions{})
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
	env, s := benchEnv(b, sqlite.OpenOptions{})
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

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// BenchmarkCreateParallel is the throughput of single creates: many callers at once, each creating
// one payment at a time through payment.Service, as the handlers of a busy server do. The writer
// commits the writes that arrive during a commit together, one fsync for the group (writes/commit).
// BenchmarkCreate, one caller, is the latency of a create instead: each waits for its own fsync, so
// the disk's sync latency bounds it.
func BenchmarkCreateParallel(b *testing.B) {
	for _, callers := range []int{8, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			env, s := benchEnv(b, sqlite.OpenOptions{})
			ctx := context.Background()
			var n atomic.Int64
			groups, writes := sqlite.GroupCommits(s)
			b.ReportAllocs()
			defer reportCPU(b)()
			b.SetParallelism(max(1, callers/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := n.Add(1)
					if _, err := env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) {
						r.IdempotencyKey = "bench-" + itoa(int(k))
					})); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
			g, w := sqlite.GroupCommits(s)
			b.ReportMetric(float64(w-writes)/float64(max(1, g-groups)), "writes/commit")
		})
	}
}
