package camt053_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/camt053"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// FuzzDecode: Decode never panics; every failure is a *reconcile.ParseError (or the one
// not-a-statement error); every success is a well-formed statement.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/public/*.xml")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(doc(ns053v2, header("140.00")+"\n"+ntry("60.00", "DBIT", "<RvslInd>true</RvslInd>", tx("a", "10.00")+tx("b", "50.00")))))
	f.Add([]byte(doc(ns053v2, header("100.00")+"\n"+ntry("1", "CRDT", "<Sts>PDNG</Sts>", ""))))
	if le, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(doc(ns053v2, header("100.00")+"\n"+ntry("1", "CRDT", "", ""))); err == nil {
		f.Add([]byte(le))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sts, err := camt053.Decode(bytes.NewReader(data), camt053.Options{})
		if err != nil {
			reconciletest.CheckParseErrors(t, err, "")
			return
		}
		for _, st := range sts {
			if st.Account == "" || (st.HasOpening && !st.Currency.Valid()) {
				t.Fatalf("malformed statement %+v", st)
			}
			for _, e := range st.Entries {
				if e.Amount < 0 || (e.Direction != reconcile.Debit && e.Direction != reconcile.Credit) ||
					e.Fingerprint == "" || !strings.HasPrefix(e.Position, "line ") || e.ValueDate == 0 || !e.Currency.Valid() {
					t.Fatalf("malformed entry %+v", e)
				}
			}
		}
	})
}
