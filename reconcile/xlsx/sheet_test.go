package xlsx

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/orkesta/orkesta/reconcile"
)

// The sheet reader replaced excelize's Rows iterator with raw cell values. These tests check it
// against that iterator, cell for cell, on workbooks excelize writes and on hand-written XML with
// the forms other producers use.

// excelizeRows reads every sheet the way Decode did before: Rows, Columns with raw values, the row
// number counted by Next (which yields the rows a sheet leaves out as empty).
func excelizeRows(t *testing.T, book []byte) map[string]map[int][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(book), excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	defer f.Close()
	out := map[string]map[int][]string{}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		require.NoError(t, err)
		got := map[int][]string{}
		for n := 1; rows.Next(); n++ {
			cells, err := rows.Columns(excelize.Options{RawCellValue: true})
			require.NoError(t, err)
			if len(cells) > 0 {
				got[n] = cells
			}
		}
		require.NoError(t, rows.Error())
		require.NoError(t, rows.Close())
		out[sheet] = got
	}
	return out
}

// ourRows reads every sheet with the sheet reader, through a reader that returns one byte at a
// time, so that every tag and text is split across reads somewhere.
func ourRows(t *testing.T, book []byte) map[string]map[int][]string {
	t.Helper()
	wb, err := openWorkbook(bytes.NewReader(book), int64(len(book)), DefaultMaxUnzipSize, DefaultMaxXMLInMemory, t.TempDir())
	require.NoError(t, err)
	defer wb.close()
	out := map[string]map[int][]string{}
	for _, s := range wb.sheets {
		r, err := wb.openSheet(s)
		require.NoError(t, err)
		r.sc.Wrap(iotest.OneByteReader)
		got := map[int][]string{}
		for {
			n, cells, err := r.next()
			require.NoError(t, err)
			if n == 0 {
				break
			}
			if len(cells) > 0 {
				got[n] = append([]string(nil), cells...)
			}
		}
		require.NoError(t, r.close())
		out[s.name] = got
	}
	return out
}

// sameRows compares the two readings: equal cells, except number cells, which excelize returned
// as stored and the sheet reader returns as appendNumber makes them.
func sameRows(t *testing.T, book []byte) {
	t.Helper()
	want, got := excelizeRows(t, book), ourRows(t, book)
	require.Equal(t, len(want), len(got), "sheets")
	for sheet, rows := range want {
		require.Equal(t, len(rows), len(got[sheet]), "rows of %s: %v vs %v", sheet, rows, got[sheet])
		for n, cells := range rows {
			require.Equal(t, len(cells), len(got[sheet][n]), "%s row %d: %q vs %q", sheet, n, cells, got[sheet][n])
			for i, w := range cells {
				g := got[sheet][n][i]
				if g != w {
					assert.Equal(t, string(appendNumber(nil, []byte(w))), g, "%s!%s", sheet, cellName(i+1, n))
				}
			}
		}
	}
}

