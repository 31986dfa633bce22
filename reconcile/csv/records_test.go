package csv

import (
	"bufio"
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// stdRecord is what encoding/csv, with the decoder's former settings, reads from the same bytes.
type stdRecord struct {
	fields []string
	line   int
}

func readAllStd(data []byte, sep rune) ([]stdRecord, error) {
	cr := stdcsv.NewReader(bufio.NewReaderSize(bytes.NewReader(data), 16))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	var out []stdRecord
	for {
		rec, err := cr.Read()
		if err != nil {
			return out, err
		}
		line, _ := cr.FieldPos(0)
		out = append(out, stdRecord{append([]string(nil), rec...), line})
	}
}

func readAllFast(r io.Reader, sep rune, block int) ([]stdRecord, error) {
	c := newRecordReader(r, sep)
	c.block = block
	var out []stdRecord
	for {
		rec, line, err := c.Read()
		if err != nil {
			return out, err
		}
		out = append(out, stdRecord{append([]string(nil), rec...), line})
	}
}

// requireSameRecords checks that recordReader reads data as encoding/csv does: the same fields,
// the same lines, the same end, however the input is cut into reads and blocks. encoding/csv
// knows no lone "\r" line break: data whose head ends its lines with one (crLines) is compared
// with what encoding/csv reads with "\n" for every "\r".
func requireSameRecords(t *testing.T, data []byte, sep rune) {
	t.Helper()
	std := data
	if crLines(data) {
		std = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	want, wantErr := readAllStd(std, sep)
	if wantErr == stdcsv.ErrFieldCount || errors.Is(wantErr, stdcsv.ErrQuote) || errors.Is(wantErr, stdcsv.ErrBareQuote) {
		t.Fatalf("encoding/csv reported a syntax error: %v", wantErr)
	}
	readers := map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(data) },
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
		"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		"data+EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) },
	}
	for name, r := range readers {
		for _, block := range []int{1, 2, 3, 5, 8, 64, blockSize} {
			got, err := readAllFast(r(), sep, block)
			require.Equal(t, wantErr, err, "%s, block %d", name, block)
			require.Equal(t, want, got, "%s, block %d: %q", name, block, data)
		}
	}
}

// crLines says data's lines end with a lone "\r" (Excel for Mac's "CSV (Macintosh)"): its first
// crHead bytes have no "\n" but have a "\r".
func crLines(data []byte) bool {
	head := data[:min(len(data), crHead)]
	return bytes.IndexByte(head, '\n') < 0 && bytes.IndexByte(head, '\r') >= 0
}

func TestRecordReaderAgreesWithEncodingCSV(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"empty", ""},
		{"one field", "a"},
		{"plain", "a,b,c\n1,2,3\n"},
		{"no final line break", "a,b\n1,2"},
		{"crlf", "a,b\r\n1,2\r\n"},
		{"cr before the end", "a,b\r\n1,2\r"},
		{"two crs", "a\r\r\nb\r\r"},
		{"lone cr inside", "a\rb,c\n"},
		{"empty lines", "\n\r\n\na,b\n\n\nc\n\r\n"},
		{"only line breaks", "\n\n\r\n\r"},
		{"empty fields", ",,\n,\n"},
		{"quoted", "\"a,b\",c\n\"x\"\"y\",z\n"},
		{"quoted at the end", "a,\"b\"\n"},
		{"quoted empty", "\"\",\"\"\n\"\"\n"},
		{"quoted line break", "a,\"b\nc\",d\ne\n"},
		{"quoted crlf", "a,\"b\r\nc\r\n\",d\r\ne\r\n"},
		{"quoted empty lines", "\"a\n\n\nb\"\nc\n"},
		{"quoted to the end", "a,\"b\nc"},
		{"quoted to the end after a break", "a,\"b\n"},
		{"quote then end", "\"a\""},
		{"stray quote in a field", "a\"b,c\nd\"\n"},
		{"stray quote after a quoted field", "\"a\"b,c\n\"a\" ,d\n"},
		{"quote alone", "\"\n"},
		{"three quotes", "\"\"\"\n\"\"\"\",x\n"},
		{"separator after closing quote at end", "\"a\",\n"},
		{"utf-8", "é,ü\n\"ş,ğ\",ı\n"},
		{"long line", strings.Repeat("abcdefgh,", 40) + "\n" + strings.Repeat("\"q\"\"\",", 30) + "\n"},
		{"lone cr inside a quoted field", "a,\"b\rc\",d\ne\n"},
		{"cr line breaks", "a,b\r1,2\r"},
		{"cr line breaks, none at the end", "a,b\r\r1,2"},
		{"cr alone", "\r"},
		{"cr quoted line break", "a,\"b\rc\",d\re\r"},
		{"cr line breaks, then crlf", "a,b\r1,2\r\n3,4\r\n"},
		{"cr line breaks past the head", strings.Repeat("abcdefgh,1\r", 2*crHead/10) + "x\ny\r"},
		{"cr after a head of one line", strings.Repeat("x", crHead) + "\ra,b\r"},
		{"lf after a cr head", "a\r" + strings.Repeat("x", crHead) + "\nb\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, sep := range []rune{',', ';', '\t', '|', 'é', 'a'} {
				requireSameRecords(t, []byte(tt.data), sep)
				requireSameRecords(t, []byte(strings.ReplaceAll(tt.data, ",", string(sep))), sep)
			}
		})
	}
}

