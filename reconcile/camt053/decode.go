package camt053

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/internal/arena"
	"github.com/orkesta/orkesta/reconcile/internal/charset"
	"github.com/orkesta/orkesta/reconcile/internal/xmlscan"
)

// Values of Statement.Format.
const (
	Format             = "camt053" // BankToCustomerStatement
	FormatReport       = "camt052" // BankToCustomerAccountReport (intraday)
	FormatNotification = "camt054" // BankToCustomerDebitCreditNotification
)

// Options tune Decode and Stream. The zero value honours the document's declared encoding and
// records balance mismatches as warnings.
type Options struct {
	// Charset forces the document's encoding ("iso-8859-1", "windows-1254", any IANA name),
	// overriding the XML declaration: for files that declare UTF-8 but are not. Empty: the
	// declaration decides (UTF-8 when there is none), or a UTF-16 byte-order mark.
	Charset string
	// Strict makes a statement whose opening balance plus entries is not its closing balance an error
	// (wrapping reconcile.ErrBalanceMismatch) instead of a balance_mismatch warning.
	Strict bool
}

// Limits that keep a hostile document from growing the decoder's memory.
const (
	maxDepth     = 64
	maxValueSize = 64 << 10
)

// Decode reads a camt.053 document (versions .001.02 to .001.08 and national variants: elements are
// matched by local name, whatever the namespace) and returns its statements, each with fingerprints
// and a balance check. camt.052 reports and camt.054 notifications share the entry structure and
// are decoded too (Statement.Format tells them apart; notifications have no balances).
//
// Every problem is a *reconcile.ParseError with the line; problems are collected (capped at
// reconcile.MaxErrors). Input that is not XML, or XML that is not a bank-to-customer message, is one
// error wrapping reconcile.ErrNotStatement. On error no statement is returned.
func Decode(r io.Reader, opts Options) ([]reconcile.Statement, error) {
	var out []reconcile.Statement
	d := newDecoder(r, opts)
	d.entry = func(st *reconcile.Statement, e *reconcile.Entry) {
		st.Entries = append(st.Entries, *e)
	}
	d.end = func(st *reconcile.Statement) {
		if st.Entries == nil {
			st.Entries = []reconcile.Entry{}
		}
		d.checkBalances(st, st.CheckBalances())
		out = append(out, *st)
	}
	if err := d.run(); err != nil {
		return nil, err
	}
	reconcile.FingerprintAll(out)
	return out, nil
}

// Stream reads the document like Decode but hands over each entry as soon as its </Ntry> is read,
// so memory stays flat however large the file: fn(st, e) is called for every entry, with st the
// statement it belongs to (its header and the balances read so far; st.Entries stays empty), then
// once more with e == nil when the statement ends (st.Warnings complete). Entries from Stream have
// no Fingerprint: it numbers identical bookings across a whole statement, so compute it with
// Statement.Fingerprint over the entries you keep, or use Decode. The pointers are reused: copy
// what you keep. An error returned by fn stops decoding and is returned as is.
func Stream(r io.Reader, opts Options, fn func(st *reconcile.Statement, e *reconcile.Entry) error) error {
	var (
		fnErr error
		nets  []currencyNet // the entries' count per currency, in the order first seen
		run   balanceRun
	)
	d := newDecoder(r, opts)
	d.entry = func(st *reconcile.Statement, e *reconcile.Entry) {
		nets = addNet(nets, e)
		run.add(st, e)
		if fnErr == nil {
			fnErr = fn(st, e)
		}
	}
	d.end = func(st *reconcile.Statement) {
		var w *reconcile.Warning
		foreign, others := foreignEntries(nets, st.Currency)
		switch {
		case !st.HasOpening || !st.HasClosing:
		case foreign > 0:
			st.Warnings = append(st.Warnings, reconcile.BalanceUncheckedWarning(st.Currency, foreign, others))
		default:
			// Entries that take the opening balance where the real ones did give CheckBalances' wording.
			sum := reconcile.Statement{Currency: st.Currency, Opening: st.Opening, Closing: st.Closing,
				HasOpening: true, HasClosing: true, Entries: run.replay(st.Opening)}
			if w = sum.CheckBalances(); w != nil {
				st.Warnings = append(st.Warnings, *w)
			}
		}
		d.checkBalances(st, w)
		if fnErr == nil {
			fnErr = fn(st, nil)
		}
		nets, run = nets[:0], balanceRun{}
	}
	d.stopped = func() bool { return fnErr != nil }
	if err := d.run(); err != nil {
		return err
	}
	return fnErr
}

