package paymenttest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// A scripted rail in a test of code that sends payments: the first submission of every payment
// times out (a temporary error), the second is accepted and settles at once. The processor waits
// its backoff before trying again; the test moves the clock instead of sleeping, and the rail
// tells how often each payment was sent and accepted.
func ExampleRail() {
	ctx := context.Background()
	clock := paymenttest.NewClock(time.Time{}) // paymenttest.Epoch
	rail := &paymenttest.Rail{Script: func(p payment.Payment, attempt int) (payment.RailReceipt, error) {
		if attempt == 1 {
			return payment.RailReceipt{}, &payment.RailError{Code: "timeout", Message: "the bank did not answer", Temporary: true}
		}
		return payment.RailReceipt{Reference: "BANK-" + p.EndToEnd, Settled: true}, nil
	}}
	svc := payment.NewService(memory.New(), payment.Options{Clock: clock, IDs: &paymenttest.IDs{},
		Rails: map[payment.Method]payment.Rail{payment.MethodEFT: rail}})
	ws, _ := svc.CreateWorkspace(ctx, "Acme", payment.PlanStarter, payment.ApprovalPolicy{Mode: payment.ApprovalNone})
	own, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Operating", Currency: "TRY", Type: payment.AccountInternal})
	vendor, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Vendor", Currency: "TRY", Type: payment.AccountExternal})
	p, _ := svc.Create(ctx, ws.ID, payment.Request{Amount: 125000, Currency: "TRY", Method: payment.MethodEFT,
		FromAccount: own.ID, ToAccount: vendor.ID, Reference: "INV-1"})
	fmt.Println(p.ID, p.EndToEnd) // the same in every run: paymenttest.IDs and the fixed clock

	pr := payment.NewProcessor(svc, payment.ProcessorOptions{})
	st, _ := pr.ProcessOnce(ctx)
	fmt.Println("retrying:", st.Retrying)
	st, _ = pr.ProcessOnce(ctx) // the backoff has not passed: nothing to do
	fmt.Println("claimed before the backoff:", st.Claimed)
	clock.Advance(pr.Backoff(1))
	st, _ = pr.ProcessOnce(ctx)
	fmt.Println("settled:", st.Settled)

	p, _ = svc.Get(ctx, ws.ID, p.ID)
	fmt.Println(p.Status, rail.Attempts(p.ID), rail.Accepted(p.ID))
	// Output:
	// pay_01KF0E44M00000000000000004 0000000000000004
	// retrying: 1
	// claimed before the backoff: 0
	// settled: 1
	// settled 2 1
}

// A Clock stands still until a test moves it.
func ExampleClock() {
	clock := paymenttest.NewClock(time.Time{})
	fmt.Println(clock.Now())
	fmt.Println(clock.Advance(90 * time.Minute))
	clock.Set(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(clock.Now())
	// Output:
	// 2026-01-15 09:00:00 +0000 UTC
	// 2026-01-15 10:30:00 +0000 UTC
	// 2026-03-01 00:00:00 +0000 UTC
}
