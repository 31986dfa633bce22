package dashboard_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/detect"
	"github.com/orkesta/orkesta/reconcile/tabular"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

func TestReconciliationPages(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	exact := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125050, "INV-R-1" }),
		payment.StatusSettled)
	other := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 4300, "INV-R-7" }),
		payment.StatusSettled)
	stmt := statementFor(
		":61:2601150115D1250,50NTRFINV-R-1", ":86:Fatura INV-R-1",
		":61:2601150115D42,00NTRFNONREF", ":86:<script>alert(1)</script>",
	)
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")

	t.Run("a file that is not a statement shows the decoder's error", func(t *testing.T) {
		code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
			"to": {"2026-01-31"}, "window": {"0"}}, "statement", "notes.txt", "hello world\n")
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		assert.Contains(t, body, `id="statement-problems"`)
	})

	t.Run("a CSV export that names no currency is in the account's", func(t *testing.T) {
		fee := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 4400, "INV-R-8" }),
			payment.StatusSettled)
		csv := "Hesap Hareketleri\nIBAN: TR33 0006 1005 1978 6457 8413 26\n\nTarih;Valör;Açıklama;Tutar;Bakiye\n" +
			"15.01.2026;15.01.2026;GİDEN EFT INV-R-8;-44,00;957,00\n"
		code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
			"to": {"2026-01-31"}, "window": {"0"}}, "statement", "ocak.csv", csv)
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, string(fee.ID), "the entry matched the payment")
		assert.NotContains(t, body, "currency unknown")
		// finalized, the run leaves January to the next one
		m := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+/finalize)"`).FindStringSubmatch(body)
		require.Len(t, m, 2)
		_, body = c.post(m[1], nil)
		require.Contains(t, body, "Run finalized")
	})

	var runURL string
	t.Run("run", func(t *testing.T) {
		code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
			"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta", stmt)
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, string(exact.ID))
		assert.Contains(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;", "statement text is escaped")
		m := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`).FindStringSubmatch(body)
		require.Len(t, m, 2)
		runURL = m[1]
	})

	entry := func(body string) string {
		m := regexp.MustCompile(`(?s)id="unmatched".*?name="entry" value="([0-9a-f]+)"`).FindStringSubmatch(body)
		require.Len(t, m, 2)
		return m[1]
	}

	t.Run("a read-only key cannot review", func(t *testing.T) {
		r := newClient(t, e)
		r.signIn(e.reader)
		_, body := r.get(runURL)
		assert.NotContains(t, body, `id="finalize"`)
		code, _ := r.post(runURL+"/finalize", nil)
		assert.Equal(t, http.StatusForbidden, code)
	})

	t.Run("map the unmatched entry by hand and finalize", func(t *testing.T) {
		_, body := c.get(runURL)
		fp := entry(body)
		_, body = c.post(runURL+"/review", url.Values{"action": {"map"}, "entry": {fp}, "payment": {string(other.ID)}})
		assert.Contains(t, body, "Entry mapped to the payment")
		_, body = c.post(runURL+"/finalize", nil)
		assert.Contains(t, body, "Run finalized")
		got, err := e.Service.Get(t.Context(), e.Workspace.ID, other.ID)
		require.NoError(t, err)
		assert.Equal(t, payment.StatusReconciled, got.Status)
		_, body = c.post(runURL+"/review", url.Values{"action": {"dismiss"}, "entry": {fp}})
		assert.Contains(t, body, "Not done")
	})

	t.Run("reports", func(t *testing.T) {
		for _, tc := range []struct{ file, ctype, start string }{
			{"report.xlsx", "spreadsheetml", "PK\x03\x04"},
			{"report.csv", "text/csv", "section,"},
			{"report.json", "application/json", `{"summary":`},
		} {
			resp, err := c.http.Get(c.base + runURL + "/" + tc.file)
			require.NoError(t, err)
			buf := make([]byte, 16)
			n, _ := resp.Body.Read(buf)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, tc.file)
			assert.Contains(t, resp.Header.Get("Content-Type"), tc.ctype, tc.file)
			assert.True(t, strings.HasPrefix(string(buf[:n]), tc.start), "%s starts with %q", tc.file, buf[:n])
		}
	})
}

// TestReconciliationUploadWithBankMappings: the column mappings of DecodeOptions read an export no
// built-in preset does.
func TestReconciliationUploadWithBankMappings(t *testing.T) {
	bank, err := tabular.ParseMapping(strings.NewReader(
		`{"name": "mybank", "columns": {"booking_date": "Booked on", "amount": "Money", "description": "What for"}}`))
	require.NoError(t, err)
	export := "Booked on;Money;What for\n2026-01-15;-43.00;INV-R-7\n"
	for _, tc := range []struct {
		name string
		opts detect.Options
		code int
	}{
		{"without the bank's mapping", detect.Options{}, http.StatusUnprocessableEntity},
		{"with it", detect.Options{CSV: csv.Options{Mappings: []*tabular.Mapping{bank}}}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, dashboard.Options{DecodeOptions: tc.opts})
			c := newClient(t, e)
			c.signIn(e.writer)
			code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
				"to": {"2026-01-31"}, "window": {"0"}}, "statement", "export.csv", export)
			assert.Equal(t, tc.code, code, body)
		})
	}
}

// TestReconciliationUploadWithChosenMapping: the form offers the server's mappings and the presets,
// and the one chosen reads the file instead of the first whose columns the header names.
func TestReconciliationUploadWithChosenMapping(t *testing.T) {
	// The bank puts the transfer's reference in "Açıklama" and its slip number in "Referans"; the
	// Turkish preset reads them the other way round.
	acme, err := tabular.ParseMapping(strings.NewReader(`{"name": "acme", "columns": {"booking_date": "Tarih",
		"amount": "Tutar", "reference": "Açıklama", "bank_reference": "Referans"}, "date_format": "DD.MM.YYYY",
		"number_format": "1.234,56"}`))
	require.NoError(t, err)
	export := "Tarih;Açıklama;Tutar;Referans\n15.01.2026;INV-7;-43,00;DK-900\n"
	for _, tc := range []struct{ mapping, reference string }{{"", "INV-7"}, {"tr", "DK-900"}, {"acme", "INV-7"}} {
		t.Run("mapping "+tc.mapping, func(t *testing.T) {
			e := newTestEnv(t, dashboard.Options{DecodeOptions: detect.Options{CSV: csv.Options{Mappings: []*tabular.Mapping{acme}}}})
			c := newClient(t, e)
			c.signIn(e.writer)
			code, page := c.get("/reconciliation")
			require.Equal(t, http.StatusOK, code)
			for _, option := range []string{`"acme" >acme<`, `"tr" >tr (built in)<`, `"en" >en (built in)<`} {
				assert.Contains(t, page, `<option value=`+option)
			}
			code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
				"to": {"2026-01-31"}, "window": {"0"}, "mapping": {tc.mapping}}, "statement", "export.csv", export)
			require.Equal(t, http.StatusOK, code, body)
			// The run's page lists the unmatched entry: its reference first.
			assert.Contains(t, body, `<div class="muted">`+tc.reference+` · `)
		})
	}
	t.Run("an unknown mapping", func(t *testing.T) {
		e := newTestEnv(t, dashboard.Options{})
		c := newClient(t, e)
		c.signIn(e.writer)
		code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
			"to": {"2026-01-31"}, "window": {"0"}, "mapping": {"garanti"}}, "statement", "export.csv", export)
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		assert.Contains(t, body, `id="mapping-error"`)
	})
}

// TestReconciliationUploadWithCharset: the form offers the character sets, and the one chosen reads
// a file in a code page it does not declare (a CSV in Windows-1250, read as Windows-1254 without).
func TestReconciliationUploadWithCharset(t *testing.T) {
	export := "Date;Description;Amount\n2026-01-15;Zap\xb3ata FV-1;-43.00\n" // "Zapłata" in Windows-1250
	for _, tc := range []struct{ charset, text string }{{"", "Zap³ata FV-1"}, {"windows-1250", "Zapłata FV-1"}} {
		t.Run("charset "+tc.charset, func(t *testing.T) {
			e := newTestEnv(t, dashboard.Options{})
			c := newClient(t, e)
			c.signIn(e.writer)
			code, page := c.get("/reconciliation")
			require.Equal(t, http.StatusOK, code)
			assert.Contains(t, page, `<option value="windows-1250" >windows-1250</option>`)
			code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
				"to": {"2026-01-31"}, "window": {"0"}, "charset": {tc.charset}}, "statement", "export.csv", export)
			require.Equal(t, http.StatusOK, code, body)
			assert.Contains(t, body, tc.text)
			// The new run's message passes on the statement's warning of the character set it guessed.
			note := "The file is not valid UTF-8; it was read as windows-1254; if its letters look wrong, choose its character set and upload it again."
			if tc.charset == "" {
				assert.Contains(t, body, note)
			} else {
				assert.NotContains(t, body, "not valid UTF-8")
			}
		})
	}
	t.Run("an unknown character set", func(t *testing.T) {
		e := newTestEnv(t, dashboard.Options{})
		c := newClient(t, e)
		c.signIn(e.writer)
		code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
			"to": {"2026-01-31"}, "window": {"0"}, "charset": {"klingon"}}, "statement", "export.csv", export)
		assert.Equal(t, http.StatusUnprocessableEntity, code)
		assert.Contains(t, body, `id="charset-error"`)
	})
}

// TestReconciliationUploadBAI2OwnTypeCodes: a BAI2 file with the bank's own type codes is refused
// with its line and a note that the server's operator gives those codes their direction.
func TestReconciliationUploadBAI2OwnTypeCodes(t *testing.T) {
	file := "01,BANK,ACME,260115,0600,1,,,2/\n02,ACME,BANK,1,260115,,TRY/\n03,1,TRY,,/\n" +
		"16,901,64000,0,,,INV-7/\n49,64000,3/\n98,64000,1,5/\n99,64000,1,7/\n"
	opts := dashboard.Options{} // how orkesta serve says its operator gives a direction
	opts.DecodeOptions.TypeCodeHelp = func(codes []string) string { return "orkesta serve: --type-code " + codes[0] + "=credit" }
	e := newTestEnv(t, opts)
	c := newClient(t, e)
	c.signIn(e.writer)
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.bai", file)
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Contains(t, body, `id="statement-problems"`)
	assert.Contains(t, body, "line 4 16 type code: 901: the bank&#39;s own code")
	assert.Contains(t, body, "its operator gives each a direction (orkesta serve: --type-code 901=credit).")
}

// TestRunPageListsUnmatchedPaymentsOnce: every unmatched entry's payment field suggests from one
// list of the unmatched payments, so the page grows with entries plus payments, not their product.
func TestRunPageListsUnmatchedPaymentsOnce(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	var ids []payment.ID
	for i := range 4 {
		p := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) {
			r.Amount, r.Reference = int64(1000+i), fmt.Sprintf("INV-U-%d", i)
		}), payment.StatusSettled)
		ids = append(ids, p.ID)
	}
	stmt := statementFor(
		":61:2601150115D1,00NCHGNONREF", ":86:Fee one",
		":61:2601150115D2,00NCHGNONREF", ":86:Fee two",
		":61:2601150115D3,00NCHGNONREF", ":86:Fee three",
	)
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta", stmt)
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, 3, strings.Count(body, `list="unmatched-payments"`), "one payment field per unmatched entry")
	for _, id := range ids {
		assert.Equal(t, 1, strings.Count(body, `<option value="`+string(id)+`"`), id)
	}
	// A typed id maps, as one chosen from the list does.
	fp := regexp.MustCompile(`name="entry" value="([^"]+)"`).FindStringSubmatch(body)
	require.Len(t, fp, 2)
	runURL := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`).FindStringSubmatch(body)
	require.Len(t, runURL, 2)
	_, body = c.post(runURL[1]+"/review", url.Values{"action": {"map"}, "entry": {fp[1]}, "payment": {" " + string(ids[2]) + " "}})
	assert.Contains(t, body, "Entry mapped to the payment")
}

// TestRunPageShowsAFewRowsOfEachSection: the overview shows the first rows of a long section and
// links to its own view, which shows them page by page; a review made on a page comes back to it.
func TestRunPageShowsAFewRowsOfEachSection(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	var lines []string
	for i := range 502 {
		ref := fmt.Sprintf("INV-L-%d", i)
		e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = int64(100+i), ref }),
			payment.StatusSettled)
		lines = append(lines, fmt.Sprintf(":61:2601150115D%d,%02dNTRF%s", (100+i)/100, (100+i)%100, ref), ":86:Fatura "+ref)
	}
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta", statementFor(lines...))
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "Exact (502)")
	assert.Equal(t, 50, strings.Count(body, `value="unmatch"`), "the overview shows 50 of the 502")
	assert.Contains(t, body, "Rows 1–50 of 502.")
	assert.Contains(t, body, `<a href="?section=exact">Show them all</a>`)
	runURL := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`).FindStringSubmatch(body)
	require.Len(t, runURL, 2)

	_, body = c.get(runURL[1] + "?section=exact")
	assert.Equal(t, 500, strings.Count(body, `value="unmatch"`))
	assert.Contains(t, body, "Rows 1–500 of 502.")
	assert.Contains(t, body, `href="?section=exact&amp;page=2" rel="next"`)
	_, body = c.get(runURL[1] + "?section=exact&page=2")
	assert.Equal(t, 2, strings.Count(body, `value="unmatch"`))
	assert.Contains(t, body, "Rows 501–502 of 502.")
	assert.Contains(t, body, `href="?section=exact&amp;page=1" rel="prev"`)

	fp := regexp.MustCompile(`name="entry" value="([^"]+)"`).FindStringSubmatch(body)
	require.Len(t, fp, 2)
	_, body = c.post(runURL[1]+"/review", url.Values{"action": {"unmatch"}, "entry": {fp[1]}, "section": {"exact"}, "page": {"2"}})
	assert.Contains(t, body, "Match undone")
	assert.Contains(t, body, "Rows 501–501 of 501.", "back on the page the review was made on")
}

