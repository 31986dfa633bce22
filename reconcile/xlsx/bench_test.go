package xlsx_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/orkesta/orkesta/reconcile/xlsx"
)

// writeStatementXLSX writes the perf-floor workbook (shared/specs/perf-floor.md) with StreamWriter:
// dates as date cells (custom format yyyy-mm-dd), the amount a number with format 0.00, the rest
// inline strings. Deterministic (PCG 42/2026).
func writeStatementXLSX(b *testing.B, path string, rows int) {
	b.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	dateFmt := "yyyy-mm-dd"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		b.Fatal(err)
	}
	amountStyle, err := f.NewStyle(&excelize.Style{NumFmt: 2})
	if err != nil {
		b.Fatal(err)
	}
	header := []any{"date", "value_date", "amount", "currency", "reference", "description", "counterparty_iban"}
	if err := sw.SetRow("A1", header); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(42, 2026))
	curs := []string{"EUR", "EUR", "EUR", "EUR", "EUR", "EUR", "USD", "USD", "GBP", "CHF"}
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < rows; i++ {
		day := r.IntN(28)
		row := []any{
			excelize.Cell{StyleID: dateStyle, Value: base.AddDate(0, 0, day)},
			excelize.Cell{StyleID: dateStyle, Value: base.AddDate(0, 0, min(day+r.IntN(3), 27))},
			excelize.Cell{StyleID: amountStyle, Value: float64(100+r.Int64N(10_000_000)) / 100},
			curs[r.IntN(len(curs))],
			fmt.Sprintf("INV-2026-%06d", r.IntN(1_000_000)),
			fmt.Sprintf("SEPA CT Rossi S.p.A. order %06d", r.IntN(1_000_000)),
			fmt.Sprintf("DE%02d%018d", r.IntN(100), r.Int64N(1e18)),
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
}

// statementBook writes the perf-floor workbook once per process.
func statementBook(b *testing.B, rows int) []byte {
	b.Helper()
	path := filepath.Join(b.TempDir(), "statement.xlsx")
	writeStatementXLSX(b, path, rows)
	book, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return book
}

// BenchmarkBareExcelizeRows is the floor for BenchmarkDecode/100000: excelize's streaming Rows with
// raw cell values over the same workbook, touching every cell and keeping nothing. Compare rows/s.
func BenchmarkBareExcelizeRows(b *testing.B) {
	const rows = 100_000
	book := statementBook(b, rows)
	b.SetBytes(int64(len(book)))
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		f, err := excelize.OpenReader(bytes.NewReader(book), excelize.Options{RawCellValue: true,
			UnzipSizeLimit: xlsx.DefaultMaxUnzipSize, UnzipXMLSizeLimit: xlsx.DefaultMaxXMLInMemory})
		if err != nil {
			b.Fatal(err)
		}
		it, err := f.Rows("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		cells := 0
		for it.Next() {
			cols, err := it.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				b.Fatal(err)
			}
			cells += len(cols)
		}
		_ = it.Close()
		_ = f.Close()
		if cells != (rows+1)*7 {
			b.Fatalf("%d cells", cells)
		}
		n++
	}
	b.ReportMetric(float64(rows*n)/time.Since(start).Seconds(), "rows/s")
}

// peakHeap samples the heap in use while fn runs and returns the highest value seen.
func peakHeap(fn func()) uint64 {
	var peak uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	<-done
	return peak
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkDecode reads the 100,000-row perf-floor workbook; compare its rows/s with
// BenchmarkBareExcelizeRows.
func BenchmarkDecode(b *testing.B) {
	const rows = 100_000
	book := statementBook(b, rows)
	b.SetBytes(int64(len(book)))
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		if _, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(rows*n)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkDecodeMemory measures the heap of Decode at 20,000 and 100,000 rows, with the collector
// set to run often (GOGC=10) so that the peak is close to what is live rather than to the garbage
// the default pacing lets pile up. peak-MB is the highest heap in use above what was in use before;
// result-MB what the returned statements keep; work-MB = peak − result, the decoder's own working
// set (excelize's copy of the zipped file, the XML decoder, one row, the builder), which should not
// grow with the rows beyond that zipped copy.
func BenchmarkDecodeMemory(b *testing.B) {
	for _, rows := range []int{20_000, 100_000} {
		b.Run(strconv.Itoa(rows), func(b *testing.B) {
			book := statementBook(b, rows)
			old := debug.SetGCPercent(10)
			defer debug.SetGCPercent(old)
			var peak, result uint64
			for b.Loop() {
				before := heapInUse()
				var kept any
				p := peakHeap(func() {
					sts, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{})
					if err != nil {
						b.Fatal(err)
					}
					kept = sts
				})
				after := heapInUse()
				runtime.KeepAlive(kept)
				peak = max(peak, p-min(p, before))
				result = max(result, after-min(after, before))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
			b.ReportMetric(float64(result)/(1<<20), "result-MB")
			b.ReportMetric(float64(peak-min(peak, result))/(1<<20), "work-MB")
			b.ReportMetric(float64(len(book))/(1<<20), "zipped-MB")
		})
	}
}
