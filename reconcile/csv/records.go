package csv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// errInvalidDelim is encoding/csv's error for a separator it cannot split on (a "sep=" line may
// name any character), with the same text.
var errInvalidDelim = errors.New("csv: invalid field or comment delimiter")

// recordReader splits CSV records exactly as encoding/csv does with LazyQuotes, FieldsPerRecord -1
// and ReuseRecord (the decoder's settings, under which it reports no syntax errors), about twice
// as fast. The time goes where encoding/csv copies every line into a record buffer and then into
// one string per record: this reader converts the input to strings a block (64 KiB) at a time and
// slices the fields of a line without quotes straight out of the block, so a line costs no
// allocation and no copy. Only a line with a quote character takes the general path, a port of
// encoding/csv's. A kept field pins its block rather than its line: the decoder keeps fields of
// nearly every line, so that is the same memory.
type recordReader struct {
	r     io.Reader
	sep   string     // the separator rune, UTF-8 encoded
	bad   error      // errInvalidDelim for a separator encoding/csv refuses
	block int        // blockSize; smaller in tests, to cut lines at every place
	max   int        // the longest line allowed, in bytes without the line break; 0 for no limit
	utf8  *utf8Watch // when set, every byte read is checked for valid UTF-8
	// asciiHead says the input was taken for UTF-8 only because its first block is plain ASCII.
	asciiHead bool
	buf       []byte // read buffer, converted into text
	text      string // what is left of the current block
	// keep says the text is kept (Decode: the entries' fields are slices of it): each block is read
	// into memory of its own that becomes the text, instead of a buffer copied into a string.
	keep  bool
	err   error // the read error (io.EOF at the end) once there was one
	lines int   // lines read so far
	empty int   // consecutive reads that returned nothing
	rec   []string
	field []byte // the text of a quoted field with "", a stray quote or a line break
	// openQuote is set when the input ended inside a quoted field (taken as ending there): a run of
	// lines read on its own (parallel.go) was then cut inside a record.
	openQuote bool
	// cr says the input ends its lines with a lone "\r" (Excel for Mac's "CSV (Macintosh)"): its head
	// (crHead) has no "\n" but has a "\r". Every "\r" read is then turned into "\n" as it is read, so
	// the file reads as encoding/csv reads it with its line breaks as "\n". decided says the head
	// was looked at.
	cr, decided bool
}

// crHead is how much of the start of the input says whether its lines end with a lone "\r": as much
// as detect.Sniff looks at.
const crHead = 8 << 10

// blockSize is how much is read and turned into one string at a time.
const blockSize = 64 << 10

// readBlock is the block of a new recordReader: blockSize, smaller in tests of the parallel reading.
var readBlock = blockSize

func newRecordReader(r io.Reader, sep rune) *recordReader {
	c := &recordReader{r: r, sep: string(sep), block: readBlock}
	if !validDelim(sep) {
		c.bad = errInvalidDelim
	}
	return c
}

// validDelim is encoding/csv's test of a separator.
func validDelim(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && utf8.ValidRune(r) && r != utf8.RuneError
}

// Read returns the next record and the line it starts on; io.EOF at the end. The strings stay
// valid; the slice is reused by the next call.
func (c *recordReader) Read() (rec []string, line int, err error) {
	if c.bad != nil {
		return nil, 0, c.bad
	}
	var s string
	var nl bool
	for {
		if s, nl, err = c.readLine(); err != nil {
			return nil, 0, err
		}
		if s != "" {
			break // empty lines are skipped
		}
	}
	line = c.lines
	if strings.IndexByte(s, '"') >= 0 {
		rec, err = c.quoted(s, nl)
		return rec, line, err
	}
	rec = c.rec[:0]
	for {
		i := c.index(s)
		if i < 0 {
			break
		}
		rec = append(rec, s[:i])
		s = s[i+len(c.sep):]
	}
	c.rec = append(rec, s)
	return c.rec, line, nil
}

func (c *recordReader) index(s string) int {
	if len(c.sep) == 1 {
		return strings.IndexByte(s, c.sep[0])
	}
	return strings.Index(s, c.sep)
}

// readLine returns the next line without its line break, and whether it had one. As encoding/csv
// does, it takes "\r\n" for "\n" and drops a "\r" before the end of the input; in input whose
// lines end with a lone "\r" (cr), every "\r" is a line break. The error is the read error once
// the lines before it are read, io.EOF at the end, or errLineTooLong as soon as the next line is
// known to be longer than max (once the head has said which line break the input uses).
func (c *recordReader) readLine() (s string, nl bool, err error) {
	i := strings.IndexByte(c.text, '\n')
	for i < 0 && c.err == nil && (!c.tooLong(len(c.text)) || !c.decided) {
		from := len(c.text)
		if !c.decided {
			from = 0 // deciding may turn a "\r" read before into a line break
		}
		c.fill()
		if j := strings.IndexByte(c.text[from:], '\n'); j >= 0 {
			i = from + j
		}
	}
	if c.tooLong(i) || (i < 0 && c.tooLong(len(c.text))) {
		return "", false, fmt.Errorf("%w (%d bytes; raise MaxLineBytes)", errLineTooLong, c.max)
	}
	switch {
	case i >= 0:
		s, c.text, nl = c.text[:i], c.text[i+1:], true
	case c.err == io.EOF && c.text != "":
		s, c.text = c.text, ""
	default:
		return "", false, c.err
	}
	c.lines++
	if n := len(s); n > 0 && s[n-1] == '\r' {
		s = s[:n-1]
	}
	return s, nl, nil
}

