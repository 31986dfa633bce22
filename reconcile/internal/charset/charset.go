// Package charset turns the bytes of a statement file into UTF-8 text: the one table of the
// character sets the text decoders (MT940, camt.053, BAI2) know by name.
package charset

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// UTF16BOM returns the UTF-16 encoding of text that starts with a UTF-16 byte-order mark (either
// order), whose decoder follows the mark and drops it; nil for any other start.
func UTF16BOM(head []byte) encoding.Encoding {
	if bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")) {
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	}
	return nil
}

// ErrUnknown is the error of a charset name that names no encoding this knows.
var ErrUnknown = errors.New("unknown charset")

// table lists the character sets the decoders document, in the order messages name them, each with
// its aliases. ianaindex answers for everything else; the WHATWG index (htmlindex) is deliberately not
// used, because it maps "iso-8859-9" to Windows-1254.
var table = []struct {
	names []string // the first is how messages and docs name it
	enc   encoding.Encoding
}{
	{[]string{"utf-8", "utf8"}, nil},
	{[]string{Turkish, "cp1254"}, charmap.Windows1254},
	{[]string{"iso-8859-9", "latin5"}, charmap.ISO8859_9},
	{[]string{"iso-8859-1", "latin1"}, charmap.ISO8859_1},
	{[]string{"windows-1252", "cp1252"}, charmap.Windows1252},
	{[]string{"iso-8859-15"}, charmap.ISO8859_15},
	{[]string{"windows-1250", "cp1250"}, charmap.Windows1250},
	{[]string{"iso-8859-2"}, charmap.ISO8859_2},
	{[]string{"cp852", "ibm852"}, charmap.CodePage852},
	{[]string{"cp850", "ibm850"}, charmap.CodePage850},
}

// Turkish names the code page a Turkish bank's file that is not UTF-8 is in: the one MT940 and CSV
// files that name none are read in.
const Turkish = "windows-1254"

// TurkishEncoding is the encoding Turkish names.
var TurkishEncoding encoding.Encoding = charmap.Windows1254

// Names lists the names of the table, one for each encoding, the way error messages and docs give
// them; Lookup knows their aliases and the IANA names besides.
func Names() []string {
	out := make([]string, len(table))
	for i, c := range table {
		out[i] = c.names[0]
	}
	return out
}

// Lookup returns the encoding a name means, or nil for UTF-8; ErrUnknown for a name it does not
// know.
func Lookup(name string) (encoding.Encoding, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, c := range table {
		if slices.Contains(c.names, n) {
			return c.enc, nil
		}
	}
	e, err := ianaindex.IANA.Encoding(name)
	if err != nil || e == nil {
		return nil, ErrUnknown
	}
	if e == encoding.Nop {
		return nil, nil
	}
	return e, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Text turns a file's bytes into UTF-8 text, without a byte-order mark. With no charset named it
// keeps valid UTF-8 as it is (the text shares data's bytes: data must not be written again) and
// decodes anything else with fallback, reporting that it did (fellBack true).
func Text(data []byte, charset string, fallback encoding.Encoding) (text string, fellBack bool, err error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var enc encoding.Encoding
	if charset == "" {
		if utf8.Valid(data) {
			return unsafe.String(unsafe.SliceData(data), len(data)), false, nil
		}
		enc, fellBack = fallback, true
	} else if enc, err = Lookup(charset); err != nil {
		return "", false, err
	} else if enc == nil {
		// Forced UTF-8: invalid sequences become U+FFFD rather than failing the file.
		return strings.ToValidUTF8(string(data), "\uFFFD"), false, nil
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", fellBack, err
	}
	return unsafe.String(unsafe.SliceData(out), len(out)), fellBack, nil
}
