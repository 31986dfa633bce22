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

func setField(e *reconcile.Entry, k, v string) {
	if e.Fields == nil {
		e.Fields = make(map[string]string, 8)
	}
	if old, ok := e.Fields[k]; ok {
		v = old + " " + v
	}
	e.Fields[k] = v
}

// sepaKeywords start a value inside the German purpose lines (DK "SEPA-Belegungsregeln").
var sepaKeywords = [...]string{"EREF+", "KREF+", "MREF+", "CRED+", "DEBT+", "SVWZ+", "ABWA+", "ABWE+", "IBAN+", "BIC+", "COAM+", "OAMT+"}

// purposeLen is the width of a German purpose subfield: a shorter one ends its value or word.
const purposeLen = 27

// subfields reads "GVC?00text?20purpose…?31IBAN?32name": every sep+2 digits starts a subfield, kept
// in Fields under "?20" (with the file's separator). Purpose lines ?20–?29 and ?60–?63 are joined;
// SEPA keywords in them (EREF+, SVWZ+, …) are split out; ?31 (^38 in Poland) is the counterparty
// account, ?32–?33 its name.
func subfields(e *reconcile.Entry, s string, sep byte) {
	setField(e, "GVC", s[:3])
	var (
		name, free   strings.Builder
		kw           string // current SEPA keyword, "" for free text
		kwFull       bool   // the previous purpose piece filled its subfield, so the value may go on
		kwVals       [len(sepaKeywords)]strings.Builder
		sawKeyword   bool
		prevFreeFull = true
	)
	code := [3]byte{sep, 0, 0}
	for i := 3; i < len(s); {
		// s[i] is sep, s[i+1:i+3] the code; the value runs to the next sep+2 digits.
		code[1], code[2] = s[i+1], s[i+2]
		j := i + 3
		for j < len(s) && !(s[j] == sep && j+2 < len(s) && isDigit(s[j+1]) && isDigit(s[j+2])) {
			j++
		}
		v := s[i+3 : j]
		i = j
		key := string(code[:])
		setField(e, key, v)
		n := int(code[1]-'0')*10 + int(code[2]-'0')
		switch {
		case (n >= 20 && n <= 29) || (n >= 60 && n <= 63):
			k := keywordIndex(v)
			switch {
			case k >= 0:
				kw, sawKeyword = sepaKeywords[k], true
				kwVals[k].WriteString(v[len(sepaKeywords[k]):])
			case kw != "" && kwFull:
				kwVals[keywordIndex(kw)].WriteString(v)
			default:
				kw = ""
				if free.Len() > 0 && !prevFreeFull {
					free.WriteByte(' ')
				}
				free.WriteString(v)
				prevFreeFull = len(v) >= purposeLen
			}
			kwFull = len(v) >= purposeLen
		case n == 31 || (sep == '^' && n == 38):
			if iban := strings.ReplaceAll(strings.TrimSpace(v), " ", ""); ibanShaped(iban) {
				e.CounterpartyIBAN = iban
			}
		case n == 32 || n == 33:
			name.WriteString(v)
		}
	}
	if name.Len() > 0 {
		e.CounterpartyName = strings.Join(strings.Fields(name.String()), " ")
	}
	if !sawKeyword {
		e.Remittance = strings.TrimSpace(free.String())
		return
	}
	for k := range kwVals {
		if kwVals[k].Len() == 0 {
			continue
		}
		v := strings.TrimSpace(kwVals[k].String())
		key := strings.TrimSuffix(sepaKeywords[k], "+")
		setField(e, key, v)
		switch key {
		case "EREF":
			if v != "NOTPROVIDED" {
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
	if f := strings.TrimSpace(free.String()); f != "" {
		if e.Remittance != "" {
			e.Remittance += " " + f
		} else {
			e.Remittance = f
		}
	}
}

func keywordIndex(v string) int {
	if len(v) < 4 {
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

// dutchCodes are the codewords of the Dutch structured :86: (and HSBC's): only these start a value,
// so a "/" inside a name does not.
var dutchCodes = map[string]bool{
	"TRTP": true, "EREF": true, "IBAN": true, "BIC": true, "NAME": true, "REMI": true, "CSID": true,
	"MARF": true, "PREF": true, "RTRN": true, "PURP": true, "ULTC": true, "ULTD": true, "ULTB": true,
	"CNTP": true, "BENM": true, "ORDP": true, "ISDT": true, "ADDR": true, "OCMT": true, "CHGS": true,
	"EXCH": true, "SVCL": true, "IREF": true, "KREF": true, "ACCW": true, "BUSP": true, "CDTRREF": true,
	"CDTRREFTP": true, "CD": true, "ISSR": true, "RTYP": true, "OPRP": true, "OSDR": true,
}

// codewordAt returns the length of "/CODE/" at s[i], or 0.
func codewordAt(s string, i int) int {
	j := i + 1
	for j < len(s) && j-i <= 10 && s[j] >= 'A' && s[j] <= 'Z' {
		j++
	}
	if j >= len(s) || s[j] != '/' || j == i+1 || !dutchCodes[s[i+1:j]] {
		return 0
	}
	return j + 1 - i
}

// codewords reads "/EREF/x/BENM//NAME/y/REMI/z": each known codeword's value runs to the next
// known codeword. /OCMT/ and /CHGS/ hold one value up to the next "/"; text after it is remittance.
func codewords(e *reconcile.Entry, s string) {
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
			if v != "NOTPROVIDED" {
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
