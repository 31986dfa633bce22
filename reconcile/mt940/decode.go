package mt940

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/internal/arena"
	"github.com/orkesta/orkesta/reconcile/internal/charset"
	"github.com/orkesta/orkesta/reconcile/internal/readall"
)

// Format is the value of Statement.Format for statements from this package; FormatInterim for an
// MT942 interim transaction report (a statement with a :34F: floor limit, usually without balances).
const (
	Format        = "mt940"
	FormatInterim = "mt942"
)

// FallbackCharset is the code page used when Options.Charset is empty and the input is not valid
// UTF-8: Windows-1254 (Turkish), a superset of ISO-8859-9 in its printable range.
const FallbackCharset = charset.Turkish

// Options tune Decode. The zero value reads UTF-8 (or Windows-1254 when the file is not valid UTF-8)
// and records balance mismatches as warnings.
type Options struct {
	// Charset forces the file's text encoding: "utf-8", "windows-1254", "iso-8859-9",
	// "iso-8859-1", "windows-1252", "iso-8859-2", "iso-8859-15", "cp852", "cp850", or any IANA name.
	// Empty means: UTF-8 when the bytes are valid UTF-8 (a BOM is dropped), else FallbackCharset, with
	// a "charset" warning on every statement.
	Charset string
	// Strict makes a statement whose opening balance plus entries is not its closing balance an error
	// (wrapping reconcile.ErrBalanceMismatch) instead of a balance_mismatch warning.
	Strict bool
}

// Decode reads an MT940 file: one or more statements, with or without SWIFT blocks. Every problem is
// a *reconcile.ParseError (several are joined, capped at reconcile.MaxErrors); input without a single
// :20: field is one error wrapping reconcile.ErrNotStatement. On error no statement is returned.
func Decode(r io.Reader, opts Options) ([]reconcile.Statement, error) {
	data, err := readall.ReadAll(r) // shared, not copied, by the statements' strings
	if err != nil {
		return nil, &reconcile.ParseError{Format: Format, Err: err}
	}
	text, fallback, err := charset.Text(data, opts.Charset, charset.TurkishEncoding)
	if err != nil {
		return nil, &reconcile.ParseError{Format: Format, Field: "Options.Charset", Err: fmt.Errorf("%w %q", err, opts.Charset)}
	}
	return decodeText(text, opts, fallback)
}

// Inputs from parallelMin bytes on are cut at statement boundaries into up to GOMAXPROCS parts
// parsed at the same time; the result is the same as one pass (line numbers included).
const (
	parallelMin  = 1 << 20
	parallelPart = 512 << 10
)

