package csv_test

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// benchFiles are the streaming benchmarks' generated statements, removed once the package has run.
var benchFiles reconciletest.Files

func TestMain(m *testing.M) { os.Exit(benchFiles.Run(m)) }

// BenchmarkStream streams the perf-floor statement from a file at 20,000, 200,000 and 1,000,000
// lines (2 to 110 MB) and reports peak-heap-MB (see reconciletest.BenchStream): it does not grow
// with the file, where Decode's grows with the entries it returns. The files are generated once
// per process (the first run of the 1M file takes a few seconds more); run with
//
//	go test -run '^$' -bench BenchmarkStream -benchtime 3x ./reconcile/csv
func BenchmarkStream(b *testing.B) {
	for _, lines := range []int{20_000, 200_000, 1_000_000} {
		b.Run(strconv.Itoa(lines), func(b *testing.B) {
			path := benchFiles.Path(b, "statement-"+strconv.Itoa(lines)+".csv", func(path string) error {
				out, err := os.Create(path)
				if err != nil {
					return err
				}
				w := bufio.NewWriterSize(out, 1<<20)
				if err := reconciletest.WritePerfData(lines, io.Discard, w); err != nil {
					return err
				}
				if err := w.Flush(); err != nil {
					return err
				}
				return out.Close()
			})
			// The entries, and the end of each of the four statements.
			reconciletest.BenchStream(b, path, lines+4,
				func(f *os.File, _ int64, fn func(*reconcile.Statement, *reconcile.Entry) error) error {
					return csv.Stream(f, csv.Options{}, fn)
				})
		})
	}
}
