package httpapi

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// createPayment: POST /v1/payments. The Idempotency-Key travels down to the core too, so creation is
// de-duplicated even across instances and after the response record expired.
func (h *Handler) createPayment(c *call) error {
	req, derr := decodePaymentRequest(c.body)
	if derr != nil {
		return derr
	}
	req.IdempotencyKey = c.r.Header.Get(headerIdempotencyKey)
	req.CreatedBy = c.key.ID
	p, err := h.svc.Create(c.r.Context(), c.key.Workspace, req)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusCreated, ptr(PaymentOf(&p)))
	return nil
}

// paymentID parses the {id} path value; a malformed id is simply not found.
func paymentID(c *call) (payment.ID, error) {
	raw := c.r.PathValue("id")
	id, err := payment.ParseID(raw)
	if err != nil {
		return "", notFound("payment", raw)
	}
	return id, nil
}

func notFound(kind, id string) *Error {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return newError(http.StatusNotFound, TypeInvalidRequest, CodeNotFound,
		"no "+kind+" "+strconv.Quote(id)+" in this workspace")
}

// orNotFound names the object in a not-found error.
func orNotFound(err error, kind, id string) error {
	if errors.Is(err, payment.ErrNotFound) {
		return notFound(kind, id)
	}
	return err
}

func (h *Handler) getPayment(c *call) error {
	id, err := paymentID(c)
	if err != nil {
		return err
	}
	p, err := h.svc.Get(c.r.Context(), c.key.Workspace, id)
	if err != nil {
		return orNotFound(err, "payment", string(id))
	}
	writeJSON(c.w, http.StatusOK, ptr(PaymentOf(&p)))
	return nil
}

