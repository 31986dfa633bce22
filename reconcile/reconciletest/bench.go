package reconciletest

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/orkesta/orkesta/reconcile"
)

// Files are input files generated once per test process, on disk, for benchmarks that must not
// hold their input in the heap they measure. TestMain runs the package through Run, which removes
// them at the end.
type Files struct {
	once sync.Once
	dir  string
	err  error
	made sync.Map // name → func() error
}

// Path returns the path of the file name, written by write the first time it is asked for.
func (f *Files) Path(tb testing.TB, name string, write func(path string) error) string {
	f.once.Do(func() { f.dir, f.err = os.MkdirTemp("", "orkesta-bench") })
	if f.err != nil {
		tb.Fatal(f.err)
	}
	path := filepath.Join(f.dir, name)
	made, _ := f.made.LoadOrStore(name, sync.OnceValue(func() error { return write(path) }))
	if err := made.(func() error)(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Run runs the package's tests and benchmarks, then deletes the files; it returns m.Run's code, for
// TestMain's os.Exit(files.Run(m)).
func (f *Files) Run(m *testing.M) int {
	defer func() {
		if f.dir != "" {
			os.RemoveAll(f.dir)
		}
	}()
	return m.Run()
}

// BenchStream benchmarks a decoder's Stream over the file at path, opened afresh for each run after
// two collections (the second takes what sync.Pools held), and reports rows/s and peak-heap-MB: the
// most the heap held (heap objects, garbage not yet collected included), sampled from inside fn
// every 1,000 calls. stream binds the decoder to the file; calls is how many times fn must be
// called (the entries, and the end of each statement).
func BenchStream(b *testing.B, path string, calls int,
	stream func(f *os.File, size int64, fn func(*reconcile.Statement, *reconcile.Entry) error) error) {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	heap := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	var took time.Duration
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		runtime.GC()
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		n := 0
		err = stream(f, fi.Size(), func(st *reconcile.Statement, e *reconcile.Entry) error {
			if n++; n%1000 == 0 || e == nil {
				metrics.Read(heap)
				peak = max(peak, heap[0].Value.Uint64())
			}
			return nil
		})
		took += time.Since(start)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if n != calls {
			b.Fatalf("fn called %d times, want %d", n, calls)
		}
	}
	b.ReportMetric(float64(calls*b.N)/took.Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
