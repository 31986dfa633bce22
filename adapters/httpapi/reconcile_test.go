package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/detect"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// reconFixture is the API fixture with the reconciliation endpoints mounted on it, over a run store
// in memory that writes its events to the same outbox as the payments.
type reconFixture struct {
	*fixture
	runs *reconcile.Service
	n    int // makes amounts and references of scenario payments unique
}

func newReconFixture(t *testing.T, opts httpapi.ReconciliationOptions) *reconFixture {
	t.Helper()
	f := newFixture(t)
	runs := reconcile.NewService(f.env.Service, memory.NewRunStore(f.store), reconcile.ServiceOptions{})
	for _, rt := range httpapi.ReconciliationRoutes(runs, opts) {
		f.h.Mount(rt)
	}
	return &reconFixture{fixture: f, runs: runs}
}

const (
	runsPath = "/v1/reconciliation/runs"
	ownIBAN  = "TR330006100519786457841326" // paymenttest's Own account
)

// mt940 is a statement of the Own account (TRY) with the given :61:/:86: lines.
func mt940(lines ...string) string {
	var b strings.Builder
	b.WriteString(":20:STMT0115\r\n:25:" + ownIBAN + "\r\n:28C:1/1\r\n:60F:C260114TRY100000,00\r\n")
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("-\r\n")
	return b.String()
}

// ziraatCSV is a Turkish bank export (Ziraat layout: Borç/Alacak columns, Valör, Referans) of the Own
// account with the given rows.
func ziraatCSV(rows ...string) string {
	return "\ufeffT.C. ZİRAAT BANKASI A.Ş.\r\nHesap Hareketleri\r\nIBAN: TR33 0006 1005 1978 6457 8413 26\r\nPara Birimi;TRY\r\n\r\n" +
		"Tarih;Valör;Açıklama;Borç;Alacak;Bakiye;Dekont No;Referans\r\n" + strings.Join(rows, "\r\n") + "\r\n"
}

// pay creates a payment from Own to Vendor through the service and moves it to status.
func (f *reconFixture) pay(t *testing.T, amount int64, ref string, status payment.Status) payment.Payment {
	t.Helper()
	p := f.env.MustCreate(t, func(r *payment.Request) { r.Amount, r.Reference = amount, ref })
	return f.env.MustAdvance(t, p, status)
}

// run creates an open January run of the account through the service and imports statement (if
// any) into it.
func (f *reconFixture) run(t *testing.T, ws payment.WorkspaceID, acct payment.AccountID, statement string) reconcile.Run {
	t.Helper()
	return f.runIn(t, ws, acct, "2026-01-01", "2026-01-31", statement)
}

// runIn is run over another period: an account has one run not finalized for any day.
func (f *reconFixture) runIn(t *testing.T, ws payment.WorkspaceID, acct payment.AccountID, from, to, statement string) reconcile.Run {
	t.Helper()
	r, err := f.runs.CreateRun(ctx, ws, reconcile.RunRequest{Account: acct, From: payment.MustDate(from),
		To: payment.MustDate(to)}, "setup")
	require.NoError(t, err)
	if statement == "" {
		return r
	}
	_, sts, err := detect.Decode(strings.NewReader(statement), int64(len(statement)), detect.Options{})
	require.NoError(t, err)
	r, _, err = f.runs.Import(ctx, ws, r.ID, sts, "setup")
	require.NoError(t, err)
	return r
}

// scenario is a fresh open January run with one entry in each reviewable state, a payment to map the
// unmatched entry to, and a December run whose only entry matched exactly (ready to finalize). Its
// amounts and references are unique, so scenarios never match each other's payments. A fixture
// holds one scenario: its runs stand in the way of another's (same account and periods).
type scenario struct {
	run, closable            reconcile.RunID
	exact, proposed, unmatch string // fingerprints
	spare                    payment.ID
}

func (f *reconFixture) scenario(t *testing.T) scenario {
	t.Helper()
	f.n++
	base := int64(200000 + f.n*100)
	ref := func(i int) string { return fmt.Sprintf("SC-%d-%d", f.n, i) }
	amt := func(i int64) string { return strings.Replace(fmt.Sprintf("%.2f", float64(base+i)/100), ".", ",", 1) }
	f.pay(t, base+1, ref(1), payment.StatusSettled)
	f.pay(t, base+2, ref(2), payment.StatusSettled)
	spare := f.pay(t, base+4, ref(4), payment.StatusSettled)
	r := f.run(t, f.env.Workspace.ID, f.env.Own.ID, mt940(
		":61:2601150115D"+amt(1)+"NTRF"+ref(1), ":86:Fatura "+ref(1),
		":61:2601150115D"+amt(2)+"NTRFNONREF", ":86:EFT odemesi",
		":61:2601150115D"+amt(3)+"NTRFNONREF", ":86:Masraf"))
	f.env.MustAdvance(t, f.env.MustCreate(t, func(r *payment.Request) {
		r.Amount, r.Reference, r.ValueDate = base+5, ref(5), payment.MustDate("2025-12-15")
	}), payment.StatusSettled)
	closable := f.runIn(t, f.env.Workspace.ID, f.env.Own.ID, "2025-12-01", "2025-12-31",
		mt940(":61:2512151215D"+amt(5)+"NTRF"+ref(5), ":86:Fatura "+ref(5)))
	return scenario{run: r.ID, closable: closable.ID, spare: spare.ID,
		exact: entryWith(t, r, base+1).Fingerprint, proposed: entryWith(t, r, base+2).Fingerprint,
		unmatch: entryWith(t, r, base+3).Fingerprint}
}

func entryWith(t *testing.T, r reconcile.Run, amount int64) reconcile.Entry {
	t.Helper()
	i := slices.IndexFunc(r.Entries, func(e reconcile.RunEntry) bool { return e.Entry.Amount == amount })
	require.GreaterOrEqual(t, i, 0, "no entry of %d in run %s", amount, r.ID)
	return r.Entries[i].Entry
}

// state is everything either workspace has that a request could change, runs included, as JSON for a
// readable diff.
func (f *reconFixture) state(t *testing.T) string {
	t.Helper()
	all := map[string]any{"store": f.snapshot()}
	for _, ws := range []payment.WorkspaceID{f.env.Workspace.ID, f.otherWS.ID} {
		list, err := f.runs.ListRuns(ctx, ws, reconcile.RunFilter{})
		require.NoError(t, err)
		var runs []reconcile.Run
		for _, r := range list {
			full, err := f.runs.GetRun(ctx, ws, r.ID)
			require.NoError(t, err)
			runs = append(runs, full)
		}
		all[string(ws)] = runs
	}
	b, err := json.Marshal(all)
	require.NoError(t, err)
	return string(b)
}

// upload sends a statement file as the raw body.
func (f *reconFixture) upload(key string, id reconcile.RunID, file, query string) resp {
	return f.do(req{method: "POST", path: runsPath + "/" + string(id) + "/statements" + query, key: key, body: file,
		contentType: "application/octet-stream"})
}

// uploadOne uploads file, a statement of one entry, to a new run of the Own account with the given
// query, and returns the entry the run holds.
func (f *reconFixture) uploadOne(t *testing.T, file, query string) reconcile.Entry {
	t.Helper()
	run := f.run(t, f.env.Workspace.ID, f.env.Own.ID, "")
	r := f.upload(f.rw, run.ID, file, query)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got, err := f.runs.GetRun(context.Background(), f.env.Workspace.ID, run.ID)
	require.NoError(t, err)
	require.Len(t, got.Entries, 1)
	f.finish(t, got)
	return got.Entries[0].Entry
}

// finish resolves every open entry of the run without a payment and finalizes it, so that the
// account's next run may cover the same days.
func (f *reconFixture) finish(t *testing.T, r reconcile.Run) {
	t.Helper()
	for _, e := range r.Entries {
		if e.Decision.State.Open() {
			_, err := f.runs.Dismiss(ctx, r.Workspace, r.ID, e.Entry.Fingerprint, "setup", "test entry")
			require.NoError(t, err)
		}
	}
	_, err := f.runs.Finalize(ctx, r.Workspace, r.ID, "setup")
	require.NoError(t, err)
}

