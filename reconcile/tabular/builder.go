package tabular

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/internal/arena"
	"github.com/orkesta/orkesta/reconcile/internal/hugepage"
)

// DefaultHeaderScan is how many rows are searched for the header row.
const DefaultHeaderScan = 40

// Options configure a Builder.
type Options struct {
	// Format is "csv" or "xlsx": it goes into Statement.Format and ParseError.Format.
	Format string
	// Sheet, when set, makes positions spreadsheet cells ("Sheet1!C7") instead of lines ("line 7").
	Sheet string
	// Mappings are tried on each row until one finds its header; the first row that qualifies wins,
	// and on that row the mapping that names the most columns. Nil means every preset.
	Mappings []*Mapping
	// Account and Currency override what the file says; a line in another currency is an error.
	Account  string
	Currency payment.Currency
	// AccountCurrency, when set, gives the currency of a statement whose file says none (no currency
	// column, nothing in the summary rows or next to the amounts, none in the options or the
	// mapping) from its account: an IBAN, an account number or id, or "" when the file names none
	// either. It returns "" for an account it does not know. A file read on several goroutines (see
	// Fork) asks from each of them: it must be safe for concurrent use.
	AccountCurrency func(account string) payment.Currency
	// Strict turns statement warnings (a balance that does not add up, skipped rows) into errors.
	Strict bool
	// FileWarnings are added to every statement of the file, and stay warnings under Strict: what a
	// decoder found about the whole file, such as the character set it guessed.
	FileWarnings []reconcile.Warning
	// NumericCells says cells may hold spreadsheet numbers: serial dates and amounts as stored
	// (XLSX with raw cell values). Rows given with RowNumbers say which cells are numbers; an
	// amount in a number cell is read as the number it is, and only amounts in text cells decide
	// the file's number format.
	NumericCells bool
	// Date1904 selects the 1904 date system for serial dates (a workbook property).
	Date1904 bool
	// HeaderScan is how many rows are searched for the header; 0 means DefaultHeaderScan.
	HeaderScan int
	// RowsHint, when above zero, is an estimate of the number of data rows: the entries of the first
	// statement are allocated for that many at once, and not copied at the end if they fit.
	RowsHint int
	// Stream, when set, makes the Builder keep no entries: each one goes to Stream(st, e) as soon as
	// its row is read (st is its statement's header so far; both are reused), and Finish returns no
	// statements but ends each with Stream(st, nil). The entries of a file with several accounts
	// or currencies, so several statements, come interleaved in file order. They have no
	// Fingerprint (it numbers identical bookings across a whole statement). See Builder.Finish.
	Stream func(st *reconcile.Statement, e *reconcile.Entry) error
}

const noBalance = math.MinInt64

// ErrNoCurrency is the problem of a line whose currency nothing says: no currency column, nothing in
// the summary rows or next to the amounts, none in the options or the mapping, and no known account.
var ErrNoCurrency = errors.New("currency unknown: the file names none (set the Currency option, or use a " +
	"mapping that has a currency column or a currency)")

// group is the entries of one statement: one account in one currency.
type group struct {
	account  string
	currency payment.Currency
	mu       int
	idx      int // its index in Builder.groups
	tally    tally
	head     reconcile.Statement // what streaming hands over with each entry
}

// entryStore keeps the entries of every statement in file order, in chunks of growing size (the
// first one sized by Options.RowsHint), and splits them into one slice per statement at the end:
// appending to one slice per statement would allocate about five times its final size on the way.
type entryStore struct {
	chunks [][]reconcile.Entry
	cur    []reconcile.Entry
	n      int
	hint   int
	owner  []int32 // the group of each entry, once there is more than one group

	// For forks (fork.go): tail is the end of the room reserved in cur's array, closed says no more
	// room may be reserved there, and at is where a fork's own store starts in its parent's array.
	tail   int
	closed bool
	at     int
	// ahead, when set, delivers the first array, of hint entries, cleared on another goroutine
	// meanwhile (see preallocate).
	ahead chan []reconcile.Entry
	// keys, once forks have been made, holds reconcile.EntryHash of the entries of cur's array at the
	// same index (zero for the entries stored before): forks hash the entries they read, on their
	// own goroutines, and give them the fingerprint of a first occurrence; split numbers the
	// identical bookings. In a fork it is the window of its reserved room.
	keys [][16]byte
}

// add returns a new zero entry of group g, in place in the current chunk.
func (s *entryStore) add(g *group, groups int) *reconcile.Entry {
	if len(s.cur) == cap(s.cur) {
		if s.cur != nil {
			s.chunks = append(s.chunks, s.cur)
			s.keys = nil // they cover the first array only
			s.cur = make([]reconcile.Entry, 0, min(max(256, 2*cap(s.cur)), 16384))
		} else {
			s.cur = s.first()
		}
	}
	if groups > 1 {
		if s.owner == nil {
			s.owner = make([]int32, s.n, max(s.n+1, cap(s.cur)))
		}
		s.owner = append(s.owner, int32(g.idx))
	}
	s.cur = s.cur[:len(s.cur)+1]
	s.n++
	return &s.cur[len(s.cur)-1]
}

// aheadFrom is the size of the first array from which it is allocated ahead: 4,096 entries, about
// 850 KB.
const aheadFrom = 4096

// preallocate starts allocating the first array, of hint entries, on another goroutine. Clearing a
// large array takes long (some 3 ms for 200,000 entries): it is done while the decoder finds the
// separator and the header, which run on one core.
func (s *entryStore) preallocate() {
	if s.hint < aheadFrom {
		return
	}
	s.ahead = make(chan []reconcile.Entry, 1)
	go func(ahead chan<- []reconcile.Entry, n int) {
		ahead <- hugepage.Make[reconcile.Entry](0, n)
	}(s.ahead, s.hint)
}

// first returns the first array: the one allocated ahead, or a new one of hint entries (at least
// 256).
func (s *entryStore) first() []reconcile.Entry {
	n := s.hint
	s.hint = 0
	if s.ahead != nil {
		a := <-s.ahead
		s.ahead = nil
		return a
	}
	return make([]reconcile.Entry, 0, max(256, n))
}

// split returns the entries of each group (in the order of groups), releasing the chunks. When one
// chunk holds everything and its size was estimated right, its array is kept: sorted in place by
// group when there are several, each group getting its own capacity-limited part of it.
//
// fingerprinted reports that the entries have their fingerprints: when forks hashed them (keys),
// split counts the identical bookings over the whole file (the hash covers account and currency:
// bookings of different statements never match) while it lays the groups out, and gives the
// repeated ones the fingerprint of their occurrence.
func (s *entryStore) split(groups []*group) (out [][]reconcile.Entry, fingerprinted bool) {
	out = make([][]reconcile.Entry, len(groups))
	if len(groups) == 0 {
		return out, false
	}
	var all []reconcile.Entry
	if len(s.chunks) == 0 && s.cur != nil && cap(s.cur) <= len(s.cur)*5/4+256 {
		all = slices.Clip(s.cur) // the estimate was right: no copy, little waste
		if s.keys != nil {
			keys := s.keys[:len(all)]
			s.hashRest(all, keys, groups)
			var reps []reconcile.Repeat
			var wg sync.WaitGroup
			wg.Go(func() { reps = reconcile.Repeats(keys) })
			if len(groups) > 1 {
				s.sortByGroup(all, groups)
			}
			wg.Wait()
			s.numberRepeats(all, keys, reps, groups)
			fingerprinted = true
		} else if len(groups) > 1 {
			s.sortByGroup(all, groups)
		}
	} else {
		all = make([]reconcile.Entry, s.n)
		next := offsets(groups)
		k := 0
		for _, c := range append(s.chunks, s.cur) {
			for i := range c {
				g := 0
				if s.owner != nil {
					g = int(s.owner[k])
				}
				all[next[g]] = c[i]
				next[g]++
				k++
			}
		}
	}
	off := 0
	for i, g := range groups {
		out[i] = all[off : off+g.tally.n : off+g.tally.n]
		off += g.tally.n
	}
	*s = entryStore{}
	return out, fingerprinted
}

