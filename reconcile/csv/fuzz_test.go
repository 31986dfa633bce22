package csv_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// FuzzDecode feeds arbitrary bytes to Decode, seeded with every fixture. It must never panic; a
// failure is a *reconcile.ParseError (or a list of them); a success has sane entries.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.csv")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
	}
	f.Add([]byte("Tarih;Tutar\n01.02.2026;1.500\n"), true)
	f.Add([]byte("sep=,\nDate,Amount,Currency\n2026-01-02,\"1,000.00\",USD\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, try bool) {
		opts := csv.Options{}
		if try {
			opts.Currency = "TRY"
		}
		sts, err := csv.Decode(bytes.NewReader(data), opts)
		if err != nil {
			if sts != nil {
				t.Fatal("statements returned with an error")
			}
			reconciletest.CheckParseErrors(t, err, csv.Format)
			return
		}
		checkStatements(t, sts)
	})
}

func checkStatements(t *testing.T, sts []reconcile.Statement) {
	t.Helper()
	if len(sts) == 0 {
		t.Fatal("no statement and no error")
	}
	for _, st := range sts {
		for _, e := range st.Entries {
			if e.Amount < 0 || (e.Direction != reconcile.Debit && e.Direction != reconcile.Credit) ||
				e.Position == "" || len(e.Fingerprint) != 24 || e.Currency != st.Currency || e.ValueDate == 0 && e.BookingDate == 0 {
				t.Fatalf("bad entry %+v", e)
			}
		}
	}
}