// form builds a multipart/form-data body with the given fields (name, file name, content).
func form(t *testing.T, fields ...[3]string) (body, contentType string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, fl := range fields {
		var part io.Writer
		var err error
		if fl[1] != "" {
			part, err = w.CreateFormFile(fl[0], fl[1])
		} else {
			part, err = w.CreateFormField(fl[0])
		}
		require.NoError(t, err)
		_, err = io.WriteString(part, fl[2])
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return b.String(), w.FormDataContentType()
}

func (r resp) run(t *testing.T) httpapi.ReconciliationRun {
	t.Helper()
	var out httpapi.ReconciliationRun
	r.json(t, &out)
	return out
}

func (r resp) review(t *testing.T) httpapi.ReviewResult {
	t.Helper()
	var out httpapi.ReviewResult
	r.json(t, &out)
	return out
}

// entryOf finds the entry of an amount in a run as the API returns it.
func entryOf(t *testing.T, r httpapi.ReconciliationRun, amount int64) httpapi.ReconciliationEntry {
	t.Helper()
	i := slices.IndexFunc(r.Entries, func(e httpapi.ReconciliationEntry) bool { return e.Entry.Amount == amount })
	require.GreaterOrEqual(t, i, 0, "no entry of %d in run %s", amount, r.ID)
	return r.Entries[i]
}

// TestReconciliationFlow is the whole job through the API: payments created and settled, a run,
// an MT940 and a Turkish CSV statement uploaded (raw and as a form), exact, fuzzy and unmatched
// entries, every review action, finalize moving the payments to reconciled, and the report in all
// three formats.
func TestReconciliationFlow(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	own := string(f.env.Own.ID)
	newPayment := func(amount int64, ref string, to string) httpapi.Payment {
		p := f.createPayment(f.rw, func(m map[string]any) { m["amount"], m["reference"] = amount, ref })
		r := f.post(f.rw, "/v1/test_helpers/payments/"+string(p.ID)+"/advance", `{"to":"`+to+`"}`)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		return r.payment(t)
	}
	p1 := newPayment(125050, "INV-R-1", "settled")    // exact: amount, date and reference
	p2 := newPayment(9990, "INV-R-2", "processing")   // fuzzy: amount and date, no reference
	p3 := newPayment(50000, "INV-R-3", "settled")     // fuzzy: amount and reference, two days late; rejected
	p4 := newPayment(32000, "INV-R-4", "settled")     // the bank kept 0,50: unmatched, mapped by hand
	p5 := newPayment(777700, "INV-R-5", "processing") // no entry: an unmatched payment in the report

	r := f.post(f.rw, runsPath, `{"account":"`+own+`","from":"2026-01-01","to":"2026-01-31","date_window":0}`)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	run := r.run(t)
	assert.Equal(t, reconcile.RunOpen, run.Status)
	assert.Equal(t, f.keyIDs[f.rw], run.CreatedBy)
	assert.Empty(t, run.Entries)
	path := runsPath + "/" + string(run.ID)

	statement := mt940(
		":61:2601150115D1250,50NTRFINV-R-1", ":86:Fatura INV-R-1",
		":61:2601150115D99,90NTRFNONREF", ":86:EFT Yilmaz Tekstil",
		":61:2601150115D15,00NCHGNONREF", ":86:Hesap isletim ucreti",
		":62F:C260115TRY98634,60")
	t.Run("upload MT940", func(t *testing.T) {
		r := f.upload(f.rw, run.ID, statement, "")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var res httpapi.ImportResult
		r.json(t, &res)
		assert.Equal(t, "mt940", res.Format)
		require.Len(t, res.Statements, 1)
		assert.Equal(t, 3, res.Statements[0].Entries)
		require.NotNil(t, res.Statements[0].ClosingBalance)
		assert.Equal(t, int64(9863460), *res.Statements[0].ClosingBalance)
		assert.Equal(t, 3, res.Added)
		assert.Equal(t, httpapi.RunCounts{Entries: 3, Matched: 1, Exact: 1, Proposed: 1, Unmatched: 1, Open: 2}, res.Run.Counts)
	})
	t.Run("upload CSV as a form", func(t *testing.T) {
		body, ct := form(t, [3]string{"file", "ziraat_ocak.csv", ziraatCSV(
			"15.01.2026;15.01.2026;HAVALE YILMAZ TEKSTİL;319,50;0,00;98.315,10;ZR-2;",
			"17.01.2026;17.01.2026;GİDEN EFT - FATURA ÖDEMESİ;500,00;0,00;97.815,10;ZR-1;INV-R-3")})
		r := f.do(req{method: "POST", path: path + "/statements", key: f.rw, body: body, contentType: ct})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var res httpapi.ImportResult
		r.json(t, &res)
		assert.Equal(t, "csv", res.Format)
		assert.Equal(t, 2, res.Added)
		assert.Equal(t, httpapi.RunCounts{Entries: 5, Matched: 1, Exact: 1, Proposed: 2, Unmatched: 2, Open: 4}, res.Run.Counts)
	})
	t.Run("re-upload adds nothing", func(t *testing.T) {
		body, ct := form(t, [3]string{"file", "jan.sta", statement})
		r := f.do(req{method: "POST", path: path + "/statements", key: f.rw, body: body, contentType: ct})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var res httpapi.ImportResult
		r.json(t, &res)
		assert.Equal(t, 0, res.Added)
		assert.Equal(t, 3, res.Duplicates)
	})

	r = f.get(f.ro, path)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	run = r.run(t)
	e1, e2, e3 := entryOf(t, run, 125050), entryOf(t, run, 9990), entryOf(t, run, 1500)
	e4, e5 := entryOf(t, run, 50000), entryOf(t, run, 31950)
	t.Run("decisions with their reasons", func(t *testing.T) {
		assert.Equal(t, reconcile.StateMatched, e1.Decision.State)
		assert.Equal(t, reconcile.ScoreExact, e1.Decision.Score)
		assert.Equal(t, []payment.ID{p1.ID}, e1.Decision.PaymentIDs)
		assert.Equal(t, httpapi.MatchCriteria{Amount: true, Date: true, Reference: true}, e1.Decision.Criteria)
		require.Len(t, e1.Decision.Reasons, 3)
		for _, rs := range e1.Decision.Reasons {
			assert.True(t, rs.Matched, "%+v", rs)
		}

		assert.Equal(t, reconcile.StateProposed, e2.Decision.State)
		assert.Equal(t, reconcile.ScoreFuzzy, e2.Decision.Score)
		assert.Equal(t, []payment.ID{p2.ID}, e2.Decision.PaymentIDs)
		assert.Equal(t, httpapi.MatchCriteria{Amount: true, Date: true}, e2.Decision.Criteria)

		assert.Equal(t, reconcile.StateProposed, e4.Decision.State)
		assert.Equal(t, []payment.ID{p3.ID}, e4.Decision.PaymentIDs)
		assert.Equal(t, httpapi.MatchCriteria{Amount: true, Reference: true}, e4.Decision.Criteria)
		i := slices.IndexFunc(e4.Decision.Reasons, func(r httpapi.MatchReason) bool { return r.Criterion == reconcile.CriterionDate })
		require.GreaterOrEqual(t, i, 0)
		assert.Equal(t, int64(2), e4.Decision.Reasons[i].Difference, "the date reason carries the distance in days")

		assert.Equal(t, reconcile.StateUnmatched, e3.Decision.State)
		assert.Equal(t, reconcile.StateUnmatched, e5.Decision.State)
		assert.Empty(t, e5.Decision.PaymentIDs)
		assert.Equal(t, "INV-R-3", e4.Entry.Reference)
		assert.Equal(t, []reconcile.RunAction{reconcile.ActionCreate, reconcile.ActionImport, reconcile.ActionImport,
			reconcile.ActionImport}, actions(run.History))
	})

	t.Run("only the open entries", func(t *testing.T) {
		r := f.get(f.ro, path+"?state=proposed,unmatched,anomaly")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		open := r.run(t)
		assert.Len(t, open.Entries, 4)
		assert.Equal(t, 5, open.Counts.Entries, "the counts cover the whole run")
	})

	t.Run("finalize refused while items are open", func(t *testing.T) {
		before := f.state(t)
		r := f.post(f.rw, path+"/finalize", "")
		require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
		e := r.err(t)
		assert.Equal(t, httpapi.CodeRunHasOpenItems, e.Code)
		assert.Contains(t, e.Message, "2 fuzzy matches wait, 2 entries are unmatched")
		assert.Equal(t, before, f.state(t), "nothing changed")
	})

	review := func(fp, action, body string) httpapi.ReviewResult {
		t.Helper()
		r := f.post(f.rw2, path+"/entries/"+fp+"/"+action, body)
		require.Equal(t, http.StatusOK, r.Status, "%s %s", action, r.Body)
		res := r.review(t)
		assert.Equal(t, fp, res.Entry.Entry.Fingerprint)
		assert.Equal(t, f.keyIDs[f.rw2], res.Entry.Decision.By, "the reviewer is the API key")
		return res
	}
	t.Run("approve the fuzzy match", func(t *testing.T) {
		res := review(e2.Entry.Fingerprint, "approve", `{"note":"EFT to Yılmaz Tekstil, invoice INV-R-2"}`)
		assert.Equal(t, reconcile.StateMatched, res.Entry.Decision.State)
		assert.Equal(t, reconcile.ReviewApproved, res.Entry.Decision.Review)
		assert.Equal(t, []payment.ID{p2.ID}, res.Entry.Decision.PaymentIDs)
		assert.Equal(t, 3, res.Run.Counts.Open)
	})
	t.Run("reject the other", func(t *testing.T) {
		res := review(e4.Entry.Fingerprint, "reject", `{"reason":"paid twice by the bank; it reverses the second"}`)
		assert.Equal(t, reconcile.StateUnmatched, res.Entry.Decision.State)
		assert.Equal(t, []payment.ID{p3.ID}, res.Entry.Decision.Rejected, "never proposed again")
	})
	t.Run("map the unmatched entry by hand", func(t *testing.T) {
		res := review(e5.Entry.Fingerprint, "map", `{"payment_ids":["`+string(p4.ID)+`"],"note":"the bank kept 0,50"}`)
		assert.Equal(t, reconcile.StateMatched, res.Entry.Decision.State)
		assert.Equal(t, reconcile.ReviewManual, res.Entry.Decision.Review)
		assert.Equal(t, []payment.ID{p4.ID}, res.Entry.Decision.PaymentIDs)
		assert.Equal(t, int64(-50), res.Entry.Decision.AmountDifference)
		assert.False(t, res.Entry.Decision.Criteria.Amount)
	})
	t.Run("dismiss the fee and the duplicate", func(t *testing.T) {
		review(e3.Entry.Fingerprint, "dismiss", `{"reason":"account fee"}`)
		res := review(e4.Entry.Fingerprint, "dismiss", `{"reason":"duplicate booking, reversed in February"}`)
		assert.Equal(t, reconcile.StateDismissed, res.Entry.Decision.State)
		assert.Equal(t, "duplicate booking, reversed in February", res.Entry.Decision.Note)
	})
	t.Run("unmatch and map again", func(t *testing.T) {
		res := review(e1.Entry.Fingerprint, "unmatch", `{"reason":"checking the invoice"}`)
		assert.Equal(t, reconcile.StateUnmatched, res.Entry.Decision.State)
		assert.Equal(t, 1, res.Run.Counts.Open)
		res = review(e1.Entry.Fingerprint, "map", `{"payment_ids":["`+string(p1.ID)+`"]}`)
		assert.Equal(t, reconcile.StateMatched, res.Entry.Decision.State)
		assert.Equal(t, reconcile.ScoreExact, res.Entry.Decision.Score, "all three criteria hold")
		assert.Equal(t, httpapi.RunCounts{Entries: 5, Matched: 3, Exact: 1, Dismissed: 2}, res.Run.Counts)
	})

	t.Run("finalize", func(t *testing.T) {
		outbox := len(f.store.Outbox())
		r := f.post(f.rw, path+"/finalize", "{}")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		done := r.run(t)
		assert.Equal(t, reconcile.RunFinalized, done.Status)
		assert.Equal(t, f.keyIDs[f.rw], done.FinalizedBy)
		require.NotNil(t, done.FinalizedAt)
		for _, e := range done.Entries {
			assert.Equal(t, e.Decision.State == reconcile.StateMatched, e.Decision.Reconciled, "%s", e.Entry.Position)
		}
		for id, want := range map[payment.ID]payment.Status{p1.ID: payment.StatusReconciled, p2.ID: payment.StatusReconciled,
			p4.ID: payment.StatusReconciled, p3.ID: payment.StatusSettled, p5.ID: payment.StatusProcessing} {
			r := f.get(f.ro, "/v1/payments/"+string(id))
			require.Equal(t, http.StatusOK, r.Status)
			assert.Equal(t, want, r.payment(t).Status, "%s", id)
		}
		events := f.store.Outbox()[outbox:]
		assert.True(t, slices.ContainsFunc(events, func(e payment.Event) bool { return e.Type == "reconciliation.completed" }),
			"finalize publishes reconciliation.completed")
	})

	t.Run("a finalized run is read-only", func(t *testing.T) {
		before := f.state(t)
		for _, c := range []struct{ path, body string }{
			{path + "/entries/" + e2.Entry.Fingerprint + "/approve", ""},
			{path + "/entries/" + e3.Entry.Fingerprint + "/map", `{"payment_ids":["` + string(p3.ID) + `"]}`},
			{path + "/entries/" + e3.Entry.Fingerprint + "/dismiss", `{"reason":"x"}`},
			{path + "/finalize", ""},
		} {
			r := f.post(f.rw, c.path, c.body)
			require.Equal(t, http.StatusConflict, r.Status, "%s: %s", c.path, r.Body)
			assert.Equal(t, httpapi.CodeRunClosed, r.err(t).Code)
		}
		r := f.upload(f.rw, run.ID, statement, "")
		require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
		assert.Equal(t, httpapi.CodeRunClosed, r.err(t).Code)
		assert.Equal(t, before, f.state(t))
	})

	t.Run("report as JSON", func(t *testing.T) {
		r := f.get(f.ro, path+"/report")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		var rep reconcile.Report
		r.json(t, &rep)
		assert.Equal(t, 5, rep.Summary.Entries)
		assert.Equal(t, 2, rep.Summary.Dismissed)
		assert.Len(t, rep.Matches, 3)
		var unmatched []payment.ID
		for _, p := range rep.UnmatchedPayments {
			unmatched = append(unmatched, p.PaymentID)
		}
		assert.ElementsMatch(t, []payment.ID{p3.ID, p5.ID}, unmatched)
	})
	t.Run("report as CSV", func(t *testing.T) {
		r := f.do(req{method: "GET", path: path + "/report", key: f.ro, header: map[string]string{"Accept": "text/csv"}})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Equal(t, "text/csv; charset=utf-8", r.Header.Get("Content-Type"))
		assert.Equal(t, `attachment; filename="`+string(run.ID)+`.csv"`, r.Header.Get("Content-Disposition"))
		rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
		require.NoError(t, err)
		assert.Equal(t, reconcile.CSVHeader, rows[0])
		assert.Len(t, rows, 1+3+2+2, "header, matches, dismissed entries, unmatched payments")
	})
	t.Run("report as XLSX", func(t *testing.T) {
		r := f.get(f.ro, path+"/report?format=xlsx")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", r.Header.Get("Content-Type"))
		zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
		require.NoError(t, err, "an XLSX file is a zip")
		wb, err := zr.Open("xl/workbook.xml")
		require.NoError(t, err)
		defer wb.Close()
		xml, err := io.ReadAll(wb)
		require.NoError(t, err)
		for _, sheet := range []string{"Summary", "Exact", "Fuzzy", "Unmatched entries", "Unmatched payments", "Anomalies"} {
			assert.Contains(t, string(xml), `name="`+sheet+`"`)
		}
	})

	t.Run("listed", func(t *testing.T) {
		r := f.get(f.ro, runsPath+"?status=finalized&account="+own)
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var list httpapi.ReconciliationRunList
		r.json(t, &list)
		require.Len(t, list.Data, 1)
		assert.Equal(t, run.ID, list.Data[0].ID)
		r = f.get(f.ro, runsPath+"?status=open")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.JSONEq(t, `{"data":[]}`, string(r.Body))
	})

	t.Run("undo a finalized match", func(t *testing.T) {
		r := f.post(f.rw, path+"/entries/"+e2.Entry.Fingerprint+"/unmatch", "")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
		assert.Equal(t, "reason", r.err(t).Param, "undoing needs a reason")
		res := review(e2.Entry.Fingerprint, "unmatch", `{"reason":"booked on the wrong invoice"}`)
		assert.Equal(t, reconcile.StateUnmatched, res.Entry.Decision.State)
		assert.Equal(t, reconcile.RunFinalized, res.Run.Status, "the run stays finalized")
		r = f.get(f.ro, "/v1/payments/"+string(p2.ID)+"/history")
		require.Equal(t, http.StatusOK, r.Status)
		var h httpapi.History
		r.json(t, &h)
		last := h.Data[len(h.Data)-1]
		assert.Equal(t, payment.StatusSettled, last.To)
		assert.Equal(t, f.keyIDs[f.rw2], last.Actor)
		assert.Contains(t, last.Reason, "booked on the wrong invoice")
	})
}

func actions(h []httpapi.RunEvent) []reconcile.RunAction {
	out := make([]reconcile.RunAction, len(h))
	for i, e := range h {
		out[i] = e.Action
	}
	return out
}

// reconCase is one call of a reconciliation endpoint.
type reconCase struct {
	name, method, path, body, ct string
	scope                        payment.Scope // the least scope that may make the call
	ok                           int
}

// reconEndpoints lists one successful call of every reconciliation endpoint on the scenario.
func (f *reconFixture) reconEndpoints(sc scenario) []reconCase {
	ro, rw := payment.ScopeReadOnly, payment.ScopeReadWrite
	run := runsPath + "/" + string(sc.run)
	entry := func(fp, action string) string { return run + "/entries/" + fp + "/" + action }
	return []reconCase{
		{"create run", "POST", runsPath, `{"account":"` + string(f.env.Own.ID) + `","from":"2026-02-01","to":"2026-02-28"}`, "", rw, 201},
		{"list runs", "GET", runsPath, "", "", ro, 200},
		{"get run", "GET", run, "", "", ro, 200},
		{"upload statement", "POST", run + "/statements", mt940(":61:2601160116D1,00NCHGNONREF", ":86:Masraf"), "application/octet-stream", rw, 200},
		{"approve", "POST", entry(sc.proposed, "approve"), "", "", rw, 200},
		{"reject", "POST", entry(sc.proposed, "reject"), `{"reason":"wrong invoice"}`, "", rw, 200},
		{"map", "POST", entry(sc.unmatch, "map"), `{"payment_ids":["` + string(sc.spare) + `"]}`, "", rw, 200},
		{"dismiss", "POST", entry(sc.unmatch, "dismiss"), `{"reason":"fee"}`, "", rw, 200},
		{"unmatch", "POST", entry(sc.exact, "unmatch"), "", "", rw, 200},
		{"finalize", "POST", runsPath + "/" + string(sc.closable) + "/finalize", "", "", rw, 200},
		{"report", "GET", run + "/report", "", "", ro, 200},
	}
}

// TestReconciliationScopeMatrix makes every reconciliation call with no key and with each scope, each
// on a fresh scenario: no key is 401, a read-only key on a change is 403 insufficient_scope, and
// neither changes anything; any other succeeds.
func TestReconciliationScopeMatrix(t *testing.T) {
	for i := range newReconFixture(t, httpapi.ReconciliationOptions{}).reconEndpoints(scenario{}) {
		for _, scope := range []payment.Scope{"", payment.ScopeReadOnly, payment.ScopeReadWrite, payment.ScopeAdmin} {
			f := newReconFixture(t, httpapi.ReconciliationOptions{})
			keys := map[payment.Scope]string{payment.ScopeReadOnly: f.ro, payment.ScopeReadWrite: f.rw, payment.ScopeAdmin: f.admin}
			ep := f.reconEndpoints(f.scenario(t))[i]
			name := string(scope)
			if name == "" {
				name = "no key"
			}
			t.Run(ep.name+"/"+name, func(t *testing.T) {
				before := f.state(t)
				r := f.do(req{method: ep.method, path: ep.path, key: keys[scope], body: ep.body, contentType: ep.ct})
				switch {
				case scope == "":
					assert.Equal(t, http.StatusUnauthorized, r.Status)
					assert.Equal(t, httpapi.CodeMissingAPIKey, r.err(t).Code)
					assert.Equal(t, before, f.state(t))
				case !scope.Allows(ep.scope):
					assert.Equal(t, http.StatusForbidden, r.Status, "%s", r.Body)
					assert.Equal(t, httpapi.CodeInsufficientScope, r.err(t).Code)
					assert.Equal(t, before, f.state(t))
				default:
					assert.Equal(t, ep.ok, r.Status, "%s", r.Body)
				}
			})
		}
	}
}

// TestReconciliationIsolation calls every reconciliation endpoint with workspace A's admin key on
// workspace B's run and entry: they do not exist for A, A's list does not show B's run, A cannot start
// a run on B's account, and nothing of B changes.
func TestReconciliationIsolation(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	bRun := f.run(t, f.otherWS.ID, f.otherAccount.ID, "")
	bRun, _, err := f.runs.Import(ctx, f.otherWS.ID, bRun.ID, []reconcile.Statement{{Format: "csv", Currency: "TRY",
		Entries: []reconcile.Entry{{ValueDate: payment.MustDate("2026-01-15"), Amount: 777, Direction: reconcile.Debit,
			Currency: "TRY", CustomerRef: "B-1", Position: "line 2"}}}}, "b")
	require.NoError(t, err)
	bFP := bRun.Entries[0].Entry.Fingerprint
	bState := func() string {
		full, err := f.runs.GetRun(ctx, f.otherWS.ID, bRun.ID)
		require.NoError(t, err)
		return f.workspaceState(f.otherWS.ID) + fmt.Sprint(full)
	}
	before := bState()
	sc := f.scenario(t)
	swap := strings.NewReplacer(string(sc.run), string(bRun.ID), string(sc.closable), string(bRun.ID),
		sc.proposed, bFP, sc.unmatch, bFP, sc.exact, bFP, string(f.env.Own.ID), string(f.otherAccount.ID))
	for _, ep := range f.reconEndpoints(sc) {
		t.Run(ep.name, func(t *testing.T) {
			r := f.do(req{method: ep.method, path: swap.Replace(ep.path), key: f.admin, body: swap.Replace(ep.body), contentType: ep.ct})
			switch {
			case strings.HasPrefix(ep.path, runsPath+"/"):
				assert.Equal(t, http.StatusNotFound, r.Status, "%s", r.Body)
				assert.Equal(t, httpapi.CodeNotFound, r.err(t).Code)
			case ep.name == "create run":
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
				assert.Equal(t, "account", r.err(t).Param)
			default:
				assert.Equal(t, ep.ok, r.Status, "%s", r.Body)
				assert.NotContains(t, string(r.Body), string(bRun.ID), "nothing of workspace B is listed")
			}
			assert.Equal(t, before, bState(), "workspace B is unchanged")
		})
	}
	t.Run("B's entry in A's run", func(t *testing.T) {
		r := f.post(f.rw, runsPath+"/"+string(sc.run)+"/entries/"+bFP+"/dismiss", `{"reason":"x"}`)
		require.Equal(t, http.StatusNotFound, r.Status, "%s", r.Body)
		assert.Contains(t, r.err(t).Message, "no entry")
	})
	t.Run("B's key sees its own run only", func(t *testing.T) {
		r := f.get(f.otherKey, runsPath+"/"+string(bRun.ID))
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		assert.Equal(t, http.StatusNotFound, f.get(f.otherKey, runsPath+"/"+string(sc.run)).Status)
	})
}

// TestReconciliationMalformedRequests: every request that is wrong gets the right 4xx and code, and
// nothing changes: no run, entry, decision, payment or event.
func TestReconciliationMalformedRequests(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	sc := f.scenario(t)
	closed := sc.closable
	_, err := f.runs.Finalize(ctx, f.env.Workspace.ID, closed, "setup")
	require.NoError(t, err)
	run := runsPath + "/" + string(sc.run)
	up := run + "/statements"
	entry := func(fp, action string) string { return run + "/entries/" + fp + "/" + action }
	own := string(f.env.Own.ID)
	good := `{"account":"` + own + `","from":"2026-01-01","to":"2026-01-31"}`
	closedFP := func() string {
		r, err := f.runs.GetRun(ctx, f.env.Workspace.ID, closed)
		require.NoError(t, err)
		return r.Entries[0].Entry.Fingerprint
	}()
	const octet = "application/octet-stream"
	noFile, noFileCT := form(t, [3]string{"notes", "", "January"})
	extra, extraCT := form(t, [3]string{"file", "jan.sta", mt940(":61:2601150115D1,00NCHGNONREF")}, [3]string{"account", "", own})
	twice, twiceCT := form(t, [3]string{"file", "a.sta", mt940(":61:2601150115D1,00NCHGNONREF")}, [3]string{"file", "b.sta", mt940(":61:2601150115D2,00NCHGNONREF")})
	emptyFile, emptyFileCT := form(t, [3]string{"file", "empty.csv", ""})
	badCSV := ziraatCSV(
		"32.01.2026;32.01.2026;HATALI TARİH;10,00;0,00;1,00;ZR-9;",
		"15.01.2026;15.01.2026;HATALI TUTAR;12,3,4;0,00;1,00;ZR-8;",
		"15.01.2026;15.01.2026;İKİ TARAF;10,00;20,00;1,00;ZR-7;")
	otherIBAN := strings.Replace(mt940(":61:2601150115D1,00NCHGNONREF"), ownIBAN, "TR320010009999901234567890", 1)

	tests := []struct {
		name, method, path, body, ct string
		status                       int
		code, param                  string
	}{
		// Creating a run.
		{"create: not JSON", "POST", runsPath, `{"account":`, "", 400, httpapi.CodeInvalidJSON, ""},
		{"create: unknown field", "POST", runsPath, good[:len(good)-1] + `,"status":"finalized"}`, "", 400, httpapi.CodeUnknownField, "status"},
		{"create: duplicate member", "POST", runsPath, good[:len(good)-1] + `,"from":"2026-01-02"}`, "", 400, httpapi.CodeDuplicateKey, "from"},
		{"create: window 1.5", "POST", runsPath, good[:len(good)-1] + `,"date_window":1.5}`, "", 400, httpapi.CodeInvalidType, "date_window"},
		{"create: window as string", "POST", runsPath, good[:len(good)-1] + `,"date_window":"2"}`, "", 400, httpapi.CodeInvalidType, "date_window"},
		{"create: day-first date", "POST", runsPath, strings.Replace(good, "2026-01-01", "01.01.2026", 1), "", 400, httpapi.CodeInvalidFormat, "from"},
		{"create: trailing data", "POST", runsPath, good + `{}`, "", 400, httpapi.CodeTrailingData, ""},
		{"create: empty body", "POST", runsPath, "", "application/json", 400, httpapi.CodeEmptyBody, ""},
		{"create: form encoded", "POST", runsPath, good, "application/x-www-form-urlencoded", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"create: nothing", "POST", runsPath, `{}`, "", 422, httpapi.CodeValidationFailed, "account"},
		{"create: ends before it starts", "POST", runsPath, strings.Replace(good, "2026-01-31", "2025-12-31", 1), "", 422, httpapi.CodeValidationFailed, "to"},
		{"create: window of two years", "POST", runsPath, good[:len(good)-1] + `,"date_window":730}`, "", 422, httpapi.CodeValidationFailed, "date_window"},
		{"create: no such account", "POST", runsPath, strings.Replace(good, own, string(f.otherAccount.ID), 1), "", 422, httpapi.CodeValidationFailed, "account"},
		{"create: overlaps an open run", "POST", runsPath, strings.Replace(good, "2026-01-01", "2026-01-31", 1), "", 409, httpapi.CodeRunOverlaps, ""},
		// Uploading a statement.
		{"upload: text/plain", "POST", up, mt940(), "text/plain", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"upload: JSON", "POST", up, `{"file":"x"}`, "application/json", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"upload: no content type", "POST", up, mt940(), "none", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"upload: multipart without boundary", "POST", up, noFile, "multipart/form-data", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"upload: empty body", "POST", up, "", octet, 400, httpapi.CodeEmptyBody, ""},
		{"upload: form without file", "POST", up, noFile, noFileCT, 400, httpapi.CodeUnknownField, "notes"},
		{"upload: form with an extra field", "POST", up, extra, extraCT, 400, httpapi.CodeUnknownField, "account"},
		{"upload: form with two files", "POST", up, twice, twiceCT, 400, httpapi.CodeDuplicateKey, "file"},
		{"upload: form with an empty file", "POST", up, emptyFile, emptyFileCT, 400, httpapi.CodeEmptyBody, "file"},
		{"upload: broken multipart", "POST", up, "--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc", "multipart/form-data; boundary=x", 400, httpapi.CodeBodyUnreadable, ""},
		{"upload: over 32 MiB", "POST", up, strings.Repeat("x", httpapi.DefaultMaxStatementBytes+1), octet, 413, httpapi.CodeBodyTooLarge, ""},
		{"upload: plain text", "POST", up, "hello world\n", octet, 422, httpapi.CodeNotStatement, ""},
		{"upload: a product list", "POST", up, "Ürün Kodu;Ürün Adı;Stok;Fiyat\nA-1;Kalem;100;12,50\nA-2;Defter;40;45,00\n", octet, 422, httpapi.CodeNotStatement, ""},
		{"upload: a PNG", "POST", up, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", octet, 422, httpapi.CodeNotStatement, ""},
		{"upload: cells that do not parse", "POST", up, badCSV, octet, 422, httpapi.CodeStatementInvalid, "line 7"},
		{"upload: truncated MT940", "POST", up, ":20:STMT\r\n:25:" + ownIBAN + "\r\n:61:2601", octet, 422, httpapi.CodeStatementInvalid, ""},
		{"upload: another account's statement", "POST", up, otherIBAN, octet, 422, httpapi.CodeValidationFailed, "statements[0].account"},
		{"upload: unknown currency", "POST", up + "?currency=XYZ", mt940(), octet, 400, httpapi.CodeInvalidParameter, "currency"},
		{"upload: unknown parameter", "POST", up + "?acount=x", mt940(), octet, 400, httpapi.CodeUnknownParameter, "acount"},
		{"upload: unknown mapping", "POST", up + "?mapping=garanti", mt940(), octet, 400, httpapi.CodeInvalidParameter, "mapping"},
		{"upload: unknown run", "POST", runsPath + "/run_01KF0000000000000000000000/statements", mt940(), octet, 404, httpapi.CodeNotFound, ""},
		{"upload: finalized run", "POST", runsPath + "/" + string(closed) + "/statements", mt940(), octet, 409, httpapi.CodeRunClosed, ""},
		// Reviewing.
		{"approve: unknown fingerprint", "POST", entry("0123456789abcdef01234567", "approve"), "", "", 404, httpapi.CodeNotFound, ""},
		{"approve: unknown run", "POST", runsPath + "/run_nope/entries/" + sc.proposed + "/approve", "", "", 404, httpapi.CodeNotFound, ""},
		{"approve: an exact match", "POST", entry(sc.exact, "approve"), "", "", 409, httpapi.CodeReviewNotAllowed, ""},
		{"approve: with a reason", "POST", entry(sc.proposed, "approve"), `{"reason":"ok"}`, "", 400, httpapi.CodeUnknownField, "reason"},
		{"approve: as text", "POST", entry(sc.proposed, "approve"), `ok`, "text/plain", 415, httpapi.CodeUnsupportedMediaType, ""},
		{"reject: an unmatched entry", "POST", entry(sc.unmatch, "reject"), "", "", 409, httpapi.CodeReviewNotAllowed, ""},
		{"reject: reason as number", "POST", entry(sc.proposed, "reject"), `{"reason":7}`, "", 400, httpapi.CodeInvalidType, "reason"},
		{"approve: expected no payment", "POST", entry(sc.proposed, "approve"), `{"expected_payment_ids":[]}`, "", 422, httpapi.CodeValidationFailed, "expected_payment_ids"},
		{"reject: expected no payment id", "POST", entry(sc.proposed, "reject"), `{"expected_payment_ids":["INV-1"]}`, "", 422, httpapi.CodeValidationFailed, "expected_payment_ids[0]"},
		{"approve: expected another proposal", "POST", entry(sc.proposed, "approve"), `{"expected_payment_ids":["` + string(sc.spare) + `"]}`, "", 409, httpapi.CodeProposalChanged, ""},
		{"reject: expected another proposal", "POST", entry(sc.proposed, "reject"), `{"expected_payment_ids":["` + string(sc.spare) + `"]}`, "", 409, httpapi.CodeProposalChanged, ""},
		{"map: expected payments", "POST", entry(sc.unmatch, "map"), `{"payment_ids":["` + string(sc.spare) + `"],"expected_payment_ids":["` + string(sc.spare) + `"]}`, "", 400, httpapi.CodeUnknownField, "expected_payment_ids"},
		{"map: no payments", "POST", entry(sc.unmatch, "map"), `{"payment_ids":[]}`, "", 422, httpapi.CodeValidationFailed, "payment_ids"},
		{"map: payment_ids missing", "POST", entry(sc.unmatch, "map"), `{"note":"x"}`, "", 422, httpapi.CodeValidationFailed, "payment_ids"},
		{"map: one id, not a list", "POST", entry(sc.unmatch, "map"), `{"payment_ids":"` + string(sc.spare) + `"}`, "", 400, httpapi.CodeInvalidType, "payment_ids"},
		{"map: id as number", "POST", entry(sc.unmatch, "map"), `{"payment_ids":[7]}`, "", 400, httpapi.CodeInvalidType, "payment_ids[0]"},
		{"map: unknown payment", "POST", entry(sc.unmatch, "map"), `{"payment_ids":["pay_01KF0000000000000000000000"]}`, "", 422, httpapi.CodeValidationFailed, "payment_ids[0]"},
		{"map: B's payment", "POST", entry(sc.unmatch, "map"), `{"payment_ids":["` + string(f.otherPayment.ID) + `"]}`, "", 422, httpapi.CodeValidationFailed, "payment_ids[0]"},
		{"map: the same payment twice", "POST", entry(sc.unmatch, "map"), `{"payment_ids":["` + string(sc.spare) + `","` + string(sc.spare) + `"]}`, "", 422, httpapi.CodeValidationFailed, "payment_ids[1]"},
		{"map: a payment another entry holds", "POST", entry(sc.unmatch, "map"), `{"payment_ids":["` + string(entryPayment(t, f, sc.run, sc.exact)) + `"]}`, "", 422, httpapi.CodeValidationFailed, "payment_ids[0]"},
		{"map: empty body", "POST", entry(sc.unmatch, "map"), "", "application/json", 400, httpapi.CodeEmptyBody, ""},
		{"dismiss: no reason", "POST", entry(sc.unmatch, "dismiss"), `{}`, "", 422, httpapi.CodeValidationFailed, "reason"},
		{"dismiss: blank reason", "POST", entry(sc.unmatch, "dismiss"), `{"reason":"  "}`, "", 422, httpapi.CodeValidationFailed, "reason"},
		{"dismiss: a proposed match", "POST", entry(sc.proposed, "dismiss"), `{"reason":"x"}`, "", 409, httpapi.CodeReviewNotAllowed, ""},
		{"dismiss: duplicate reason", "POST", entry(sc.unmatch, "dismiss"), `{"reason":"a","reason":"b"}`, "", 400, httpapi.CodeDuplicateKey, "reason"},
		{"unmatch: an unmatched entry", "POST", entry(sc.unmatch, "unmatch"), "", "", 409, httpapi.CodeReviewNotAllowed, ""},
		{"unmatch: payment_ids", "POST", entry(sc.exact, "unmatch"), `{"payment_ids":[]}`, "", 400, httpapi.CodeUnknownField, "payment_ids"},
		{"review after finalize", "POST", runsPath + "/" + string(closed) + "/entries/" + closedFP + "/dismiss", `{"reason":"x"}`, "", 409, httpapi.CodeRunClosed, ""},
		{"undo without a reason", "POST", runsPath + "/" + string(closed) + "/entries/" + closedFP + "/unmatch", "", "", 422, httpapi.CodeValidationFailed, "reason"},
		// Finalizing.
		{"finalize: open items", "POST", run + "/finalize", "", "", 409, httpapi.CodeRunHasOpenItems, ""},
		{"finalize: twice", "POST", runsPath + "/" + string(closed) + "/finalize", "", "", 409, httpapi.CodeRunClosed, ""},
		{"finalize: with a body", "POST", run + "/finalize", `{"force":true}`, "", 400, httpapi.CodeUnknownField, "force"},
		// Reading.
		{"get: unknown run", "GET", runsPath + "/run_01KF0000000000000000000000", "", "", 404, httpapi.CodeNotFound, ""},
		{"get: not a run id", "GET", runsPath + "/pay_01KF0000000000000000000000", "", "", 404, httpapi.CodeNotFound, ""},
		{"get: unknown state", "GET", run + "?state=open", "", "", 400, httpapi.CodeInvalidParameter, "state"},
		{"get: state twice", "GET", run + "?state=matched&state=proposed", "", "", 400, httpapi.CodeInvalidParameter, "state"},
		{"list: unknown status", "GET", runsPath + "?status=closed", "", "", 400, httpapi.CodeInvalidParameter, "status"},
		{"list: not an account id", "GET", runsPath + "?account=TR33", "", "", 400, httpapi.CodeInvalidParameter, "account"},
		{"list: unknown parameter", "GET", runsPath + "?limit=10", "", "", 400, httpapi.CodeUnknownParameter, "limit"},
		{"report: pdf", "GET", run + "/report?format=pdf", "", "", 400, httpapi.CodeInvalidParameter, "format"},
		{"report: unknown run", "GET", runsPath + "/run_01KF0000000000000000000000/report", "", "", 404, httpapi.CodeNotFound, ""},
		{"runs: PUT", "PUT", runsPath, good, "", 405, httpapi.CodeMethodNotAllowed, ""},
		{"run: DELETE", "DELETE", run, "", "", 405, httpapi.CodeMethodNotAllowed, ""},
		{"entry: unknown action", "POST", entry(sc.proposed, "accept"), "", "", 404, httpapi.CodeRouteNotFound, ""},
	}
	require.GreaterOrEqual(t, len(tests), 15)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.state(t)
			r := f.do(req{method: tc.method, path: tc.path, key: f.admin, body: tc.body, contentType: tc.ct})
			require.Equal(t, tc.status, r.Status, "%s", truncate(r.Body))
			e := r.err(t)
			assert.Equal(t, tc.code, e.Code)
			if tc.param != "" {
				assert.Equal(t, tc.param, e.Param)
			}
			assert.NotEmpty(t, e.Message)
			assert.Equal(t, before, f.state(t), "nothing changed")
		})
	}
	t.Run("an overlapping run is named", func(t *testing.T) {
		r := f.post(f.rw, runsPath, strings.Replace(good, "2026-01-01", "2025-12-20", 1))
		require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
		assert.Equal(t, "the period 2025-12-20 to 2026-01-31 overlaps run "+string(sc.run)+" of account "+own+
			", which is open (period 2026-01-01 to 2026-01-31): finalize that run first, or choose a period that does not overlap it",
			r.err(t).Message, "the open run is named, not the finalized December run")
	})
	t.Run("every problem of the file is listed", func(t *testing.T) {
		r := f.upload(f.rw, sc.run, badCSV, "")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		e := r.err(t)
		var got []string
		for _, fe := range e.Errors {
			got = append(got, fe.Param)
			assert.Contains(t, fe.Message, "csv: "+fe.Param, "the message says where and which field")
		}
		assert.Equal(t, []string{"line 7", "line 7", "line 8", "line 9"}, got, "both dates of line 7 are impossible")
		for i, field := range []string{"Tarih", "Valör", "Borç", "Alacak"} {
			assert.Contains(t, e.Errors[i].Message, field)
		}
	})
}