// TestReconciliationUploadRefusals: every refusal of an upload is shown on the form (a period that
// ends before it starts, a statement of another currency or account than the run's account, and any
// field the form has no place for), and a refused upload leaves no run behind.
func TestReconciliationUploadRefusals(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	tryCSV := "Date;Description;Amount;Currency\n2026-01-15;INV-R-7;-43.00;TRY\n"
	tests := []struct {
		name, account, from, to, file, content string
		field, text                            string
	}{
		{"a period that ends before it starts", string(e.Own.ID), "2026-01-31", "2026-01-01", "jan.sta",
			statementFor(":61:2601150115D42,00NTRFNONREF", ":86:Fee"),
			"period-error", "Ends (2026-01-01) before it starts (2026-01-31)."},
		{"a start before 1970", string(e.Own.ID), "1969-12-01", "2026-01-31", "jan.sta",
			statementFor(":61:2601150115D42,00NTRFNONREF", ":86:Fee"),
			"period-error", "Enter a start date from 1970-01-01 to 9999-12-31."},
		{"an end before 1970", string(e.Own.ID), "2026-01-01", "1969-12-31", "jan.sta",
			statementFor(":61:2601150115D42,00NTRFNONREF", ":86:Fee"),
			"period-error", "Enter an end date from 1970-01-01 to 9999-12-31."},
		{"a TRY CSV for the EUR account", string(e.OwnEUR.ID), "2026-01-01", "2026-01-31", "jan.csv", tryCSV,
			"statement-error", "Statement in TRY, the account is in EUR."},
		{"a statement of another account", string(e.OwnEUR.ID), "2026-01-01", "2026-01-31", "jan.sta",
			statementFor(":61:2601150115D42,00NTRFNONREF", ":86:Fee"),
			"statement-error", "Statement of account TR…1326, not of the run&#39;s account"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {tc.account}, "from": {tc.from},
				"to": {tc.to}, "window": {"0"}}, "statement", tc.file, tc.content)
			assert.Equal(t, http.StatusUnprocessableEntity, code)
			m := regexp.MustCompile(`<p class="field-error" id="` + tc.field + `">([^<]*)</p>`).FindStringSubmatch(body)
			if assert.Len(t, m, 2, "the refusal is shown under its field") {
				assert.Contains(t, m[1], tc.text)
			}
			_, page := c.get("/reconciliation")
			assert.Zero(t, strings.Count(page, `href="/reconciliation/runs/run_`), "a refused upload leaves no run")
		})
	}
}