// currencyNet is the number of a statement's entries in one currency ("": the statement's).
type currencyNet struct {
	cur payment.Currency
	n   int
}

func addNet(nets []currencyNet, e *reconcile.Entry) []currencyNet {
	i := 0
	for i < len(nets) && nets[i].cur != e.Currency {
		i++
	}
	if i == len(nets) {
		nets = append(nets, currencyNet{cur: e.Currency})
	}
	nets[i].n++
	return nets
}

// foreignEntries returns the count and currencies of the entries in another currency than cur.
func foreignEntries(nets []currencyNet, cur payment.Currency) (foreign int, others []payment.Currency) {
	for _, c := range nets {
		if c.cur != "" && c.cur != cur {
			foreign += c.n
			others = append(others, c.cur)
		}
	}
	return foreign, others
}

// balanceRun is the running balance of a streamed statement as CheckBalances keeps it for Decode:
// the opening balance plus the entries in the statement's currency, one by one, until one takes it
// out of the int64 range. The header, balances included, is known when the first entry is.
type balanceRun struct {
	bal     int64
	started bool
	over    bool // the balance left the int64 range
}

func (b *balanceRun) add(st *reconcile.Statement, e *reconcile.Entry) {
	if !b.started {
		b.bal, b.started = st.Opening, true
	}
	if b.over || e.Currency != "" && e.Currency != st.Currency {
		return
	}
	var ok bool
	if b.bal, ok = payment.AddMinor(b.bal, e.Signed()); !ok {
		b.over = true
	}
}

// replay returns entries that, added to open one by one, end where the real ones did, or leave the
// int64 range as they did.
func (b *balanceRun) replay(open int64) []reconcile.Entry {
	moves := func(vs ...int64) []reconcile.Entry {
		es := make([]reconcile.Entry, len(vs))
		for i, v := range vs {
			es[i] = reconcile.Entry{Amount: v, Direction: reconcile.Credit} // Signed() is v, even negative
		}
		return es
	}
	switch {
	case !b.started:
		return nil
	case b.over && open >= 0:
		return moves(math.MaxInt64, math.MaxInt64)
	case b.over:
		return moves(math.MinInt64)
	}
	if net := b.bal - open; (net < 0) == (b.bal < open) { // the net movement is in range
		return moves(net)
	}
	if open == math.MinInt64 { // through zero, as the real entries could only have gone
		return moves(math.MaxInt64, 1, b.bal)
	}
	return moves(-open, b.bal)
}

func (d *decoder) checkBalances(st *reconcile.Statement, w *reconcile.Warning) {
	if w != nil && d.opts.Strict {
		d.fail(d.closingLine, "Bal", fmt.Errorf("%w: %s", reconcile.ErrBalanceMismatch, w.Message))
	}
}

// decoder walks the XML tokens. It keeps the path of local element names, the text of the current
// leaf, and the state of the statement, entry and transaction details being read; nothing else.
type decoder struct {
	sc      *xmlscan.Scanner
	initErr error // the declared encoding is unknown
	names   map[string]string
	opts    Options
	errs    reconcile.Errors
	full    bool // the error list is at its cap

	entry   func(*reconcile.Statement, *reconcile.Entry)
	end     func(*reconcile.Statement)
	stopped func() bool

	path   []string // local names of the open elements
	qnames []string // their names as written, prefix included: what an end tag must repeat
	lines  []int
	text   []byte
	tooBig bool
	rel    []byte
	ccy    string      // Ccy attribute of the last <Amt>
	texts  arena.Arena // the entries' positions

	format   string
	stmtAt   int    // depth of Stmt/Rpt/Ntfctn (its index in path), 0 before the message is known
	msgName  string // the message element (BkToCstmrStmt, …) and its line
	msgLine  int
	stmts    int // statements started
	inStmt   bool
	st       reconcile.Statement
	stBad    bool
	acctCcy  string
	otherID  string
	bal      balance
	bals     []balance
	skipped  int
	unsplit  []string
	minDate  payment.Date
	maxDate  payment.Date
	declared bool // FrToDt given
	header   bool // account, currency and balances resolved

	closingLine int

	n    ntry
	inTx bool
}

