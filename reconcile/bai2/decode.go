package bai2

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/internal/arena"
	"github.com/orkesta/orkesta/reconcile/internal/charset"
	"github.com/orkesta/orkesta/reconcile/internal/readall"
)

// Format is the value of Statement.Format for statements from this package.
const Format = "bai2"

// ErrTypeCode is wrapped by the error of a detail whose type code has no direction: the bank's own
// code (700–999) that Options.TypeCodes does not name, or a status code where a detail code belongs.
var ErrTypeCode = errors.New("no direction for the type code")

// Options tune Decode. The zero value reads any BAI2 file whose detail type codes are the
// specification's, and records balance and control-total mismatches as warnings.
type Options struct {
	// Strict makes a balance mismatch (opening + entries ≠ closing, wrapping
	// reconcile.ErrBalanceMismatch) or a control-total mismatch an error instead of a warning.
	Strict bool
	// TypeCodes gives the direction of detail type codes the specification leaves to each bank
	// (700–999), by code ("901": reconcile.Credit). It may also override a standard code.
	TypeCodes map[string]reconcile.Direction
	// Charset forces the file's text encoding, as mt940.Options.Charset does (any name
	// internal/charset knows). Empty means: UTF-8 when the bytes are valid UTF-8, else ISO-8859-1,
	// with a charset warning on every statement.
	Charset string
}

// Decode reads a BAI2 file: one statement per account of every group, in file order. Every problem
// is a *reconcile.ParseError (several are joined, capped at reconcile.MaxErrors); input without a 01
// file header is one error wrapping reconcile.ErrNotStatement. On error no statement is returned.
func Decode(r io.Reader, opts Options) ([]reconcile.Statement, error) {
	data, err := readall.ReadAll(r)
	if err != nil {
		return nil, &reconcile.ParseError{Format: Format, Err: err}
	}
	// BAI2 is ASCII; anything else in it comes from the older systems that write it: ISO-8859-1,
	// unless the caller names the file's charset.
	text, latin1, err := charset.Text(data, opts.Charset, charmap.ISO8859_1)
	if err != nil {
		return nil, &reconcile.ParseError{Format: Format, Field: "Options.Charset", Err: fmt.Errorf("%w %q", err, opts.Charset)}
	}
	p := &parser{opts: opts, latin1: latin1}
	p.rr = &recordReader{text: text, a: &p.text}
	p.run()
	if p.rr.tooLong > 0 { // the reading stopped there: what the parser says of the cut-short rest is noise
		p.errs = reconcile.Errors{}
		p.fail(p.rr.tooLong, "", fmt.Errorf("a record longer than %d bytes (with its continuations): not a bank's BAI2 record", maxRecord))
	}
	if err := p.errs.Err(); err != nil {
		return nil, err
	}
	reconcile.FingerprintAll(p.out)
	return p.out, nil
}

// record is one logical record: its type code, what follows the code (the physical records of its
// 88 continuations joined to it), the line it starts on and how many physical records it spans.
type record struct {
	line     int
	code     string
	body     string
	physical int
}

// recordReader reads a text's logical records in turn. An 88 record continues the record before
// it: once a 16 record's text has begun, the text goes on after a space; otherwise (any other
// record, or a 16 record that ends before its text) the fields go on after a comma (the joined
// bodies are written in a).
type recordReader struct {
	text    string // what is left to read
	line    int    // the lines read so far
	a       *arena.Arena
	held    record // the physical record read after the last logical one, when it was not an 88
	isHeld  bool
	tooLong int // the line of a record longer than maxRecord, which ended the reading
}

// maxRecord caps a logical record, its continuations included. A BAI2 record is 80 characters or
// so, and a detail's text a few hundred; a record of megabytes is not a bank's, and would cost its
// size many times over in memory.
const maxRecord = 64 << 10

// physical returns the next line that is not blank, split into its code and body.
func (r *recordReader) physical() (line int, code, body string, ok bool) {
	if r.isHeld {
		r.isHeld = false
		return r.held.line, r.held.code, r.held.body, true
	}
	for r.text != "" {
		var l string
		l, r.text, _ = strings.Cut(r.text, "\n")
		r.line++
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		if len(l) > maxRecord {
			r.tooLong, r.text = r.line, ""
			return 0, "", "", false
		}
		code, body, _ = strings.Cut(l, ",")
		return r.line, strings.TrimSpace(strings.TrimSuffix(code, "/")), body, true // "99/": no fields
	}
	return 0, "", "", false
}

