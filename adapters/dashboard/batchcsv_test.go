package dashboard_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/payment"
)

const (
	accA = "acc_01KF0E44M00009WDVSQ5ZM0001"
	accB = "acc_01KF0E44M00003RVQKEBZ90002"
)

func TestReadPaymentsCSV(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		amounts []int64 // per row; -1 for a row with an error
		rowErr  []string
		fileErr string
	}{
		{name: "comma, major units", in: "amount,currency,from_account,to_account\n1250.50,TRY," + accA + "," + accB + "\n",
			amounts: []int64{125050}},
		{name: "semicolon, BOM, any column order, blank lines",
			in:      "\ufeffto_account;from_account;currency;amount;reference\n\n" + accB + ";" + accA + ";TRY;0.01;R-1\n;;;;\n",
			amounts: []int64{1}},
		{name: "minor units", in: "amount_minor,currency,from_account,to_account\n125050,TRY," + accA + "," + accB + "\n",
			amounts: []int64{125050}},
		{name: "JPY has no decimals", in: "amount,currency,from_account,to_account\n1000,JPY,a,b\n1000.5,JPY,a,b\n",
			amounts: []int64{1000, -1}, rowErr: []string{"", "more than 0 decimal places"}},
		{name: "bad cells fail their row only",
			in:      "amount,currency,from_account,to_account,value_date\n1.234,TRY,a,b,\n1e3,TRY,a,b,\n12,TRY,a,b,2026-02-30\n5,TRY,a,b,2026-02-28\n",
			amounts: []int64{-1, -1, -1, 500}, rowErr: []string{"line 2: amount", "line 3: amount", "line 4: value_date", ""}},
		{name: "a value date before 1970 says the range",
			in:      "amount,currency,from_account,to_account,value_date\n1,TRY,a,b,1969-12-31\n1,TRY,a,b,31.12.2026\n",
			amounts: []int64{-1, -1}, rowErr: []string{`line 2: value_date: "1969-12-31" is outside 1970-01-01 to 9999-12-31`, `line 3: value_date: "31.12.2026" is not a date (YYYY-MM-DD)`}},
		{name: "empty file", in: "", fileErr: "the file is empty"},
		{name: "header only", in: "amount,currency,from_account,to_account\n", fileErr: "no payments"},
		{name: "unknown column", in: "amount,currency,from,to\n", fileErr: `unknown column "from"`},
		{name: "duplicate column", in: "amount,amount,currency,from_account,to_account\n", fileErr: "appears twice"},
		{name: "both amounts", in: "amount,amount_minor,currency,from_account,to_account\n", fileErr: "exactly one of amount"},
		{name: "missing columns", in: "amount\n1\n", fileErr: "needs currency, from_account, to_account"},
		{name: "broken quoting", in: "amount,currency,from_account,to_account\n\"1,TRY,a,b\n", fileErr: "line"},
		{name: "cells past the header's fail their row, empty ones do not",
			in: "from_account,to_account,currency,reference,amount\n" + accA + "," + accB + ",TRY,R-1,1,250.00\n" +
				accA + "," + accB + ",TRY,R-2,5,,\n" + accA + "," + accB + ",TRY,'=R-3,1.234,x\n",
			amounts: []int64{-1, 500, -1}, rowErr: []string{`line 2: "250.00" past the header's last column (5 columns)`, "",
				`"x" past the header's last column`}},
		{name: "error column of a failed-rows file is ignored",
			in: "amount,currency,from_account,to_account,error\n1,TRY,a,b,was wrong\n", amounts: []int64{100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := dashboard.ReadPaymentsCSV(strings.NewReader(tc.in))
			if tc.fileErr != "" {
				require.Error(t, err)
				assert.True(t, errors.Is(err, dashboard.ErrCSV))
				assert.Contains(t, err.Error(), tc.fileErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, f.Rows, len(tc.amounts))
			for i, want := range tc.amounts {
				row := f.Rows[i]
				if want < 0 {
					require.Error(t, row.Err, "row %d", i)
					assert.Contains(t, row.Err.Error(), tc.rowErr[i])
					continue
				}
				require.NoError(t, row.Err, "row %d", i)
				assert.Equal(t, want, row.Request.Amount)
				assert.Equal(t, payment.MethodBankTransfer, row.Request.Method, "the default method")
			}
		})
	}
}