// groupOf is the group of entry i of the file.
func (s *entryStore) groupOf(i int) int {
	if s.owner == nil {
		return 0
	}
	return int(s.owner[i])
}

// hashRest hashes the entries stored before the first fork (their keys are zero) and gives them the
// fingerprint of a first occurrence, as forks do.
func (s *entryStore) hashRest(all []reconcile.Entry, keys [][16]byte, groups []*group) {
	var x reconcile.EntryHasher
	for i := range keys {
		if keys[i] == [16]byte{} {
			e := &all[i]
			keys[i] = x.Hash(groups[s.groupOf(i)].account, e)
			e.Fingerprint = string(reconcile.AppendFingerprint(nil, "", nil, keys[i], 1))
		}
	}
}

// numberRepeats gives each repeated booking (reps, by file index) the fingerprint of its
// occurrence, where sortByGroup put it: file index i of group g is at g's offset plus the number of
// g's entries before i.
func (s *entryStore) numberRepeats(all []reconcile.Entry, keys [][16]byte, reps []reconcile.Repeat, groups []*group) {
	if len(reps) == 0 {
		return
	}
	if len(groups) == 1 {
		for _, r := range reps {
			e := &all[r.Entry]
			e.Fingerprint = string(reconcile.AppendFingerprint(nil, groups[0].account, e, keys[r.Entry], r.N))
		}
		return
	}
	place := offsets(groups)
	r := 0
	for i := range keys {
		g := s.groupOf(i)
		if r < len(reps) && reps[r].Entry == i {
			e := &all[place[g]]
			e.Fingerprint = string(reconcile.AppendFingerprint(nil, groups[g].account, e, keys[i], reps[r].N))
			r++
			if r == len(reps) {
				return
			}
		}
		place[g]++
	}
}

// offsets returns where each group's entries start when they are laid out one group after another.
func offsets(groups []*group) []int {
	next := make([]int, len(groups))
	off := 0
	for i, g := range groups {
		next[i] = off
		off += g.tally.n
	}
	return next
}

// sortBuffer bounds the buffer sortByGroup may take: 32 MiB, about 160,000 entries.
const sortBuffer = 32 << 20

// sortByGroup lays the entries of all out group after group, keeping the file order within a group.
// When the entries outside the larger of the first and last group fit in sortBuffer, it does so in
// one sequential pass (sortBuffered); otherwise in place (sortInPlace), about twice as slow but with
// no memory of its own: at a million entries the buffer would be some 75 MB, when the whole
// statement is at its largest.
func (s *entryStore) sortByGroup(all []reconcile.Entry, groups []*group) {
	stay := 0
	if last := len(groups) - 1; groups[last].tally.n > groups[0].tally.n {
		stay = last
	}
	if (len(all)-groups[stay].tally.n)*int(unsafe.Sizeof(reconcile.Entry{})) > sortBuffer {
		s.sortInPlace(all, groups)
		return
	}
	s.sortBuffered(all, groups, stay)
}

// sortInPlace follows the cycles of the permutation backwards, from each place to the entry that
// belongs there, so that every entry moves once: a random access per entry.
func (s *entryStore) sortInPlace(all []reconcile.Entry, groups []*group) {
	next := offsets(groups)
	src := make([]int32, len(all)) // the entry that belongs at each place
	for i, g := range s.owner {
		src[next[g]] = int32(i)
		next[g]++
	}
	for i := range all {
		if int(src[i]) == i {
			continue
		}
		tmp := all[i]
		for k := i; ; {
			from := int(src[k])
			src[k] = int32(k)
			if from == i {
				all[k] = tmp
				break
			}
			all[k] = all[from]
			k = from
		}
	}
}

// sortBuffered does it in one sequential pass: the entries of group stay (the first or the last)
// move within all toward their place (entries are read before anything is written over them), and
// the others go through a buffer, group by group, and are copied to their place at the end.
func (s *entryStore) sortBuffered(all []reconcile.Entry, groups []*group, stay int) {
	place := offsets(groups)
	// The buffer keeps the groups other than stay in group order: part[g] is where g's part starts.
	part := make([]int, len(groups))
	size := 0
	for g, gr := range groups {
		if g != stay {
			part[g] = size
			size += gr.tally.n
		}
	}
	side := make([]reconcile.Entry, size)
	owner := s.owner
	if stay == 0 {
		next := slices.Clone(part)
		w := 0
		for i, g := range owner {
			if g == 0 {
				if w != i {
					all[w] = all[i]
				}
				w++
				continue
			}
			side[next[g]] = all[i]
			next[g]++
		}
	} else {
		end := make([]int, len(groups)) // scanning backwards, each part fills from its end
		for g, gr := range groups {
			end[g] = part[g] + gr.tally.n
		}
		w := len(all)
		for i := len(owner) - 1; i >= 0; i-- {
			g := int(owner[i])
			if g == stay {
				w--
				if w != i {
					all[w] = all[i]
				}
				continue
			}
			end[g]--
			side[end[g]] = all[i]
		}
	}
	for g, gr := range groups {
		if g == stay {
			continue
		}
		copy(all[place[g]:place[g]+gr.tally.n], side[part[g]:part[g]+gr.tally.n])
	}
}

// queued is a row waiting until the number or date format of the file is decided.
type queued struct {
	n       int
	cells   []string
	numbers []bool
}

