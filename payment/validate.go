package payment

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field limits.
const (
	MaxDescriptionLen = 140 // characters
	MaxReferenceLen   = 35  // characters: the ISO 20022 and MT940 reference width
	MaxCreatedByLen   = 200 // characters: a user's or key's identity
)

// fieldErrs collects validation problems and joins them. Kept small: validation runs on every create.
type fieldErrs []error

func (e *fieldErrs) add(field, reason string) {
	*e = append(*e, &ValidationError{Field: field, Reason: reason})
}

func (e *fieldErrs) addErr(err error) { *e = append(*e, err) }

func (e fieldErrs) join() error {
	switch len(e) {
	case 0:
		return nil
	case 1:
		return e[0]
	}
	return errors.Join(e...)
}

func itoa(n int) string { return strconv.Itoa(n) }

func hasControl(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// storable is free text that a store can keep whatever it is: the history's actor and reason, a
// rail's failure code and message, a processor's last error. They come from rails and callers that
// never promised UTF-8, and PostgreSQL refuses text that is not UTF-8 or holds a NUL byte: refusing
// the transition instead would leave a payment a rail failed stuck in processing. So invalid bytes
// and NULs become U+FFFD, and the rest of the text is kept as it is.
func storable(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// CheckText checks free text a person gives (a note, a description, a name): valid UTF-8, no
// control characters, at most max characters. The problems are *ValidationError of the field.
func CheckText(field, s string, max int) error {
	var errs fieldErrs
	checkText(&errs, field, s, max)
	return errs.join()
}

func checkText(errs *fieldErrs, field, s string, max int) {
	if !utf8.ValidString(s) {
		errs.add(field, "is not valid UTF-8")
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		errs.add(field, "is "+itoa(n)+" characters long; the limit is "+itoa(max))
	}
	if hasControl(s) {
		errs.add(field, "contains control characters")
	}
}

// ValidateRequest checks everything about r that needs no store: amount, currency, method, text fields,
// and that the two accounts differ. Every problem is reported, joined.
func ValidateRequest(r *Request) error {
	var errs fieldErrs
	validateStatic(&errs, r)
	return errs.join()
}

func validateStatic(errs *fieldErrs, r *Request) {
	if r.Amount <= 0 {
		errs.add("amount", "must be a positive integer in minor units")
	}
	if _, err := ParseCurrency(string(r.Currency)); err != nil {
		errs.addErr(err)
	}
	if !r.Method.Valid() {
		if r.Method == "" {
			errs.add("method", "is required")
		} else {
			errs.add("method", "unknown method "+quote(string(r.Method)))
		}
	}
	checkAccountID(errs, "from_account", r.FromAccount)
	checkAccountID(errs, "to_account", r.ToAccount)
	// A ULID is case-insensitive: "acc_01h…" and "acc_01H…" are one account.
	if r.FromAccount != "" && strings.EqualFold(string(r.FromAccount), string(r.ToAccount)) {
		errs.add("to_account", "must differ from from_account")
	}
	checkText(errs, "description", r.Description, MaxDescriptionLen)
	checkText(errs, "created_by", r.CreatedBy, MaxCreatedByLen)
	checkText(errs, "reference", r.Reference, MaxReferenceLen)
	checkIdempotencyKey(errs, r.IdempotencyKey)
	checkBatchID(errs, r.BatchID)
	if r.ValueDate < 0 || r.ValueDate > lastDate {
		errs.add("value_date", r.ValueDate.String()+" is outside 1970-01-01 to 9999-12-31")
	}
}

// lastDate is 9999-12-31, the last date ParseDate reads: a value date a payment keeps must come back
// from its JSON (and fit a database's date column).
const lastDate Date = 2932897

// ValidateListFilter checks the values of f that no payment could match when malformed: every
// status and the method known, the currency one payments are made in, the account and batch ids and
// the cursor After well-formed ids (either letter case). Service.List refuses such a filter rather
// than answering an empty page. Every problem is a *ValidationError naming its field ("status",
// "method", "currency", "account", "from_account", "to_account", "batch_id", "after"), joined.
// Reference is free text: one that no payment has is a search that finds nothing.
func ValidateListFilter(f *ListFilter) error {
	_, err := canonicalFilter(*f)
	return err
}

// canonicalFilter checks f as ValidateListFilter does and returns it with its ids in their
// canonical (upper-case) form, the one stores hold.
func canonicalFilter(f ListFilter) (ListFilter, error) {
	var errs fieldErrs
	for _, s := range f.Statuses {
		if !s.Valid() {
			errs.add("status", "unknown status "+quote(string(s)))
		}
	}
	if f.Method != "" && !f.Method.Valid() {
		errs.add("method", "unknown method "+quote(string(f.Method)))
	}
	if f.Currency != "" {
		if _, err := ParseCurrency(string(f.Currency)); err != nil {
			errs.addErr(err)
		}
	}
	id := func(v *string, prefix, field string) {
		if *v == "" {
			return
		}
		c, err := parsePrefixed(*v, prefix, field)
		if err != nil {
			errs.addErr(err)
			return
		}
		*v = c
	}
	account := func(v *AccountID, field string) {
		s := string(*v)
		id(&s, PrefixAccount, field)
		*v = AccountID(s)
	}
	account(&f.Account, "account")
	account(&f.FromAccount, "from_account")
	account(&f.ToAccount, "to_account")
	batch, after := string(f.BatchID), string(f.After)
	id(&batch, PrefixBatch, "batch_id")
	id(&after, PrefixPayment, "after")
	f.BatchID, f.After = BatchID(batch), ID(after)
	return f, errs.join()
}

// MaxIdempotencyKeyLen is the longest idempotency key, in bytes.
const MaxIdempotencyKeyLen = 255

// CheckIdempotencyKey checks an idempotency key: at most MaxIdempotencyKeyLen bytes of valid UTF-8
// without control characters, which every store keeps as it is (PostgreSQL refuses NUL and invalid
// UTF-8 in text). The problem is a *ValidationError of field "idempotency_key".
func CheckIdempotencyKey(k string) error {
	var errs fieldErrs
	checkIdempotencyKey(&errs, k)
	return errs.join()
}

func checkIdempotencyKey(errs *fieldErrs, k string) {
	switch {
	case len(k) > MaxIdempotencyKeyLen:
		errs.add("idempotency_key", "is longer than "+itoa(MaxIdempotencyKeyLen)+" bytes")
	case !utf8.ValidString(k):
		errs.add("idempotency_key", "is not valid UTF-8")
	case hasControl(k):
		errs.add("idempotency_key", "contains control characters")
	}
}

func checkAccountID(errs *fieldErrs, field string, id AccountID) {
	if id == "" {
		errs.add(field, "is required")
		return
	}
	if s := string(id); !isPrefixedULID(s, PrefixAccount) {
		errs.add(field, quote(s)+" is not an account id (acc_ followed by a ULID)")
	}
}

// checkBatchID checks an optional batch id: one a payment keeps must be one that ListFilter.BatchID
// can find, and that a pain.001 file can carry as its PmtInfId (at most 35 characters).
func checkBatchID(errs *fieldErrs, id BatchID) {
	if s := string(id); s != "" && !isPrefixedULID(s, PrefixBatch) {
		errs.add("batch_id", quote(s)+" is not a batch id (bat_ followed by a ULID)")
	}
}

// accountReader is the one Store method validate needs (the Service's refCache provides it).
type accountReader interface {
	GetAccount(ctx context.Context, ws WorkspaceID, id AccountID) (Account, error)
}

// validate checks r against the workspace and its accounts. It returns the joined field errors, or a
// store error (not a validation problem) as is.
func validate(ctx context.Context, store accountReader, ws *Workspace, r *Request) error {
	var errs fieldErrs
	validateStatic(&errs, r)
	if r.Method.Valid() && !ws.Plan.Allows(r.Method) {
		errs.add("method", string(r.Method)+" is not included in the workspace's "+ws.Plan.Name+" plan")
	}
	if len(errs) == 0 || !hasFieldErr(errs, "from_account") {
		from, err := store.GetAccount(ctx, ws.ID, r.FromAccount)
		switch {
		case errors.Is(err, ErrNotFound):
			errs.add("from_account", "no account "+quote(string(r.FromAccount))+" in this workspace")
		case err != nil:
			return err
		case from.Type != AccountInternal:
			errs.add("from_account", "must be one of the workspace's internal accounts")
		case r.Currency.Valid() && from.Currency != r.Currency:
			errs.add("currency", "must be "+string(from.Currency)+", the currency of from_account")
		}
	}
	if !hasFieldErr(errs, "to_account") {
		_, err := store.GetAccount(ctx, ws.ID, r.ToAccount)
		switch {
		case errors.Is(err, ErrNotFound):
			errs.add("to_account", "no account "+quote(string(r.ToAccount))+" in this workspace")
		case err != nil:
			return err
		}
	}
	return errs.join()
}

func hasFieldErr(errs fieldErrs, field string) bool {
	for _, e := range errs {
		if v, ok := e.(*ValidationError); ok && v.Field == field {
			return true
		}
	}
	return false
}