// next returns the next logical record, with its continuations; ok is false at the end.
func (r *recordReader) next() (rec record, ok bool) {
	line, code, body, ok := r.physical()
	if !ok {
		return rec, false
	}
	rec = record{line: line, code: code, body: body, physical: 1}
	if code == "88" {
		return rec, true // a continuation of nothing: the parser says so
	}
	text := false // a 16 record's text has begun
	for {
		line, code, body, ok := r.physical()
		if !ok {
			return rec, true
		}
		if code != "88" { // not a continuation: the next record
			r.held, r.isHeld = record{line: line, code: code, body: body}, true
			return rec, true
		}
		if len(rec.body)+len(body) > maxRecord {
			r.tooLong, r.text = line, ""
			return record{}, false
		}
		if rec.code == "16" && !text {
			text = textBegun(rec.body)
		}
		sep := ","
		if text {
			sep = " "
		}
		rec.body = r.a.Join(strings.TrimSuffix(strings.TrimRight(rec.body, " "), "/"), sep, body)
		rec.physical++
	}
}

// textBegun says whether body, the fields of a 16 record so far, reaches the text: whether it
// holds the comma after the customer reference. Before the text come the type code, the amount,
// the funds type and the fields it brings (as funds reads them), the bank and the customer
// reference. A 16 record may end with "/" before its text (the specification's own sample) or
// within the funds type's fields; the 88 record after it then starts the next field.
func textBegun(body string) bool {
	need, distributions := 3, false // the commas before the text, once the funds type is known
	for n := 0; n < need; n++ {
		i := strings.IndexByte(body, ',')
		if i < 0 {
			return false
		}
		v := strings.ToUpper(strings.TrimSpace(body[:i]))
		body = body[i+1:]
		switch {
		case n == 2: // the funds type; then the bank and the customer reference
			need += 2
			switch v {
			case "V":
				need += 2 // value date and time
			case "S":
				need += 3 // immediate, one-day and two-or-more-day amounts
			case "D":
				need++ // the number of distributions
				distributions = true
			}
		case n == 3 && distributions: // (days, amount) pairs
			if k, err := strconv.Atoi(v); err == nil && k >= 0 && k <= 99 {
				need += 2 * k
			}
		}
	}
	return true
}

// details counts the 16 records at the start of what is left to read: the entries of the account
// just begun, at most.
func (r *recordReader) details() int {
	n := 0
	if r.isHeld {
		if r.held.code != "16" {
			return 0
		}
		n++
	}
	for text := r.text; text != ""; {
		var l string
		l, text, _ = strings.Cut(text, "\n")
		switch l = strings.TrimSpace(l); {
		case strings.HasPrefix(l, "16,"):
			n++
		case l == "" || strings.HasPrefix(l, "88,"):
		default:
			return n
		}
	}
	return n
}

// fields reads the comma-separated fields of a record body in turn.
type fields struct {
	s    string
	done bool
}

// next returns the next field, trimmed, without the "/" that ends the record; "" once none is left
// (fields a record leaves out are defaulted).
func (f *fields) next() string {
	if f.done {
		return ""
	}
	i := strings.IndexByte(f.s, ',')
	if i < 0 {
		return f.rest()
	}
	v := f.s[:i]
	f.s = f.s[i+1:]
	return strings.TrimSpace(v)
}

// rest returns everything left as one field (a 16 record's text, which may contain commas), without
// the "/" that ends the record.
func (f *fields) rest() string {
	if f.done {
		return ""
	}
	v := f.s
	f.s, f.done = "", true
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "/"))
}

// sum is what a group or file trailer counts: the blocks it closes (accounts or groups), the
// physical records from its header to itself, and the sum of the amounts.
type sum struct {
	blocks, records int
	total           int64
	overflow        bool
}

func (s *sum) add(v int64) {
	var ok bool
	if s.total, ok = payment.AddMinor(s.total, v); !ok {
		s.overflow = true
	}
}

// close counts a block that inner summed (an account into its group, a group into its file).
func (s *sum) close(inner *sum) {
	s.blocks++
	if inner.overflow {
		s.overflow = true
	}
	s.add(inner.total)
}

// account is the statement being read, from its 03 record to its 49 trailer.
type account struct {
	st   reconcile.Statement
	line int
	sum      // its amounts, for the control total, and its records (blocks unused)
	zero int // details of no amount, left out
}