// entryPayment is the payment an entry of a run is matched with.
func entryPayment(t *testing.T, f *reconFixture, id reconcile.RunID, fp string) payment.ID {
	t.Helper()
	r, err := f.runs.GetRun(ctx, f.env.Workspace.ID, id)
	require.NoError(t, err)
	for _, e := range r.Entries {
		if e.Entry.Fingerprint == fp {
			require.NotEmpty(t, e.Decision.PaymentIDs)
			return e.Decision.PaymentIDs[0]
		}
	}
	t.Fatalf("no entry %s", fp)
	return ""
}

// TestReconciliationGolden pins the wire format of the reconciliation answers in testdata/golden
// (refresh with -update): a run with an entry in every state, an import, the refusals, and the
// report in JSON and CSV.
func TestReconciliationGolden(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	sc := f.scenario(t)
	f.pay(t, 64000, "INV-G-7", payment.StatusSettled)
	run := runsPath + "/" + string(sc.run)
	cases := []struct {
		name string
		req  req
	}{
		{"recon_create", req{method: "POST", path: runsPath, key: f.rw, body: `{"account":"` + string(f.env.Own.ID) + `","from":"2026-02-01","to":"2026-02-28","date_window":3}`}},
		{"recon_import", req{method: "POST", path: run + "/statements", key: f.rw, contentType: "application/octet-stream",
			body: ziraatCSV("16.01.2026;16.01.2026;GİDEN EFT - FATURA INV-G-7;640,00;0,00;1.000,00;ZR-1;INV-G-7")}},
		{"recon_run", req{method: "GET", path: run, key: f.ro}},
		{"recon_list", req{method: "GET", path: runsPath, key: f.ro}},
		{"recon_map", req{method: "POST", path: run + "/entries/" + sc.unmatch + "/map", key: f.rw, body: `{"payment_ids":["` + string(sc.spare) + `"],"note":"fee deducted"}`}},
		{"recon_open_items", req{method: "POST", path: run + "/finalize", key: f.rw}},
		{"recon_review_not_allowed", req{method: "POST", path: run + "/entries/" + sc.exact + "/approve", key: f.rw}},
		{"recon_statement_invalid", req{method: "POST", path: run + "/statements", key: f.rw, contentType: "application/octet-stream",
			body: ziraatCSV("32.01.2026;15.01.2026;HATALI TARİH;10,00;0,00;1,00;ZR-9;")}},
		{"recon_not_a_statement", req{method: "POST", path: run + "/statements", key: f.rw, contentType: "application/octet-stream",
			body: "<html><body><table><tr><td>Hesap</td></tr></table></body></html>"}},
		{"recon_report", req{method: "GET", path: run + "/report", key: f.ro}},
		{"recon_report_csv", req{method: "GET", path: run + "/report?format=csv", key: f.ro}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(tc.req)
			body := r.Body
			ext := ".csv"
			if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				var pretty bytes.Buffer
				require.NoError(t, json.Indent(&pretty, r.Body, "", "  "), "%s", r.Body)
				body, ext = pretty.Bytes(), ".json"
			}
			got := fmt.Sprintf("%d %s\n%s", r.Status, r.Header.Get("Content-Type"), body)
			path := filepath.Join("testdata", "golden", tc.name+ext)
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create it")
			assert.Equal(t, string(want), got)
		})
	}
}