// refusingReconciler refuses every run with err.
type refusingReconciler struct {
	dashboard.Reconciler
	err error
}

func (r refusingReconciler) Runs(context.Context, payment.WorkspaceID) ([]dashboard.RunInfo, error) {
	return nil, nil
}

func (r refusingReconciler) Start(context.Context, payment.WorkspaceID, dashboard.StartRequest) (dashboard.RunInfo, error) {
	return dashboard.RunInfo{}, r.err
}

// TestReconciliationUploadShowsUnknownFieldErrors: a Reconciler's refusal of a field the form has no
// place for is shown at the top of the form, never dropped.
func TestReconciliationUploadShowsUnknownFieldErrors(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{Reconcile: refusingReconciler{
		err: &payment.ValidationError{Field: "tolerance", Reason: "must be at most 5 days"}}})
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta", statementFor(":61:2601150115D42,00NTRFNONREF", ":86:Fee"))
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Regexp(t, `(?s)id="form-errors".*Tolerance: must be at most 5 days\.`, body)
}

// TestStartRefusesARunTooLargeWithoutLeavingOne: statements with more entries than a run holds are
// refused before the run is created, so no empty run is left behind.
func TestStartRefusesARunTooLargeWithoutLeavingOne(t *testing.T) {
	store := memory.New()
	env := paymenttest.NewEnv(t, store)
	rec := dashboard.NewServiceReconciler(reconcile.NewService(env.Service, memory.NewRunStore(store),
		reconcile.ServiceOptions{MaxRunEntries: 1}), nil)
	st := reconcile.Statement{Format: "test", Currency: "TRY", Entries: []reconcile.Entry{
		{ValueDate: payment.MustDate("2026-01-15"), Amount: 100, Direction: reconcile.Debit, Currency: "TRY", Remittance: "A"},
		{ValueDate: payment.MustDate("2026-01-16"), Amount: 200, Direction: reconcile.Debit, Currency: "TRY", Remittance: "B"},
	}}
	_, err := rec.Start(context.Background(), env.Workspace.ID, dashboard.StartRequest{Account: env.Own.ID,
		From: payment.MustDate("2026-01-01"), To: payment.MustDate("2026-01-31"), Statements: []reconcile.Statement{st}, Actor: "t"})
	require.ErrorIs(t, err, payment.ErrInvalid)
	assert.ErrorContains(t, err, "more than the 1 a run holds")
	runs, err := rec.Runs(context.Background(), env.Workspace.ID)
	require.NoError(t, err)
	assert.Empty(t, runs)
}

