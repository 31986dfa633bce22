package mt940

import (
	"strings"

	"github.com/orkesta/orkesta/reconcile"
)

// applyInfo reads a :86: field into the entry. Four dialects are told apart by how the text starts:
//
//   - subfields: a 3-digit code then a separator and 2 digits: German DK "166?00…?20…", Polish
//     "723^00…^20…", Triodos "000>10…>20…";
//   - Dutch codewords: "/EREF/…/NAME/…/REMI/…" (Rabobank, ING, ABN AMRO, bunq, HSBC /OCMT/);
//   - solarisBank/Penta: "999TYPE:purpose:name:IBAN";
//   - anything else is free text.
//
// Structured dialects join the physical lines with nothing in between (banks wrap mid-word at 65
// characters, and even split a ?NN marker); free text joins them with a space.
func applyInfo(e *reconcile.Entry, raw string) {
	t := strings.TrimLeft(raw, " ")
	switch {
	case len(t) >= 6 && isDigit(t[0]) && isDigit(t[1]) && isDigit(t[2]) &&
		(t[3] == '?' || t[3] == '^' || t[3] == '>') && isDigit(t[4]) && isDigit(t[5]):
		subfields(e, joinNoSep(t), t[3])
	case len(t) > 2 && t[0] == '/' && codewordAt(t, 0) > 0:
		codewords(e, joinNoSep(t))
	default:
		text := joinLines(t)
		if strings.HasPrefix(text, "999") && colonFields(e, text) {
			return
		}
		e.Remittance = text
	}
}

// joinNoSep removes line breaks.
func joinNoSep(s string) string {
	if strings.IndexByte(s, '\n') < 0 {
		return strings.TrimRight(s, "\r")
	}
	var b strings.Builder
	b.Grow(len(s))
	for s != "" {
		l, rest, _ := strings.Cut(s, "\n")
		b.WriteString(strings.TrimRight(l, "\r"))
		s = rest
	}
	return b.String()
}

// joinLines trims every line, drops empty ones and soft hyphens, and joins the rest with a space.
func joinLines(s string) string {
	if strings.IndexByte(s, '\n') < 0 {
		return clean(strings.TrimSpace(s))
	}
	var b strings.Builder
	b.Grow(len(s))
	for s != "" {
		l, rest, _ := strings.Cut(s, "\n")
		s = rest
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(l)
	}
	return clean(b.String())
}

// clean drops soft hyphens (ING puts them inside dates) and turns tabs into spaces.
func clean(s string) string {
	if strings.Contains(s, "\u00ad") {
		s = strings.ReplaceAll(s, "\u00ad", "")
	}
	if strings.IndexByte(s, '\t') >= 0 {
		s = strings.ReplaceAll(s, "\t", " ")
	}
	return s
}

// setField stores a sub-field; a code that repeats has its values joined with a space.
func setField(e *reconcile.Entry, k, v string) {
	if e.Fields == nil {
		e.Fields = make(map[string]string, 8)
	}
	if old, ok := e.Fields[k]; ok {
		v = old + " " + v
	}
	e.Fields[k] = v
}

// seen is a set of the 100 two-digit subfield codes: a first occurrence is stored without looking
// the map up.
type seen [2]uint64

func (s *seen) add(n int) (first bool) {
	bit := uint64(1) << (n % 64)
	first = s[n/64]&bit == 0
	s[n/64] |= bit
	return first
}

// sepaKeywords start a value inside the German purpose lines (DK "SEPA-Belegungsregeln").
var sepaKeywords = [...]string{"EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+", "IBAN+", "BIC+", "COAM+", "OAMT+"}

// purposeLen is the width of a German purpose subfield: a shorter one ends its value or word.
const purposeLen = 27

// joined collects the pieces of one value; a value from a single piece stays a substring, and
// several are copied once.
type joined struct {
	pieces [8]string
	n      int
	more   []string // past 8 pieces
}

func (j *joined) add(v string) {
	if j.n < len(j.pieces) {
		j.pieces[j.n] = v
	} else {
		j.more = append(j.more, v)
	}
	j.n++
}

func (j *joined) size() int {
	n := 0
	for _, v := range j.list() {
		n += len(v)
	}
	return n
}

func (j *joined) String() string {
	switch j.n {
	case 0:
		return ""
	case 1:
		return j.pieces[0]
	}
	var b strings.Builder
	b.Grow(j.size())
	for _, v := range j.list() {
		b.WriteString(v)
	}
	return b.String()
}

