// Package xlsx reads bank statement exports in XLSX (Decode) and writes reconciliation reports as
// workbooks. It is the only package that imports excelize.
//
// Decode streams the sheet with excelize's Rows iterator and raw cell values: dates stay serial
// numbers (converted here, 1900 or 1904 system) instead of going through excelize's slow number
// formatting, and amounts are read exactly whether the cells hold numbers or text such as
// "1.234,56". Columns are found with the mapping model of reconcile/tabular. The workbook is
// checked against limits before anything is inflated: Options.MaxUnzipSize refuses a zip bomb or a
// 1 GB sheet at once, and parts larger than Options.MaxXMLInMemory are streamed from a temporary
// file, so memory stays bounded whatever the row count (the zipped file itself, capped by
// Options.MaxFileSize, is held in memory: excelize offers no io.ReaderAt opener).
//
// Positions and errors name cells: "Sheet1!C7".
package xlsx
