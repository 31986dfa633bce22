package csv

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/internal/ordered"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// decodeWith decodes data line by line (block 0) or in parallel runs of about block bytes, the
// first read block being as small, so that even a small file is read in many runs.
func decodeWith(t *testing.T, data []byte, opts Options, block int) ([]reconcile.Statement, string) {
	t.Helper()
	defer func(e bool, r, p int) { parallelEnabled, readBlock, parallelBlock = e, r, p }(parallelEnabled, readBlock, parallelBlock)
	parallelEnabled = block > 0
	if block > 0 {
		readBlock, parallelBlock = block, block
	}
	sts, err := Decode(bytes.NewReader(data), opts)
	if err != nil {
		return sts, err.Error()
	}
	return sts, ""
}

// requireSameReading checks that every parallel reading of data gives the sequential result:
// the same statements, entries, positions and fingerprints, or the same errors.
func requireSameReading(t *testing.T, data []byte, opts Options) {
	t.Helper()
	want, wantErr := decodeWith(t, data, opts, 0)
	for _, block := range []int{1, 7, 64, 333, 4096} {
		got, gotErr := decodeWith(t, data, opts, block)
		require.Equal(t, wantErr, gotErr, "block %d", block)
		require.Equal(t, want, got, "block %d", block)
	}
}

func TestParallelFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.csv")
	require.NoError(t, err)
	mappings := map[string]string{"gls.csv": "gls.mapping.json", "ubs-ch-fr.csv": "ubs-ch-fr.mapping.yaml",
		"akbank_kart_1254.csv": "akbank_kart.mapping.json"}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			require.NoError(t, err)
			opts := Options{}
			if m := mappings[filepath.Base(name)]; m != "" {
				f, err := os.Open(filepath.Join("testdata", m))
				require.NoError(t, err)
				defer f.Close()
				opts.Mapping, err = tabular.ParseMapping(f)
				require.NoError(t, err)
			}
			requireSameReading(t, data, opts)
			requireSameReading(t, data, Options{Currency: "TRY"})
		})
	}
}

func TestParallelPerfData(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, reconciletest.WritePerfData(3000, io.Discard, &b))
	requireSameReading(t, b.Bytes(), Options{})
	sts, msg := decodeWith(t, b.Bytes(), Options{}, 2048)
	require.Empty(t, msg)
	n := 0
	for _, st := range sts {
		n += len(st.Entries)
	}
	require.Equal(t, 3000, n)
}

