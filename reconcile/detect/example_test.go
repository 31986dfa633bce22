package detect_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/orkesta/orkesta/reconcile/detect"
	"github.com/orkesta/orkesta/reconcile/tabular"
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

// A bank's export that its own mapping and the Turkish preset both read: the own mapping is tried
// first, unless the preset is chosen by name. Each statement says which mapping read it.
func ExampleOptions_UseMapping() {
	own, err := tabular.ParseMapping(strings.NewReader(`{"name": "mybank", "columns": {"booking_date": "Tarih",
		"amount": "Tutar", "reference": "Açıklama"}, "date_format": "DD.MM.YYYY", "number_format": "1.234,56"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := detect.Options{Currency: "TRY"}
	opts.CSV.Mappings = []*tabular.Mapping{own}
	fmt.Println(opts.MappingNames())

	file := []byte("Tarih;Açıklama;Tutar\n02.01.2026;INV-7;250,00\n")
	for _, name := range []string{"", "tr"} {
		o := opts
		if name != "" {
			if err := o.UseMapping(name); err != nil {
				fmt.Println(err)
				return
			}
		}
		_, sts, err := detect.Decode(bytes.NewReader(file), int64(len(file)), o)
		if err != nil {
			fmt.Println(err)
			return
		}
		e := sts[0].Entries[0]
		fmt.Printf("%s: reference %q, description %q\n", sts[0].Mapping, e.CustomerRef, e.Remittance)
	}
	fmt.Println(opts.UseMapping("garanti"))
	// Output:
	// [mybank tr en de fr]
	// mybank: reference "INV-7", description ""
	// tr: reference "", description "INV-7"
	// no such column mapping: "garanti"; the mappings are mybank, tr, en, de, fr
}
