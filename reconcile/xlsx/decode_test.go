package xlsx_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

var update = flag.Bool("update", false, "rewrite golden files")

type sheet struct {
	name string
	rows [][]any
}

// workbook writes sheets with excelize: time.Time values become date cells (serial numbers with a
// date format), float64 numeric cells, strings shared strings.
func workbook(t testing.TB, date1904 bool, sheets ...sheet) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		yes := true
		require.NoError(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}))
	}
	for i, s := range sheets {
		if i == 0 {
			require.NoError(t, f.SetSheetName("Sheet1", s.name))
		} else {
			_, err := f.NewSheet(s.name)
			require.NoError(t, err)
		}
		for r, row := range s.rows {
			cell, err := excelize.CoordinatesToCellName(1, r+1)
			require.NoError(t, err)
			if len(row) > 0 {
				require.NoError(t, f.SetSheetRow(s.name, cell, &row))
			}
		}
	}
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// akbank is a current-account export as Akbank's internet banking writes it: summary rows, then
// Tarih · Saat · Tutar · Bakiye · Açıklama · Fiş/Dekont No with real date and number cells.
func akbank() sheet {
	return sheet{name: "Hesap Hareketleri", rows: [][]any{
		{"Ad Soyad/Unvan", "ÖRNEK GIDA TİCARET LTD. ŞTİ."},
		{"Hesap No", "0046-1234567"},
		{"IBAN", "TR96 0004 6000 0123 4567 8901 23"},
		{"Kullanılabilir Bakiye", 47309.55},
		{},
		{"Tarih", "Saat", "Tutar", "Bakiye", "Açıklama", "Fiş/Dekont No"},
		{day("2026-03-02"), "14:02", 15000.0, 45000.0, "HAVALE GELEN - MEHMET ÖZTÜRK - FATURA 2026/118", "D-2026-00101"},
		{day("2026-03-05"), "10:11", -2340.75, 42659.25, "POS ŞİŞLİ OFİS MALZEMELERİ", "D-2026-00188"},
		{day("2026-03-05"), "10:30", -50.0, 42609.25, "EFT ÜCRETİ", "D-2026-00190"},
		{day("2026-03-05"), "10:30", -50.0, 42559.25, "EFT ÜCRETİ", "D-2026-00190"},
		{day("2026-03-20"), "11:20", 0.1 + 0.2, 42559.55, "FAST GELEN - IĞDIR ÜRÜN A.Ş. pay_01JQ8Z4X8Y9W0V1T2S3R4Q5P6N", "D-2026-00517"},
		{day("2026-03-31"), "16:42", -1250.0, 41309.55, "EFT GİDEN - AYŞE YILMAZ - KİRA MART", "D-2026-00871"},
	}}
}

// ziraat holds everything as text, Turkish style: "02.05.2026", "1.234,56", Borç/Alacak, Para Birimi.
func ziraat() sheet {
	return sheet{name: "Ekstre", rows: [][]any{
		{"T.C. ZİRAAT BANKASI A.Ş."},
		{"Hesap Hareketleri"},
		{"IBAN: TR87 0001 0000 0555 5000 0111 11"},
		{},
		{"TARİH", "VALÖR", "AÇIKLAMA", "BORÇ", "ALACAK", "BAKİYE", "PARA BİRİMİ", "DEKONT NO"},
		{"04.05.2026", "04.05.2026", "GELEN EFT - YILDIZ METAL", "", "25.000,00", "30.000,00", "TL", "ZR-90001"},
		{"09.05.2026", "11.05.2026", "GİDEN EFT - ÇELİK NAKLİYAT", "12.345,67", "", "17.654,33", "TL", "ZR-90002"},
		{"Toplam", "", "", "12.345,67", "25.000,00", "", "", ""},
	}}
}

// fixture is a workbook with the options it is read with.
type fixture struct {
	name    string
	book    []byte
	opts    xlsx.Options
	wantErr error
}

