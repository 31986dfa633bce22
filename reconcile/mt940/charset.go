package mt940

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
)

// FallbackCharset is the code page used when Options.Charset is empty and the input is not valid
// UTF-8: Windows-1254 (Turkish), a superset of ISO-8859-9 in its printable range.
const FallbackCharset = "windows-1254"

// errCharset: Options.Charset names no encoding we know.
var errCharset = errors.New("unknown charset")

// charsets maps the names we document to their encodings. ianaindex answers for everything else; the
// WHATWG index (htmlindex) is deliberately not used, because it maps "iso-8859-9" to Windows-1254.
var charsets = map[string]encoding.Encoding{
	"windows-1254": charmap.Windows1254, "cp1254": charmap.Windows1254,
	"iso-8859-9": charmap.ISO8859_9, "latin5": charmap.ISO8859_9,
	"iso-8859-1": charmap.ISO8859_1, "latin1": charmap.ISO8859_1,
	"windows-1252": charmap.Windows1252, "cp1252": charmap.Windows1252,
	"iso-8859-15": charmap.ISO8859_15,
	"iso-8859-2":  charmap.ISO8859_2,
	"cp852":       charmap.CodePage852, "ibm852": charmap.CodePage852,
	"cp850": charmap.CodePage850, "ibm850": charmap.CodePage850,
}

// lookupCharset returns the encoding for a name, or nil for UTF-8.
func lookupCharset(name string) (encoding.Encoding, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "utf-8", "utf8":
		return nil, nil
	}
	if e, ok := charsets[n]; ok {
		return e, nil
	}
	e, err := ianaindex.IANA.Encoding(name)
	if err != nil || e == nil {
		return nil, errCharset
	}
	if e == encoding.Nop || strings.EqualFold(name, "utf-8") {
		return nil, nil
	}
	return e, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// toText turns the file's bytes into UTF-8 text. With no charset given it keeps valid UTF-8 as it
// is and decodes anything else as FallbackCharset, reporting that it did (fallback true).
func toText(data []byte, charset string) (text string, fallback bool, err error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var enc encoding.Encoding
	if charset == "" {
		if utf8.Valid(data) {
			return unsafe.String(unsafe.SliceData(data), len(data)), false, nil // data is never written again
		}
		enc, fallback = charmap.Windows1254, true
	} else if enc, err = lookupCharset(charset); err != nil {
		return "", false, err
	} else if enc == nil {
		// Forced UTF-8: invalid sequences become U+FFFD rather than failing the file.
		return strings.ToValidUTF8(string(data), "\uFFFD"), false, nil
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", fallback, err
	}
	return unsafe.String(unsafe.SliceData(out), len(out)), fallback, nil
}
