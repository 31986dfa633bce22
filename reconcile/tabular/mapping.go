package tabular

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile/internal/charset"
)

// Field is what a column holds. Its values are the keys of Mapping.Columns in JSON and YAML.
type Field string

// Fields a mapping can place.
const (
	BookingDate      Field = "booking_date"      // the transaction or booking date (Tarih, İşlem Tarihi)
	ValueDate        Field = "value_date"        // Valör
	Amount           Field = "amount"            // a signed amount, or unsigned with a Direction flag column
	Debit            Field = "debit"             // money out (Borç), with Credit
	Credit           Field = "credit"            // money in (Alacak), with Debit
	DirectionFlag    Field = "direction"         // B/A, D/C, Borç/Alacak next to an unsigned Amount
	Balance          Field = "balance"           // running balance after the line (Bakiye)
	Currency         Field = "currency"          // the line's currency (Para Birimi)
	Description      Field = "description"       // free text (Açıklama)
	Reference        Field = "reference"         // the customer's reference (Referans)
	BankReference    Field = "bank_reference"    // the bank's reference (Dekont No, Fiş No)
	EndToEndID       Field = "end_to_end_id"     // an ISO 20022 end-to-end id
	CounterpartyName Field = "counterparty_name" // the other party's name
	CounterpartyIBAN Field = "counterparty_iban" // the other party's IBAN
	TransactionCode  Field = "transaction_code"  // the bank's transaction type or code
	Account          Field = "account"           // the statement's own account, when every line carries it
)

// Fields lists every Field in the order they are reported.
func Fields() []Field {
	return []Field{BookingDate, ValueDate, Amount, Debit, Credit, DirectionFlag, Balance, Currency,
		Description, Reference, BankReference, EndToEndID, CounterpartyName, CounterpartyIBAN,
		TransactionCode, Account}
}

func (f Field) valid() bool { return slices.Contains(Fields(), f) }

// Column says where a field is: under any of several header names (compared with Fold, so case,
// Turkish letters, spacing and punctuation do not matter), or at a 1-based column index when no
// name matches or the file has no header. Names are tried in order: the first one the header has
// wins. A header's text in parentheses is left out of the comparison ("Betrag" finds "Betrag
// (EUR)"), except for a name that has text in parentheses itself (in a column that is not joined):
// that name finds only a header that says the same in its parentheses, and takes its column before
// any name without them, so "Kundenreferenz (End-to-End)" can be the end-to-end id while
// "Kundenreferenz" is the reference.
//
// In JSON and YAML a column is a name ("Tutar"), a list of names (["Tutar", "İşlem Tutarı"]), a
// 1-based index (4), or an object {"names": [...], "index": 4, "join": true}.
type Column struct {
	Names []string `json:"names,omitempty"`
	Index int      `json:"index,omitempty"`
	// Join takes every listed column the header has (in file order) and joins their non-empty
	// texts with a space, for exports that spread the description over several columns.
	Join bool `json:"join,omitempty"`
}

// UnmarshalJSON accepts the short forms described on Column.
func (c *Column) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = Column{Names: []string{s}}
		return nil
	case len(b) > 0 && b[0] == '[':
		var names []string
		if err := json.Unmarshal(b, &names); err != nil {
			return err
		}
		*c = Column{Names: names}
		return nil
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		var n int
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*c = Column{Index: n}
		return nil
	}
	type plain Column
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*c = Column(p)
	return nil
}

