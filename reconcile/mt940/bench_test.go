package mt940_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/orkesta/orkesta/reconcile/mt940"
)

// generate writes a realistic multi-statement MT940 file of about size bytes: one statement per day
// of 250 entries, SWIFT blocks around each, entries cycling through the German DK (5 purpose lines),
// Dutch codeword and Turkish free-text :86: dialects (about 270 bytes an entry on average, as in
// real exports), balances that add up.
func generate(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 64<<10)
	bal := int64(100_000_000)
	for day := 0; b.Len() < size; day++ {
		date := fmt.Sprintf("24%02d%02d", 1+day/28%12, 1+day%28)
		fmt.Fprintf(&b, "{1:F01TGBATRISAXXX0000000000}{2:O940TGBATRISXXXXN}{3:}{4:\r\n:20:STMT%06d\r\n:25:TR330006100519786457841326\r\n:28C:%d/1\r\n", day, day+1)
		fmt.Fprintf(&b, ":60F:%s\r\n", balanceField(date, bal))
		for i := range 250 {
			amt := int64(1000 + (day*7919+i*104729)%9_000_000)
			mark := "C"
			if i%3 != 0 {
				mark, bal = "D", bal-amt
			} else {
				bal += amt
			}
			fmt.Fprintf(&b, ":61:%s%s%s%d,%02dNTRFPAY-%d-%d//B%08d\r\n", date, date[2:], mark, amt/100, amt%100, day, i, i)
			switch i % 3 {
			case 0:
				fmt.Fprintf(&b, ":86:166?00SEPA-GUTSCHRIFT?109310?20EREF+pay_01HZX%013d?21SVWZ+Rechnung %d vom %s?22Kunde 4711 Projekt Orkesta?23Lieferung Stoffe und Garne\r\n?24laut Auftrag vom Vormonat?25Vielen Dank?30DEUTDEFFXXX?31DE89370400440532013000\r\n?32Ayse Yilmaz Tekstil Sanayi?33ve Ticaret AS?34997\r\n", i, i, date)
			case 1:
				fmt.Fprintf(&b, ":86:/TRTP/SEPA OVERBOEKING/IBAN/NL91ABNA0417164300/BIC/ABNANL2A/NAME/J\r\n. DE VRIES HANDELSONDERNEMING/REMI/USTD//FACTUUR 2024-%05d BETALING TERMIJN 3 VAN 4 PROJECT ORK\r\nESTA/EREF/E2E-%d-%d\r\n", i, day, i)
			default:
				fmt.Fprintf(&b, ":86:FAST GIDEN AKBANK AYSE YILMAZ KIRA ODEMESI OCAK 2024 DAIRE 5\r\nSORGU NO 2024%08d REF %d ALICI TR330006100519786457841326\r\n", i, day)
			}
		}
		fmt.Fprintf(&b, ":62F:%s\r\n-}{5:}\r\n", balanceField(date, bal))
	}
	return b.Bytes()
}

func BenchmarkDecode(b *testing.B) {
	data := generate(32 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var entries int
	for b.Loop() {
		sts, err := mt940.Decode(bytes.NewReader(data), mt940.Options{})
		if err != nil {
			b.Fatal(err)
		}
		entries = 0
		for i := range sts {
			entries += len(sts[i].Entries)
			if len(sts[i].Warnings) != 0 {
				b.Fatal(sts[i].Warnings)
			}
		}
	}
	b.ReportMetric(float64(entries), "entries/op")
}

func balanceField(date string, bal int64) string {
	mark := "C"
	if bal < 0 {
		mark, bal = "D", -bal
	}
	return fmt.Sprintf("%s%sTRY%d,%02d", mark, date, bal/100, bal%100)
}
