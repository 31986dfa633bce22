package csv_test

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// benchTmp is where the streaming benchmarks keep their generated files, removed by TestMain.
var (
	benchTmpOnce sync.Once
	benchTmp     string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchTmp != "" {
		os.RemoveAll(benchTmp)
	}
	os.Exit(code)
}

// streamFile returns the path of the perf-floor statement with the given number of lines, written
// once per process: on disk, so that the input is not in the heap the benchmark measures.
var streamFiles sync.Map // lines → func() (string, error)

func streamFile(b *testing.B, lines int) string {
	f, _ := streamFiles.LoadOrStore(lines, sync.OnceValues(func() (string, error) {
		benchTmpOnce.Do(func() { benchTmp, _ = os.MkdirTemp("", "orkesta-csv-stream") })
		path := filepath.Join(benchTmp, "statement-"+strconv.Itoa(lines)+".csv")
		out, err := os.Create(path)
		if err != nil {
			return "", err
		}
		w := bufio.NewWriterSize(out, 1<<20)
		if err := reconciletest.WritePerfData(lines, io.Discard, w); err != nil {
			return "", err
		}
		if err := w.Flush(); err != nil {
			return "", err
		}
		return path, out.Close()
	}))
	path, err := f.(func() (string, error))()
	if err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkStream streams the perf-floor statement from a file at 20,000, 200,000 and 1,000,000
// lines (2 to 110 MB) and reports peak-heap-MB, the most the heap held while streaming, sampled
// from inside fn every 1,000 entries, after collections before each run: it does not grow with the
// file, where Decode's grows with the entries it returns. Generated once per process (the first
// run of the 1M file takes a few seconds more); run with
//
//	go test -run '^$' -bench BenchmarkStream -benchtime 3x ./reconcile/csv
func BenchmarkStream(b *testing.B) {
	for _, lines := range []int{20_000, 200_000, 1_000_000} {
		b.Run(strconv.Itoa(lines), func(b *testing.B) {
			path := streamFile(b, lines)
			fi, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			h := reconciletest.NewHeapPeak()
			for b.Loop() {
				b.StopTimer()
				// Twice: what sync.Pools held (writing the file fills excelize's) goes at the second.
				runtime.GC()
				runtime.GC()
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				n := 0
				err = csv.Stream(f, csv.Options{}, func(st *reconcile.Statement, e *reconcile.Entry) error {
					if n++; n%1000 == 0 || e == nil {
						h.Sample()
					}
					return nil
				})
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				if n != lines+4 { // the entries, and the end of each of the four statements
					b.Fatalf("%d calls", n)
				}
			}
			b.ReportMetric(float64(h.Peak)/(1<<20), "peak-heap-MB")
		})
	}
}
