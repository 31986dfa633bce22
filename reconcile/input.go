package reconcile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/orkesta/orkesta/payment"
)

// Input formats named in ParseErrors of the offline inputs.
const (
	FormatPaymentsCSV  = "payments csv"
	FormatPaymentsJSON = "payments json"
	FormatAccountsCSV  = "accounts csv"
)

// PaymentColumns are the columns of a payments CSV, in any order. id, amount (minor units) and
// currency are required; a missing or empty status means settled; value_date is YYYY-MM-DD;
// batch_id (optional) lets a batch booking match its payments. Other columns are ignored.
var PaymentColumns = []string{"id", "amount", "currency", "method", "from_account", "to_account",
	"reference", "description", "status", "value_date", "batch_id"}

// AccountColumns are the columns of an accounts CSV, in any order; id and iban are required.
var AccountColumns = []string{"id", "name", "currency", "iban"}

// ReadPayments reads payments from a CSV file (see PaymentColumns) or from JSON: an array of payment
// objects as the API returns them, or a page of them ({"data": [...]}). It tells the two apart by the
// first character. Every problem is reported (up to MaxErrors) as a *ParseError with its line or
// array index; nothing is returned then.
func ReadPayments(r io.Reader) ([]Payment, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			return nil, &ParseError{Format: FormatPaymentsCSV, Err: errors.New("the file is empty")}
		}
		if err != nil {
			return nil, err
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		_ = br.UnreadByte()
		if c == '[' || c == '{' {
			return ReadPaymentsJSON(br)
		}
		return ReadPaymentsCSV(br)
	}
}

