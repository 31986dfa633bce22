package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment"
)

func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "orkesta")
	defer os.RemoveAll(dir)

	db, err := sqlite.Open(ctx, filepath.Join(dir, "orkesta.db"), sqlite.OpenOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close() // the caller owns the database
	store := sqlite.New(db, sqlite.Options{})
	if err := store.Migrate(ctx); err != nil {
		fmt.Println(err)
		return
	}

	svc := payment.NewService(store, payment.Options{})
	ws, _ := svc.CreateWorkspace(ctx, "Acme", payment.PlanStarter, payment.ApprovalPolicy{})
	own, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Operating", Currency: "TRY", Type: payment.AccountInternal})
	vendor, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Yılmaz Tekstil", Currency: "TRY", Type: payment.AccountExternal})
	p, err := svc.Create(ctx, ws.ID, payment.Request{Amount: 125000, Currency: "TRY", Method: payment.MethodEFT,
		FromAccount: own.ID, ToAccount: vendor.ID, Reference: "INV-1"})
	if err != nil {
		fmt.Println(err)
		return
	}

	got, _ := svc.Get(ctx, ws.ID, p.ID)
	fmt.Println(got.Status, got.Money())
	// Output: pending 1250.00 TRY
}

func ExampleStore_Migrate() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "orkesta")
	defer os.RemoveAll(dir)
	db, _ := sqlite.Open(ctx, filepath.Join(dir, "orkesta.db"), sqlite.OpenOptions{})
	defer db.Close()

	store := sqlite.New(db, sqlite.Options{})
	fmt.Println(store.Migrate(ctx), store.Migrate(ctx)) // idempotent
	var v int
	_ = db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	fmt.Println(v == sqlite.SchemaVersion())
	// Output:
	// <nil> <nil>
	// true
}