func fixtures(t testing.TB) []fixture {
	return []fixture{
		{name: "akbank_numeric_cells", book: workbook(t, false, akbank()), opts: xlsx.Options{Currency: "TRY"}},
		{name: "ziraat_text_cells", book: workbook(t, false, ziraat())},
		{name: "cover_sheet_first", book: workbook(t, false,
			sheet{name: "Kapak", rows: [][]any{{"Hesap Ekstresi"}, {"Müşteri", "ÖRNEK A.Ş."}}}, ziraat())},
		{name: "date1904", book: workbook(t, true, sheet{name: "Sheet1", rows: [][]any{
			{"Date", "Description", "Amount", "Currency"},
			{day("2026-01-02"), "Wire", 1500.5, "EUR"},
		}})},
		{name: "bad_cells", book: workbook(t, false, sheet{name: "Sheet1", rows: [][]any{
			{"Tarih", "Açıklama", "Tutar"},
			{"31.02.2026", "bad date", "1,00"},
			{day("2026-02-02"), "bad amount", "1,2,3"},
			{day("2026-02-03"), "too precise", "1,234"},
			{"", "no date", "5,00"},
		}}), opts: xlsx.Options{Currency: "TRY"}, wantErr: reconcile.ErrParse},
		{name: "numeric_too_precise", book: workbook(t, false, sheet{name: "Sheet1", rows: [][]any{
			{"Tarih", "Tutar"}, {day("2026-02-01"), 1.5}, {day("2026-02-02"), 1.234},
		}}), opts: xlsx.Options{Currency: "TRY"}, wantErr: reconcile.ErrParse},
		{name: "number_cell_too_precise_alone", book: workbook(t, false, sheet{name: "Sheet1", rows: [][]any{
			{"Tarih", "Tutar"}, {day("2026-02-01"), 1.234},
		}}), opts: xlsx.Options{Currency: "TRY"}, wantErr: reconcile.ErrParse},
		// Number cells are read as the numbers they are; only text cells decide how text amounts are
		// written ("1.234,56" here, so the text "1.500" is 1500.00, not 1.50 as a number cell would say).
		{name: "number_and_text_amounts", book: workbook(t, false, sheet{name: "Sheet1", rows: [][]any{
			{"Tarih", "Açıklama", "Tutar"}, {day("2026-02-01"), "a", 1234.5}, {day("2026-02-02"), "b", "1.500"},
			{day("2026-02-03"), "c", "1.234,56"},
		}}), opts: xlsx.Options{Currency: "TRY"}},
		{name: "text_amount_undecided_beside_numbers", book: workbook(t, false, sheet{name: "Sheet1", rows: [][]any{
			{"Tarih", "Açıklama", "Tutar"}, {day("2026-02-01"), "a", 1234.5}, {day("2026-02-02"), "b", "1.500"},
		}}), opts: xlsx.Options{Currency: "TRY"}, wantErr: reconcile.ErrParse},
		{name: "not_a_statement", book: workbook(t, false, sheet{name: "Stok", rows: [][]any{
			{"Ürün Kodu", "Ürün Adı", "Stok"}, {"A-1", "Kalem", 100.0},
		}}), wantErr: reconcile.ErrNotStatement},
	}
}

func TestFixtures(t *testing.T) {
	for _, tc := range fixtures(t) {
		t.Run(tc.name, func(t *testing.T) {
			sts, err := xlsx.Decode(bytes.NewReader(tc.book), int64(len(tc.book)), tc.opts)
			var got struct {
				Statements []reconcile.Statement `json:"statements,omitempty"`
				Errors     []string              `json:"errors,omitempty"`
			}
			if tc.wantErr == nil {
				require.NoError(t, err)
				got.Statements = sts
			} else {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.wantErr)
				assert.Nil(t, sts)
				for _, e := range flatten(err) {
					var pe *reconcile.ParseError
					assert.True(t, errors.As(e, &pe), "every problem is a *reconcile.ParseError: %v", e)
					got.Errors = append(got.Errors, e.Error())
				}
			}
			checkGolden(t, tc.name+".json", got)
		})
	}
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got), "golden %s differs; run go test -update and review the diff", path)
}

func TestSheetOption(t *testing.T) {
	book := workbook(t, false, sheet{name: "Kapak", rows: [][]any{{"x"}}}, ziraat())
	sts, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Sheet: "Ekstre"})
	require.NoError(t, err)
	assert.Len(t, sts[0].Entries, 2)
	assert.Equal(t, "Ekstre!A6", sts[0].Entries[0].Position)

	_, err = xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Sheet: "Yok"})
	assert.ErrorIs(t, err, reconcile.ErrNotStatement)
	assert.ErrorContains(t, err, `no sheet "Yok" (sheets: Kapak, Ekstre)`)
}

