package reconcile

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
)

// csvReader reads comma-separated records as RFC 4180 and encoding/csv (FieldsPerRecord -1, no lazy
// quotes) do, several times faster for the payments file: it scans each line once, returns fields as
// byte slices into its buffers, and allocates nothing per record. Quoted fields may hold commas,
// doubled quotes and line breaks; "\r\n" ends a line like "\n". FuzzCSVReader checks it against
// encoding/csv.
type csvReader struct {
	r      *bufio.Reader
	mem    []byte // when set (by setText), what is left of an input held in memory, read instead of r
	line   int    // the line the current record starts on
	next   int    // the line the next record starts on
	offset int64  // bytes read so far
	buf    []byte // the record's text, when it spans several reads
	fields [][]byte
	unq    []byte // unquoted field text
	ends   []int  // where each field ends in unq
}

// Errors of csvReader, worded as encoding/csv words them.
var (
	errCSVBareQuote = errors.New(`bare " in non-quoted-field`)
	errCSVQuote     = errors.New(`extraneous or missing " in quoted-field`)
)

func newCSVReader(r io.Reader) *csvReader {
	return &csvReader{r: bufio.NewReaderSize(r, 1<<20), next: 1}
}

// setText makes c read text, held in memory, from line 1. Lines are slices of text, not copies (a
// quoted field with a line break is put together in c's own buffer); a record is valid until the
// next read.
func (c *csvReader) setText(text []byte) {
	c.mem = text[:len(text):len(text)]
	if c.mem == nil {
		c.mem = []byte{}
	}
	c.next, c.offset = 1, 0
}

// readLine returns the next line without its line ending, or io.EOF. The slice is valid until the
// next call.
func (c *csvReader) readLine() ([]byte, error) {
	var line []byte
	var err error
	if c.mem != nil {
		i := bytes.IndexByte(c.mem, '\n') + 1
		if i == 0 {
			i, err = len(c.mem), io.EOF
		}
		line, c.mem = c.mem[:i], c.mem[i:]
	} else {
		line, err = c.r.ReadSlice('\n')
	}
	if err == bufio.ErrBufferFull {
		c.buf = append(c.buf[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = c.r.ReadSlice('\n')
			c.buf = append(c.buf, line...)
		}
		line = c.buf
	}
	if len(line) > 0 && err == io.EOF {
		err = nil
		if line[len(line)-1] == '\r' { // as encoding/csv: a trailing \r before the end is dropped
			line = line[:len(line)-1]
		}
	}
	if err != nil {
		return nil, err
	}
	c.offset += int64(len(line))
	c.next++
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	return line, nil
}

// read returns the next record; empty lines are skipped. The fields are valid until the next call.
// A syntax error is a *csvSyntaxError with the line.
func (c *csvReader) read() ([][]byte, error) {
	var line []byte
	var err error
	for {
		c.line = c.next
		if line, err = c.readLine(); err != nil {
			return nil, err
		}
		if len(line) > 0 {
			break
		}
	}
	c.fields = c.fields[:0]
	c.unq = c.unq[:0]
	if bytes.IndexByte(line, '"') < 0 { // the common case: no quotes at all
		for {
			i := bytes.IndexByte(line, ',')
			if i < 0 {
				c.fields = append(c.fields, line)
				return c.fields, nil
			}
			c.fields = append(c.fields, line[:i])
			line = line[i+1:]
		}
	}
	// With quotes: fields are built in c.unq; remember where each one ends. The line is copied: a
	// quoted field may need the following lines, which reuse the reader's buffer.
	ends := c.ends[:0]
	defer func() { c.ends = ends }()
	c.buf = append(c.buf[:0], line...)
	line = c.buf
	pos := 0
	for {
		if pos < len(line) && line[pos] == '"' {
			pos++ // quoted field
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i >= 0 {
					c.unq = append(c.unq, line[pos:pos+i]...)
					pos += i + 1
					switch {
					case pos < len(line) && line[pos] == '"': // doubled quote
						c.unq = append(c.unq, '"')
						pos++
						continue
					case pos < len(line) && line[pos] == ',':
						pos++
						ends = append(ends, len(c.unq))
					case pos == len(line):
						ends = append(ends, len(c.unq))
						return c.split(ends), nil
					default:
						return nil, &csvSyntaxError{Line: c.line, Field: len(ends), Err: errCSVQuote}
					}
					break
				}
				// the field goes on on the next line
				c.unq = append(c.unq, line[pos:]...)
				c.unq = append(c.unq, '\n')
				more, err := c.readLine()
				if err != nil {
					return nil, &csvSyntaxError{Line: c.line, Field: len(ends), Err: errCSVQuote}
				}
				c.buf = append(c.buf[:0], more...)
				line, pos = c.buf, 0
			}
			continue
		}
		i := bytes.IndexByte(line[pos:], ',')
		field := line[pos:]
		if i >= 0 {
			field = line[pos : pos+i]
		}
		if bytes.IndexByte(field, '"') >= 0 {
			return nil, &csvSyntaxError{Line: c.line, Field: len(ends), Err: errCSVBareQuote}
		}
		c.unq = append(c.unq, field...)
		ends = append(ends, len(c.unq))
		if i < 0 {
			return c.split(ends), nil
		}
		pos += i + 1
	}
}

// split cuts c.unq at ends into c.fields.
func (c *csvReader) split(ends []int) [][]byte {
	start := 0
	for _, e := range ends {
		c.fields = append(c.fields, c.unq[start:e])
		start = e
	}
	return c.fields
}

// csvSyntaxError is a syntax error at a line, in the field of index Field (0 for the first).
type csvSyntaxError struct {
	Line  int
	Field int
	Err   error
}

func (e *csvSyntaxError) Error() string { return e.Err.Error() }

// arena keeps the strings a reader retains in large shared blocks: one allocation per megabyte rather
// than one per field. A strings.Builder only ever appends, so a string taken from it stays valid and
// unchanged when more is written.
type arena struct {
	b strings.Builder
}

const arenaBlock = 1 << 20

// str returns a string with the bytes of b.
func (a *arena) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if a.b.Cap()-a.b.Len() < len(b) {
		a.b = strings.Builder{}
		a.b.Grow(max(arenaBlock, len(b)))
	}
	start := a.b.Len()
	a.b.Write(b)
	return a.b.String()[start:]
}