func (c *recordReader) tooLong(n int) bool { return c.max > 0 && n > c.max }

// decide looks at the head of the input, buf (nothing of it is read as lines before this decides),
// once it holds a "\n", crHead bytes or all of the input: the lines end with a lone "\r" when the
// head has no "\n" but has a "\r". A read error before then leaves it undecided: the error is
// returned before any line.
func (c *recordReader) decide(buf []byte) {
	head := buf[:min(len(buf), crHead)]
	switch {
	case bytes.IndexByte(head, '\n') >= 0:
		c.decided = true
	case len(buf) >= crHead || c.err == io.EOF:
		c.decided, c.cr = true, bytes.IndexByte(head, '\r') >= 0
	}
}

// fill reads the next block after what is left of the current one, and makes it the text.
func (c *recordReader) fill() {
	size := max(c.block, 2*len(c.text))
	if cap(c.buf) < size {
		c.buf = make([]byte, 0, size)
	}
	buf := append(c.buf[:0], c.text...)
	carry := len(buf)
	for len(buf) < cap(buf) && c.err == nil {
		n, err := c.r.Read(buf[len(buf):cap(buf)])
		if c.utf8 != nil {
			c.utf8.scan(buf[len(buf):len(buf)+n], err == io.EOF)
		}
		buf = buf[:len(buf)+n]
		c.err = err
		if n > 0 {
			c.empty = 0
		} else if c.empty++; c.empty >= 100 && err == nil {
			c.err = io.ErrNoProgress // as bufio.Reader says of a reader that keeps returning nothing
		}
		if n > 0 && len(buf)-carry >= (cap(buf)-carry)/2 {
			// Half the free space is enough: a slow stream is not waited on to fill it, and each
			// read adds at least half as much as is carried over, so a long line is copied a
			// bounded number of times over.
			break
		}
	}
	if !c.decided {
		c.decide(buf)
		carry = 0 // what was read before the head was looked at is turned too
	}
	if c.cr {
		for i := carry; i < len(buf); i++ {
			if buf[i] == '\r' {
				buf[i] = '\n'
			}
		}
	}
	if c.keep && len(buf) >= cap(buf)-cap(buf)/8 {
		// The block is the text's from now on, never written again: it needs no copy. (One much
		// less full, from a slow stream or at the end, is copied to its size instead.)
		c.text, c.buf = unsafe.String(unsafe.SliceData(buf), len(buf)), nil
		return
	}
	c.text = string(buf)
	c.buf = buf
}

// quoted splits a record that has a quote character in its first line s (nl says s had a line
// break): encoding/csv's readRecord with LazyQuotes, line by line. A quoted field may span lines;
// "" in it is one quote, and a quote that neither ends the field nor doubles is kept as it is. A
// field is a slice of its line, like the fields of a line without quotes, unless it holds "", a
// stray quote or a line break: only then is its text built, and allocated, on its own.
func (c *recordReader) quoted(s string, nl bool) ([]string, error) {
	sep := c.sep
	r, _ := utf8.DecodeRuneInString(sep)
	rec := c.rec[:0]
fields:
	for {
		if s == "" || s[0] != '"' {
			i := c.index(s)
			if i < 0 {
				rec = append(rec, s)
				break
			}
			rec = append(rec, s[:i])
			s = s[i+len(sep):]
			continue
		}
		s = s[1:]
		// Until the field needs building (built), its text is line[:n]: s is line until the
		// first quote, which either ends the field or makes it built.
		line, n, built := s, 0, false
		build := func() {
			if !built {
				c.field, built = append(c.field[:0], line[:n]...), true
			}
		}
		text := func() string {
			if built {
				return string(c.field)
			}
			return line[:n]
		}
		for {
			if i := strings.IndexByte(s, '"'); i >= 0 {
				if built {
					c.field = append(c.field, s[:i]...)
				} else {
					n = i
				}
				s = s[i+1:]
				switch next, _ := utf8.DecodeRuneInString(s); {
				case next == '"': // "" is a quote
					build()
					c.field = append(c.field, '"')
					s = s[1:]
				case next == r: // the field ends
					s = s[len(sep):]
					rec = append(rec, text())
					continue fields
				case s == "": // the field and the record end
					rec = append(rec, text())
					break fields
				default: // a stray quote is kept
					build()
					c.field = append(c.field, '"')
				}
			} else if s != "" || nl {
				// The field goes on on the next line, with the line break.
				build()
				c.field = append(c.field, s...)
				if nl {
					c.field = append(c.field, '\n')
				}
				var err error
				if s, nl, err = c.readLine(); err != nil && err != io.EOF {
					return nil, err
				}
			} else {
				// The input ends inside a quoted field: it is taken as ending there.
				c.openQuote = true
				rec = append(rec, text())
				break fields
			}
		}
	}
	c.rec = rec
	return rec, nil
}
