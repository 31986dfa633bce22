package httpapi

import (
	"errors"
	"time"

	"github.com/orkesta/orkesta/batch"
	"github.com/orkesta/orkesta/payment"
)

// The JSON wire format: snake_case names, amounts as integers in minor units, times in RFC 3339 UTC,
// dates as YYYY-MM-DD. These types are the public contract described in docs/openapi.yaml; the core
// types' own JSON tags are not used on the wire.

// Payment is a payment as the API returns it.
type Payment struct {
	ID            payment.ID        `json:"id"`
	Status        payment.Status    `json:"status"`
	Amount        int64             `json:"amount"`
	Currency      payment.Currency  `json:"currency"`
	Method        payment.Method    `json:"method"`
	FromAccount   payment.AccountID `json:"from_account"`
	ToAccount     payment.AccountID `json:"to_account"`
	Description   string            `json:"description"`
	Reference     string            `json:"reference"`
	ValueDate     payment.Date      `json:"value_date"`
	EndToEndID    string            `json:"end_to_end_id"`
	BatchID       payment.BatchID   `json:"batch_id,omitempty"`
	CreatedBy     string            `json:"created_by,omitempty"`
	FailureCode   string            `json:"failure_code,omitempty"`
	FailureReason string            `json:"failure_reason,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

// PaymentOf converts a core payment to its wire form.
func PaymentOf(p *payment.Payment) Payment {
	return Payment{
		ID: p.ID, Status: p.Status, Amount: p.Amount, Currency: p.Currency, Method: p.Method,
		FromAccount: p.FromAccount, ToAccount: p.ToAccount, Description: p.Description,
		Reference: p.Reference, ValueDate: p.ValueDate, EndToEndID: p.EndToEnd, BatchID: p.BatchID,
		CreatedBy: p.CreatedBy, FailureCode: p.FailureCode, FailureReason: p.FailureReason,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

// PaymentList is one page of payments.
type PaymentList struct {
	Data    []Payment `json:"data"`
	HasMore bool      `json:"has_more"`
}

// Transition is one line of a payment's history.
type Transition struct {
	Seq    int            `json:"seq"`
	From   payment.Status `json:"from,omitempty"`
	To     payment.Status `json:"to"`
	Event  string         `json:"event"`
	Actor  string         `json:"actor,omitempty"`
	Reason string         `json:"reason,omitempty"`
	At     time.Time      `json:"at"`
}

// History is a payment's transitions, oldest first.
type History struct {
	Data []Transition `json:"data"`
}

// Account is an account as the API returns it.
type Account struct {
	ID        payment.AccountID   `json:"id"`
	Name      string              `json:"name"`
	Currency  payment.Currency    `json:"currency"`
	IBAN      string              `json:"iban,omitempty"`
	Type      payment.AccountType `json:"type"`
	CreatedAt time.Time           `json:"created_at"`
}

func accountOf(a *payment.Account) Account {
	return Account{ID: a.ID, Name: a.Name, Currency: a.Currency, IBAN: a.IBAN, Type: a.Type, CreatedAt: a.CreatedAt.UTC()}
}

// APIKey is an API key as the API lists it; Secret is set only in the response that creates it.
type APIKey struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Scope     payment.Scope `json:"scope"`
	Prefix    string        `json:"prefix"`
	CreatedAt time.Time     `json:"created_at"`
	ExpiresAt *time.Time    `json:"expires_at,omitempty"`
	RevokedAt *time.Time    `json:"revoked_at,omitempty"`
	Secret    string        `json:"secret,omitempty"`
}

func apiKeyOf(k *payment.APIKey) APIKey {
	out := APIKey{ID: k.ID, Name: k.Name, Scope: k.Scope, Prefix: k.Prefix, CreatedAt: k.CreatedAt.UTC()}
	if !k.ExpiresAt.IsZero() {
		t := k.ExpiresAt.UTC()
		out.ExpiresAt = &t
	}
	if !k.RevokedAt.IsZero() {
		t := k.RevokedAt.UTC()
		out.RevokedAt = &t
	}
	return out
}

// paymentFields decodes the members of a payment request object into r. base is the object's JSON
// path ("" for a single payment, "payments[3]" in a batch).
func paymentFields(d *decoder, base string, r *payment.Request) {
	d.object(base, "an object", func(key []byte) {
		switch string(key) {
		case "amount":
			r.Amount, _ = d.int64(base, "amount")
		case "currency":
			s, _ := d.token(base, "currency")
			r.Currency = payment.Currency(s)
		case "method":
			s, _ := d.token(base, "method")
			r.Method = payment.Method(s)
		case "from_account":
			s, _ := d.token(base, "from_account")
			r.FromAccount = payment.AccountID(s)
		case "to_account":
			s, _ := d.token(base, "to_account")
			r.ToAccount = payment.AccountID(s)
		case "description":
			r.Description, _ = d.str(base, "description")
		case "reference":
			r.Reference, _ = d.str(base, "reference")
		case "value_date":
			s, ok := d.str(base, "value_date")
			if ok {
				v, err := payment.ParseDate(s)
				if err != nil {
					d.dateProblem(join(base, "value_date"), err)
				}
				r.ValueDate = v
			}
		default:
			d.unknown(base, key)
		}
	})
}

// decodePaymentRequest decodes the body of POST /v1/payments.
func decodePaymentRequest(body []byte) (payment.Request, *Error) {
	var r payment.Request
	d := newDecoder(body)
	paymentFields(d, "", &r)
	d.end()
	return r, d.result()
}

// decodeBatchRequest decodes {"payments":[...]}. Item problems carry their index.
func decodeBatchRequest(body []byte) ([]payment.Request, *Error) {
	var reqs []payment.Request
	d := newDecoder(body)
	d.interned = make(map[string]string)
	present := false
	n := 0 // items in the array, kept or not
	d.object("", "an object", func(key []byte) {
		if string(key) != "payments" {
			d.unknown("", key)
			return
		}
		present = true
		// A payment object is at least ~150 bytes: size for the body, capped at the limit.
		reqs = make([]payment.Request, 0, min(MaxBatchSize, len(body)/150+1))
		d.array("payments", "an array of payment objects", func(i int) {
			n++
			if i >= MaxBatchSize {
				// Only counted: a 4 MiB body of {} items would otherwise hold 1.4 million requests
				// (over a gigabyte) to be refused for their number. Its problems are never reported.
				d.skip("")
				return
			}
			reqs = append(reqs, payment.Request{})
			paymentFields(d, itemPath(i), &reqs[len(reqs)-1])
		})
	})
	d.end()
	switch {
	case d.err != nil:
	case (!present || n == 0) && len(d.probs) == 0, n > MaxBatchSize:
		// The count decides before any item's problems: nothing of such a batch is looked at.
		e, _ := toError(&batch.SizeError{Count: n, Max: MaxBatchSize})
		e.Param = "payments"
		return nil, e
	}
	return reqs, d.result()
}

// itemPaths are the JSON paths of batch items, made once: every item needs its path at hand.
var itemPaths = func() (t [MaxBatchSize + 1]string) {
	for i := range t {
		t[i] = index("payments", i)
	}
	return t
}()

func itemPath(i int) string {
	if i < len(itemPaths) {
		return itemPaths[i]
	}
	return index("payments", i)
}

// decodeAccountRequest decodes the body of POST /v1/accounts.
func decodeAccountRequest(body []byte) (payment.AccountRequest, *Error) {
	var r payment.AccountRequest
	d := newDecoder(body)
	d.object("", "an object", func(key []byte) {
		switch string(key) {
		case "name":
			r.Name, _ = d.str("", "name")
		case "currency":
			s, _ := d.str("", "currency")
			r.Currency = payment.Currency(s)
		case "iban":
			r.IBAN, _ = d.str("", "iban")
		case "type":
			s, _ := d.str("", "type")
			r.Type = payment.AccountType(s)
		default:
			d.unknown("", key)
		}
	})
	d.end()
	return r, d.result()
}

// advanceRequest is the body of the sandbox advance helper.
type advanceRequest struct {
	To payment.Status
}

func decodeAdvanceRequest(body []byte) (advanceRequest, *Error) {
	var r advanceRequest
	d := newDecoder(body)
	d.object("", "an object", func(key []byte) {
		if string(key) != "to" {
			d.unknown("", key)
			return
		}
		s, _ := d.str("", "to")
		r.To = payment.Status(s)
	})
	d.end()
	return r, d.result()
}

// apiKeyRequest is the body of POST /v1/api_keys.
type apiKeyRequest struct {
	Name      string
	Scope     payment.Scope
	ExpiresAt time.Time
}

func decodeAPIKeyRequest(body []byte) (apiKeyRequest, *Error) {
	var r apiKeyRequest
	d := newDecoder(body)
	d.object("", "an object", func(key []byte) {
		switch string(key) {
		case "name":
			r.Name, _ = d.str("", "name")
		case "scope":
			s, _ := d.str("", "scope")
			r.Scope = payment.Scope(s)
		case "expires_at":
			s, ok := d.str("", "expires_at")
			if ok {
				t, err := time.Parse(time.RFC3339, s)
				if err != nil {
					d.problem("expires_at", FieldInvalidFormat, "expires_at must be an RFC 3339 time such as 2026-12-31T23:59:59Z")
				}
				r.ExpiresAt = t.UTC()
			}
		default:
			d.unknown("", key)
		}
	})
	d.end()
	return r, d.result()
}

// decodeEmptyObject accepts an empty body or {} (POST endpoints that take no parameters).
func decodeEmptyObject(body []byte) *Error {
	_, _, err := decodeOptionalString(body, "")
	return err
}

// decodeOptionalString decodes an empty body, {} or an object with the one string member name (""
// for none), and says whether the member was there.
func decodeOptionalString(body []byte, name string) (string, bool, *Error) {
	var (
		v  string
		ok bool
	)
	d := newDecoder(body)
	if d.atEnd() {
		return "", false, nil
	}
	d.object("", "an object", func(key []byte) {
		if name == "" || string(key) != name {
			d.unknown("", key)
			return
		}
		v, ok = d.str("", name)
	})
	d.end()
	return v, ok, d.result()
}

// dateProblem reports param's text that payment.ParseDate refused with err: a day outside the dates
// kept by the range, anything else as not YYYY-MM-DD.
func (d *decoder) dateProblem(param string, err error) {
	if errors.Is(err, payment.ErrDateOutOfRange) {
		d.problem(param, FieldInvalidFormat, param+" must be a date from 1970-01-01 to 9999-12-31")
		return
	}
	d.problem(param, FieldInvalidFormat, param+" must be a calendar date written YYYY-MM-DD")
}
