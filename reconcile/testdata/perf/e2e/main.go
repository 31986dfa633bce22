// Command e2e is the end-to-end reconciliation benchmark: payments CSV + statement CSV → JSON report,
// the way `orkesta reconcile` runs it (reconcile.Offline decoding the statement while it reads and
// indexes the payments). Run it under GNU time for wall time and peak RSS (see run.sh):
//
//	go build -o /tmp/e2e ./reconcile/testdata/perf/e2e && command time -v /tmp/e2e -dir /tmp/perf
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/orkesta/orkesta/reconcile"
	rcsv "github.com/orkesta/orkesta/reconcile/csv"
)

func main() {
	dir := flag.String("dir", "perfdata", "directory with payments.csv and statement.csv")
	out := flag.String("out", "", "report path (default: DIR/report.json)")
	gc := flag.Int("gc", 0, "GC percent (0: the Go default)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	memprofile := flag.String("memprofile", "", "write a heap profile to this file once matching is done")
	flag.Parse()
	if *gc != 0 {
		debug.SetGCPercent(*gc)
	}
	if *out == "" {
		*out = filepath.Join(*dir, "report.json")
	}
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
	t0 := time.Now()
	var decoded time.Duration
	pf, err := os.Open(filepath.Join(*dir, "payments.csv"))
	if err != nil {
		log.Fatal(err)
	}
	res, err := reconcile.Offline(reconcile.OfflineInput{
		Payments: pf,
		DecodeStatements: func() ([]reconcile.Statement, error) {
			defer func() { decoded = time.Since(t0) }()
			f, err := os.Open(filepath.Join(*dir, "statement.csv"))
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return rcsv.Decode(f, rcsv.Options{Preset: "en"})
		},
		Matching: func() { runtime.GC() }, // as orkesta reconcile does
	})
	if err != nil {
		log.Fatal(err)
	}
	t1 := time.Now()
	if *memprofile != "" {
		writeHeapProfile(*memprofile)
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := reconcile.WriteJSON(f, res); err != nil { // it writes in large pieces: no bufio needed
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	t2 := time.Now()
	s := res.ReportSummary()
	fmt.Fprintf(os.Stderr, "statement decoded at %.3fs; read + index + match %.3fs; write %.3fs; total %.3fs\n",
		decoded.Seconds(), t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), t2.Sub(t0).Seconds())
	fmt.Fprintf(os.Stderr, "entries %d payments %d exact %d fuzzy %d unmatched entries %d unmatched payments %d anomalies %d match rate %.4f\n",
		s.Entries, s.Payments, s.Exact, s.Fuzzy, s.UnmatchedEntries, s.UnmatchedPayments, s.Anomalies, s.MatchRate)
}

// writeHeapProfile writes what is live (and what was allocated) so far.
func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
