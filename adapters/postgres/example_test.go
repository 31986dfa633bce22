package postgres_test

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orkesta/orkesta/adapters/postgres"
	"github.com/orkesta/orkesta/payment"
)

// The pool, and so the database and the schema, belong to the caller. (No output: examples cannot
// reach a server; the tests do, with ORKESTA_TEST_POSTGRES.)
func Example() {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig("postgres://orkesta@127.0.0.1:5432/orkesta?sslmode=disable")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = "payments" // where the tables live
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()

	store := postgres.New(pool, postgres.Options{})
	if err := store.Migrate(ctx); err != nil {
		fmt.Println(err)
		return
	}
	svc := payment.NewService(store, payment.Options{})
	_ = svc // every instance of the service may share the database
}