// TestHiddenSheetReadLast: a hidden sheet (an earlier copy of the statement, say) before the one
// Excel shows is not what the user imports; it was read because it came first.
func TestHiddenSheetReadLast(t *testing.T) {
	old := ziraat()
	old.name = "Eski"
	old.rows[5] = []any{"04.04.2026", "04.04.2026", "GEÇEN AY", "", "99.000,00", "99.000,00", "TL", "ZR-10001"}
	book := workbook(t, false, old, ziraat())
	f, err := excelize.OpenReader(bytes.NewReader(book))
	require.NoError(t, err)
	f.SetActiveSheet(1)
	require.NoError(t, f.SetSheetVisible("Eski", false))
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	book = buf.Bytes()

	sts, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{})
	require.NoError(t, err)
	require.Len(t, sts, 1)
	assert.Equal(t, "Ekstre!A6", sts[0].Entries[0].Position, "the visible sheet is read")

	sts, err = xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Sheet: "Eski"})
	require.NoError(t, err, "a hidden sheet named in the options is read")
	assert.Equal(t, int64(9900000), sts[0].Entries[0].Amount)

	only := workbook(t, false, sheet{name: "Kapak", rows: [][]any{{"x"}}}, old)
	f, err = excelize.OpenReader(bytes.NewReader(only))
	require.NoError(t, err)
	require.NoError(t, f.SetSheetVisible("Eski", false))
	buf, err = f.WriteToBuffer()
	require.NoError(t, err)
	only = buf.Bytes()
	sts, err = xlsx.Decode(bytes.NewReader(only), int64(len(only)), xlsx.Options{})
	require.NoError(t, err, "a hidden sheet is read when no visible one has a header")
	assert.Equal(t, "Eski!A6", sts[0].Entries[0].Position)
}

// TestOtherSheetsWithAHeader: a workbook of one sheet a month is read one sheet at a time; the
// statement says which other sheets have a header row, where the later months were dropped without
// a word.
func TestOtherSheetsWithAHeader(t *testing.T) {
	jan, feb, mar := ziraat(), ziraat(), ziraat()
	jan.name, feb.name, mar.name = "Ocak", "Şubat", "Mart 2026"
	book := workbook(t, false, sheet{name: "Kapak", rows: [][]any{{"Hesap Ekstresi"}}}, jan, feb, mar)

	sts, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{})
	require.NoError(t, err)
	require.Len(t, sts, 1)
	assert.Equal(t, "Ocak!A6", sts[0].Entries[0].Position)
	assert.Equal(t, []reconcile.Warning{{Code: xlsx.WarningSheetsNotRead, Message: `only sheet "Ocak" was read; the ` +
		`workbook's sheets "Şubat", "Mart 2026" have a header row too (name one in Options.Sheet to read it)`}}, sts[0].Warnings)

	sts, err = xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Sheet: "Şubat", Strict: true})
	require.NoError(t, err)
	assert.Empty(t, sts[0].Warnings, "the sheet asked for")
}

// rawZip builds a zip whose single sheet entry declares the given uncompressed size, without
// writing that much: what a zip bomb or a huge sheet looks like to the reader.
func rawZip(t *testing.T, declared uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	body := []byte("<worksheet/>")
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Store,
		CRC32: crc32.ChecksumIEEE(body), CompressedSize64: uint64(len(body)), UncompressedSize64: declared})
	require.NoError(t, err)
	_, err = w.Write(body)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// sheetZip builds a workbook of one sheet whose <sheetData> holds rows as given, compressed: what a
