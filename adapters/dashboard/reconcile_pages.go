package dashboard

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/bai2"
	"github.com/orkesta/orkesta/reconcile/detect"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

func (h *Handler) reconcileRoutes(m *http.ServeMux) {
	if h.opts.Reconcile == nil {
		return
	}
	m.Handle("GET /reconciliation", h.auth(payment.ScopeReadOnly, h.reconcilePage))
	m.Handle("POST /reconciliation/runs", h.auth(payment.ScopeReadWrite, h.reconcileStart))
	m.Handle("GET /reconciliation/runs/{id}", h.auth(payment.ScopeReadOnly, h.runPage))
	m.Handle("POST /reconciliation/runs/{id}/review", h.auth(payment.ScopeReadWrite, h.runReview))
	m.Handle("POST /reconciliation/runs/{id}/finalize", h.auth(payment.ScopeReadWrite, h.runFinalize))
	m.Handle("GET /reconciliation/runs/{id}/{file}", h.auth(payment.ScopeReadOnly, h.runReport))
}

// bar is one run in the match-rate chart.
type bar struct {
	X, Y, W, H int
	Label      string
	Rate       string
	Href       string
}

type chartView struct {
	Width, Height int
	Bars          []bar
	Grid          []struct {
		Y     int
		Label string
	}
}

// matchChart draws the match rate of up to the last 12 runs, oldest on the left, as inline SVG.
func matchChart(runs []RunInfo) *chartView {
	if len(runs) == 0 {
		return nil
	}
	n := min(len(runs), 12)
	const barW, gap, top, plot, left = 34, 16, 22, 120, 36
	c := &chartView{Width: left + n*(barW+gap) + gap, Height: top + plot + 34}
	for _, pct := range []int{0, 50, 100} {
		c.Grid = append(c.Grid, struct {
			Y     int
			Label string
		}{Y: top + plot - plot*pct/100, Label: strconv.Itoa(pct) + "%"})
	}
	for i := 0; i < n; i++ {
		r := runs[n-1-i] // runs are newest first
		hgt := int(r.Summary.MatchRate*float64(plot) + 0.5)
		c.Bars = append(c.Bars, bar{X: left + gap + i*(barW+gap), Y: top + plot - hgt, W: barW, H: hgt,
			Label: r.From.String()[5:], Rate: percent(r.Summary.MatchRate),
			Href: "/reconciliation/runs/" + r.ID})
	}
	return c
}

type reconcileView struct {
	// Token travels with the new run's form: the same form posted twice with the same file and
	// fields (a double click, a browser that sends it again) starts one run, not two.
	Token    string
	Runs     []RunInfo
	Accounts []payment.Account
	Names    map[payment.AccountID]string
	Chart    *chartView
	Values   map[string]string
	Errors   map[string]string
	Problems []string // the statement's parse errors, one per line
	// Others are refusals of fields the form has no place for, shown above it.
	Others []string
	// Mappings are the column mappings a CSV or XLSX file can be read with (the server's own, then
	// the presets); none when Options.Decode reads uploads.
	Mappings []mappingChoice
	// Charsets are the character sets an MT940, camt.053 or CSV file can be read in; none when
	// Options.Decode reads uploads.
	Charsets []string
}

type mappingChoice struct {
	Name    string
	BuiltIn bool // a preset of reconcile/tabular, not one of the server's mapping files
}