type parser struct {
	opts   Options
	latin1 bool
	errs   reconcile.Errors
	out    []reconcile.Statement
	text   arena.Arena
	rr     *recordReader

	file, group   bool // inside a file header/trailer, a group header/trailer
	fileLine      int
	groupLine     int
	fileSum       sum // for the 99 trailer: its groups, physical records and amounts
	groupSum      sum // for the 98 trailer: its accounts, physical records and amounts
	groupStart    int // the first statement of the group in out
	asOf          payment.Date
	groupCurrency payment.Currency
	acct          *account
}

func (p *parser) fail(line int, field string, err error) {
	p.errs.Add(&reconcile.ParseError{Format: Format, Line: line, Field: field, Err: err})
}

func (p *parser) run() {
	rc, ok := p.rr.next()
	if !ok || rc.code != "01" {
		p.fail(max(rc.line, 1), "", fmt.Errorf("%w: a BAI2 file starts with a 01 file header record", reconcile.ErrNotStatement))
		return
	}
	for ; ok; rc, ok = p.rr.next() {
		if p.errs.Len() >= reconcile.MaxErrors {
			return
		}
		p.fileSum.records += rc.physical
		p.groupSum.records += rc.physical
		f := &fields{s: rc.body}
		if p.acct != nil {
			p.acct.records += rc.physical
		}
		switch rc.code {
		case "01":
			if p.file {
				p.fail(rc.line, "01", fmt.Errorf("a second file header before the 99 trailer of the file of line %d", p.fileLine))
			}
			p.file, p.fileLine, p.fileSum = true, rc.line, sum{records: rc.physical}
			for range 7 {
				f.next()
			}
			v := f.next()
			if _, after, ok := strings.Cut(v, "/"); ok && strings.TrimSpace(after) != "" {
				// The next record runs on in the same line: what the parser would say of the rest is noise.
				p.errs = reconcile.Errors{}
				p.fail(rc.line, "01", errors.New(`the 01 file header goes on after the "/" that ends it: `+
					"each record must be on a line of its own (fixed-length records with no line breaks are not read)"))
				return
			}
			if v != "" && v != "2" {
				p.fail(rc.line, "01 version", fmt.Errorf("%q: this reads version 2 of the BAI format", v))
			}
		case "02":
			p.groupHeader(rc, f)
		case "03":
			p.accountHeader(rc, f)
		case "16":
			if p.acct == nil {
				p.fail(rc.line, "16", errors.New("a transaction detail outside an account (no 03 record before it)"))
				continue
			}
			p.detail(rc, f)
		case "49":
			p.accountTrailer(rc, f)
		case "98":
			p.groupTrailer(rc, f)
		case "99":
			if p.group {
				p.fail(rc.line, "99", fmt.Errorf("the group of line %d has no 98 trailer", p.groupLine))
			}
			if !p.file {
				p.fail(rc.line, "99", errors.New("a file trailer with no 01 file header before it"))
			}
			p.checkTrailer(rc.line, "99", "file", "groups", f, &p.fileSum, p.out)
			p.file, p.group = false, false
		case "88":
			p.fail(rc.line, "88", errors.New("a continuation record with no record before it"))
		default:
			p.fail(rc.line, "", fmt.Errorf("%q: not a BAI2 record type (01, 02, 03, 16, 49, 88, 98, 99)", rc.code))
		}
	}
	switch {
	case p.acct != nil:
		p.fail(p.acct.line, "03", fmt.Errorf("account %s has no 49 trailer: the file is cut short", p.acct.st.Account))
	case p.group:
		p.fail(p.groupLine, "02", errors.New("the group has no 98 trailer: the file is cut short"))
	case p.file:
		p.fail(p.fileLine, "01", errors.New("the file has no 99 trailer: it is cut short"))
	}
}

