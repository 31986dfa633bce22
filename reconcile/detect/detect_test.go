package detect_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/unicode"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/bai2"
	"github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/detect"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// minimalXLSX is a workbook written by hand with the fewest parts a reader needs and inline strings,
// as simple generators (not Excel) write them.
func minimalXLSX(t testing.TB, rows ...[]string) []byte {
	t.Helper()
	var sheet bytes.Buffer
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for _, r := range rows {
		sheet.WriteString("<row>")
		for _, c := range r {
			sheet.WriteString(`<c t="inlineStr"><is><t>` + c + `</t></is></c>`)
		}
		sheet.WriteString("</row>")
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Hareketler" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheet.String()},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		require.NoError(t, err)
		_, err = w.Write([]byte(p.body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, files, "no files match %s", pattern)
	return files
}

// TestSniffRepositorySamples checks every statement sample of the repository's decoders.
func TestSniffRepositorySamples(t *testing.T) {
	sets := []struct {
		pattern string
		want    detect.Format
	}{
		{"../mt940/testdata/public/*", detect.MT940},
		{"../camt053/testdata/public/*.xml", detect.CAMT053},
		{"../csv/testdata/*.csv", detect.CSV},
		{"../bai2/testdata/*.txt", detect.BAI2},
	}
	for _, set := range sets {
		for _, f := range glob(t, set.pattern) {
			t.Run(filepath.Base(f), func(t *testing.T) {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				assert.Equal(t, set.want, detect.Sniff(b))
			})
		}
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want detect.Format
	}{
		{"xlsx", minimalXLSX(t, []string{"Tarih", "Tutar"}), detect.XLSX},
		{"swift envelope", []byte("{1:F01ABNANL2AXXX0000000000}{2:O940}{4:\r\n:20:X\r\n-}"), detect.MT940},
		{"mt940 after a preamble", []byte("\x01This is an example\r\n-----\r\n:20:REF\r\n:25:NL01/1\r\n:28C:1\r\n"), detect.MT940},
		{"camt with BOM", []byte("\xef\xbb\xbf<?xml version=\"1.0\"?><Document><BkToCstmrStmt>"), detect.CAMT053},
		{"csv utf-16", append([]byte("\xff\xfe"), utf16le("Tarih\tTutar\r\n01.02.2026\t1,00\r\n")...), detect.CSV},
		{"csv windows-1254", []byte("Tarih;A\xe7\xfdklama;Tutar\r\n01.02.2026;\xdd\xdeLEM;1,00\r\n"), detect.CSV},
		{"bai2", []byte("01,BANK,CUST,251124,0600,1,,,2/\r\n02,CUST,BANK,1,251124,,USD/\r\n"), detect.BAI2},
		{"csv whose first cell is 01", []byte("01,Tarih,Tutar\n02,01.02.2026,1\n"), detect.CSV},
		{"empty", nil, detect.Unknown},
		{"legacy xls", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), detect.Unknown},
		{"html disguised as xls", []byte("<html><table><tr><td>Tarih</td></tr></table></html>"), detect.Unknown},
		{"html table disguised as xls", []byte("<table border=1><tr><td>Tarih</td></tr></table>"), detect.Unknown},
		{"csv with CR line breaks", []byte("Tarih;Tutar\r01.02.2026;1,00\r02.02.2026;2,00\r"), detect.CSV},
		{"mt940 with CR line breaks", []byte(":20:REF\r:25:NL01/1\r:28C:1\r:60F:C260101EUR1,00\r"), detect.Unknown},
		{"bai2 with CR line breaks", []byte("01,BANK,CUST,251124,0600,1,,,2/\r02,CUST,BANK,1,251124,,USD/\r"), detect.Unknown},
		{"other xml", []byte("<?xml version=\"1.0\"?><Document><CstmrCdtTrfInitn>"), detect.Unknown},
		{"binary", []byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08garbage\x00\x00"), detect.Unknown},
		{"prose", []byte("Dear customer, your statement is attached."), detect.Unknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, detect.Sniff(tc.head))
		})
	}
}

