package csv_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

const turkish = "İŞLEM TARİHİ;AÇIKLAMA;TUTAR\r\n02.01.2026;ÇAĞLA IŞIK ÖDEMESİ ğüşıöç;-1.234,56\r\n"

func encode(t *testing.T, s string, enc interface{ Bytes([]byte) ([]byte, error) }) []byte {
	t.Helper()
	b, err := enc.Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

// TestEncodings decodes one export written in every encoding banks use; all must read the same.
func TestEncodings(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		charset string
	}{
		{"utf-8", []byte(turkish), ""},
		{"utf-8 with BOM", append([]byte("\xef\xbb\xbf"), turkish...), ""},
		{"windows-1254 detected", encode(t, turkish, charmap.Windows1254.NewEncoder()), ""},
		{"windows-1254 named", encode(t, turkish, charmap.Windows1254.NewEncoder()), "windows-1254"},
		{"iso-8859-9 named", encode(t, turkish, charmap.ISO8859_9.NewEncoder()), "iso-8859-9"},
		{"utf-16le with BOM", encode(t, turkish, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder()), ""},
		{"utf-16be with BOM", encode(t, turkish, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder()), ""},
		{"utf-16le without BOM", encode(t, turkish, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder()), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sts, err := csv.Decode(bytes.NewReader(tc.in), csv.Options{Currency: "TRY", Charset: tc.charset})
			require.NoError(t, err)
			require.Len(t, sts[0].Entries, 1)
			e := sts[0].Entries[0]
			assert.Equal(t, "ÇAĞLA IŞIK ÖDEMESİ ğüşıöç", e.Remittance)
			assert.Equal(t, int64(123456), e.Amount)
			assert.Equal(t, reconcile.Debit, e.Direction)
		})
	}
}

// TestCentralEuropeanCharsets: the character sets of Polish, Czech and Hungarian exports, named by
// their IANA names or aliases in the options or in a mapping file, read the same text.
func TestCentralEuropeanCharsets(t *testing.T) {
	const polish = "Date;Description;Amount\r\n2026-01-02;Zażółć gęślą jaźń;-12.50\r\n"
	for _, tc := range []struct {
		charset string
		enc     interface{ Bytes([]byte) ([]byte, error) }
	}{
		{"windows-1250", charmap.Windows1250.NewEncoder()},
		{"iso-8859-2", charmap.ISO8859_2.NewEncoder()},
		{"latin2", charmap.ISO8859_2.NewEncoder()},
		{"cp852", charmap.CodePage852.NewEncoder()},
	} {
		in := encode(t, polish, tc.enc)
		m, err := tabular.ParseMapping(strings.NewReader(`{"name": "pl", "date_format": "2006-01-02", "charset": "` +
			tc.charset + `", "columns": {"booking_date": "Date", "description": "Description", "amount": "Amount"}}`))
		require.NoError(t, err, tc.charset)
		for name, opts := range map[string]csv.Options{
			"option":  {Preset: "en", Charset: tc.charset, Currency: "PLN"},
			"mapping": {Mapping: m, Currency: "PLN"},
		} {
			sts, err := csv.Decode(bytes.NewReader(in), opts)
			require.NoError(t, err, "%s by %s", tc.charset, name)
			assert.Equal(t, "Zażółć gęślą jaźń", sts[0].Entries[0].Remittance, "%s by %s", tc.charset, name)
		}
	}
}