// groupHeader reads a 02 record: ultimate receiver, originator, group status, as-of date, as-of
// time, currency, as-of-date modifier.
func (p *parser) groupHeader(rc record, f *fields) {
	if !p.file {
		p.fail(rc.line, "02", errors.New("a group header outside a file (no 01 record before it)"))
	}
	if p.group {
		p.fail(rc.line, "02", fmt.Errorf("a group header before the 98 trailer of the group of line %d", p.groupLine))
	}
	p.group, p.groupLine = true, rc.line
	p.groupSum, p.groupStart = sum{records: rc.physical}, len(p.out)
	f.next()
	f.next()
	switch status := f.next(); status {
	case "", "1", "3": // update, correction
	case "2":
		p.fail(rc.line, "02 group status", errors.New("2 (deletion): the group withdraws an earlier report; there is nothing to import"))
	case "4":
		p.fail(rc.line, "02 group status", errors.New("4 (test only): a test file, not a report of the account"))
	default:
		p.fail(rc.line, "02 group status", fmt.Errorf("%q: not 1 (update), 2 (deletion), 3 (correction) or 4 (test only)", status))
	}
	d, err := parseDate(f.next())
	if err != nil {
		p.fail(rc.line, "02 as-of date", err)
	}
	p.asOf = d
	f.next()
	p.groupCurrency = "USD" // the specification's default
	if c := f.next(); c != "" {
		cur, err := parseCurrency(c)
		if err != nil {
			p.fail(rc.line, "02 currency", err)
		}
		p.groupCurrency = cur
	}
}

// accountHeader reads a 03 record: the account number, its currency, then summary and status items
// (type code, amount, item count, funds type and its fields).
func (p *parser) accountHeader(rc record, f *fields) {
	if !p.group {
		p.fail(rc.line, "03", errors.New("an account outside a group (no 02 record before it)"))
	}
	if p.acct != nil {
		p.fail(rc.line, "03", fmt.Errorf("account %s of line %d has no 49 trailer", p.acct.st.Account, p.acct.line))
	}
	a := &account{line: rc.line, sum: sum{records: rc.physical}}
	p.acct = a
	a.st = reconcile.Statement{Format: Format, From: p.asOf, To: p.asOf, Currency: p.groupCurrency}
	a.st.Entries = make([]reconcile.Entry, 0, p.rr.details())
	if a.st.Account = f.next(); a.st.Account == "" {
		p.fail(rc.line, "03 account number", errors.New("missing"))
	}
	if c := f.next(); c != "" {
		cur, err := parseCurrency(c)
		if err != nil {
			p.fail(rc.line, "03 currency", err)
		}
		a.st.Currency = cur
	}
	for !f.done {
		code, amt := f.next(), f.next()
		f.next() // item count
		if _, err := funds(f); err != nil {
			p.fail(rc.line, "03 funds type", err)
			return
		}
		if amt == "" {
			continue
		}
		v, err := parseAmount(amt, true)
		if err != nil {
			p.fail(rc.line, "03 amount of type code "+code, err)
			continue
		}
		a.add(v)
		switch code {
		case "010":
			a.st.Opening, a.st.HasOpening = v, true
		case "015":
			a.st.Closing, a.st.HasClosing = v, true
		}
	}
}

// funds reads a funds type and the fields it brings: a value date and time (V), three
// availability amounts (S), or a count of (days, amount) pairs (D). It returns the value date.
func funds(f *fields) (payment.Date, error) {
	switch t := f.next(); strings.ToUpper(t) {
	case "", "0", "1", "2", "Z":
	case "V":
		d := f.next()
		f.next() // the value time
		if d == "" {
			return 0, nil
		}
		v, err := parseDate(d)
		if err != nil {
			return 0, fmt.Errorf("the value date of funds type V: %w", err)
		}
		return v, nil
	case "S":
		f.next()
		f.next()
		f.next()
	case "D":
		n, err := strconv.Atoi(f.next())
		if err != nil || n < 0 || n > 99 {
			return 0, errors.New("the number of distributions of funds type D is not a count from 0 to 99")
		}
		for range n {
			f.next()
			f.next()
		}
	default:
		return 0, fmt.Errorf("%q: not 0, 1, 2, V, S, D or Z", t)
	}
	return 0, nil
}

// detail reads a 16 record: type code, amount, funds type (and its fields), bank reference,
// customer reference, text.
func (p *parser) detail(rc record, f *fields) {
	a := p.acct
	code, amt := f.next(), f.next()
	value, err := funds(f)
	if err != nil {
		p.fail(rc.line, "16 funds type", err)
		return
	}
	bankRef, custRef, text := f.next(), f.next(), f.rest()
	v, err := parseAmount(amt, false)
	if err != nil {
		p.fail(rc.line, "16 amount", err)
		return
	}
	a.add(v)
	dir, skip, err := p.direction(code)
	switch {
	case err != nil:
		p.fail(rc.line, "16 type code", err)
		return
	case skip:
		return
	case v == 0:
		a.zero++
		return
	}
	if value == 0 {
		value = p.asOf
	}
	a.st.Entries = append(a.st.Entries, reconcile.Entry{
		BookingDate: p.asOf,
		ValueDate:   value,
		Amount:      v,
		Direction:   dir,
		Currency:    a.st.Currency,
		CustomerRef: custRef,
		BankRef:     bankRef,
		Remittance:  text,
		BankTxCode:  code,
		Position:    p.text.Position(rc.line),
	})
}

