package sandbox_test

import (
	"context"
	"fmt"
	"time"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/rail/sandbox"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// The amount decides: …13 is refused, …99 is refused twice and then accepted, anything else settles
// once the settle delay has passed.
func Example() {
	ctx := context.Background()
	clock := paymenttest.NewClock(time.Time{})
	rail := sandbox.New(sandbox.Options{Clock: clock, SettleDelay: time.Minute})
	for _, amount := range []int64{125000, 12313, 4599} {
		p := pay(int(amount), amount, "acc_01JVENDOR000000000000000000")
		for attempt := 1; ; attempt++ {
			_, err := rail.Submit(ctx, p)
			if payment.IsTemporary(err) {
				continue
			}
			fmt.Printf("%d: attempt %d: %v\n", amount, attempt, err)
			break
		}
	}
	clock.Advance(time.Minute)
	out, _ := rail.Status(ctx, pay(125000, 125000, "acc_01JVENDOR000000000000000000"))
	fmt.Println(out.Status, len(rail.Transfers()))
	// Output:
	// 125000: attempt 1: <nil>
	// 12313: attempt 1: payment: rail permanent error insufficient_funds: the sandbox refuses amounts ending in 13
	// 4599: attempt 3: <nil>
	// settled 2
}

// The sandbox behind a payment.Service and its Processor, as a service embeds them: one rail for
// every method it sends, and the same clock for the service, the rail and the processor, so that a
// test moves time instead of sleeping. With a settle delay the processor learns the outcome by
// polling the rail, which it does ProcessorOptions.PollInterval (30s by default) after sending:
// advancing the clock by the delay alone is not enough when the delay is shorter than that.
func Example_processor() {
	ctx := context.Background()
	clock := paymenttest.NewClock(time.Time{})
	rail := sandbox.New(sandbox.Options{Clock: clock, SettleDelay: 5 * time.Second})
	rails := map[payment.Method]payment.Rail{payment.MethodEFT: rail, payment.MethodBankTransfer: rail}
	svc := payment.NewService(memory.New(), payment.Options{Clock: clock, IDs: &paymenttest.IDs{}, Rails: rails})
	ws, _ := svc.CreateWorkspace(ctx, "Acme", payment.PlanStarter, payment.ApprovalPolicy{Mode: payment.ApprovalNone})
	own, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Operating", Currency: "TRY", Type: payment.AccountInternal})
	vendor, _ := svc.CreateAccount(ctx, ws.ID, payment.AccountRequest{Name: "Vendor", Currency: "TRY", Type: payment.AccountExternal})
	var ids []payment.ID
	for _, amount := range []int64{125000, 12313, 4599} { // settles; refused for good; refused twice, then accepted
		p, err := svc.Create(ctx, ws.ID, payment.Request{Amount: amount, Currency: "TRY", Method: payment.MethodEFT,
			FromAccount: own.ID, ToAccount: vendor.ID, Reference: fmt.Sprint("INV-", amount)})
		if err != nil {
			panic(err)
		}
		ids = append(ids, p.ID)
	}

	pr := payment.NewProcessor(svc, payment.ProcessorOptions{PollInterval: 5 * time.Second})
	for step := 1; step <= 4; step++ {
		st, err := pr.ProcessOnce(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Printf("step %d: submitted %d, settled %d, failed %d, retrying %d\n",
			step, st.Submitted, st.Settled, st.Failed, st.Retrying)
		clock.Advance(5 * time.Second) // the settle delay, and more than the processor's backoff
	}
	for _, id := range ids {
		p, _ := svc.Get(ctx, ws.ID, id)
		fmt.Println(p.Money(), p.Status, p.FailureCode, rail.Attempts(id))
	}
	// Output:
	// step 1: submitted 1, settled 0, failed 1, retrying 1
	// step 2: submitted 0, settled 1, failed 0, retrying 1
	// step 3: submitted 1, settled 0, failed 0, retrying 0
	// step 4: submitted 0, settled 1, failed 0, retrying 0
	// 1250.00 TRY settled  1
	// 123.13 TRY failed insufficient_funds 1
	// 45.99 TRY settled  3
}