// TestRunPageShowsStatementWarnings: a statement whose balances do not add up is named on its run's
// page every time the page is shown, not only in the message after the upload, and in the run's
// JSON and XLSX reports, with the difference.
func TestRunPageShowsStatementWarnings(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125050, "INV-W-1" }),
		payment.StatusSettled)
	// 100000.00 − 1250.50 is 98749.50; the bank says 98700.00.
	stmt := strings.Replace(statementFor(":61:2601150115D1250,50NTRFINV-W-1", ":86:Fatura INV-W-1"), "-\r\n",
		":62F:C260115TRY98700,00\r\n-\r\n", 1)
	want := "statement STMT0115/1/1: opening balance 100000.00 plus entries -1250.50 is 98749.50, but the closing " +
		"balance is 98700.00; difference (closing − opening − entries): -49.50 TRY"
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta", stmt)
	require.Equal(t, http.StatusOK, code, body)
	m := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`).FindStringSubmatch(body)
	require.Len(t, m, 2)
	runURL := m[1]

	r := newClient(t, e)
	r.signIn(e.reader)
	code, page := r.get(runURL)
	require.Equal(t, http.StatusOK, code, page)
	block := regexp.MustCompile(`(?s)<div[^>]*id="run-warnings".*?</div>`).FindString(page)
	require.NotEmpty(t, block, "the run page has a block of the statements' warnings")
	assert.Contains(t, block, want)

	for _, file := range []string{"report.json", "report.xlsx"} {
		resp, err := r.http.Get(r.base + runURL + "/" + file)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode, file)
		text := string(b)
		if file == "report.xlsx" {
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			require.NoError(t, err)
			var all strings.Builder
			for _, zf := range zr.File {
				rc, err := zf.Open()
				require.NoError(t, err)
				part, err := io.ReadAll(rc)
				require.NoError(t, err)
				require.NoError(t, rc.Close())
				all.Write(part)
			}
			text = all.String()
		}
		assert.Contains(t, text, want, file)
	}
}

// TestStatementOutsideThePeriod: a statement none of whose entries is dated within the run's period
// (last month's, uploaded with the form's default period of this month) is refused under the period,
// and no run is created; it used to leave an empty run behind, announced as "Run ready: 0 entries",
// that could not be removed. Entries partly outside the period are left out, and the message says so.
func TestStatementOutsideThePeriod(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125050, "INV-R-1" }), payment.StatusSettled)
	stmt := statementFor(":61:2601150115D1250,50NTRFINV-R-1", ":86:Fatura INV-R-1",
		":61:2602020202D42,00NTRFNONREF", ":86:next month")
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	start := func(from, to string) (int, string) {
		return c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {from},
			"to": {to}, "window": {"0"}}, "statement", "jan.sta", stmt)
	}

	code, body := start("2026-03-01", "2026-03-31")
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Regexp(t, `id="period-error">None of the file&#39;s 2 entries is dated within 2026-03-01 – 2026-03-31`, body)
	_, body = c.get("/reconciliation")
	assert.NotContains(t, body, "/reconciliation/runs/run_", "no run was created")

	code, body = start("2026-01-01", "2026-01-31")
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "Run ready: 1 entries, 100.0% matched. 1 of the file&#39;s 2 entries are dated outside the period and were left out.")
}