// Mapping describes a tabular bank export: where each field is, how numbers and dates are written,
// and (for CSV) the separator and character set. The zero values mean "find out from the file".
type Mapping struct {
	// Name identifies the mapping in messages ("tr", "en", or the user's own).
	Name    string           `json:"name,omitempty"`
	Columns map[Field]Column `json:"columns"`
	// HeaderRow is the 1-based row that holds the column names; 0 means: find it among the first
	// rows (a header is the first row that names a date column and the amount columns). Rows are
	// counted as positions name them: a CSV file's lines (blank lines and a "sep=" line included),
	// a sheet's row numbers. HeaderRow, NoHeader and SkipRows take effect when the mapping reads the
	// file alone (chosen by name); among several mappings the header is found by its names.
	HeaderRow int `json:"header_row,omitempty"`
	// NoHeader says the file has no header row: every column is given by index, and data starts
	// after SkipRows rows (counted as HeaderRow counts them).
	NoHeader bool `json:"no_header,omitempty"`
	SkipRows int  `json:"skip_rows,omitempty"`
	// Separator is the CSV field separator: ";", ",", "\t" or "|"; "" detects it.
	Separator string `json:"separator,omitempty"`
	// Charset is the CSV character set: "utf-8", "utf-16", "windows-1254", "iso-8859-9",
	// "iso-8859-1", "windows-1252", "iso-8859-2", or any other IANA name ("windows-1250"); ""
	// detects UTF-8 (with or without BOM) and UTF-16 with a BOM and reads anything else as
	// Windows-1254, the Turkish code page.
	Charset string `json:"charset,omitempty"`
	// NumberFormat is an example of how amounts are written: "1.234,56" (decimal comma, thousands
	// dot), "1,234.56", "1234,56", "1'234.56", "1 234,56". Empty means the amount columns decide
	// together: a value such as "1.234,56" or "12.50" proves the format; if every value is
	// ambiguous ("1.500"), decoding fails and names the cell.
	NumberFormat string `json:"number_format,omitempty"`
	// DateFormat says the order of day, month and year: "02.01.2006" or "DD.MM.YYYY" (day first),
	// "01/02/2006" or "MM/DD/YYYY" (month first), "2006-01-02"; the separators . / - and a time
	// after the date are accepted whatever the example shows. "excel" also reads serial day numbers.
	// Empty means: year-first dates are read as such, and the date columns decide between day-first
	// and month-first; if every date is ambiguous (03/04/2026), decoding fails and names the cell.
	DateFormat string `json:"date_format,omitempty"`
	// AmountSign is "" or "normal" (a negative amount is a debit) or "inverted" (a positive amount
	// is a debit, as in card exports where spending is positive).
	AmountSign string `json:"amount_sign,omitempty"`
	// DebitFlags and CreditFlags are the values of the Direction column (compared with Fold); empty
	// means B, Borç, D, DR, Debit, - and A, Alacak, C, CR, Credit, +.
	DebitFlags  []string `json:"debit_flags,omitempty"`
	CreditFlags []string `json:"credit_flags,omitempty"`
	// Currency is used when neither the options, a currency column, the amounts nor the summary
	// rows above the header say what currency the file is in.
	Currency payment.Currency `json:"currency,omitempty"`
}

// ErrMapping is the class of every mapping problem.
var ErrMapping = errors.New("tabular: invalid mapping")

// MappingError is one problem in a Mapping; it matches ErrMapping.
type MappingError struct {
	Mapping string // the mapping's name
	Field   string // "columns.amount", "number_format", …
	Reason  string
}

func (e *MappingError) Error() string {
	name := ""
	if e.Mapping != "" {
		name = " " + e.Mapping
	}
	return fmt.Sprintf("tabular: mapping%s: %s: %s", name, e.Field, e.Reason)
}

// Is makes a *MappingError match ErrMapping.
func (e *MappingError) Is(target error) bool { return target == ErrMapping }

// ParseMapping reads a user mapping from JSON or YAML (a document whose first non-blank character is
// "{" is JSON) and validates it. Unknown keys are errors, so a typo is not silently ignored.
//
//	{"name": "mybank", "columns": {"booking_date": "Tarih", "amount": ["Tutar", "İşlem Tutarı"],
//	 "description": 3}, "number_format": "1.234,56", "date_format": "02.01.2006"}
func ParseMapping(r io.Reader) (*Mapping, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("tabular: reading mapping: %w", err)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		if b, err = yamlToJSON(b); err != nil {
			return nil, err
		}
	}
	var m Mapping
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, &MappingError{Field: "json", Reason: jsonReason(b, err)}
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// yamlToJSON re-encodes a YAML document as JSON, so JSON and YAML share one decoder and one set of
// validation rules.
func yamlToJSON(b []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, &MappingError{Field: "yaml", Reason: err.Error()}
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, &MappingError{Field: "yaml", Reason: "the document must be a mapping of keys to values"}
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, &MappingError{Field: "yaml", Reason: err.Error()}
	}
	return out, nil
}

// jsonReason adds the line of a JSON syntax or type error.
func jsonReason(b []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 {
		return err.Error()
	}
	line := 1
	sc := bufio.NewScanner(bytes.NewReader(b[:min(int(off), len(b))]))
	for sc.Scan() {
		line++
	}
	return fmt.Sprintf("line %d: %v", line-1, err)
}

