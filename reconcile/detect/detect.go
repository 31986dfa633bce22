package detect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/bai2"
	"github.com/orkesta/orkesta/reconcile/camt053"
	"github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/internal/charset"
	"github.com/orkesta/orkesta/reconcile/mt940"
	"github.com/orkesta/orkesta/reconcile/tabular"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

// Format names a statement format by its decoder.
type Format string

// Formats Sniff can tell apart. Unknown is the zero value.
const (
	Unknown Format = ""
	MT940   Format = "mt940"
	CAMT053 Format = "camt053" // camt.053 statements, and camt.052 reports and camt.054 notifications
	CSV     Format = "csv"
	XLSX    Format = "xlsx"
	BAI2    Format = "bai2" // US and Canadian balance and transaction reports
)

// errFormat is ParseError.Format for files Decode cannot place.
const errFormat = "detect"

// HeadSize is how many leading bytes Sniff looks at; Decode reads that much.
const HeadSize = 8 << 10

// Sniff names the format of a file from its first bytes (up to HeadSize), never from its name:
// a zip holding xl/ parts is XLSX; XML with a BkToCstmr… message is camt; ":20:" and ":25:" at line
// starts (or a SWIFT {1:…}{4: envelope) are MT940; a 01 file header followed by a 02 group header
// is BAI2; other text whose first lines carry a separator
// (; , tab |) is CSV, in UTF-8, UTF-16 with a BOM or a single-byte code page. A head with no LF
// but a CR has its lines end with a lone CR (Excel for Mac's "CSV (Macintosh)"), which only the
// CSV decoder reads. Anything else, an HTML page (<html>, or a <table> saved with an .xls name)
// among it, is Unknown.
func Sniff(head []byte) Format {
	f, _ := sniff(head)
	return f
}

// sniff also says why a file is Unknown.
func sniff(head []byte) (Format, string) {
	if len(head) > HeadSize {
		head = head[:HeadSize]
	}
	switch {
	case len(head) == 0:
		return Unknown, "the file is empty"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		if bytes.Contains(head, []byte("word/")) || bytes.Contains(head, []byte("ppt/")) {
			return Unknown, "a Word or PowerPoint document, not a spreadsheet"
		}
		// An OpenDocument file names its type in its first, stored entry "mimetype".
		if bytes.Contains(head, []byte("mimetypeapplication/vnd.oasis.opendocument.spreadsheet")) {
			return Unknown, "an OpenDocument spreadsheet (.ods), which this library does not read; save it as .xlsx or CSV"
		}
		if bytes.Contains(head, []byte("mimetypeapplication/vnd.oasis.opendocument")) {
			return Unknown, "an OpenDocument document, not a spreadsheet this library reads (XLSX, CSV)"
		}
		return XLSX, ""
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return Unknown, "a legacy binary .xls workbook or a password-protected one; save it as .xlsx or CSV"
	}
	text := textOf(head)
	t := bytes.TrimLeft(text, " \t\r\n\x01")
	if len(t) > 0 && t[0] == '<' {
		for _, m := range []string{"BkToCstmrStmt", "BkToCstmrAcctRpt", "BkToCstmrDbtCdtNtfctn", "camt.053", "camt.052", "camt.054"} {
			if bytes.Contains(t, []byte(m)) {
				return CAMT053, ""
			}
		}
		if isHTML(t) {
			return Unknown, "an HTML page (some banks save an HTML table with an .xls name); export CSV or XLSX instead"
		}
		return Unknown, "XML that is not an ISO 20022 camt.052/053/054 message"
	}
	// Excel for Mac's "CSV (Macintosh)" ends lines with a lone CR: a head with no LF but a CR is
	// read with a line break for each CR, as the CSV decoder reads it.
	crLines := bytes.IndexByte(t, '\n') < 0 && bytes.IndexByte(t, '\r') >= 0
	if crLines {
		t = bytes.ReplaceAll(t, []byte("\r"), []byte("\n"))
	}
	if isMT940(t) {
		if crLines {
			return Unknown, crOnly("MT940")
		}
		return MT940, ""
	}
	if isBAI2(t) {
		if crLines {
			return Unknown, crOnly("BAI2")
		}
		return BAI2, ""
	}
	if binary(text) {
		return Unknown, "binary data, not a statement format this library reads (MT940, camt.053, BAI2, CSV, XLSX)"
	}
	if isCSV(t) {
		return CSV, ""
	}
	return Unknown, "text in no statement format this library reads (MT940, camt.053, BAI2, CSV, XLSX)"
}

// textOf turns a UTF-16 head (with a BOM) into UTF-8 for the text checks; other bytes pass as they are.
func textOf(head []byte) []byte {
	if enc := charset.UTF16BOM(head); enc != nil {
		if len(head)%2 == 1 {
			head = head[:len(head)-1]
		}
		if out, err := enc.NewDecoder().Bytes(head); err == nil {
			return out
		}
	}
	return bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
}

