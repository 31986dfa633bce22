// Package xmlscan is a small pull tokenizer for the large XML documents the decoders read (XLSX
// worksheets and shared strings, camt.05x statements). It reads tags and text in place from one
// reusable buffer and allocates nothing per token, where encoding/xml allocates an interface value
// per token and reads the input a byte at a time through an interface. It understands what those
// documents use: elements with or without a namespace prefix, attributes in either quote, the five
// predefined entities and character references, CDATA, comments, processing instructions and a
// DOCTYPE. It does not check well-formedness beyond what it needs: a document that is not XML fails
// where it stops making sense, and its users pair start and end tags themselves.
package xmlscan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Scanner reads an XML document token by token (see the package doc).
type Scanner struct {
	r        io.Reader
	buf      []byte
	pos, end int // buf[pos:end] is read and not yet consumed
	eof      bool
	err      error // the reader's error other than io.EOF
	read     int64 // bytes read from r so far
	// CountLines makes the scanner count the line breaks it consumes, for Line.
	CountLines bool
	lines      int
}

// Offset is how many bytes of input have been consumed.
func (s *Scanner) Offset() int64 { return s.read - int64(s.end-s.pos) }

// Line is the line the input has been consumed to (from 1), when CountLines is set: after Next, the
// line of the end of the tag it returned.
func (s *Scanner) Line() int { return s.lines + 1 }

// consume moves past the next n bytes of the buffer.
func (s *Scanner) consume(n int) {
	if s.CountLines {
		s.lines += bytes.Count(s.buf[s.pos:s.pos+n], []byte{'\n'})
	}
	s.pos += n
}

// MaxToken caps one tag or one run of text, so a hostile document cannot make the buffer grow
// without bound. Excel's cell text limit is 32,767 characters; even written as character
// references that is far below this.
const MaxToken = 4 << 20

// ErrTokenTooLong is the error of a tag or a run of text longer than 4 MiB.
var ErrTokenTooLong = errors.New("an XML tag or text is longer than 4 MiB")

// New returns a scanner of r.
func New(r io.Reader) *Scanner {
	return &Scanner{r: r, buf: make([]byte, 64<<10)}
}

// Wrap replaces the scanner's reader r with wrap(r), before anything is read: tests feed the input
// in small pieces that way.
func (s *Scanner) Wrap(wrap func(io.Reader) io.Reader) { s.r = wrap(s.r) }