func TestSheetReaderMatchesExcelize(t *testing.T) {
	t.Run("cells written by SetSheetRow: shared strings, numbers, dates, booleans", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		rows := [][]any{
			{"Tarih", "Tutar", "Açıklama", "Onay"},
			{time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC), 15000.0, "HAVALE & EFT <özel> \"tırnak\" 'tek'", true},
			{time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), 0.1 + 0.2, "satır1\nsatır2\tsekme", false},
			{nil, -2340.75, "Tekrar", nil},
			{"Tekrar", 1e-7, "emoji 💶 and _x0041_ literally", 1234.57},
			{"", 1e20, "", 123456789012345678.0},
			{"carriage\rreturn", math.Copysign(0, -1), "  spaces  ", 1.0 / 3},
		}
		for r, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			require.NoError(t, f.SetSheetRow("Sheet1", cell, &row))
		}
		require.NoError(t, f.SetCellValue("Sheet1", "H20", "far away"))
		require.NoError(t, f.SetCellFormula("Sheet1", "E2", "B2*2"))
		require.NoError(t, f.SetCellFormula("Sheet1", "F3", `"x"&C3`))
		require.NoError(t, f.SetCellRichText("Sheet1", "A9", []excelize.RichTextRun{
			{Text: "bold "}, {Text: "and plain", Font: &excelize.Font{Bold: true}}}))
		_, err := f.NewSheet("İkinci")
		require.NoError(t, err)
		require.NoError(t, f.SetCellValue("İkinci", "B3", "only cell"))
		buf, err := f.WriteToBuffer()
		require.NoError(t, err)
		sameRows(t, buf.Bytes())
	})
	t.Run("StreamWriter: inline strings and styled numbers", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		require.NoError(t, err)
		require.NoError(t, sw.SetRow("A1", []any{"date", "amount", "text"}))
		require.NoError(t, sw.SetRow("A2", []any{time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), 1234.56, "a&b"}))
		require.NoError(t, sw.SetRow("B4", []any{excelize.Cell{Value: 0.1 + 0.2}, "x"}))
		require.NoError(t, sw.Flush())
		buf, err := f.WriteToBuffer()
		require.NoError(t, err)
		sameRows(t, buf.Bytes())
	})
	t.Run("hand-written XML", func(t *testing.T) {
		for name, sheet := range handSheets {
			t.Run(name, func(t *testing.T) {
				sameRows(t, handBook(t, sheet, handSST))
			})
		}
	})
}

// handSST is a shared-string table with plain, rich and phonetic items.
const handSST = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">
<si><t>Tarih</t></si>
<si><r><rPr><b/></rPr><t xml:space="preserve">rich </t></r><r><t>text</t></r></si>
<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si>
<si><t>a_x000D_b &amp; c</t></si>
<si/>
</sst>`

// handSheets are worksheets in forms other producers write.
var handSheets = map[string]string{
	"prefixed, no references, comments, CDATA": `<?xml version="1.0"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><!-- made by hand -->
<x:dimension ref="A1:D3"/><x:sheetData>
<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="inlineStr"><x:is><x:t><![CDATA[<cdata> & co]]></x:t></x:is></x:c></x:row>
<x:row><x:c><x:v>46024</x:v></x:c><x:c/><x:c t="s"><x:v> 2 </x:v></x:c><x:c t="s"><x:v>3</x:v></x:c></x:row>
<?pi ignored?><x:row><x:c t="s"><x:v>4</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c><x:c t="e"><x:v>#DIV/0!</x:v></x:c><x:c t="str"><x:f>A1</x:f><x:v>formula &#x54;&#101;xt</x:v></x:c></x:row>
</x:sheetData></x:worksheet>`,
	"sparse rows and cells, attributes in either quote": `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r='2' spans='1:5'><c r='B2' s='3' t='d'><v>2026-01-02T00:00:00Z</v></c><c r="E2" ><v>1234.5699999999999</v></c></row>
