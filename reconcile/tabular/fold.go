package tabular

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold turns a header cell into the key it is matched by: lower case under Turkish rules, Turkish
// and other diacritics dropped (ı, İ, I and i all become i; ç→c, ğ→g, ö→o, ş→s, ü→u, é→e), text
// in parentheses dropped, and everything that is not a letter or digit removed. So "AÇIKLAMA",
// "Açıklama" and "ACIKLAMA" are all "aciklama", "Fiş/Dekont No" is "fisdekontno" and "Tutar (TL)"
// is "tutar".
//
// Go's strings.EqualFold and strings.ToLower are wrong for Turkish: they send I to i, not ı, so
// "AÇIKLAMA" would not match "açıklama". Folding both dotted and dotless i to one letter makes the
// comparison right whichever case rule the bank's software used.
func Fold(s string) string { return fold(s, false) }

// foldWhole is Fold keeping the text in parentheses: "Kundenreferenz (End-to-End)" is
// "kundenreferenzendtoend", where Fold makes it "kundenreferenz".
func foldWhole(s string) string { return fold(s, true) }

func fold(s string, whole bool) string {
	var b strings.Builder
	b.Grow(len(s))
	depth := 0
	for _, r := range norm.NFD.String(s) {
		switch {
		case !whole && (r == '(' || r == '['):
			depth++
		case !whole && (r == ')' || r == ']'):
			if depth > 0 {
				depth--
			}
		case depth > 0:
		case r == 'ı' || r == 'I' || r == 'İ':
			b.WriteByte('i')
		case r == 'ß':
			b.WriteString("ss")
		case unicode.Is(unicode.Mn, r):
			// combining marks left by NFD: the cedilla of ç, the breve of ğ, the dot of İ …
		case r < utf8.RuneSelf:
			switch {
			case r >= 'A' && r <= 'Z':
				b.WriteByte(byte(r) + 'a' - 'A')
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				b.WriteByte(byte(r))
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