func (h *Handler) reconcileView(r *http.Request, s *session) (*reconcileView, error) {
	runs, err := h.opts.Reconcile.Runs(r.Context(), s.ws)
	if err != nil {
		return nil, err
	}
	names, accounts, err := h.accountNames(r, s.ws)
	if err != nil {
		return nil, err
	}
	var own []payment.Account
	for _, a := range accounts {
		if a.Type == payment.AccountInternal {
			own = append(own, a)
		}
	}
	// This month so far, on the service's calendar (payment.Options.Location): at 01:30 on 1 February
	// in Istanbul that is 1 February, not the January UTC is still in.
	today := payment.DateOf(h.now().In(h.svc.Location()))
	y, m, _ := today.Civil()
	v := &reconcileView{Runs: runs, Accounts: own, Names: names, Chart: matchChart(runs),
		Values: map[string]string{"from": payment.NewDate(y, m, 1).String(), "to": today.String(), "window": "0"},
		Errors: map[string]string{}}
	if h.opts.Decode == nil {
		opts := h.opts.DecodeOptions
		for _, name := range opts.MappingNames() { // the server's own, then the presets they do not hide
			v.Mappings = append(v.Mappings, mappingChoice{Name: name, BuiltIn: opts.IsPreset(name)})
		}
		v.Charsets = tabular.Charsets()
	}
	return v, nil
}

func (h *Handler) reconcilePage(w http.ResponseWriter, r *http.Request, s *session) {
	v, err := h.reconcileView(r, s)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	v.Token = randomToken()
	h.show(w, r, s, http.StatusOK, "reconciliation", "Reconciliation", "reconciliation", v)
}

