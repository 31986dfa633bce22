package csv_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/csv"
)

func ExampleDecode() {
	export := "\ufeffIBAN;TR33 0006 1005 1978 6457 8413 26\n" +
		"Para Birimi;TL\n" +
		"\n" +
		"Tarih;Açıklama;Tutar;Bakiye\n" +
		"02.01.2026;FAST GELEN - AYŞE YILMAZ;1.500,00;11.500,00\n" +
		"03.01.2026;EFT ÜCRETİ;-7,50;11.492,50\n"
	sts, err := csv.Decode(strings.NewReader(export), csv.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	st := sts[0]
	fmt.Println(st.Account, st.Currency, st.Opening, st.Closing)
	for _, e := range st.Entries {
		fmt.Println(e.BookingDate, e.Direction, e.Amount, e.Remittance, "@", e.Position)
	}
	// Output:
	// TR330006100519786457841326 TRY 1000000 1149250
	// 2026-01-02 credit 150000 FAST GELEN - AYŞE YILMAZ @ line 5
	// 2026-01-03 debit 750 EFT ÜCRETİ @ line 6
}

func ExampleDecode_errors() {
	export := "Tarih;Tutar\n31.02.2026;1,00\n01.03.2026;bir lira\n"
	_, err := csv.Decode(strings.NewReader(export), csv.Options{Currency: "TRY"})
	fmt.Println(err)
	var pe *reconcile.ParseError
	fmt.Println(errors.As(err, &pe), pe.Line, pe.Field)
	// Output:
	// csv: line 2 Tarih (column 1): "31.02.2026": not a date
	// csv: line 3 Tutar (column 2): "bir lira": not an amount (expected 1.234,56 or 1 234,56, as decided by "1,00")
	// true 2 Tarih (column 1)
}

func ExampleStream() {
	export := "Date;Description;Amount;Currency;Balance\n" +
		"2026-01-02;Wire from ACME;1500.00;EUR;11500.00\n" +
		"2026-01-02;Card payment;-20.00;USD;980.00\n" +
		"2026-01-03;Bank fee;-7.50;EUR;11492.50\n"
	var staged []reconcile.Entry // a caller that must not import half a file stages the entries
	err := csv.Stream(strings.NewReader(export), csv.Options{}, func(st *reconcile.Statement, e *reconcile.Entry) error {
		if e != nil {
			staged = append(staged, *e) // e is reused: keep a copy
			return nil
		}
		// The statement has ended and the whole file is good: commit its entries.
		n := 0
		for _, s := range staged {
			if s.Currency == st.Currency {
				n++
			}
		}
		fmt.Println(st.Currency, st.From, st.To, st.Opening, st.Closing, n, "entries", len(st.Warnings), "warnings")
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// EUR 2026-01-02 2026-01-03 1000000 1149250 2 entries 0 warnings
	// USD 2026-01-02 2026-01-02 100000 98000 1 entries 0 warnings
}
