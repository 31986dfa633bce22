package xlsx_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
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

// A reconciliation report as a workbook: one sheet per section, amounts as number cells in major
// units. Any ReportSource will do: the *Result of reconcile.Offline (here) or the *Report of a run
// (reconcile.Service.Report).
func ExampleWriteReport() {
	st := reconcile.Statement{Currency: "TRY", Entries: []reconcile.Entry{{ValueDate: payment.MustDate("2026-01-15"),
		Amount: 125000, Direction: reconcile.Debit, Currency: "TRY", CustomerRef: "INV-1", Position: "line 1"}}}
	res, err := reconcile.Offline(reconcile.OfflineInput{
		Payments:   strings.NewReader("id,amount,currency,reference,value_date\npay_1,125000,TRY,INV-1,2026-01-15\n"),
		Statements: []reconcile.Statement{st}})
	if err != nil {
		fmt.Println(err)
		return
	}
	var buf bytes.Buffer
	if err := xlsx.WriteReport(&buf, res); err != nil {
		fmt.Println(err)
		return
	}

	f, err := excelize.OpenReader(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.GetSheetList())
	rows, _ := f.GetRows(xlsx.SheetExact)
	for _, r := range rows[:2] {
		fmt.Printf("%s | %s | %s | %s\n", r[0], r[3], r[4], r[18]) // Payment ID, Amount, Currency, Review
	}
	raw, _ := f.GetCellValue(xlsx.SheetExact, "D2", excelize.Options{RawCellValue: true})
	fmt.Println("D2 holds the number", raw)
	// Output:
	// [Summary Exact Fuzzy Unmatched entries Unmatched payments Anomalies]
	// Payment ID | Amount | Currency | Review
	// pay_1 | 1,250.00 | TRY | auto
	// D2 holds the number 1250
}
