package tabular

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// field ordinals, the index into plan and layout arrays.
const (
	fBooking = iota
	fValue
	fAmount
	fDebit
	fCredit
	fFlag
	fBalance
	fCurrency
	fDescription
	fReference
	fBankRef
	fEndToEnd
	fCpName
	fCpIBAN
	fTxCode
	fAccount
	numFields
)

func ordinal(f Field) int {
	for i, g := range Fields() {
		if g == f {
			return i
		}
	}
	return -1
}

// dirStyle is how a row says money in or out.
type dirStyle uint8

const (
	signedAmount dirStyle = iota + 1 // one signed amount column
	flagged                          // unsigned amount + a B/A flag column
	debitCredit                      // separate debit and credit columns
)

// plan is a validated mapping, with its header names folded once.
type plan struct {
	m        *Mapping
	keys     [numFields][]string // folded header names per field
	whole    [numFields][]string // names with text in parentheses, folded whole (foldWhole)
	index    [numFields]int      // 1-based index per field, 0 when none
	present  [numFields]bool
	noHeader bool // every column by index
	dates    dateSpec
	debit    []string // folded flag values
	credit   []string
	inverted bool
	preset   bool // a built-in mapping
}

// presetPlans are the built-in mappings, compiled once: compiling folds every header name (some
// 0.15 ms a mapping), and every decoder that is given no mapping tries them all, once per candidate
// separator. Plans are never changed once compiled.
var presetPlans = sync.OnceValue(func() []*plan {
	var out []*plan
	for _, m := range presetMappings() {
		p, err := compile(m)
		if err != nil {
			panic("tabular: built-in mapping " + m.Name + ": " + err.Error())
		}
		p.preset = true
		out = append(out, p)
	}
	return out
})

// presetMappings are the built-in mappings presetPlans are compiled from: compileAll takes the plan
// of a mapping equal to one of them (a copy from Presets, as ChooseFrom lists them after a user's
// mappings) from presetPlans instead of compiling it again. They are never changed.
var presetMappings = sync.OnceValue(Presets)

