package xlsx

import (
	"bytes"
	"unicode/utf8"
)

// appendBstr appends s with the escapes of OOXML's ST_Xstring decoded: a character XML cannot hold
// is written "_xHHHH_" (a carriage return "_x000D_"), and a literal "_x" sequence "_x005F_x...".
func appendBstr(dst, s []byte) []byte {
	for {
		k := bytes.Index(s, []byte("_x"))
		if k < 0 || len(s) < k+7 {
			return append(dst, s...)
		}
		dst = append(dst, s[:k]...)
		r, ok := hex4(s[k+2 : k+6])
		if !ok || s[k+6] != '_' {
			dst = append(dst, '_')
			s = s[k+1:]
			continue
		}
		if r < 0xD800 || r > 0xDFFF { // a lone surrogate cannot be written; drop it, as excelize did
			dst = utf8.AppendRune(dst, r)
		}
		s = s[k+7:]
	}
}

func hex4(h []byte) (rune, bool) {
	var r rune
	for _, c := range h {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