func (j *joined) list() []string {
	if j.n <= len(j.pieces) {
		return j.pieces[:j.n]
	}
	return append(j.pieces[:], j.more...)
}

// subfields reads "GVC?00text?20purpose…?31IBAN?32name": every sep+2 digits starts a subfield.
// Purpose lines ?20–?29 and ?60–?63 are joined into the remittance, with SEPA keywords in them
// (EREF+, SVWZ+, …) split out into Fields under the keyword ("EREF"); ?31 (^38 in Poland) is the
// counterparty account, ?32–?33 its name. Fields also holds "GVC" and every other subfield under its
// marker ("?00" booking text, "?10", "?30" bank code, "?31", "?34", "?70"…).
func subfields(e *reconcile.Entry, s string, sep byte) {
	if e.Fields == nil {
		e.Fields = make(map[string]string, 8)
	}
	e.Fields["GVC"] = s[:3]
	var (
		codes        seen
		name         joined
		free         joined
		kw           = -1 // current SEPA keyword, -1 for free text
		kwFull       bool // the previous purpose piece filled its subfield, so the value may go on
		kwVals       [len(sepaKeywords)]joined
		sawKeyword   bool
		prevFreeFull = true
	)
	for i := 3; i < len(s); {
		// s[i] is sep, s[i+1:i+3] the code; the value runs to the next sep+2 digits.
		key := s[i : i+3]
		j := i + 3
		for j < len(s) && !(s[j] == sep && j+2 < len(s) && isDigit(s[j+1]) && isDigit(s[j+2])) {
			j++
		}
		v := s[i+3 : j]
		i = j
		n := int(key[1]-'0')*10 + int(key[2]-'0')
		switch {
		case (n >= 20 && n <= 29) || (n >= 60 && n <= 63):
			k := keywordIndex(v)
			switch {
			case k >= 0:
				kw, sawKeyword = k, true
				kwVals[k].add(v[len(sepaKeywords[k]):])
			case kw >= 0 && kwFull:
				kwVals[kw].add(v)
			default:
				kw = -1
				if free.n > 0 && !prevFreeFull {
					free.add(" ")
				}
				free.add(v)
				prevFreeFull = len(v) >= purposeLen
			}
			kwFull = len(v) >= purposeLen
		case n == 32 || n == 33:
			name.add(v)
		default:
			if codes.add(n) {
				e.Fields[key] = v
			} else {
				setField(e, key, v)
			}
			if n == 31 || (sep == '^' && n == 38) {
				if iban := strings.ReplaceAll(strings.TrimSpace(v), " ", ""); ibanShaped(iban) {
					e.CounterpartyIBAN = iban
				}
			}
		}
	}
	if name.n > 0 {
		e.CounterpartyName = collapseSpaces(name.String())
	}
	if !sawKeyword {
		e.Remittance = strings.TrimSpace(free.String())
		return
	}
	for k := range kwVals {
		if kwVals[k].n == 0 {
			continue
		}
		v := strings.TrimSpace(kwVals[k].String())
		key := sepaKeywords[k][:len(sepaKeywords[k])-1]
		setField(e, key, v)
		switch key {
		case "EREF":
			if v != reconcile.NotProvided {
				e.EndToEnd = v
			}
		case "SVWZ":
			e.Remittance = v
		case "IBAN":
			if e.CounterpartyIBAN == "" && ibanShaped(v) {
				e.CounterpartyIBAN = v
			}
		}
	}
	if free.n > 0 { // text outside the keywords follows the SVWZ text, built in one allocation
		var b strings.Builder
		b.Grow(len(e.Remittance) + 1 + free.size())
		if e.Remittance != "" {
			b.WriteString(e.Remittance)
			b.WriteByte(' ')
		}
		for _, v := range free.list() {
			b.WriteString(v)
		}
		e.Remittance = strings.TrimSpace(b.String())
	}
}