func decodeText(text string, opts Options, fallback bool) ([]reconcile.Statement, error) {
	parts := split(text, min(runtime.GOMAXPROCS(0), len(text)/parallelPart, 16))
	ps := make([]*parser, len(parts))
	if len(parts) == 1 {
		ps[0] = newParser(text, 0, opts, fallback)
		ps[0].run()
	} else {
		var wg sync.WaitGroup
		for i, part := range parts {
			ps[i] = newParser(part.text, part.lines, opts, fallback)
			wg.Go(ps[i].run)
		}
		wg.Wait()
	}
	var errs reconcile.Errors
	n := 0
	for _, p := range ps {
		for _, e := range p.errs {
			errs.Add(e)
		}
		n += len(p.out)
		if p.capped { // one pass stops there: so do the parts read at the same time
			break
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, &reconcile.ParseError{Format: Format, Line: 1,
			Err: fmt.Errorf("%w: no :20: field (transaction reference) found", reconcile.ErrNotStatement)}
	}
	out := ps[0].out
	for _, p := range ps[1:] {
		out = append(out, p.out...)
	}
	reconcile.FingerprintAll(out) // once the file is known to decode, all statements together
	return out, nil
}

type part struct {
	text  string
	lines int // lines before the part
}

// split cuts text into about n parts, each starting at a line that begins with ":20:".
func split(text string, n int) []part {
	if n < 2 || len(text) < parallelMin {
		return []part{{text: text}}
	}
	var parts []part
	start, lines := 0, 0
	for i := 1; i < n; i++ {
		at := len(text) * i / n
		if at <= start {
			continue
		}
		k := strings.Index(text[at:], "\n:20:")
		if k < 0 {
			break
		}
		cut := at + k + 1
		parts = append(parts, part{text: text[start:cut], lines: lines})
		lines += strings.Count(text[start:cut], "\n")
		start = cut
	}
	return append(parts, part{text: text[start:], lines: lines})
}

func newParser(text string, lines int, opts Options, fallback bool) *parser {
	return &parser{src: text, lines: lines, opts: opts, fallback: fallback}
}

// entryChunk is how many entries one backing array holds (a statement that outgrows it moves to a
// larger one): entries are allocated a chunk at a time, not one slice per statement grown by copies.
const entryChunk = 1024

// addEntry appends an entry of the open statement and returns its index in p.entries. A statement's
// entries stay contiguous, so its Entries is a window on the array.
func (p *parser) addEntry(e reconcile.Entry) int {
	if len(p.entries) == cap(p.entries) {
		n := len(p.entries) - p.cur.first
		chunk := make([]reconcile.Entry, n, max(entryChunk, 2*n))
		copy(chunk, p.entries[p.cur.first:])
		p.entries, p.cur.first = chunk, 0
	}
	p.entries = append(p.entries, e)
	return len(p.entries) - 1
}

// parser walks the text line by line. A field runs from its tag to the next tag, terminator or block
// boundary; it is handed to field() as one raw substring (continuation lines included).
type parser struct {
	src      string
	opts     Options
	fallback bool
	lines    int // lines of the file before src
	errs     []*reconcile.ParseError
	stop     bool
	capped   bool // stopped by a field over maxField
	out      []reconcile.Statement
	cur      *stmt
	entries  []reconcile.Entry // the current chunk; each statement's Entries is a window on one

	// the open field
	tag        string
	tagLine    int
	start, end int // content offsets in src
	open       bool

	texts arena.Arena // the entries' Position strings

	// one-entry caches of the last parsed YYMMDD and MMDD (entries of a day repeat them)
	lastYYMMDD    string
	lastDate      dateParts
	lastMMDD      string
	lastMMDDValue payment.Date
	lastEntryDate dateParts
}

// stmt is the statement being assembled.
type stmt struct {
	st       reconcile.Statement
	line     int // of :20:
	ref28    string
	minor    int
	has60    bool
	line62   int
	tag62    string
	info     int // index in parser.entries of the entry waiting for its :86:, or -1
	first    int // index in parser.entries of the statement's first entry
	openDate payment.Date
	bad      bool

	// MT942: interim says the statement has a :34F: floor limit (which gives the currency when
	// there is no :60F:); asOf is the :13D: date; totals are :90D: and :90C: (number and sum of the
	// debit and credit entries).
	interim bool
	asOf    payment.Date
	totals  [2]entryTotal
}

// known reports whether the statement's currency is known: from its :60F: opening balance or its
// :34F: floor limit, whichever came first.
func (s *stmt) known() bool { return s.st.Currency != "" }

// entryTotal is an MT942 :90D: or :90C: field.
type entryTotal struct {
	line  int
	count int
	sum   int64
}

func (p *parser) fail(line int, field string, err error) {
	if p.cur != nil {
		p.cur.bad = true
	}
	p.addErr(&reconcile.ParseError{Format: Format, Line: line, Field: field, Err: err})
}

func (p *parser) addErr(e *reconcile.ParseError) {
	if len(p.errs) >= reconcile.MaxErrors {
		p.stop = true
		return
	}
	p.errs = append(p.errs, e)
}

func (p *parser) run() {
	src := p.src
	line := p.lines
	for pos := 0; pos < len(src) && !p.stop; {
		line++
		lstart := pos
		end := strings.IndexByte(src[pos:], '\n')
		if end < 0 {
			end = len(src)
			pos = end
		} else {
			end += pos
			pos = end + 1
		}
		l := src[lstart:end]
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}
		// SOH/STX/ETX framing characters (mBank and others).
		for len(l) > 0 && l[0] <= 0x03 {
			l = l[1:]
			lstart++
		}
		for n := len(l); n > 0 && l[n-1] <= 0x03; n = len(l) {
			l = l[:n-1]
		}
		if isBlock(l) {
			// SWIFT blocks {1:…}{2:…}{3:…}{4: open the text block; {5:…} and the like close it.
			p.closeField()
			k := strings.Index(l, "{4:")
			if k < 0 {
				continue
			}
			l = l[k+3:]
			lstart += k + 3
			if l == "" {
				continue
			}
		}
		if tag, n := tagAt(l); n > 0 {
			p.closeField()
			p.tag, p.tagLine, p.start, p.end, p.open = tag, line, lstart+n, lstart+len(l), true
			p.checkFieldSize(line)
			continue
		}
		if isTerminator(l) {
			p.closeField()
			continue
		}
		if p.open { // continuation line
			p.end = lstart + len(l)
			p.checkFieldSize(line)
		}
	}
	p.closeField()
	p.finish()
}