// TestStatementFormSentTwiceStartsOneRun: the new run's form posted twice with the same file and
// fields (a double click without JavaScript, a browser that sends the form again after a lost answer)
// starts one run; it used to start two, the second of which could never be finalized, its payments
// being reconciled by the first. The same form with another file starts another run.
func TestStatementFormSentTwiceStartsOneRun(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125050, "INV-R-1" }), payment.StatusSettled)
	stmt := statementFor(":61:2601150115D1250,50NTRFINV-R-1", ":86:Fatura INV-R-1")
	c := newClient(t, e)
	c.signIn(e.writer)
	_, page := c.get("/reconciliation")
	m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)
	require.Len(t, m, 2)
	runOf := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`)
	upload := func(content string) string {
		code, body := c.uploadForm("/reconciliation/runs", url.Values{"token": {m[1]}, "account": {string(e.Own.ID)},
			"from": {"2026-01-01"}, "to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta", content)
		require.Equal(t, http.StatusOK, code, body)
		run := runOf.FindStringSubmatch(body)
		require.Len(t, run, 2, body)
		return body
	}

	first := upload(stmt)
	assert.Contains(t, first, "Run ready: 1 entries")
	again := upload(stmt)
	assert.Equal(t, runOf.FindStringSubmatch(first)[1], runOf.FindStringSubmatch(again)[1], "the same run")
	assert.Contains(t, again, "This form already started this run; no other was started.")
	_, list := c.get("/reconciliation")
	runs := map[string]bool{}
	for _, l := range regexp.MustCompile(`href="/reconciliation/runs/(run_\w+)"`).FindAllStringSubmatch(list, -1) {
		runs[l[1]] = true
	}
	assert.Len(t, runs, 1, "one run")

	code, body := c.uploadForm("/reconciliation/runs", url.Values{"token": {m[1]}, "account": {string(e.Own.ID)},
		"from": {"2026-01-10"}, "to": {"2026-02-10"}, "window": {"0"}}, "statement", "jan.sta",
		statementFor(":61:2601160116D42,00NTRFNONREF", ":86:another day"))
	assert.Equal(t, http.StatusUnprocessableEntity, code)
	assert.Contains(t, body, `id="period-error">The period 2026-01-10 to 2026-02-10 overlaps run `+
		strings.TrimPrefix(runOf.FindStringSubmatch(first)[1], "/reconciliation/runs/")+" of account "+string(e.Own.ID)+
		", which is open (period 2026-01-01 to 2026-01-31): finalize that run first, or choose a period that does not overlap it.",
		"another file of an overlapping period: refused under the period, naming the open run")
	_, list = c.get("/reconciliation")
	for _, l := range regexp.MustCompile(`href="/reconciliation/runs/(run_\w+)"`).FindAllStringSubmatch(list, -1) {
		runs[l[1]] = true
	}
	assert.Len(t, runs, 1, "no other run")
}

// TestReviewOfAProposalThatChanged: the approve and reject buttons of a fuzzy match send the payments
// the page showed; when someone rejected that proposal meanwhile and another was proposed, the click
// is refused, saying what is proposed now, and nothing changes. Before, it approved (or rejected) a
// payment the person never saw.
func TestReviewOfAProposalThatChanged(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	first := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125000, "A-1" }), payment.StatusSettled)
	second := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125000, "A-2" }), payment.StatusSettled)
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta", statementFor(":61:2601150115D1250,00NTRFNONREF", ":86:EFT"))
	require.Equal(t, http.StatusOK, code, body)
	runURL := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`).FindStringSubmatch(body)[1]
	form := regexp.MustCompile(`(?s)id="fuzzy".*?name="entry" value="([0-9a-f]+)">\s*<input type="hidden" name="expected" value="(pay_\w+)">`).
		FindStringSubmatch(body)
	require.Len(t, form, 3, "the form sends the proposal shown")
	fp := form[1]
	require.Equal(t, string(first.ID), form[2])
	seen := func(action string) url.Values {
		return url.Values{"action": {action}, "entry": {fp}, "expected": {string(first.ID)}}
	}

	_, body = c.post(runURL+"/review", seen("reject")) // one reviewer rejects what both saw
	require.Contains(t, body, "Match rejected")
	for _, action := range []string{"approve", "reject"} {
		_, body = c.post(runURL+"/review", seen(action)) // the other clicks on what they saw
		assert.Contains(t, body, "Not done: entry "+fp+" (line 5) proposes "+string(second.ID)+" now, not "+string(first.ID)+
			": look at the new proposal before you "+action+" it.")
	}
	assert.Regexp(t, `(?s)id="fuzzy".*name="expected" value="`+string(second.ID)+`".*value="approve"`, body, "still proposed, now the other payment")

	_, body = c.post(runURL+"/review", url.Values{"action": {"approve"}, "entry": {fp}, "expected": {string(second.ID)}})
	assert.Contains(t, body, "Match approved.")
}

