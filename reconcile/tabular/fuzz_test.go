package tabular_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// decodeRows feeds rows to a CSV Builder. found[i] reports whether the header was found before row i.
func decodeRows(rows [][]string) (sts []reconcile.Statement, found []bool, err error) {
	b, err := tabular.NewBuilder(tabular.Options{Format: "csv", Currency: "TRY"})
	if err != nil {
		panic(err)
	}
	found = make([]bool, len(rows))
	for i, r := range rows {
		found[i] = b.HeaderFound()
		if !b.Row(i+1, r) {
			break
		}
	}
	sts, err = b.Finish()
	return reconciletest.StripFingerprints(sts), found, err
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// FuzzCellsPastHeader: empty cells at the end of rows change nothing, and a value in a column past
// the header on a row below it either fails the file or changes nothing (the row is no booking);
// it is never dropped while the row's entry is kept.
func FuzzCellsPastHeader(f *testing.F) {
	f.Add("Tarih;Valör;Açıklama;Borç;Alacak;Bakiye\n01.02.2026;01.02.2026;ok;;1,00;1,00\n02.02.2026;02.02.2026;x;2,00;;-1,00\nToplam;;;2,00;1,00;", uint8(1), "56")
	f.Add("IBAN: TR33 0006 1005 1978 6457 8413 26\nTarih;Tutar;Açıklama\n15.01.2026;1234,56;a\n16.01.2026;-1.234;b", uint8(2), "x")
	f.Add("Date;Amount;Description\n2026-01-15;1,234;a\n2026-01-16;5.00;b\n;;", uint8(3), "1")
	f.Add("Tarih;Tutar\n01.02.2026;1.500\n02.02.2026;200", uint8(2), " ")
	f.Fuzz(func(t *testing.T, text string, at uint8, extra string) {
		if len(text) > 4096 || strings.ContainsAny(extra, ";\n") {
			return
		}
		var rows [][]string
		width := 0
		for _, l := range strings.Split(text, "\n") {
			r := strings.Split(l, ";")
			rows = append(rows, r)
			width = max(width, len(r))
		}
		pad := func(r []string, n int) []string {
			out := append([]string(nil), r...)
			for len(out) < n {
				out = append(out, "")
			}
			return out
		}
		sts, found, err := decodeRows(rows)

		padded := make([][]string, len(rows))
		for i, r := range rows {
			padded[i] = pad(r, width+1)
		}
		psts, _, perr := decodeRows(padded)
		if errText(perr) != errText(err) || !reflect.DeepEqual(psts, sts) {
			t.Fatalf("empty cells at the end of the rows change the result:\n%v %+v\nto\n%v %+v", err, sts, perr, psts)
		}

		k := int(at) % len(rows)
		if !found[k] || strings.TrimSpace(extra) == "" {
			return
		}
		with := make([][]string, len(rows))
		copy(with, padded)
		with[k] = append(pad(rows[k], width), extra)
		wsts, _, werr := decodeRows(with)
		if werr == nil && (perr != nil || !reflect.DeepEqual(wsts, psts)) {
			t.Fatalf("row %d's %q past the header was dropped without an error:\n%v %+v\nwith it\n%+v", k+1, extra, perr, psts, wsts)
		}
	})
}