<row r="5"/>
<row r="7" customHeight="1" ht="20"><c r="A7" t="inlineStr"><is><r><t>in</t></r><r><rPr/><t>line</t></r></is></c><c r="C7"><f>SUM(A1:A2)</f></c><c r="D7"><v>0.30000000000000004</v></c></row>
<row r="9"><c r="aa9"><v>1.2E-2</v></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>`,
	"line ends and entities": "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>one\r\ntwo\rthree &lt;&gt;&quot;&apos;</t></is></c>" +
		"<c r=\"B1\" t=\"inlineStr\"><is><t>&#128182;</t></is></c></row></sheetData></worksheet>",
}

// handBook packages a worksheet (and a shared-string table, if any) with the parts excelize needs.
func handBook(t testing.TB, sheetXML, sstXML string) []byte {
	t.Helper()
	return handBookDeclaring(t, sheetXML, sstXML, 0)
}

// handBookDeclaring is handBook with the sheet entry declaring an unzipped size of declared bytes
// (0: its true size), as a hostile file may.
func handBookDeclaring(t testing.TB, sheetXML, sstXML string, declared uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": sheetXML,
	}
	if sstXML != "" {
		parts["xl/sharedStrings.xml"] = sstXML
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
		"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"} {
		if body, ok := parts[name]; ok && name == "xl/worksheets/sheet1.xml" && declared > 0 {
			var z bytes.Buffer
			fw, err := flate.NewWriter(&z, flate.BestCompression)
			require.NoError(t, err)
			_, err = io.WriteString(fw, body)
			require.NoError(t, err)
			require.NoError(t, fw.Close())
			w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE([]byte(body)),
				CompressedSize64: uint64(z.Len()), UncompressedSize64: declared})
			require.NoError(t, err)
			_, err = w.Write(z.Bytes())
			require.NoError(t, err)
		} else if ok {
			w, err := zw.Create(name)
			require.NoError(t, err)
			_, err = io.WriteString(w, body)
			require.NoError(t, err)
		}
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// TestSheetReaderErrors: a damaged sheet fails at the cell or row where it stops making sense;
// excelize's Rows ended the sheet there without a word.
func TestSheetReaderErrors(t *testing.T) {
	tests := []struct {
		name, sheet string
		row, col    int
		want        string
	}{
		{"shared string out of range", `<row r="3"><c r="C3" t="s"><v>99</v></c></row>`, 3, 3, "no such shared string: 99"},
		{"shared string index not a number", `<row r="3"><c r="B3" t="s"><v>x</v></c></row>`, 3, 2, "invalid shared string index"},
		{"bad entity", `<row r="4"><c r="D4" t="inlineStr"><is><t>a &nbsp; b</t></is></c></row>`, 4, 4, "invalid XML entity &nbsp;"},
		{"bad cell reference", `<row r="2"><c r="2B"><v>1</v></c></row>`, 2, 0, `invalid cell reference "2B"`},
		{"column beyond XFD", `<row r="2"><c r="XFE2"><v>1</v></c></row>`, 2, 0, "invalid cell reference"},
		{"row beyond Excel's last", `<row r="1048577"><c><v>1</v></c></row>`, 1, 0, "invalid row number"},
		{"rows out of order", `<row r="5"/><row r="3"/>`, 3, 0, "row 3 comes after row 5"},
		{"invalid UTF-8", "<row r=\"6\"><c r=\"A6\" t=\"inlineStr\"><is><t>\xff</t></is></c></row>", 6, 0, "not valid UTF-8"},
		{"cut short", `<row r="7"><c r="A7"><v>1`, 7, 1, "unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			book := handBook(t, `<worksheet><sheetData>`+tc.sheet, handSST)
			wb, err := openWorkbook(bytes.NewReader(book), int64(len(book)), DefaultMaxUnzipSize, DefaultMaxXMLInMemory, "")
			require.NoError(t, err)
			defer wb.close()
			r, err := wb.openSheet(wb.sheets[0])
			require.NoError(t, err)
			for err == nil {
				var n int
				if n, _, err = r.next(); n == 0 && err == nil {
					t.Fatal("no error")
				}
			}
			ce, ok := err.(*cellError)
			require.True(t, ok, "%T %v", err, err)
			assert.Equal(t, tc.row, ce.row)
			assert.Equal(t, tc.col, ce.col)
			assert.ErrorContains(t, ce, tc.want)
		})
	}
}

func TestAppendNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1234.5", "1234.5"},
		{"46024", "46024"},
		{"-14000", "-14000"},
		{"0.000123", "0.000123"},
		{"1234.5699999999999", "1234.57"}, // 1234.57 as Excel stores it
		{"0.30000000000000004", "0.3"},    // =0.1+0.2
		{"-0.30000000000000004", "-0.3"},  // =-(0.1+0.2)
		{"2.9999999999999996", "3"},       // rounds up through every digit
		{"99999999999999.999", "100000000000000"},
		{"1234.5650000000001", "1234.565"}, // a real half: kept, for tabular to call too precise
		{"1234.5649999999999", "1234.565"}, // the same value from below
		{"46024.999999999993", "46025"},    // a serial a hair before midnight is the next day, as Excel shows it
		{"46024.5", "46024.5"},
		{"1.2E-2", "0.012"},
		{"1.5E+3", "1500"},
		{"-4.6024E4", "-46024"},
		{"1E-7", "0.0000001"},
		{"0E+0", "0"},
		{"0.00000000000000000", "0.00000000000000000"}, // no significant digit: as written
		{"12345678901234567", "12345678901234567"},     // ≥ 1e15: left for tabular to refuse
		{"999999999999999.9", "999999999999999.9"},     // rounds to 1e15: left as written
		{"1E+308", "1E+308"},
		{"1E-99999999999", "0." + strings.Repeat("0", 1000) + "1"},
		{"", ""},
		{"-", "-"},
		{"1.2.3", "1.2.3"},
		{"1e", "1e"},
		{"E5", "E5"},
		{"1,5", "1,5"},
		{"12345678901234567890123456789.5", "12345678901234567890123456789.5"},
		{"0.1234567890123456789", "0.123456789012346"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, string(appendNumber([]byte("x"), []byte(tc.in))[1:]))
		})
	}
}

func TestCellRef(t *testing.T) {
	for ref, want := range map[string][2]int{"A1": {1, 1}, "c7": {3, 7}, "AA10": {27, 10}, "XFD1048576": {16384, 1048576}} {
		col, row, err := cellRef([]byte(ref))
		require.NoError(t, err, ref)
		assert.Equal(t, want, [2]int{col, row}, ref)
		assert.Equal(t, strings.ToUpper(ref), cellName(col, row))
	}
	for _, ref := range []string{"", "A", "1", "A0", "XFE1", "A1048577", "AAAA1", "A1B", "Ä1", "A-1"} {
		_, _, err := cellRef([]byte(ref))
		assert.Error(t, err, ref)
	}
}

func TestAppendBstr(t *testing.T) {
	for in, want := range map[string]string{
		"plain":               "plain",
		"a_x000D_b":           "a\rb",
		"_x005F_x000D_":       "_x000D_", // an escaped literal
		"_x00e9_":             "é",
		"_xD800_":             "", // a lone surrogate cannot be written
		"_x12_ and _xZZZZ_":   "_x12_ and _xZZZZ_",
		"trailing _x00":       "trailing _x00",
		"_x0041__x0042_":      "AB",
		"__x0041_":            "_A",
		"x_x000A_y_x0009_end": "x\ny\tend",
	} {
		assert.Equal(t, want, string(appendBstr(nil, []byte(in))), in)
	}
}

// TestSharedStringsSpill: a table over MaxXMLInMemory is kept in a temporary file and reads the same.
func TestSharedStringsSpill(t *testing.T) {
	var sst strings.Builder
	sst.WriteString(`<sst>`)
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&sst, `<si><t>string %d &amp; more</t></si>`, i)
	}
	sst.WriteString(`</sst>`)
	book := handBook(t, `<worksheet><sheetData><row r="1"><c t="s"><v>499</v></c><c t="s"><v>0</v></c></row></sheetData></worksheet>`, sst.String())
	dir := t.TempDir()
	wb, err := openWorkbook(bytes.NewReader(book), int64(len(book)), DefaultMaxUnzipSize, 1<<10, dir)
	require.NoError(t, err)
	require.NotNil(t, wb.sst.file, "spilled")
	r, err := wb.openSheet(wb.sheets[0])
	require.NoError(t, err)
	_, cells, err := r.next()
	require.NoError(t, err)
	assert.Equal(t, []string{"string 499 & more", "string 0 & more"}, cells)
	wb.close()
	left, _ := os.ReadDir(dir)
	assert.Empty(t, left, "the temporary file is removed")
}

// TestSharedStringsMemory: the offsets of the shared strings are the memory a table of empty items
// ("<si/>", 5 bytes that compress to nothing) takes, and a table of more than maxSharedStrings is
// refused as too large. A 123 KB workbook of 16 million such items took 460 MB to open.
func TestSharedStringsMemory(t *testing.T) {
	book := func(n int) []byte {
		return handBook(t, `<worksheet><sheetData><row r="1"><c t="s"><v>1</v></c></row></sheetData></worksheet>`,
			"<sst>"+strings.Repeat("<si/>", n)+"</sst>")
	}
	full := book(maxSharedStrings)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	wb, err := openWorkbook(bytes.NewReader(full), int64(len(full)), DefaultMaxUnzipSize, DefaultMaxXMLInMemory, t.TempDir())
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	wb.close()
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(maxSharedStrings*8+8<<20),
		"the offsets are allocated once, without the garbage of growing a slice")

	over := book(maxSharedStrings + 1)
	_, err = Decode(bytes.NewReader(over), int64(len(over)), Options{})
	assert.ErrorIs(t, err, ErrTooLarge)
	assert.ErrorContains(t, err, "more than 4194304 shared strings")
}

// TestSharedStringExpansion: cells that refer to one long shared string again and again are refused
// as too large once their text passes the limits, in a row or in the sheet. A workbook of 4 KB whose
// one row had 100 cells of a 3 MB string allocated 3 GB; with all 16,384 columns it would take 48 GB.
func TestSharedStringExpansion(t *testing.T) {
	long := `<sst><si><t>` + strings.Repeat("a", 3<<20) + `</t></si></sst>`
	t.Run("in a row", func(t *testing.T) {
		book := handBook(t, `<worksheet><sheetData><row r="1">`+strings.Repeat(`<c t="s"><v>0</v></c>`, 100)+
			`</row></sheetData></worksheet>`, long)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Decode(bytes.NewReader(book), int64(len(book)), Options{})
		runtime.ReadMemStats(&after)
		assert.ErrorIs(t, err, ErrTooLarge)
		assert.ErrorContains(t, err, "Sheet1!B1: reading sheet: xlsx: workbook too large: the row's text is longer than 4194304 bytes")
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20))
	})
	t.Run("in the sheet", func(t *testing.T) {
		var rows strings.Builder
		for i := 1; i <= 10; i++ {
			fmt.Fprintf(&rows, `<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>`, i, i)
		}
		book := handBook(t, `<worksheet><sheetData>`+rows.String()+`</sheetData></worksheet>`, long)
		_, err := Decode(bytes.NewReader(book), int64(len(book)), Options{MaxUnzipSize: 16 << 20})
		assert.ErrorIs(t, err, ErrTooLarge)
		assert.ErrorContains(t, err, "Sheet1!A6: reading sheet: xlsx: workbook too large: the cells take more than "+
			"16777216 bytes of text from the shared strings (Options.MaxUnzipSize)")
	})
}

// readAll reads the first sheet with the sheet reader, through one-byte reads or not, and returns
// the rows and the error that ended them.
func readAll(t *testing.T, book []byte, oneByte bool) (rows []sampledRow, err error) {
	t.Helper()
	wb, err := openWorkbook(bytes.NewReader(book), int64(len(book)), DefaultMaxUnzipSize, DefaultMaxXMLInMemory, "")
	if err != nil {
		return nil, err
	}
	defer wb.close()
	r, err := wb.openSheet(wb.sheets[0])
	if err != nil {
		return nil, err
	}
	defer r.close()
	if oneByte {
		r.sc.Wrap(iotest.OneByteReader)
	}
	for {
		n, cells, err := r.next()
		if err != nil || n == 0 {
			return rows, err
		}
		rows = append(rows, sampledRow{n: n, cells: append([]string(nil), cells...)})
	}
}

// FuzzSheetXML feeds arbitrary worksheet XML (the zip around it intact, so the bytes reach the
// scanner): Decode gives statements or *reconcile.ParseErrors, never a panic, and the rows do not
// depend on how the input is split into reads.
func FuzzSheetXML(f *testing.F) {
	for _, s := range handSheets {
		f.Add(s)
	}
	f.Add(`<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>Tarih</t></is></c><c t="inlineStr"><is><t>Tutar</t></is></c></row>` +
		`<row r="2"><c><v>46024</v></c><c><v>1234.5699999999999</v></c></row></sheetData></worksheet>`)
	f.Fuzz(func(t *testing.T, sheet string) {
		book := handBook(t, sheet, handSST)
		whole, werr := readAll(t, book, false)
		split, serr := readAll(t, book, true)
		require.Equal(t, fmt.Sprint(werr), fmt.Sprint(serr))
		require.Equal(t, whole, split)
		_, err := Decode(bytes.NewReader(book), int64(len(book)), Options{Currency: "TRY"})
		if err != nil {
			require.NotContains(t, err.Error(), "unreadable workbook", "a panic was recovered")
			for _, e := range flatten(err) {
				var pe *reconcile.ParseError
				require.ErrorAs(t, e, &pe)
			}
		}
	})
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestDecodeNumberCells: amounts stored the way Excel stores binary doubles come out as the
// amounts Excel shows, exactly; a real third decimal is an error at its cell, not a rounding.
func TestDecodeNumberCells(t *testing.T) {
	row := func(n int, amount string) string {
		return fmt.Sprintf(`<row r="%d"><c r="A%d"><v>46024</v></c><c r="B%d"><v>%s</v></c></row>`, n, n, n, amount)
	}
	sheet := `<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Tutar</t></is></c></row>` +
		row(2, "1234.5699999999999") + row(3, "0.30000000000000004") + row(4, "-2340.75") + row(5, "1.25E+2") +
		row(6, "1234.5") + row(7, "99999999999999.999") + `</sheetData></worksheet>`
	book := handBook(t, sheet, handSST)
	sts, err := Decode(bytes.NewReader(book), int64(len(book)), Options{Currency: "EUR"})
	require.NoError(t, err)
	require.Len(t, sts, 1)
	var got []int64
	for _, e := range sts[0].Entries {
		got = append(got, e.Signed())
	}
	assert.Equal(t, []int64{123457, 30, -234075, 12500, 123450, 10000000000000000}, got)

	sheet = strings.Replace(sheet, row(5, "1.25E+2"), row(5, "1234.5650000000001"), 1)
	book = handBook(t, sheet, handSST)
	_, err = Decode(bytes.NewReader(book), int64(len(book)), Options{Currency: "EUR"})
	require.Error(t, err)
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Sheet1!B5", pe.Cell)
	// The text is the one Excel shows, not the stored 1234.5650000000001.
	assert.ErrorContains(t, err, `"1234.565": more decimal places than the currency has`)
}

// TestDamagedSheetEntry: a sheet entry that inflates to more than it declares (the declared sizes
// are what MaxUnzipSize checks) or whose deflate data is broken is refused as unreadable, at the
// row where reading stopped.
func TestDamagedSheetEntry(t *testing.T) {
	var sheet strings.Builder
	sheet.WriteString(`<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>Tarih</t></is></c><c t="inlineStr"><is><t>Tutar</t></is></c></row>`)
	for i := 2; i < 2000; i++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c><v>46024</v></c><c><v>%d.5</v></c></row>`, i, i)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	book := handBookDeclaring(t, sheet.String(), "", 4096)
	_, err := Decode(bytes.NewReader(book), int64(len(book)), Options{Currency: "EUR"})
	require.Error(t, err)
	assert.ErrorIs(t, err, reconcile.ErrNotStatement)
	assert.ErrorContains(t, err, "not a readable XLSX workbook (zip: not a valid zip file)")
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Regexp(t, `^Sheet1!A\d+$`, pe.Cell)

	good := handBook(t, sheet.String(), "")
	i := bytes.Index(good, []byte("xl/worksheets/sheet1.xml")) + len("xl/worksheets/sheet1.xml") + 200
	good[i] ^= 0xff // inside the sheet entry's deflate data (its name first appears in its local header)
	_, err = Decode(bytes.NewReader(good), int64(len(good)), Options{Currency: "EUR"})
	require.Error(t, err)
	assert.ErrorIs(t, err, reconcile.ErrNotStatement)
	assert.ErrorContains(t, err, "xlsx: Sheet1!")
	assert.ErrorContains(t, err, "not a readable XLSX workbook (flate: corrupt input")
}
