package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trickyStrings are strings encoding/json escapes in every way it knows.
var trickyStrings = []string{
	"", "plain", `quote " and \ backslash`, "tab\tnewline\ncr\r", "\x00\x01\x1f\x7f", "<script>&amp;</script>",
	"Yılmaz Tekstil A.Ş. — ödeme", "line\u2028sep\u2029para", "bad \xff utf8 \xc3", "emoji 😀", "\u00e9\u0301",
}

func TestEncodeMatchesEncodingJSON(t *testing.T) {
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	var ps []Payment
	for i, s := range trickyStrings {
		p := Payment{ID: "pay_01KF0000000000000000000000", Status: payment.StatusFailed, Amount: int64(i) * 99999999,
			Currency: "TRY", Method: payment.MethodEFT, FromAccount: "acc_1", ToAccount: "acc_2", Description: s,
			Reference: s, ValueDate: payment.NewDate(2026, 1, 15+i), EndToEndID: "0123456789ABCDEF",
			CreatedAt: t0.Add(time.Duration(i) * 1234567 * time.Microsecond), UpdatedAt: t0.Add(time.Duration(i) * time.Millisecond)}
		if i%2 == 1 {
			p.BatchID, p.CreatedBy, p.FailureCode, p.FailureReason = "bat_1", s, "x", s
		}
		ps = append(ps, p)
		want, err := json.Marshal(p)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(p.appendJSON(nil)), "payment %d", i)
	}
	list := PaymentList{Data: ps, HasMore: true}
	want, _ := json.Marshal(list)
	assert.Equal(t, string(want), string(list.appendJSON(nil)))
	empty := PaymentList{Data: []Payment{}}
	want, _ = json.Marshal(empty)
	assert.Equal(t, string(want), string(empty.appendJSON(nil)))

	res := BatchResult{BatchID: "bat_1", Results: []BatchItem{
		{Index: 0, Status: batch.ItemCreated, Payment: &ps[0]},
		{Index: 1, Status: batch.ItemCreated, Replayed: true, Payment: &ps[1]},
		{Index: 2, Status: batch.ItemFailed, Error: validationError([]*payment.ValidationError{{Field: "amount", Reason: "<bad>"}})},
	}, Totals: BatchTotals{Count: 3, Created: 2, Failed: 1, ByCurrency: []payment.Total{{Currency: "TRY", Count: 2, Sum: 5}}}}
	want, _ = json.Marshal(res)
	assert.Equal(t, string(want), string(res.appendJSON(nil)))
}

// FuzzAppendString holds appendString to encoding/json's output for any string.
func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Skip()
		}
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, encoding/json: %s", s, got, want)
		}
	})
}