// Builder turns the rows of a table into statements: it finds the header, reads every data row into
// an Entry, and checks the whole file before it returns anything (or, with Options.Stream, hands
// each entry over as it is read and the statements' headers at the end). Feed it rows with Row,
// then call Finish. It is not safe for concurrent use.
type Builder struct {
	opts  Options
	plans []*plan
	errs  reconcile.Errors
	fatal bool

	numbers   []bool // which cells of the row at hand are spreadsheet number cells (RowNumbers)
	rows      int    // rows seen before the header
	lay       *layout
	nums      numState
	dateMask  uint8
	dateSpec  dateSpec
	decidedBy string // the cell that decided the number format, for messages

	preIBAN, preAccount string
	accRaw, accNorm     string
	// The last answer of Options.AccountCurrency, for acctCurOf (see accountCurrency).
	acctCurOf         string
	acctCur           payment.Currency
	acctCurAsked      bool
	preCurrency       payment.Currency
	preAmountCurrency payment.Currency // from an amount such as "48.215,40 TL" above the header
	codes             []currencyText   // currency cells already read
	nearMiss          string
	unfound           []string // fields of the mapping the header has no column for (noteUnfound)
	headerLine        int      // the header's row, when unfound is set

	groups   []*group
	last     *group
	store    entryStore
	skipped  []int // the first rows with a date but no amount, for the warning
	nSkipped int
	queue    []queued

	text   texts                 // positions and fingerprints of entries
	hasher reconcile.EntryHasher // for the fingerprints of entries
	entry  reconcile.Entry       // the entry handed to Options.Stream, reused
	fnErr  error                 // what Options.Stream returned

	forked    bool // a fork (fork.go): it stops at a row that would narrow a decision
	diverged  bool // it did
	inherited int  // the groups it started with, shared with its parent
}

// NewBuilder returns a Builder; it fails when a mapping is invalid.
func NewBuilder(opts Options) (*Builder, error) {
	plans, err := compileAll(opts.Mappings)
	if err != nil {
		return nil, err
	}
	b := &Builder{opts: opts, plans: plans}
	b.store.hint = min(max(opts.RowsHint, 0), 1<<24)
	if opts.Stream == nil {
		b.store.preallocate()
	}
	if b.opts.HeaderScan <= 0 {
		b.opts.HeaderScan = DefaultHeaderScan
	}
	return b, nil
}

// Row feeds the next row; n is its line (CSV) or row number (XLSX). cells may be reused by the
// caller after Row returns, but the strings in it are kept. Row reports false once the builder
// needs no more rows: too many errors, or a fatal one.
func (b *Builder) Row(n int, cells []string) bool { return b.RowNumbers(n, cells, nil) }

// RowNumbers is Row for a spreadsheet's row whose cells numbers[i] are number cells (the stored
// number as text, "1234.5"), the others text as the sheet shows it. A number cell's amount is that
// number whatever the file's number format; the text "1.500" beside it is read in the format the
// file's text amounts decide.
func (b *Builder) RowNumbers(n int, cells []string, numbers []bool) bool {
	b.numbers = numbers
	if b.fatal {
		return false
	}
	if b.errs.Len() >= reconcile.MaxErrors {
		// More input after the cap: record that the list is cut short, and stop.
		b.errs.Add(&reconcile.ParseError{Format: b.opts.Format, Line: n})
		b.fatal = true
		return false
	}
	if b.lay == nil {
		b.headerRow(n, cells)
	} else {
		b.dataRow(n, cells)
	}
	return !b.fatal
}

// HeaderFound reports whether the header row has been found (or the mapping needs none).
func (b *Builder) HeaderFound() bool { return b.lay != nil }

// Failed reports whether a problem has been recorded.
func (b *Builder) Failed() bool { return b.errs.Len() > 0 }

func (b *Builder) stopped() bool { return b.fatal || b.errs.Len() >= reconcile.MaxErrors }

// fail records a problem at row n, column col (-1 for the row), for field o (-1 for none).
func (b *Builder) fail(n, col, o int, err error) {
	pe := &reconcile.ParseError{Format: b.opts.Format, Err: err}
	if b.opts.Sheet != "" {
		c := col
		if c < 0 {
			c = 0
			if b.lay != nil && b.lay.first > 0 {
				c = b.lay.first
			}
		}
		pe.Cell = cellName(b.opts.Sheet, c, n)
	} else {
		pe.Line = n
	}
	if o >= 0 && b.lay != nil {
		pe.Field = b.lay.names[o]
		if b.opts.Sheet == "" && col >= 0 {
			pe.Field += " (column " + strconv.Itoa(col+1) + ")"
		}
	}
	b.errs.Add(pe)
}

func (b *Builder) fatalf(n int, err error) {
	b.fail(n, -1, -1, err)
	b.fatal = true
}

// cellName writes "Sheet1!C7" for 0-based column col of row n.
func cellName(sheet string, col, n int) string {
	var name []byte
	for c := col + 1; c > 0; c = (c - 1) / 26 {
		name = append([]byte{byte('A' + (c-1)%26)}, name...)
	}
	q := sheet
	if strings.ContainsAny(sheet, " !'-") {
		q = "'" + strings.ReplaceAll(sheet, "'", "''") + "'"
	}
	return q + "!" + string(name) + strconv.Itoa(n)
}

// ---- header search ----

func (b *Builder) headerRow(n int, cells []string) {
	b.rows++
	if len(b.plans) == 1 {
		p := b.plans[0]
		switch {
		// HeaderRow and SkipRows count the file's rows (n: a CSV file's lines, blank ones too, or
		// a sheet's rows), not the rows given here: a CSV reader leaves blank lines out.
		case p.noHeader:
			if n <= p.m.SkipRows {
				b.preamble(cells)
				return
			}
			l := p.byIndex()
			b.start(&l)
			b.dataRow(n, cells)
			return
		case p.m.HeaderRow > 0:
			if n < p.m.HeaderRow {
				b.preamble(cells)
				return
			}
			if n > p.m.HeaderRow {
				b.fatalf(n, fmt.Errorf("%w: header row %d (mapping %s) is blank", reconcile.ErrNotStatement,
					p.m.HeaderRow, p.m.Name))
				return
			}
			l, ok, missing := p.resolve(cells, foldRow(cells))
			if !ok {
				b.fatalf(n, fmt.Errorf("%w: header row %d (mapping %s) lacks %s", reconcile.ErrNotStatement,
					p.m.HeaderRow, p.m.Name, missing))
				return
			}
			b.start(&l)
			b.noteUnfound(n)
			return
		}
	}
	if blank(cells) {
		return
	}
	folded := foldRow(cells)
	var best *layout
	for _, p := range b.plans {
		l, ok, missing := p.resolve(cells, folded)
		if ok && (best == nil || l.score > best.score) {
			best = &l
		}
		if !ok && l.score >= 2 && b.nearMiss == "" {
			b.nearMiss = fmt.Sprintf("; row %d looks like a header but lacks %s", n, missing)
		}
	}
	if best != nil {
		b.start(best)
		b.noteUnfound(n)
		return
	}
	b.preamble(cells)
	if b.rows >= b.opts.HeaderScan {
		b.fatalf(n, b.noHeaderError())
	}
}

func (b *Builder) noHeaderError() error {
	var names []string
	for _, p := range b.plans {
		names = append(names, p.m.Name)
	}
	return fmt.Errorf("%w: no header row with a date column and an amount column in the first %d rows "+
		"(mappings tried: %s)%s", reconcile.ErrNotStatement, b.opts.HeaderScan, strings.Join(names, ", "), b.nearMiss)
}

func blank(cells []string) bool {
	for _, c := range cells {
		if trimSpace(c) != "" {
			return false
		}
	}
	return true
}

func foldRow(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Fold(c)
	}
	return out
}

// start switches to data rows with layout l.
func (b *Builder) start(l *layout) {
	b.lay = l
	b.nums = newNumState(l.p.m)
	b.dateSpec = l.p.dates
	b.dateSpec.excel = b.dateSpec.excel || b.opts.NumericCells
	b.dateMask = b.dateSpec.orders
}