type balance struct {
	code, amt, ccy, cdi, date string
	line, amtLine             int
}

func newDecoder(r io.Reader, opts Options) *decoder {
	d := &decoder{opts: opts, stopped: func() bool { return false }}
	if opts.Charset != "" {
		if enc, err := charset.Lookup(opts.Charset); err == nil {
			if enc != nil {
				r = enc.NewDecoder().Reader(r)
			}
		} else {
			d.errs.Add(&reconcile.ParseError{Format: Format, Field: "Options.Charset", Err: fmt.Errorf("unknown charset %q", opts.Charset)})
		}
	} else {
		r, d.initErr = declaredEncoding(r)
	}
	d.sc = xmlscan.New(r)
	d.sc.CountLines = true
	return d
}

// declaredEncoding returns r transcoded to UTF-8 from the encoding its XML declaration names
// (<?xml version="1.0" encoding="ISO-8859-1"?>), or as it is when it names UTF-8 or none. The
// declaration is ASCII in every encoding this reads but UTF-16, so the whole input is transcoded.
// UTF-16 is told by its byte-order mark, which wins over the declaration (as in the XML
// specification, appendix F), or, without one, by a declaration that starts the document in
// UTF-16.
func declaredEncoding(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(512)
	if enc := utf16Encoding(head); enc != nil {
		return enc.NewDecoder().Reader(br), nil
	}
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return br, nil
	}
	decl, _, ok := bytes.Cut(head, []byte("?>"))
	if !ok {
		return br, nil
	}
	label, ok := (&xmlscan.Tag{Attrs: decl[len("<?xml"):]}).Attr("encoding")
	if !ok || len(label) == 0 {
		return br, nil
	}
	enc, err := charset.Lookup(string(label))
	if err != nil {
		return br, fmt.Errorf("unknown encoding %q", label)
	}
	if enc == nil { // UTF-8
		return br, nil
	}
	return enc.NewDecoder().Reader(br), nil
}

// utf16Encoding returns the UTF-16 encoding a document starting with head is in, nil when it is
// not UTF-16. The decoder it gives drops the byte-order mark.
func utf16Encoding(head []byte) encoding.Encoding {
	if enc := charset.UTF16BOM(head); enc != nil {
		return enc
	}
	switch { // no mark: the declaration's "<?xml" written in UTF-16 says the order
	case bytes.HasPrefix(head, []byte("<\x00?\x00x\x00m\x00l\x00")):
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	case bytes.HasPrefix(head, []byte("\x00<\x00?\x00x\x00m\x00l")):
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	}
	return nil
}

func (d *decoder) line() int { return d.sc.Line() }

// intern returns name as a string, the same string for the same name: element names repeat.
func (d *decoder) intern(name []byte) string {
	if s, ok := d.names[string(name)]; ok {
		return s
	}
	s := string(name)
	if d.names == nil {
		d.names = make(map[string]string)
	}
	if len(d.names) < 1024 { // a hostile document's made-up names are not all kept
		d.names[s] = s
	}
	return s
}

func (d *decoder) fail(line int, field string, err error) {
	d.stBad = true
	if !d.errs.Add(&reconcile.ParseError{Format: d.formatName(), Line: line, Field: field, Err: err}) {
		d.full = true
	}
}

func (d *decoder) formatName() string {
	if d.format == "" {
		return Format
	}
	return d.format
}

func notStatement(line int, format string, args ...any) error {
	return &reconcile.ParseError{Format: Format, Line: line,
		Err: fmt.Errorf("%w: "+format, append([]any{reconcile.ErrNotStatement}, args...)...)}
}

// messages maps the message element to its format and statement element.
var messages = map[string][2]string{
	"BkToCstmrStmt":         {Format, "Stmt"},
	"BkToCstmrAcctRpt":      {FormatReport, "Rpt"},
	"BkToCstmrDbtCdtNtfctn": {FormatNotification, "Ntfctn"},
}