func utf16le(s string) []byte {
	var out []byte
	for _, r := range s {
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}

// utf16 is an XML document in UTF-16 with a byte-order mark, its declaration saying so.
func utf16(t *testing.T, order unicode.Endianness, doc []byte) []byte {
	t.Helper()
	doc = bytes.Replace(doc, []byte(`encoding="UTF-8"`), []byte(`encoding="UTF-16"`), 1)
	out, err := unicode.UTF16(order, unicode.UseBOM).NewEncoder().Bytes(doc)
	require.NoError(t, err)
	return out
}

func TestDecode(t *testing.T) {
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		opts detect.Options
		want detect.Format
	}{
		{"mt940", read("../mt940/testdata/public/wolph-mt940__jejik_ing.sta"), detect.Options{}, detect.MT940},
		{"camt053", read("../camt053/testdata/public/genkgo-camt__camt053.v4.xml"), detect.Options{}, detect.CAMT053},
		{"camt053 utf-16le", utf16(t, unicode.LittleEndian, read("../camt053/testdata/public/genkgo-camt__camt053.v4.xml")), detect.Options{}, detect.CAMT053},
		{"camt053 utf-16be", utf16(t, unicode.BigEndian, read("../camt053/testdata/public/genkgo-camt__camt053.v4.xml")), detect.Options{}, detect.CAMT053},
		{"csv", read("../csv/testdata/vakifbank_ba_1254.csv"), detect.Options{}, detect.CSV},
		{"bai2", read("../bai2/testdata/moov-bai2_sample1.txt"), detect.Options{}, detect.BAI2},
		{"xlsx", minimalXLSX(t, []string{"İşlem Tarihi", "Açıklama", "Tutar"}, []string{"02.01.2026", "EFT", "1.234,56"}),
			detect.Options{Currency: "TRY"}, detect.XLSX},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, sts, err := detect.Decode(bytes.NewReader(tc.in), int64(len(tc.in)), tc.opts)
			require.NoError(t, err)
			assert.Equal(t, tc.want, f)
			require.NotEmpty(t, sts)
			assert.Equal(t, string(tc.want), sts[0].Format)
		})
	}
	t.Run("csv and xlsx in their account's currency", func(t *testing.T) {
		accounts := reconcile.AccountCurrencies([]payment.Account{{ID: "acc_1", Currency: "EUR", IBAN: "DE89 3704 0044 0532 0130 00"}})
		csvIn := []byte("IBAN;DE89370400440532013000\nBuchung;Betrag\n02.01.2026;-12,50\n")
		_, _, err := detect.Decode(bytes.NewReader(csvIn), int64(len(csvIn)), detect.Options{CSV: csv.Options{Mapping: deMapping(t)}})
		require.ErrorIs(t, err, tabular.ErrNoCurrency)
		_, sts, err := detect.Decode(bytes.NewReader(csvIn), int64(len(csvIn)),
			detect.Options{AccountCurrency: accounts, CSV: csv.Options{Mapping: deMapping(t)}})
		require.NoError(t, err)
		assert.Equal(t, payment.Currency("EUR"), sts[0].Currency)
		xlsxIn := minimalXLSX(t, []string{"İşlem Tarihi", "Tutar"}, []string{"02.01.2026", "-1.234,56"})
		_, sts, err = detect.Decode(bytes.NewReader(xlsxIn), int64(len(xlsxIn)),
			detect.Options{Account: "acc_1", AccountCurrency: accounts})
		require.NoError(t, err)
		assert.Equal(t, payment.Currency("EUR"), sts[0].Currency)
	})
	t.Run("csv with CR line breaks", func(t *testing.T) {
		// Excel for Mac's "CSV (Macintosh)": the same statements, lines and all, as the file with
		// CRLF or LF line breaks.
		for _, name := range []string{"vakifbank_ba_1254.csv", "gls.csv", "de_volksbank_soll_haben.csv"} {
			in := read("../csv/testdata/" + name)
			f, want, err := detect.Decode(bytes.NewReader(in), int64(len(in)), detect.Options{})
			require.NoError(t, err, name)
			require.Equal(t, detect.CSV, f)
			cr := bytes.ReplaceAll(bytes.ReplaceAll(in, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r"))
			require.NotContains(t, string(cr), "\n")
			f, got, err := detect.Decode(bytes.NewReader(cr), int64(len(cr)), detect.Options{})
			require.NoError(t, err, name)
			assert.Equal(t, detect.CSV, f, name)
			assert.Equal(t, want, got, name)
		}
	})
	t.Run("bai2 options", func(t *testing.T) {
		in := []byte("01,B,C,251124,0600,1,,,2/\n02,C,B,1,251124,,USD/\n03,1,,/\n16,901,500,0,,,INTEREST/\n49,+500,3/\n98,+500,1,5/\n99,+500,1,7/\n")
		_, _, err := detect.Decode(bytes.NewReader(in), int64(len(in)), detect.Options{})
		require.ErrorIs(t, err, bai2.ErrTypeCode, "a bank's own type code is not guessed")
		_, sts, err := detect.Decode(bytes.NewReader(in), int64(len(in)),
			detect.Options{BAI2: bai2.Options{TypeCodes: map[string]reconcile.Direction{"901": reconcile.Credit}}})
		require.NoError(t, err)
		assert.Equal(t, reconcile.Credit, sts[0].Entries[0].Direction)
	})
	t.Run("xlsx entry", func(t *testing.T) {
		in := minimalXLSX(t, []string{"İşlem Tarihi", "Açıklama", "Tutar"}, []string{"02.01.2026", "EFT", "-1.234,56"})
		_, sts, err := detect.Decode(bytes.NewReader(in), int64(len(in)), detect.Options{Currency: "TRY"})
		require.NoError(t, err)
		require.Len(t, sts[0].Entries, 1)
		e := sts[0].Entries[0]
		assert.Equal(t, "2026-01-02 debit 123456 Hareketler!A2",
			fmt.Sprintf("%s %s %d %s", e.BookingDate, e.Direction, e.Amount, e.Position))
	})
}

func TestDecodeUnknown(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "the file is empty"},
		{"html", []byte("<!DOCTYPE html><html><body><table></table></body></html>"), "an HTML page"},
		{"html table", []byte("<table><tr><td>Tarih</td><td>Tutar</td></tr></table>"), "an HTML page"},
		{"html table after meta tags", []byte("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1254\">\n<META name=\"x\">" +
			strings.Repeat(" ", 2000) + "<TABLE><tr><td>Tarih</td></tr></TABLE>"), "an HTML page"},
		{"mt940 with CR line breaks", []byte(":20:REF\r:25:NL01/1\r:28C:1\r:60F:C260101EUR1,00\r"), "MT940 whose lines end with a lone carriage return"},
		{"bai2 with CR line breaks", []byte("01,BANK,CUST,251124,0600,1,,,2/\r02,CUST,BANK,1,251124,,USD/\r"), "BAI2 whose lines end with a lone carriage return"},
		{"legacy xls", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00"), "legacy binary .xls"},
		{"prose", []byte("hello"), "text in no statement format"},
		{"OpenDocument spreadsheet", openDocument(t, "application/vnd.oasis.opendocument.spreadsheet"), "an OpenDocument spreadsheet (.ods)"},
		{"OpenDocument text", openDocument(t, "application/vnd.oasis.opendocument.text"), "an OpenDocument document"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, sts, err := detect.Decode(bytes.NewReader(tc.in), int64(len(tc.in)), detect.Options{})
			assert.Equal(t, detect.Unknown, f)
			assert.Nil(t, sts)
			require.Error(t, err)
			assert.ErrorIs(t, err, reconcile.ErrNotStatement)
			var pe *reconcile.ParseError
			assert.ErrorAs(t, err, &pe)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	t.Run("a CSV that is no statement fails in the CSV decoder", func(t *testing.T) {
		in := []byte("Ürün;Stok\nKalem;100\nDefter;40\n")
		f, _, err := detect.Decode(bytes.NewReader(in), int64(len(in)), detect.Options{})
		assert.Equal(t, detect.CSV, f)
		assert.ErrorIs(t, err, reconcile.ErrNotStatement)
	})
}

// openDocument is an OpenDocument package of the given type, as LibreOffice writes it: a stored
// "mimetype" entry first. The XLSX decoder said of a spreadsheet that "the workbook has no sheets".
func openDocument(t *testing.T, mime string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	require.NoError(t, err)
	_, err = w.Write([]byte(mime))
	require.NoError(t, err)
	w, err = zw.Create("content.xml")
	require.NoError(t, err)
	_, err = w.Write([]byte(`<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>`))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// deMapping reads a German export's two columns.
func deMapping(t *testing.T) *tabular.Mapping {
	t.Helper()
	m, err := tabular.ParseMapping(strings.NewReader(`{"columns": {"booking_date": "Buchung", "amount": "Betrag"}, "date_format": "DD.MM.YYYY"}`))
	require.NoError(t, err)
	return m
}

// TestUseMapping: an export that both a bank's own mapping and the Turkish preset read is read by
// the own mapping unless the caller chooses the preset by name; a name no mapping has is refused
// and changes nothing.
func TestUseMapping(t *testing.T) {
	// The bank writes its transfer's reference in the "Açıklama" column and its own slip number
	// in "Referans"; the Turkish preset takes them the other way round.
	own, err := tabular.ParseMapping(strings.NewReader(`{"name": "acme", "columns": {"booking_date": "Tarih",
		"amount": "Tutar", "reference": "Açıklama", "bank_reference": "Referans"}, "date_format": "DD.MM.YYYY",
		"number_format": "1.234,56"}`))
	require.NoError(t, err)
	in := []byte("Tarih;Açıklama;Tutar;Referans\n02.01.2026;INV-7;-1.234,56;DK-900\n")
	read := func(opts detect.Options) (ref, bankRef string) {
		t.Helper()
		_, sts, err := detect.Decode(bytes.NewReader(in), int64(len(in)), opts)
		require.NoError(t, err)
		require.Len(t, sts, 1)
		require.Len(t, sts[0].Entries, 1)
		return sts[0].Entries[0].CustomerRef, sts[0].Entries[0].BankRef
	}
	opts := detect.Options{Currency: "TRY"}
	opts.CSV.Mappings = []*tabular.Mapping{own}
	assert.Equal(t, []string{"acme", "tr", "en", "de", "fr"}, opts.MappingNames())

	ref, bankRef := read(opts)
	assert.Equal(t, [2]string{"INV-7", "DK-900"}, [2]string{ref, bankRef}, "the own mapping is tried first")

	chosen := opts
	require.NoError(t, chosen.UseMapping("tr"))
	ref, bankRef = read(chosen)
	assert.Equal(t, "DK-900", ref, "the preset, chosen by name")
	assert.NotEqual(t, "DK-900", bankRef)

	chosen = opts
	require.NoError(t, chosen.UseMapping("acme"))
	assert.Same(t, own, chosen.CSV.Mapping)
	assert.Same(t, own, chosen.XLSX.Mapping, "an own mapping of CSV serves XLSX too")
	ref, _ = read(chosen)
	assert.Equal(t, "INV-7", ref)

	chosen = opts
	err = chosen.UseMapping("garanti")
	require.ErrorIs(t, err, detect.ErrNoMapping)
	assert.EqualError(t, err, `no such column mapping: "garanti"; the mappings are acme, tr, en, de, fr`)
	assert.Equal(t, opts, chosen, "a refused name changes nothing")

	// The choice holds for XLSX files too: the English preset alone does not find a Turkish header.
	book := minimalXLSX(t, []string{"İşlem Tarihi", "Açıklama", "Tutar"}, []string{"02.01.2026", "EFT", "-1.234,56"})
	chosen = detect.Options{Currency: "TRY"}
	_, _, err = detect.Decode(bytes.NewReader(book), int64(len(book)), chosen)
	require.NoError(t, err)
	require.NoError(t, chosen.UseMapping("en"))
	_, _, err = detect.Decode(bytes.NewReader(book), int64(len(book)), chosen)
	require.ErrorIs(t, err, reconcile.ErrNotStatement)

	// An own mapping called like a preset hides it.
	tr := *own
	tr.Name = "tr"
	opts.CSV.Mappings = []*tabular.Mapping{&tr}
	assert.Equal(t, []string{"tr", "en", "de", "fr"}, opts.MappingNames())
	assert.False(t, opts.IsPreset("tr"), "hidden by the own mapping")
	assert.True(t, opts.IsPreset("en"))
	assert.False(t, opts.IsPreset("garanti"))
	require.NoError(t, opts.UseMapping("tr"))
	assert.Same(t, &tr, opts.CSV.Mapping)
}

// TestDefaultCurrency: a CSV that names no currency takes the default, asked once and only when a
// file needs it; a currency the options already say wins.
func TestDefaultCurrency(t *testing.T) {
	asked := 0
	eur := func() payment.Currency { asked++; return "EUR" }
	noCurrency := []byte("Tarih;Açıklama;Tutar\n02.01.2026;EFT;-1.234,56\n03.01.2026;EFT;10,00\n")
	withCurrency := []byte("Tarih;Açıklama;Tutar;Para Birimi\n02.01.2026;EFT;-1.234,56;USD\n")
	decode := func(in []byte, opts detect.Options) payment.Currency {
		t.Helper()
		_, sts, err := detect.Decode(bytes.NewReader(in), int64(len(in)), opts)
		require.NoError(t, err)
		return sts[0].Currency
	}

	var opts detect.Options
	opts.DefaultCurrency(eur)
	assert.Equal(t, payment.Currency("USD"), decode(withCurrency, opts))
	assert.Zero(t, asked, "a file that names its currency does not ask")
	assert.Equal(t, payment.Currency("EUR"), decode(noCurrency, opts))
	assert.Equal(t, 1, asked)

	said := detect.Options{Currency: "TRY"}
	said.DefaultCurrency(eur)
	assert.Equal(t, payment.Currency("TRY"), decode(noCurrency, said))
	assert.Equal(t, 1, asked, "the options' currency wins")
}

// TestTypeCodeAdvice: the advice names the file's codes, and how the host gives them a direction
// when it says.
func TestTypeCodeAdvice(t *testing.T) {
	var o detect.Options
	assert.Equal(t, "the server is not told which way the bank's own BAI2 type codes 905, 901 go: its operator gives each a direction",
		o.TypeCodeAdvice([]string{"905", "901"}))
	o.TypeCodeHelp = func(codes []string) string { return "set BAI2.TypeCodes[" + codes[0] + "]" }
	assert.Equal(t, "the server is not told which way the bank's own BAI2 type codes 905 go: its operator gives each a direction (set BAI2.TypeCodes[905])",
		o.TypeCodeAdvice([]string{"905"}))
}
