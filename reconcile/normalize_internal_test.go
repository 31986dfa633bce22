package reconcile

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"
)

// splitReference is tokenizer.split as it was first written, one character at a time: the
// reference the faster loop is checked against.
func splitReference(s string) ([]token, []byte) {
	var buf []byte
	var tokens []token
	in := false
	var cur token
	for i := 0; i < len(s); {
		start, before := i, len(buf)
		var word bool
		if c := s[i]; c < utf8.RuneSelf {
			if n := asciiNorm[c]; n != 0 {
				buf = append(buf, n)
				word = true
			}
			i++
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			i += n
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				buf = utf8.AppendRune(buf, upper(r))
				word = true
			}
		}
		if word == in {
			continue
		}
		if in = word; word {
			cur = token{origStart: int32(start), normStart: int32(before)}
		} else {
			cur.origEnd, cur.normEnd = int32(start), int32(before)
			tokens = append(tokens, cur)
		}
	}
	if in {
		cur.origEnd, cur.normEnd = int32(len(s)), int32(len(buf))
		tokens = append(tokens, cur)
	}
	return tokens, buf
}

func TestSplitAgainstReference(t *testing.T) {
	check := func(s string) {
		t.Helper()
		var tk tokenizer
		tk.split(s)
		wantTokens, wantBuf := splitReference(s)
		if !slices.Equal(tk.tokens, wantTokens) || string(tk.buf) != string(wantBuf) {
			t.Fatalf("split(%q) = %v %q, want %v %q", s, tk.tokens, tk.buf, wantTokens, wantBuf)
		}
	}
	for _, s := range []string{"", " ", "a", "INV-2024-001", "/REMI/INV 2024 001", "  İADE-5 ışık ÇEK 7 ",
		"Yılmaz Tekstil A.Ş. order 42", "ǅemal ΣΊΣΥΦΟΣ ﬁ ß", "\xff\xfeINV\xc3", "٣٤ 12", "a\u00a0b\u2028c"} {
		check(s)
	}
	alphabet := []string{"a", "Z", "9", " ", "-", "/", ".", "İ", "ı", "ş", "Ğ", "ö", "ü", "ç", "ß", "ǅ", "€",
		"\u00a0", "\xff", "\xc3", "٣", "ﬁ"}
	rng := rand.New(rand.NewPCG(7, 7))
	var tk tokenizer // reused, as a worker reuses it
	for range 20000 {
		var s []byte
		for range rng.IntN(24) {
			s = append(s, alphabet[rng.IntN(len(alphabet))]...)
		}
		check(string(s))
		tk.split(string(s))
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("/REMI/INV 2024 001 İADE")
	f.Fuzz(func(t *testing.T, s string) {
		var tk tokenizer
		tk.split(s)
		wantTokens, wantBuf := splitReference(s)
		if !slices.Equal(tk.tokens, wantTokens) || string(tk.buf) != string(wantBuf) {
			t.Fatalf("split(%q) = %v %q, want %v %q", s, tk.tokens, tk.buf, wantTokens, wantBuf)
		}
	})
}