func (h *Handler) reconcileStart(w http.ResponseWriter, r *http.Request, s *session) {
	v, err := h.reconcileView(r, s)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	v.Token = r.PostFormValue("token") // shown again with the form's problems: nothing was started
	if !validUploadToken(v.Token) {
		v.Token = randomToken()
	}
	var started *againChoice // the run this form started with this file and these fields
	for _, k := range []string{"account", "from", "to", "window", "mapping", "charset"} {
		v.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	decodeOpts := h.opts.DecodeOptions
	if m := v.Values["mapping"]; m != "" && h.opts.Decode == nil && decodeOpts.UseMapping(m) != nil {
		v.Errors["mapping"] = "Choose one of the column mappings, or let the file's header decide."
	}
	if cs := v.Values["charset"]; cs != "" && h.opts.Decode == nil {
		if tabular.CheckCharset(cs) != nil {
			v.Errors["charset"] = "Choose one of the character sets, or let the file decide."
		} else {
			decodeOpts.Charset = cs
		}
	}
	req := StartRequest{Account: payment.AccountID(v.Values["account"]), Actor: "dashboard:" + s.keyID}
	if req.From, err = payment.ParseDate(v.Values["from"]); errors.Is(err, payment.ErrDateOutOfRange) {
		v.Errors["period"] = "Enter a start date from 1970-01-01 to 9999-12-31."
	} else if err != nil {
		v.Errors["period"] = "Enter the start date as YYYY-MM-DD."
	}
	if req.To, err = payment.ParseDate(v.Values["to"]); errors.Is(err, payment.ErrDateOutOfRange) {
		v.Errors["period"] = "Enter an end date from 1970-01-01 to 9999-12-31."
	} else if err != nil {
		v.Errors["period"] = "Enter the end date as YYYY-MM-DD."
	}
	if req.DateWindow, err = strconv.Atoi(v.Values["window"]); err != nil {
		v.Errors["window"] = "Enter a whole number of days."
	}
	file, hdr, err := r.FormFile("statement")
	if err != nil {
		v.Errors["statement"] = "Choose the statement file (MT940, camt.053, BAI2, CSV or XLSX)."
	} else {
		defer func() { _ = file.Close() }()
		req.FileName = hdr.Filename
		data, err := io.ReadAll(file)
		if err != nil {
			h.serverError(w, r, s, err)
			return
		}
		if token := r.PostFormValue("token"); validUploadToken(token) {
			started = s.uploads.choice(fmt.Sprintf("run %s %x %q", token, sha256.Sum256(data), []string{v.Values["account"],
				v.Values["from"], v.Values["to"], v.Values["window"], v.Values["mapping"], v.Values["charset"]}))
		}
		req.Statements, err = h.decode(r.Context(), s.ws, req.Account, data, decodeOpts)
		if err != nil {
			v.Errors["statement"] = "The file could not be read as a statement:"
			for i, e := range unjoin(err) {
				if i == 20 {
					v.Problems = append(v.Problems, "…")
					break
				}
				v.Problems = append(v.Problems, e.Error())
			}
			if codes := bai2.OwnTypeCodes(err); len(codes) > 0 {
				v.Problems = append(v.Problems, capitalize(decodeOpts.TypeCodeAdvice(codes))+".")
			}
		}
	}
	if len(v.Errors) == 0 {
		err := h.statementsFit(r.Context(), s.ws, req.Account, req.Statements)
		outside, total := datedOutside(req.Statements, req.From, req.To)
		if err == nil && total > 0 && outside == total && req.From <= req.To {
			err = &payment.ValidationError{Field: "period", Reason: fmt.Sprintf("none of the file's %d entries is dated "+
				"within %s – %s: choose the period the statement covers", total, req.From, req.To)}
		}
		if err == nil && started != nil {
			started.mu.Lock() // held until the run is started: the same form sent at once waits for it
			defer started.mu.Unlock()
			if started.run != "" {
				h.redirect(w, r, s, "/reconciliation/runs/"+started.run, "This form already started this run; "+
					"no other was started. To start another run of the file, upload it from the Reconciliation page.")
				return
			}
		}
		var info RunInfo
		if err == nil {
			info, err = h.opts.Reconcile.Start(r.Context(), s.ws, req)
		}
		if err == nil && started != nil {
			started.run = info.ID
		}
		if err == nil {
			note := statementNotes(req.Statements)
			if outside > 0 {
				note = fmt.Sprintf(" %d of the file's %d entries are dated outside the period and were left out.%s",
					outside, total, note)
			}
			h.opts.Logger.Info("dashboard: reconciliation run", "run", info.ID, "by", s.keyID)
			h.redirect(w, r, s, "/reconciliation/runs/"+info.ID, fmt.Sprintf("Run ready: %d entries, %s matched.%s",
				info.Summary.Entries, percent(info.Summary.MatchRate), note))
			return
		}
		var overlap *reconcile.RunOverlapError
		fe := payment.FieldErrors(err)
		switch {
		case errors.As(err, &overlap): // another run of the account covers some of the period
			addFieldError(v.Errors, "period", capitalize(plain(overlap))+".")
		case len(fe) == 0:
			h.serverError(w, r, s, err)
			return
		}
		for _, e := range fe {
			v.refuse(e)
		}
	}
	h.show(w, r, s, http.StatusUnprocessableEntity, "reconciliation", "Reconciliation", "reconciliation", v)
}

// refuse shows a refusal of the run under the form's field it is about: the service names the
// period's "from" and "to" and each statement ("statements[0].currency"); a field the form has no
// place for is shown above the form with its name, so that no refusal goes unseen.
func (v *reconcileView) refuse(e *payment.ValidationError) {
	text := capitalize(e.Reason) + "."
	field := e.Field
	switch {
	case field == "from" || field == "to":
		field = "period"
	case strings.HasPrefix(field, "statements[") || field == "statements":
		field = "statement"
	case !slices.Contains([]string{"account", "window", "date_window", "period", "statement", "mapping", "charset"}, field):
		if text = capitalize(field) + ": " + e.Reason + "."; !slices.Contains(v.Others, text) {
			v.Others = append(v.Others, text)
		}
		return
	}
	addFieldError(v.Errors, field, text)
}

// statementsFit refuses statements of another account or currency than the run's account
// (reconcile.CheckStatements, the rule Import applies) before the run is created: the service refuses
// them only after storing the new run, which would leave an empty run behind.
func (h *Handler) statementsFit(ctx context.Context, ws payment.WorkspaceID, account payment.AccountID, sts []reconcile.Statement) error {
	acct, err := h.svc.GetAccount(ctx, ws, account)
	if errors.Is(err, payment.ErrNotFound) {
		return nil // the Reconciler refuses the account itself, before it stores anything
	}
	if err != nil {
		return err
	}
	return reconcile.CheckStatements(&acct, sts)
}

// datedOutside counts the entries of sts that a run for from–to leaves out, as reconcile.Service's
// Import does: those whose booking date (without one, value date) is outside the period; and all
// the entries. A file none of whose entries is in the period is refused before the run is created,
// rather than leaving an empty run behind.
func datedOutside(sts []reconcile.Statement, from, to payment.Date) (outside, total int) {
	for i := range sts {
		for _, e := range sts[i].Entries {
			total++
			d := e.BookingDate
			if d == 0 {
				d = e.ValueDate
			}
			if d != 0 && (d < from || d > to) {
				outside++
			}
		}
	}
	return outside, total
}

// statementNotes is what the statements of an upload warn of (a balance that does not add up, a
// character set guessed), each once, as sentences that follow the flash message of the new run.
func statementNotes(sts []reconcile.Statement) string {
	var notes []string
	for _, st := range sts {
		for _, w := range st.Warnings {
			text := capitalize(strings.TrimSuffix(w.Message, "."))
			if w.Code == reconcile.WarningCharset {
				text += "; if its letters look wrong, choose its character set and upload it again"
			}
			if !slices.Contains(notes, text) {
				notes = append(notes, text)
			}
		}
	}
	if len(notes) == 0 {
		return ""
	}
	return " " + strings.Join(notes, ". ") + "."
}

type runView struct {
	Info     RunInfo
	Report   *reconcile.Report
	Account  string
	Section  string
	Page     int  // of the section's own view, as asked (window keeps it in range)
	Open     int  // items that block finalizing
	CanWrite bool // the entries can be reviewed: the run is open and the key may write
	// CanFinalize: the key may write and the run is open, or finalizing (a Finalize that stopped
	// part-way, which Finalize finishes).
	CanFinalize bool
	Finalized   bool
	Names       map[payment.AccountID]string
	// The rows each section shows: a few in the overview, a page of them in the section's own view.
	Exact, Fuzzy      rows[reconcile.Match]
	Unmatched         rows[reconcile.UnmatchedEntry]
	UnmatchedPayments rows[reconcile.UnmatchedPayment]
	Anomalies         rows[reconcile.Anomaly]
}

// Rows a run page shows of a section: in the overview (all sections), overviewRows of each; in a
// section's own view, pages of sectionRows. A month of a busy account has thousands of entries,
// and a page of all of them is megabytes of HTML that nobody reads: the reports have every row.
const (
	overviewRows = 50
	sectionRows  = 500
)

// rows is the part of one section's rows a run page shows, and where the rest are.
type rows[T any] struct {
	Shown      []T
	Total      int
	First      int // the 1-based numbers of the first and last rows shown
	Last       int
	All        string // the section's own view, when the overview leaves rows out
	Prev, Next string // the section's pages around this one
}

// window picks the rows of section name that the page shows: the first overviewRows when the page
// is the overview (section ""), else page (1-based) of sectionRows when the page is that section's.
func window[T any](all []T, name, section string, page int) rows[T] {
	r := rows[T]{Total: len(all)}
	switch section {
	case "":
		r.Shown = all[:min(len(all), overviewRows)]
		if len(all) > overviewRows {
			r.All = "?section=" + name
		}
	case name:
		pages := max(1, (len(all)+sectionRows-1)/sectionRows)
		page = min(max(page, 1), pages)
		lo := (page - 1) * sectionRows
		r.Shown, r.First = all[lo:min(len(all), lo+sectionRows)], lo
		if page > 1 {
			r.Prev = fmt.Sprintf("?section=%s&page=%d", name, page-1)
		}
		if page < pages {
			r.Next = fmt.Sprintf("?section=%s&page=%d", name, page+1)
		}
	}
	r.First, r.Last = r.First+1, r.First+len(r.Shown)
	return r
}

func (h *Handler) runPage(w http.ResponseWriter, r *http.Request, s *session) {
	info, rep, err := h.opts.Reconcile.Run(r.Context(), s.ws, r.PathValue("id"))
	if errors.Is(err, payment.ErrNotFound) {
		h.notFound(w, r, s)
		return
	}
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	names, _, err := h.accountNames(r, s.ws)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	v := &runView{Info: info, Report: rep, Account: names[info.Account], Section: r.URL.Query().Get("section"),
		CanWrite: s.scope.Allows(payment.ScopeReadWrite) && info.Status == RunOpen, Finalized: info.Status == RunFinalized,
		Names: names}
	v.CanFinalize = s.scope.Allows(payment.ScopeReadWrite) && !v.Finalized
	switch v.Section {
	case "", "exact", "fuzzy", "unmatched", "anomalies":
	default:
		v.Section = ""
	}
	var exact, fuzzy []reconcile.Match
	for _, m := range rep.Matches {
		// By score, as the report's summary and sections count them: an entry mapped by hand on
		// which every criterion agrees is exact there, and here.
		if m.Score == reconcile.ScoreExact {
			exact = append(exact, m)
		} else {
			fuzzy = append(fuzzy, m)
		}
		if m.Review == reconcile.ReviewPending {
			v.Open++
		}
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	v.Page = page
	v.Exact = window(exact, "exact", v.Section, page)
	v.Fuzzy = window(fuzzy, "fuzzy", v.Section, page)
	v.Unmatched = window(rep.UnmatchedEntries, "unmatched", v.Section, page)
	v.UnmatchedPayments = window(rep.UnmatchedPayments, "unmatched", v.Section, page)
	v.Anomalies = window(rep.Anomalies, "anomalies", v.Section, page)
	for _, u := range rep.UnmatchedEntries {
		if !u.Dismissed {
			v.Open++
		}
	}
	for _, a := range rep.Anomalies {
		if !a.Dismissed {
			v.Open++
		}
	}
	h.show(w, r, s, http.StatusOK, "run", "Reconciliation run", "reconciliation", v)
}

func (h *Handler) runReview(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	back := "/reconciliation/runs/" + id
	if sec := r.PostFormValue("section"); sec != "" {
		back += "?section=" + urlEscape(sec)
		if page, err := strconv.Atoi(r.PostFormValue("page")); err == nil && page > 1 {
			back += "&page=" + strconv.Itoa(page) // the page the form was on
		}
	}
	a := ReviewAction{Kind: ReviewKind(r.PostFormValue("action")), Entry: r.PostFormValue("entry"),
		Note: strings.TrimSpace(r.PostFormValue("note")), Actor: "dashboard:" + s.keyID}
	if p := strings.TrimSpace(r.PostFormValue("payment")); p != "" {
		pid, err := payment.ParseID(p)
		if err != nil {
			h.redirectError(w, r, s, back, "“"+p+"” is not a payment id (pay_…).")
			return
		}
		a.Payment = pid
	} else if a.Kind == ReviewMap {
		h.redirectError(w, r, s, back, "Choose the payment the entry books.")
		return
	}
	if a.Kind == ReviewApprove || a.Kind == ReviewReject {
		for _, p := range r.PostForm["expected"] { // the proposal the page showed
			pid, err := payment.ParseID(strings.TrimSpace(p))
			if err != nil {
				h.redirectError(w, r, s, back, "“"+p+"” is not a payment id (pay_…).")
				return
			}
			a.Expected = append(a.Expected, pid)
		}
	}
	a.Note = clip(a.Note, 200) // the form's maxlength
	err := h.opts.Reconcile.Review(r.Context(), s.ws, id, a)
	var na *payment.NotAllowedError
	switch {
	case err == nil:
		done := map[ReviewKind]string{ReviewApprove: "Match approved.", ReviewReject: "Match rejected; the entry was matched again without that payment.",
			ReviewMap: "Entry mapped to the payment.", ReviewDismiss: "Entry resolved without a payment.",
			ReviewUnmatch: "Match undone."}[a.Kind]
		h.redirect(w, r, s, back, done)
	case errors.Is(err, payment.ErrNotFound) && len(payment.FieldErrors(err)) == 0:
		h.notFound(w, r, s)
	case errors.As(err, &na):
		h.redirectError(w, r, s, back, capitalize(na.Reason)+".")
	case len(payment.FieldErrors(err)) > 0:
		h.redirectError(w, r, s, back, "Not done: "+ErrorText(err)+".")
	case errors.Is(err, payment.ErrInvalidTransition), errors.Is(err, payment.ErrConflict):
		h.redirectError(w, r, s, back, "Not done: "+plain(err)+".")
	default:
		h.serverError(w, r, s, err)
	}
}

// plain is an error message without its package prefix.
func plain(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i > 0 && !strings.Contains(msg[:i], " ") {
		msg = msg[i+2:]
	}
	return msg
}

func (h *Handler) runFinalize(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	back := "/reconciliation/runs/" + id
	info, err := h.opts.Reconcile.Finalize(r.Context(), s.ws, id, "dashboard:"+s.keyID)
	var na *payment.NotAllowedError
	switch {
	case err == nil:
		h.opts.Logger.Info("dashboard: reconciliation finalized", "run", id, "by", s.keyID)
		h.redirect(w, r, s, back, fmt.Sprintf("Run finalized: %d payments are reconciled.", info.Summary.MatchedPayments))
	case errors.Is(err, payment.ErrNotFound) && len(payment.FieldErrors(err)) == 0:
		h.notFound(w, r, s)
	case errors.As(err, &na):
		h.redirectError(w, r, s, back, capitalize(na.Reason)+".")
	case len(payment.FieldErrors(err)) > 0:
		h.redirectError(w, r, s, back, "Not finalized: "+ErrorText(err)+".")
	case errors.Is(err, payment.ErrInvalidTransition), errors.Is(err, payment.ErrConflict):
		h.redirectError(w, r, s, back, "Not finalized: "+plain(err)+".")
	default:
		h.serverError(w, r, s, err)
	}
}

func (h *Handler) runReport(w http.ResponseWriter, r *http.Request, s *session) {
	id, format := r.PathValue("id"), strings.TrimPrefix(r.PathValue("file"), "report.")
	var ct string
	switch r.PathValue("file") {
	case "report.xlsx":
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "report.json":
		ct = "application/json"
	case "report.csv":
		ct = "text/csv; charset=utf-8"
	default:
		h.notFound(w, r, s)
		return
	}
	var buf bytes.Buffer
	err := h.opts.Reconcile.WriteReport(r.Context(), s.ws, id, format, &buf)
	if errors.Is(err, payment.ErrNotFound) {
		h.notFound(w, r, s)
		return
	}
	if errors.Is(err, ErrNoXLSX) {
		h.redirectError(w, r, s, "/reconciliation/runs/"+id, "XLSX reports are not available in this build; download CSV or JSON.")
		return
	}
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="reconciliation-`+id+`.`+format+`"`)
	_, _ = buf.WriteTo(w)
}

func urlEscape(s string) string {
	switch s {
	case "exact", "fuzzy", "unmatched", "anomalies":
		return s
	}
	return ""
}

// decode reads an uploaded statement with Options.Decode, or by default with reconcile/detect and
// opts (Options.DecodeOptions, with the mapping the form chose), in the currency of the run's
// account when a CSV or XLSX file names none.
func (h *Handler) decode(ctx context.Context, ws payment.WorkspaceID, account payment.AccountID, data []byte, opts detect.Options) ([]reconcile.Statement, error) {
	if h.opts.Decode != nil {
		return h.opts.Decode(bytes.NewReader(data), int64(len(data)))
	}
	opts.DefaultCurrency(func() payment.Currency {
		acct, _ := h.svc.GetAccount(ctx, ws, account) // none: the file must say its currency
		return acct.Currency
	})
	_, sts, err := detect.Decode(bytes.NewReader(data), int64(len(data)), opts)
	return sts, err
}
