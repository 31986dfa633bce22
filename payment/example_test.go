package payment_test

import (
	"context"
	"fmt"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
)

// Example embeds the library: a workspace that requires approval with maker-checker, two accounts,
// and a payment that goes from pending to settled.
func Example() {
	ctx := context.Background()
	svc := payment.NewService(memory.New(), payment.Options{})

	ws, _ := svc.CreateWorkspace(ctx, "Acme Lojistik", payment.PlanEnterprise,
		payment.ApprovalPolicy{Mode: payment.ApprovalRequired, MakerChecker: true})
	own, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{
		Name: "Operating", Currency: "TRY", Type: payment.AccountInternal, IBAN: "TR33 0006 1005 1978 6457 8413 26"})
	vendor, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{
		Name: "Yılmaz Tekstil", Currency: "TRY", Type: payment.AccountExternal})

	amount, _ := payment.ParseMinor("1250.00", "TRY") // 125000 kuruş, exactly
	p, err := svc.Create(ctx, ws.ID, payment.Request{
		Amount: amount, Currency: "TRY", Method: payment.MethodEFT,
		FromAccount: own.ID, ToAccount: vendor.ID,
		Reference: "INV-2026-001", Description: "March invoice",
		IdempotencyKey: "erp-7781", CreatedBy: "ayse",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Status, p.Money())

	_, err = svc.Approve(ctx, ws.ID, p.ID, "ayse")
	fmt.Println(err)

	p, _ = svc.Approve(ctx, ws.ID, p.ID, "mehmet")
	p, _ = svc.Submit(ctx, ws.ID, p.ID, "mehmet")
	p, _ = svc.Settle(ctx, ws.ID, p.ID, "bank", "credited")
	history, _ := svc.History(ctx, ws.ID, p.ID)
	for _, h := range history {
		fmt.Printf("%s → %s by %s\n", h.From, h.To, h.Actor)
	}
	// Output:
	// pending 1250.00 TRY
	// payment: the creator of a payment may not approve it (maker-checker)
	//  → pending by ayse
	// pending → approved by mehmet
	// approved → processing by mehmet
	// processing → settled by bank
}

func ExampleParseMinor() {
	for _, c := range []struct {
		text string
		cur  payment.Currency
	}{{"12.34", "TRY"}, {"1000", "JPY"}, {"0.125", "KWD"}, {"12.345", "TRY"}, {"1.5", "JPY"}} {
		minor, err := payment.ParseMinor(c.text, c.cur)
		fmt.Println(c.text, c.cur, minor, err)
	}
	// Output:
	// 12.34 TRY 1234 <nil>
	// 1000 JPY 1000 <nil>
	// 0.125 KWD 125 <nil>
	// 12.345 TRY 0 payment: amount: "12.345" has more than 2 decimal places for TRY
	// 1.5 JPY 0 payment: amount: "1.5" has more than 0 decimal places for JPY
}

func ExampleFieldErrors() {
	err := payment.ValidateRequest(&payment.Request{Amount: -5, Currency: "XAU", Method: "cash"})
	for _, fe := range payment.FieldErrors(err) {
		fmt.Println(fe.Field+":", fe.Reason)
	}
	// Output:
	// amount: must be a positive integer in minor units
	// currency: XAU has no minor units and cannot be paid in
	// method: unknown method "cash"
	// from_account: is required
	// to_account: is required
}
