package reconcile

import (
	"fmt"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// TestPinfoSize: two payment records to a cache line, none across two (see pinfo).
func TestPinfoSize(t *testing.T) {
	if n := unsafe.Sizeof(pinfo{}); 64%n != 0 {
		t.Fatalf("pinfo is %d bytes; 64 is not a multiple", n)
	}
}

// TestRefTablesSizedByKeys: each reference table is sized by the keys it holds, so that it is at
// most half full: payments whose ids are not "pay_" ULIDs put their ids in the references' table
// (two keys a payment there), and payments without end-to-end keys leave that table empty.
func TestRefTablesSizedByKeys(t *testing.T) {
	const n = 5000
	ids := payment.NewULIDSource()
	for _, own := range []bool{false, true} {
		pays := make([]Payment, n)
		for i := range pays {
			p := &pays[i]
			p.Amount, p.Currency, p.Status, p.Reference = int64(i+1), "EUR", payment.StatusSettled, fmt.Sprintf("INV-%d", i)
			if own {
				p.ID = payment.ID(fmt.Sprintf("P-%d", i))
			} else {
				p.ID = payment.ID(ids.NewID(payment.PrefixPayment, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)))
				p.EndToEnd = string(p.ID)[len(p.ID)-16:]
			}
		}
		for _, parallel := range []bool{false, true} {
			x := buildPaymentIndex(pays, &Options{}, parallel)
			held := [2]int{}
			for k := range x.refs.tabs {
				for _, s := range x.refs.tabs[k].slots {
					if s != 0 {
						held[k]++
					}
				}
				require.LessOrEqual(t, 2*held[k], len(x.refs.tabs[k].slots), "own ids %v, parallel %v: table %d", own, parallel, k)
			}
			if own {
				require.Equal(t, 2*n, held[0], "references and ids")
				require.Equal(t, 16, len(x.refs.tabs[1].slots), "no end-to-end keys: the smallest table")
			} else {
				require.Equal(t, n, held[0], "references alone: ids are found through their end-to-end keys")
				require.Equal(t, n, held[1])
			}
		}
	}
}