// direction is the direction of detail type code code; skip says the detail is no entry (890,
// non-monetary information).
func (p *parser) direction(code string) (reconcile.Direction, bool, error) {
	if d, ok := p.opts.TypeCodes[code]; ok {
		if d != reconcile.Credit && d != reconcile.Debit {
			return "", false, fmt.Errorf("%s: Options.TypeCodes says %q, not credit or debit", code, d)
		}
		return d, false, nil
	}
	n, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 {
		return "", false, fmt.Errorf("%q: not a three-digit type code", code)
	}
	switch {
	case n == 890:
		return "", true, nil
	case n >= 100 && n <= 399:
		return reconcile.Credit, false, nil
	case n >= 400 && n <= 699:
		return reconcile.Debit, false, nil
	}
	return "", false, &TypeCodeError{Code: code, Own: n >= 700}
}

// A TypeCodeError is why a detail has no direction: its type code is the bank's own (700–999) and
// Options.TypeCodes does not name it, or it is a status code (001–099). It matches ErrTypeCode.
type TypeCodeError struct {
	Code string // as the file writes it: "901"
	Own  bool   // the bank's own code, rather than a status code
}

func (e *TypeCodeError) Error() string {
	if !e.Own {
		return e.Code + ": a status code (001–099) where a transaction detail code belongs: " + ErrTypeCode.Error()
	}
	return e.Code + ": the bank's own code (700–999), neither a credit (100–399) nor a debit (400–699): " + ErrTypeCode.Error()
}

// Is makes every *TypeCodeError match ErrTypeCode.
func (e *TypeCodeError) Is(target error) bool { return target == ErrTypeCode }

// OwnTypeCodes lists the bank's own type codes that err, an error of Decode, found without a
// direction: each once, in the order of the file. A caller names them in its advice on giving
// them one (Options.TypeCodes; orkesta's --type-code).
func OwnTypeCodes(err error) []string {
	var codes []string
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *TypeCodeError:
			if e.Own && !slices.Contains(codes, e.Code) {
				codes = append(codes, e.Code)
			}
		case interface{ Unwrap() []error }:
			for _, c := range e.Unwrap() {
				walk(c)
			}
		default:
			walk(errors.Unwrap(err))
		}
	}
	walk(err)
	return codes
}

// accountTrailer reads a 49 record (control total, number of records) and ends the account.
func (p *parser) accountTrailer(rc record, f *fields) {
	a := p.acct
	if a == nil {
		p.fail(rc.line, "49", errors.New("an account trailer with no 03 account before it"))
		return
	}
	p.acct = nil
	p.groupSum.close(&a.sum)
	st := &a.st
	if total := f.next(); total != "" {
		v, err := parseAmount(total, true)
		switch {
		case err != nil:
			p.fail(rc.line, "49 control total", err)
		case !a.overflow && v != a.total:
			p.integrity(rc.line, st, "49 control total", fmt.Sprintf("account control total %s, but the account's amounts add up to %s",
				strconv.FormatInt(v, 10), strconv.FormatInt(a.total, 10)))
		}
	}
	if n := f.next(); n != "" {
		count, err := strconv.Atoi(n)
		switch {
		case err != nil:
			p.fail(rc.line, "49 number of records", fmt.Errorf("%q: not a count", n))
		case count != a.records:
			p.integrity(rc.line, st, "49 number of records", fmt.Sprintf("the trailer counts %d records, but the account has %d", count, a.records))
		}
	}
	if a.zero > 0 {
		st.Warnings = append(st.Warnings, reconcile.Warning{Code: "zero_amount",
			Message: strconv.Itoa(a.zero) + " transaction details of no amount were left out"})
	}
	if p.latin1 {
		st.Warnings = append(st.Warnings, reconcile.CharsetWarning("ISO-8859-1"))
	}
	if w := st.CheckBalances(); w != nil && p.opts.Strict {
		p.fail(a.line, "03 closing ledger (015)", fmt.Errorf("%w: %s", reconcile.ErrBalanceMismatch, w.Message))
		return
	}
	p.out = append(p.out, *st)
}

