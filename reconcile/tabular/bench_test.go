package tabular_test

import (
	"bytes"
	stdcsv "encoding/csv"
	"io"
	"sync"
	"testing"

	"github.com/orkesta/orkesta/reconcile/reconciletest"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// perfRows are the rows of the perf-floor statement export (shared/specs/perf-floor.md), split
// once: the header and 200,000 lines in four currencies.
var perfRows = sync.OnceValue(func() [][]string {
	var b bytes.Buffer
	if err := reconciletest.WritePerfData(200_000, io.Discard, &b); err != nil {
		panic(err)
	}
	rows, err := stdcsv.NewReader(&b).ReadAll()
	if err != nil {
		panic(err)
	}
	return rows
})

// BenchmarkBuilderRows is the Builder's work on each row (header search, typed fields, one entry
// per line) without reading a file and without Finish.
func BenchmarkBuilderRows(b *testing.B) {
	rows := perfRows()
	b.ReportAllocs()
	for b.Loop() {
		bd, err := tabular.NewBuilder(tabular.Options{Format: "csv", RowsHint: len(rows)})
		if err != nil {
			b.Fatal(err)
		}
		for i, r := range rows {
			bd.Row(i+1, r)
		}
		if bd.Failed() {
			b.Fatal("rows failed")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(rows)), "ns/row")
}

// BenchmarkBuilderFinish is Finish on those rows: statements split by currency, positions,
// balances and fingerprints.
func BenchmarkBuilderFinish(b *testing.B) {
	rows := perfRows()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		bd, err := tabular.NewBuilder(tabular.Options{Format: "csv", RowsHint: len(rows)})
		if err != nil {
			b.Fatal(err)
		}
		for i, r := range rows {
			bd.Row(i+1, r)
		}
		b.StartTimer()
		if _, err := bd.Finish(); err != nil {
			b.Fatal(err)
		}
	}
}