// TestCharsetGuessWarns: a file that is not UTF-8, read as Windows-1254 because no charset is named,
// says so in a warning on each statement, which stays a warning under Strict and comes with Stream
// too; a charset named leaves no warning.
func TestCharsetGuessWarns(t *testing.T) {
	in := encode(t, turkish, charmap.Windows1254.NewEncoder())
	want := reconcile.Warning{Code: "charset", Message: "the file is not valid UTF-8; it was read as windows-1254"}
	sts, err := csv.Decode(bytes.NewReader(in), csv.Options{Currency: "TRY", Strict: true})
	require.NoError(t, err)
	assert.Equal(t, []reconcile.Warning{want}, sts[0].Warnings)

	var streamed []reconcile.Warning
	err = csv.Stream(bytes.NewReader(in), csv.Options{Currency: "TRY"}, func(st *reconcile.Statement, e *reconcile.Entry) error {
		if e == nil {
			streamed = append(streamed, st.Warnings...)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []reconcile.Warning{want}, streamed)

	sts, err = csv.Decode(bytes.NewReader(in), csv.Options{Currency: "TRY", Charset: "windows-1254"})
	require.NoError(t, err)
	assert.Empty(t, sts[0].Warnings)
}

func TestSeparators(t *testing.T) {
	for _, sep := range []string{";", ",", "\t", "|"} {
		t.Run(strings.ReplaceAll(sep, "\t", "tab"), func(t *testing.T) {
			amount := "-1234,56"
			if sep == "," {
				amount = `"-1.234,56"`
			}
			in := strings.Join([]string{"Hesap", "x"}, sep) + "\n" +
				strings.Join([]string{"Tarih", "Açıklama", "Tutar"}, sep) + "\n" +
				strings.Join([]string{"02.01.2026", `"a, b; c"`, amount}, sep) + "\n"
			sts, err := csv.Decode(strings.NewReader(in), csv.Options{Currency: "TRY"})
			require.NoError(t, err)
			require.Len(t, sts[0].Entries, 1)
			assert.Equal(t, int64(123456), sts[0].Entries[0].Amount)
		})
	}
}

func TestReadErrors(t *testing.T) {
	t.Run("invalid UTF-8 after the sniffed head", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Tarih;Açıklama;Tutar\n")
		for b.Len() < 70<<10 {
			b.WriteString("02.01.2026;ÖDEME;1,00\n")
		}
		b.WriteString("03.01.2026;\xdd\xde;1,00\n")
		_, err := csv.Decode(strings.NewReader(b.String()), csv.Options{Currency: "TRY"})
		require.Error(t, err)
		assert.ErrorContains(t, err, "not valid UTF-8 text; set the Charset option")
		var pe *reconcile.ParseError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, strings.Count(b.String(), "\n"), pe.Line)
	})
	t.Run("line too long", func(t *testing.T) {
		in := "Tarih;Tutar\n02.01.2026;" + strings.Repeat("9", 5000) + "\n"
		_, err := csv.Decode(strings.NewReader(in), csv.Options{Currency: "TRY", MaxLineBytes: 1000})
		require.Error(t, err)
		assert.ErrorContains(t, err, "csv: line 2: line longer than the limit (1000 bytes; raise MaxLineBytes)")
	})
	t.Run("unknown charset", func(t *testing.T) {
		_, err := csv.Decode(strings.NewReader("x"), csv.Options{Charset: "ebcdic"})
		assert.ErrorContains(t, err, `unknown charset "ebcdic"`)
	})
	t.Run("unknown preset", func(t *testing.T) {
		_, err := csv.Decode(strings.NewReader("x"), csv.Options{Preset: "nl"})
		assert.ErrorContains(t, err, "mapping nl: preset: unknown (known: tr, en, de, fr)")
	})
	t.Run("empty file", func(t *testing.T) {
		_, err := csv.Decode(strings.NewReader(""), csv.Options{})
		assert.ErrorIs(t, err, reconcile.ErrNotStatement)
	})
}

// TestCharsetLateTurkishLetter: a Windows-1254 file whose first 64 KiB are plain ASCII (a header
// without Turkish letters, and none in the first lines) was taken for UTF-8 and refused at its first
// Turkish letter. Decode now reads it again as Windows-1254, with the charset warning, when it can read
// the input again; a file that showed UTF-8 letters before is still refused, and so is one Stream
// reads.
func TestCharsetLateTurkishLetter(t *testing.T) {
	var b strings.Builder
	b.WriteString("Tarih;Aciklama;Tutar\r\n")
	for b.Len() < 70<<10 {
		b.WriteString("02.01.2026;EFT GIDEN SANAYI LTD FATURA 2026-0001;-1.234,56\r\n")
	}
	const late = "03.01.2026;ÇAĞLA IŞIK ÖDEMESİ;-10,00\r\n"
	ascii := b.String()
	in := append([]byte(ascii), encode(t, late, charmap.Windows1254.NewEncoder())...)
	want := reconcile.Warning{Code: "charset", Message: "the file is not valid UTF-8; it was read as windows-1254"}

	sts, err := csv.Decode(bytes.NewReader(in), csv.Options{Currency: "TRY"})
	require.NoError(t, err)
	es := sts[0].Entries
	assert.Equal(t, "ÇAĞLA IŞIK ÖDEMESİ", es[len(es)-1].Remittance)
	assert.Equal(t, int64(1000), es[len(es)-1].Amount)
	assert.Equal(t, []reconcile.Warning{want}, sts[0].Warnings)
	assert.Equal(t, strings.Count(ascii, "\n"), len(es), "every line read once")

	sts, err = csv.Decode(bytes.NewReader(in), csv.Options{Currency: "TRY", Charset: "windows-1254"})
	require.NoError(t, err, "the same file with its charset named")
	assert.Equal(t, "ÇAĞLA IŞIK ÖDEMESİ", sts[0].Entries[len(es)-1].Remittance)

	// Not seekable: refused, naming the line.
	_, err = csv.Decode(struct{ io.Reader }{bytes.NewReader(in)}, csv.Options{Currency: "TRY"})
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, strings.Count(ascii, "\n")+1, pe.Line)
	assert.ErrorContains(t, err, "not valid UTF-8")
	err = csv.Stream(bytes.NewReader(in), csv.Options{Currency: "TRY"},
		func(*reconcile.Statement, *reconcile.Entry) error { return nil })
	assert.ErrorContains(t, err, "not valid UTF-8")

	// UTF-8 letters in the first block: the file is UTF-8, and a bad byte later is an error.
	utf8First := strings.Replace(ascii, "GIDEN", "GİDEN", 1)
	in = append([]byte(utf8First), encode(t, late, charmap.Windows1254.NewEncoder())...)
	_, err = csv.Decode(bytes.NewReader(in), csv.Options{Currency: "TRY"})
	assert.ErrorContains(t, err, "not valid UTF-8")
}
