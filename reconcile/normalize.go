package reconcile

import (
	"unicode"
	"unicode/utf8"
)

// NormalizeReference returns the form in which references are compared: s upper-cased with Turkish
// case rules (i → İ, ı → I), then folded to the SWIFT character set that bank files use (İ → I, Ç → C,
// Ğ → G, Ö → O, Ş → S, Ü → U), with everything but letters and digits removed. "INV-2024-001" and
// "/REMI/INV 2024 001" become INV2024001 and REMIINV2024001; "inv", "İNV" and "ınv" all become INV, and
// "ÇEK-7" matches a bank's "CEK 7".
func NormalizeReference(s string) string {
	return string(appendNormalized(make([]byte, 0, len(s)+4), s))
}

// asciiNorm is the normalized form of each ASCII byte: letters upper-cased, digits as they are, 0 for
// anything else. ('i' upper-cases to İ under Turkish rules, which folds back to I.)
var asciiNorm = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('A'); c <= 'Z'; c++ {
		t[c], t[c+'a'-'A'] = c, c
	}
	return t
}()

// foldTurkish maps the upper-case Turkish letters outside ASCII to the letters banks transliterate
// them to in SWIFT messages.
func foldTurkish(r rune) rune {
	switch r {
	case 'İ':
		return 'I'
	case 'Ç':
		return 'C'
	case 'Ğ':
		return 'G'
	case 'Ö':
		return 'O'
	case 'Ş':
		return 'S'
	case 'Ü':
		return 'U'
	}
	return r
}

// upper is the comparison form of one non-ASCII letter or digit.
func upper(r rune) rune { return foldTurkish(unicode.TurkishCase.ToUpper(r)) }

// appendNormalized appends the normalized form of s to dst.
func appendNormalized(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if n := asciiNorm[c]; n != 0 {
				dst = append(dst, n)
			}
			i++
			continue
		}
		dst, i, _ = normNext(dst, s, i)
	}
	return dst
}

// normNext appends the normalized form of the character at s[i] to dst (nothing when it is neither a
// letter nor a digit) and returns the index of the next character and whether it was kept.
func normNext(dst []byte, s string, i int) ([]byte, int, bool) {
	c := s[i]
	if c < utf8.RuneSelf {
		switch {
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			return append(dst, c), i + 1, true
		case c >= 'a' && c <= 'z':
			return append(dst, c-'a'+'A'), i + 1, true
		}
		return dst, i + 1, false
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return utf8.AppendRune(dst, upper(r)), i + n, true
	}
	return dst, i + n, false
}

// token is one maximal run of letters and digits in an entry text: where it is in the original text
// and where its normalized form is in the tokenizer's buffer.
type token struct {
	origStart, origEnd int32
	normStart, normEnd int32
}

// tokenizer splits text fields into tokens, reusing its buffers. Not safe for concurrent use.
type tokenizer struct {
	buf    []byte
	tokens []token
}

// split tokenizes s: t.tokens and t.buf hold the tokens and their normalized bytes afterwards.
func (t *tokenizer) split(s string) {
	// Upper-casing never makes a character more than three times longer, so the buffer is sized once
	// and written by index.
	if need := 3*len(s) + 4; cap(t.buf) < need {
		t.buf = make([]byte, need)
	}
	buf := t.buf[:cap(t.buf)]
	t.tokens = t.tokens[:0]
	k := 0
	for i := 0; i < len(s); {
		// skip to the next letter or digit
		if c := s[i]; c < utf8.RuneSelf {
			if asciiNorm[c] == 0 {
				i++
				continue
			}
		} else if r, n := utf8.DecodeRuneInString(s[i:]); !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			i += n
			continue
		}
		// a token: its characters in a loop of their own (a loop that tested at every character
		// whether a token starts or ends cost twice as much)
		tok := token{origStart: int32(i), normStart: int32(k)}
		for i < len(s) {
			if c := s[i]; c < utf8.RuneSelf {
				n := asciiNorm[c]
				if n == 0 {
					break
				}
				buf[k] = n
				k++
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			k += utf8.EncodeRune(buf[k:], upper(r))
			i += n
		}
		tok.origEnd, tok.normEnd = int32(i), int32(k)
		t.tokens = append(t.tokens, tok)
	}
	t.buf = buf[:k]
}