// maxField caps a field with its continuation lines. SWIFT allows a :86: of 6 lines of 65
// characters and banks stretch it to a few dozen; a field of megabytes is not a bank's, and would
// cost its size several times over in memory.
const maxField = 64 << 10

// checkFieldSize ends the reading at line when the open field has grown past maxField.
func (p *parser) checkFieldSize(line int) {
	if p.end-p.start > maxField {
		p.fail(line, ":"+p.tag+":", fmt.Errorf("a field longer than %d bytes with its continuation lines: not a bank's MT940 field", maxField))
		p.open, p.stop, p.capped = false, true, true
	}
}

// tagAt recognises a field tag at the start of a line: ":" 2 digits [letter] ":" (or ":NS:"). It
// returns the tag without colons and the length of the prefix, or 0.
func tagAt(l string) (string, int) {
	if len(l) < 4 || l[0] != ':' {
		return "", 0
	}
	if isDigit(l[1]) && isDigit(l[2]) {
		if l[3] == ':' {
			return l[1:3], 4
		}
		if len(l) >= 5 && l[3] >= 'A' && l[3] <= 'Z' && l[4] == ':' {
			return l[1:4], 5
		}
		return "", 0
	}
	if l[1] == 'N' && l[2] == 'S' && l[3] == ':' {
		return l[1:3], 4
	}
	return "", 0
}

// isTerminator reports a message end: "-", "-}…", "-XXX" or a line of dashes.
func isTerminator(l string) bool {
	l = strings.TrimRight(l, " ")
	if len(l) == 0 || l[0] != '-' {
		return false
	}
	if len(l) > 1 && l[1] == '}' {
		return true
	}
	for i := 1; i < len(l); i++ {
		if l[i] != '-' && l[i] != 'X' {
			return false
		}
	}
	return true
}

// isBlock reports a line that starts a SWIFT block, "{1:" … "{5:" or "{S:"; a continuation line
// that merely starts with a brace ("{INV 123} …" in a :86:) is text.
func isBlock(l string) bool {
	return len(l) >= 3 && l[0] == '{' && (isDigit(l[1]) || l[1] == 'S') && l[2] == ':'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *parser) closeField() {
	if !p.open {
		return
	}
	p.open = false
	p.field(p.tag, p.tagLine, p.src[p.start:p.end])
}

// firstLine returns the first line of a raw field and the rest (after the line break).
func firstLine(s string) (string, string) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return strings.TrimRight(s, "\r"), ""
	}
	return strings.TrimRight(s[:i], "\r"), s[i+1:]
}

// value is a field's first line, trimmed: the whole value of the one-line fields.
func value(text string) string {
	v, _ := firstLine(text)
	return strings.TrimSpace(v)
}