// TestReconciliationIdempotency: an upload or review retried with its Idempotency-Key gets the first
// answer again and changes nothing; the key with another file is refused.
func TestReconciliationIdempotency(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	sc := f.scenario(t)
	up := runsPath + "/" + string(sc.run) + "/statements"
	file := mt940(":61:2601160116D7,50NCHGNONREF", ":86:EFT masrafi")
	send := func(key, body string) resp {
		return f.do(req{method: "POST", path: up, key: f.rw, body: body, contentType: "application/octet-stream",
			header: map[string]string{"Idempotency-Key": key}})
	}
	first := send("upload-1", file)
	require.Equal(t, http.StatusOK, first.Status, "%s", first.Body)
	after := f.state(t)
	again := send("upload-1", file)
	require.Equal(t, http.StatusOK, again.Status, "%s", again.Body)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(first.Body), string(again.Body))
	assert.Equal(t, after, f.state(t), "the statement was imported once")

	other := send("upload-1", mt940(":61:2601160116D9,50NCHGNONREF"))
	require.Equal(t, http.StatusUnprocessableEntity, other.Status, "%s", other.Body)
	assert.Equal(t, httpapi.CodeIdempotencyKeyReused, other.err(t).Code)

	approve := runsPath + "/" + string(sc.run) + "/entries/" + sc.proposed + "/approve"
	hd := map[string]string{"Idempotency-Key": "approve-1"}
	r1 := f.do(req{method: "POST", path: approve, key: f.rw, header: hd})
	require.Equal(t, http.StatusOK, r1.Status, "%s", r1.Body)
	r2 := f.do(req{method: "POST", path: approve, key: f.rw, header: hd})
	require.Equal(t, http.StatusOK, r2.Status, "a retried approval is not a 409: %s", r2.Body)
	assert.Equal(t, string(r1.Body), string(r2.Body))
}

