package batch_test

import (
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// BenchmarkSubmit times a 500-item batch of valid payments with a batch idempotency key (so every item
// is looked up by key, as a retry-safe API call is). Targets on the project machine: memory ≤ 1 ms,
// SQLite ≤ 100 ms per batch.
func BenchmarkSubmit(b *testing.B) {
	memoryStore := func(testing.TB) payment.Store { return memory.New() }
	for _, conc := range []int{1, batch.DefaultConcurrency} {
		b.Run("memory/concurrency="+strconv.Itoa(conc), func(b *testing.B) { benchSubmit(b, memoryStore, conc, 64) })
	}
	for _, conc := range []int{1, batch.DefaultConcurrency} {
		b.Run("sqlite/concurrency="+strconv.Itoa(conc), func(b *testing.B) { benchSubmit(b, sqliteStore, conc, 1<<30) })
	}
}

// sqliteStore is a migrated SQLite store in a new file of a temporary directory, with durable commits
// (synchronous=FULL), closed at the end of the benchmark.
func sqliteStore(tb testing.TB) payment.Store {
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "orkesta.db"), sqlite.OpenOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	s := sqlite.New(db, sqlite.Options{})
	if err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}

// benchSubmit submits 500-item batches to a store from newStore, starting over on a fresh store every
// `every` batches (outside the timer) so the store's size stays bounded. It reports allocations and
// nanoseconds per item besides the usual per-batch figures.
func benchSubmit(b *testing.B, newStore func(testing.TB) payment.Store, conc, every int) {
	const n = 500
	var e *paymenttest.Env
	var reqs []payment.Request
	fresh := func() {
		// The production clock and id source: paymenttest's deterministic ids are not increasing, which
		// would make the stores insert out of order.
		e = paymenttest.NewEnv(b, newStore(b), paymenttest.WithServiceOptions(payment.Options{
			Clock: payment.SystemClock, IDs: payment.NewULIDSource()}))
		reqs = requests(e, n)
	}
	fresh()
	var ms runtime.MemStats
	mallocs := func() uint64 { runtime.ReadMemStats(&ms); return ms.Mallocs }
	var allocs uint64
	batches := 0
	b.ReportAllocs()
	start := mallocs()
	for b.Loop() {
		if batches > 0 && batches%every == 0 {
			b.StopTimer()
			allocs += mallocs() - start
			fresh()
			start = mallocs()
			b.StartTimer()
		}
		batches++
		opts := batch.Options{IdempotencyKey: "bench-" + strconv.Itoa(batches), Concurrency: conc}
		res, err := batch.Submit(ctx, e.Service, e.Workspace.ID, reqs, opts)
		if err != nil {
			b.Fatal(err)
		}
		if c := res.Count(batch.ItemCreated); c != n {
			b.Fatalf("%d of %d created", c, n)
		}
	}
	allocs += mallocs() - start
	items := float64(batches * n)
	b.ReportMetric(float64(allocs)/items, "allocs/item")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/items, "ns/item")
}
