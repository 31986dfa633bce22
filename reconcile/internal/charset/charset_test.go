package charset

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
)

func TestLookup(t *testing.T) {
	for name, want := range map[string]any{
		"utf-8": nil, "UTF8": nil, "windows-1254": charmap.Windows1254, "latin5": charmap.ISO8859_9,
		"iso-8859-9": charmap.ISO8859_9, "ISO-8859-1": charmap.ISO8859_1, "cp852": charmap.CodePage852,
	} {
		enc, err := Lookup(name)
		require.NoError(t, err, name)
		if want == nil {
			assert.Nil(t, enc, name)
		} else {
			assert.Equal(t, want, enc, name)
		}
	}
	_, err := Lookup("x-klingon")
	assert.ErrorIs(t, err, ErrUnknown)
}

// TestText: UTF-8 kept (without its BOM), other bytes decoded with the fallback and said so, a named
// charset used, a forced UTF-8 that is not made valid with U+FFFD.
func TestText(t *testing.T) {
	for _, c := range []struct {
		name, data, charset, want string
		fellBack                  bool
	}{
		{"utf-8", "Müller", "", "Müller", false},
		{"utf-8 with BOM", "\xef\xbb\xbfMüller", "", "Müller", false},
		{"latin-1 fallback", "M\xfcller", "", "Müller", true},
		{"named", "\xdd\xfe", "windows-1254", "İş", false},
		{"forced utf-8", "a\xffb", "utf-8", "a\ufffdb", false},
	} {
		got, fellBack, err := Text([]byte(c.data), c.charset, charmap.ISO8859_1)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.want, got, c.name)
		assert.Equal(t, c.fellBack, fellBack, c.name)
	}
	_, _, err := Text([]byte("x"), "x-klingon", charmap.ISO8859_1)
	assert.ErrorIs(t, err, ErrUnknown)
}

// TestUTF16BOM: either byte-order mark gives a decoder that follows it and drops it; no mark, no
// encoding (UTF-8's mark included).
func TestUTF16BOM(t *testing.T) {
	for name, in := range map[string][]byte{
		"little-endian": {0xff, 0xfe, 'T', 0, 0x5f, 0x01},
		"big-endian":    {0xfe, 0xff, 0, 'T', 0x01, 0x5f},
	} {
		enc := UTF16BOM(in)
		require.NotNil(t, enc, name)
		out, err := enc.NewDecoder().Bytes(in)
		require.NoError(t, err, name)
		assert.Equal(t, "Tş", string(out), name)
	}
	for _, in := range [][]byte{nil, []byte("\xef\xbb\xbfTarih"), []byte("Tarih"), {0xff}} {
		assert.Nil(t, UTF16BOM(in), "%q", in)
	}
}