func (d *decoder) run() error {
	if d.errs.Len() > 0 {
		return d.errs.Err()
	}
	if d.initErr != nil {
		return notStatement(1, "not a camt XML document: %v", d.initErr)
	}
	stmtName := ""
loop:
	for !d.stopped() {
		text, t, err := d.sc.Next()
		if err != nil {
			if d.format == "" {
				return notStatement(d.line(), "not a camt XML document: %v", err)
			}
			d.fail(d.line(), d.pathString(), fmt.Errorf("XML syntax error: %w", err))
			break
		}
		if len(text) > 0 && len(d.path) > 0 {
			d.charData(text, false)
		}
		switch t.Kind {
		case xmlscan.EOF:
			if len(d.path) > 0 && d.format != "" {
				d.fail(d.line(), d.pathString(), errors.New("XML syntax error: unexpected end of document"))
			}
			break loop
		case xmlscan.CDATA:
			if len(d.path) > 0 {
				d.charData(t.Attrs, true)
			}
		case xmlscan.Start:
			if len(t.Name) == 0 {
				continue // a comment, a processing instruction, a DOCTYPE
			}
			qname := d.intern(t.QName)
			name := qname[len(qname)-len(t.Name):]
			depth := len(d.path)
			if depth >= maxDepth {
				d.fail(d.line(), d.pathString(), fmt.Errorf("elements nested deeper than %d", maxDepth))
				return d.errs.Err()
			}
			if d.format == "" {
				switch {
				case depth == 0 && name == "Document":
				case depth <= 1 && messages[name][0] != "":
					d.format, stmtName, d.stmtAt = messages[name][0], messages[name][1], depth+1
					d.msgName, d.msgLine = name, d.line()
				default:
					return notStatement(d.line(), "<%s> is not a bank-to-customer statement, report or notification (camt.053, camt.052, camt.054)", name)
				}
			}
			d.path = append(d.path, name)
			d.qnames = append(d.qnames, qname)
			d.lines = append(d.lines, d.line())
			d.text, d.tooBig = d.text[:0], false
			if name == "Amt" {
				d.ccy = ""
				if v, ok := t.Attr("Ccy"); ok {
					d.ccy = d.intern(v)
				}
			}
			if d.stmtAt > 0 && depth >= d.stmtAt {
				d.start(depth-d.stmtAt, name, stmtName)
			}
			if t.Empty {
				d.close(depth)
			}
		case xmlscan.End:
			if !d.endTag(t.Name, t.QName) {
				if d.format == "" {
					return notStatement(d.line(), "not a camt XML document: unexpected </%s>", t.Name)
				}
				return d.errs.Err()
			}
		}
		if d.full {
			break
		}
	}
	if err := d.errs.Err(); err != nil {
		return err
	}
	if d.format == "" {
		return notStatement(1, "no XML element found")
	}
	if d.stmts == 0 && !d.stopped() { // the schema asks for one at least: a file with none is not a quiet day
		d.fail(d.msgLine, d.msgName, fmt.Errorf("the message holds no <%s>", stmtName))
		return d.errs.Err()
	}
	return nil
}

// charData adds character data (raw text, or the content of a CDATA section) to the current value.
func (d *decoder) charData(raw []byte, cdata bool) {
	if d.tooBig {
		return
	}
	if len(d.text)+len(raw) > maxValueSize {
		d.tooBig = true
		return
	}
	if !utf8.Valid(raw) {
		d.fail(d.line(), d.pathString(), errors.New("XML syntax error: invalid UTF-8 (a document in another encoding declares it, or Options.Charset says it)"))
		d.text = d.text[:0]
		return
	}
	if cdata {
		d.text = xmlscan.AppendLines(d.text, raw)
		return
	}
	var err error
	if d.text, err = xmlscan.AppendText(d.text, raw); err != nil {
		d.fail(d.line(), d.pathString(), fmt.Errorf("XML syntax error: %w", err))
	}
}

// endTag closes the element at the top of the path, which must be qname (local name name); it
// reports false, with the problem recorded, when it is another.
func (d *decoder) endTag(name, qname []byte) bool {
	depth := len(d.path) - 1
	if depth < 0 || string(qname) != d.qnames[depth] {
		if d.format == "" {
			return false
		}
		open := ""
		if depth >= 0 {
			open = d.path[depth]
		}
		d.fail(d.line(), d.pathString(), fmt.Errorf("XML syntax error: element <%s> closed by </%s>", open, name))
		return false
	}
	d.close(depth)
	return true
}

