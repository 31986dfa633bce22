package reconcile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile/internal/hugepage"
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
// first character after a UTF-8 byte order mark, if any. Every problem is reported (up to MaxErrors)
// as a *ParseError with its line or array index; nothing is returned then.
func ReadPayments(r io.Reader) ([]Payment, error) {
	size := readerSize(r)
	br := bufio.NewReaderSize(r, 256<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
	}
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
		return readPaymentsCSV(br, size)
	}
}

// ReadPaymentsCSV reads a payments CSV (see PaymentColumns). A UTF-8 byte order mark is skipped; the
// separator is a comma. When r can tell its size (an *os.File, a *bytes.Reader, a *strings.Reader), the
// result is allocated once at about the right size.
func ReadPaymentsCSV(r io.Reader) ([]Payment, error) {
	return readPaymentsCSV(r, readerSize(r))
}

// readPaymentsCSV reads a payments CSV of about size bytes (0: unknown). Strings are kept in arenas and
// account ids interned, so a payment costs its Payment and about the bytes of its id, reference and
// description; duplicate ids are found in one pass at the end. A large file of known size is read
// on several goroutines once its first rows are read (readPaymentsParallel), with the same result.
func readPaymentsCSV(r io.Reader, size int64) ([]Payment, error) {
	cr := newCSVReader(skipBOM(r))
	rec, err := cr.read()
	if err != nil {
		return nil, csvReadError(FormatPaymentsCSV, cr, err)
	}
	header := make([]string, len(rec))
	for i, f := range rec {
		header[i] = string(f)
	}
	col, err := columns(FormatPaymentsCSV, header, PaymentColumns, []string{"id", "amount", "currency"})
	if err != nil {
		return nil, err
	}
	pp := &payParser{cols: payCols{
		id: col["id"], amount: col["amount"], currency: col["currency"], method: col["method"],
		from: col["from_account"], to: col["to_account"], ref: col["reference"], desc: col["description"],
		status: col["status"], date: col["value_date"], batch: col["batch_id"],
	}, seed: maphash.MakeSeed()}
	var (
		errs Errors
		out  []Payment
		rows []payRow
	)
	parallel := parallelPayments && size > 0 && runtime.GOMAXPROCS(0) > 1
	for n := 0; ; n++ {
		if parallel && n == parallelPaymentsFrom && errs.Len() == 0 && cap(out) > 0 {
			if cr = readPaymentsParallel(cr, pp, &out, &rows); cr == nil {
				break
			}
		}
		rec, err := cr.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs.Add(&ParseError{Format: FormatPaymentsCSV, Line: cr.line, Field: csvFieldOf(err, header), Err: csvCauseOf(err)})
			break // the reader cannot resynchronize after a quoting error
		}
		if n == 1024 && size > 0 && cr.offset > 0 {
			// size the result from the bytes the first rows took
			want := int(size*int64(n)/cr.offset) + 1024
			out = append(hugepage.Make[Payment](0, want+want/32), out...)
			rows = append(make([]payRow, 0, cap(out)), rows...)
		}
		before := errs.Len()
		p, ok := pp.parse(rec, cr.line, &errs)
		if !ok {
			continue
		}
		if errs.Len() >= MaxErrors {
			break
		}
		if errs.Len() == before { // kept for the duplicate check even when other lines have problems
			out = append(out, p)
			rows = append(rows, pp.row(&p, cr.line))
		}
	}
	duplicateIDs(out, rows, &errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return slices.Clip(out), nil
}

// payCols are the indexes of the columns of a payments CSV (-1 for a column it does not have).
type payCols struct {
	id, amount, currency, method, from, to, ref, desc, status, date, batch int
}

// payParser turns records of a payments CSV into payments. It keeps what it reads in its own arena
// and caches: one per goroutine.
type payParser struct {
	cols     payCols
	seed     maphash.Seed // of the id hashes (payRow), the same in every fork
	strs     arena
	accounts map[string]payment.AccountID
	curs     [8]payment.Currency // the currencies seen, most files have a handful
	dates    [256]struct {       // a direct-mapped cache of parsed dates
		text [10]byte
		date payment.Date
	}
}

// fork returns a parser of the same columns with arena and caches of its own.
func (pp *payParser) fork() *payParser { return &payParser{cols: pp.cols, seed: pp.seed} }

func (pp *payParser) account(b []byte) payment.AccountID {
	if len(b) == 0 {
		return ""
	}
	if a, ok := pp.accounts[string(b)]; ok {
		return a
	}
	a := payment.AccountID(normalizeAccount(string(b)))
	if pp.accounts == nil {
		pp.accounts = make(map[string]payment.AccountID)
	}
	if len(pp.accounts) < 1<<14 { // intern the usual few accounts; a file of a million counterparties does not grow the map
		pp.accounts[string(b)] = a
	}
	return a
}