// collapseSpaces trims s and turns runs of spaces into one ("KARL" + "        KAUFMANN").
func collapseSpaces(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func keywordIndex(v string) int {
	if len(v) < 4 || v[0] < 'A' || v[0] > 'S' || (v[3] != '+' && (len(v) < 5 || v[4] != '+')) {
		return -1
	}
	for k, kw := range sepaKeywords {
		if strings.HasPrefix(v, kw) {
			return k
		}
	}
	return -1
}

// ibanShaped: two letters, two digits, 11–30 letters or digits. Labelled values (?31, /IBAN/) are
// taken as the bank wrote them when they look like an IBAN.
func ibanShaped(s string) bool {
	if len(s) < 15 || len(s) > 34 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	for i := 4; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// dutchCode reports the codewords of the Dutch structured :86: (and HSBC's): only these start a
// value, so a "/" inside a name does not.
func dutchCode(c string) bool {
	switch c {
	case "TRTP", "EREF", "IBAN", "BIC", "NAME", "REMI", "CSID", "MARF", "PREF", "RTRN", "PURP", "ULTC",
		"ULTD", "ULTB", "CNTP", "BENM", "ORDP", "ISDT", "ADDR", "OCMT", "CHGS", "EXCH", "SVCL", "IREF",
		"KREF", "ACCW", "BUSP", "CDTRREF", "CDTRREFTP", "CD", "ISSR", "RTYP", "OPRP", "OSDR":
		return true
	}
	return false
}

// codewordAt returns the length of "/CODE/" at s[i], or 0.
func codewordAt(s string, i int) int {
	j := i + 1
	for j < len(s) && j-i <= 10 && s[j] >= 'A' && s[j] <= 'Z' {
		j++
	}
	if j >= len(s) || s[j] != '/' || j == i+1 || !dutchCode(s[i+1:j]) {
		return 0
	}
	return j + 1 - i
}

// codewords reads "/EREF/x/BENM//NAME/y/REMI/z": each known codeword's value runs to the next
// known codeword. /OCMT/ and /CHGS/ hold one value up to the next "/"; text after it is remittance.
func codewords(e *reconcile.Entry, s string) {
	if e.Fields == nil {
		e.Fields = make(map[string]string, 8)
	}
	var free []string
	for i := 0; i < len(s); {
		n := codewordAt(s, i)
		code := s[i+1 : i+n-1]
		j := i + n
		for j < len(s) && (s[j] != '/' || codewordAt(s, j) == 0) {
			j++
		}
		v := s[i+n : j]
		i = j
		if code == "OCMT" || code == "CHGS" || code == "EXCH" {
			if k := strings.IndexByte(v, '/'); k >= 0 {
				if t := strings.TrimSpace(strings.Trim(v[k+1:], "/")); t != "" {
					free = append(free, t)
				}
				v = v[:k]
			}
		}
		v = strings.TrimSpace(strings.TrimSuffix(v, "/"))
		if v == "" {
			continue
		}
		setField(e, code, v)
		switch code {
		case "EREF":
			if v != reconcile.NotProvided {
				e.EndToEnd = v
			}
		case "NAME":
			if e.CounterpartyName == "" {
				e.CounterpartyName = v
			}
		case "IBAN":
			if e.CounterpartyIBAN == "" {
				e.CounterpartyIBAN = v
			}
		case "CNTP": // IBAN/BIC/NAME/CITY
			parts := strings.Split(v, "/")
			if e.CounterpartyIBAN == "" && ibanShaped(parts[0]) {
				e.CounterpartyIBAN = parts[0]
			}
			if len(parts) > 2 && e.CounterpartyName == "" {
				e.CounterpartyName = strings.TrimSpace(parts[2])
			}
		case "REMI": // USTD//free text or STRD/CUR/reference
			v = strings.TrimPrefix(v, "USTD//")
			v = strings.TrimPrefix(v, "USTD/")
			v = strings.TrimPrefix(v, "STRD/CUR/")
			e.Remittance = strings.TrimSpace(v)
		}
	}
	if len(free) > 0 {
		f := strings.Join(free, " ")
		if e.Remittance != "" {
			f = e.Remittance + " " + f
		}
		e.Remittance = f
	}
}

// colonFields reads solarisBank (Penta) style "999TYPE:purpose:name:IBAN[:extra]": the last part that
// is a valid IBAN ends the counterparty name before it. It reports false (free text) otherwise.
func colonFields(e *reconcile.Entry, s string) bool {
	parts := strings.Split(s, ":")
	for k := len(parts) - 1; k >= 2; k-- {
		iban := strings.TrimSpace(parts[k])
		if !ibanShaped(iban) {
			continue
		}
		setField(e, "TYPE", parts[0][3:])
		e.Remittance = strings.TrimSpace(strings.Join(parts[1:k-1], ":"))
		e.CounterpartyName = strings.TrimSpace(parts[k-1])
		e.CounterpartyIBAN = iban
		if k+1 < len(parts) {
			setField(e, "EXTRA", strings.Join(parts[k+1:], ":"))
		}
		return true
	}
	return false
}