// close closes the element at depth, the top of the path.
func (d *decoder) close(depth int) {
	if d.stmtAt > 0 && depth >= d.stmtAt && d.inStmt {
		d.endElement(depth - d.stmtAt)
	}
	d.path = d.path[:depth]
	d.qnames = d.qnames[:depth]
	d.lines = d.lines[:depth]
	d.text = d.text[:0]
}

func (d *decoder) pathString() string { return strings.Join(d.path, "/") }

// relPath is the path below the element at depth from (its index in path), joined by "/", in a
// reused buffer: switch string(relPath(…)) does not allocate.
func (d *decoder) relPath(from int) []byte {
	d.rel = d.rel[:0]
	for i := from + 1; i < len(d.path); i++ {
		if len(d.rel) > 0 {
			d.rel = append(d.rel, '/')
		}
		d.rel = append(d.rel, d.path[i]...)
	}
	return d.rel
}

// value is the text of the element just closed.
func (d *decoder) value() (string, bool) {
	if d.tooBig {
		d.fail(d.lines[len(d.lines)-1], d.pathString(), fmt.Errorf("value longer than %d bytes", maxValueSize))
		return "", false
	}
	return strings.TrimSpace(string(d.text)), true
}

// start handles a start tag at depth rel below the statement element.
func (d *decoder) start(rel int, name, stmtName string) {
	line := d.lines[len(d.lines)-1]
	switch {
	case rel == 0:
		if name != stmtName {
			return
		}
		d.inStmt, d.stBad = true, false
		d.stmts++
		d.st = reconcile.Statement{Format: d.format}
		d.acctCcy, d.otherID, d.bals, d.skipped, d.unsplit = "", "", d.bals[:0], 0, d.unsplit[:0]
		d.minDate, d.maxDate, d.declared, d.closingLine, d.header = 0, 0, false, line, false
	case !d.inStmt:
	case rel == 1 && name == "Ntry":
		d.resolveHeader() // balances precede entries in every version: entries see a complete header
		d.n.reset(line)
	case rel == 1 && name == "Bal":
		d.bal = balance{line: line}
	case rel == 3 && name == "TxDtls" && d.path[len(d.path)-2] == "NtryDtls" && d.path[len(d.path)-3] == "Ntry":
		d.n.txs = append(d.n.txs, tx{})
		d.inTx = true
	}
}

// endElement handles an end tag at depth rel below the statement element.
func (d *decoder) endElement(rel int) {
	if rel == 0 {
		d.endStatement()
		return
	}
	base := len(d.path) - 1 - rel // index of the statement element
	switch d.path[base+1] {
	case "Ntry":
		if rel == 1 {
			d.endEntry()
			return
		}
		if d.inTx && rel >= 3 && d.path[base+2] == "NtryDtls" && d.path[base+3] == "TxDtls" {
			if rel == 3 {
				d.inTx = false
				return
			}
			d.txValue(base + 3)
			return
		}
		d.entryValue(base + 1)
	case "Bal":
		if rel == 1 {
			d.endBalance()
			return
		}
		d.balanceValue(base + 1)
	default:
		d.statementValue(base)
	}
}

func (d *decoder) statementValue(base int) {
	p := d.relPath(base)
	switch string(p) {
	case "Id", "Acct/Id/IBAN", "Acct/Id/Othr/Id", "Acct/Ccy", "FrToDt/FrDtTm", "FrToDt/ToDtTm", "FrToDt/FrDt", "FrToDt/ToDt":
	default:
		return
	}
	v, ok := d.value()
	if !ok {
		return
	}
	line := d.lines[len(d.lines)-1]
	switch string(p) {
	case "Id":
		d.st.ID = v
	case "Acct/Id/IBAN":
		d.st.Account = v
	case "Acct/Id/Othr/Id":
		d.otherID = v
	case "Acct/Ccy":
		d.acctCcy = v
	case "FrToDt/FrDtTm", "FrToDt/FrDt":
		if dt, err := parseDate(v); err == nil {
			d.st.From, d.declared = dt, true
		} else {
			d.fail(line, "FrToDt", err)
		}
	case "FrToDt/ToDtTm", "FrToDt/ToDt":
		if dt, err := parseDate(v); err == nil {
			d.st.To = dt
		} else {
			d.fail(line, "FrToDt", err)
		}
	}
}