// WarningColumnsNotFound is the code of the warning that the header row has no column for a field
// the caller's own mapping names (a misspelt "Referans No", say): that field is left empty.
const WarningColumnsNotFound = "columns_not_found"

// noteUnfound remembers, for the warning, the fields of the caller's own mapping that header row n
// has no column for. The built-in presets list names of many banks' exports, any of which a file
// may lack.
func (b *Builder) noteUnfound(n int) {
	if b.lay.p.preset {
		return
	}
	if u := b.lay.unfound(); len(u) > 0 {
		b.unfound, b.headerLine = u, n
	}
}

// preamble picks the account and currency out of the summary rows above the header:
// "IBAN: TR33 0006 …", "Hesap No;12345", "Para Birimi;TL", "Kontonummer:;DE02 1203 … / Girokonto",
// "Devise;EUR".
func (b *Builder) preamble(cells []string) {
	for i := 0; i < len(cells); i++ {
		t := trimSpace(cells[i])
		if t == "" {
			continue
		}
		key, val, inCell := strings.Cut(t, ":")
		if !inCell || trimSpace(val) == "" { // "Hesap No;12345", "Kontonummer:;DE02…"
			for j := i + 1; j < len(cells); j++ {
				if v := trimSpace(cells[j]); v != "" {
					val = v
					break
				}
			}
		}
		val = trimSpace(val)
		if _, _, cur, ok := splitAmount(t); ok && cur != "" && strings.ContainsAny(t, "0123456789") && b.preAmountCurrency == "" {
			if code, ok := currencyCode(cur); ok {
				b.preAmountCurrency = payment.Currency(code)
			}
		}
		if iban, err := payment.NormalizeIBAN(t); err == nil && b.preIBAN == "" {
			b.preIBAN = iban
			continue
		}
		switch Fold(key) {
		case "iban", "hesapiban", "ibanno", "ibannumarasi", "accountiban":
			if iban, ok := leadingIBAN(val); ok && b.preIBAN == "" {
				b.preIBAN = iban
			}
		case "hesapno", "hesapnumarasi", "musterino", "accountnumber", "accountno", "account",
			"kontonummer", "konto", "kontonr", "compte", "numerodecompte", "ndecompte":
			if iban, ok := leadingIBAN(val); ok { // "DE02 1203 0000 0000 2020 51 / Girokonto"
				if b.preIBAN == "" {
					b.preIBAN = iban
				}
			} else if b.preAccount == "" {
				b.preAccount = val
			}
		case "parabirimi", "doviz", "dovizcinsi", "dovizkodu", "dovizturu", "hesapparabirimi", "currency",
			"wahrung", "waehrung", "devise", "monnaie":
			if code, ok := currencyCode(val); ok && b.preCurrency == "" {
				b.preCurrency = payment.Currency(code)
			}
		}
	}
}

// leadingIBAN reads an IBAN at the start of s, written whole or in groups, followed by nothing or
// by other words ("DE02 1203 0000 0000 2020 51 / Girokonto").
func leadingIBAN(s string) (string, bool) {
	if iban, err := payment.NormalizeIBAN(s); err == nil {
		return iban, true
	}
	groups := strings.Fields(s)
	for n := min(len(groups), 9); n >= 1; n-- { // an IBAN is at most 34 characters: 9 groups of 4
		if iban, err := payment.NormalizeIBAN(strings.Join(groups[:n], "")); err == nil {
			return iban, true
		}
	}
	return "", false
}

// ---- data rows ----

func cellAt(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return trimSpace(cells[i])
}

// refAt is cellAt for a reference column: the SEPA placeholder NOTPROVIDED, which German banks
// write in their "Kundenreferenz (End-to-End)" column when the payer gave none, is no reference (as
// the MT940 and camt.053 decoders read it).
func refAt(cells []string, i int) string {
	if t := cellAt(cells, i); t != reconcile.NotProvided {
		return t
	}
	return ""
}

func (b *Builder) dataRow(n int, cells []string) {
	if len(cells) > b.lay.cells && b.lay.cells > 0 && b.opts.Sheet == "" && b.valuePastHeader(n, cells) {
		return
	}
	if !b.nums.decided() || len(b.queue) > 0 || (b.dateMask == bothOrders && b.dateUndecided(cells)) {
		if b.forked {
			b.diverged, b.fatal = true, true
			return
		}
		if b.narrow(cells) || len(b.queue) > 0 {
			// Only the columns the layout reads are kept: a row of a few bytes may have a cell in
			// the last of a sheet's 16,384 columns, and a file whose amounts never decide queues
			// every row.
			w := b.lay.width()
			b.queue = append(b.queue, queued{n: n, cells: slices.Clone(cells[:min(len(cells), w)]),
				numbers: slices.Clone(b.numbers[:min(len(b.numbers), w)])})
			b.drain(false)
			return
		}
	}
	b.process(n, cells, false)
}

// valuePastHeader fails a CSV booking row (one with a date or an amount) that has a value in a column
// the header does not have: a separator inside an unquoted value, such as the amount 1234,56 in a
// comma-separated file, splits it, and the part past the header was dropped without a word.
func (b *Builder) valuePastHeader(n int, cells []string) bool {
	l := b.lay
	if cellAt(cells, l.col[fBooking]) == "" && cellAt(cells, l.col[fValue]) == "" && cellAt(cells, l.col[fAmount]) == "" &&
		cellAt(cells, l.col[fDebit]) == "" && cellAt(cells, l.col[fCredit]) == "" {
		return false // a title or footer row: process decides
	}
	for i := l.cells; i < len(cells); i++ {
		if v := trimSpace(cells[i]); v != "" {
			b.fail(n, i, -1, fmt.Errorf("column %d holds %q, but the header has %d columns: is a separator inside a value? "+
				"(a comma-separated file must quote an amount written 1234,56)", i+1, v, l.cells))
			return true
		}
	}
	return false
}

// amountCols are the columns whose values decide the number format.
func (b *Builder) amountCols() [4]int {
	l := b.lay
	return [4]int{l.col[fAmount], l.col[fDebit], l.col[fCredit], l.col[fBalance]}
}

// narrow lets a row's values decide the number format and date order, and reports whether the row
// still reads two ways (so it must wait).
func (b *Builder) narrow(cells []string) (undecided bool) {
	g, err := b.groupFor(cells, false)
	if err != nil {
		return false // process reports it
	}
	for _, c := range b.amountCols() {
		t := cellAt(cells, c)
		if t == "" || b.isNumber(c) { // a number cell is read as such: it decides nothing
			continue
		}
		if b.nums.decided() {
			break
		}
		ok, _, agree := b.nums.readings(t, g.mu, b.nums.mask)
		if ok&b.nums.mask == 0 {
			continue // not an amount in any candidate format: process reports it
		}
		if ok&b.nums.mask != b.nums.mask {
			b.nums.mask &= ok
			if b.nums.decided() {
				b.decidedBy = fmt.Sprintf("%q", t)
			}
			_, _, agree = b.nums.readings(t, g.mu, b.nums.mask)
		}
		if !agree {
			undecided = true
		}
	}
	for _, c := range [2]int{b.lay.col[fBooking], b.lay.col[fValue]} {
		t := cellAt(cells, c)
		if t == "" || b.dateMask != bothOrders || yearFirst(t) {
			continue
		}
		r, err := readDate(t, b.dateSpec, b.opts.Date1904)
		if err != nil {
			continue
		}
		if r.ok != bothOrders {
			b.dateMask &= r.ok
		} else if !r.agree(b.dateMask) {
			undecided = true
		}
	}
	return undecided
}

