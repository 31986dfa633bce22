package reconcile_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

func ExampleNormalizeReference() {
	fmt.Println(reconcile.NormalizeReference("INV-2024/001"))
	fmt.Println(reconcile.NormalizeReference("ödeme iade"))
	// Output:
	// INV2024001
	// ODEMEIADE
}

func ExampleEngine_Match() {
	pays := []reconcile.Payment{{ID: "pay_1", Amount: 125000, Currency: "TRY", Reference: "INV-2024-001",
		ValueDate: payment.MustDate("2026-01-15"), Status: payment.StatusSettled}}
	st := reconcile.Statement{Currency: "TRY", Entries: []reconcile.Entry{{
		ValueDate: payment.MustDate("2026-01-15"), Amount: 125000, Direction: reconcile.Debit,
		Remittance: "/REMI/INV 2024 001", Position: "line 1"}}}
	g, err := reconcile.NewEngine(reconcile.Options{})
	if err != nil {
		panic(err)
	}
	for m := range g.Match([]reconcile.Statement{st}, pays).MatchRows() {
		fmt.Println(m.PaymentID, m.Score)
		for _, r := range m.Reasons {
			fmt.Println(r.String())
		}
	}
	// Output:
	// pay_1 exact
	// amount: 1250.00 TRY on the statement, 1250.00 TRY paid
	// value date: 2026-01-15 on the statement, 2026-01-15 on the payment, the same day
	// reference: "INV 2024 001" in the entry's description is the payment's reference INV-2024-001
}

func ExampleOffline() {
	payments := "id,amount,currency,reference,value_date\n" +
		"pay_1,125000,TRY,INV-1,2026-01-15\n" +
		"pay_2,99000,TRY,INV-2,2026-01-15\n"
	st := reconcile.Statement{Currency: "TRY", Entries: []reconcile.Entry{
		{ValueDate: payment.MustDate("2026-01-15"), Amount: 125000, Direction: reconcile.Debit, Currency: "TRY",
			CustomerRef: "INV-1", Position: "line 1"},
		{ValueDate: payment.MustDate("2026-01-16"), Amount: 1500, Direction: reconcile.Debit, Currency: "TRY",
			Remittance: "fee", Position: "line 2"},
	}}
	res, err := reconcile.Offline(reconcile.OfflineInput{Payments: strings.NewReader(payments),
		Statements: []reconcile.Statement{st}})
	if err != nil {
		panic(err)
	}
	s := res.ReportSummary()
	fmt.Printf("exact %d, unmatched entries %d, unmatched payments %d, match rate %.2f\n",
		s.Exact, s.UnmatchedEntries, s.UnmatchedPayments, s.MatchRate)
	if err := reconcile.WriteCSV(os.Stdout, res); err != nil {
		panic(err)
	}
	// Output:
	// exact 1, unmatched entries 1, unmatched payments 1, match rate 0.50
	// section,payment_id,payment_ids,batch_id,score,review,value_date,booking_date,amount,currency,direction,reference,bank_reference,end_to_end_id,description,counterparty_name,counterparty_iban,position,account,statement,amount_match,date_match,reference_match,amount_difference,payment_status,reasons,notes
	// exact,pay_1,,,exact,auto,2026-01-15,,1250.00,TRY,debit,INV-1,,,,,,line 1,,,yes,yes,yes,,,"amount: 1250.00 TRY on the statement, 1250.00 TRY paid; value date: 2026-01-15 on the statement, 2026-01-15 on the payment, the same day; reference: ""INV-1"" in the entry's reference is the payment's reference INV-1",
	// unmatched_entry,,,,,,2026-01-16,,15.00,TRY,debit,,,,fee,,,line 2,,,,,,,,,
	// unmatched_payment,pay_2,,,,,2026-01-15,,990.00,TRY,,INV-2,,,,,,,,,,,,,settled,,
}

func ExampleService() {
	ctx := context.Background()
	store := memory.New()
	payments := payment.NewService(store, payment.Options{})
	ws, _ := payments.CreateWorkspace(ctx, "Acme", payment.PlanStarter, payment.ApprovalPolicy{})
	own, _ := payments.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Operating", Currency: "TRY",
		IBAN: "TR330006100519786457841326", Type: payment.AccountInternal})
	vendor, _ := payments.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Yılmaz", Currency: "TRY",
		Type: payment.AccountExternal})
	p, err := payments.Create(ctx, ws.ID, payment.Request{Amount: 125000, Currency: "TRY", Method: payment.MethodEFT,
		FromAccount: own.ID, ToAccount: vendor.ID, Reference: "INV-1", ValueDate: payment.MustDate("2026-01-15")})
	if err != nil {
		panic(err)
	}
	if _, err := payments.Submit(ctx, ws.ID, p.ID, "ayse"); err != nil { // processing, as a rail would leave it
		panic(err)
	}

	svc := reconcile.NewService(payments, memory.NewRunStore(store), reconcile.ServiceOptions{})
	run, err := svc.CreateRun(ctx, ws.ID, reconcile.RunRequest{Account: own.ID,
		From: payment.MustDate("2026-01-01"), To: payment.MustDate("2026-01-31")}, "ayse")
	if err != nil {
		panic(err)
	}
	st := reconcile.Statement{Account: own.IBAN, Currency: "TRY", Entries: []reconcile.Entry{{
		ValueDate: payment.MustDate("2026-01-15"), Amount: 125000, Direction: reconcile.Debit, Currency: "TRY",
		CustomerRef: "INV-1", Position: "line 1"}}}
	run, _, err = svc.Import(ctx, ws.ID, run.ID, []reconcile.Statement{st}, "ayse")
	if err != nil {
		panic(err)
	}
	fmt.Println(run.Entries[0].Decision.State, run.Entries[0].Decision.Score)
	run, err = svc.Finalize(ctx, ws.ID, run.ID, "ayse")
	if err != nil {
		panic(err)
	}
	p, _ = payments.Get(ctx, ws.ID, p.ID)
	fmt.Println(run.Status, p.Status)
	// Output:
	// matched exact
	// finalized reconciled
}