// TestParallelEdges has the rows a run must hand back to the line-by-line reading, in files of many
// runs: the result and the errors must be the sequential ones, at every cut.
func TestParallelEdges(t *testing.T) {
	lines := func(n int, row func(i int) string) string {
		var sb strings.Builder
		for i := range n {
			sb.WriteString(row(i))
		}
		return sb.String()
	}
	plain := func(i int) string {
		return fmt.Sprintf("2026-01-%02d,%d.%02d,EUR,INV-%d,payment %d\n", 1+i%28, 10+i, i%100, i, i)
	}
	head := "Date,Amount,Currency,Reference,Description\n"
	cases := map[string]string{
		"quoted line breaks": head + lines(300, func(i int) string {
			if i%7 == 3 {
				return fmt.Sprintf("2026-01-05,%d.00,EUR,INV-%d,\"two\nlines, \"\"quoted\"\"\r\nthree\"\n", i, i)
			}
			return plain(i)
		}),
		"bad amounts late": head + lines(300, func(i int) string {
			if i == 170 || i == 250 {
				return "2026-01-05,12x,EUR,INV,bad\n"
			}
			return plain(i)
		}),
		"too many errors": head + lines(300, func(i int) string {
			if i > 50 {
				return "2026-01-05,oops,EUR,INV,bad\n"
			}
			return plain(i)
		}),
		"date order decided late": "Date,Amount,Currency\n" + lines(200, func(i int) string {
			if i == 150 {
				return "25/01/2026,1.00,EUR\n"
			}
			return fmt.Sprintf("0%d/0%d/2026,%d.00,EUR\n", 1+i%9, 1+i%9, i)
		}),
		"currencies appearing late": head + lines(300, func(i int) string {
			cur := "EUR"
			switch {
			case i > 200 && i%3 == 0:
				cur = "USD"
			case i > 100 && i%5 == 0:
				cur = "GBP"
			}
			return fmt.Sprintf("2026-01-05,%d.00,%s,INV-%d,x\n", i, cur, i)
		}),
		"skipped and summary rows, CRLF, blank lines": head + lines(300, func(i int) string {
			switch i % 50 {
			case 10:
				return "2026-01-05,,EUR,,no amount\r\n"
			case 20:
				return "\r\n\n"
			case 30:
				return "Toplam,1234.00,EUR,,\r\n"
			}
			return strings.TrimSuffix(plain(i), "\n") + "\r\n"
		}),
		"identical bookings in many runs": head + lines(300, func(i int) string {
			if i%10 == 0 {
				return "2026-01-05,-50.00,EUR,FEE,account fee\n"
			}
			return plain(i)
		}),
		"identical bookings in several currencies": head + lines(300, func(i int) string {
			cur := [...]string{"EUR", "USD", "EUR", "GBP", "EUR"}[i%5]
			if i%7 == 0 {
				return "2026-01-05,-50.00," + cur + ",FEE,account fee\n"
			}
			return fmt.Sprintf("2026-01-%02d,%d.00,%s,INV-%d,x\n", 1+i%28, 10+i, cur, i)
		}),
		"no final line break":   head + strings.TrimSuffix(lines(100, plain), "\n"),
		"quote open at the end": head + lines(100, plain) + "2026-01-05,1.00,EUR,\"open\n",
		"invalid UTF-8 late":    head + lines(200, plain) + "2026-01-05,1.00,EUR,X,caf\xe9\n" + lines(20, plain),
		"UTF-8 text in every run": head + lines(300, func(i int) string {
			return fmt.Sprintf("2026-01-05,%d.00,EUR,INV-%d,ödeme İşlem ğüşıöç €%d\n", i, i, i)
		}),
		"invalid UTF-8 on the last line": head + lines(300, plain) + "2026-01-05,1.00,EUR,X,\xff\n",
		"amount format decided late": "Tarih;Tutar;Döviz\n" + lines(200, func(i int) string {
			if i == 120 {
				return "05.01.2026;1.234,56;TRY\n"
			}
			return fmt.Sprintf("05.01.2026;%d.500;TRY\n", 1+i%9)
		}),
	}
	balances := func(newestFirst, mismatch bool) string {
		rows := make([]string, 300)
		bal := 1_000_000
		for i := range rows {
			amt := 1 + (i*7919)%50_000
			if i%3 == 0 {
				amt = -amt
			}
			bal += amt
			if mismatch && i == 200 {
				bal += 5
			}
			rows[i] = fmt.Sprintf("2026-01-%02d,%d.%02d,EUR,INV-%d,%d.%02d\n", 1+i/12, amt/100, abs(amt)%100, i, bal/100, bal%100)
			if amt < 0 {
				rows[i] = fmt.Sprintf("2026-01-%02d,-%d.%02d,EUR,INV-%d,%d.%02d\n", 1+i/12, -amt/100, -amt%100, i, bal/100, bal%100)
			}
		}
		if newestFirst {
			for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
				rows[i], rows[j] = rows[j], rows[i]
			}
		}
		return "Date,Amount,Currency,Reference,Balance\n" + strings.Join(rows, "")
	}
	for _, newestFirst := range []bool{false, true} {
		sts, msg := decodeWith(t, []byte(balances(newestFirst, false)), Options{}, 512)
		require.Empty(t, msg)
		require.True(t, sts[0].HasOpening && sts[0].HasClosing, "balances read from the column")
		require.Equal(t, int64(1_000_000), sts[0].Opening)
		require.Empty(t, sts[0].Warnings)
	}
	sts, msg := decodeWith(t, []byte(balances(false, true)), Options{}, 512)
	require.Empty(t, msg)
	require.Len(t, sts[0].Warnings, 1)
	cases["running balance, oldest first"] = balances(false, false)
	cases["running balance, newest first"] = balances(true, false)
	cases["running balance that does not add up"] = balances(false, true)
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			requireSameReading(t, []byte(data), Options{})
			requireSameReading(t, []byte(data), Options{Strict: true})
		})
	}
	t.Run("line over the limit", func(t *testing.T) {
		data := head + lines(200, plain) + "2026-01-05,1.00,EUR,X," + strings.Repeat("y", 300) + "\n" + lines(20, plain)
		requireSameReading(t, []byte(data), Options{MaxLineBytes: 200})
	})
}

// FuzzParallel checks that the parallel reading of arbitrary input is the sequential one.
func FuzzParallel(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.csv")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint16(13))
	}
	f.Add([]byte("Date,Amount,Currency\n2026-01-02,\"1,000.00\",USD\n2026-01-02,\"a\nb\",USD\n"), uint16(5))
	f.Fuzz(func(t *testing.T, data []byte, block uint16) {
		want, wantErr := decodeWith(t, data, Options{}, 0)
		got, gotErr := decodeWith(t, data, Options{}, 1+int(block%512))
		require.Equal(t, wantErr, gotErr)
		require.Equal(t, want, got)
	})
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestParallelPanicReachesTheCaller: a panic while a run is read (a bug) is raised again on the
// goroutine that joins the run, where Decode's caller can recover it.
func TestParallelPanicReachesTheCaller(t *testing.T) {
	r := &run{text: "2026-01-02,1.00,EUR\n", line: 1} // no fork: Row panics
	runs := ordered.Start(2, func(r *run) bool { return readRun(r, ",", 0, 0) }, func(*run) bool { return true })
	runs.Add(r)
	require.Panics(t, func() { runs.Finish() })
}
