package dashboard

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
)

type batchRow struct {
	Line    int
	Status  string // created, failed, not_attempted
	Payment *payment.Payment
	Error   string
}

type batchView struct {
	FileName string
	Error    string
	Rows     []batchRow
	Created  int
	Failed   int
	Totals   []payment.Total
	BatchIDs []payment.BatchID
	// FailedCSV is the failed rows as a CSV, posted back to /batch/failed.csv to download.
	FailedCSV string
}

func (h *Handler) batchPage(w http.ResponseWriter, r *http.Request, s *session) {
	h.show(w, r, s, http.StatusOK, "batch", "Batch upload", "batch", &batchView{})
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
			if errors.As(e, &ce) {
				parts = append(parts, ce.Column+": "+ce.Reason)
			}
		}
		return strings.Join(parts, "; ")
	}
	return strings.TrimPrefix(err.Error(), "payment: ")
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (h *Handler) batchUpload(w http.ResponseWriter, r *http.Request, s *session) {
	v := &batchView{}
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
	res, err := SubmitCSV(r.Context(), h.svc, s.ws, f, batch.Options{Actor: "dashboard:" + s.keyID})
	if err != nil {
		v.Error = ErrorText(err)
		h.show(w, r, s, http.StatusUnprocessableEntity, "batch", "Batch upload", "batch", v)
		return
	}
	failed := map[int]string{}
	for i, it := range res.Items {
		row := batchRow{Line: f.Rows[i].Line, Status: string(it.Status), Payment: it.Payment}
		if it.Err != nil {
			row.Error = ErrorText(it.Err)
			failed[i] = row.Error
			v.Failed++
		} else {
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
	h.opts.Logger.Info("dashboard: batch uploaded", "created", v.Created, "failed", v.Failed, "by", s.keyID)
	h.show(w, r, s, http.StatusOK, "batch", "Batch upload", "batch", v)
}

func (h *Handler) batchFailed(w http.ResponseWriter, r *http.Request, _ *session) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="failed-payments.csv"`)
	_, _ = w.Write([]byte(r.PostFormValue("csv")))
}
