package csv_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// checkStream reads in with Decode and with Stream (reconciletest.StreamMatchesDecode).
func checkStream(t *testing.T, in []byte, opts csv.Options) {
	t.Helper()
	reconciletest.StreamMatchesDecode(t,
		func() ([]reconcile.Statement, error) { return csv.Decode(bytes.NewReader(in), opts) },
		func(fn func(*reconcile.Statement, *reconcile.Entry) error) error {
			return csv.Stream(bytes.NewReader(in), opts, fn)
		})
}

// TestStreamMatchesDecode streams every fixture (good and bad, plain and Strict), the CSV
// statements of the end-to-end corpus, files that fail while reading, and the perf-floor
// statement, comparing with Decode.
func TestStreamMatchesDecode(t *testing.T) {
	for _, tc := range fixtures {
		in, err := os.ReadFile(filepath.Join("testdata", tc.file))
		require.NoError(t, err)
		var opts csv.Options
		if tc.opts != nil {
			opts = tc.opts(t)
		}
		t.Run(tc.file, func(t *testing.T) { checkStream(t, in, opts) })
		opts.Strict = true
		t.Run(tc.file+"/strict", func(t *testing.T) { checkStream(t, in, opts) })
	}

	for _, c := range reconciletest.Cases(t, filepath.Join("..", "..", "testdata", "reconcile")) {
		for _, name := range c.Statements {
			if filepath.Ext(name) != ".csv" {
				continue
			}
			in, err := os.ReadFile(filepath.Join(c.Dir, name))
			require.NoError(t, err)
			opts := csv.Options{Preset: c.Preset, Account: c.Account, Currency: c.Currency}
			t.Run(c.Name+"/"+name, func(t *testing.T) { checkStream(t, in, opts) })
		}
	}

	var invalid strings.Builder
	invalid.WriteString("Tarih;Açıklama;Tutar\n")
	for invalid.Len() < 70<<10 {
		invalid.WriteString("02.01.2026;ÖDEME;1,00\n")
	}
	invalid.WriteString("03.01.2026;\xdd\xde;1,00\n")
	warnings := "Tarih;Açıklama;Tutar;Bakiye\n03.02.2026;b;-1,00;15,00\n02.02.2026;limit;;\n01.02.2026;a;1,00;11,00\n"
	reading := []struct {
		name string
		in   string
		opts csv.Options
	}{
		{"invalid UTF-8 after the sniffed head", invalid.String(), csv.Options{Currency: "TRY"}},
		{"line too long", "Tarih;Tutar\n02.01.2026;1,00\n02.01.2026;" + strings.Repeat("9", 5000) + "\n",
			csv.Options{Currency: "TRY", MaxLineBytes: 1000}},
		{"unknown charset", "x", csv.Options{Charset: "ebcdic"}},
		{"unknown preset", "x", csv.Options{Preset: "de"}},
		{"empty file", "", csv.Options{}},
		{"no amount decides", "Tarih;Tutar\n01.02.2026;1.500\n02.02.2026;2.500\n", csv.Options{Currency: "TRY"}},
		{"balance mismatch and skipped rows", warnings, csv.Options{Currency: "TRY"}},
		{"balance mismatch and skipped rows, strict", warnings, csv.Options{Currency: "TRY", Strict: true}},
		{"decided at the end", "Tarih;Tutar\n01.02.2026;1.500\n02.02.2026;2.500\n03.02.2026;2.500,10\n",
			csv.Options{Currency: "TRY"}},
	}
	for _, tc := range reading {
		t.Run(tc.name, func(t *testing.T) { checkStream(t, []byte(tc.in), tc.opts) })
	}

	t.Run("perf-floor statement", func(t *testing.T) {
		checkStream(t, statementCSV(5_000), csv.Options{})
	})
}

// TestStreamStopsAtTheCallersError: an error from fn, for an entry or for the end of a statement,
// stops the decoder and comes back as is.
func TestStreamStopsAtTheCallersError(t *testing.T) {
	in := statementCSV(5_000)
	reconciletest.StopsAtTheCallersError(t, 5_000, 1000, func(fn func(*reconcile.Statement, *reconcile.Entry) error) error {
		return csv.Stream(bytes.NewReader(in), csv.Options{}, fn)
	})
}

// TestStreamReadsOnce: Stream reads its input once, front to back, and keeps no entry: an
// io.Reader that is neither a Seeker nor sized is enough.
func TestStreamReadsOnce(t *testing.T) {
	in := statementCSV(2_000)
	n := 0
	err := csv.Stream(io.MultiReader(bytes.NewReader(in)), csv.Options{}, func(st *reconcile.Statement, e *reconcile.Entry) error {
		if e != nil {
			n++
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2_000, n)
}
