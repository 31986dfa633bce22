// Package postgres is the store for services that run many instances against one database:
// PostgreSQL through github.com/jackc/pgx/v5, on a *pgxpool.Pool the caller owns.
//
// A *Store implements payment.Store, payment.KeyStore, payment.BatchCreator, payment.EventLog,
// payment.Claimer, payment.WebhookStore and reconcile.Store, and passes paymenttest.StoreSuite,
// DurableSuite, ClaimerSuite, WebhookStoreSuite and RoundTrip, and reconciletest.StoreSuite.
//
//	pool, err := pgxpool.New(ctx, "postgres://orkesta@db/orkesta") // the caller owns pool
//	if err != nil { ... }
//	defer pool.Close()
//	store := postgres.New(pool, postgres.Options{})
//	if err := store.Migrate(ctx); err != nil { ... }
//	svc := payment.NewService(store, payment.Options{})
//
// The tables live in the first schema of the connections' search_path; set it in the pool's config
// (ConnConfig.RuntimeParams["search_path"]) to keep deployments, or test runs, apart.
//
// # Many instances, one database
//
// Every write of a payment is a single statement (data-modifying CTEs): the payment row, its history
// record and its outbox event go to the server in one round trip and commit together. Updates
// compare-and-set on the version column: a concurrent update of the same payment waits for the row
// lock, finds the version moved and changes nothing, which is payment.ErrConflict. However many
// Services race on a payment, one transition wins and is in the history once, and the payment reaches
// its rail once (only the Submit that wins the move to processing dispatches it); a test races four
// instances over 2,000 payments to show it. A unique violation is payment.ErrDuplicate; a missing row,
// or a foreign key naming an unknown workspace or account, payment.ErrNotFound; a failed CHECK
// payment.ErrInvalid. The driver's error stays in the chain. A test kills a writing process with
// SIGKILL mid-stream and finds every acknowledged payment once, with its history and event.
//
// payment.Service keeps the workspaces and accounts it has read, which never change once stored: of
// the four reads it makes to create a payment only the idempotency-key lookup goes to the server.
//
// CreatePayments (payment.BatchCreator) is one transaction with a savepoint per item, pipelined: all
// items go to the server in one round trip; when one fails the server skips the rest, that item is
// rolled back to its savepoint, and the rest are sent again. A batch costs one round trip plus one
// per failed item.
//
// Claims never wait on each other and never overlap. The processor's (payment.Claimer) lock their
// candidates FOR UPDATE SKIP LOCKED and take a lease only if it is still free in the latest committed
// row; webhook claims re-check each candidate's due time on the version they lock.
//
// # Idempotency records
//
// BeginResponse, CompleteResponse and ReleaseResponse keep an HTTP API's responses for its
// Idempotency-Keys (httpapi.ResponseStore's semantics, in this package's own Response type;
// cmd/orkesta adapts them), so that instances sharing the database share the records. A claim is one
// statement: an insert that, on conflict, replaces only a record older than the TTL, so exactly one
// of any number of concurrent claims of a key wins. Keys are bytea (the API's hold a NUL byte). Each
// claim also deletes up to 10 expired records of other keys (SKIP LOCKED), more than it adds:
// expired records do not pile up, with nothing running in the background.
//
// # The event log
//
// Transactions insert events in one order and commit in another, so a number taken at insert time
// would let a reader pass over an event that commits late. Events are stored unnumbered, and
// EventsAfter first numbers the committed ones, one numbering at a time across all processes (the
// row lock of events_cursor), continuing from the last number given. An event is numbered once it
// is visible, and every later numbering sees it: sequence numbers increase in commit order, are
// never reused, and a reader following them never skips one.
//
// # Storage
//
// Money is bigint minor units; times are timestamptz (microseconds) and come back with Location UTC;
// dates (payment.Date) are date, NULL for no date; ids are text COLLATE "C", so they sort as in Go
// whatever the database's collation. Optional text is the empty string rather than NULL.
// payment_history is append-only (a trigger refuses UPDATE and DELETE). Reconciliation runs are
// jsonb documents (header, entries and history apart). Webhook secrets are stored as they are: they
// key the signatures.
//
// # Migrations
//
// The schema is embedded: migrations/NNNN_name.sql, numbered from 0001 without gaps, applied in
// order by Migrate (never implicitly) in one transaction under an advisory lock of the schema, and
// recorded in schema_migrations. Migrate is idempotent and safe when instances start together; a
// database migrated by newer code is refused with ErrSchemaTooNew. 0001 holds the payments core,
// 0002 the reconciliation runs, 0003 the processor's leases, 0004 the webhooks, 0005 the lookup
// indexes (reference, account), 0006 the API's idempotency records. To change the schema, add the
// next file; never edit a released one.
//
// # Performance
//
// go test -bench . ./adapters/postgres against PostgreSQL 15 on the same 2-core machine as the tests,
// quiet, ranges over 3 runs (docs/performance.md has them all): a payment created through
// payment.Service (two round trips: idempotency lookup, one insert statement; workspace and
// accounts from the Service's cache) 5,060-5,240/s from 8 goroutines over 8 connections, with about
// 85 µs of client CPU each; 2,050-2,120/s from one. Most of the wait is the server's write-ahead log
// flush of each commit. A 500-payment CreatePayments call 37-38 ms; Get 60-67 µs; a page of 100
// 0.30 ms.
package postgres
