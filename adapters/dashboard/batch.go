package dashboard

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
)

type batchRow struct {
	Line    int
	Status  string // created, failed, not_attempted
	Payment *payment.Payment
	// Replayed: an earlier upload of the same file created the payment, not this one.
	Replayed bool
	Error    string
}

type batchView struct {
	// Token travels with the upload form: with "again" ticked, the same form posted twice (a double
	// click, a browser that retries) creates the file's payments once more, not twice more.
	Token    string
	FileName string
	Error    string
	Rows     []batchRow
	Created  int
	Replayed int
	Failed   int
	Totals   []payment.Total
	BatchIDs []payment.BatchID
	// FailedCSV is the failed rows as a CSV, posted back to /batch/failed.csv to download.
	FailedCSV string
}

func (h *Handler) batchPage(w http.ResponseWriter, r *http.Request, s *session) {
	h.show(w, r, s, http.StatusOK, "batch", "Batch upload", "batch", &batchView{Token: randomToken()})
}

// validUploadToken reports whether t looks like a token randomToken made.
func validUploadToken(t string) bool {
	if len(t) < 16 || len(t) > 64 {
		return false
	}
	for _, c := range t {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ErrorText renders an error for a person: field problems joined with "; ", without package prefixes.
func ErrorText(err error) string {
	if fe := payment.FieldErrors(err); len(fe) > 0 {
		parts := make([]string, len(fe))
		for i, e := range fe {
			parts[i] = e.Field + ": " + e.Reason
		}
		return strings.Join(parts, "; ")
	}
	var ce *CSVError
	if errors.As(err, &ce) {
		var parts []string
		for _, e := range unjoin(err) {
			switch {
			case !errors.As(e, &ce):
			case ce.Column == "": // the row as a whole
				parts = append(parts, ce.Reason)
			default:
				parts = append(parts, ce.Column+": "+ce.Reason)
			}
		}
		return strings.Join(parts, "; ")
	}
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "dashboard: "), "payment: ")
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// batchUpload creates the payments of an uploaded CSV. Uploading the same file again (a double
// click, a browser that sends the form again, a second upload after a lost answer) creates nothing
// twice: the rows' idempotency keys come from the file's content (see SubmitCSV), and the rows an
// earlier upload created are shown as such. Creating them once more takes the "again" box, whose
// keys come from the form's token as well (see againPrefix).
func (h *Handler) batchUpload(w http.ResponseWriter, r *http.Request, s *session) {
	// The page shown next holds a new form: uploading from it is a new upload.
	v := &batchView{Token: randomToken()}
	again := r.PostFormValue("again") != ""
	token := r.PostFormValue("token")
	if again && !validUploadToken(token) {
		v.Error = "This form is out of date: upload the file again from this page."
		h.show(w, r, s, http.StatusUnprocessableEntity, "batch", "Batch upload", "batch", v)
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		v.Error = "Choose a CSV file to upload."
		h.show(w, r, s, http.StatusUnprocessableEntity, "batch", "Batch upload", "batch", v)
		return
	}
	defer func() { _ = file.Close() }()
	v.FileName = hdr.Filename
	f, err := ReadPaymentsCSV(file)
	if err != nil {
		v.Error = err.Error()
		h.show(w, r, s, http.StatusUnprocessableEntity, "batch", "Batch upload", "batch", v)
		return
	}
	opts := batch.Options{Actor: "dashboard:" + s.keyID}
	if again {
		if opts.IdempotencyKey, err = h.againPrefix(r.Context(), s, f, token); err != nil {
			h.serverError(w, r, s, err)
			return
		}
	}
	res, err := SubmitCSV(r.Context(), h.svc, s.ws, f, opts)
	status := http.StatusOK
	if err != nil {
		v.Error, status = ErrorText(err), http.StatusUnprocessableEntity
		if res == nil { // nothing was sent
			h.show(w, r, s, status, "batch", "Batch upload", "batch", v)
			return
		}
		// Part of the file was sent: its rows are shown with the error, the rows not sent as failed.
	}
	failed := map[int]string{}
	for i, it := range res.Items {
		row := batchRow{Line: f.Rows[i].Line, Status: string(it.Status), Payment: it.Payment, Replayed: it.Replayed}
		switch {
		case it.Err != nil:
			row.Error = ErrorText(it.Err)
			failed[i] = row.Error
			v.Failed++
		case it.Replayed:
			v.Replayed++
		default:
			v.Created++
		}
		v.Rows = append(v.Rows, row)
	}
	v.Totals, v.BatchIDs = res.Totals, res.BatchIDs
	if len(failed) > 0 {
		var buf bytes.Buffer
		if err := WriteFailedCSV(&buf, f, failed); err != nil {
			h.serverError(w, r, s, err)
			return
		}
		v.FailedCSV = buf.String()
	}
	attrs := []any{"created", v.Created, "replayed", v.Replayed, "failed", v.Failed, "again", again, "by", s.keyID}
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	h.opts.Logger.Info("dashboard: batch uploaded", attrs...)
	h.show(w, r, s, status, "batch", "Batch upload", "batch", v)
}

// againPrefix returns the opts.IdempotencyKey for SubmitCSV of f uploaded with "again" ticked, from
// the form that carried token. When no payment holds any of the keys the file's rows get from its
// content, the file was not uploaded before, or created nothing: it is the file's own prefix
// (CSVKeyPrefix, the keys SubmitCSV gives it without "again"), so that a later upload of the file
// without "again" finds its payments instead of creating them a second time. Otherwise it is the file's prefix with ":again:" and the token, keys of that form's own.
//
// The session remembers the answer for the form and file, so that the same form sent twice, or at
// once (a double click), gets the same keys, and creates the payments once.
func (h *Handler) againPrefix(ctx context.Context, s *session, f *CSVFile, token string) (string, error) {
	fileKeys := CSVKeyPrefix(f)
	c := s.uploads.choice(token + " " + fileKeys)
	if c != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.decided {
			return c.prefix, nil
		}
	}
	prefix := fileKeys
	for i := range f.Rows {
		if !derivedKey(&f.Rows[i]) {
			continue // not sent, or keyed by the row itself
		}
		_, err := h.svc.Store().GetPaymentByKey(ctx, s.ws, rowKey(fileKeys, i))
		if err == nil {
			prefix = fileKeys + ":again:" + token
			break
		}
		if !errors.Is(err, payment.ErrNotFound) {
			return "", err
		}
	}
	if c != nil {
		c.prefix, c.decided = prefix, true
	}
	return prefix, nil
}