// crOnly is why a file in format, whose decoder breaks lines only at LF, is Unknown when its lines
// end with a lone CR.
func crOnly(format string) string {
	return format + " whose lines end with a lone carriage return (classic Mac OS), which the " +
		format + " decoder does not read; save it with CRLF or LF line breaks"
}

// isHTML looks for an HTML page, as the XLSX decoder does: an <html> element near the start, or a
// <table> (a bare table, or one after <meta> tags, that a bank saved with an .xls name).
func isHTML(t []byte) bool {
	lower := bytes.ToLower(t)
	return bytes.Contains(lower[:min(len(lower), 1024)], []byte("<html")) || bytes.Contains(lower, []byte("<table"))
}

// isMT940 looks for the SWIFT envelope or the mandatory tags at line starts.
func isMT940(t []byte) bool {
	if bytes.HasPrefix(t, []byte("{1:")) && bytes.Contains(t, []byte("{4:")) {
		return true
	}
	tag := func(name string) bool {
		return bytes.HasPrefix(t, []byte(name)) || bytes.Contains(t, []byte("\n"+name))
	}
	return tag(":20:") && (tag(":25:") || tag(":60F:") || tag(":60M:") || tag(":61:"))
}

// isBAI2 wants a 01 file header record first, with its creation date (YYMMDD) as the fourth field,
// and a 02 group header record at the start of a later line.
func isBAI2(t []byte) bool {
	first, _, _ := bytes.Cut(t, []byte("\n"))
	f := bytes.Split(first, []byte(","))
	if len(f) < 5 || string(f[0]) != "01" || len(f[3]) != 6 || bytes.ContainsFunc(f[3], func(r rune) bool { return r < '0' || r > '9' }) {
		return false
	}
	return bytes.Contains(t, []byte("\n02,"))
}

// binary reports control bytes other than tab, line breaks and the SOH/ETX of some MT940 files.
func binary(t []byte) bool {
	bad := 0
	for _, c := range t {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != 0x01 && c != 0x03 && c != 0x1a {
			bad++
		}
	}
	return bad > len(t)/100
}

// isCSV wants a separator in at least two of the first non-empty lines.
func isCSV(t []byte) bool {
	lines := 0
	for _, l := range bytes.SplitN(t, []byte("\n"), 42) {
		if bytes.ContainsAny(l, ";,\t|") {
			lines++
		}
	}
	return lines >= 2
}

// Options configure Decode. The common fields apply to every decoder whose own options leave them
// zero; the per-format options are passed on as they are otherwise.
type Options struct {
	// Account and Currency override what a CSV or XLSX file says (MT940 and camt carry their own).
	Account  string
	Currency payment.Currency
	// AccountCurrency gives the currency of a CSV or XLSX statement that says none, from its account
	// (see csv.Options); reconcile.AccountCurrencies makes one from accounts.
	AccountCurrency func(account string) payment.Currency
	// Strict makes statement warnings errors.
	Strict bool
	// Charset forces the text encoding of MT940, camt, BAI2 and CSV files (tabular.CheckCharset tells
	// whether a name is known).
	Charset string

	MT940   mt940.Options
	CAMT053 camt053.Options
	BAI2    bai2.Options
	CSV     csv.Options
	XLSX    xlsx.Options

	// TypeCodeHelp says how the host gives the bank's own BAI2 type codes a direction (its setting of
	// BAI2.TypeCodes), for TypeCodeAdvice; nil says only that its operator does.
	TypeCodeHelp func(codes []string) string
}

// TypeCodeAdvice is what a server tells the user whose BAI2 file has bank's own type codes without a
// direction (bai2.OwnTypeCodes): the user cannot give them one; the server's operator does.
func (o *Options) TypeCodeAdvice(codes []string) string {
	advice := fmt.Sprintf("the server is not told which way the bank's own BAI2 type codes %s go: its operator "+
		"gives each a direction", strings.Join(codes, ", "))
	if o.TypeCodeHelp != nil {
		advice += " (" + o.TypeCodeHelp(codes) + ")"
	}
	return advice
}