// parse reads record rec, which starts on line, adding its problems to errs; ok is false for a blank
// record, which is no payment.
func (pp *payParser) parse(rec [][]byte, line int, errs *Errors) (Payment, bool) {
	var p Payment
	if len(rec) == 1 && len(bytes.TrimSpace(rec[0])) == 0 {
		return p, false
	}
	get := func(i int) []byte {
		if i >= 0 && i < len(rec) {
			return trimField(rec[i])
		}
		return nil
	}
	bad := func(field string, e error) {
		errs.Add(&ParseError{Format: FormatPaymentsCSV, Line: line, Field: field, Err: e})
	}
	c := &pp.cols
	if id := get(c.id); len(id) == 0 {
		bad("id", errors.New("is empty"))
	} else {
		p.ID = payment.ID(pp.strs.str(id))
	}
	amt := get(c.amount)
	if v, ok := parsePositiveInt(amt); !ok {
		bad("amount", fmt.Errorf("%s is not a positive whole number of minor units", strconv.Quote(string(amt))))
	} else {
		p.Amount = v
	}
	code := get(c.currency)
	for _, c := range pp.curs {
		if c != "" && string(c) == string(code) {
			p.Currency = c
			break
		}
	}
	if p.Currency == "" {
		if c, err := payment.ParseCurrency(string(code)); err != nil {
			bad("currency", reason(err))
		} else {
			p.Currency = c
			copy(pp.curs[1:], pp.curs[:])
			pp.curs[0] = c
		}
	}
	var err error
	if m := get(c.method); len(m) > 0 {
		if p.Method, err = parseMethod(string(m)); err != nil {
			bad("method", err)
		}
	}
	if p.Status, err = parseStatus(string(get(c.status))); err != nil {
		bad("status", err)
	}
	if d := get(c.date); len(d) == 10 {
		slot := &pp.dates[(uint(d[8])*10+uint(d[9])+uint(d[5])*31+uint(d[6])*7+uint(d[3])*13)%uint(len(pp.dates))]
		if slot.date != 0 && string(slot.text[:]) == string(d) {
			p.ValueDate = slot.date
		} else if date, ok := parseISODate(d); ok {
			p.ValueDate = date
			copy(slot.text[:], d)
			slot.date = p.ValueDate
		} else {
			bad("value_date", fmt.Errorf("%s is not a date (YYYY-MM-DD)", strconv.Quote(string(d))))
		}
	} else if len(d) > 0 {
		bad("value_date", fmt.Errorf("%s is not a date (YYYY-MM-DD)", strconv.Quote(string(d))))
	}
	p.FromAccount = pp.account(get(c.from))
	p.ToAccount = pp.account(get(c.to))
	p.Reference = pp.strs.str(get(c.ref))
	p.Description = pp.strs.str(get(c.desc))
	p.BatchID = payment.BatchID(pp.strs.str(get(c.batch)))
	p.EndToEnd = p.ID.EndToEndKey()
	return p, true
}

// payRow is what the duplicate-id check needs of a payment read: its line, and a hash of its id taken
// while the id was at hand (a fork's goroutine computes those of its run).
type payRow struct {
	line   int32
	idHash uint32
}

// row returns p's payRow; p was read from line.
func (pp *payParser) row(p *Payment, line int) payRow {
	return payRow{line: int32(line), idHash: uint32(maphash.String(pp.seed, string(p.ID)))}
}

// duplicateIDs reports every payment whose id an earlier line has. It builds an open-addressing table
// of the rows' id hashes in one tight loop, whose cache misses overlap, and reads a payment's id only
// when two hashes are equal: at a million payments of distinct ids, about a hundred times.
func duplicateIDs(ps []Payment, rows []payRow, errs *Errors) {
	size := uint64(1) << bits.Len(uint(2*len(ps))|15)
	mask := size - 1
	slots := make([]uint64, size) // id hash << 32 | row + 1
	for row, r := range rows {
		h := uint64(r.idHash)
		for i := h & mask; ; i = (i + 1) & mask {
			v := slots[i]
			if v == 0 {
				slots[i] = h<<32 | uint64(row+1)
				break
			}
			if v>>32 == h {
				if first := int(v&0xFFFFFFFF) - 1; ps[first].ID == ps[row].ID {
					if !errs.Add(&ParseError{Format: FormatPaymentsCSV, Line: int(r.line), Field: "id",
						Err: fmt.Errorf("%s is already on line %d", ps[row].ID, rows[first].line)}) {
						return
					}
					break
				}
			}
		}
	}
}

