package tabular_test

import (
	"fmt"
	"strings"

	"github.com/orkesta/orkesta/reconcile/tabular"
)

func ExampleFold() {
	fmt.Println(tabular.Fold("AÇIKLAMA"), tabular.Fold("açıklama"), tabular.Fold("İşlem Tarihi"), tabular.Fold("Tutar (TL)"))
	// Output: aciklama aciklama islemtarihi tutar
}

func ExampleParseMapping() {
	m, err := tabular.ParseMapping(strings.NewReader(`
name: mybank
columns:
  booking_date: İşlem Tarihi
  amount: [Tutar, İşlem Tutarı]
  direction: B/A
  description: 3
number_format: "1.234,56"
date_format: DD.MM.YYYY
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Name, m.Columns[tabular.Amount].Names, m.Columns[tabular.Description].Index)
	// Output: mybank [Tutar İşlem Tutarı] 3
}

func ExampleBuilder() {
	b, _ := tabular.NewBuilder(tabular.Options{Format: "csv", Currency: "TRY"})
	rows := [][]string{
		{"Hesap No", "12345"},
		{},
		{"Tarih", "Açıklama", "Borç", "Alacak", "Bakiye"},
		{"02.01.2026", "GELEN EFT", "", "1.500,00", "2.500,00"},
		{"03.01.2026", "KİRA", "1.000,00", "", "1.500,00"},
	}
	for i, r := range rows {
		b.Row(i+1, r)
	}
	sts, err := b.Finish()
	if err != nil {
		fmt.Println(err)
		return
	}
	st := sts[0]
	fmt.Println(st.Account, st.Currency, st.Opening, st.Closing)
	for _, e := range st.Entries {
		fmt.Println(e.BookingDate, e.Direction, e.Amount, e.Position)
	}
	// Output:
	// 12345 TRY 100000 150000
	// 2026-01-02 credit 150000 line 4
	// 2026-01-03 debit 100000 line 5
}
