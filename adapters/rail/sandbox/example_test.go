package sandbox_test

import (
	"context"
	"fmt"
	"time"

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
