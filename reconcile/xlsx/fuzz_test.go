package xlsx_test

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
	"github.com/orkesta/orkesta/reconcile/tabular"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

func checkEntries(t *testing.T, sts []reconcile.Statement) {
	t.Helper()
	for _, st := range sts {
		for _, e := range st.Entries {
			if e.Amount < 0 || e.Position == "" || e.Currency != st.Currency {
				t.Fatalf("bad entry %+v", e)
			}
		}
	}
}

// checkDecodeErr: a failure of Decode is *reconcile.ParseErrors, and none is a panic Decode recovered
// (which it reports as an unreadable workbook rather than crash its caller).
func checkDecodeErr(t *testing.T, err error) {
	t.Helper()
	reconciletest.CheckParseErrors(t, err, "")
	if strings.Contains(err.Error(), "unreadable workbook") {
		t.Fatalf("Decode panicked: %v", err)
	}
}

// FuzzCells drives the cell-value → entry layer exactly as Decode does (raw cell values, numeric
// cells possible, cell positions), with arbitrary texts in the date, amount, balance, flag and
// description cells of a two-row table.
func FuzzCells(f *testing.F) {
	f.Add("46024", "1500.5", "2500", "A", "EFT", "02.01.2026", "-7,50", "", "B", "x", false)
	f.Add("02.01.2026", "1.500", "", "", "", "2026-01-03", "12,50 TL", "1.234,56", "", "", true)
	f.Add("60", "1E+308", "-0", "borç", "Toplam", "03/04/2026", "(1,234.56)", "1'234.56", "+", "", false)
	f.Add("46024.999", "0.30000000000000004", "1.234", "", "", "", "", "", "", "", true)
	f.Fuzz(func(t *testing.T, d1, a1, b1, f1, s1, d2, a2, b2, f2, s2 string, date1904 bool) {
		b, err := tabular.NewBuilder(tabular.Options{Format: xlsx.Format, Sheet: "Sheet1", Currency: "TRY",
			NumericCells: true, Date1904: date1904})
		if err != nil {
			t.Fatal(err)
		}
		b.Row(1, []string{"Tarih", "Tutar", "Bakiye", "B/A", "Açıklama"})
		b.Row(2, []string{d1, a1, b1, f1, s1})
		b.Row(3, []string{d2, a2, b2, f2, s2})
		sts, err := b.Finish()
		if err != nil {
			reconciletest.CheckParseErrors(t, err, "")
			return
		}
		checkEntries(t, sts)
	})
}

// FuzzWorkbook writes a small workbook from the fuzzer's cell values with excelize and decodes it.
func FuzzWorkbook(f *testing.F) {
	f.Add("Tarih", "Tutar", "02.01.2026", "1.234,56", 1500.25, true)
	f.Add("İşlem Tarihi", "İşlem Tutarı", "", "", -0.1, false)
	f.Add("Date", "Amount", "2026-01-02", "1,000.00", 1e300, true)
	f.Fuzz(func(t *testing.T, h1, h2, c1, c2 string, n float64, numeric bool) {
		row := []any{c1, c2}
		if numeric {
			row = []any{c1, n}
		}
		book := workbook(t, false, sheet{name: "Sheet1", rows: [][]any{{h1, h2}, row, {c1, c2}}})
		sts, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Currency: "TRY"})
		if err != nil {
			checkDecodeErr(t, err)
			return
		}
		checkEntries(t, sts)
	})
}

// FuzzDecodeBytes feeds arbitrary bytes (seeded with real workbooks) to Decode: damaged zips and
// parts must give errors, never a panic.
func FuzzDecodeBytes(f *testing.F) {
	f.Add(workbook(f, false, ziraat()))
	f.Add(workbook(f, true, akbank()))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sts, err := xlsx.Decode(bytes.NewReader(data), int64(len(data)), xlsx.Options{Currency: "TRY"})
		if err != nil {
			checkDecodeErr(t, err)
			return
		}
		checkEntries(t, sts)
	})
}

// TestDamagedWorkbooks runs Decode on real workbooks with bytes and zip header fields overwritten
// (sizes, offsets, CRCs): the same property as FuzzDecodeBytes, deterministic and fast, because the
// fuzz engine runs excelize's large instrumented code slowly.
func TestDamagedWorkbooks(t *testing.T) {
	seeds := [][]byte{workbook(t, false, ziraat()), workbook(t, true, akbank())}
	r := rand.New(rand.NewPCG(7, 2026))
	for i := 0; i < 300; i++ {
		b := bytes.Clone(seeds[i%len(seeds)])
		for k := 0; k < 1+r.IntN(3); k++ {
			off := r.IntN(len(b) - 4)
			switch r.IntN(3) {
			case 0:
				binary.LittleEndian.PutUint32(b[off:], r.Uint32())
			case 1:
				binary.LittleEndian.PutUint16(b[off:], uint16(r.Uint32()))
			default:
				b[off] = byte(r.IntN(256))
			}
		}
		sts, err := xlsx.Decode(bytes.NewReader(b), int64(len(b)), xlsx.Options{Currency: "TRY"})
		if err != nil {
			checkDecodeErr(t, err)
			continue
		}
		checkEntries(t, sts)
	}
}
