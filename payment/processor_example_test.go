package payment_test

import (
	"context"
	"fmt"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// A processor hands approved payments to their method's rail, once each. Run does the same on a
// ticker until its context ends; ProcessOnce is one step of it.
func ExampleProcessor() {
	ctx := context.Background()
	rail := &paymenttest.Rail{} // accepts everything
	svc := payment.NewService(memory.New(), payment.Options{Clock: paymenttest.NewClock(paymenttest.Epoch),
		IDs: &paymenttest.IDs{}, Rails: map[payment.Method]payment.Rail{payment.MethodEFT: rail}})
	ws, _ := svc.CreateWorkspace(ctx, "Acme", payment.PlanStarter, payment.ApprovalPolicy{Mode: payment.ApprovalRequired})
	own, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Acme", Currency: "TRY", Type: payment.AccountInternal})
	peer, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Vendor", Currency: "TRY", Type: payment.AccountExternal})
	req := payment.Request{Amount: 125000, Currency: "TRY", Method: payment.MethodEFT, FromAccount: own.ID,
		ToAccount: peer.ID, Description: "Invoice 42"}
	approved, _ := svc.Create(ctx, ws.ID, req)
	_, _ = svc.Approve(ctx, ws.ID, approved.ID, "checker")
	waiting, _ := svc.Create(ctx, ws.ID, req) // not approved: not ready

	pr := payment.NewProcessor(svc, payment.ProcessorOptions{})
	st, err := pr.ProcessOnce(ctx)
	fmt.Println(st.Claimed, st.Submitted, err)
	for _, id := range []payment.ID{approved.ID, waiting.ID} {
		p, _ := svc.Get(ctx, ws.ID, id)
		fmt.Println(p.Status, rail.Accepted(id))
	}
	// Output:
	// 1 1 <nil>
	// processing 1
	// pending 0
}