// TestWriteFailedCSVNeutralizesFormulas: a cell a spreadsheet would take for a formula gets an
// apostrophe before it, and so does a cell that starts with one: reading the file takes exactly one
// off, whatever the cell.
func TestWriteFailedCSVNeutralizesFormulas(t *testing.T) {
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader("amount;currency;from_account;to_account;description\n" +
		"1;TRY;a;b;=cmd|'/c calc'!A1\n2;TRY;a;b;-5\n3;TRY;a;b;'=x\n"))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, dashboard.WriteFailedCSV(&buf, f, map[int]string{0: "@bad", 1: "x", 2: "'y"}))
	p := dashboard.CSVKeyPrefix(f)
	assert.Equal(t, "amount;currency;from_account;to_account;description;idempotency_key;error\n"+
		"1;TRY;a;b;'=cmd|'/c calc'!A1;"+p+":1;'@bad\n"+
		"2;TRY;a;b;-5;"+p+":2;x\n"+
		"3;TRY;a;b;''=x;"+p+":3;''y\n", buf.String())
}

// TestReadPaymentsCSVApostrophes: an apostrophe before a cell is part of the cell in a file of
// payments (a reference or idempotency_key that looks guarded is refused, but its request holds it
// as written), and the guard of WriteFailedCSV, taken off once, in a file of failed rows (one with an
// error column). Written again, the failed rows of a file of failed rows are the same file.
func TestReadPaymentsCSVApostrophes(t *testing.T) {
	cells := []string{"'=a", "''b", "'", "-ACME-7", "+90 555", "@c", "-5", "=d", " 'e", "'\t=f"}
	var in strings.Builder
	in.WriteString("amount,currency,from_account,to_account,reference,description,idempotency_key\n")
	for i, c := range cells {
		fmt.Fprintf(&in, "%d,TRY,a,b,%s,%s,%s\n", i+1, c, c, c)
	}
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(in.String()))
	require.NoError(t, err)
	failed := map[int]string{}
	for i, c := range cells {
		req := f.Rows[i].Request
		want := strings.TrimSpace(c)
		assert.Equal(t, [3]string{want, want, want},
			[3]string{req.Reference, req.Description, req.IdempotencyKey}, "a payments file is read as written: %q", c)
		looksGuarded := len(want) > 1 && want[0] == '\'' && strings.ContainsRune("=+-@'\t\r", rune(want[1]))
		assert.Equal(t, looksGuarded, f.Rows[i].Err != nil, "refused: %q", c)
		failed[i] = c
	}

	var buf bytes.Buffer
	require.NoError(t, dashboard.WriteFailedCSV(&buf, f, failed))
	written := buf.String()
	ff, err := dashboard.ReadPaymentsCSV(strings.NewReader(written))
	require.NoError(t, err)
	require.Len(t, ff.Rows, len(cells))
	for i, c := range cells {
		assert.Equal(t, f.Rows[i].Request, ff.Rows[i].Request, "the failed rows read as the rows: %q", c)
		assert.Equal(t, f.Rows[i].Err != nil, ff.Rows[i].Err != nil, "refused in the failed rows as in the rows: %q", c)
	}
	buf.Reset()
	require.NoError(t, dashboard.WriteFailedCSV(&buf, ff, failed))
	assert.Equal(t, written, buf.String(), "the failed rows of a file of failed rows")

	ff, err = dashboard.ReadPaymentsCSV(strings.NewReader(" ERROR ,amount,currency,from_account,to_account,reference\n" +
		"x,1,TRY,a,b,'=g\nx,1,TRY,a,b,=g\nx,1,TRY,a,b,''g\n"))
	require.NoError(t, err)
	var refs []string
	for _, r := range ff.Rows {
		refs = append(refs, r.Request.Reference)
	}
	assert.Equal(t, []string{"=g", "=g", "'g"}, refs, "an error column, however written, makes a file of failed rows")
}

