// Command e2e is the end-to-end reconciliation benchmark: payments CSV + statement CSV → JSON report,
// as `orkesta reconcile` does it. Run it under GNU time for wall time and peak RSS (see run.sh):
//
//	go build -o /tmp/e2e ./reconcile/testdata/perf/e2e && command time -v /tmp/e2e -dir /tmp/perf
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/orkesta/orkesta/reconcile"
	rcsv "github.com/orkesta/orkesta/reconcile/csv"
)

func main() {
	dir := flag.String("dir", "perfdata", "directory with payments.csv and statement.csv")
	out := flag.String("out", "", "report path (default: DIR/report.json)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if *out == "" {
		*out = filepath.Join(*dir, "report.json")
	}
	t0 := time.Now()
	var (
		wg       sync.WaitGroup
		stmts    []reconcile.Statement
		stmtErr  error
		stmtTime time.Duration
	)
	wg.Go(func() {
		f, err := os.Open(filepath.Join(*dir, "statement.csv"))
		if err != nil {
			stmtErr = err
			return
		}
		defer f.Close()
		stmts, stmtErr = rcsv.Decode(f, rcsv.Options{Preset: "en"})
		stmtTime = time.Since(t0)
	})
	pf, err := os.Open(filepath.Join(*dir, "payments.csv"))
	if err != nil {
		log.Fatal(err)
	}
	pays, err := reconcile.ReadPayments(pf)
	if err != nil {
		log.Fatal(err)
	}
	payTime := time.Since(t0)
	wg.Wait()
	if stmtErr != nil {
		log.Fatal(stmtErr)
	}
	t1 := time.Now()
	g, err := reconcile.NewEngine(reconcile.Options{})
	if err != nil {
		log.Fatal(err)
	}
	res := g.Match(stmts, pays)
	t2 := time.Now()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := reconcile.WriteJSON(w, res); err != nil {
		log.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	t3 := time.Now()
	s := res.ReportSummary()
	fmt.Fprintf(os.Stderr, "read: payments %.3fs, statement %.3fs; match %.3fs (%.0f ns/entry); write %.3fs; total %.3fs\n",
		payTime.Seconds(), stmtTime.Seconds(), t2.Sub(t1).Seconds(), float64(t2.Sub(t1).Nanoseconds())/float64(max(s.Entries, 1)),
		t3.Sub(t2).Seconds(), t3.Sub(t0).Seconds())
	fmt.Fprintf(os.Stderr, "entries %d payments %d exact %d fuzzy %d unmatched entries %d unmatched payments %d anomalies %d rate %.4f\n",
		s.Entries, s.Payments, s.Exact, s.Fuzzy, s.UnmatchedEntries, s.UnmatchedPayments, s.Anomalies, s.MatchRate)
}