// TestUploadRetriedWithAnotherBoundary: a form upload retried with its Idempotency-Key gets the first
// answer again although the retry's multipart boundary is new, as curl's and multipart.Writer's are on
// every attempt (it was 422 idempotency_key_reused). Another file, a file under another name, or
// another field with the same key are still another request.
func TestUploadRetriedWithAnotherBoundary(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	sc := f.scenario(t)
	up := runsPath + "/" + string(sc.run) + "/statements"
	file := mt940(":61:2601160116D7,50NCHGNONREF", ":86:EFT masrafi")
	send := func(fields ...[3]string) resp {
		body, ctype := form(t, fields...)
		return f.do(req{method: "POST", path: up, key: f.rw, body: body, contentType: ctype,
			header: map[string]string{"Idempotency-Key": "form-upload-1"}})
	}
	first := send([3]string{"file", "ocak.sta", file})
	require.Equal(t, http.StatusOK, first.Status, "%s", first.Body)
	after := f.state(t)
	again := send([3]string{"file", "ocak.sta", file})
	require.Equal(t, http.StatusOK, again.Status, "%s", again.Body)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, string(first.Body), string(again.Body))
	assert.Equal(t, after, f.state(t), "the statement was imported once")

	for name, fields := range map[string][][3]string{
		"another file":      {{"file", "ocak.sta", mt940(":61:2601160116D9,50NCHGNONREF")}},
		"another file name": {{"file", "subat.sta", file}},
		"another field":     {{"file", "ocak.sta", file}, {"note", "", "x"}},
		"a field's name":    {{"statement", "ocak.sta", file}},
	} {
		r := send(fields...)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", name, r.Body)
		assert.Equal(t, httpapi.CodeIdempotencyKeyReused, r.err(t).Code, name)
	}
	assert.Equal(t, after, f.state(t))
}