// TestWriteFailedCSVKeys: the failed rows carry the idempotency key they were submitted under, in an
// idempotency_key column: their own, or the one SubmitCSV derived; a column the file has is filled
// in, not added again.
func TestWriteFailedCSVKeys(t *testing.T) {
	t.Run("no key column", func(t *testing.T) {
		f, err := dashboard.ReadPaymentsCSV(strings.NewReader("amount,currency,from_account,to_account\n1,TRY,a,b\n2,TRY,a,b\n"))
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, dashboard.WriteFailedCSV(&buf, f, map[int]string{1: "x"}))
		assert.Equal(t, "amount,currency,from_account,to_account,idempotency_key,error\n"+
			"2,TRY,a,b,"+dashboard.CSVKeyPrefix(f)+":2,x\n", buf.String(), "a file not submitted: its content's keys")
	})
	t.Run("key and error columns", func(t *testing.T) {
		f, err := dashboard.ReadPaymentsCSV(strings.NewReader("amount;currency;from_account;to_account;idempotency_key;error\n" +
			"1;TRY;a;b;erp-1;old\n2;TRY;a;b; ;old\n3;TRY;a;b\n4;TRY;a;b;erp-4\n"))
		require.NoError(t, err)
		var buf bytes.Buffer
		require.NoError(t, dashboard.WriteFailedCSV(&buf, f, map[int]string{0: "x", 1: "y", 2: "z"}))
		p := dashboard.CSVKeyPrefix(f)
		assert.Equal(t, "amount;currency;from_account;to_account;idempotency_key;error\n"+
			"1;TRY;a;b;erp-1;x\n2;TRY;a;b;"+p+":2;y\n3;TRY;a;b;"+p+":3;z\n", buf.String())
	})
}

func FuzzReadPaymentsCSV(f *testing.F) {
	seeds, _ := os.ReadDir("testdata")
	for _, s := range seeds {
		if strings.HasSuffix(s.Name(), ".csv") {
			b, err := os.ReadFile("testdata/" + s.Name())
			if err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("amount,currency,from_account,to_account\n1250.50,TRY," + accA + "," + accB + "\n"))
	f.Add([]byte("amount_minor;currency;from_account;to_account\n1;JPY;a;b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := dashboard.ReadPaymentsCSV(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, dashboard.ErrCSV) {
				t.Fatalf("file error %v does not match ErrCSV", err)
			}
			return
		}
		if len(file.Rows) == 0 || len(file.Rows) > dashboard.MaxCSVRows {
			t.Fatalf("%d rows", len(file.Rows))
		}
		failed := map[int]string{}
		for i, r := range file.Rows {
			if r.Err == nil && r.Request.Amount < 0 && !strings.Contains(string(data), "-") {
				t.Fatalf("negative amount %d without a minus sign", r.Request.Amount)
			}
			failed[i] = "e"
		}
		var buf bytes.Buffer
		if err := dashboard.WriteFailedCSV(&buf, file, failed); err != nil {
			t.Fatal(err)
		}
	})
}