// dateUndecided reports whether the row has a date that does not say its own order, while the
// file's order is still open.
func (b *Builder) dateUndecided(cells []string) bool {
	for _, c := range [2]int{b.lay.col[fBooking], b.lay.col[fValue]} {
		if t := cellAt(cells, c); t != "" && !yearFirst(t) {
			return true
		}
	}
	return false
}

// yearFirst is a quick test for "2006-01-02"-like text, which reads one way whatever the order.
func yearFirst(t string) bool {
	return len(t) > 4 && allDigits(t[:4]) && (t[4] < '0' || t[4] > '9')
}

// drain processes queued rows in order while they read one way; final processes them all, ambiguous
// values becoming errors.
func (b *Builder) drain(final bool) {
	i := 0
	for ; i < len(b.queue); i++ {
		q := b.queue[i]
		b.numbers = q.numbers
		if !final && b.ambiguous(q.cells) {
			break
		}
		b.process(q.n, q.cells, final)
	}
	b.queue = b.queue[i:]
	if len(b.queue) == 0 {
		b.queue = nil
	}
}

func (b *Builder) ambiguous(cells []string) bool {
	g, err := b.groupFor(cells, false)
	if err != nil {
		return false
	}
	for _, c := range b.amountCols() {
		if t := cellAt(cells, c); t != "" && !b.isNumber(c) {
			if ok, _, agree := b.nums.readings(t, g.mu, b.nums.mask); ok&b.nums.mask != 0 && !agree {
				return true
			}
		}
	}
	for _, c := range [2]int{b.lay.col[fBooking], b.lay.col[fValue]} {
		if t := cellAt(cells, c); t != "" {
			if r, err := readDate(t, b.dateSpec, b.opts.Date1904); err == nil && !r.agree(b.dateMask) {
				return true
			}
		}
	}
	return false
}

// groupFor finds the statement a row belongs to, by its account and currency.
func (b *Builder) groupFor(cells []string, create bool) (*group, error) {
	l := b.lay
	account := b.opts.Account
	if account == "" {
		if a := cellAt(cells, l.col[fAccount]); a != "" {
			account = b.accountText(a)
		} else if b.preIBAN != "" {
			account = b.preIBAN
		} else {
			account = b.preAccount
		}
	}
	cur := payment.Currency("")
	if t := cellAt(cells, l.col[fCurrency]); t != "" {
		if g := b.findGroup(account, payment.Currency(t)); g != nil {
			return g, nil // the cell is the ISO code of a statement already open
		}
		if b.last != nil && string(b.last.currency) == t {
			cur = b.last.currency
		} else {
			code, ok := b.currencyCode(t)
			if !ok {
				return nil, fmt.Errorf("%q is not an ISO 4217 currency code", t)
			}
			cur = code
		}
	}
	switch {
	case cur != "" && b.opts.Currency != "" && cur != b.opts.Currency:
		return nil, fmt.Errorf("%w: the line is in %s, the statement in %s", errCurrencyMix, cur, b.opts.Currency)
	case cur == "" && b.opts.Currency != "":
		cur = b.opts.Currency
	case cur == "" && b.preCurrency != "":
		cur = b.preCurrency
	case cur == "":
		cur = b.decorationCurrency(cells)
		if cur == "" {
			cur = b.preAmountCurrency
		}
		if cur == "" {
			cur = l.p.m.Currency
		}
		if cur == "" && b.opts.AccountCurrency != nil {
			cur = b.accountCurrency(account)
		}
	}
	if cur == "" {
		return nil, ErrNoCurrency
	}
	if g := b.findGroup(account, cur); g != nil {
		return g, nil
	}
	mu := cur.MinorUnits()
	if mu < 0 {
		return nil, fmt.Errorf("%s has no minor units", cur)
	}
	if !create {
		return &group{account: account, currency: cur, mu: mu, idx: len(b.groups)}, nil
	}
	return b.addGroup(account, cur, mu), nil
}

// accountCurrency is Options.AccountCurrency(account), asked again only when the account changes
// (every row of a file that names no currency gets here).
func (b *Builder) accountCurrency(account string) payment.Currency {
	if !b.acctCurAsked || b.acctCurOf != account {
		b.acctCurOf, b.acctCur, b.acctCurAsked = account, b.opts.AccountCurrency(account), true
	}
	return b.acctCur
}

// findGroup returns the statement of account in cur already open, or nil.
func (b *Builder) findGroup(account string, cur payment.Currency) *group {
	if g := b.last; g != nil && g.currency == cur && g.account == account {
		return g
	}
	for _, g := range b.groups {
		if g.currency == cur && g.account == account {
			b.last = g
			return g
		}
	}
	return nil
}

// addGroup opens the statement of account in cur, whose amounts have mu decimals.
func (b *Builder) addGroup(account string, cur payment.Currency, mu int) *group {
	g := &group{account: account, currency: cur, mu: mu, idx: len(b.groups)}
	b.groups = append(b.groups, g)
	b.last = g
	return g
}

// currencyCode is currencyCode, remembering the answers for the first few texts: a file in several
// currencies would otherwise read the code of every line again.
func (b *Builder) currencyCode(t string) (payment.Currency, bool) {
	for _, c := range b.codes {
		if c.text == t {
			return c.code, true
		}
	}
	code, ok := currencyCode(t)
	if ok && len(b.codes) < 8 {
		b.codes = append(b.codes, currencyText{strings.Clone(t), payment.Currency(code)})
	}
	return payment.Currency(code), ok
}

type currencyText struct {
	text string
	code payment.Currency
}

// accountText normalizes an account cell: an IBAN loses its spaces, anything else is kept as written.
func (b *Builder) accountText(a string) string {
	if a != b.accRaw {
		b.accRaw, b.accNorm = a, a
		if iban, err := payment.NormalizeIBAN(a); err == nil {
			b.accNorm = iban
		}
	}
	return b.accNorm
}

// decorationCurrency is the currency written next to the row's first amount ("150,00 TL").
func (b *Builder) decorationCurrency(cells []string) payment.Currency {
	for _, c := range b.amountCols() {
		if _, _, cur, ok := splitAmount(cellAt(cells, c)); ok && cur != "" {
			if code, ok := currencyCode(cur); ok {
				return payment.Currency(code)
			}
		}
	}
	return ""
}

// amount reads an amount cell in the file's number format.
// isNumber reports whether column col of the current row is a spreadsheet's number cell.
func (b *Builder) isNumber(col int) bool { return col >= 0 && col < len(b.numbers) && b.numbers[col] }

