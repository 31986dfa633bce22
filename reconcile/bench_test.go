package reconcile_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	rcsv "github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

var large = flag.Bool("large", false, "include the 1,000,000-entry benchmarks")

func perfSizes() []int {
	if *large {
		return []int{10_000, 100_000, 1_000_000}
	}
	return []int{10_000, 100_000}
}

type perfFiles struct {
	payments, statement []byte
}

var perfCache sync.Map // n → *perfFiles

func perfData(b *testing.B, n int) *perfFiles {
	b.Helper()
	if v, ok := perfCache.Load(n); ok {
		return v.(*perfFiles)
	}
	var p, s bytes.Buffer
	if err := reconciletest.WritePerfData(n, &p, &s); err != nil {
		b.Fatal(err)
	}
	f := &perfFiles{payments: p.Bytes(), statement: s.Bytes()}
	perfCache.Store(n, f)
	return f
}

func (f *perfFiles) decode(b *testing.B) ([]reconcile.Statement, []reconcile.Payment) {
	b.Helper()
	stmts, err := rcsv.Decode(bytes.NewReader(f.statement), rcsv.Options{Preset: "en"})
	if err != nil {
		b.Fatal(err)
	}
	pays, err := reconcile.ReadPayments(bytes.NewReader(f.payments))
	if err != nil {
		b.Fatal(err)
	}
	return stmts, pays
}

// engine is the decoded data and an engine with the default options to match it.
func (f *perfFiles) engine(b *testing.B) (*reconcile.Engine, []reconcile.Statement, []reconcile.Payment) {
	b.Helper()
	stmts, pays := f.decode(b)
	g, err := reconcile.NewEngine(reconcile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return g, stmts, pays
}

// BenchmarkMatch is the matching step alone: both indexes, candidates, assignment, summary.
func BenchmarkMatch(b *testing.B) {
	benchMatch(b, func(g *reconcile.Engine, stmts []reconcile.Statement, pays []reconcile.Payment) time.Duration {
		t0 := time.Now()
		g.Match(stmts, pays)
		return time.Since(t0)
	})
}

// BenchmarkMatchIndexed is the matching step as the offline run (reconcile.Offline, orkesta
// reconcile) makes it: the payment index is built while the statements are read, and a collection
// (OfflineInput.Matching) precedes the match, so neither is timed here.
func BenchmarkMatchIndexed(b *testing.B) {
	benchMatch(b, func(g *reconcile.Engine, stmts []reconcile.Statement, pays []reconcile.Payment) time.Duration {
		x := reconcile.IndexPayments(pays)
		runtime.GC()
		t0 := time.Now()
		g.MatchIndexed(stmts, x)
		return time.Since(t0)
	})
}

// benchMatch runs match, which returns the time it took to match, at every size, and reports that
// time per entry.
func benchMatch(b *testing.B, match func(*reconcile.Engine, []reconcile.Statement, []reconcile.Payment) time.Duration) {
	for _, n := range perfSizes() {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			g, stmts, pays := perfData(b, n).engine(b)
			b.ReportAllocs()
			b.ResetTimer() // B/op counts the loop's allocations, not the data's decoding
			var took time.Duration
			for i := 0; i < b.N; i++ {
				took += match(g, stmts, pays)
			}
			b.ReportMetric(float64(took.Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	}
}

// BenchmarkPaymentIndex is the part of BenchmarkMatch that depends on the payments alone: their
// compact records, the reference and end-to-end tables, the amount index. The "own-ids" variant has
// the ids of another system ("P-1000000"…) and no end-to-end keys, as an ERP's export may: each id
// is then a key of the references' table.
func BenchmarkPaymentIndex(b *testing.B) {
	for _, n := range perfSizes() {
		for _, own := range []bool{false, true} {
			name := fmt.Sprint(n)
			if own {
				name = "own-ids-" + name
			}
			b.Run(name, func(b *testing.B) { benchPaymentIndex(b, n, own) })
		}
	}
}

func benchPaymentIndex(b *testing.B, n int, ownIDs bool) {
	_, pays := perfData(b, n).decode(b)
	if ownIDs {
		for i := range pays {
			pays[i].ID, pays[i].EndToEnd = payment.ID("P-"+strconv.Itoa(1_000_000+i)), ""
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		reconcile.BuildPaymentIndex(pays)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/payment")
}

// BenchmarkFingerprint is Statement.Fingerprint alone on the benchmark's decoded statement: one
// SHA-256 per entry, the count of identical bookings, the hex text.
func BenchmarkFingerprint(b *testing.B) {
	for _, n := range perfSizes() {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			stmts, _ := perfData(b, n).decode(b)
			b.ReportAllocs()
			for b.Loop() {
				for i := range stmts {
					stmts[i].Fingerprint()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	}
}

// BenchmarkEndToEnd reads the payments CSV and decodes the statement CSV (concurrently, as the CLI
// does), matches, and writes the JSON report to a file.
func BenchmarkEndToEnd(b *testing.B) {
	for _, n := range perfSizes() {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := perfData(b, n)
			dir := b.TempDir()
			pp, sp := filepath.Join(dir, "payments.csv"), filepath.Join(dir, "statement.csv")
			if err := os.WriteFile(pp, f.payments, 0o600); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(sp, f.statement, 0o600); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(f.payments) + len(f.statement)))
			b.ReportAllocs()
			for b.Loop() {
				if err := endToEnd(pp, sp, filepath.Join(dir, "report.json")); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	}
}

func endToEnd(payments, statement, out string) error {
	pf, err := os.Open(payments)
	if err != nil {
		return err
	}
	defer pf.Close()
	res, err := reconcile.Offline(reconcile.OfflineInput{
		Payments: pf,
		DecodeStatements: func() ([]reconcile.Statement, error) {
			f, err := os.Open(statement)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return rcsv.Decode(f, rcsv.Options{Preset: "en"})
		},
	})
	if err != nil {
		return err
	}
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := reconcile.WriteJSON(w, res); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// BenchmarkWriteJSON is the JSON report of a match of the benchmark's data (about 815 bytes per
// entry), rendered on every core and written to io.Discard: the last step of the offline run.
func BenchmarkWriteJSON(b *testing.B) {
	for _, n := range perfSizes() {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			g, stmts, pays := perfData(b, n).engine(b)
			res := g.Match(stmts, pays)
			var size countingWriter
			if err := reconcile.WriteJSON(&size, res); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := reconcile.WriteJSON(io.Discard, res); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	}
}

// countingWriter counts what is written to it.
type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// BenchmarkEntryHash is the hash behind one fingerprint on one goroutine, over the entries of the
// benchmark's statement: EntryHash, and the EntryHasher a decoder reading on several cores uses
// (what it pays per entry).
func BenchmarkEntryHash(b *testing.B) {
	stmts, _ := perfData(b, 10_000).decode(b)
	st := stmts[0]
	for _, c := range []struct {
		name string
		hash func(*reconcile.Entry) [16]byte
	}{
		{"EntryHash", func(e *reconcile.Entry) [16]byte { return reconcile.EntryHash(st.Account, e) }},
		{"EntryHasher", func() func(*reconcile.Entry) [16]byte {
			var x reconcile.EntryHasher
			return func(e *reconcile.Entry) [16]byte { return x.Hash(st.Account, e) }
		}()},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var sink byte
			for b.Loop() {
				for i := range st.Entries {
					h := c.hash(&st.Entries[i])
					sink ^= h[0]
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(st.Entries)), "ns/entry")
			_ = sink
		})
	}
}
