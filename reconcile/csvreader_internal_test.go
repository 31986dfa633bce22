package reconcile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// readAllStd and readAllFast read every record, or the first error's line; readAllFast checks that
// csvReader reads the same from a reader and from text in memory.
func readAllStd(in string) ([][]string, int, bool) {
	r := csv.NewReader(strings.NewReader(in))
	r.FieldsPerRecord = -1
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, 0, true
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return out, pe.StartLine, false
			}
			return out, -1, false
		}
		out = append(out, rec)
	}
}

func readAllFast(in string) ([][]string, int, bool) {
	out, line, ok := readAllFrom(newCSVReader(strings.NewReader(in)))
	mem := &csvReader{}
	mem.setText([]byte(in))
	if mOut, mLine, mOK := readAllFrom(mem); mOK != ok || mLine != line || fmt.Sprint(mOut) != fmt.Sprint(out) {
		panic(fmt.Sprintf("%q read from memory: %q %d %v, from a reader: %q %d %v", in, mOut, mLine, mOK, out, line, ok))
	}
	return out, line, ok
}

// readAllFrom reads every record of r, or the first error's line.
func readAllFrom(r *csvReader) ([][]string, int, bool) {
	var out [][]string
	for {
		rec, err := r.read()
		if err == io.EOF {
			return out, 0, true
		}
		if err != nil {
			var se *csvSyntaxError
			if errors.As(err, &se) {
				return out, se.Line, false
			}
			return out, -1, false
		}
		fields := make([]string, len(rec))
		for i, f := range rec {
			fields[i] = string(f)
		}
		out = append(out, fields)
	}
}

func TestCSVReader(t *testing.T) {
	tests := []struct{ name, in string }{
		{"plain", "a,b,c\n1,2,3\n"},
		{"no final newline", "a,b\n1,2"},
		{"crlf", "a,b\r\n1,2\r\n"},
		{"trailing cr at end", "a,b\r"},
		{"empty lines", "\n\na,b\n\n\r\n1,2\n"},
		{"empty fields", ",,\n,\n"},
		{"quoted comma", `a,"b,c",d` + "\n"},
		{"doubled quote", `"he said ""hi""",x` + "\n"},
		{"quoted newline", "a,\"line1\nline2\",b\nc,d\n"},
		{"quoted crlf", "a,\"line1\r\nline2\"\r\nc,d\r\n"},
		{"quoted empty line", "\"a\n\nb\",c\n"},
		{"empty quoted", `"",x,""` + "\n"},
		{"bare quote", "a,b\"c,d\n"},
		{"quote then text", "\"a\"b,c\n"},
		{"unterminated", "a,\"bc\n"},
		{"space before quote", "a, \"b\"\n"},
		{"turkish", "ödeme,\"İADE, şimdi\",ığüşç\n"},
		{"long line", strings.Repeat("x", 3<<20) + ",y\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, wantLine, wantOK := readAllStd(tt.in)
			got, gotLine, gotOK := readAllFast(tt.in)
			require.Equal(t, wantOK, gotOK)
			assert.Equal(t, want, got)
			assert.Equal(t, wantLine, gotLine)
		})
	}
}

func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", `"x,""y""",z` + "\r\n", "a,\"b\nc\"\n", "\"a\"b", "a\"b", "\r\n\r\n", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		want, wantLine, wantOK := readAllStd(in)
		got, gotLine, gotOK := readAllFast(in)
		require.Equal(t, wantOK, gotOK, "%q", in)
		require.Equal(t, want, got, "%q", in)
		if !wantOK {
			require.Equal(t, wantLine, gotLine, "%q", in)
		}
	})
}

func TestArenaStringsStay(t *testing.T) {
	var a arena
	var kept []string
	for i := range 50000 {
		kept = append(kept, a.str(bytes.Repeat([]byte{byte('a' + i%26)}, 1+i%40)))
	}
	for i, s := range kept {
		require.Equal(t, strings.Repeat(string(rune('a'+i%26)), 1+i%40), s)
	}
}

// TestParseISODate: the payments reader's date parser agrees with payment.ParseDate on every day from
// 1969 to 2101 and on malformed and impossible dates.
func TestParseISODate(t *testing.T) {
	check := func(s string) {
		t.Helper()
		want, err := payment.ParseDate(s)
		got, ok := parseISODate([]byte(s))
		if ok != (err == nil && want != 0) || ok && got != want {
			t.Fatalf("parseISODate(%q) = %v %v, want %v %v", s, got, ok, want, err)
		}
	}
	for y := 1969; y <= 2101; y++ {
		for m := 0; m <= 13; m++ {
			for d := 0; d <= 32; d++ {
				check(fmt.Sprintf("%04d-%02d-%02d", y, m, d))
			}
		}
	}
	for _, s := range []string{"", "2026-1-01", "2026/01/01", "2026-01-0x", "+026-01-01", "2026-01-01 ", "１２３４-01-01"} {
		check(s)
	}
}

// TestTrimField: trimField trims what bytes.TrimSpace trims, Unicode spaces included.
func TestTrimField(t *testing.T) {
	for _, s := range []string{"", " ", "a", " a", "a ", "\ta\r", "INV-1", "\u00a0x\u00a0", "x\u3000", "\u2003", "ö", " ö ", "a b"} {
		require.Equal(t, string(bytes.TrimSpace([]byte(s))), string(trimField([]byte(s))), "%q", s)
	}
}
