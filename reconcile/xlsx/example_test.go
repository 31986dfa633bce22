package xlsx_test

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/orkesta/orkesta/reconcile/xlsx"
)

func ExampleDecode() {
	// A workbook as a bank's internet branch exports it: a title row, then the table.
	f := excelize.NewFile()
	_ = f.SetSheetName("Sheet1", "Hareketler")
	_ = f.SetSheetRow("Hareketler", "A1", &[]any{"Hesap Hareketleri"})
	_ = f.SetSheetRow("Hareketler", "A3", &[]any{"İşlem Tarihi", "Açıklama", "İşlem Tutarı", "Bakiye"})
	_ = f.SetSheetRow("Hareketler", "A4", &[]any{"02.01.2026", "GELEN EFT", 1500.0, 2500.0})
	_ = f.SetSheetRow("Hareketler", "A5", &[]any{"03.01.2026", "KİRA", -1000.0, 1500.0})
	buf, _ := f.WriteToBuffer()
	book := buf.Bytes()

	sts, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Currency: "TRY"})
	if err != nil {
		fmt.Println(err)
		return
	}
	st := sts[0]
	fmt.Println(st.Currency, st.Opening, st.Closing)
	for _, e := range st.Entries {
		fmt.Println(e.BookingDate, e.Direction, e.Amount, e.Position)
	}
	// Output:
	// TRY 100000 150000
	// 2026-01-02 credit 150000 Hareketler!A4
	// 2026-01-03 debit 100000 Hareketler!A5
}