// amount reads the amount text of column col of the current row.
func (b *Builder) amount(text string, col int, g *group, final bool) (int64, error) {
	var v int64
	var cur string
	var err error
	switch {
	case b.isNumber(col):
		if v, cur, err = parseAmount(text, spreadsheetNumber, g.mu); err != nil {
			return 0, fmt.Errorf("%w (a spreadsheet number cell)", reconcile.FormatAmountError(text, err))
		}
	case b.nums.decided():
		v, cur, err = b.nums.parse(text, g.mu)
		if err != nil {
			return 0, b.amountError(text, err)
		}
	default:
		ok, vals, agree := b.nums.readings(text, g.mu, b.nums.mask)
		switch {
		case ok&b.nums.mask == 0:
			return 0, b.amountError(text, reconcile.ErrAmountSyntax)
		case !agree && final:
			return 0, b.ambiguousAmount(text, ok, vals, g)
		}
		for i := range b.nums.fmts {
			if ok&b.nums.mask&(1<<i) != 0 {
				v = vals[i]
				_, cur, _ = parseAmount(text, b.nums.fmts[i], g.mu)
				break
			}
		}
	}
	if cur != "" && cur != string(g.currency) {
		return 0, fmt.Errorf("%w: %q is in %s, the statement in %s", errCurrencyMix, text, cur, g.currency)
	}
	return v, nil
}

func (b *Builder) amountError(text string, err error) error {
	var formats []string
	for i, f := range b.nums.fmts {
		if b.nums.mask&(1<<i) != 0 {
			formats = append(formats, f.String())
		}
	}
	how := "expected " + strings.Join(formats, " or ")
	if b.decidedBy != "" {
		how += ", as decided by " + b.decidedBy
	}
	return fmt.Errorf("%w (%s)", reconcile.FormatAmountError(text, err), how)
}

func (b *Builder) ambiguousAmount(text string, ok uint8, vals [8]int64, g *group) error {
	var ways []string
	done := uint8(0)
	for i := range b.nums.fmts {
		if ok&b.nums.mask&(1<<i) == 0 || done&(1<<i) != 0 {
			continue
		}
		var as []string
		for j, f := range b.nums.fmts {
			if ok&b.nums.mask&(1<<j) != 0 && vals[j] == vals[i] {
				as = append(as, f.String())
				done |= 1 << j
			}
		}
		ways = append(ways, payment.FormatMinor(vals[i], g.currency)+" if written "+strings.Join(as, " or "))
	}
	return fmt.Errorf("%w %q: %s, and no value in the amount columns decides; set number_format in the mapping",
		errAmbiguousAmount, text, strings.Join(ways, " or "))
}

// date reads a date cell in the file's date order.
func (b *Builder) date(text string, final bool) (payment.Date, error) {
	r, err := readDate(text, b.dateSpec, b.opts.Date1904)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", text, err)
	}
	if r.ok&b.dateMask == 0 {
		return 0, fmt.Errorf("%q: %w (the dates of this file are %s)", text, errDate, orderName(b.dateMask))
	}
	if !r.agree(b.dateMask) && final {
		return 0, fmt.Errorf("%w %q: %s (day first) or %s (month first), and no date in the file decides; "+
			"set date_format in the mapping", errAmbiguousDate, text, r.vals[0], r.vals[1])
	}
	return r.value(b.dateMask), nil
}

func orderName(mask uint8) string {
	if mask == dayFirst {
		return "day first"
	}
	return "month first"
}

// process reads one data row into an entry, or records why it cannot.
func (b *Builder) process(n int, cells []string, final bool) {
	l := b.lay
	dateCol := l.col[fBooking]
	if dateCol < 0 {
		dateCol = l.col[fValue]
	}
	dateText := cellAt(cells, dateCol)
	var a, d, c string
	switch l.style {
	case debitCredit:
		d, c = cellAt(cells, l.col[fDebit]), cellAt(cells, l.col[fCredit])
	default:
		a = cellAt(cells, l.col[fAmount])
	}
	noAmount := a == "" && d == "" && c == ""
	if noAmount && dateText == "" {
		return // blank, a section title, a footer, a carry-over balance
	}
	if dateText == "" || noAmount {
		if b.notBooking(cells, dateText, noAmount) {
			return
		}
		if dateText == "" {
			b.fail(n, dateCol, ordOf(l, fBooking, fValue), errors.New("no date"))
			return
		}
	}
	booking, dateErr := b.date(dateText, final)
	if noAmount {
		if dateErr == nil {
			if len(b.skipped) <= maxListed {
				b.skipped = append(b.skipped, n)
			}
			b.nSkipped++
		}
		return
	}
	if dateErr != nil && b.notBooking(cells, dateText, false) {
		return
	}
	g, err := b.groupFor(cells, true)
	if err != nil {
		b.fail(n, l.col[fCurrency], fCurrency, err)
		if b.lay.col[fCurrency] < 0 && b.opts.Currency == "" {
			b.fatal = true
		}
		return
	}
	if dateErr != nil {
		b.fail(n, dateCol, ordOf(l, fBooking, fValue), dateErr)
	}
	bad := dateErr != nil
	value := booking
	if l.col[fBooking] >= 0 && l.col[fValue] >= 0 {
		if t := cellAt(cells, l.col[fValue]); t == dateText && dateErr == nil {
			value = booking // most exports repeat the booking date: read once
		} else if t != "" {
			if value, err = b.date(t, final); err != nil {
				b.fail(n, l.col[fValue], fValue, err)
				bad = true
			}
		}
	} else if l.col[fBooking] < 0 {
		booking = 0
	}

	var amt int64
	dir := reconcile.Credit
	switch l.style {
	case signedAmount, flagged:
		v, err := b.amount(a, l.col[fAmount], g, final)
		if err != nil {
			b.fail(n, l.col[fAmount], fAmount, err)
			bad = true
			break
		}
		if l.style == flagged {
			flag := cellAt(cells, l.col[fFlag])
			switch isDebit, known := l.p.flag(flag); {
			case !known:
				b.fail(n, l.col[fFlag], fFlag, fmt.Errorf("%q is not a debit or credit flag (%s / %s)", flag,
					strings.Join(l.p.debit, ", "), strings.Join(l.p.credit, ", ")))
				bad = true
			case v < 0 && !isDebit:
				b.fail(n, l.col[fAmount], fAmount, fmt.Errorf("negative amount %q with credit flag %q", a, flag))
				bad = true
			case isDebit:
				dir = reconcile.Debit
			}
			amt = abs(v)
			break
		}
		if (v < 0) != l.p.inverted && v != 0 {
			dir = reconcile.Debit
		}
		amt = abs(v)
	case debitCredit:
		var dv, cv int64
		if d != "" {
			if dv, err = b.amount(d, l.col[fDebit], g, final); err != nil {
				b.fail(n, l.col[fDebit], fDebit, err)
				bad = true
			}
		}
		if c != "" {
			if cv, err = b.amount(c, l.col[fCredit], g, final); err != nil {
				b.fail(n, l.col[fCredit], fCredit, err)
				bad = true
			}
		}
		switch {
		case bad:
		case dv != 0 && cv != 0:
			b.fail(n, l.col[fCredit], fCredit, fmt.Errorf("both debit %q and credit %q are set", d, c))
			bad = true
		case cv < 0:
			b.fail(n, l.col[fCredit], fCredit, fmt.Errorf("negative credit %q", c))
			bad = true
		case dv != 0:
			dir, amt = reconcile.Debit, abs(dv)
		default:
			amt = cv
		}
	}
	bal := int64(noBalance)
	if t := cellAt(cells, l.col[fBalance]); t != "" {
		if v, err := b.amount(t, l.col[fBalance], g, final); err != nil {
			b.fail(n, l.col[fBalance], fBalance, err)
			bad = true
		} else {
			bal = v
		}
	}
	if bad {
		return
	}
	e := &b.entry
	if b.opts.Stream == nil {
		e = b.store.add(g, len(b.groups))
	}
	*e = reconcile.Entry{
		BookingDate:      booking,
		ValueDate:        value,
		Amount:           amt,
		Direction:        dir,
		Currency:         g.currency,
		CustomerRef:      refAt(cells, l.col[fReference]),
		BankRef:          cellAt(cells, l.col[fBankRef]),
		EndToEnd:         refAt(cells, l.col[fEndToEnd]),
		Remittance:       b.description(cells),
		CounterpartyName: cellAt(cells, l.col[fCpName]),
		CounterpartyIBAN: compact(cellAt(cells, l.col[fCpIBAN])),
		BankTxCode:       cellAt(cells, l.col[fTxCode]),
	}
	g.tally.add(n, e, bal)
	if b.opts.Stream != nil {
		b.emit(g, n, e)
		return
	}
	e.Position = b.entryPosition(n)
	if s := &b.store; s.keys != nil && len(s.chunks) == 0 {
		// Forks are out (or were): hash the entry while it is at hand and give it the fingerprint
		// of a first occurrence; split numbers identical bookings.
		h := b.hasher.Hash(g.account, e)
		s.keys[len(s.cur)-1] = h
		e.Fingerprint = b.text.fingerprint(h)
	}
}

