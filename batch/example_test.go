package batch_test

import (
	"context"
	"fmt"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
)

func ExampleSubmit() {
	ctx := context.Background()
	svc := payment.NewService(memory.New(), payment.Options{})
	ws, _ := svc.CreateWorkspace(ctx, "Acme Lojistik A.Ş.", payment.PlanStarter, payment.ApprovalPolicy{})
	own, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Operating", Currency: "TRY",
		Type: payment.AccountInternal})
	vendor, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Yılmaz Tekstil", Currency: "TRY",
		Type: payment.AccountExternal})

	pay := func(amount int64, ref string) payment.Request {
		return payment.Request{Amount: amount, Currency: "TRY", Method: payment.MethodEFT,
			FromAccount: own.ID, ToAccount: vendor.ID, Reference: ref}
	}
	reqs := []payment.Request{pay(125000, "INV-1"), pay(0, "INV-2"), pay(99950, "INV-3")}

	// A batch idempotency key makes the whole batch safe to send again.
	opts := batch.Options{IdempotencyKey: "payroll-2026-01", Actor: "maker@acme.example"}
	res, err := batch.Submit(ctx, svc, ws.ID, reqs, opts)
	if err != nil {
		fmt.Println("batch refused:", err)
		return
	}
	for _, it := range res.Items {
		if it.Status == batch.ItemCreated {
			fmt.Println(it.Index, it.Status, it.Payment.Reference, it.Payment.Money())
		} else {
			fmt.Println(it.Index, it.Status, it.Err)
		}
	}
	fmt.Println("totals:", res.Totals)

	// Sent again with the failed item fixed: the originals come back, only the fixed item is created.
	reqs[1].Amount = 5000
	again, _ := batch.Submit(ctx, svc, ws.ID, reqs, opts)
	for _, it := range again.Items {
		fmt.Println(it.Index, it.Status, "replayed:", it.Replayed)
	}
	fmt.Println("same batch:", again.BatchID == res.BatchID)
	// Output:
	// 0 created INV-1 1250.00 TRY
	// 1 failed payment: amount: must be a positive integer in minor units
	// 2 created INV-3 999.50 TRY
	// totals: [{TRY 2 224950}]
	// 0 created replayed: true
	// 1 created replayed: false
	// 2 created replayed: true
	// same batch: true
}
