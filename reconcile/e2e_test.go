package reconcile_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/detect"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestEndToEndGolden runs every case of ../testdata/reconcile: statement files + payments (+ accounts)
// → the JSON and CSV reports, compared with report.golden.json and report.golden.csv.
func TestEndToEndGolden(t *testing.T) {
	for _, c := range reconciletest.Cases(t, filepath.Join("..", "testdata", "reconcile")) {
		dir := c.Dir
		t.Run(c.Name, func(t *testing.T) {
			res := runCase(t, dir, &c)

			var js bytes.Buffer
			require.NoError(t, reconcile.WriteJSON(&js, res))
			std, err := json.Marshal(res.Report())
			require.NoError(t, err)
			require.Equal(t, string(std), js.String(), "WriteJSON writes what encoding/json writes")
			var indented bytes.Buffer
			require.NoError(t, json.Indent(&indented, js.Bytes(), "", "  "))
			indented.WriteByte('\n')
			golden(t, filepath.Join(dir, "report.golden.json"), indented.Bytes())

			var csv bytes.Buffer
			require.NoError(t, reconcile.WriteCSV(&csv, res))
			golden(t, filepath.Join(dir, "report.golden.csv"), csv.Bytes())

			checkInvariants(t, res.Report())
		})
	}
}

func runCase(t *testing.T, dir string, c *reconciletest.Case) *reconcile.Result {
	t.Helper()
	var stmts []reconcile.Statement
	for _, name := range c.Statements {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		if strings.HasSuffix(name, ".xlsx.tsv") {
			data = workbookFromTSV(t, data)
		}
		opts := detect.Options{Account: c.Account, Currency: c.Currency}
		opts.CSV.Preset, opts.XLSX.Preset = c.Preset, c.Preset
		_, sts, err := detect.Decode(bytes.NewReader(data), int64(len(data)), opts)
		require.NoError(t, err, name)
		stmts = append(stmts, sts...)
	}
	in := reconcile.OfflineInput{Statements: stmts, Options: reconcile.Options{DateWindow: c.DateWindow, Account: c.Account}}
	pays, err := os.Open(filepath.Join(dir, c.Payments))
	require.NoError(t, err)
	defer pays.Close()
	in.Payments = pays
	if c.Accounts != "" {
		accts, err := os.Open(filepath.Join(dir, c.Accounts))
		require.NoError(t, err)
		defer accts.Close()
		in.Accounts = accts
	}
	res, err := reconcile.Offline(in)
	require.NoError(t, err)
	return res
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	reconciletest.Golden(t, path, got, *update)
}

// checkInvariants: every entry is in exactly one section, no payment is used twice, the counts add up.
func checkInvariants(t *testing.T, r *reconcile.Report) {
	t.Helper()
	s := r.Summary
	assert.Equal(t, s.Entries, len(r.Matches)+len(r.UnmatchedEntries)+len(r.Anomalies))
	assert.Equal(t, s.Exact+s.Fuzzy, len(r.Matches))
	used := map[string]bool{}
	for _, m := range r.Matches {
		ids := m.PaymentIDs
		if len(ids) == 0 {
			ids = append(ids, m.PaymentID)
		}
		for _, id := range ids {
			assert.False(t, used[string(id)], "payment %s used twice", id)
			used[string(id)] = true
		}
	}
	for _, p := range r.UnmatchedPayments {
		assert.False(t, used[string(p.PaymentID)], "payment %s both matched and unmatched", p.PaymentID)
	}
	assert.Equal(t, s.MatchedPayments, len(used))
}

// workbookFromTSV builds a minimal XLSX workbook (one sheet, inline strings and numbers) from
// tab-separated text: a cell that parses as a decimal number becomes a number cell.
func workbookFromTSV(t *testing.T, tsv []byte) []byte {
	t.Helper()
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for r, line := range strings.Split(strings.TrimRight(string(tsv), "\n"), "\n") {
		fmt.Fprintf(&sheet, `<row r="%d">`, r+1)
		for c, cell := range strings.Split(line, "\t") {
			if cell == "" {
				continue
			}
			ref := fmt.Sprintf("%c%d", 'A'+c, r+1)
			if _, err := strconv.ParseFloat(cell, 64); err == nil {
				fmt.Fprintf(&sheet, `<c r="%s"><v>%s</v></c>`, ref, cell)
				continue
			}
			var esc bytes.Buffer
			require.NoError(t, xmlEscape(&esc, cell))
			fmt.Fprintf(&sheet, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, esc.String())
		}
		sheet.WriteString(`</row>`)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Hesap Hareketleri" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheet.String()},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		require.NoError(t, err)
		_, err = w.Write([]byte(p.body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func xmlEscape(b *bytes.Buffer, s string) error {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	_, err := r.WriteString(b, s)
	return err
}

// TestOfflineMatchingHook: OfflineInput.Matching is called once, after the statements are decoded
// and the payments read, before the result exists; not when reading fails.
func TestOfflineMatchingHook(t *testing.T) {
	dir := filepath.Join("..", "testdata", "reconcile", "csv-en")
	stmt, err := os.ReadFile(filepath.Join(dir, "statement.csv"))
	require.NoError(t, err)
	run := func(payments string) (calls int, err error) {
		decoded := false
		_, err = reconcile.Offline(reconcile.OfflineInput{
			Payments: strings.NewReader(payments),
			DecodeStatements: func() ([]reconcile.Statement, error) {
				_, sts, err := detect.Decode(bytes.NewReader(stmt), int64(len(stmt)), detect.Options{Account: "TR330006100519786457841326"})
				decoded = true
				return sts, err
			},
			Matching: func() {
				require.True(t, decoded, "the statements are decoded before matching")
				calls++
			},
		})
		return calls, err
	}
	pays, err := os.ReadFile(filepath.Join(dir, "payments.csv"))
	require.NoError(t, err)
	calls, err := run(string(pays))
	require.NoError(t, err)
	require.Equal(t, 1, calls)

	calls, err = run("id,amount\npay_x,not a number\n")
	require.Error(t, err)
	require.Zero(t, calls)
}

// TestOfflineWithoutPayments: an OfflineInput without its payments file is a validation error that
// names the field, as a bad date window is, rather than a crash in the reading.
func TestOfflineWithoutPayments(t *testing.T) {
	res, err := reconcile.Offline(reconcile.OfflineInput{})
	assert.Nil(t, res)
	require.ErrorIs(t, err, payment.ErrInvalid)
	var ve *payment.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "payments", ve.Field)
}