// Decode sniffs the format of r's content and decodes it with that format's decoder. It returns the
// format it chose, even when decoding fails. A file in no known format fails with one
// *reconcile.ParseError matching reconcile.ErrNotStatement that says what the file looks like.
func Decode(r io.ReaderAt, size int64, opts Options) (Format, []reconcile.Statement, error) {
	head := make([]byte, max(min(size, HeadSize), 0))
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return Unknown, nil, &reconcile.ParseError{Format: errFormat, Err: fmt.Errorf("reading: %w", err)}
	}
	head = head[:n]
	f, why := sniff(head)
	stream := func() io.Reader { return io.NewSectionReader(r, 0, size) }
	var sts []reconcile.Statement
	switch f {
	case MT940:
		o := opts.MT940
		o.Strict = o.Strict || opts.Strict
		o.Charset = or(o.Charset, opts.Charset)
		sts, err = mt940.Decode(stream(), o)
	case CAMT053:
		o := opts.CAMT053
		o.Strict = o.Strict || opts.Strict
		o.Charset = or(o.Charset, opts.Charset)
		sts, err = camt053.Decode(stream(), o)
	case BAI2:
		o := opts.BAI2
		o.Strict = o.Strict || opts.Strict
		o.Charset = or(o.Charset, opts.Charset)
		sts, err = bai2.Decode(stream(), o)
	case CSV:
		o := opts.CSV
		o.Strict = o.Strict || opts.Strict
		o.Charset = or(o.Charset, opts.Charset)
		o.Account = or(o.Account, opts.Account)
		o.Currency = payment.Currency(or(string(o.Currency), string(opts.Currency)))
		if o.AccountCurrency == nil {
			o.AccountCurrency = opts.AccountCurrency
		}
		sts, err = csv.Decode(stream(), o)
	case XLSX:
		o := opts.XLSX
		o.Strict = o.Strict || opts.Strict
		o.Account = or(o.Account, opts.Account)
		o.Currency = payment.Currency(or(string(o.Currency), string(opts.Currency)))
		if o.AccountCurrency == nil {
			o.AccountCurrency = opts.AccountCurrency
		}
		sts, err = xlsx.Decode(r, size, o)
	default:
		err = &reconcile.ParseError{Format: errFormat, Err: fmt.Errorf("%w: %s", reconcile.ErrNotStatement, why)}
	}
	if err != nil {
		return f, nil, err
	}
	return f, sts, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// DefaultCurrency makes a CSV or XLSX file that names no currency be in the currency cur gives,
// unless opts says one already (Currency or AccountCurrency): the currency of the account a service
// reads the file for. cur is called at most once, and only when such a file needs it.
func (o *Options) DefaultCurrency(cur func() payment.Currency) {
	if o.Currency != "" || o.AccountCurrency != nil {
		return
	}
	once := sync.OnceValue(cur) // decoders reading on several goroutines ask from each of them
	o.AccountCurrency = func(string) payment.Currency { return once() }
}

// ErrNoMapping is the problem of UseMapping with a name that no mapping has.
var ErrNoMapping = errors.New("no such column mapping")

// MappingNames lists the column mappings opts can read CSV and XLSX files with, by name, in the
// order they are tried when none is chosen: the caller's own (CSV.Mappings, then those of
// XLSX.Mappings with other names), then the built-in presets (tabular.PresetNames). An own mapping
// called like a preset hides the preset from this list and from UseMapping (when none is chosen,
// the preset is still tried after the own mappings).
func (o *Options) MappingNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, ms := range [][]*tabular.Mapping{o.CSV.Mappings, o.XLSX.Mappings} {
		for _, m := range ms {
			if m != nil && m.Name != "" && !seen[m.Name] {
				seen[m.Name] = true
				names = append(names, m.Name)
			}
		}
	}
	for _, p := range tabular.PresetNames() {
		if !seen[p] {
			names = append(names, p)
		}
	}
	return names
}

// UseMapping makes opts read CSV and XLSX files with the column mapping called name, one of
// MappingNames, instead of choosing one by the file's header: for an export that more than one
// mapping would read, or that none finds. The caller's own mapping of that name wins over a
// preset. A name that no mapping has is an error matching ErrNoMapping, and opts is unchanged.
func (o *Options) UseMapping(name string) error {
	csvMap, xlsxMap := o.ownMapping(name)
	if csvMap == nil {
		if !slices.Contains(tabular.PresetNames(), name) {
			return fmt.Errorf("%w: %q; the mappings are %s", ErrNoMapping, name, strings.Join(o.MappingNames(), ", "))
		}
		o.CSV.Mapping, o.CSV.Preset, o.XLSX.Mapping, o.XLSX.Preset = nil, name, nil, name
		return nil
	}
	o.CSV.Mapping, o.CSV.Preset, o.XLSX.Mapping, o.XLSX.Preset = csvMap, "", xlsxMap, ""
	return nil
}

// IsPreset reports whether the mapping called name is a built-in preset that no own mapping of
// opts hides (see MappingNames).
func (o *Options) IsPreset(name string) bool {
	own, _ := o.ownMapping(name)
	return own == nil && slices.Contains(tabular.PresetNames(), name)
}

// ownMapping returns the caller's own mapping called name for CSV files and for XLSX files: each
// list's own, or the other list's when it has none; nil and nil when neither has one.
func (o *Options) ownMapping(name string) (csvMap, xlsxMap *tabular.Mapping) {
	find := func(ms []*tabular.Mapping) *tabular.Mapping {
		for _, m := range ms {
			if m != nil && m.Name == name {
				return m
			}
		}
		return nil
	}
	csvMap, xlsxMap = find(o.CSV.Mappings), find(o.XLSX.Mappings)
	if csvMap == nil {
		csvMap = xlsxMap
	}
	if xlsxMap == nil {
		xlsxMap = csvMap
	}
	return csvMap, xlsxMap
}