// hand-made file that leaves out the rows' and cells' references looks like.
func sheetZip(t *testing.T, rows string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			rows + `</sheetData></worksheet>`,
	} {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestLimits(t *testing.T) {
	t.Run("a 1 GB sheet is refused before anything is inflated", func(t *testing.T) {
		book := rawZip(t, 1<<30)
		_, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{})
		require.Error(t, err)
		assert.ErrorIs(t, err, xlsx.ErrTooLarge)
		assert.ErrorContains(t, err, "unzip to more than 268435456 bytes (Options.MaxUnzipSize)")
		var pe *reconcile.ParseError
		assert.ErrorAs(t, err, &pe)
	})
	t.Run("a highly compressible sheet over the limit", func(t *testing.T) {
		rows := [][]any{{"Tarih", "Tutar"}}
		for i := 0; i < 2000; i++ {
			rows = append(rows, []any{"01.02.2026", "1,00"})
		}
		book := workbook(t, false, sheet{name: "Sheet1", rows: rows})
		_, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Currency: "TRY", MaxUnzipSize: 64 << 10})
		assert.ErrorIs(t, err, xlsx.ErrTooLarge)
		sts, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Currency: "TRY"})
		require.NoError(t, err)
		assert.Len(t, sts[0].Entries, 2000)
	})
	t.Run("a large shared-string table kept in a temporary file", func(t *testing.T) {
		rows := [][]any{{"Tarih", "Tutar", "Açıklama"}}
		for i := 0; i < 3000; i++ {
			rows = append(rows, []any{day("2026-02-01"), float64(i + 1), fmt.Sprintf("HAVALE %d - ÖRNEK A.Ş.", i)})
		}
		book := workbook(t, false, sheet{name: "Sheet1", rows: rows})
		want, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Currency: "TRY"})
		require.NoError(t, err)
		dir := t.TempDir()
		sts, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Currency: "TRY",
			MaxXMLInMemory: 16 << 10, TmpDir: dir})
		require.NoError(t, err)
		require.Len(t, sts[0].Entries, 3000)
		assert.Equal(t, want, sts)
		assert.Equal(t, "HAVALE 2999 - ÖRNEK A.Ş.", sts[0].Entries[2999].Remittance)
		left, _ := os.ReadDir(dir)
		assert.Empty(t, left, "temporary files are removed")
	})
	t.Run("rows and cells without references count no further than a sheet holds", func(t *testing.T) {
		header := `<row><c t="inlineStr"><is><t>Tarih</t></is></c><c t="inlineStr"><is><t>Tutar</t></is></c></row>`
		rows := header + strings.Repeat(`<row><c t="inlineStr"><is><t>01.02.2026</t></is></c><c><v>1</v></c></row>`, 1<<20)
		book := sheetZip(t, rows)
		_, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Currency: "TRY"})
		require.Error(t, err)
		assert.ErrorContains(t, err, "more than 1048576 rows")
		var pe *reconcile.ParseError
		assert.ErrorAs(t, err, &pe)

		cells := `<row>` + strings.Repeat(`<c/>`, 1<<14+1) + `</row>`
		book = sheetZip(t, header+cells)
		_, err = xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{Currency: "TRY"})
		require.Error(t, err)
		assert.ErrorContains(t, err, "more than 16384 columns")
	})
	t.Run("file size", func(t *testing.T) {
		book := workbook(t, false, ziraat())
		_, err := xlsx.Decode(bytes.NewReader(book), int64(len(book)), xlsx.Options{MaxFileSize: 1000})
		assert.ErrorIs(t, err, xlsx.ErrTooLarge)
	})
}

// zipOf is a zip archive of the named files (a name ending in "/" a folder), each holding a line.
func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		require.NoError(t, err)
		if !strings.HasSuffix(n, "/") {
			_, err = w.Write([]byte("Tarih;Tutar\n01.02.2026;1,00\n"))
			require.NoError(t, err)
		}
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestNotAWorkbook(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "the file is empty"},
		{"legacy xls", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00"), "legacy binary .xls"},
		{"html", []byte("\ufeff<html><body><table><tr><td>Tarih</td></tr></table></body></html>"), "HTML page"},
		{"csv", []byte("Tarih;Tutar\n01.02.2026;1,00\n"), "no zip signature"},
		{"broken zip", []byte("PK\x03\x04garbage"), "not a readable XLSX workbook"},
		// It was "the workbook has no sheets".
		{"zipped CSV", zipOf(t, "ekstre/", "ekstre/hesap.csv"),
			"a zip archive that is not an XLSX workbook (it has no xl/workbook.xml); if it holds the export, unzip it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := xlsx.Decode(bytes.NewReader(tc.in), int64(len(tc.in)), xlsx.Options{})
			require.Error(t, err)
			assert.ErrorIs(t, err, reconcile.ErrNotStatement)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestDecodeSmallWorkbookAllocatesLittle: a workbook of ten rows with its texts in the shared-string
// table is read with a few hundred KB, as before the table's offsets were kept in chunks; the first
// chunk of 65,536 offsets (512 KiB) was allocated whole for a table of a dozen strings.
func TestDecodeSmallWorkbookAllocatesLittle(t *testing.T) {
	book := sharedStringBook(t, 10)
	least := uint64(math.MaxUint64)
	for range 3 { // the least of three: a collection in between does not count
		n, sts := decodeAllocs(t, book)
		require.NotEmpty(t, sts)
		least = min(least, n)
	}
	assert.Less(t, least, uint64(450<<10), "bytes allocated to decode a 10-row workbook")
}