// trimField is bytes.TrimSpace, without the call for the usual field that needs none.
func trimField(b []byte) []byte {
	if trimmed(b) {
		return b
	}
	return bytes.TrimSpace(b)
}

// parsePositiveInt parses a positive decimal integer that fits in int64.
func parsePositiveInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, v > 0
}

// parseISODate parses YYYY-MM-DD as payment.ParseDate does.
func parseISODate(b []byte) (payment.Date, bool) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return 0, false
	}
	num := func(b []byte) (int, bool) {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(b[0:4])
	m, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	return payment.CivilDate(y, m, d) // 30 February is not a date, nor is a day before 1970
}

// csvReadError turns an error of the first read (the header) into a ParseError.
func csvReadError(format string, cr *csvReader, err error) error {
	if err == io.EOF {
		return &ParseError{Format: format, Line: 1, Err: errors.New("the file is empty: no header")}
	}
	return &ParseError{Format: format, Line: cr.line, Err: csvCauseOf(err)}
}

// csvFieldOf is the column name of the field a syntax error is in (by its place in header: the
// column's number when the header has no name there), or "".
func csvFieldOf(err error, header []string) string {
	var se *csvSyntaxError
	if !errors.As(err, &se) {
		return ""
	}
	if se.Field < len(header) {
		if name := strings.TrimSpace(header[se.Field]); name != "" {
			return name
		}
	}
	return "column " + strconv.Itoa(se.Field+1)
}

func csvCauseOf(err error) error {
	var se *csvSyntaxError
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}

// readerSize is the number of bytes r holds when it can tell, else 0.
func readerSize(r io.Reader) int64 {
	switch x := r.(type) {
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := x.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	case interface{ Len() int }:
		return int64(x.Len())
	}
	return 0
}

// ReadPaymentsJSON reads an array of payment objects as the API returns them, or a page of them
// ({"data": [...]}). A UTF-8 byte order mark is skipped. A missing status means settled; a missing
// end_to_end_id is derived from a "pay_" id.
func ReadPaymentsJSON(r io.Reader) ([]Payment, error) {
	dec := json.NewDecoder(skipBOM(r))
	bad := func(field string, e error) error {
		return &ParseError{Format: FormatPaymentsJSON, Field: field, Err: e}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, bad("", err)
	}
	page := tok == json.Delim('{')
	if page {
		// a page: find "data"
		for {
			k, err := dec.Token()
			if err != nil {
				return nil, bad("", cutOff(err))
			}
			if k == json.Delim('}') {
				return nil, bad("data", errors.New(`the object has no "data" array of payments`))
			}
			if k == "data" {
				break
			}
			if err := skipPageValue(dec, k); err != nil {
				return nil, err
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
		// value_date is read as text here, so that a date that is not one is named as such.
		var jp struct {
			Payment
			ValueDate string `json:"value_date"`
		}
		at := func(f string) string { return "[" + strconv.Itoa(i) + "]." + f }
		n := errs.Len()
		add := func(f string, e error) { errs.Add(&ParseError{Format: FormatPaymentsJSON, Field: at(f), Err: e}) }
		if err := dec.Decode(&jp); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				errs.Add(&ParseError{Format: FormatPaymentsJSON, Field: "[" + strconv.Itoa(i) + "]", Err: cutOff(err)})
				return nil, errs.Err() // the decoder cannot continue after a syntax error
			}
			// The decoder read the whole payment but names only its first field of the wrong type,
			// and leaves the others of the wrong type empty: nothing else of it is checked, and the
			// next payment is read as usual.
			field := strings.TrimPrefix(te.Field, "Payment.") // the JSON name, not the embedding's path
			if field == "amount" {
				add(field, fmt.Errorf("%s is not a positive whole number of minor units", te.Value))
			} else {
				add(field, fmt.Errorf("%s is not a %s", te.Value, te.Type.Kind()))
			}
			if errs.Len() >= MaxErrors {
				return nil, errs.Err()
			}
			continue
		}
		p := jp.Payment
		if jp.ValueDate != "" {
			if p.ValueDate, err = payment.ParseDate(jp.ValueDate); err != nil {
				add("value_date", fmt.Errorf("%s is not a date (YYYY-MM-DD)", strconv.Quote(jp.ValueDate)))
			}
		}
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
			return nil, errs.Err()
		}
		if errs.Len() == n {
			out = append(out, p)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if err := paymentsEnd(dec, page); err != nil {
		return nil, err
	}
	if out == nil {
		out = []Payment{}
	}
	return out, nil
}

// paymentsEnd reads the rest of a payments JSON file after its last payment: the array's end, for a
// page what follows its data, then nothing. A file cut off after a payment, or two files run
// together, would otherwise lose payments unseen.
func paymentsEnd(dec *json.Decoder, page bool) error {
	if _, err := dec.Token(); err != nil {
		return &ParseError{Format: FormatPaymentsJSON, Err: cutOff(err)}
	}
	for page {
		k, err := dec.Token()
		if err != nil {
			return &ParseError{Format: FormatPaymentsJSON, Err: cutOff(err)}
		}
		if k == json.Delim('}') {
			break
		}
		if err := skipPageValue(dec, k); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &ParseError{Format: FormatPaymentsJSON, Err: errors.New("the file goes on after its payments: " +
			"give one array of payments (or one page) per file")}
	}
	return nil
}

// skipPageValue reads the value of key k of a page of payments, other than its data: a page that
// says more payments follow ("has_more": true) holds only part of them, and is refused.
func skipPageValue(dec *json.Decoder, k json.Token) error {
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return &ParseError{Format: FormatPaymentsJSON, Field: fmt.Sprint(k), Err: cutOff(err)}
	}
	if k == "has_more" && string(v) == "true" {
		return &ParseError{Format: FormatPaymentsJSON, Field: "has_more", Err: errors.New("the page says more payments " +
			"follow: this file holds only some of them; give all of them (every page's data, in one array)")}
	}
	return nil
}

