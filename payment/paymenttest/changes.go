package paymenttest

import (
	"context"
	"testing"

	"github.com/orkesta/orkesta/payment"
)

// Changes returns n changes that create new payments from e.Request(mods...), as Service.Prepare
// builds them (validated once, then given new ids): for BatchCreator tests and store benchmarks.
func (e *Env) Changes(tb testing.TB, n int, mods ...func(*payment.Request)) []payment.Change {
	tb.Helper()
	tmpl, _, err := e.Service.Prepare(context.Background(), e.Workspace.ID, e.Request(mods...))
	must(tb, err)
	cs := make([]payment.Change, n)
	for i := range cs {
		c := tmpl
		id := payment.ID(e.Service.NewID(payment.PrefixPayment))
		c.Payment.ID, c.Payment.EndToEnd, c.History.PaymentID = id, id.EndToEndKey(), id
		c.Event.ID = e.Service.NewID(payment.PrefixEvent)
		snap := c.Payment
		c.Event.Payment = &snap
		cs[i] = c
	}
	return cs
}