// Validate checks the mapping and returns every problem found, joined.
func (m *Mapping) Validate() error {
	var errs []error
	bad := func(field, reason string) {
		errs = append(errs, &MappingError{Mapping: m.Name, Field: field, Reason: reason})
	}
	for f, c := range m.Columns {
		key := "columns." + string(f)
		if !f.valid() {
			bad(key, "unknown field; known fields are "+fieldList())
			continue
		}
		if len(c.Names) == 0 && c.Index == 0 {
			bad(key, "needs a header name or a 1-based index")
		}
		if c.Index < 0 {
			bad(key, "index must be 1 or more")
		}
		for _, n := range c.Names {
			if Fold(n) == "" {
				bad(key, fmt.Sprintf("header name %q has no letters or digits", n))
			}
		}
		if m.NoHeader && c.Index == 0 {
			bad(key, "a file without a header row needs an index for every column")
		}
		if c.Join && f != Description {
			bad(key, "join is only for the description")
		}
	}
	has := func(f Field) bool { _, ok := m.Columns[f]; return ok }
	if !has(BookingDate) && !has(ValueDate) {
		bad("columns", "needs a booking_date or value_date column")
	}
	if !has(Amount) && !(has(Debit) && has(Credit)) {
		bad("columns", "needs an amount column, or debit and credit columns")
	}
	if has(DirectionFlag) && !has(Amount) {
		bad("columns.direction", "a direction flag needs an amount column")
	}
	if m.HeaderRow < 0 || m.SkipRows < 0 {
		bad("header_row", "must not be negative")
	}
	if m.NoHeader && m.HeaderRow > 0 {
		bad("no_header", "contradicts header_row")
	}
	if _, err := separatorOf(m.Separator); err != nil {
		bad("separator", err.Error())
	}
	if _, _, err := parseNumberFormat(m.NumberFormat); err != nil {
		bad("number_format", err.Error())
	}
	if _, err := parseDateFormat(m.DateFormat); err != nil {
		bad("date_format", err.Error())
	}
	switch m.AmountSign {
	case "", "normal", "inverted":
	default:
		bad("amount_sign", fmt.Sprintf("%q is not normal or inverted", m.AmountSign))
	}
	if m.Currency != "" && !m.Currency.Valid() {
		bad("currency", fmt.Sprintf("%q is not an ISO 4217 currency code", string(m.Currency)))
	}
	if CheckCharset(m.Charset) != nil {
		bad("charset", fmt.Sprintf("%q is not a character set name (such as %s)", m.Charset, strings.Join(Charsets(), ", ")))
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

func fieldList() string {
	var s []string
	for _, f := range Fields() {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}

// Clone returns a deep copy, so a preset can be adjusted without touching anyone else's.
func (m *Mapping) Clone() *Mapping {
	c := *m
	c.Columns = make(map[Field]Column, len(m.Columns))
	for f, col := range m.Columns {
		col.Names = slices.Clone(col.Names)
		c.Columns[f] = col
	}
	c.DebitFlags = slices.Clone(m.DebitFlags)
	c.CreditFlags = slices.Clone(m.CreditFlags)
	return &c
}

// separatorOf checks a Separator value; 0 means detect.
func separatorOf(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case ";", ",", "\t", "|":
		return rune(s[0]), nil
	case `\t`, "tab":
		return '\t', nil
	}
	return 0, fmt.Errorf("%q is not one of ; , tab |", s)
}

// SeparatorRune returns the CSV separator the mapping names, or 0 when it is to be detected.
func (m *Mapping) SeparatorRune() rune {
	r, _ := separatorOf(m.Separator)
	return r
}

// Charsets lists the usual names Mapping.Charset accepts; it accepts their aliases ("latin1",
// "cp1254") and the other IANA names too.
func Charsets() []string {
	return slices.Insert(charset.Names(), 1, "utf-16")
}

// ErrCharset is the error of CheckCharset for a name that is no character set the decoders know.
var ErrCharset = errors.New("unknown charset")

// CheckCharset tells whether name may name a file's character set to the decoders (a mapping's
// Charset, detect.Options.Charset, csv.Options.Charset): "" (the file's own or the detected one), one
// of Charsets, their aliases ("latin1", "cp1250") or another IANA name.
func CheckCharset(name string) error {
	if _, err := charset.Lookup(name); name != "" && err != nil {
		return fmt.Errorf("%w %q (known: %s, and the other IANA names)", ErrCharset, name, strings.Join(Charsets(), ", "))
	}
	return nil
}
