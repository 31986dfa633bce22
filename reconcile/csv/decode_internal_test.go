package csv

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUTF8WatchAgreesWithValid feeds texts to utf8Watch cut into chunks at every pair of places, so
// that characters (valid, truncated, overlong, surrogate) are split across one, two and three reads.
func TestUTF8WatchAgreesWithValid(t *testing.T) {
	tests := []struct{ name, text string }{
		{"ascii", "Tarih;Tutar\n02.01.2026;1,00\n"},
		{"turkish", "ÖDEME;İşlem;ğüşıöç\n"},
		{"four bytes", "a😀b😀\n"},
		{"windows-1254 bytes", "03.01.2026;\xdd\xde;1,00\n"},
		{"truncated at the end", "ab\xe2\x82"},
		{"truncated in the middle", "ab\xe2\x82;c"},
		{"stray continuation", "a\x80b"},
		{"overlong", "a\xc0\xafb"},
		{"surrogate", "a\xed\xa0\x80b"},
		{"bad second byte", "a\xe0\x80\x80b"},
		{"replacement character", "a\uFFFDb"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := !utf8.ValidString(tt.text)
			b := []byte(tt.text)
			for i := 0; i <= len(b); i++ {
				for j := i; j <= len(b); j++ {
					var w utf8Watch
					w.scan(b[:i], false)
					w.scan(b[i:j], false)
					w.scan(b[j:], false)
					w.scan(nil, true)
					assert.Equal(t, want, w.invalid, "chunks %q %q %q", b[:i], b[i:j], b[j:])
				}
			}
		})
	}
}

func TestInputSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.csv")
	require.NoError(t, os.WriteFile(path, make([]byte, 1000), 0o600))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.Read(make([]byte, 100))
	require.NoError(t, err)
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	defer pw.Close()
	tests := []struct {
		name string
		r    io.Reader
		want int64
		ok   bool
	}{
		{"a file less what was read of it", f, 900, true},
		{"a sized reader", bytes.NewReader(make([]byte, 42)), 42, true},
		{"a pipe", pr, 0, false},
		{"a plain reader", io.MultiReader(bytes.NewReader(nil)), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := inputSize(tt.r)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}
