// Package sqlite is the embedded default store: payments, their history, the event outbox, API keys,
// reconciliation runs, the payment processor's leases and webhook deliveries in one SQLite file, on
// the pure-Go driver modernc.org/sqlite (no cgo).
//
// A *Store implements payment.Store, payment.KeyStore, payment.BatchCreator, payment.EventLog,
// payment.Claimer, payment.WebhookStore and reconcile.Store, and passes paymenttest.StoreSuite,
// DurableSuite, ClaimerSuite, WebhookStoreSuite and RoundTrip, and reconciletest.StoreSuite.
//
//	db, err := sqlite.Open(ctx, "orkesta.db", sqlite.OpenOptions{}) // the caller owns db
//	if err != nil { ... }
//	defer db.Close()
//	store := sqlite.New(db, sqlite.Options{})
//	defer store.Close() // its prepared statements
//	if err := store.Migrate(ctx); err != nil { ... }
//	svc := payment.NewService(store, payment.Options{})
//
// # Durability
//
// Open (or DSN, for callers who open the database themselves) turns on write-ahead logging, foreign
// keys, a busy timeout, immediate write transactions, statement journals in memory (they undo a
// failed write within its transaction and mean nothing after a crash) and synchronous=FULL: when a
// write returns it is on disk, and survives a process crash and a power loss. DurabilityNormal keeps
// the process-crash guarantee only, for about twice the single-writer speed. Use a file: ":memory:"
// gives every pooled connection its own empty database.
//
// Every write of a payment is one transaction with its history record and its outbox event. Updates
// compare-and-set on the version column; a lost race is payment.ErrConflict. A unique violation is
// payment.ErrDuplicate; a missing row, or a foreign key naming an unknown workspace or account,
// payment.ErrNotFound; a failed CHECK payment.ErrInvalid. The driver's error stays in the chain. A
// test kills a writing process with SIGKILL mid-stream, several times, and finds every acknowledged
// payment once, with its history and event, and integrity_check clean.
//
// # One writer, group commit
//
// SQLite runs one write transaction at a time, and a durable commit costs an fsync (0.1 ms on the
// reference machine when its disk is idle, several times that when it is not). A Store therefore has
// one writer with group commit: writes that arrive while a commit is in flight queue up, and the next
// commit runs them all in one transaction, each in its own savepoint, so that one fsync makes the
// group durable and a failing write rolls back alone. Every caller returns only after the commit that
// holds its write. There is no background goroutine: the first caller to find the writer idle leads.
// Reads never wait for the writer (write-ahead logging) and run in parallel on the pool's
// connections (payment.Service keeps the workspaces and accounts it has read, which never change once
// stored, so of a create's reads only the idempotency-key lookup reaches the database). Writers in
// other processes on the same file wait on busy_timeout.
// Claims (of payments for the processor, of webhook deliveries) are writes too, so no two claimers
// get the same work.
//
// # Storage
//
// Tables are STRICT. Money is INTEGER minor units. Times are TEXT in UTC with microseconds in a fixed
// width ("2026-01-15T09:00:00.000000Z"), so they sort and compare as text and read well in the
// sqlite3 shell; they come back with Location UTC. Dates (payment.Date) are TEXT "YYYY-MM-DD", NULL
// for no date. Optional text is the empty string rather than NULL. Plans keep their methods as a
// comma-separated list, approval thresholds a row per currency. payment_history is append-only
// (triggers refuse UPDATE and DELETE). The outbox sequence is an AUTOINCREMENT column: never reused
// and, with one writer, increasing in commit order. Reconciliation runs are JSON documents (header,
// entries and history apart, so that lists read headers only). Webhook secrets are stored as they
// are: they key the signatures.
//
// # Migrations
//
// The schema is embedded: migrations/NNNN_name.sql, numbered from 0001 without gaps, applied in
// order by Migrate (never implicitly) in one transaction and recorded in schema_migrations. Migrate
// is idempotent and safe from several processes at once; a database migrated by newer code is
// refused with ErrSchemaTooNew. 0001 holds the payments core, 0002 the reconciliation runs, 0003 the
// processor's leases, 0004 the webhooks, 0005 the lookup indexes (reference, account). To change the
// schema, add the next file; never edit a released one.
//
// # Driver
//
// modernc.org/sqlite v1.62.0 was chosen over github.com/ncruces/go-sqlite3 v0.37.0 by running this
// package's benchmarks with each (the same code, the driver picked by a build tag, since removed):
// three interleaved runs on the 2-core reference machine while others shared it, so CPU time per
// operation is the fair measure. It was a tie within the run-to-run spread: a create through
// payment.Service 181–187 vs 178–187 µs (synchronous=NORMAL), Get 16–17 vs 14–16 µs, a page of 100
// 684–732 vs 605–799 µs, a 500-payment batch 29–32 vs 29–31 ms. modernc makes 36% fewer allocations
// on reads (a page of 100: 3,291 vs 5,106; ncruces 11% fewer on a create), builds a smaller binary
// (10.0 vs 13.3 MB) and has the longer record.
//
// # Performance
//
// go test -bench . ./adapters/sqlite on the 2-core reference machine, quiet, ranges over 3 runs
// (docs/performance.md has them all). A payment created through payment.Service (idempotency lookup,
// one durable commit; workspace and accounts from the Service's cache): from one caller, each create
// waiting for its own fsync, 3,170-3,260/s with synchronous=FULL, the disk's sync latency being the
// bound (BenchmarkCreate; 7,200-8,400/s with synchronous=NORMAL); from 8 callers at once
// 7,080-7,360/s, about 4.5 writes sharing each commit, and from 64 callers 15,900-16,200/s, about 32
// a commit (BenchmarkCreateParallel, the throughput of single creates). CPU per create: 122 µs from 8
// callers, 66 µs from 64. A 500-payment CreatePayments call 18 ms; Get 10 µs; a page of 100 0.42 ms.
package sqlite