func (d *decoder) balanceValue(base int) {
	p := d.relPath(base)
	var dst *string
	switch string(p) {
	case "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry":
		dst = &d.bal.code
	case "Amt":
		dst, d.bal.ccy, d.bal.amtLine = &d.bal.amt, d.ccy, d.lines[len(d.lines)-1]
	case "CdtDbtInd":
		dst = &d.bal.cdi
	case "Dt/Dt", "Dt/DtTm":
		dst = &d.bal.date
	default:
		return
	}
	if v, ok := d.value(); ok {
		*dst = v
	}
}

func (d *decoder) endBalance() {
	if d.header {
		// The schema has a statement's balances before its entries, and the header they belong to
		// was settled at the first <Ntry>: a balance after it is left out, and said to be.
		code := d.bal.code
		if code == "" {
			code = "untyped"
		}
		d.st.Warnings = append(d.st.Warnings, reconcile.Warning{Code: "balance_after_entries",
			Message: fmt.Sprintf("line %d: the %s balance comes after the statement's entries, where camt.053 has no balances; left out",
				d.bal.line, code)})
		return
	}
	d.bals = append(d.bals, d.bal)
}

// parseDate reads an ISO date or date-time and keeps the calendar date as written (the date at the
// time's own offset, which is the account's local date). A date may carry a time zone, as XML
// Schema's date type allows: "Z" or an offset ("2024-01-15+03:00"); the date is still the one
// written. A date-time's time must be XML Schema's: hh:mm:ss, an optional fraction and zone.
func parseDate(s string) (payment.Date, error) {
	if len(s) > 10 && s[10] == 'T' {
		if !timeOfDay(s[11:]) {
			return 0, fmt.Errorf("date-time %q is not YYYY-MM-DDThh:mm:ss (with an optional fraction and time zone)", s)
		}
		s = s[:10]
	}
	if len(s) > 10 && zone(s[10:]) {
		s = s[:10]
	}
	return payment.ParseDate(s)
}

// timeOfDay reports whether s is an XML Schema time: "hh:mm:ss", an optional fraction ".s+" and an
// optional zone; 24:00:00 (the end of the day) is one.
func timeOfDay(s string) bool {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' || !isDigits(s[0:2]) || !isDigits(s[3:5]) || !isDigits(s[6:8]) {
		return false
	}
	h, m, sec := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0'), int(s[6]-'0')*10+int(s[7]-'0')
	rest, frac := s[8:], ""
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 {
			return false
		}
		frac, rest = rest[1:n], rest[n:]
	}
	if rest != "" && !zone(rest) {
		return false
	}
	if h == 24 {
		return m == 0 && sec == 0 && strings.Trim(frac, "0") == ""
	}
	return h < 24 && m < 60 && sec < 60
}

