package xlsx_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

// benchFiles are the streaming benchmarks' generated workbooks, removed once the package has run.
var benchFiles reconciletest.Files

func TestMain(m *testing.M) { os.Exit(benchFiles.Run(m)) }

// BenchmarkStream streams the perf-floor workbook from a file at 20,000, 200,000 and 500,000 rows
// and reports rows/s and peak-heap-MB (see reconciletest.BenchStream). Issue #6 asks for at least
// 50,000 rows/s and at most 32 MB whatever the row count. The workbooks are written once per
// process (500,000 rows take about 10 s) and read through the *os.File as a service would read an
// upload. Run with
//
//	go test -run '^$' -bench BenchmarkStream -benchtime 3x ./reconcile/xlsx
func BenchmarkStream(b *testing.B) {
	for _, rows := range []int{20_000, 200_000, 500_000} {
		b.Run(strconv.Itoa(rows), func(b *testing.B) {
			path := benchFiles.Path(b, "statement-"+strconv.Itoa(rows)+".xlsx", func(path string) error {
				writeStatementXLSX(b, path, rows)
				return nil
			})
			// The entries, and the end of each of the four statements.
			reconciletest.BenchStream(b, path, rows+4, func(f *os.File, size int64, fn func(*reconcile.Statement, *reconcile.Entry) error) error {
				return xlsx.Stream(f, size, xlsx.Options{}, fn)
			})
		})
	}
}
