package bai2_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/bai2"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// FuzzDecode: Decode never panics; every failure is a *reconcile.ParseError (joined, the last one
// possibly the cap's note); every success is a well-formed statement whose entries are positive.
func FuzzDecode(f *testing.F) {
	sample, err := os.ReadFile("testdata/moov-bai2_sample1.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add([]byte(full))
	f.Add([]byte(strings.ReplaceAll(full, "\n", "\r\n")))
	f.Add([]byte(specSample))
	f.Add([]byte("01,A,B,251124,0600,1,,,2/\n02,B,A,1,251124,,JPY/\n03,1,,010,-5,,,015,+5,,/\n16,165,10,V,251124,,,,X\n88,Y/\n49,+10,4/\n98,+10,1,6/\n99,+10,1,8/\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sts, err := bai2.Decode(bytes.NewReader(data), bai2.Options{})
		if err != nil {
			if sts != nil {
				t.Fatal("statements returned with an error")
			}
			reconciletest.CheckParseErrors(t, err, bai2.Format)
			return
		}
		for _, st := range sts {
			if st.Format != bai2.Format || !st.Currency.Valid() || st.Account == "" {
				t.Fatalf("malformed statement %+v", st)
			}
			for _, e := range st.Entries {
				if e.Amount <= 0 || (e.Direction != reconcile.Credit && e.Direction != reconcile.Debit) ||
					e.Currency != st.Currency || e.Fingerprint == "" || e.BookingDate == 0 || e.ValueDate == 0 {
					t.Fatalf("malformed entry %+v", e)
				}
			}
		}
	})
}
