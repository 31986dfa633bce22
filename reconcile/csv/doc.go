// Package csv decodes bank statement exports in CSV into reconcile.Statements, with the column
// mapping of reconcile/tabular (built-in presets for Turkish, English, German and French exports,
// or the caller's own mapping).
//
// Decode reads the stream once and keeps only the entries it returns; Stream reads it the same way
// but hands each entry to a callback as soon as it is read, keeping none, for files too large to
// hold. Both detect what banks vary: the character set (UTF-8 with or without BOM, UTF-16 with a
// BOM as Excel's "Unicode Text", and Windows-1254 for anything else, with a "charset" warning on
// each statement; Options.Charset overrides), the line ends (LF, CRLF, or a lone CR as Excel for
// Mac's "CSV (Macintosh)" writes, when the first 8 KiB hold no LF), Excel's "sep=;" first line,
// and the separator (; , tab |), chosen as the one under which a header row is found. Lines are capped at Options.MaxLineBytes so a file without line breaks cannot
// exhaust memory.
//
// Positions are "line N" (the line where the record starts); errors name the column by its header
// and number.
package csv