// integrity records a control-total or record-count mismatch: a warning, or an error under Strict.
func (p *parser) integrity(line int, st *reconcile.Statement, field, msg string) {
	if p.opts.Strict {
		p.fail(line, field, errors.New(msg))
		return
	}
	st.Warnings = append(st.Warnings, reconcile.Warning{Code: "control_total_mismatch",
		Message: "account " + st.Account + ": " + msg})
}

// groupTrailer reads a 98 record (group control total, number of accounts, number of records) and
// ends the group.
func (p *parser) groupTrailer(rc record, f *fields) {
	if p.acct != nil {
		p.fail(rc.line, "98", fmt.Errorf("account %s of line %d has no 49 trailer", p.acct.st.Account, p.acct.line))
		p.acct = nil
	}
	if !p.group {
		p.fail(rc.line, "98", errors.New("a group trailer with no 02 group header before it"))
		return
	}
	p.group = false
	p.checkTrailer(rc.line, "98", "group of line "+strconv.Itoa(p.groupLine), "accounts", f, &p.groupSum, p.out[p.groupStart:])
	p.fileSum.close(&p.groupSum)
}

// checkTrailer compares a group or file trailer (control total, number of blocks, number of
// records) with what the group or file holds. A mismatch is an error under Strict, otherwise a
// control_total_mismatch warning on each statement of the group or file.
func (p *parser) checkTrailer(line int, code, what, blocks string, f *fields, s *sum, sts []reconcile.Statement) {
	var msgs []string
	if t := f.next(); t != "" {
		v, err := parseAmount(t, true)
		switch {
		case err != nil:
			p.fail(line, code+" control total", err)
		case !s.overflow && v != s.total:
			msgs = append(msgs, fmt.Sprintf("%s: control total %d, but its amounts add up to %d", what, v, s.total))
		}
	}
	for _, c := range []struct {
		name string
		have int
	}{{blocks, s.blocks}, {"records", s.records}} {
		t := f.next()
		if t == "" {
			continue
		}
		n, err := strconv.Atoi(t)
		switch {
		case err != nil:
			p.fail(line, code+" number of "+c.name, fmt.Errorf("%q: not a count", t))
		case n != c.have:
			msgs = append(msgs, fmt.Sprintf("%s: the trailer counts %d %s, but there are %d", what, n, c.name, c.have))
		}
	}
	for _, m := range msgs {
		if p.opts.Strict {
			p.fail(line, code, errors.New(m))
			continue
		}
		for i := range sts {
			sts[i].Warnings = append(sts[i].Warnings, reconcile.Warning{Code: "control_total_mismatch", Message: m})
		}
	}
}

// parseDate reads a YYMMDD date; years 70–99 are 19xx, 00–69 20xx.
func parseDate(s string) (payment.Date, error) {
	if len(s) != 6 || !digits(s) {
		return 0, fmt.Errorf("%q: not a date (YYMMDD)", s)
	}
	yy, _ := strconv.Atoi(s[:2])
	mm, _ := strconv.Atoi(s[2:4])
	dd, _ := strconv.Atoi(s[4:])
	year := 2000 + yy
	if yy >= 70 {
		year = 1900 + yy
	}
	d, ok := payment.CivilDate(year, mm, dd)
	if !ok {
		return 0, fmt.Errorf("%q: no such date", s)
	}
	return d, nil
}

// parseAmount reads an amount in the currency's smallest unit: digits, with a sign where signed.
func parseAmount(s string, signed bool) (int64, error) {
	t := s
	neg := false
	if signed && t != "" && (t[0] == '+' || t[0] == '-') {
		neg, t = t[0] == '-', t[1:]
	}
	if t == "" || !digits(t) {
		return 0, fmt.Errorf("%q: not an amount (digits in the currency's smallest unit, no decimal point)", s)
	}
	t = strings.TrimLeft(t, "0")
	if len(t) > 18 {
		return 0, fmt.Errorf("%q: %w", s, reconcile.ErrAmountRange)
	}
	v, _ := strconv.ParseInt("0"+t, 10, 64)
	if neg {
		v = -v
	}
	return v, nil
}

func parseCurrency(s string) (payment.Currency, error) {
	c := payment.Currency(strings.ToUpper(s))
	if !c.Valid() {
		return "", fmt.Errorf("%q: not an ISO 4217 currency code", s)
	}
	return c, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