// TestReconciliationPeriodFollowsServiceCalendar: the new-run form proposes this month so far on the
// service's calendar (payment.Options.Location). At 01:30 on 1 February in Istanbul it proposed
// 1 to 31 January, the UTC month.
func TestReconciliationPeriodFollowsServiceCalendar(t *testing.T) {
	ist, err := time.LoadLocation("Europe/Istanbul")
	require.NoError(t, err)
	clock := paymenttest.NewClock(time.Date(2026, 1, 31, 22, 30, 0, 0, time.UTC)) // 01:30 on 1 February in Istanbul
	store := memory.New()
	env := paymenttest.NewEnv(t, store, paymenttest.WithServiceOptions(payment.Options{Clock: clock, Location: ist}))
	e := &testEnv{Env: env, store: store}
	e.writer = e.key(t, "writer-key", payment.ScopeReadWrite)
	e.handler = dashboard.New(env.Service, store, dashboard.Options{Clock: clock, Reconcile: dashboard.NewServiceReconciler(
		reconcile.NewService(env.Service, memory.NewRunStore(store), reconcile.ServiceOptions{}), xlsx.WriteReport)})
	e.server = httptest.NewServer(e.handler)
	t.Cleanup(e.server.Close)
	c := newClient(t, e)
	c.signIn(e.writer)
	code, page := c.get("/reconciliation")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, `id="from" name="from" type="date" value="2026-02-01"`)
	assert.Contains(t, page, `id="to" name="to" type="date" value="2026-02-01"`)
}

