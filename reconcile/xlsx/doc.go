// Package xlsx reads bank statement exports in XLSX (Decode) and writes reconciliation reports as
// workbooks. It is the only package that imports excelize, which writes the reports.
//
// Decode does not go through excelize: it reads the zip in place through the caller's io.ReaderAt
// (the file is never copied) and streams the sheet row by row with a small XML scanner of its own,
// keeping one row at a time. excelize's Rows iterator, even with raw cell values, spent most of
// the time and about 170 allocations a row in encoding/xml, and excelize first copied the whole
// file into memory and unzipped the sheet to a temporary file. Cells come as excelize's Rows gave
// them with raw values: dates stay serial numbers (converted exactly by reconcile/tabular, 1900 or
// 1904 system), number cells keep their stored text, rounded exactly to the 15 significant digits
// Excel shows (so 1234.5699999999999 is 1234.57, never through float64), and text cells such as
// "1.234,56" are read with the mapping model of reconcile/tabular.
//
// The workbook is checked against limits before anything is inflated: Options.MaxUnzipSize refuses
// a zip bomb or a 1 GB sheet at once, and archive/zip refuses to inflate more than an entry
// declares. A shared-string table larger than Options.MaxXMLInMemory is kept in a temporary file,
// so memory beyond the returned statements stays flat whatever the row count. Stream reads the same
// way but hands each entry to a callback as soon as its row is read, keeping none, for workbooks
// too large to hold.
//
// One sheet is read: Options.Sheet, or the first visible sheet with a header row (a hidden one only
// when no visible sheet has one); other sheets with a header row are named in a sheets_not_read
// warning. Positions and errors name cells: "Sheet1!C7".
package xlsx
