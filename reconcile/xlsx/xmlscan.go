package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// scanner is a small pull tokenizer for the parts of a workbook that can be large (worksheets and
// the shared-string table). It pays because encoding/xml, through excelize, allocated about 170
// times per row (one interface value per token, reflection per cell) and spent most of Decode's
// time there; this reads tags and text in place from one reusable buffer and allocates nothing
// per token. It understands what SpreadsheetML uses: elements with or without a namespace prefix,
// attributes in either quote, the five predefined entities and character references, CDATA,
// comments and processing instructions. It does not check well-formedness beyond what it needs:
// a part that is not XML fails where it stops making sense.
type scanner struct {
	r        io.Reader
	buf      []byte
	pos, end int // buf[pos:end] is read and not yet consumed
	eof      bool
	err      error // the reader's error other than io.EOF
	read     int64 // bytes read from r so far
}

// offset is how many bytes of input have been consumed.
func (s *scanner) offset() int64 { return s.read - int64(s.end-s.pos) }

// maxToken caps one tag or one run of text, so a hostile part cannot make the buffer grow
// without bound. Excel's cell text limit is 32,767 characters; even written as character
// references that is far below this.
const maxToken = 4 << 20

var errTokenTooLong = errors.New("an XML tag or text is longer than 4 MiB")

func newScanner(r io.Reader) *scanner {
	return &scanner{r: r, buf: make([]byte, 64<<10)}
}

// fill reads more input, keeping buf[pos:end]; it reports false when nothing more can come.
func (s *scanner) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxToken {
			s.err, s.eof = errTokenTooLong, true
			return false
		}
		s.buf = append(s.buf, make([]byte, len(s.buf))...)
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		s.read += int64(n)
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.err = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

type kind uint8

const (
	kEOF   kind = iota
	kStart      // <name ...> or <name .../> (tag.empty)
	kEnd        // </name>
	kCDATA      // <![CDATA[...]]>: tag.attrs holds the content
)

// tag is one markup token. name is the local name (any prefix dropped) and attrs the raw text
// after it; both point into the scanner's buffer and are valid until the next call.
type tag struct {
	kind  kind
	name  []byte
	attrs []byte
	empty bool
}

// next returns the text before the next element tag (raw: entities not decoded) and that tag;
// comments, processing instructions and declarations are skipped (text around them is joined
// only if the caller asks again). At the end of the input the tag's kind is kEOF; err is set
// when the input is cut short or cannot be read.
func (s *scanner) next() (text []byte, t tag, err error) {
	// Find '<'; the text before it is returned with the tag, so it stays in the buffer.
	i := 0
	for {
		if k := bytes.IndexByte(s.buf[s.pos+i:s.end], '<'); k >= 0 {
			i += k
			break
		}
		i = s.end - s.pos
		if !s.fill() {
			if s.err != nil {
				return nil, t, s.err
			}
			text = s.buf[s.pos:s.end]
			s.pos = s.end
			return text, tag{kind: kEOF}, nil
		}
	}
	// Find the end of the markup starting at s.pos+i.
	for {
		m := s.buf[s.pos+i : s.end]
		n, t, ok := markup(m)
		if ok {
			text = s.buf[s.pos : s.pos+i]
			s.pos += i + n
			return text, t, nil
		}
		if !s.fill() {
			if s.err != nil {
				return nil, t, s.err
			}
			return nil, t, errors.New("the XML ends inside a tag")
		}
	}
}

// markup parses the markup at the start of m ("<..."): its length and tag, or ok false when m
// does not hold all of it yet. A comment or processing instruction is returned as a kStart tag
// with an empty name, which the callers ignore.
func markup(m []byte) (n int, t tag, ok bool) {
	if len(m) < 2 {
		return 0, t, false
	}
	switch m[1] {
	case '?':
		if k := bytes.Index(m[2:], []byte("?>")); k >= 0 {
			return k + 4, tag{kind: kStart, empty: true}, true
		}
		return 0, t, false
	case '!':
		if len(m) < 4 && bytes.HasPrefix([]byte("<!--"), m) || len(m) < 9 && bytes.HasPrefix([]byte("<![CDATA["), m) {
			return 0, t, false // cannot tell which yet
		}
		switch {
		case bytes.HasPrefix(m, []byte("<!--")):
			if k := bytes.Index(m[4:], []byte("-->")); k >= 0 {
				return k + 7, tag{kind: kStart, empty: true}, true
			}
			return 0, t, false
		case bytes.HasPrefix(m, []byte("<![CDATA[")):
			if k := bytes.Index(m[9:], []byte("]]>")); k >= 0 {
				return k + 12, tag{kind: kCDATA, attrs: m[9 : 9+k]}, true
			}
			return 0, t, false
		}
		// <!DOCTYPE ...>: workbooks have none; skip to its '>'.
		if k := bytes.IndexByte(m, '>'); k >= 0 {
			return k + 1, tag{kind: kStart, empty: true}, true
		}
		return 0, t, false
	case '/':
		k := bytes.IndexByte(m, '>')
		if k < 0 {
			return 0, t, false
		}
		return k + 1, tag{kind: kEnd, name: localName(bytes.TrimRight(m[2:k], " \t\r\n"))}, true
	}
	// A start tag: the name, then attributes up to a '>' outside quotes.
	j := 1
	for j < len(m) && !isSpace(m[j]) && m[j] != '>' && m[j] != '/' {
		j++
	}
	name := m[1:j]
	var quote byte
	for k := j; k < len(m); k++ {
		c := m[k]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			empty := m[k-1] == '/'
			end := k
			if empty {
				end--
			}
			return k + 1, tag{kind: kStart, name: localName(name), attrs: m[j:max(end, j)], empty: empty}, true
		}
	}
	return 0, t, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// localName drops a namespace prefix: "x:row" is "row".