// emit hands entry e of group g, read from row n, to Options.Stream, unless a problem was found
// (the file will fail: nothing more is handed over, but every problem is still collected).
func (b *Builder) emit(g *group, n int, e *reconcile.Entry) {
	if b.fnErr != nil || b.errs.Len() > 0 {
		return
	}
	e.Position = b.entryPosition(n)
	if g.head.Currency == "" {
		g.head = reconcile.Statement{Format: b.opts.Format, Mapping: b.mappingName(), Account: g.account, Currency: g.currency}
	}
	g.head.From, g.head.To = g.tally.from, g.tally.to
	if err := b.opts.Stream(&g.head, e); err != nil {
		b.fnErr, b.fatal = err, true
	}
}

func ordOf(l *layout, fields ...int) int {
	for _, o := range fields {
		if l.col[o] >= 0 {
			return o
		}
	}
	return -1
}

// notBooking reports rows that are not bookings: totals and carry-overs (a summary word in the first
// cell, or in any text cell of a row without an amount) and repeated header rows.
func (b *Builder) notBooking(cells []string, dateText string, noAmount bool) bool {
	for _, c := range cells {
		if t := trimSpace(c); t != "" {
			if isSummaryText(Fold(t)) {
				return true
			}
			if !noAmount {
				break
			}
		}
	}
	return dateText != "" && b.lay.header != "" && Fold(dateText) == b.lay.header
}