// zone reports whether s is an XML Schema time zone: "Z", or "+hh:mm" / "-hh:mm" up to 14:00.
func zone(s string) bool {
	if s == "Z" {
		return true
	}
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !isDigits(s[1:3]) || !isDigits(s[4:]) {
		return false
	}
	h, m := int(s[1]-'0')*10+int(s[2]-'0'), int(s[4]-'0')*10+int(s[5]-'0')
	return m < 60 && (h < 14 || (h == 14 && m == 0))
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// amount parses an XML decimal in ccy into minor units; more decimals than the currency has are
// accepted only when they are zeros ("18.150" EUR).
func amount(text, ccy string) (int64, payment.Currency, error) {
	c, err := payment.ParseCurrency(ccy)
	if err != nil {
		return 0, "", fmt.Errorf("currency %q is not an ISO 4217 code payments are made in", ccy)
	}
	v, err := reconcile.ParseMinor(text, reconcile.NumberDot, c.MinorUnits())
	if err != nil {
		return 0, "", reconcile.FormatAmountError(text, err)
	}
	if v < 0 || (len(text) > 0 && (text[0] == '-' || text[0] == '+')) {
		return 0, "", fmt.Errorf("amount %q has a sign; the direction is CdtDbtInd's", text)
	}
	return v, c, nil
}

func direction(cdi string) (reconcile.Direction, bool) {
	switch cdi {
	case "CRDT":
		return reconcile.Credit, true
	case "DBIT":
		return reconcile.Debit, true
	}
	return "", false
}

func (d *decoder) endStatement() {
	d.inStmt = false
	d.resolveHeader()
	st := &d.st
	if !d.declared {
		st.From, st.To = d.minDate, max(d.maxDate, st.To)
		if st.From == 0 {
			st.From = st.To
		}
	}
	if d.skipped > 0 {
		st.Warnings = append(st.Warnings, reconcile.Warning{Code: "entries_not_booked",
			Message: strconv.Itoa(d.skipped) + " entries with status PDNG or INFO (not booked) were left out"})
	}
	for _, m := range d.unsplit {
		st.Warnings = append(st.Warnings, reconcile.Warning{Code: "batch_not_split", Message: m})
	}
	if d.stBad || d.errs.Len() > 0 {
		return
	}
	d.end(st)
}

// resolveHeader settles the account, the currency and the balances, once per statement.
func (d *decoder) resolveHeader() {
	if d.header {
		return
	}
	d.header = true
	st := &d.st
	if st.Account == "" {
		st.Account = d.otherID
	}
	if st.Account == "" {
		d.fail(d.closingLine, "Acct/Id", errors.New("statement has no account (Acct/Id/IBAN or Acct/Id/Othr/Id)"))
	}
	if d.acctCcy != "" {
		c, err := payment.ParseCurrency(d.acctCcy)
		if err != nil {
			d.fail(d.closingLine, "Acct/Ccy", fmt.Errorf("currency %q is not an ISO 4217 code payments are made in", d.acctCcy))
		}
		st.Currency = c
	}
	d.balances()
}

// balances picks the opening (OPBD, else PRCD) and closing (CLBD) booked balances. Balances in
// another currency than the statement's are left out with a warning.
func (d *decoder) balances() {
	st := &d.st
	var open, prcd, closing *balance
	for i := range d.bals {
		b := &d.bals[i]
		switch b.code {
		case "OPBD":
			open = b
		case "PRCD":
			prcd = b
		case "CLBD":
			closing = b
		}
	}
	if open == nil {
		open = prcd
	}
	if st.Currency == "" {
		for _, b := range []*balance{open, closing} {
			if b != nil {
				if c, err := payment.ParseCurrency(b.ccy); err == nil {
					st.Currency = c
					break
				}
			}
		}
	}
	if st.Currency == "" && (open != nil || closing != nil) {
		c := open
		if c == nil {
			c = closing
		}
		st.Currency = payment.Currency(c.ccy) // not a valid code: read() reports it below
	}
	read := func(b *balance) (int64, payment.Date, bool) {
		if b.amt == "" {
			d.fail(b.line, "Bal/Amt", fmt.Errorf("%s balance has no Amt", b.code))
			return 0, 0, false
		}
		v, c, err := amount(b.amt, b.ccy)
		if err != nil {
			d.fail(b.amtLine, "Bal/Amt", err)
			return 0, 0, false
		}
		if c != st.Currency {
			st.Warnings = append(st.Warnings, reconcile.Warning{Code: "balance_currency",
				Message: fmt.Sprintf("line %d: %s balance is in %s, the statement in %s; left out", b.line, b.code, c, st.Currency)})
			return 0, 0, false
		}
		switch b.cdi {
		case "CRDT":
		case "DBIT":
			v = -v
		default:
			d.fail(b.line, "Bal/CdtDbtInd", fmt.Errorf("credit/debit indicator %q is not CRDT or DBIT", b.cdi))
			return 0, 0, false
		}
		dt, err := parseDate(b.date)
		if b.date != "" && err != nil {
			d.fail(b.line, "Bal/Dt", err)
			return 0, 0, false
		}
		return v, dt, true
	}
	if open != nil {
		st.Opening, _, st.HasOpening = read(open)
	}
	if closing != nil {
		var dt payment.Date
		st.Closing, dt, st.HasClosing = read(closing)
		d.closingLine = closing.line
		if !d.declared {
			st.To = dt
		}
	}
}
