package csv_test

import (
	"bufio"
	"bytes"
	stdcsv "encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// statementCSV is the perf-floor statement export (shared/specs/perf-floor.md) as the project's
// benchmarks generate it: date, value_date, amount, currency, reference, description,
// counterparty_iban; ~110 bytes a line, some descriptions quoted. Deterministic.
func statementCSV(lines int) []byte {
	var b bytes.Buffer
	if err := reconciletest.WritePerfData(lines, io.Discard, &b); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// benchFile is generated on first use, so plain test runs do not pay for it.
var benchFile = sync.OnceValue(func() []byte { return statementCSV(200_000) })

// BenchmarkVersusBare is the measure in one figure: each iteration reads the file with a bare
// encoding/csv loop and decodes it, one right after the other, so that both see the same machine,
// and reports the decoder's speed as a fraction of the bare read's ("x-bare"; the target is 0.6).
func BenchmarkVersusBare(b *testing.B) {
	versusBare(b, func(data []byte) error {
		_, err := csv.Decode(bytes.NewReader(data), csv.Options{})
		return err
	})
}

// BenchmarkStreamVersusBare is BenchmarkVersusBare for Stream: the same typed entries, with their
// positions, handed over one by one on one goroutine, without keeping them and so without the
// fingerprints (a fingerprint numbers identical bookings across the whole statement).
func BenchmarkStreamVersusBare(b *testing.B) {
	versusBare(b, func(data []byte) error {
		n := 0
		err := csv.Stream(bytes.NewReader(data), csv.Options{}, func(_ *reconcile.Statement, e *reconcile.Entry) error {
			if e != nil {
				n++
			}
			return nil
		})
		if err == nil && n != 200_000 {
			err = fmt.Errorf("%d entries, want 200000", n)
		}
		return err
	})
}

// versusBare times, in turns, the bare read of benchFile and read, and reports read's speed as a
// fraction of the bare read's.
func versusBare(b *testing.B, read func(data []byte) error) {
	data := benchFile()
	var bare, took time.Duration
	for b.Loop() {
		t0 := time.Now()
		bareRead(b, data)
		t1 := time.Now()
		if err := read(data); err != nil {
			b.Fatal(err)
		}
		bare, took = bare+t1.Sub(t0), took+time.Since(t1)
	}
	b.ReportMetric(bare.Seconds()/took.Seconds(), "x-bare")
}

func bareRead(b *testing.B, data []byte) {
	cr := stdcsv.NewReader(bufio.NewReaderSize(bytes.NewReader(data), 64<<10))
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

// BenchmarkBareEncodingCSV is the floor: encoding/csv with ReuseRecord over the same bytes, touching
// every field and doing nothing else. BenchmarkDecode runs right after it; compare their MB/s.
func BenchmarkBareEncodingCSV(b *testing.B) {
	b.SetBytes(int64(len(benchFile())))
	b.ReportAllocs()
	for b.Loop() {
		bareRead(b, benchFile())
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

// BenchmarkFingerprint is the part of BenchmarkDecode spent in reconcile.Statement.Fingerprint (one
// SHA-256 per entry, in parallel for large statements, and a count of identical bookings), the
// de-duplication key every decoder sets.
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

// BenchmarkDecodeFile reads the same file from disk, as the offline reconciliation does: an *os.File
// has no Size method, so Decode takes the row estimate from Stat.
func BenchmarkDecodeFile(b *testing.B) {
	path := filepath.Join(b.TempDir(), "statement.csv")
	if err := os.WriteFile(path, benchFile(), 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchFile())))
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		sts, err := csv.Decode(f, csv.Options{})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if len(sts) != 4 {
			b.Fatalf("%d statements", len(sts))
		}
	}
}
