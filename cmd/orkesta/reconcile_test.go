package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

// TestReconcileReportKeepsStatementWarnings: a statement whose balances do not add up is named in
// the report's warnings with the difference, not only on stderr, so whoever reads the report later
// sees that the statement is incomplete or wrong.
func TestReconcileReportKeepsStatementWarnings(t *testing.T) {
	h := newHarness(t)
	want := "testdata/mismatch.sta: statement STMT20260121/00013/001: opening balance 13649.60 plus entries -100.00 is " +
		"13549.60, but the closing balance is 13600.00; difference (closing − opening − entries): 50.40 TRY"
	for _, ext := range []string{"json", "xlsx"} {
		t.Run(ext, func(t *testing.T) {
			out := filepath.Join(h.dir, "report."+ext)
			r := h.run("reconcile", "--payments", "testdata/payments.csv", "--statement", "testdata/statement.sta",
				"--statement", "testdata/mismatch.sta", "--out", out)
			require.Equal(t, ExitOK, r.code, r.stderr)
			assert.Contains(t, r.stderr, "testdata/mismatch.sta: statement STMT20260121/00013/001: opening balance")
			var warnings []string
			if ext == "json" {
				js, err := os.ReadFile(out)
				require.NoError(t, err)
				var rep reconcile.Report
				require.NoError(t, json.Unmarshal(js, &rep))
				warnings = rep.Summary.Warnings
			} else {
				f, err := excelize.OpenFile(out)
				require.NoError(t, err)
				defer f.Close()
				rows, err := f.GetRows(xlsx.SheetSummary)
				require.NoError(t, err)
				for _, row := range rows {
					if len(row) == 2 && row[0] == "Warning" {
						warnings = append(warnings, row[1])
					}
				}
			}
			assert.Contains(t, warnings, want)
			assert.Contains(t, warnings, "statement account TR…1326 is not the account of any payment or known account; "+
				"debits and credits were not told apart", "the matching's own warnings stay")
		})
	}
}

// TestReconcileOutIsNotAnInput: an --out that names one of the run's inputs (the payments CSV, a
// CSV statement, the accounts file), however it is spelled, is refused before anything is read or
// written: the report would otherwise replace the file it was made from.
func TestReconcileOutIsNotAnInput(t *testing.T) {
	h := newHarness(t)
	copyTo := func(src, name string) string {
		data, err := os.ReadFile(src)
		require.NoError(t, err)
		path := filepath.Join(h.dir, name)
		require.NoError(t, os.WriteFile(path, data, 0o644))
		return path
	}
	payments := copyTo("testdata/payments.csv", "payments.csv")
	export := copyTo("testdata/export-tr.csv", "export.csv")
	accounts := copyTo("testdata/accounts.csv", "accounts.csv")
	for name, out := range map[string]string{
		"payments":  payments,
		"statement": export,
		"accounts":  h.dir + "/./accounts.csv",
	} {
		t.Run(name, func(t *testing.T) {
			before, err := os.ReadFile(out)
			require.NoError(t, err)
			r := h.run("reconcile", "--payments", payments, "--statement", export, "--accounts", accounts, "--out", out)
			assert.Equal(t, ExitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, "the report would replace it")
			after, err := os.ReadFile(out)
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "the input is as it was")
		})
	}
	r := h.run("reconcile", "--payments", payments, "--statement", export, "--accounts", accounts, "--out", filepath.Join(h.dir, "report.csv"))
	assert.Equal(t, ExitOK, r.code, r.stderr)
}

// TestStatementWarningsArePrintable: a statement's warnings on stderr name the statement by the
// reference its file gives, and a file that hides terminal escape sequences there (to set the
// terminal's title, clear the screen or fake output) has them printed as spaces, as the summary's
// cells have, by reconcile and statement inspect alike.
func TestStatementWarningsArePrintable(t *testing.T) {
	h := newHarness(t)
	data, err := os.ReadFile("testdata/mismatch.sta")
	require.NoError(t, err)
	data = bytes.Replace(data, []byte(":20:STMT20260121"), []byte(":20:X\x1b]0;pwned\x07\x1b[2J"), 1)
	path := filepath.Join(h.dir, "evil.sta")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	for _, args := range [][]string{
		{"reconcile", "--payments", "testdata/payments.csv", "--statement", path},
		{"statement", "inspect", path},
	} {
		t.Run(args[0], func(t *testing.T) {
			r := h.run(args...)
			require.Equal(t, ExitOK, r.code, r.stderr)
			assert.Contains(t, r.stderr, "warning: "+path+": statement X ]0;pwned  [2J/00013/001: opening balance")
			assert.NotContains(t, r.stderr, "\x1b")
			assert.NotContains(t, r.stderr, "\x07")
		})
	}
}

// TestSummaryNeverRoundsUpToAll: the summary's match rates, rounded for reading, never say 100.0%
// when an entry or some money is left unmatched: 19,999 of 20,000 entries (a match_rate of 0.99995,
// 1 in the report's four decimals) read 99.9%, beside the one unmatched entry.
func TestSummaryNeverRoundsUpToAll(t *testing.T) {
	s := reconcile.Summary{Entries: 20000, Payments: 19999, Exact: 19999, UnmatchedEntries: 1, MatchRate: 1, MatchRateAmount: 1,
		Currencies: []reconcile.CurrencySummary{{Currency: "TRY", Entries: 20000, Matched: 19999, Amount: 2_000_000, MatchedAmount: 1_999_900}}}
	var out bytes.Buffer
	require.NoError(t, printSummary(&out, &s, ""))
	assert.Contains(t, out.String(), "match rate:         99.9% of entries, 99.9% of the amount")

	s.Exact, s.UnmatchedEntries, s.Currencies[0].Matched, s.Currencies[0].MatchedAmount = 20000, 0, 20000, 2_000_000
	out.Reset()
	require.NoError(t, printSummary(&out, &s, ""))
	assert.Contains(t, out.String(), "match rate:         100.0% of entries, 100.0% of the amount")
}

// TestErrorsArePrintable: an error quotes what a file holds (a header, a cell, an id), and it reaches
// the terminal on stderr: control characters in it are replaced, line breaks between problems kept.
func TestErrorsArePrintable(t *testing.T) {
	h := newHarness(t)
	path := filepath.Join(h.dir, "evil.csv")
	require.NoError(t, os.WriteFile(path, []byte("id,amount,curr\x1b]0;pwned\x07\x1b[2Jency\npay_1,1,TRY\n"), 0o644))
	r := h.run("reconcile", "--payments", path, "--statement", "testdata/mismatch.sta")
	require.Equal(t, ExitError, r.code, r.stderr)
	assert.Contains(t, r.stderr, "required column is missing (the header has id,amount,curr ]0;pwned  [2Jency)")
	assert.NotContains(t, r.stderr, "\x1b")
	assert.NotContains(t, r.stderr, "\x07")

	// Several problems keep a line each.
	require.NoError(t, os.WriteFile(path, []byte("id,amount,currency\npay_1,x,TRY\npay_2,y,TRY\n"), 0o644))
	r = h.run("reconcile", "--payments", path, "--statement", "testdata/mismatch.sta")
	require.Equal(t, ExitError, r.code, r.stderr)
	assert.Regexp(t, `line 2 amount: .*\n.*line 3 amount: `, r.stderr)
}