// compileAll compiles maps; none means every preset. A builder gets its own copies of the preset
// plans, which it reads with every row: sharing the long-lived ones measured slower (BenchmarkDecode,
// about 3 %), and a copy costs next to nothing.
func compileAll(maps []*Mapping) ([]*plan, error) {
	if len(maps) == 0 {
		var out []*plan
		for _, p := range presetPlans() {
			c := *p
			out = append(out, &c)
		}
		return out, nil
	}
	out := make([]*plan, 0, len(maps))
	for _, m := range maps {
		if i := slices.IndexFunc(presetMappings(), func(p *Mapping) bool { return reflect.DeepEqual(p, m) }); i >= 0 {
			c := *presetPlans()[i]
			out = append(out, &c)
			continue
		}
		p, err := compile(m)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func compile(m *Mapping) (*plan, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	p := &plan{m: m, noHeader: m.NoHeader, inverted: m.AmountSign == "inverted"}
	anyName := false
	for f, c := range m.Columns {
		o := ordinal(f)
		p.present[o] = true
		p.index[o] = c.Index
		for _, n := range c.Names {
			if strings.ContainsAny(n, "([") && !c.Join {
				p.whole[o] = append(p.whole[o], foldWhole(n))
			} else {
				p.keys[o] = append(p.keys[o], Fold(n))
			}
			anyName = true
		}
	}
	if !anyName {
		p.noHeader = true
	}
	p.dates, _ = parseDateFormat(m.DateFormat)
	p.debit = foldAll(m.DebitFlags, "b", "borc", "d", "dr", "debit", "debet", "-")
	p.credit = foldAll(m.CreditFlags, "a", "alacak", "c", "cr", "credit", "kredi", "+")
	return p, nil
}

func foldAll(list []string, defaults ...string) []string {
	if len(list) == 0 {
		return defaults
	}
	out := make([]string, 0, len(list))
	for _, s := range list {
		if s == "-" || s == "+" {
			out = append(out, s)
			continue
		}
		out = append(out, Fold(s))
	}
	return out
}

// layout is a plan placed on a file: the 0-based column of each field (-1 when absent).
type layout struct {
	p      *plan
	col    [numFields]int
	join   []int // description columns to join, when the mapping says join
	names  [numFields]string
	style  dirStyle
	first  int    // first non-empty header column: where an entry's position points in a sheet
	cells  int    // one past the last column the header names or the layout reads (0: no header)
	header string // folded header text of the primary date column, to skip repeated header rows
	score  int
}

// resolve places p on a header row (folded cells). ok says whether the row qualifies as the header:
// it names a date column and the amount columns. missing says what is lacking when it does not.
func (p *plan) resolve(raw, folded []string) (l layout, ok bool, missing string) {
	l.p = p
	for o := range l.col {
		l.col[o] = -1
	}
	taken := p.resolveWhole(&l, raw) // columns named with their text in parentheses
	for o := 0; o < numFields; o++ {
		if l.col[o] >= 0 { // found by resolveWhole
			l.score++
			continue
		}
		if !p.present[o] {
			continue
		}
		found := false
	names:
		for _, key := range p.keys[o] {
			for i, h := range folded {
				if h == key && !slices.Contains(taken, i) {
					if o == fDescription && p.m.Columns[Description].Join {
						l.join = append(l.join, i)
						continue
					}
					l.col[o], l.names[o] = i, strings.TrimSpace(raw[i])
					found = true
					break names
				}
			}
		}
		if len(l.join) > 0 && o == fDescription {
			l.col[o], l.names[o] = l.join[0], strings.TrimSpace(raw[l.join[0]])
			found = true
			slices.Sort(l.join)
		}
		if found {
			l.score++
		} else if p.index[o] > 0 {
			l.col[o] = p.index[o] - 1
			l.names[o] = string(Fields()[o])
		}
	}
	l.first = -1
	for i, h := range folded {
		if h != "" {
			l.first = i
			break
		}
	}
	for i := len(folded) - 1; i >= 0; i-- {
		if folded[i] != "" {
			l.cells = max(i+1, l.width())
			break
		}
	}
	ok, missing = l.complete()
	if l.col[fBooking] >= 0 {
		l.header = foldedAt(folded, l.col[fBooking])
	} else if l.col[fValue] >= 0 {
		l.header = foldedAt(folded, l.col[fValue])
	}
	return l, ok && (l.score >= 2 || p.m.HeaderRow > 0), missing
}

// width is the number of a row's cells the layout reads: one past its last column.
func (l *layout) width() int {
	w := 0
	for _, c := range l.col {
		w = max(w, c+1)
	}
	for _, c := range l.join {
		w = max(w, c+1)
	}
	return w
}

// unfound lists the fields the mapping names header names for but the layout has no column for,
// as "reference (Refrans)"; the direction columns of the style the layout does not use are not
// missing (a mapping may name both an amount and debit and credit columns, for two exports).
func (l *layout) unfound() []string {
	var out []string
	for o := range l.col {
		if l.col[o] >= 0 || len(l.p.keys[o])+len(l.p.whole[o]) == 0 {
			continue
		}
		switch o {
		case fAmount, fFlag:
			if l.style == debitCredit {
				continue
			}
		case fDebit, fCredit:
			if l.style != debitCredit {
				continue
			}
		}
		f := Fields()[o]
		out = append(out, fmt.Sprintf("%s (%s)", f, strings.Join(l.p.m.Columns[f].Names, ", ")))
	}
	return out
}

// resolveWhole places the fields that have names with text in parentheses (plan.whole) on the raw
// header cells, and returns the columns it took.
func (p *plan) resolveWhole(l *layout, raw []string) (taken []int) {
	var whole []string // raw folded with foldWhole, when a plan has such names
	for o := range p.whole {
		if len(p.whole[o]) == 0 {
			continue
		}
		if whole == nil {
			whole = make([]string, len(raw))
			for i, c := range raw {
				whole[i] = foldWhole(c)
			}
		}
	names:
		for _, key := range p.whole[o] {
			for i, h := range whole {
				if h == key && !slices.Contains(taken, i) {
					l.col[o], l.names[o] = i, strings.TrimSpace(raw[i])
					taken = append(taken, i)
					break names
				}
			}
		}
	}
	return taken
}

func foldedAt(folded []string, i int) string {
	if i < len(folded) {
		return folded[i]
	}
	return ""
}

// complete checks that the layout has a date and the amount columns, and picks the direction style.
func (l *layout) complete() (bool, string) {
	has := func(o int) bool { return l.col[o] >= 0 }
	switch {
	case has(fDebit) && has(fCredit):
		l.style = debitCredit
	case has(fAmount) && has(fFlag):
		l.style = flagged
	case has(fAmount):
		l.style = signedAmount
	}
	var miss []string
	if !has(fBooking) && !has(fValue) {
		miss = append(miss, "a date column ("+l.p.example(fBooking, fValue)+")")
	}
	if l.style == 0 {
		names := l.p.example(fAmount)
		if d, c := l.p.example(fDebit), l.p.example(fCredit); d != noNames && c != noNames {
			names += ", or " + d + " and " + c // a mapping's split columns, when it has them
		}
		miss = append(miss, "an amount column ("+names+")")
	}
	return len(miss) == 0, strings.Join(miss, " and ")
}

// noNames is what example says of fields the mapping names no header for.
const noNames = "none in the mapping"

// example names a field's first header names for messages.
func (p *plan) example(fields ...int) string {
	var out []string
	for _, o := range fields {
		c := p.m.Columns[Fields()[o]]
		n := c.Names
		if len(n) > 2 {
			n = n[:2]
		}
		out = append(out, n...)
	}
	if len(out) == 0 {
		return noNames
	}
	return strings.Join(out, ", ")
}

// byIndex is the layout of a file without a header: every column by its index.
func (p *plan) byIndex() layout {
	l := layout{p: p, first: 0}
	for o := range l.col {
		l.col[o] = -1
		if p.index[o] > 0 {
			l.col[o] = p.index[o] - 1
			l.names[o] = string(Fields()[o])
		}
	}
	l.complete()
	return l
}

// isSummaryText reports whether the folded first cell of a row starts a total or carry-over row, which is
// not a booking.
func isSummaryText(folded string) bool {
	for _, w := range [...]string{"toplam", "geneltoplam", "aratoplam", "devreden", "oncekibakiye",
		"acilisbakiye", "kapanisbakiye", "donemborcu", "donemsonu", "donembasi", "total", "subtotal",
		"openingbalance", "closingbalance", "balancebroughtforward", "balancecarriedforward",
		"broughtforward", "carriedforward"} {
		if strings.HasPrefix(folded, w) {
			return true
		}
	}
	return false
}