// TestReconciliationReportFormats: ?format= decides, else Accept (with q-values), else JSON; an Accept
// that allows no report format is 406.
func TestReconciliationReportFormats(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	path := runsPath + "/" + string(f.scenario(t).run) + "/report"
	const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	tests := []struct {
		name, query, accept string
		status              int
		ctype               string
	}{
		{"default", "", "", 200, "application/json"},
		{"any", "", "*/*", 200, "application/json"},
		{"json", "", "application/json", 200, "application/json"},
		{"csv", "", "text/csv", 200, "text/csv; charset=utf-8"},
		{"any text", "", "text/*", 200, "text/csv; charset=utf-8"},
		{"xlsx", "", xlsxType, 200, xlsxType},
		{"browser", "", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200, "application/json"},
		{"q decides", "", "application/json;q=0.5, text/csv;q=0.9", 200, "text/csv; charset=utf-8"},
		{"first among equals", "", xlsxType + ", text/csv", 200, xlsxType},
		{"q=0 refuses", "", "application/json;q=0", 406, "application/json"},
		{"nothing we write", "", "application/pdf", 406, "application/json"},
		{"format beats Accept", "?format=csv", "application/json", 200, "text/csv; charset=utf-8"},
		{"format xlsx", "?format=xlsx", "application/pdf", 200, xlsxType},
		{"format json", "?format=json", "", 200, "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hd := map[string]string{}
			if tc.accept != "" {
				hd["Accept"] = tc.accept
			}
			r := f.do(req{method: "GET", path: path + tc.query, key: f.ro, header: hd})
			require.Equal(t, tc.status, r.Status, "%s", truncate(r.Body))
			assert.Equal(t, tc.ctype, r.Header.Get("Content-Type"))
			if tc.status == http.StatusNotAcceptable {
				assert.Equal(t, httpapi.CodeNotAcceptable, r.err(t).Code)
			}
		})
	}
}