func (p *parser) field(tag string, line int, text string) {
	if tag == "20" {
		p.finish()
		p.cur = &stmt{line: line, info: -1, first: len(p.entries)}
		p.cur.st.Format = Format
		p.cur.st.ID = value(text)
		return
	}
	s := p.cur
	if s == nil {
		p.fail(line, ":"+tag+":", errors.New("field before the first :20: (transaction reference)"))
		return
	}
	info := s.info
	s.info = -1
	switch tag {
	case "25":
		s.st.Account = value(text)
		if s.st.Account == "" {
			p.fail(line, ":25:", errors.New("account identification is empty"))
		}
	case "28", "28C":
		s.ref28 = value(text)
	case "60F", "60M":
		if s.has60 {
			p.fail(line, ":"+tag+":", errors.New("second opening balance in one statement"))
			return
		}
		b, ok := p.balance(line, tag, text)
		if !ok {
			return
		}
		if s.known() && b.currency != s.st.Currency {
			p.fail(line, ":"+tag+":", fmt.Errorf("opening balance currency %s differs from the floor limit's %s", b.currency, s.st.Currency))
			return
		}
		s.has60 = true
		s.st.Currency, s.minor = b.currency, b.minor
		s.st.Opening, s.st.HasOpening = b.amount, true
		s.openDate = b.date
	case "62F", "62M":
		if s.line62 != 0 {
			p.fail(line, ":"+tag+":", errors.New("second closing balance in one statement"))
			return
		}
		s.line62, s.tag62 = line, tag
		b, ok := p.balance(line, tag, text)
		if !ok {
			return
		}
		if s.known() && b.currency != s.st.Currency {
			of := "the opening balance's"
			if !s.has60 {
				of = "the floor limit's"
			}
			p.fail(line, ":"+tag+":", fmt.Errorf("closing balance currency %s differs from %s %s", b.currency, of, s.st.Currency))
			return
		}
		s.st.Closing, s.st.HasClosing = b.amount, true
		s.st.To = b.date
	case "34F":
		cur, ok := p.floorLimit(line, text)
		if !ok {
			return
		}
		if s.known() && cur != s.st.Currency {
			p.fail(line, ":34F:", fmt.Errorf("floor limit currency %s differs from the statement's %s", cur, s.st.Currency))
			return
		}
		s.st.Currency, s.minor = cur, cur.MinorUnits()
		s.interim = true
	case "13D", "13":
		v := value(text)
		d, ok := p.date(v[:min(len(v), 6)])
		if !ok {
			p.fail(line, ":"+tag+":", fmt.Errorf("date %q is not a valid YYMMDD date", v))
			return
		}
		if d.clamped {
			p.warnDate(line, ":"+tag+":", v[:6], d.date)
		}
		s.asOf = d.date
	case "90D", "90C":
		if !s.known() {
			p.fail(line, ":"+tag+":", errors.New("entry totals before the :34F: floor limit (currency unknown)"))
			return
		}
		t, ok := p.entryTotal(line, tag, text, s.st.Currency, s.minor)
		if !ok {
			return
		}
		if tag == "90D" {
			s.totals[0] = t
		} else {
			s.totals[1] = t
		}
	case "61":
		if !s.known() {
			p.fail(line, ":61:", errors.New("statement line before the :60F: opening balance or the :34F: floor limit (currency unknown)"))
			return
		}
		e, err := p.statementLine(text, s.st.Currency, s.minor)
		if err != nil {
			p.fail(line, ":61:", err)
			return
		}
		e.Position = p.texts.Position(line)
		s.info = p.addEntry(e)
	case "86":
		if info >= 0 { // information to the account owner about the entry just read
			applyInfo(&p.entries[info], text)
		}
		// Otherwise it describes the statement (Danske, HSBC, ING put it there): not an entry's.
	}
}

type balance struct {
	amount   int64
	currency payment.Currency
	minor    int
	date     payment.Date
}

