package reconcile

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// TestExplainCountsTheBatchTheEntryNames: a person maps a batch booking (the line names the batch,
// or the payment-information id it went out under) to the batch's payments. The reference holds, as
// the engine has it for the same line, with the batch's id or payment-information id as the value
// named. It once said the reference did not match, so the manual match was recorded as fuzzy with a
// reason contradicting the line.
func TestExplainCountsTheBatchTheEntryNames(t *testing.T) {
	b := payment.BatchID("bat_01KAWW1Y0000000000000BAT1")
	d := payment.MustDate("2026-01-15")
	pays := []Payment{
		{ID: "pay_01KAWW1Y0000000000000PAY1", Amount: 10000, Currency: "TRY", ValueDate: d, Status: payment.StatusSettled, BatchID: b, Reference: "S-1"},
		{ID: "pay_01KAWW1Y0000000000000PAY2", Amount: 20000, Currency: "TRY", ValueDate: d, Status: payment.StatusSettled, BatchID: b, Reference: "S-2"},
	}
	st := Statement{Account: "TR330006100519786457841326", Currency: "TRY"}
	opts := Options{PaymentInfoIDs: map[string]payment.BatchID{"PMTINF-77": b}}
	for _, tt := range []struct{ name, text, key, named string }{
		{"batch id", "batch " + string(b), "batch_id", string(b)},
		{"payment-information id", "/PREF/pmtinf 77", "payment_information_id", "PMTINF-77"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := Entry{ValueDate: d, Amount: 30000, Direction: Debit, Currency: "TRY", Remittance: tt.text}
			crit, rs := explain(&st, &e, pays, opts)
			assert.Equal(t, critAmount|critDate|critReference, crit)
			require.Len(t, rs, 3)
			assert.True(t, rs[2].Matched)
			assert.Equal(t, tt.key, rs[2].Key)
			assert.Equal(t, tt.named, rs[2].Payment)

			g, err := NewEngine(opts)
			require.NoError(t, err)
			for m := range g.Match([]Statement{{Account: st.Account, Currency: "TRY", Entries: []Entry{e}}}, pays).MatchRows() {
				assert.Equal(t, criteriaOf(crit), m.Criteria, "the engine's criteria for the same line")
				assert.Equal(t, m.Reasons, rs, "the engine's reasons for the same line")
			}
		})
	}
}