// TestReadPaymentsCSVGuardedCellWithoutErrorColumn: in a file without an error column, an
// idempotency_key or reference cell that starts as WriteFailedCSV guards a cell (an apostrophe before
// = + - @ ' a tab or a carriage return) is refused, naming its line and column: it is most likely a
// file of failed rows whose error column was deleted, where the apostrophe is not part of the value.
// Other apostrophes, and other columns, are read as written.
func TestReadPaymentsCSVGuardedCellWithoutErrorColumn(t *testing.T) {
	refused := []string{"'=a", "'+90", "'-ACME-7", "'@c", "''b", "'\t=f", "'\rx", " '=g"}
	kept := []string{"'a", "'5", "'", "a'=b", "=d", "-ACME-7"}
	var in strings.Builder
	in.WriteString("amount,currency,from_account,to_account,reference,description,idempotency_key\n")
	for i, c := range append(append([]string(nil), refused...), kept...) {
		q := `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		fmt.Fprintf(&in, "%d,TRY,a,b,%s,%s,k-%d\n", i+1, q, q, i)
		fmt.Fprintf(&in, "%d,TRY,a,b,r-%d,%s,%s\n", i+1, i, q, q)
	}
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader(in.String()))
	require.NoError(t, err)
	for i, row := range f.Rows {
		c := append(refused, kept...)[i/2]
		col := [2]string{"reference", "idempotency_key"}[i%2]
		if i/2 >= len(refused) {
			assert.NoError(t, row.Err, "%s %q", col, c)
			continue
		}
		var ce *dashboard.CSVError
		require.ErrorAs(t, row.Err, &ce, "%s %q", col, c)
		assert.Equal(t, [2]any{row.Line, col}, [2]any{ce.Line, ce.Column}, "%q", c)
		assert.Contains(t, ce.Reason, "looks like a guarded cell of a failed-rows file", "%q", c)
		assert.Contains(t, ce.Reason, "keep its error column, or remove the leading apostrophe", "%q", c)
		assert.Equal(t, strings.TrimSpace(c), [2]string{row.Request.Reference, row.Request.IdempotencyKey}[i%2],
			"the request holds the cell as written")
		assert.Equal(t, strings.TrimSpace(c), row.Request.Description, "a description is read as written")
	}
}

// TestReadPaymentsCSVLibreOfficeResave: the failed rows as LibreOffice Calc 7.4 saves them again,
// with ";", a byte-order mark and every text cell quoted (soffice --convert-to csv:...:59,34,76,1),
// read as the original rows: the guard's apostrophe is taken off.
func TestReadPaymentsCSVLibreOfficeResave(t *testing.T) {
	text := "\"amount\";\"currency\";\"from_account\";\"to_account\";\"reference\";\"idempotency_key\";\"error\"\n" +
		"12.34;\"TRY\";\"acc_1\";\"acc_2\";\"'-ACME-7\";\"'=inv-2\";\"amount: \"\"12.345\"\" has more than 2 decimal places for TRY\"\n"
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader("\ufeff" + text))
	require.NoError(t, err)
	require.NoError(t, f.Rows[0].Err)
	assert.Equal(t, "=inv-2", f.Rows[0].Request.IdempotencyKey)
	assert.Equal(t, "-ACME-7", f.Rows[0].Request.Reference)
}

// TestReadPaymentsCSVCellsPastHeader: an unquoted thousands separator in a comma-separated file
// shifts the cells, so that "1,250.00" would read as an amount of 1.00; the row fails instead, with
// the cell past the header named, besides the row's other problems.
func TestReadPaymentsCSVCellsPastHeader(t *testing.T) {
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader("from_account,to_account,currency,reference,amount\n" +
		accA + "," + accB + ",TRY,R-1,1,250.00\n" + accA + "," + accB + ",TRY,'=R-2,1.234,x\n"))
	require.NoError(t, err)
	require.Len(t, f.Rows, 2)
	assert.Equal(t, `"250.00" past the header's last column (5 columns): a separator inside a cell that is not quoted? `+
		`(write 1,250.00 as 1250.00, and quote a text that holds the separator)`, dashboard.ErrorText(f.Rows[0].Err))
	text := dashboard.ErrorText(f.Rows[1].Err)
	assert.True(t, strings.HasPrefix(text, `"x" past the header's last column`), text)
	assert.Contains(t, text, `; reference: "'=R-2" looks like a guarded cell`)
	assert.Contains(t, text, "; amount: \"1.234\" has more than 2 decimal places")
}

// TestReadPaymentsCSVAmountWithoutAValidCurrency: an amount in major units cannot be converted
// without its currency, so a row whose currency is empty or not one payments are made in fails on
// the currency alone. It was left with an amount of zero and refused by validation as "amount: must
// be a positive integer in minor units" too, for an amount that was fine.
func TestReadPaymentsCSVAmountWithoutAValidCurrency(t *testing.T) {
	f, err := dashboard.ReadPaymentsCSV(strings.NewReader("amount,currency,from_account,to_account\n" +
		"12.00,try," + accA + "," + accB + "\n" +
		"12.00,," + accA + "," + accB + "\n" +
		"12.00,XAU," + accA + "," + accB + "\n" +
		"12.00,TRY," + accA + "," + accB + "\n"))
	require.NoError(t, err)
	require.Len(t, f.Rows, 4)
	for i, want := range []string{
		`payments csv: line 2: currency: unknown ISO 4217 currency code "try"`,
		`payments csv: line 3: currency: is empty`,
		`payments csv: line 4: currency: XAU has no minor units and cannot be paid in`,
	} {
		require.Error(t, f.Rows[i].Err, "row %d", i)
		assert.Equal(t, want, f.Rows[i].Err.Error())
	}
	require.NoError(t, f.Rows[3].Err)
	assert.Equal(t, int64(1200), f.Rows[3].Request.Amount)
}
