package xlsx

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"github.com/orkesta/orkesta/reconcile/internal/xmlscan"
	"io"
	"os"
	"unicode/utf8"
)

// maxSharedStrings caps the shared-string table, whose offsets stay in memory (8 bytes a string)
// even when its text is spilled to a temporary file: 32 MiB at most. Excel allows about a million
// rows, so that is four distinct texts for each row of the largest sheet. An empty item, "<si/>",
// is 5 bytes that compress to next to nothing: with the cap at 16 million, a workbook of 123 KB
// took 460 MB to open.
const maxSharedStrings = 1 << 22

// endsChunk is the number of offsets in each chunk of sharedStrings.ends: past the first chunk,
// which grows as a slice does so that a small table stays small, the offsets are never copied as
// the table grows, so memory is what they take, with little left over from growing.
const endsChunk = 1 << 16

// sharedStrings is the workbook's shared-string table (xl/sharedStrings.xml), decoded once: the
// texts one after another, in memory or, when the part is larger than Options.MaxXMLInMemory, in a
// temporary file, so a huge table does not make memory grow with the rows.
type sharedStrings struct {
	mem  []byte
	file *os.File
	ends [][]int64 // in chunks of endsChunk; string i is [end(i-1), end(i))
	n    int       // the number of strings
}

// end is where string i ends.
func (t *sharedStrings) end(i int) int64 { return t.ends[i/endsChunk][i%endsChunk] }

// add adds a string that ends at end.
func (t *sharedStrings) add(end int64) {
	switch {
	case t.n == 0:
		t.ends = append(t.ends, nil) // grows with the strings: a workbook of ten texts needs no 512 KiB
	case t.n%endsChunk == 0:
		t.ends = append(t.ends, make([]int64, 0, endsChunk))
	}
	c := &t.ends[len(t.ends)-1]
	*c = append(*c, end)
	t.n++
}

// loadSharedStrings reads the table; spill writes its text to a temporary file in tmpDir.
func loadSharedStrings(zf *zip.File, spill bool, tmpDir string) (t *sharedStrings, err error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	t = &sharedStrings{}
	var w *bufio.Writer
	if spill {
		if t.file, err = os.CreateTemp(tmpDir, "orkesta-xlsx-sst-*"); err != nil {
			return nil, fmt.Errorf("spilling the shared strings: %w", err)
		}
		defer func() {
			if err != nil {
				t.close()
			}
		}()
		w = bufio.NewWriterSize(t.file, 64<<10)
	}
	sc := xmlscan.New(rc)
	var raw, text []byte
	var size int64
	for {
		_, tg, err := sc.Next()
		if err != nil {
			return t, err
		}
		if tg.Kind == xmlscan.EOF {
			break
		}
		if !tg.Is("si") {
			continue
		}
		raw = raw[:0]
		if !tg.Empty {
			if raw, err = appendRich(sc, raw); err != nil {
				return t, err
			}
		}
		if t.n == maxSharedStrings {
			return t, fmt.Errorf("%w: more than %d shared strings", ErrTooLarge, maxSharedStrings)
		}
		text = appendBstr(text[:0], raw)
		if !utf8.Valid(text) {
			return t, fmt.Errorf("shared string %d is not valid UTF-8", t.n)
		}
		if w != nil {
			if _, err := w.Write(text); err != nil {
				return t, fmt.Errorf("spilling the shared strings: %w", err)
			}
		} else {
			t.mem = append(t.mem, text...)
		}
		size += int64(len(text))
		t.add(size)
	}
	if w != nil {
		if err := w.Flush(); err != nil {
			return t, fmt.Errorf("spilling the shared strings: %w", err)
		}
	}
	return t, nil
}

// appendRich appends the text of a string item whose start tag (<si> or <is>) was just read: its
// <t>, or the <t> of each rich-text run <r>; phonetic runs (<rPh>) and properties are not text.
func appendRich(sc *xmlscan.Scanner, dst []byte) ([]byte, error) {
	depth := 1 // 1: in the item, 2: in a run
	for {
		_, tg, err := sc.Next()
		if err != nil {
			return dst, err
		}
		switch {
		case tg.Kind == xmlscan.EOF:
			return dst, io.ErrUnexpectedEOF
		case tg.Kind == xmlscan.End:
			if depth--; depth == 0 {
				return dst, nil
			}
		case tg.Kind != xmlscan.Start || tg.Empty || len(tg.Name) == 0:
		case string(tg.Name) == "t":
			if dst, err = sc.AppendContent(dst); err != nil {
				return dst, err
			}
		case depth == 1 && string(tg.Name) == "r":
			depth++
		default:
			if err := sc.Skip(); err != nil {
				return dst, err
			}
		}
	}
}

var errNoSharedString = errors.New("no such shared string")

// appendTo appends string i.
func (t *sharedStrings) appendTo(dst []byte, i int) ([]byte, error) {
	if t == nil || i < 0 || i >= t.n {
		return dst, fmt.Errorf("%w: %d", errNoSharedString, i)
	}
	start, end := int64(0), t.end(i)
	if i > 0 {
		start = t.end(i - 1)
	}
	if t.file == nil {
		return append(dst, t.mem[start:end]...), nil
	}
	n := len(dst)
	dst = append(dst, make([]byte, end-start)...)
	if _, err := t.file.ReadAt(dst[n:], start); err != nil {
		return dst[:n], fmt.Errorf("reading the spilled shared strings: %w", err)
	}
	return dst, nil
}

// close removes the temporary file, if any.
func (t *sharedStrings) close() {
	if t != nil && t.file != nil {
		_ = t.file.Close()
		_ = os.Remove(t.file.Name())
		t.file = nil
	}
}