func localName(name []byte) []byte {
	if k := bytes.IndexByte(name, ':'); k >= 0 {
		return name[k+1:]
	}
	return name
}

// is reports whether the tag is a start (or empty) tag named name.
func (t *tag) is(name string) bool { return t.kind == kStart && string(t.name) == name }

// attr returns the raw value of the attribute with the given local name, and whether it is there.
// Values are returned as written: the attributes read here (cell references, types, row numbers,
// ranges, relationship ids) hold no entities in any workbook Excel or a library writes; one that
// did would fail as an invalid reference.
func (t *tag) attr(name string) ([]byte, bool) {
	a := t.attrs
	for {
		a = a[skipSpace(a, 0):]
		eq := bytes.IndexByte(a, '=')
		if eq < 0 {
			return nil, false
		}
		k := eq
		for k > 0 && isSpace(a[k-1]) {
			k--
		}
		key := localName(a[:k])
		rest := a[skipSpace(a, eq+1):]
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return nil, false
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return nil, false
		}
		if string(key) == name {
			return rest[1 : 1+end], true
		}
		a = rest[end+2:]
	}
}

// skipSpace returns the index of the first byte of b at or after i that is not XML white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// appendText appends XML character data with entities and character references decoded and line
// ends normalised ("\r\n" and "\r" are "\n"), as an XML parser delivers it.
func appendText(dst, raw []byte) ([]byte, error) {
	for len(raw) > 0 {
		k := bytes.IndexAny(raw, "&\r")
		if k < 0 {
			return append(dst, raw...), nil
		}
		dst = append(dst, raw[:k]...)
		raw = raw[k:]
		if raw[0] == '\r' {
			dst = append(dst, '\n')
			raw = raw[1:]
			if len(raw) > 0 && raw[0] == '\n' {
				raw = raw[1:]
			}
			continue
		}
		semi := bytes.IndexByte(raw, ';')
		if semi < 0 {
			return dst, errors.New("an unterminated XML entity")
		}
		ent := raw[1:semi]
		raw = raw[semi+1:]
		switch string(ent) {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ent)
			if !ok {
				return dst, fmt.Errorf("an invalid XML entity &%.20s;", ent)
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst, nil
}

// charRef reads "#65" or "#x41" as a character XML allows.
func charRef(ent []byte) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	base, digits := 10, ent[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, false
	}
	var r rune
	for _, c := range digits {
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		r = r*rune(base) + d
	}
	ok := r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
	return r, ok
}

// skip consumes the content of the element whose start tag was just read, up to its end tag.
func (s *scanner) skip() error {
	depth := 1
	for {
		_, t, err := s.next()
		if err != nil {
			return err
		}
		switch {
		case t.kind == kEOF:
			return io.ErrUnexpectedEOF
		case t.kind == kStart && len(t.name) > 0 && !t.empty:
			depth++
		case t.kind == kEnd:
			if depth--; depth == 0 {
				return nil
			}
		}
	}
}

// appendContent appends the decoded character data of the element whose start tag was just read
// (text and CDATA, at any depth) and consumes its end tag.
func (s *scanner) appendContent(dst []byte) ([]byte, error) {
	depth := 1
	for {
		text, t, err := s.next()
		if err != nil {
			return dst, err
		}
		if dst, err = appendText(dst, text); err != nil {
			return dst, err
		}
		switch {
		case t.kind == kEOF:
			return dst, io.ErrUnexpectedEOF
		case t.kind == kCDATA:
			dst = appendLines(dst, t.attrs)
		case t.kind == kStart && len(t.name) > 0 && !t.empty:
			depth++
		case t.kind == kEnd:
			if depth--; depth == 0 {
				return dst, nil
			}
		}
	}
}

// appendLines appends CDATA content with line ends normalised.
func appendLines(dst, raw []byte) []byte {
	for {
		k := bytes.IndexByte(raw, '\r')
		if k < 0 {
			return append(dst, raw...)
		}
		dst = append(append(dst, raw[:k]...), '\n')
		raw = raw[k+1:]
		if len(raw) > 0 && raw[0] == '\n' {
			raw = raw[1:]
		}
	}
}

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