// A person's review: an entry booked a day after the payment's value date is proposed as a fuzzy
// match for someone to approve, an entry that names no payment is mapped to one by hand, and only
// then does Finalize close the run and reconcile the payments. The report is then written (WriteJSON
// and reconcile/xlsx.WriteReport take it too).
func ExampleService_review() {
	ctx := context.Background()
	store := memory.New()
	payments := payment.NewService(store, payment.Options{})
	ws, _ := payments.CreateWorkspace(ctx, "Acme", payment.PlanStarter, payment.ApprovalPolicy{})
	own, _ := payments.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Operating", Currency: "TRY",
		IBAN: "TR330006100519786457841326", Type: payment.AccountInternal})
	vendor, _ := payments.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Yılmaz", Currency: "TRY",
		Type: payment.AccountExternal})
	pay := func(amount int64, ref, valueDate string) payment.Payment {
		p, err := payments.Create(ctx, ws.ID, payment.Request{Amount: amount, Currency: "TRY",
			Method: payment.MethodEFT, FromAccount: own.ID, ToAccount: vendor.ID, Reference: ref,
			ValueDate: payment.MustDate(valueDate)})
		if err != nil {
			panic(err)
		}
		if p, err = payments.Submit(ctx, ws.ID, p.ID, "ayse"); err != nil { // processing: no rail here
			panic(err)
		}
		return p
	}
	late := pay(9990, "INV-2", "2026-01-19")
	rent := pay(500000, "RENT-01", "2026-01-22")

	svc := reconcile.NewService(payments, memory.NewRunStore(store), reconcile.ServiceOptions{})
	run, err := svc.CreateRun(ctx, ws.ID, reconcile.RunRequest{Account: own.ID,
		From: payment.MustDate("2026-01-01"), To: payment.MustDate("2026-01-31")}, "ayse")
	if err != nil {
		panic(err)
	}
	st := reconcile.Statement{Account: own.IBAN, Currency: "TRY", Entries: []reconcile.Entry{
		{ValueDate: payment.MustDate("2026-01-20"), Amount: 9990, Direction: reconcile.Debit, Currency: "TRY",
			CustomerRef: "INV-2", Position: "line 1"},
		{ValueDate: payment.MustDate("2026-01-20"), Amount: 500000, Direction: reconcile.Debit, Currency: "TRY",
			Remittance: "KIRA OCAK", Position: "line 2"},
	}}
	run, _, err = svc.Import(ctx, ws.ID, run.ID, []reconcile.Statement{st}, "ayse")
	if err != nil {
		panic(err)
	}
	for _, e := range run.Entries {
		fmt.Printf("%s: %s\n", e.Entry.Position, e.Decision.State)
	}
	_, err = svc.Finalize(ctx, ws.ID, run.ID, "mehmet")
	fmt.Println(err)

	fuzzy, unmatched := run.Entries[0].Entry.Fingerprint, run.Entries[1].Entry.Fingerprint
	if _, err := svc.Approve(ctx, ws.ID, run.ID, fuzzy, "mehmet", "booked a day late"); err != nil {
		panic(err)
	}
	if _, err := svc.Map(ctx, ws.ID, run.ID, unmatched, []payment.ID{rent.ID}, "mehmet", "January rent"); err != nil {
		panic(err)
	}
	run, err = svc.Finalize(ctx, ws.ID, run.ID, "mehmet")
	if err != nil {
		panic(err)
	}
	for _, id := range []payment.ID{late.ID, rent.ID} {
		p, _ := payments.Get(ctx, ws.ID, id)
		fmt.Println(p.Reference, p.Status)
	}

	rep, err := svc.Report(ctx, ws.ID, run.ID)
	if err != nil {
		panic(err)
	}
	for m := range rep.MatchRows() {
		fmt.Println(m.Entry.Position, m.Score, m.Review, m.Notes)
	}
	// Output:
	// line 1: proposed
	// line 2: unmatched
	// reconcile: cannot finalize: 1 fuzzy match waits, 1 entry is unmatched
	// INV-2 reconciled
	// RENT-01 reconciled
	// line 1 fuzzy approved [approved by mehmet: booked a day late reconciled]
	// line 2 fuzzy manual [manual by mehmet: January rent reconciled]
}