// maxAgainChoices bounds the "again" uploads a session remembers (see againPrefix). A form sent again
// after the session forgot its choice would create its payments a second time, so the bound is far
// beyond what one session uploads: the session keeps every choice for its life in practice. An entry
// is small, a key and a prefix of under 140 bytes each (about 0.5 KB with the map's and the order's
// share), so a session that reaches the bound holds about 2 MB; the bound is there only so
// that a script uploading without end cannot grow it further.
const maxAgainChoices = 4096

// againChoices is what a session remembers of its uploads: for a batch form's token and a file
// uploaded with "again", the key prefix chosen; for a reconciliation form's token, a file and the
// form's fields, the run they started. Safe for concurrent use; shared by the copies of a session.
type againChoices struct {
	mu    sync.Mutex
	m     map[string]*againChoice
	order []string // oldest first
}

// againChoice is the prefix chosen for one form and file, or the run it started; mu is held while
// it is chosen, or the run started.
type againChoice struct {
	mu      sync.Mutex
	decided bool
	prefix  string
	run     string // the id of the run a reconciliation upload started
}

// choice returns the choice for key, new if there is none; nil when a is nil (nothing remembered).
func (a *againChoices) choice(key string) *againChoice {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.m[key]; ok {
		return c
	}
	if a.m == nil {
		a.m = make(map[string]*againChoice)
	}
	if len(a.order) >= maxAgainChoices {
		delete(a.m, a.order[0])
		a.order = a.order[1:]
	}
	c := &againChoice{}
	a.m[key] = c
	a.order = append(a.order, key)
	return c
}

func (h *Handler) batchFailed(w http.ResponseWriter, r *http.Request, _ *session) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="failed-payments.csv"`)
	_, _ = w.Write([]byte(r.PostFormValue("csv")))
}
