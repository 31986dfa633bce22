package tabular_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// feedForked feeds the header and the first run of rows to a builder itself, then each other run
// to a fork, joining in order; a fork that cannot be joined has its rows, and those of every
// later run, fed to the builder, as a decoder does.
func feedForked(t *testing.T, opts tabular.Options, header string, runs ...[]string) ([]reconcile.Statement, error) {
	t.Helper()
	opts.Format = "csv"
	b, err := tabular.NewBuilder(opts)
	require.NoError(t, err)
	b.Row(1, strings.Split(header, ";"))
	line := 1
	for _, r := range runs[0] {
		line++
		b.Row(line, strings.Split(r, ";"))
	}
	runs = runs[1:]
	type fed struct {
		fork  *tabular.Builder
		first int
		rows  []string
	}
	var forks []fed
	for _, run := range runs {
		require.True(t, len(forks) > 0 || b.Settled(), "settled before forking")
		f := fed{fork: b.Fork(len(run)), first: line + 1, rows: run}
		for _, r := range run {
			line++
			if !f.fork.Row(line, strings.Split(r, ";")) || f.fork.Failed() {
				break
			}
		}
		forks = append(forks, f)
	}
	for i, f := range forks {
		if b.Join(f.fork) {
			continue
		}
		b.Unfork()
		n := f.first
		for _, f := range forks[i:] {
			for _, r := range f.rows {
				b.Row(n, strings.Split(r, ";"))
				n++
			}
		}
		break
	}
	return b.Finish()
}

func feedAll(t *testing.T, opts tabular.Options, header string, runs ...[]string) ([]reconcile.Statement, error) {
	t.Helper()
	lines := []string{header}
	for _, r := range runs {
		lines = append(lines, r...)
	}
	return build(t, opts, lines...)
}

func TestForks(t *testing.T) {
	header := "Date;Amount;Currency;Reference"
	cases := map[string][][]string{
		"one currency": {
			{"2026-01-02;10.00;EUR;A", "2026-01-03;-5.50;EUR;B"},
			{"2026-01-04;7.25;EUR;C"},
			{"2026-01-04;7.25;EUR;C"}, // the same booking twice: fingerprints #1 and #2
		},
		"currencies first seen in forks, in file order": {
			{"2026-01-02;10.00;EUR;A", "2026-01-02;1.00;USD;B"},
			{"2026-01-02;2.00;GBP;C", "2026-01-02;3.00;USD;D"},
			{"2026-01-03;4.00;CHF;E", "2026-01-03;5.00;EUR;F"},
		},
		"a fork with a bad row is read by the builder": {
			{"2026-01-02;10.00;EUR;A"},
			{"2026-01-02;ten;EUR;B", "2026-01-02;1.00;USD;C"},
			{"2026-01-03;2.00;EUR;D"},
		},
		"a date order left open is decided by the builder": {
			{"2026-01-02;10.00;EUR;A"},
			{"03.04.2026;1.00;EUR;B", "25.04.2026;1.00;EUR;C"},
			{"2026-01-03;2.00;EUR;D"},
		},
		"skipped rows": {
			{"2026-01-02;;EUR;A", "2026-01-02;1.00;EUR;B"},
			{"2026-01-03;;EUR;C"},
		},
	}
	for name, runs := range cases {
		t.Run(name, func(t *testing.T) {
			first := []string{"2026-01-01;1.00;EUR;X"}
			want, wantErr := feedAll(t, tabular.Options{}, header, append([][]string{first}, runs...)...)
			got, gotErr := feedForked(t, tabular.Options{}, header, append([][]string{first}, runs...)...)
			require.Equal(t, wantErr, gotErr)
			require.Equal(t, want, got)
		})
	}
}

func TestForkRefusedWhileUnsettled(t *testing.T) {
	b, err := tabular.NewBuilder(tabular.Options{Format: "csv", Currency: "TRY"})
	require.NoError(t, err)
	require.False(t, b.Settled(), "no header yet")
	b.Row(1, []string{"Tarih", "Tutar"})
	b.Row(2, []string{"02.01.2026", "1.500"}) // 1,500.00 or 1.50: waits for a value that decides
	require.False(t, b.Settled(), "the number format is open")
	b.Row(3, []string{"02.01.2026", "1.234,56"})
	require.True(t, b.Settled())
	f := b.Fork(1)
	f.Row(4, []string{"02.01.2026", "x"})
	require.False(t, b.Join(f), "a fork with a problem is not joined")
	b.Unfork()
	b.Row(4, []string{"02.01.2026", "2,00"})
	sts, err := b.Finish()
	require.NoError(t, err)
	require.Equal(t, []string{"2026-01-02 c 150000", "2026-01-02 c 123456", "2026-01-02 c 200"}, brief(sts[0]))
}

// TestForksWithRoom: a file of several statements read in forks that write their entries into the
// room reserved for the file (Options.RowsHint): whatever happens on the way (the room too small or
// far too large, a fork not joined), the statements are those of the rows fed one by one,
// fingerprints of repeated bookings included.
func TestForksWithRoom(t *testing.T) {
	header := "Date;Amount;Currency;Reference"
	r := rand.New(rand.NewPCG(7, 11))
	row := func(i int) string {
		if i > 0 && r.IntN(20) == 0 {
			i = r.IntN(i) // the same booking again: fingerprint #2, #3
		}
		cur := []string{"EUR", "EUR", "EUR", "USD", "GBP", "CHF"}[i*7%6]
		return fmt.Sprintf("2026-01-%02d;%d.%02d;%s;INV-%d", 1+i%28, 1+i%500, i%100, cur, i%97)
	}
	var runs [][]string
	n := 0
	for range 40 {
		run := make([]string, 1+r.IntN(60))
		for i := range run {
			run[i] = row(n)
			n++
		}
		runs = append(runs, run)
	}
	// A run with rows only the builder may read (they decide the day-month order of dotted dates):
	// it is not joined, and it and every later run are fed to the builder.
	badRun := append(slices.Clone(runs[30]), "03.04.2026;1.00;EUR;X", "25.04.2026;1.00;USD;Y")
	cases := []struct {
		name string
		hint int
		runs [][]string
	}{
		{"room for the file", n, runs},
		{"room too small: forks past it keep their own entries", n / 2, runs},
		{"room far too large: the entries are copied out", 4 * n, runs},
		{"a fork not joined", n, append(slices.Clone(runs[:30]), append([][]string{badRun}, runs[31:]...)...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := tabular.Options{RowsHint: c.hint}
			want, wantErr := feedAll(t, opts, header, c.runs...)
			got, gotErr := feedForked(t, opts, header, c.runs...)
			require.Equal(t, wantErr, gotErr)
			require.Len(t, got, 4)
			require.Equal(t, want, got)
		})
	}
}