// TestStatementSizeLimit: the limit holds for a body of unknown length (chunked) too, raw or in a form.
func TestStatementSizeLimit(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{MaxStatementBytes: 4 << 10})
	sc := f.scenario(t)
	big := mt940(slices.Repeat([]string{":61:2601160116D1,00NCHGNONREF", ":86:Masraf"}, 200)...)
	require.Greater(t, len(big), 4<<10)
	body, ct := form(t, [3]string{"file", "big.sta", big})
	for name, c := range map[string]struct{ body, ct string }{
		"raw":  {big, "application/octet-stream"},
		"form": {body, ct},
	} {
		t.Run(name, func(t *testing.T) {
			before := f.state(t)
			hr, err := http.NewRequestWithContext(ctx, "POST", f.srv.URL+runsPath+"/"+string(sc.run)+"/statements",
				io.MultiReader(strings.NewReader(c.body))) // no length: sent chunked
			require.NoError(t, err)
			require.EqualValues(t, 0, hr.ContentLength)
			hr.Header.Set("Authorization", "Bearer "+f.rw)
			hr.Header.Set("Content-Type", c.ct)
			res, err := f.c.Do(hr)
			require.NoError(t, err)
			defer res.Body.Close()
			assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
			assert.Equal(t, before, f.state(t))
		})
	}
	t.Run("under the limit", func(t *testing.T) {
		r := f.upload(f.rw, sc.run, mt940(":61:2601160116D1,00NCHGNONREF", ":86:Masraf"), "")
		assert.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	})
}

// TestConcurrentReviews: eight reviewers approve the same fuzzy match at once; exactly one wins, the
// others get a 409, and the history records one approval.
func TestConcurrentReviews(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	sc := f.scenario(t)
	path := runsPath + "/" + string(sc.run) + "/entries/" + sc.proposed + "/approve"
	const n = 8
	statuses := make(chan int, n)
	codes := make(chan string, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			r := f.post(f.rw, path, "")
			statuses <- r.Status
			if r.Status != http.StatusOK {
				var e struct{ Error httpapi.Error }
				_ = json.Unmarshal(r.Body, &e)
				codes <- e.Error.Code
			}
		})
	}
	close(start)
	wg.Wait()
	close(statuses)
	close(codes)
	won := 0
	for s := range statuses {
		if s == http.StatusOK {
			won++
		} else {
			assert.Equal(t, http.StatusConflict, s)
		}
	}
	assert.Equal(t, 1, won)
	for c := range codes {
		assert.Contains(t, []string{httpapi.CodeConflict, httpapi.CodeReviewNotAllowed}, c)
	}
	run, err := f.runs.GetRun(ctx, f.env.Workspace.ID, sc.run)
	require.NoError(t, err)
	approvals := 0
	for _, h := range run.History {
		if h.Action == reconcile.ActionApprove {
			approvals++
		}
	}
	assert.Equal(t, 1, approvals)
}

// BenchmarkStatementUpload uploads a 2,000-entry MT940 file into a fresh run over 2,000 settled
// payments: the request, the decoding, the matching and the answer, over loopback.
func BenchmarkStatementUpload(b *testing.B) {
	const n = 2000
	store := memory.New()
	env := paymenttest.NewEnv(b, store)
	lines := make([]string, 0, 2*n)
	for i := range n {
		ref := fmt.Sprintf("INV-B-%05d", i)
		env.MustAdvance(b, env.MustCreate(b, func(r *payment.Request) { r.Amount, r.Reference = int64(10000+i), ref }), payment.StatusSettled)
		lines = append(lines, fmt.Sprintf(":61:2601150115D%d,%02dNTRF%s", (10000+i)/100, (10000+i)%100, ref), ":86:Fatura "+ref)
	}
	file := mt940(lines...)
	secret, hash := payment.NewAPIKeySecret()
	require.NoError(b, store.CreateAPIKey(ctx, payment.APIKey{ID: "key_bench", Workspace: env.Workspace.ID, Scope: payment.ScopeReadWrite, Hash: hash}))
	runs := reconcile.NewService(env.Service, memory.NewRunStore(store), reconcile.ServiceOptions{})
	srv := httptest.NewServer(httpapi.New(env.Service, store, httpapi.Options{Routes: httpapi.ReconciliationRoutes(runs, httpapi.ReconciliationOptions{})}))
	defer srv.Close()
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		run, err := runs.CreateRun(ctx, env.Workspace.ID, reconcile.RunRequest{Account: env.Own.ID,
			From: payment.MustDate("2026-01-01"), To: payment.MustDate("2026-01-31")}, "bench")
		require.NoError(b, err)
		hr, err := http.NewRequest("POST", srv.URL+runsPath+"/"+string(run.ID)+"/statements", strings.NewReader(file))
		require.NoError(b, err)
		hr.Header.Set("Authorization", "Bearer "+secret)
		hr.Header.Set("Content-Type", "application/octet-stream")
		res, err := srv.Client().Do(hr)
		require.NoError(b, err)
		var out httpapi.ImportResult
		require.NoError(b, json.NewDecoder(res.Body).Decode(&out))
		res.Body.Close()
		require.Equal(b, n, out.Run.Counts.Exact)
	}
}

// TestUploadCSVInTheAccountsCurrency: a bank CSV that names no currency (most Turkish exports name
// only the IBAN) is read in the currency of the run's account; ?currency= still decides when given.
func TestUploadCSVInTheAccountsCurrency(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	noCurrency := "\ufeffHesap Hareketleri\r\nIBAN: TR33 0006 1005 1978 6457 8413 26\r\n\r\n" +
		"Tarih;Valör;Açıklama;Borç;Alacak;Bakiye;Dekont No;Referans\r\n" +
		"15.01.2026;15.01.2026;GİDEN EFT - FATURA;640,00;0,00;1.000,00;ZR-1;INV-C-1\r\n"
	run := f.run(t, f.env.Workspace.ID, f.env.Own.ID, "")
	r := f.upload(f.rw, run.ID, noCurrency, "")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var res httpapi.ImportResult
	r.json(t, &res)
	require.Len(t, res.Statements, 1)
	assert.Equal(t, f.env.Own.Currency, res.Statements[0].Currency)
	assert.Equal(t, 1, res.Added)

	other := f.runIn(t, f.env.Workspace.ID, f.env.Own.ID, "2025-12-01", "2025-12-31", "")
	r = f.upload(f.rw, other.ID, noCurrency, "?currency=EUR")
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), "the account is in "+string(f.env.Own.Currency))
}

// TestUploadWithChosenMapping: ?mapping= reads a CSV with the named column mapping instead of the
// first one whose columns the header names (the server's own before the presets).
func TestUploadWithChosenMapping(t *testing.T) {
	// The bank puts the transfer's reference in "Açıklama" and its slip number in "Referans"; the
	// Turkish preset reads them the other way round.
	acme, err := tabular.ParseMapping(strings.NewReader(`{"name": "acme", "columns": {"booking_date": "Tarih",
		"amount": "Tutar", "reference": "Açıklama", "bank_reference": "Referans"}, "date_format": "DD.MM.YYYY",
		"number_format": "1.234,56"}`))
	require.NoError(t, err)
	opts := httpapi.ReconciliationOptions{}
	opts.Decode.CSV.Mappings = []*tabular.Mapping{acme}
	f := newReconFixture(t, opts)
	file := "IBAN: " + ownIBAN + "\r\nTarih;Açıklama;Tutar;Referans\r\n15.01.2026;INV-7;-640,00;DK-900\r\n"
	reference := func(query string) string { return f.uploadOne(t, file, query).CustomerRef }
	assert.Equal(t, "INV-7", reference(""), "the server's own mapping first")
	assert.Equal(t, "DK-900", reference("?mapping=tr"), "the preset, by name")
	assert.Equal(t, "INV-7", reference("?mapping=acme"))

	run := f.run(t, f.env.Workspace.ID, f.env.Own.ID, "")
	r := f.upload(f.rw, run.ID, file, "?mapping=garanti")
	require.Equal(t, http.StatusBadRequest, r.Status)
	assert.Contains(t, r.err(t).Message, "acme, tr, en", "the message names the mappings there are")
}

// TestUploadWithCharset: ?charset= reads a file in a code page it does not declare (here an MT940 in
// Windows-1250, "Zapłata za fakturę", that would be read as Windows-1254); an unknown name is 400.
func TestUploadWithCharset(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	file := mt940(":61:2601150115D640,00NTRFINV-7", ":86:Zap\xb3ata za faktur\xea INV-7")
	text := func(query string) string { return f.uploadOne(t, file, query).Remittance }
	assert.Equal(t, "Zap³ata za fakturê INV-7", text(""), "taken as Windows-1254 without it")
	assert.Equal(t, "Zapłata za fakturę INV-7", text("?charset=windows-1250"))

	run := f.run(t, f.env.Workspace.ID, f.env.Own.ID, "")
	r := f.upload(f.rw, run.ID, file, "?charset=klingon")
	require.Equal(t, http.StatusBadRequest, r.Status)
	e := r.err(t)
	assert.Equal(t, httpapi.CodeInvalidParameter, e.Code)
	assert.Equal(t, "charset", e.Param)
	assert.Contains(t, e.Message, "windows-1254")
}