// cutOff says what the end of a JSON file where more must follow means.
func cutOff(err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the file ends before its payments do: is it cut off?")
	}
	return err
}

// AccountCurrencies returns a function that gives the currency of an account among accts, named by
// its id or its IBAN (in any spacing or case), and "" for any other name (an empty one too): what a
// CSV or XLSX decoder needs for a statement that names its account but not its currency
// (csv.Options.AccountCurrency). A name two accounts of different currencies share gives "": which
// of them a statement is, its file must say.
func AccountCurrencies(accts []payment.Account) func(account string) payment.Currency {
	byName := make(map[string]payment.Currency, 2*len(accts))
	ambiguous := make(map[string]bool)
	set := func(name string, c payment.Currency) {
		switch prev := byName[name]; {
		case c == "" || c == prev || ambiguous[name]: // an account of unknown currency says nothing
		case prev != "":
			byName[name], ambiguous[name] = "", true
		default:
			byName[name] = c
		}
	}
	for _, a := range accts {
		set(string(a.ID), a.Currency)
		if a.IBAN != "" {
			set(normalizeAccount(a.IBAN), a.Currency)
		}
	}
	return func(account string) payment.Currency { return byName[normalizeAccount(account)] }
}

// ReadAccounts reads an accounts CSV (see AccountColumns). IBANs are normalized and checked: a value
// of the iban column that starts like an IBAN (the code of a country that has IBANs and two check
// digits, such as "DE00 1234", or any two letters and two digits in a value of 15 characters or
// more) must be a valid IBAN, else it is refused at its line; any other value is a bank account
// number, kept without spaces and in upper case. An account without an IBAN is allowed (the
// statement may use its id).
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
	type seenAt struct {
		line     int
		currency payment.Currency
	}
	ids, ibans := make(map[payment.AccountID]int), make(map[string]seenAt)
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
					errs.Add(&ParseError{Format: FormatAccountsCSV, Line: line, Field: "iban",
						Err: errors.New("starts like an IBAN but " + reason(err).Error())})
				}
			}
			a.IBAN = norm
		}
		// An id is one account; an IBAN of two accounts in different currencies would give a
		// statement that names only its IBAN whichever currency came last.
		if first, dup := ids[a.ID]; dup && a.ID != "" {
			errs.Add(&ParseError{Format: FormatAccountsCSV, Line: line, Field: "id", Err: fmt.Errorf("%s is already on line %d", a.ID, first)})
		} else if a.ID != "" {
			ids[a.ID] = line
		}
		if first, dup := ibans[a.IBAN]; dup && first.currency != a.Currency && first.currency != "" && a.Currency != "" {
			errs.Add(&ParseError{Format: FormatAccountsCSV, Line: line, Field: "iban", Err: fmt.Errorf(
				"%s is already on line %d, an account in %s, not %s", payment.MaskIBAN(a.IBAN), first.line, first.currency, a.Currency)})
		} else if a.IBAN != "" && (!dup || first.currency == "") {
			ibans[a.IBAN] = seenAt{line, a.Currency} // an account of unknown currency says nothing
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

// looksLikeIBAN: a normalized account that starts with two letters and two digits, the letters the
// code of a country that has IBANs or the value 15 characters or more (the shortest IBAN).
func looksLikeIBAN(s string) bool {
	if len(s) < 4 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' ||
		s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9' {
		return false
	}
	_, country := payment.IBANLength(s[:2])
	return country || len(s) >= 15
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
