package detect_test

import (
	"bytes"
	"fmt"

	"github.com/orkesta/orkesta/reconcile/detect"
)

func ExampleSniff() {
	fmt.Println(detect.Sniff([]byte(":20:STMT1\r\n:25:TR330006100519786457841326\r\n:28C:1\r\n")))
	fmt.Println(detect.Sniff([]byte(`<?xml version="1.0"?><Document><BkToCstmrStmt>`)))
	fmt.Println(detect.Sniff([]byte("Tarih;Tutar\n02.01.2026;1,00\n")))
	fmt.Println(detect.Sniff([]byte("PK\x03\x04...xl/workbook.xml")))
	fmt.Printf("%q\n", detect.Sniff([]byte("<html><table>")))
	// Output:
	// mt940
	// camt053
	// csv
	// xlsx
	// ""
}

func ExampleDecode() {
	file := []byte("Tarih;Açıklama;Tutar\n02.01.2026;GELEN EFT;250,00\n")
	format, sts, err := detect.Decode(bytes.NewReader(file), int64(len(file)), detect.Options{Currency: "TRY"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(format, len(sts[0].Entries), sts[0].Entries[0].Amount)
	// Output: csv 1 25000
}