// fill reads more input, keeping buf[pos:end]; it reports false when nothing more can come.
func (s *Scanner) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= MaxToken {
			s.err, s.eof = ErrTokenTooLong, true
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

// Kind is the kind of a Tag.
type Kind uint8

// Kinds of tags.
const (
	EOF   Kind = iota
	Start      // <name ...> or <name .../> (Tag.Empty)
	End        // </name>
	CDATA      // <![CDATA[...]]>: Tag.Attrs holds the content
)

// Tag is one markup token. Name is the local name (any prefix dropped), QName the name as written
// (with its prefix), Attrs the raw text after it; all point into the scanner's buffer and are
// valid until the next call.
type Tag struct {
	Kind  Kind
	Name  []byte
	QName []byte
	Attrs []byte
	Empty bool
}

// Next returns the text before the next element tag (raw: entities not decoded) and that tag;
// comments, processing instructions and declarations are skipped (text around them is joined
// only if the caller asks again). At the end of the input the tag's kind is EOF; err is set
// when the input is cut short or cannot be read.
func (s *Scanner) Next() (text []byte, t Tag, err error) {
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
			s.consume(s.end - s.pos)
			return text, Tag{Kind: EOF}, nil
		}
	}
	// Find the end of the markup starting at s.pos+i, once its first bytes show it is markup (a stray
	// '<' in text is refused there, not after a search for its '>' that may read the rest of the file).
	for started := false; ; {
		m := s.buf[s.pos+i : s.end]
		if !started && (len(m) > 2 || len(m) == 2 && m[1] != '/') {
			if !tagStart(m) {
				return nil, t, ErrStrayLT
			}
			started = true
		}
		n, t, ok := markup(m)
		if ok {
			text = s.buf[s.pos : s.pos+i]
			s.consume(i + n)
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

// ErrStrayLT is the error of a '<' that starts no markup: text that should have written it "&lt;".
var ErrStrayLT = errors.New("a '<' that starts no tag (text writes it as &lt;)")

// tagStart reports whether markup m (at least two bytes) starts as XML markup does: "<?", "<!", or
// a start or end tag whose name starts with a letter, '_', ':' or a character beyond ASCII.
func tagStart(m []byte) bool {
	c := m[1]
	switch {
	case c == '?' || c == '!':
		return true
	case c == '/' && len(m) > 2:
		c = m[2]
	}
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= utf8.RuneSelf
}

// markup parses the markup at the start of m ("<..."): its length and tag, or ok false when m
// does not hold all of it yet. A comment or processing instruction is returned as a Start tag
// with an empty name, which the callers ignore.
func markup(m []byte) (n int, t Tag, ok bool) {
	if len(m) < 2 {
		return 0, t, false
	}
	switch m[1] {
	case '?':
		if k := bytes.Index(m[2:], []byte("?>")); k >= 0 {
			return k + 4, Tag{Kind: Start, Empty: true}, true
		}
		return 0, t, false
	case '!':
		if len(m) < 4 && bytes.HasPrefix([]byte("<!--"), m) || len(m) < 9 && bytes.HasPrefix([]byte("<![CDATA["), m) {
			return 0, t, false // cannot tell which yet
		}
		switch {
		case bytes.HasPrefix(m, []byte("<!--")):
			if k := bytes.Index(m[4:], []byte("-->")); k >= 0 {
				return k + 7, Tag{Kind: Start, Empty: true}, true
			}
			return 0, t, false
		case bytes.HasPrefix(m, []byte("<![CDATA[")):
			if k := bytes.Index(m[9:], []byte("]]>")); k >= 0 {
				return k + 12, Tag{Kind: CDATA, Attrs: m[9 : 9+k]}, true
			}
			return 0, t, false
		}
		// <!DOCTYPE ...>: workbooks have none; skip to its '>'.
		if k := bytes.IndexByte(m, '>'); k >= 0 {
			return k + 1, Tag{Kind: Start, Empty: true}, true
		}
		return 0, t, false
	case '/':
		k := bytes.IndexByte(m, '>')
		if k < 0 {
			return 0, t, false
		}
		qname := bytes.TrimRight(m[2:k], " \t\r\n")
		return k + 1, Tag{Kind: End, Name: localName(qname), QName: qname}, true
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
			return k + 1, Tag{Kind: Start, Name: localName(name), QName: name, Attrs: m[j:max(end, j)], Empty: empty}, true
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

// Is reports whether the tag is a start (or empty) tag named name.
func (t *Tag) Is(name string) bool { return t.Kind == Start && string(t.Name) == name }

// Attr returns the raw value of the attribute with the given local name, and whether it is there.
// Values are returned as written, entities not decoded: the attributes its users read (cell
// references, types, row numbers, currency codes) hold none in the documents they read.
func (t *Tag) Attr(name string) ([]byte, bool) {
	a := t.Attrs
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

// AppendText appends XML character data with entities and character references decoded and line
// ends normalised ("\r\n" and "\r" are "\n"), as an XML parser delivers it.
func AppendText(dst, raw []byte) ([]byte, error) {
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 { // nearly all text: as it is
		return append(dst, raw...), nil
	}
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

// Skip consumes the content of the element whose start tag was just read, up to its end tag.
func (s *Scanner) Skip() error {
	depth := 1
	for {
		_, t, err := s.Next()
		if err != nil {
			return err
		}
		switch {
		case t.Kind == EOF:
			return io.ErrUnexpectedEOF
		case t.Kind == Start && len(t.Name) > 0 && !t.Empty:
			depth++
		case t.Kind == End:
			if depth--; depth == 0 {
				return nil
			}
		}
	}
}

// AppendContent appends the decoded character data of the element whose start tag was just read
// (text and CDATA, at any depth) and consumes its end tag.
func (s *Scanner) AppendContent(dst []byte) ([]byte, error) {
	depth := 1
	for {
		text, t, err := s.Next()
		if err != nil {
			return dst, err
		}
		if dst, err = AppendText(dst, text); err != nil {
			return dst, err
		}
		switch {
		case t.Kind == EOF:
			return dst, io.ErrUnexpectedEOF
		case t.Kind == CDATA:
			dst = AppendLines(dst, t.Attrs)
		case t.Kind == Start && len(t.Name) > 0 && !t.Empty:
			depth++
		case t.Kind == End:
			if depth--; depth == 0 {
				return dst, nil
			}
		}
	}
}

// AppendLines appends CDATA content with line ends normalised.
func AppendLines(dst, raw []byte) []byte {
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