// TestDecidedFuzzyMatchOffersUnmatch: a fuzzy match once approved is matched, which Reject refuses
// ("is matched: cannot reject it"); its row offers Unmatch, which takes it apart. Before, the row kept
// its Reject button, and pressing it was refused.
func TestDecidedFuzzyMatchOffersUnmatch(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	p := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125000, "A-1" }), payment.StatusSettled)
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta", statementFor(":61:2601150115D1250,00NTRFNONREF", ":86:EFT"))
	require.Equal(t, http.StatusOK, code, body)
	runURL := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`).FindStringSubmatch(body)[1]
	fp := regexp.MustCompile(`(?s)id="fuzzy".*?name="entry" value="([0-9a-f]+)"`).FindStringSubmatch(body)[1]
	fuzzy := func(body string) string { return regexp.MustCompile(`(?s)id="fuzzy".*?</section>`).FindString(body) }
	assert.Contains(t, fuzzy(body), `value="reject"`, "a proposal can be rejected")
	assert.NotContains(t, fuzzy(body), `value="unmatch"`)

	_, body = c.post(runURL+"/review", url.Values{"action": {"approve"}, "entry": {fp}, "expected": {string(p.ID)}})
	require.Contains(t, body, "Match approved.")
	assert.NotContains(t, fuzzy(body), `value="reject"`, "an approved match is not a proposal")
	assert.NotContains(t, fuzzy(body), `value="approve"`)
	require.Contains(t, fuzzy(body), `value="unmatch"`)

	_, body = c.post(runURL+"/review", url.Values{"action": {"unmatch"}, "entry": {fp}})
	assert.Contains(t, body, "Match undone.")
}

// TestResolvedEntryOffersNoMap: an unmatched entry resolved without a payment is decided, and Map
// refuses it ("is dismissed: cannot map it"); its row shows it resolved, with no Map form. Before, the
// row kept the Map form, and mapping the entry from it was refused.
func TestResolvedEntryOffersNoMap(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 4200, "A-9" }), payment.StatusSettled)
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta", statementFor(":61:2601150115D99,00NTRFNONREF", ":86:fee"))
	require.Equal(t, http.StatusOK, code, body)
	runURL := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`).FindStringSubmatch(body)[1]
	unmatched := func(body string) string {
		return regexp.MustCompile(`(?s)id="unmatched".*?<h2>Unmatched payments`).FindString(body)
	}
	require.Contains(t, unmatched(body), `value="map"`)
	fp := regexp.MustCompile(`(?s)id="unmatched".*?name="entry" value="([0-9a-f]+)"`).FindStringSubmatch(body)[1]

	_, body = c.post(runURL+"/review", url.Values{"action": {"dismiss"}, "entry": {fp}, "note": {"bank fee"}})
	require.Contains(t, body, "Entry resolved without a payment.")
	assert.Contains(t, unmatched(body), "resolved</span> bank fee")
	assert.NotContains(t, unmatched(body), `value="map"`, "Map refuses a resolved entry")
	assert.NotContains(t, unmatched(body), `value="dismiss"`)
}