// TestUploadBAI2OwnTypeCodes: a BAI2 detail with the bank's own type code is refused at its line,
// with a message that says the server's operator gives it a direction, not the client; with the
// server's decode options it is read.
func TestUploadBAI2OwnTypeCodes(t *testing.T) {
	file := "01,BANK,ACME,260115,0600,1,,,2/\n02,ACME,BANK,1,260115,,TRY/\n03," + ownIBAN + ",TRY,,/\n" +
		"16,901,64000,0,,,INV-7/\n49,64000,3/\n98,64000,1,5/\n99,64000,1,7/\n"
	serve := httpapi.ReconciliationOptions{} // how orkesta serve says its operator gives a direction
	serve.Decode.TypeCodeHelp = func(codes []string) string { return "orkesta serve: --type-code " + codes[0] + "=credit" }
	f := newReconFixture(t, serve)
	run := f.run(t, f.env.Workspace.ID, f.env.Own.ID, "")
	r := f.upload(f.rw, run.ID, file, "")
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
	e := r.err(t)
	assert.Equal(t, httpapi.CodeStatementInvalid, e.Code)
	assert.Equal(t, "line 4", e.Param)
	assert.Contains(t, e.Message, "901: the bank's own code")
	assert.Contains(t, e.Message, "its operator gives each a direction (orkesta serve: --type-code 901=credit)")
	assert.NotContains(t, e.Message, "Options.")

	opts := httpapi.ReconciliationOptions{}
	opts.Decode.BAI2.TypeCodes = map[string]reconcile.Direction{"901": reconcile.Credit}
	f = newReconFixture(t, opts)
	got := f.uploadOne(t, file, "")
	assert.Equal(t, reconcile.Credit, got.Direction)
	assert.Equal(t, int64(64000), got.Amount)
}

// TestRunKeepsStatementWarnings: a statement whose balances do not add up is not only in the upload's
// answer: the run keeps its warning (once, however often the statement is uploaded), GET of the run
// gives it, and the run's JSON and XLSX reports name the statement with the difference, as the
// offline report does.
func TestRunKeepsStatementWarnings(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	f.pay(t, 64000, "INV-W-1", payment.StatusSettled)
	// 100000.00 − 640.00 is 99360.00; the bank says 99350.00.
	file := strings.Replace(mt940(":61:2601150115D640,00NTRFINV-W-1", ":86:Fatura INV-W-1"), "-\r\n",
		":62F:C260115TRY99350,00\r\n-\r\n", 1)
	run := f.run(t, f.env.Workspace.ID, f.env.Own.ID, "")
	for range 2 {
		r := f.upload(f.rw, run.ID, file, "")
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		var up httpapi.ImportResult
		r.json(t, &up)
		require.Len(t, up.Statements, 1)
		require.Len(t, up.Statements[0].Warnings, 1)
		require.Equal(t, int64(-1000), up.Statements[0].Warnings[0].Difference)
	}
	want := "statement STMT0115/1/1: opening balance 100000.00 plus entries -640.00 is 99360.00, but the closing " +
		"balance is 99350.00; difference (closing − opening − entries): -10.00 TRY"
	path := runsPath + "/" + string(run.ID)

	r := f.get(f.ro, path)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.run(t)
	require.Len(t, got.StatementWarnings, 1, "once, though uploaded twice")
	w := got.StatementWarnings[0]
	assert.Equal(t, "STMT0115/1/1", w.Statement)
	assert.Equal(t, payment.Currency("TRY"), w.Currency)
	assert.Equal(t, "balance_mismatch", w.Code)
	assert.Equal(t, int64(-1000), w.Difference)
	assert.Equal(t, "opening balance 100000.00 plus entries -640.00 is 99360.00, but the closing balance is 99350.00", w.Message)

	r = f.get(f.ro, path+"/report")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var rep reconcile.Report
	r.json(t, &rep)
	assert.Equal(t, []string{want}, rep.Summary.Warnings)

	r = f.get(f.ro, path+"/report?format=xlsx")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	require.NoError(t, err, "an XLSX file is a zip")
	var all strings.Builder
	for _, zf := range zr.File {
		rc, err := zf.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		all.Write(b)
	}
	assert.Contains(t, all.String(), want, "the Summary sheet gives the warning")
}

// TestReviewNamesTheProposalSeen: an approve or reject with expected_payment_ids, the payments of the
// proposal its caller saw, is 409 proposal_changed, naming what is proposed now, when someone
// rejected that proposal meanwhile and another was proposed; before, the click approved a payment
// the person never saw. With the proposal there now, it is done.
func TestReviewNamesTheProposalSeen(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	first := f.pay(t, 125000, "A-1", payment.StatusSettled)
	second := f.pay(t, 125000, "A-2", payment.StatusSettled)
	run := f.run(t, f.env.Workspace.ID, f.env.Own.ID, mt940(":61:2601150115D1250,00NTRFNONREF", ":86:EFT odemesi"))
	fp := run.Entries[0].Entry.Fingerprint
	path := runsPath + "/" + string(run.ID) + "/entries/" + fp + "/"
	got := f.get(f.ro, runsPath+"/"+string(run.ID)).run(t)
	require.Equal(t, []payment.ID{first.ID}, got.Entries[0].Decision.PaymentIDs)
	seen := `{"expected_payment_ids":["` + string(first.ID) + `"]}`

	r := f.post(f.rw, path+"reject", seen) // one reviewer rejects what both saw
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	require.Equal(t, []payment.ID{second.ID}, r.review(t).Entry.Decision.PaymentIDs)

	for _, action := range []string{"approve", "reject"} {
		r = f.post(f.rw, path+action, seen) // the other clicks on what they saw
		require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)
		e := r.err(t)
		assert.Equal(t, httpapi.CodeProposalChanged, e.Code)
		assert.Equal(t, "entry "+fp+" (line 5) proposes "+string(second.ID)+" now, not "+string(first.ID)+
			": look at the new proposal before you "+action+" it", e.Message)
	}
	after := f.get(f.ro, runsPath+"/"+string(run.ID)).run(t)
	assert.Equal(t, reconcile.StateProposed, after.Entries[0].Decision.State, "nothing changed")
	assert.Equal(t, []payment.ID{second.ID}, after.Entries[0].Decision.PaymentIDs)

	r = f.post(f.rw, path+"approve", `{"expected_payment_ids":["`+string(second.ID)+`"],"note":"seen"}`)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, reconcile.StateMatched, r.review(t).Entry.Decision.State)
}

// TestUploadRetriedWithAnotherQuery: the query string is part of what a key stands for: the same
// statement sent again under one key with another ?currency= is another request, refused, not
// answered with the first one's result; the same query in another order is the same request.
func TestUploadRetriedWithAnotherQuery(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	sc := f.scenario(t)
	up := runsPath + "/" + string(sc.run) + "/statements"
	file := mt940(":61:2601160116D7,50NCHGNONREF", ":86:EFT masrafi")
	send := func(query string) resp {
		body, ctype := form(t, [3]string{"file", "ocak.sta", file})
		return f.do(req{method: "POST", path: up + query, key: f.rw, body: body, contentType: ctype,
			header: map[string]string{"Idempotency-Key": "query-upload-1"}})
	}
	first := send("?currency=TRY&charset=utf-8")
	require.Equal(t, http.StatusOK, first.Status, "%s", first.Body)
	again := send("?charset=utf-8&currency=TRY")
	require.Equal(t, http.StatusOK, again.Status, "%s", again.Body)
	assert.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	other := send("?currency=EUR&charset=utf-8")
	require.Equal(t, http.StatusUnprocessableEntity, other.Status, "%s", other.Body)
	assert.Equal(t, httpapi.CodeIdempotencyKeyReused, other.err(t).Code)
}

// TestDatesOutOfRangeSayTheRange: a value date or a run date that is a well-formed day before
// 1970-01-01 is refused with the range of dates kept, not as a text that is not YYYY-MM-DD.
func TestDatesOutOfRangeSayTheRange(t *testing.T) {
	f := newReconFixture(t, httpapi.ReconciliationOptions{})
	good := `{"account":"` + string(f.env.Own.ID) + `","from":"2026-01-01","to":"2026-01-31"}`
	tests := []struct{ name, path, body, param, msg string }{
		{"value date before 1970", "/v1/payments", f.paymentBody(func(m map[string]any) { m["value_date"] = "1969-12-31" }),
			"value_date", "value_date must be a date from 1970-01-01 to 9999-12-31"},
		{"value date not a day", "/v1/payments", f.paymentBody(func(m map[string]any) { m["value_date"] = "2026-02-30" }),
			"value_date", "value_date must be a calendar date written YYYY-MM-DD"},
		{"run from before 1970", runsPath, strings.Replace(good, "2026-01-01", "1969-12-01", 1),
			"from", "from must be a date from 1970-01-01 to 9999-12-31"},
		{"run to before 1970", runsPath, strings.Replace(good, "2026-01-31", "0001-01-31", 1),
			"to", "to must be a date from 1970-01-01 to 9999-12-31"},
		{"run to not a day", runsPath, strings.Replace(good, "2026-01-31", "2026-01-32", 1),
			"to", "to must be a calendar date written YYYY-MM-DD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.post(f.rw, tc.path, tc.body)
			require.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
			e := r.err(t)
			assert.Equal(t, tc.param, e.Param)
			assert.Equal(t, tc.msg, e.Message)
		})
	}
}