func (p *plan) flag(text string) (debit, known bool) {
	switch {
	case slices.Contains(p.debit, text):
		return true, true
	case slices.Contains(p.credit, text):
		return false, true
	}
	f := Fold(text)
	switch {
	case f == "":
		return false, false
	case slices.Contains(p.debit, f):
		return true, true
	case slices.Contains(p.credit, f):
		return false, true
	}
	return false, false
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// compact removes the spaces of an IBAN written in groups.
func compact(s string) string {
	if strings.IndexByte(s, ' ') < 0 {
		return s
	}
	return strings.ReplaceAll(s, " ", "")
}

func (b *Builder) description(cells []string) string {
	l := b.lay
	if len(l.join) == 0 {
		return cellAt(cells, l.col[fDescription])
	}
	var sb strings.Builder
	for _, i := range l.join {
		if t := cellAt(cells, i); t != "" {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(t)
		}
	}
	return sb.String()
}

// positionPrefix is what comes before the row number in a position: "line " or "Sheet1!A".
func (b *Builder) positionPrefix() string {
	if b.opts.Sheet != "" {
		c := cellName(b.opts.Sheet, max(b.lay.first, 0), 1)
		return c[:len(c)-1]
	}
	return "line "
}

// entryPosition is the position of the entry read from row n, written into the builder's texts.
func (b *Builder) entryPosition(n int) string {
	if b.text.prefix == "" {
		b.text.prefix = b.positionPrefix()
	}
	return b.text.position(n)
}

// position is "line 7" or "Sheet1!A7".
func (b *Builder) position(n int) string { return b.positionPrefix() + strconv.Itoa(n) }

// texts writes the positions ("line 7", "Sheet1!A7") and fingerprints of entries into an arena:
// no allocation of their own, and no second pass over the entries to set them.
type texts struct {
	prefix string // of positions
	a      arena.Arena
	// The number of the last position written, and its nd digits at the end of num, zeros before
	// them: the next row's number is mostly that one plus one, counted up in place.
	last int
	num  [20]byte
	nd   int
}

func (t *texts) position(n int) string {
	if n == t.last+1 && t.nd > 0 {
		i := len(t.num) - 1
		for ; t.num[i] == '9'; i-- {
			t.num[i] = '0'
		}
		t.num[i]++
		t.nd = max(t.nd, len(t.num)-i)
	} else {
		t.nd = len(strconv.AppendUint(t.num[:0], uint64(n), 10))
		copy(t.num[len(t.num)-t.nd:], t.num[:t.nd])
		for i := range len(t.num) - t.nd {
			t.num[i] = '0' // so that counting up carries into them
		}
	}
	t.last = n
	b := t.a.Room(len(t.prefix) + t.nd)
	return t.a.Keep(append(append(b, t.prefix...), t.num[len(t.num)-t.nd:]...))
}

// fingerprint is the fingerprint of a first occurrence of a booking whose EntryHash is h.
func (t *texts) fingerprint(h [16]byte) string {
	return t.a.Keep(reconcile.AppendFingerprint(t.a.Room(32), "", nil, h, 1))
}

// ---- the end ----

// Finish checks what is left and returns the statements, or every problem found (a
// reconcile.Errors list of *reconcile.ParseError; nothing is returned half-read).
//
// With Options.Stream, the entries have been handed over already and Finish returns no statements:
// it calls Stream(st, nil) once for each statement, in the order it would return them, with st
// what it would return without the entries (the header, the balances, every warning). It
// makes those calls only when the whole file is good, Strict included, so a caller that stages
// entries can commit at them; entries handed over before a problem was found cannot be taken back.
// An error from Stream stops the Builder (Row reports false) and Finish returns it as is.
//
// Streaming keeps per statement the tally of its entries (period, balances, running total), not
// the entries: memory stays flat in the number of rows. The one thing that can grow is the queue
// of rows that wait while the number format or date order is undecided ("1.500" reads two ways),
// and only in a file whose amounts and dates never decide.
func (b *Builder) Finish() ([]reconcile.Statement, error) {
	if b.fnErr != nil {
		return nil, b.fnErr
	}
	if b.lay == nil && !b.fatal {
		if b.rows == 0 {
			b.fatalf(1, fmt.Errorf("%w: the file has no rows", reconcile.ErrNotStatement))
		} else {
			b.fatalf(b.rows, b.noHeaderError())
		}
	}
	if !b.stopped() {
		b.drain(true)
	}
	if err := b.errs.Err(); err != nil {
		return nil, err
	}
	var out []reconcile.Statement
	if b.opts.Stream != nil {
		for _, g := range b.groups {
			st := b.header(g)
			g.tally.checkBalances(&st)
			out = append(out, st)
		}
	} else {
		entries, fingerprinted := b.store.split(b.groups)
		for i := range entries {
			out = append(out, b.statement(b.groups[i], entries[i], fingerprinted))
		}
	}
	if len(out) == 0 {
		cur := b.opts.Currency
		if cur == "" {
			cur = b.preCurrency
		}
		acc := b.opts.Account
		if acc == "" {
			acc = b.preIBAN
		}
		out = append(out, reconcile.Statement{Format: b.opts.Format, Mapping: b.mappingName(), Account: acc, Currency: cur})
		if b.opts.Stream == nil {
			out[0].Entries = []reconcile.Entry{}
		}
	}
	if len(b.unfound) > 0 {
		out[0].Warnings = append(out[0].Warnings, reconcile.Warning{
			Code: WarningColumnsNotFound,
			Message: fmt.Sprintf("mapping %s: the header (%s) has no column %s; left empty", b.mappingName(),
				b.position(b.headerLine), strings.Join(b.unfound, ", ")),
		})
	}
	if b.nSkipped > 0 {
		out[0].Warnings = append(out[0].Warnings, reconcile.Warning{
			Code: "rows_skipped",
			Message: fmt.Sprintf("%d rows with a date but no amount were skipped (%s)", b.nSkipped,
				b.rowList(b.skipped)),
		})
	}
	if b.opts.Strict {
		for i, st := range out {
			for _, w := range st.Warnings {
				b.strictFail(i, w)
			}
		}
		if err := b.errs.Err(); err != nil {
			return nil, err
		}
	}
	for i := range out {
		out[i].Warnings = append(out[i].Warnings, b.opts.FileWarnings...)
	}
	if b.opts.Stream != nil {
		for i := range out {
			if err := b.opts.Stream(&out[i], nil); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	return out, nil
}

// strictFail turns warning w of statement i into an error under the Strict option.
func (b *Builder) strictFail(i int, w reconcile.Warning) {
	switch w.Code {
	case WarningColumnsNotFound:
		b.fail(b.headerLine, -1, -1, errors.New(w.Message))
		return
	case "rows_skipped":
		b.fail(b.skipped[0], -1, -1, errors.New(w.Message))
		return
	}
	n := 0
	if i < len(b.groups) {
		n = b.groups[i].tally.lastRow
	}
	b.fail(n, b.lay.col[fBalance], fBalance, fmt.Errorf("%w: %s", reconcile.ErrBalanceMismatch, w.Message))
}

// mappingName is the name of the mapping that found the header ("" before, or for an unnamed one).
func (b *Builder) mappingName() string {
	if b.lay == nil {
		return ""
	}
	return b.lay.p.m.Name
}

// header is statement g without its entries: the period and the balances from its tally.
func (b *Builder) header(g *group) reconcile.Statement {
	st := reconcile.Statement{
		Format:   b.opts.Format,
		Mapping:  b.mappingName(),
		Account:  g.account,
		Currency: g.currency,
		From:     g.tally.from,
		To:       g.tally.to,
	}
	g.tally.balances(&st)
	return st
}

// statement is group g with its entries; fingerprinted says they have their fingerprints already.
func (b *Builder) statement(g *group, entries []reconcile.Entry, fingerprinted bool) reconcile.Statement {
	st := b.header(g)
	st.Entries = entries
	if !fingerprinted {
		st.Fingerprint()
	}
	st.CheckBalances()
	return st
}

// maxListed is how many rows a warning lists before "…".
const maxListed = 5

func (b *Builder) rowList(rows []int) string {
	var parts []string
	for i, n := range rows {
		if i == maxListed {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, b.position(n))
	}
	return strings.Join(parts, ", ")
}

// A HeaderScorer says how well the first rows of a file fit some mappings, compiled once: decoders use
// it to choose between readings of the same bytes, such as CSV separators.
type HeaderScorer struct {
	plans []*plan
}

// NewHeaderScorer returns a scorer for maps (none: every preset). When one of maps is not valid, the
// scorer scores nothing (NewBuilder reports the mapping; the decoders validate theirs first).
func NewHeaderScorer(maps []*Mapping) *HeaderScorer {
	plans, _ := compileAll(maps)
	return &HeaderScorer{plans: plans}
}

// Score is the number of columns the best qualifying header row among rows names, or 0 when no row
// within the header scan qualifies.
func (h *HeaderScorer) Score(rows [][]string) int {
	best := 0
	for _, p := range h.plans {
		if at := p.header(rows); at.Score > best {
			best = at.Score
		}
	}
	return best
}

// A HeaderAt is where a header row was found among a file's first rows: its index (-1 for none)
// and the number of columns the mapping that reads it names there.
type HeaderAt struct {
	Row, Score int
}

// Before reports whether a Builder takes header h over o: the earlier row, then, on the same row,
// the one naming more columns. No header (Row -1) is never before another.
func (h HeaderAt) Before(o HeaderAt) bool {
	return h.Row >= 0 && (o.Row < 0 || h.Row < o.Row || h.Row == o.Row && h.Score > o.Score)
}

// Header is the header row a Builder given the same mappings would choose among rows, or Row -1
// when no row within the header scan qualifies.
func (h *HeaderScorer) Header(rows [][]string) HeaderAt {
	best := HeaderAt{Row: -1}
	for _, p := range h.plans {
		if at := p.header(rows); at.Before(best) {
			best = at
		}
	}
	return best
}

// header is the first row of rows that qualifies as p's header and the number of columns p names
// there (1 for a mapping without a header row, whose first data row qualifies), or Row -1.
func (p *plan) header(rows [][]string) HeaderAt {
	for i, r := range rows {
		if i >= DefaultHeaderScan || (p.m.HeaderRow > 0 && i+1 != p.m.HeaderRow) {
			continue
		}
		if p.noHeader {
			if i == p.m.SkipRows && len(r) >= maxIndex(p) {
				return HeaderAt{Row: i, Score: 1}
			}
			continue
		}
		if l, ok, _ := p.resolve(r, foldRow(r)); ok {
			return HeaderAt{Row: i, Score: l.score}
		}
	}
	return HeaderAt{Row: -1}
}

func maxIndex(p *plan) int {
	n := 0
	for _, i := range p.index {
		n = max(n, i)
	}
	return n
}