// balance parses "C200930EUR20419,66": mark, YYMMDD, currency, amount.
func (p *parser) balance(line int, tag, text string) (balance, bool) {
	field := ":" + tag + ":"
	v := value(text)
	if len(v) < 11 {
		p.fail(line, field, fmt.Errorf("balance %q is too short (want mark, YYMMDD, currency, amount)", v))
		return balance{}, false
	}
	var b balance
	sign := int64(1)
	switch v[0] {
	case 'C':
	case 'D':
		sign = -1
	default:
		p.fail(line, field, fmt.Errorf("balance mark %q is not C or D", v[:1]))
		return b, false
	}
	d, ok := p.date(v[1:7])
	if !ok {
		p.fail(line, field, fmt.Errorf("balance date %q is not a valid YYMMDD date", v[1:7]))
		return b, false
	}
	b.date = d.date
	if d.clamped {
		p.warnDate(line, field, v[1:7], d.date)
	}
	cur, err := payment.ParseCurrency(v[7:10])
	if err != nil {
		p.fail(line, field, fmt.Errorf("currency %q is not an ISO 4217 code payments are made in", v[7:10]))
		return b, false
	}
	b.currency, b.minor = cur, cur.MinorUnits()
	amt, err := amount(v[10:], b.minor)
	if err != nil {
		p.fail(line, field, err)
		return b, false
	}
	b.amount = sign * amt
	return b, true
}

// amount reads the amount of a balance, floor limit or entry total field: digits with a decimal
// comma, no sign (the field's mark gives it), in minor units of a currency with minor decimals.
// (Statement lines read theirs as they scan the :61: field.)
func amount(s string, minor int) (int64, error) {
	var err error
	v := int64(0)
	if s == "" || s[0] == '-' || s[0] == '+' || strings.IndexByte(s, ',') < 0 {
		err = errors.New("not an MT940 amount (digits and a decimal comma)")
	} else {
		v, err = reconcile.ParseMinor(s, reconcile.NumberComma, minor)
	}
	if err != nil {
		return 0, fmt.Errorf("amount %w", reconcile.FormatAmountError(s, err))
	}
	return v, nil
}

// floorLimit parses an MT942 :34F: floor limit, "EURD0," (currency, an optional D or C mark, an
// amount), and returns its currency.
func (p *parser) floorLimit(line int, text string) (payment.Currency, bool) {
	v := value(text)
	if len(v) < 4 {
		p.fail(line, ":34F:", fmt.Errorf("floor limit %q is too short (want currency, optional D or C, amount)", v))
		return "", false
	}
	cur, err := payment.ParseCurrency(v[:3])
	if err != nil {
		p.fail(line, ":34F:", fmt.Errorf("currency %q is not an ISO 4217 code payments are made in", v[:3]))
		return "", false
	}
	amt := v[3:]
	if amt[0] == 'D' || amt[0] == 'C' {
		amt = amt[1:]
	}
	if _, err := amount(amt, cur.MinorUnits()); err != nil {
		p.fail(line, ":34F:", fmt.Errorf("floor limit %w", err))
		return "", false
	}
	return cur, true
}

// entryTotal parses an MT942 :90D: or :90C: field, "3EUR1250,50": the number of entries, the
// currency, their sum.
func (p *parser) entryTotal(line int, tag, text string, cur payment.Currency, minor int) (entryTotal, bool) {
	field := ":" + tag + ":"
	v := value(text)
	n := 0
	for n < len(v) && n < 5 && isDigit(v[n]) {
		n++
	}
	if n == 0 || len(v) < n+4 {
		p.fail(line, field, fmt.Errorf("entry total %q: want the number of entries, the currency and their sum", v))
		return entryTotal{}, false
	}
	count, _ := strconv.Atoi(v[:n])
	if c := payment.Currency(v[n : n+3]); c != cur {
		p.fail(line, field, fmt.Errorf("entry total currency %s differs from the statement's %s", c, cur))
		return entryTotal{}, false
	}
	sum, err := amount(v[n+3:], minor)
	if err != nil {
		p.fail(line, field, fmt.Errorf("entry total %w", err))
		return entryTotal{}, false
	}
	return entryTotal{line: line, count: count, sum: sum}, true
}

