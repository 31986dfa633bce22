package csv_test

import (
	"bufio"
	"bytes"
	stdcsv "encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/orkesta/orkesta/reconcile/csv"
)

// statementCSV generates the perf-floor statement layout (shared/specs/perf-floor.md): date,
// value_date, amount, currency, reference, description, counterparty_iban; ~110 bytes a line, 10 %
// of descriptions quoted because they hold a comma. Deterministic (PCG 42/2026).
func statementCSV(lines int) []byte {
	r := rand.New(rand.NewPCG(42, 2026))
	var b bytes.Buffer
	b.WriteString("date,value_date,amount,currency,reference,description,counterparty_iban\n")
	curs := []string{"EUR", "EUR", "EUR", "EUR", "EUR", "EUR", "USD", "USD", "GBP", "CHF"}
	names := []string{"Rossi S.p.A.", "Müller GmbH", "Dupont SARL", "Smith Ltd", "Yılmaz A.Ş."}
	var line []byte
	for i := 0; i < lines; i++ {
		day := 1 + r.IntN(28)
		line = line[:0]
		line = fmt.Appendf(line, "2026-05-%02d,2026-05-%02d,", day, min(day+r.IntN(3), 28))
		line = strconv.AppendInt(line, 100+r.Int64N(10_000_000), 10)
		line = append(line[:len(line)-2], append([]byte{'.'}, line[len(line)-2:]...)...)
		line = fmt.Appendf(line, ",%s,INV-2026-%06d,", curs[r.IntN(len(curs))], r.IntN(1_000_000))
		desc := fmt.Sprintf("SEPA CT %s order %06d", names[r.IntN(len(names))], r.IntN(1_000_000))
		if r.IntN(10) == 0 {
			desc = `"` + desc + `, partial"`
		}
		line = append(line, desc...)
		line = fmt.Appendf(line, ",DE%02d%018d\n", r.IntN(100), r.Int64N(1e18))
		b.Write(line)
	}
	return b.Bytes()
}

// benchFile is generated on first use, so plain test runs do not pay for it.
var benchFile = sync.OnceValue(func() []byte { return statementCSV(200_000) })

// BenchmarkBareEncodingCSV is the floor: encoding/csv with ReuseRecord over the same bytes, touching
// every field and doing nothing else. BenchmarkDecode runs right after it; compare their MB/s.
func BenchmarkBareEncodingCSV(b *testing.B) {
	b.SetBytes(int64(len(benchFile())))
	b.ReportAllocs()
	for b.Loop() {
		cr := stdcsv.NewReader(bufio.NewReaderSize(bytes.NewReader(benchFile()), 64<<10))
		cr.ReuseRecord = true
		cr.FieldsPerRecord = 7
		n := 0
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(rec[2])
		}
		if n == 0 {
			b.Fatal("nothing read")
		}
	}
}

// BenchmarkDecode is the whole decoder: separator and charset detection, header search, typed
// fields, one statement per currency, fingerprints and balance checks.
func BenchmarkDecode(b *testing.B) {
	b.SetBytes(int64(len(benchFile())))
	b.ReportAllocs()
	for b.Loop() {
		sts, err := csv.Decode(bytes.NewReader(benchFile()), csv.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(sts) != 4 {
			b.Fatalf("%d statements", len(sts))
		}
	}
}

// BenchmarkDecodeSizes shows that what Decode allocates per line does not grow with the file: the
// "B/line" metric is the same at 20,000 and 200,000 lines (it is the entries returned, ~the line).
func BenchmarkDecodeSizes(b *testing.B) {
	for _, n := range []int{20_000, 200_000} {
		data := statementCSV(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var total uint64
			runs := 0
			for b.Loop() {
				before := readTotalAlloc()
				if _, err := csv.Decode(bytes.NewReader(data), csv.Options{}); err != nil {
					b.Fatal(err)
				}
				total += readTotalAlloc() - before
				runs++
			}
			b.ReportMetric(float64(total)/float64(runs)/float64(n), "B/line")
		})
	}
}

// BenchmarkFingerprint is the part of BenchmarkDecode spent in reconcile.Statement.Fingerprint (two
// SHA-256 per entry and a map of seen hashes), the de-duplication key every decoder sets.
func BenchmarkFingerprint(b *testing.B) {
	sts, err := csv.Decode(bytes.NewReader(benchFile()), csv.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchFile())))
	b.ReportAllocs()
	for b.Loop() {
		for i := range sts {
			sts[i].Fingerprint()
		}
	}
}
