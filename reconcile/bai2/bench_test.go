package bai2_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/orkesta/orkesta/reconcile/bai2"
)

// generate writes a BAI2 file of about size bytes: one group a day of 20 accounts with 250 details
// each (credits and debits, value-dated ones, text that continues in an 88 record), trailers whose
// control totals and record counts add up.
func generate(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 64<<10)
	fmt.Fprintf(&b, "01,BANKUS33,CUSTID,251124,0600,F1,,,2/\n")
	groups, fileRecords := 0, 1
	var fileTotal int64
	for day := 0; b.Len() < size; day++ {
		date := fmt.Sprintf("25%02d%02d", 1+day/28%12, 1+day%28)
		fmt.Fprintf(&b, "02,CUSTID,BANKUS33,1,%s,2359,USD,2/\n", date)
		groupRecords, groupTotal := 1, int64(0)
		for acct := range 20 {
			var total int64
			records := 1
			fmt.Fprintf(&b, "03,%012d,,010,+000000000000,,/\n", 1000+acct)
			for i := range 250 {
				amt := int64(100 + (day*7919+acct*104729+i*131)%9_000_000)
				code := 165
				if i%3 != 0 {
					code = 475
				}
				total += amt
				if i%4 == 0 {
					fmt.Fprintf(&b, "16,%d,%d,V,%s,,BR%08d,INV-2025-%06d,ACH CREDIT ACME CORPORATION ORDER %d,\n88,FINAL PAYMENT FOR PURCHASE ORDER %d/\n", code, amt, date, i, i, i, i)
					records += 2
				} else {
					fmt.Fprintf(&b, "16,%d,%d,0,BR%08d,INV-2025-%06d,CHECK PAID %d/\n", code, amt, i, i, i)
					records++
				}
			}
			records++
			fmt.Fprintf(&b, "49,+%d,%d/\n", total, records)
			groupTotal += total
			groupRecords += records
		}
		groupRecords++
		fmt.Fprintf(&b, "98,+%d,20,%d/\n", groupTotal, groupRecords)
		groups++
		fileRecords += groupRecords
		fileTotal += groupTotal
	}
	fmt.Fprintf(&b, "99,+%d,%d,%d/\n", fileTotal, groups, fileRecords+1)
	return b.Bytes()
}

func BenchmarkDecode(b *testing.B) {
	data := generate(16 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	entries := 0
	for b.Loop() {
		sts, err := bai2.Decode(bytes.NewReader(data), bai2.Options{})
		if err != nil {
			b.Fatal(err)
		}
		entries = 0
		for i := range sts {
			if len(sts[i].Warnings) != 0 {
				b.Fatal(sts[i].Warnings)
			}
			entries += len(sts[i].Entries)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(entries), "ns/entry")
}
