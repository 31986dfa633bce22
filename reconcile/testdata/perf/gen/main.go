// Command gen writes the reconciliation benchmark data (reconciletest.WritePerfData) into a directory:
// payments.csv and statement.csv.
//
//	go run ./reconcile/testdata/perf/gen -n 1000000 -dir /tmp/perf
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

func main() {
	n := flag.Int("n", 1_000_000, "number of payments (and statement lines)")
	dir := flag.String("dir", "perfdata", "output directory")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	pf, err := os.Create(filepath.Join(*dir, "payments.csv"))
	if err != nil {
		log.Fatal(err)
	}
	sf, err := os.Create(filepath.Join(*dir, "statement.csv"))
	if err != nil {
		log.Fatal(err)
	}
	if err := reconciletest.WritePerfData(*n, pf, sf); err != nil {
		log.Fatal(err)
	}
	if err := pf.Close(); err != nil {
		log.Fatal(err)
	}
	if err := sf.Close(); err != nil {
		log.Fatal(err)
	}
}