// ReadPaymentsCSV reads a payments CSV (see PaymentColumns). A UTF-8 byte order mark is skipped; the
// separator is a comma.
func ReadPaymentsCSV(r io.Reader) ([]Payment, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(FormatPaymentsCSV, err)
	}
	col, err := columns(FormatPaymentsCSV, header, PaymentColumns, []string{"id", "amount", "currency"})
	if err != nil {
		return nil, err
	}
	var errs Errors
	var out []Payment
	seen := make(map[payment.ID]int)
	curs := make(map[string]payment.Currency)
	get := func(rec []string, name string) string {
		if i := col[name]; i >= 0 && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !errs.Add(&ParseError{Format: FormatPaymentsCSV, Line: csvLine(err), Err: csvCause(err)}) {
				break
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		bad := func(field string, e error) {
			errs.Add(&ParseError{Format: FormatPaymentsCSV, Line: line, Field: field, Err: e})
		}
		var p Payment
		p.ID = payment.ID(get(rec, "id"))
		if p.ID == "" {
			bad("id", errors.New("is empty"))
		} else if first, dup := seen[p.ID]; dup {
			bad("id", fmt.Errorf("%s is already on line %d", p.ID, first))
		} else {
			seen[p.ID] = line
		}
		amt := get(rec, "amount")
		if v, err := strconv.ParseInt(amt, 10, 64); err != nil || v <= 0 {
			bad("amount", fmt.Errorf("%s is not a positive whole number of minor units", strconv.Quote(amt)))
		} else {
			p.Amount = v
		}
		code := get(rec, "currency")
		if c, hit := curs[code]; hit {
			p.Currency = c
		} else if c, err := payment.ParseCurrency(code); err != nil {
			bad("currency", reason(err))
		} else {
			curs[strings.Clone(code)] = c
			p.Currency = c
		}
		if m := get(rec, "method"); m != "" {
			if p.Method, err = parseMethod(m); err != nil {
				bad("method", err)
			}
		}
		if p.Status, err = parseStatus(get(rec, "status")); err != nil {
			bad("status", err)
		}
		if d := get(rec, "value_date"); d != "" {
			if p.ValueDate, err = payment.ParseDate(d); err != nil {
				bad("value_date", fmt.Errorf("%s is not a date (YYYY-MM-DD)", strconv.Quote(d)))
			}
		}
		p.FromAccount = payment.AccountID(normalizeAccount(get(rec, "from_account")))
		p.ToAccount = payment.AccountID(normalizeAccount(get(rec, "to_account")))
		p.Reference = get(rec, "reference")
		p.Description = get(rec, "description")
		p.BatchID = payment.BatchID(get(rec, "batch_id"))
		p.EndToEnd = p.ID.EndToEndKey()
		if errs.Len() >= MaxErrors {
			break
		}
		if errs.Len() == 0 {
			out = append(out, p)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadPaymentsJSON reads an array of payment objects as the API returns them, or a page of them
// ({"data": [...]}). A missing status means settled; a missing end_to_end_id is derived from a
// "pay_" id.
func ReadPaymentsJSON(r io.Reader) ([]Payment, error) {
	dec := json.NewDecoder(r)
	bad := func(field string, e error) error {
		return &ParseError{Format: FormatPaymentsJSON, Field: field, Err: e}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, bad("", err)
	}
	if tok == json.Delim('{') {
		// a page: find "data"
		for {
			k, err := dec.Token()
			if err != nil {
				return nil, bad("", err)
			}
			if k == json.Delim('}') {
				return nil, bad("data", errors.New(`the object has no "data" array of payments`))
			}
			if k == "data" {
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, bad(fmt.Sprint(k), err)
			}
		}
		if tok, err = dec.Token(); err != nil {
			return nil, bad("data", err)
		}
	}
	if tok != json.Delim('[') {
		return nil, bad("", errors.New("expected an array of payments"))
	}
	var errs Errors
	var out []Payment
	seen := make(map[payment.ID]int)
	for i := 0; dec.More(); i++ {
		var p Payment
		at := func(f string) string { return "[" + strconv.Itoa(i) + "]." + f }
		if err := dec.Decode(&p); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				errs.Add(&ParseError{Format: FormatPaymentsJSON, Field: at(te.Field), Err: fmt.Errorf("is not a %s", te.Type)})
			} else {
				errs.Add(&ParseError{Format: FormatPaymentsJSON, Field: "[" + strconv.Itoa(i) + "]", Err: err})
			}
			break // the decoder cannot continue after a syntax error
		}
		n := errs.Len()
		add := func(f string, e error) { errs.Add(&ParseError{Format: FormatPaymentsJSON, Field: at(f), Err: e}) }
		switch first, dup := seen[p.ID]; {
		case p.ID == "":
			add("id", errors.New("is empty"))
		case dup:
			add("id", fmt.Errorf("%s is already payment [%d]", p.ID, first))
		default:
			seen[p.ID] = i
		}
		if p.Amount <= 0 {
			add("amount", fmt.Errorf("%d is not a positive number of minor units", p.Amount))
		}
		if _, err := payment.ParseCurrency(string(p.Currency)); err != nil {
			add("currency", reason(err))
		}
		if p.Method != "" && !p.Method.Valid() {
			add("method", fmt.Errorf("unknown method %s", strconv.Quote(string(p.Method))))
		}
		if p.Status, err = parseStatus(string(p.Status)); err != nil {
			add("status", err)
		}
		if p.EndToEnd == "" {
			p.EndToEnd = p.ID.EndToEndKey()
		}
		p.FromAccount = payment.AccountID(normalizeAccount(string(p.FromAccount)))
		p.ToAccount = payment.AccountID(normalizeAccount(string(p.ToAccount)))
		if errs.Len() >= MaxErrors {
			break
		}
		if errs.Len() == n {
			out = append(out, p)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if out == nil {
		out = []Payment{}
	}
	return out, nil
}

// ReadAccounts reads an accounts CSV (see AccountColumns). IBANs are normalized and checked; an
// account without an IBAN is allowed (the statement may use its id).
func ReadAccounts(r io.Reader) ([]payment.Account, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(FormatAccountsCSV, err)
	}
	col, err := columns(FormatAccountsCSV, header, AccountColumns, []string{"id", "iban"})
	if err != nil {
		return nil, err
	}
	var errs Errors
	var out []payment.Account
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !errs.Add(&ParseError{Format: FormatAccountsCSV, Line: csvLine(err), Err: csvCause(err)}) {
				break
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i := col[name]; i >= 0 && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		a := payment.Account{ID: payment.AccountID(get("id")), Name: get("name"), Type: payment.AccountInternal}
		n := errs.Len()
		if a.ID == "" {
			errs.Add(&ParseError{Format: FormatAccountsCSV, Line: line, Field: "id", Err: errors.New("is empty")})
		}
		if c := get("currency"); c != "" {
			cur, err := payment.ParseCurrency(c)
			if err != nil {
				errs.Add(&ParseError{Format: FormatAccountsCSV, Line: line, Field: "currency", Err: reason(err)})
			}
			a.Currency = cur
		}
		if iban := get("iban"); iban != "" {
			norm, err := payment.NormalizeIBAN(iban)
			if err != nil {
				// account numbers that are not IBANs are kept as they are, normalized
				norm = normalizeAccount(iban)
				if looksLikeIBAN(norm) {
					errs.Add(&ParseError{Format: FormatAccountsCSV, Line: line, Field: "iban", Err: reason(err)})
				}
			}
			a.IBAN = norm
		}
		if errs.Len() >= MaxErrors {
			break
		}
		if errs.Len() == n {
			out = append(out, a)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// looksLikeIBAN: two letters and two digits first.
func looksLikeIBAN(s string) bool {
	return len(s) >= 15 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
		s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9'
}

// reason strips a payment.ValidationError down to its reason for a ParseError that names the field.
func reason(err error) error {
	var ve *payment.ValidationError
	if errors.As(err, &ve) {
		return errors.New(ve.Reason)
	}
	return err
}

func parseStatus(s string) (payment.Status, error) {
	if s == "" {
		return payment.StatusSettled, nil
	}
	for _, st := range []payment.Status{payment.StatusSettled, payment.StatusProcessing, payment.StatusReconciled,
		payment.StatusPending, payment.StatusApproved, payment.StatusFailed, payment.StatusCancelled} {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown status %s", strconv.Quote(s))
}

func parseMethod(s string) (payment.Method, error) {
	for _, m := range payment.Methods() {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown method %s", strconv.Quote(s))
}

// columns maps the known column names to their index in header (-1 when absent); required ones must
// be there, and no name may appear twice.
func columns(format string, header, known, required []string) (map[string]int, error) {
	col := make(map[string]int, len(known))
	for _, k := range known {
		col[k] = -1
	}
	var errs Errors
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if _, ok := col[name]; !ok {
			continue
		}
		if col[name] >= 0 {
			errs.Add(&ParseError{Format: format, Line: 1, Field: name, Err: fmt.Errorf("column appears twice (columns %d and %d)", col[name]+1, i+1)})
			continue
		}
		col[name] = i
	}
	for _, r := range required {
		if col[r] < 0 {
			errs.Add(&ParseError{Format: format, Line: 1, Field: r, Err: fmt.Errorf("required column is missing (the header has %s)", strings.Join(header, ","))})
		}
	}
	return col, errs.Err()
}

func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
	return br
}

func csvError(format string, err error) error {
	if err == io.EOF {
		return &ParseError{Format: format, Line: 1, Err: errors.New("the file is empty: no header")}
	}
	return &ParseError{Format: format, Line: csvLine(err), Err: csvCause(err)}
}

func csvLine(err error) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return 0
}

func csvCause(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