func (h *Handler) paymentHistory(c *call) error {
	id, err := paymentID(c)
	if err != nil {
		return err
	}
	ts, err := h.svc.History(c.r.Context(), c.key.Workspace, id)
	if err != nil {
		return orNotFound(err, "payment", string(id))
	}
	out := History{Data: make([]Transition, len(ts))}
	for i, t := range ts {
		out.Data[i] = Transition{Seq: t.Seq, From: t.From, To: t.To, Event: string(t.Event), Actor: t.Actor,
			Reason: t.Reason, At: t.At.UTC()}
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

// cancelPayment: DELETE /v1/payments/{id}. Only pending and approved payments can be cancelled; any
// other status is 409 payment_not_cancellable with the current status.
func (h *Handler) cancelPayment(c *call) error {
	id, err := paymentID(c)
	if err != nil {
		return err
	}
	p, err := h.svc.Cancel(c.r.Context(), c.key.Workspace, id, c.key.ID, "cancelled through the API")
	if err != nil {
		return orNotFound(err, "payment", string(id))
	}
	writeJSON(c.w, http.StatusOK, ptr(PaymentOf(&p)))
	return nil
}

// approvePayment: POST /v1/payments/{id}/approve. The approver is the API key; under maker-checker
// the key that created the payment cannot approve it.
func (h *Handler) approvePayment(c *call) error {
	if err := decodeEmptyObject(c.body); err != nil {
		return err
	}
	id, err := paymentID(c)
	if err != nil {
		return err
	}
	p, err := h.svc.Approve(c.r.Context(), c.key.Workspace, id, c.key.ID)
	if err != nil {
		return orNotFound(err, "payment", string(id))
	}
	writeJSON(c.w, http.StatusOK, ptr(PaymentOf(&p)))
	return nil
}

// listPayments: GET /v1/payments, newest first, with filters and cursor pagination.
func (h *Handler) listPayments(c *call) error {
	f, err := parseListFilter(c.r.URL.RawQuery, h.svc)
	if err != nil {
		return err
	}
	page, err := h.svc.List(c.r.Context(), c.key.Workspace, f)
	if err != nil {
		return err
	}
	out := PaymentList{Data: make([]Payment, len(page.Payments)), HasMore: page.HasMore}
	for i := range page.Payments {
		out.Data[i] = PaymentOf(&page.Payments[i])
	}
	writeJSON(c.w, http.StatusOK, &out)
	return nil
}

// Page size limits of GET /v1/webhook_endpoints/{id}/deliveries. GET /v1/payments follows the
// service's (payment.Options.DefaultPageSize and MaxPageSize, the same numbers unless set).
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// parseLimit reads a page size: 1 to maxSize.
func parseLimit(name, v string, maxSize int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxSize {
		return 0, badParam(name, "must be an integer from 1 to "+strconv.Itoa(maxSize))
	}
	return n, nil
}

// parseListFilter reads the query of GET /v1/payments. Every parameter may appear once; unknown
// parameters are refused, so that a typo ("stauts") never silently lists everything. The page size
// is svc's default, and ?limit may ask for 1 to svc's maximum.
func parseListFilter(raw string, svc *payment.Service) (payment.ListFilter, error) {
	defaultSize, maxSize := svc.PageSizes()
	f := payment.ListFilter{Limit: min(defaultSize, maxSize)}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return f, badRequest(CodeInvalidParameter, "", "the query string is malformed")
	}
	bad := func(param, msg string) error { return badRequest(CodeInvalidParameter, param, param+" "+msg) }
	for _, name := range slices.Sorted(maps.Keys(q)) {
		vals := q[name]
		if len(name) > 64 {
			name = name[:64] + "…"
		}
		if len(vals) > 1 {
			return f, bad(name, "is given more than once")
		}
		v := vals[0]
		switch name {
		case "limit":
			n, err := parseLimit(name, v, maxSize)
			if err != nil {
				return f, err
			}
			f.Limit = n
		case "starting_after":
			id, err := payment.ParseID(v)
			if err != nil {
				return f, bad(name, "must be a payment id (pay_ followed by a ULID)")
			}
			f.After = id
		case "status":
			for s := range strings.SplitSeq(v, ",") {
				st := payment.Status(s)
				if !st.Valid() {
					return f, bad(name, "must be one or more of pending, approved, processing, settled, reconciled, failed, cancelled (comma-separated)")
				}
				// Each status once: a store compares every payment with every status given, and a
				// query of 90,000 repeats made that a scan of 90,000 comparisons per payment.
				if !slices.Contains(f.Statuses, st) {
					f.Statuses = append(f.Statuses, st)
				}
			}
		case "method":
			m := payment.Method(v)
			if !m.Valid() {
				return f, bad(name, "must be one of bank_transfer, card, virtual_account, eft, direct_debit")
			}
			f.Method = m
		case "currency":
			cur, err := payment.ParseCurrency(v)
			if err != nil {
				return f, bad(name, "must be an ISO 4217 currency code such as TRY")
			}
			f.Currency = cur
		case "reference":
			if v == "" || len([]rune(v)) > payment.MaxReferenceLen {
				return f, bad(name, "must be 1 to 35 characters")
			}
			f.Reference = v
		case "from_account", "to_account":
			id, err := payment.ParseAccountID(v)
			if err != nil {
				return f, bad(name, "must be an account id (acc_ followed by a ULID)")
			}
			if name == "from_account" {
				f.FromAccount = id
			} else {
				f.ToAccount = id
			}
		case "batch_id":
			id, err := payment.ParseBatchID(v)
			if err != nil {
				return f, bad(name, "must be a batch id (bat_ followed by a ULID)")
			}
			f.BatchID = id
		case "created_gte", "created_lte":
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				// A "+" in a query string decodes to a space: "…T11:00:00+03:00" sent unescaped
				// arrives as "…T11:00:00 03:00", a valid time the client never sees refused as such.
				if n := len(v); n > 6 && v[n-6] == ' ' {
					return f, bad(name, "must be an RFC 3339 time such as 2026-01-15T09:00:00Z; a + in a query string "+
						"is read as a space, so send the offset's + as %2B (2026-01-15T12:00:00%2B03:00)")
				}
				return f, bad(name, "must be an RFC 3339 time such as 2026-01-15T09:00:00Z")
			}
			if name == "created_gte" {
				f.CreatedFrom = t.UTC()
			} else {
				f.CreatedTo = t.UTC()
			}
		default:
			return f, badRequest(CodeUnknownParameter, name, strconv.Quote(name)+" is not a parameter of this endpoint")
		}
	}
	return f, nil
}