// checkTotals compares an MT942's :90D: and :90C: with its entries: a mismatch is an
// "entry_totals_mismatch" warning, or an error under Strict (reported false).
func (p *parser) checkTotals(s *stmt) bool {
	var have [2]entryTotal
	var over [2]bool // the sum does not fit in int64: it agrees with no total
	for i := range s.st.Entries {
		e := &s.st.Entries[i]
		k := 0
		if e.Direction == reconcile.Credit {
			k = 1
		}
		have[k].count++
		if sum, ok := payment.AddMinor(have[k].sum, e.Amount); ok && !over[k] {
			have[k].sum = sum
		} else {
			over[k] = true
		}
	}
	for k, name := range []string{"debit", "credit"} {
		want := s.totals[k]
		if want.line == 0 || (want.count == have[k].count && want.sum == have[k].sum && !over[k]) {
			continue
		}
		sum := payment.FormatMinor(have[k].sum, s.st.Currency)
		if over[k] {
			sum = "more than " + payment.FormatMinor(math.MaxInt64, s.st.Currency)
		}
		msg := fmt.Sprintf("the %s entries are %d for %s, but :90%c: says %d for %s", name, have[k].count,
			sum, "DC"[k], want.count, payment.FormatMinor(want.sum, s.st.Currency))
		if p.opts.Strict {
			p.fail(want.line, fmt.Sprintf(":90%c:", "DC"[k]), errors.New(msg))
			return false
		}
		s.st.Warnings = append(s.st.Warnings, reconcile.Warning{Code: "entry_totals_mismatch", Message: msg})
	}
	return true
}

// finish closes the open statement: checks, period, balances (Decode fingerprints the statements
// once the whole file has decoded).
func (p *parser) finish() {
	s := p.cur
	if s == nil {
		return
	}
	p.cur = nil
	st := &s.st
	if st.Account == "" && !s.bad {
		p.addErr(&reconcile.ParseError{Format: Format, Line: s.line, Field: ":25:", Err: errors.New("statement has no :25: account identification")})
		s.bad = true
	}
	if !s.known() && !s.bad {
		p.addErr(&reconcile.ParseError{Format: Format, Line: s.line, Field: ":60F:",
			Err: errors.New("statement has no :60F: opening balance (nor, for an MT942, a :34F: floor limit)")})
		s.bad = true
	}
	if s.bad || p.stop {
		return
	}
	n := len(p.entries)
	st.Entries = p.entries[s.first:n:n]
	if s.ref28 != "" {
		st.ID += "/" + s.ref28
	}
	switch {
	case s.interim:
		st.Format = FormatInterim
		if st.To == 0 {
			st.To = s.asOf
		}
		if !p.checkTotals(s) {
			return
		}
	case s.line62 == 0:
		st.Warnings = append(st.Warnings, reconcile.Warning{Code: "missing_closing_balance",
			Message: "statement of line " + strconv.Itoa(s.line) + " has no :62F: closing balance"})
	}
	if p.fallback {
		st.Warnings = append(st.Warnings, reconcile.CharsetWarning(FallbackCharset))
	}
	period(st, s.openDate)
	if w := st.CheckBalances(); w != nil && p.opts.Strict {
		p.fail(s.line62, ":"+s.tag62+":", fmt.Errorf("%w: %s", reconcile.ErrBalanceMismatch, w.Message))
		return
	}
	p.out = append(p.out, *st)
}

// period sets From to the earliest entry date and To to the latest of the entries and the closing
// balance date; a statement without entries covers its closing (or opening) balance date.
func period(st *reconcile.Statement, opening payment.Date) {
	from, to := payment.Date(0), st.To
	for i := range st.Entries {
		e := &st.Entries[i]
		d := e.BookingDate
		if d == 0 {
			d = e.ValueDate
		}
		if from == 0 || d < from {
			from = d
		}
		if d > to {
			to = d
		}
	}
	if to == 0 {
		to = opening
	}
	if from == 0 {
		from = to
	}
	st.From, st.To = from, to
}

func (p *parser) warnDate(line int, field, raw string, d payment.Date) {
	if p.cur == nil {
		return
	}
	p.cur.st.Warnings = append(p.cur.st.Warnings, reconcile.Warning{Code: "date_adjusted",
		Message: fmt.Sprintf("line %d (%s): date %q does not exist; read as %s", line, field, raw, d)})
}