// TestRunPageCountsAsTheReport: an entry mapped by hand on which amount, reference and date agree is
// an exact match in the report (its summary and its CSV section); the run page's Exact and Fuzzy
// sections count it so too, and the row says who mapped it. Before, the page's summary said 1 exact
// and 0 fuzzy while its section tabs said Exact (0) and Fuzzy (1).
func TestRunPageCountsAsTheReport(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	p := e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125050, "INV-R-1" })
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta",
		statementFor(":61:2601150115D1250,50NTRFINV-R-1", ":86:Fatura INV-R-1"))
	require.Equal(t, http.StatusOK, code, body)
	runURL := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`).FindStringSubmatch(body)[1]
	fp := regexp.MustCompile(`(?s)id="unmatched".*?name="entry" value="([0-9a-f]+)"`).FindStringSubmatch(body)[1]
	e.MustAdvance(t, p, payment.StatusSettled) // pending when the run was made: the entry stayed unmatched

	_, body = c.post(runURL+"/review", url.Values{"action": {"map"}, "entry": {fp}, "payment": {string(p.ID)}})
	require.Contains(t, body, "Entry mapped to the payment.")
	_, csv := c.get(runURL + "/report.csv")
	require.Contains(t, csv, "\nexact,"+string(p.ID)+",,,exact,manual,", "the report's exact section")
	assert.Contains(t, body, `id="exact-count">1<`)
	assert.Contains(t, body, `id="fuzzy-count">0<`)
	assert.Contains(t, body, "Exact (1)")
	assert.Contains(t, body, "Fuzzy (0)")
	exact := regexp.MustCompile(`(?s)id="exact".*?</section>`).FindString(body)
	assert.Contains(t, exact, string(p.ID))
	assert.Contains(t, exact, "manual by dashboard:")
}

// TestAcknowledgeAnomalyStaysOnItsSection: acknowledging an anomaly from the Anomalies section comes
// back to that section, as every other review form does. Before, its form did not say where it was,
// and the page went back to the overview.
func TestAcknowledgeAnomalyStaysOnItsSection(t *testing.T) {
	e := newTestEnv(t, dashboard.Options{})
	e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125050, "INV-R-1" }), payment.StatusFailed)
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta",
		statementFor(":61:2601150115D1250,50NTRFINV-R-1", ":86:Fatura INV-R-1"))
	require.Equal(t, http.StatusOK, code, body)
	runURL := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`).FindStringSubmatch(body)[1]
	_, body = c.get(runURL + "?section=anomalies")
	fp := regexp.MustCompile(`(?s)id="anomalies".*?name="entry" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	require.Len(t, fp, 2, body)
	form := url.Values{"action": {"dismiss"}, "entry": {fp[1]}, "note": {"refunded by the bank"}}
	for _, m := range regexp.MustCompile(`(?s)id="anomalies".*?<form[^>]*>(.*?)</form>`).FindStringSubmatch(body)[1:] {
		for _, in := range regexp.MustCompile(`<input type="hidden" name="(section|page)" value="([^"]*)">`).FindAllStringSubmatch(m, -1) {
			form.Set(in[1], in[2]) // what the browser sends
		}
	}
	var landed string
	c.http.CheckRedirect = func(r *http.Request, _ []*http.Request) error { landed = r.URL.RequestURI(); return nil }
	_, body = c.post(runURL+"/review", form)
	assert.Contains(t, body, "Entry resolved without a payment.")
	assert.Equal(t, runURL+"?section=anomalies", landed)
	assert.Contains(t, body, "acknowledged</span> refunded by the bank")
}

// paymentWritesDown is a store whose payment updates fail while down is set.
type paymentWritesDown struct {
	payment.Store
	down atomic.Bool
}

func (s *paymentWritesDown) UpdatePayment(ctx context.Context, c payment.Change, prev int64) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.UpdatePayment(ctx, c, prev)
}

// TestRunWhoseFinalizeStoppedPartWay: a Finalize that stopped part-way (the store failed while it
// reconciled the payments) leaves the run finalizing. Its page says so, offers Finalize to finish it,
// and no review form, which the service refuses for a run that is not open. Before, the page called
// the run open and offered Unmatch, Map and the others, each refused ("is finalizing: cannot unmatch").
func TestRunWhoseFinalizeStoppedPartWay(t *testing.T) {
	var store *paymentWritesDown
	e := newTestEnvOn(t, dashboard.Options{}, func(m *memory.Store) payment.Store {
		store = &paymentWritesDown{Store: m}
		return store
	})
	p := e.MustAdvance(t, e.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = 125050, "INV-R-1" }), payment.StatusSettled)
	c := newClient(t, e)
	c.signIn(e.writer)
	c.get("/reconciliation")
	code, body := c.uploadForm("/reconciliation/runs", url.Values{"account": {string(e.Own.ID)}, "from": {"2026-01-01"},
		"to": {"2026-01-31"}, "window": {"0"}}, "statement", "jan.sta",
		statementFor(":61:2601150115D1250,50NTRFINV-R-1", ":86:Fatura INV-R-1"))
	require.Equal(t, http.StatusOK, code, body)
	runURL := regexp.MustCompile(`action="(/reconciliation/runs/[^/"]+)/finalize"`).FindStringSubmatch(body)[1]
	require.Contains(t, body, `value="unmatch"`, "an open run's match can be undone")

	store.down.Store(true)
	code, _ = c.post(runURL+"/finalize", nil)
	require.Equal(t, http.StatusInternalServerError, code)
	store.down.Store(false)

	_, body = c.get(runURL)
	assert.Contains(t, body, `id="run-status">finalizing<`)
	assert.Contains(t, body, `id="finalizing"`)
	assert.NotContains(t, body, `value="unmatch"`, "the service refuses to review a finalizing run")
	assert.NotContains(t, body, `name="action"`)
	require.Contains(t, body, `id="finalize"`)
	_, list := c.get("/reconciliation")
	assert.Contains(t, list, ">finalizing</span>")

	_, body = c.post(runURL+"/finalize", nil)
	assert.Contains(t, body, "Run finalized: 1 payments are reconciled.")
	got, err := e.Service.Get(t.Context(), e.Workspace.ID, p.ID)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusReconciled, got.Status)
}