func TestRecordReaderInvalidSeparator(t *testing.T) {
	for _, sep := range []rune{0, '"', '\r', '\n', -1, 0xD800, '\uFFFD'} {
		_, err := readAllFast(strings.NewReader("a,b\n"), sep, blockSize)
		_, wantErr := readAllStd([]byte("a,b\n"), sep)
		require.EqualError(t, err, wantErr.Error(), "separator %q", sep)
	}
}

// TestRecordReaderReadError checks that the lines before a read error are read, and the error
// comes instead of the record it cut, as with encoding/csv.
func TestRecordReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	for _, data := range []string{"a,b\nc,d\ne", "a,b\nc,d\n", "a,\"b\nc", "a,b\r"} {
		r := io.MultiReader(strings.NewReader(data), iotest.ErrReader(boom))
		cr := stdcsv.NewReader(io.MultiReader(strings.NewReader(data), iotest.ErrReader(boom)))
		cr.FieldsPerRecord, cr.LazyQuotes, cr.ReuseRecord = -1, true, true
		var want []stdRecord
		for {
			rec, err := cr.Read()
			if err != nil {
				require.ErrorIs(t, err, boom)
				break
			}
			line, _ := cr.FieldPos(0)
			want = append(want, stdRecord{append([]string(nil), rec...), line})
		}
		got, err := readAllFast(r, ',', 4)
		require.ErrorIs(t, err, boom)
		require.Equal(t, want, got, "%q", data)
	}
}

// FuzzRecordReader compares recordReader with encoding/csv on arbitrary bytes.
func FuzzRecordReader(f *testing.F) {
	f.Add([]byte("a,b\n\"c\"\"d\",e\r\n\"f\ng\",h\n"), uint8(0))
	f.Add([]byte("x;\"y\"z;\"\"\n\r\n;;\r"), uint8(1))
	f.Add([]byte("\"\t\"\t\"\n"), uint8(2))
	f.Add([]byte("a;\"b\rc\";d\r\re\r"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, s uint8) {
		seps := []rune{',', ';', '\t', '|', 'é'}
		requireSameRecords(t, data, seps[int(s)%len(seps)])
	})
}

// BenchmarkRecords compares recordReader with encoding/csv (ReuseRecord) on the benchmark file.
func BenchmarkRecords(b *testing.B) {
	var buf bytes.Buffer
	for i := range 200_000 {
		buf.WriteString("2026-05-27,2026-05-29,60451.15,CHF,INV-2026-571967,SEPA CT Rossi S.p.A. order 249787,DE85356506937585803321\n")
		if i%10 == 0 {
			buf.WriteString("2026-05-27,2026-05-29,60451.15,CHF,INV-2026-571967,\"SEPA CT Rossi, S.p.A. order 249787\",DE85356506937585803321\n")
		}
	}
	data := buf.Bytes()
	b.Run("encoding-csv", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			cr := stdcsv.NewReader(bufio.NewReaderSize(bytes.NewReader(data), 64<<10))
			cr.ReuseRecord, cr.LazyQuotes, cr.FieldsPerRecord = true, true, -1
			for {
				if _, err := cr.Read(); err != nil {
					break
				}
			}
		}
	})
	b.Run("recordReader", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			c := newRecordReader(bufio.NewReaderSize(bytes.NewReader(data), 64<<10), ',')
			for {
				if _, _, err := c.Read(); err != nil {
					break
				}
			}
		}
	})
}

// TestRecordReaderMaxLine checks the line limit: a line of max bytes (a "\r" before the break
// counts) is read, a longer one is an error once the lines before it are read, also inside a quoted
// field, and input without line breaks is not read much past the limit.
func TestRecordReaderMaxLine(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		lines int // records read before the error; -1: no error
	}{
		{"at the limit", "abcde\nab,de\n", -1},
		{"at the limit at the end", "abcde\nabcde", -1},
		{"one over", "abcde\nabcdef\nx\n", 1},
		{"cr counts", "ab\nabcde\r\n", 1},
		{"over at the end", "ab\nabcdef", 1},
		{"inside a quoted field", "\"a\nabcdef\",b\n", 0},
		{"first line", "abcdefgh", 0},
		{"cr line breaks at the limit", "abcde\rab,de\r", -1},
		{"cr line breaks, one over", "abcde\rabcdef\rx\r", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, block := range []int{1, 4, blockSize} {
				c := newRecordReader(iotest.HalfReader(strings.NewReader(tt.data)), ',')
				c.max, c.block = 5, block
				n := 0
				var err error
				for ; ; n++ {
					if _, _, err = c.Read(); err != nil {
						break
					}
				}
				if tt.lines < 0 {
					require.Equal(t, io.EOF, err)
					continue
				}
				require.ErrorIs(t, err, errLineTooLong)
				require.Equal(t, tt.lines, n)
			}
		})
	}
	r := &countingReader{}
	c := newRecordReader(r, ',')
	c.max = 1000
	_, _, err := c.Read()
	require.ErrorIs(t, err, errLineTooLong)
	require.Less(t, r.n, 2*blockSize+2000, "read past the limit")
}

// countingReader is an endless line without a break.
type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += len(p)
	return len(p), nil
}

// TestHeadRowsKeepLines: the rows the header search reads stand one for one for the file's lines,
// blank lines included, so that a mapping's header_row finds its line there as the builder does.
func TestHeadRowsKeepLines(t *testing.T) {
	rows := headRows([]byte("Hesap;ACME\n\n\r\nTarih;Tutar\n\"a\nb\";1\n01.02.2026;5\n"), ';')
	require.Equal(t, [][]string{{"Hesap", "ACME"}, nil, nil, {"Tarih", "Tutar"}, {"a\nb", "1"}, nil, {"01.02.2026", "5"}}, rows)
}
