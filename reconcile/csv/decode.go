package csv

import (
	"bufio"
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/internal/charset"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// Format is the value of Statement.Format and ParseError.Format for this decoder.
const Format = "csv"

// DefaultMaxLineBytes caps one line of the file, so a file without line breaks cannot exhaust memory.
const DefaultMaxLineBytes = 1 << 20

// Options configure Decode. The zero value reads any file one of the built-in presets recognises.
type Options struct {
	// Mapping says where the columns are; nil means Preset, or when that is empty every built-in
	// preset (tabular.PresetNames), the one whose header is found first winning.
	Mapping *tabular.Mapping
	Preset  string
	// Mappings, when neither Mapping nor Preset is set, are tried before the presets: the exports
	// of a user's banks, each in its own mapping. Their character set and separator are used when
	// they all name the same. Otherwise the separator is detected, and so is the character set,
	// except that a file that is not UTF-8 is read in the character set of the first of them whose
	// header it has when read in that character set.
	Mappings []*tabular.Mapping
	// Account and Currency override what the file says.
	Account  string
	Currency payment.Currency
	// AccountCurrency, when set, gives the currency of a statement whose file says none, from its
	// account ("" when the file names none either); it must be safe for concurrent use. See
	// tabular.Options.
	AccountCurrency func(account string) payment.Currency
	// Strict makes statement warnings (a balance that does not add up, skipped rows) errors.
	Strict bool
	// Charset overrides the mapping's: "utf-8", "utf-16", "windows-1254", "iso-8859-9",
	// "iso-8859-1", "windows-1252", "iso-8859-2", "cp852", or any other IANA name ("windows-1250",
	// "latin2"). Empty detects: a BOM, valid UTF-8, otherwise Windows-1254. A file whose first 64 KiB
	// are plain ASCII but that is not UTF-8 further on is read again as Windows-1254 by Decode when
	// its input is an io.Seeker (a file, bytes.Reader, io.SectionReader); Stream refuses it.
	Charset string
	// MaxLineBytes caps one line; 0 means DefaultMaxLineBytes.
	MaxLineBytes int

	guessedCharset bool // Charset was chosen by Decode, not the caller: the statements say so
}

// errNotUTF8 is the error of a record with invalid UTF-8 in a file read as UTF-8.
var errNotUTF8 = errors.New("not valid UTF-8 text; set the Charset option (windows-1254 for Turkish files)")

// errLineTooLong is returned by recordReader for a line longer than its max.
var errLineTooLong = errors.New("line longer than the limit")

// open is what Decode and Stream do before the first record: it chooses the mappings, detects
// the character set, reads a "sep=" line, detects the separator, and returns the builder (streaming
// to stream when it is set; presized from the input's size when not), the record reader (watching
// UTF-8 when the charset was guessed as UTF-8) and the number of lines already read.
func open(r io.Reader, opts Options, stream func(*reconcile.Statement, *reconcile.Entry) error) (
	*tabular.Builder, *recordReader, int, error) {
	maps, err := tabular.ChooseFrom(opts.Mapping, opts.Preset, opts.Mappings)
	if err != nil {
		return nil, nil, 0, err
	}
	// The character set and the separator of the caller's own mappings (Mapping, Preset, or all of
	// Mappings when they agree), not of the presets tried after Mappings.
	own := maps
	userMaps := opts.Mapping == nil && opts.Preset == "" && len(opts.Mappings) > 0
	if userMaps {
		own = opts.Mappings
	}
	raw := bufio.NewReaderSize(r, 64<<10)
	cs := opts.Charset
	if cs == "" {
		cs = agreed(own, func(m *tabular.Mapping) string { return m.Charset })
	}
	if cs == "" && userMaps { // they disagree, or name none
		cs = ownCharset(raw, own)
	}
	// A first block of plain ASCII (no BOM either) says nothing of the charset: a file taken for UTF-8
	// from it is read again by Decode when a later line is not UTF-8.
	asciiHead := false
	if cs == "" {
		h, _ := raw.Peek(64 << 10)
		asciiHead = len(h) == 64<<10 && isASCII(h)
	}
	text, checkUTF8, guessed, err := decoder(raw, cs)
	if err != nil {
		return nil, nil, 0, err
	}
	guessed = guessed || opts.guessedCharset
	asciiHead = asciiHead && checkUTF8
	maxLine := opts.MaxLineBytes
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
	}
	in := bufio.NewReaderSize(text, 64<<10)
	head, _ := in.Peek(64 << 10)

	lineOffset := 0
	var sep rune
	if s := agreed(own, func(m *tabular.Mapping) string { return m.Separator }); s != "" {
		sep = own[0].SeparatorRune()
	}
	if s, n := sepLine(head); s != 0 {
		if sep == 0 {
			sep = s
		}
		if _, err := in.Discard(n); err != nil {
			return nil, nil, 0, readError(1, err)
		}
		head = head[n:]
		lineOffset = 1
	}

	// The builder first: it allocates the entries (RowsHint) while the separator is detected.
	topts := tabular.Options{
		Format: Format, Mappings: maps, Account: opts.Account, Currency: opts.Currency,
		AccountCurrency: opts.AccountCurrency, Strict: opts.Strict, Stream: stream,
	}
	if guessed {
		topts.FileWarnings = []reconcile.Warning{reconcile.CharsetWarning(charset.Turkish)}
	}
	if stream == nil {
		topts.RowsHint = rowsHint(r, head)
	}
	b, err := tabular.NewBuilder(topts)
	if err != nil {
		return nil, nil, 0, err
	}
	if sep == 0 {
		sep = detectSeparator(head, maps)
	}
	records := newRecordReader(in, sep)
	records.max = maxLine
	records.keep = stream == nil
	if checkUTF8 {
		records.utf8 = &utf8Watch{}
	}
	records.asciiHead = asciiHead
	return b, records, lineOffset, nil
}

// isASCII reports whether b holds only 7-bit bytes.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// Decode reads a CSV bank export into statements (one per account and currency in the file). It reads
// the stream once, in constant memory apart from the entries it returns; for a file too large to
// hold its entries, use Stream. Past its first block (64 KiB), once the header is found and the
// number format decided, a file is read on GOMAXPROCS goroutines, with the same result as reading
// it line by line. Every problem is a *reconcile.ParseError with its line and column;
// they are collected (up to reconcile.MaxErrors) and returned joined, with no statements: nothing is
// half-read. A file in which no header row is found fails with one error that matches
// reconcile.ErrNotStatement.
func Decode(r io.Reader, opts Options) ([]reconcile.Statement, error) {
	start, seekable := offset(r)
	b, records, lineOffset, err := open(r, opts, nil)
	if err != nil {
		return nil, err
	}
	if err := readRows(b, records, lineOffset); err != nil {
		// A file whose first block is plain ASCII was taken for UTF-8; if a later line is not, the file
		// is in the Turkish code page after all (its first Turkish letter came late): read it again so,
		// as a file whose first block shows it is, when the input can be read again.
		if seekable && records.asciiHead && errors.Is(err, errNotUTF8) {
			if _, serr := r.(io.Seeker).Seek(start, io.SeekStart); serr == nil {
				opts.Charset, opts.guessedCharset = charset.Turkish, true
				return Decode(r, opts)
			}
		}
		return nil, err
	}
	return b.Finish()
}

// offset returns where a seekable input is now, so that it can be read again from there.
func offset(r io.Reader) (int64, bool) {
	sk, ok := r.(io.Seeker)
	if !ok {
		return 0, false
	}
	off, err := sk.Seek(0, io.SeekCurrent)
	return off, err == nil
}

// readRows feeds every record to b, numbering lines after lineOffset, until the input ends or b
// needs no more. Once b has settled and more is left than the first block, the rest is read on
// every core (parallel.go); b says when it may be (never when it streams). The error is one the
// reading itself meets: a read error, a line over the limit, invalid UTF-8.
func readRows(b *tabular.Builder, records *recordReader, lineOffset int) error {
	checkUTF8 := records.utf8 != nil
	last := lineOffset
	parallel := parallelEnabled && runtime.GOMAXPROCS(0) > 1
	for {
		rec, line, err := records.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				last = records.lines + lineOffset // the line that is too long is the next one
			}
			return readError(last+1, err)
		}
		line += lineOffset
		last = line
		// The reader has seen every byte of rec: only once it saw invalid UTF-8 somewhere are the
		// records checked one by one, to report the first bad one.
		if checkUTF8 && records.utf8.invalid && !validUTF8(rec) {
			return &reconcile.ParseError{Format: Format, Line: line, Err: errNotUTF8}
		}
		if !b.Row(line, rec) {
			return nil
		}
		if parallel && records.err == nil && b.Settled() {
			parallel = false
			readParallel(b, records, lineOffset)
			last = records.lines + lineOffset
		}
	}
}

// rowsHint estimates the number of lines when the size of the input is known (bytes.Reader,
// strings.Reader, io.SectionReader as detect.Decode passes, a regular *os.File): size over the mean
// line length of the head, plus a margin. 0 when unknown.
func rowsHint(r io.Reader, head []byte) int {
	size, ok := inputSize(r)
	lines := bytes.Count(head, []byte{'\n'})
	if !ok || lines < 8 {
		return 0
	}
	return int(size/int64(len(head)/lines))*21/20 + 16
}

// inputSize is what is left to read of r, when r knows: its Size, or for a regular file (Stat and
// Seek, as *os.File has) the file's size less the current offset.
func inputSize(r io.Reader) (int64, bool) {
	switch f := r.(type) {
	case interface{ Size() int64 }:
		return f.Size(), true
	case interface {
		Stat() (fs.FileInfo, error)
		io.Seeker
	}:
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return 0, false
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil || off > fi.Size() {
			return 0, false
		}
		return fi.Size() - off, true
	}
	return 0, false
}

func readError(line int, err error) error {
	if errors.Is(err, errLineTooLong) {
		return &reconcile.ParseError{Format: Format, Line: line, Err: err}
	}
	return &reconcile.ParseError{Format: Format, Line: line, Err: fmt.Errorf("reading: %w", err)}
}

func validUTF8(rec []string) bool {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return false
		}
	}
	return true
}

// decoder returns the text of the file as UTF-8. It strips a byte-order mark. checkUTF8 says the
// charset was guessed as UTF-8 from the first 64 KiB, so later invalid bytes must be reported;
// guessed, that no charset was named and the first 64 KiB are not UTF-8, so they are read as
// Windows-1254.
func decoder(raw *bufio.Reader, charsetName string) (text io.Reader, checkUTF8, guessed bool, err error) {
	head, _ := raw.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		if _, err := raw.Discard(3); err != nil {
			return nil, false, false, readError(0, err)
		}
		if charsetName == "" {
			return raw, true, false, nil
		}
	case charset.UTF16BOM(head) != nil:
		if charsetName == "" || strings.EqualFold(charsetName, "utf-16") {
			return transform.NewReader(raw, charset.UTF16BOM(head).NewDecoder()), false, false, nil
		}
	}
	var enc encoding.Encoding
	switch {
	case charsetName == "":
		head, _ = raw.Peek(64 << 10)
		if enc := utf16Order(head); enc != nil {
			return transform.NewReader(raw, enc.NewDecoder()), false, false, nil
		}
		if validPrefix(head) {
			return raw, true, false, nil
		}
		enc, guessed = charset.TurkishEncoding, true
	case strings.EqualFold(charsetName, "utf-16"):
		return transform.NewReader(raw, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()), false, false, nil
	default:
		var err error
		if enc, err = charset.Lookup(charsetName); err != nil {
			return nil, false, false, fmt.Errorf("csv: %w: %w", tabular.CheckCharset(charsetName), tabular.ErrMapping)
		}
		if enc == nil {
			return raw, true, false, nil // UTF-8
		}
	}
	return transform.NewReader(raw, enc.NewDecoder()), false, guessed, nil
}

// ownCharset chooses the character set of a file that the caller's mappings disagree on: when the
// file's head is not UTF-8, the charset of the mapping that would read the file among those that
// name an 8-bit one, each trying the head read in its own charset. As the builder chooses, that is
// the mapping whose header comes first in the file, the one naming more columns on the same row,
// the first in their order on a tie. "" leaves the choice to detection, as when no mapping finds its
// header that way.
func ownCharset(raw *bufio.Reader, own []*tabular.Mapping) string {
	head, _ := raw.Peek(64 << 10)
	if validPrefix(head) {
		return ""
	}
	cs, best := "", tabular.HeaderAt{Row: -1}
	for _, m := range own {
		if m.Charset == "" || strings.EqualFold(m.Charset, "utf-16") {
			continue // none, or UTF-16 (its BOM or its zero bytes decide)
		}
		enc, err := charset.Lookup(m.Charset)
		if err != nil || enc == nil {
			continue // an unknown name (Validate refuses it), or UTF-8
		}
		text, err := enc.NewDecoder().Bytes(head)
		if err != nil {
			continue
		}
		one := []*tabular.Mapping{m}
		sep := m.SeparatorRune()
		if sep == 0 {
			sep = detectSeparator(text, one)
		}
		if at := tabular.NewHeaderScorer(one).Header(headRows(text, sep)); at.Before(best) {
			cs, best = m.Charset, at
		}
	}
	return cs
}

// validPrefix is utf8.Valid for a buffer that may end inside a character.
func validPrefix(b []byte) bool {
	for i := 0; i < 3 && len(b) > 0 && !utf8.FullRune(b[max(0, len(b)-utf8.UTFMax):]); i++ {
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// utf16Order spots UTF-16 without a BOM: text in which most characters have a zero high byte, at
// odd offsets (little-endian) or even ones (big-endian). It returns nil for anything else.
func utf16Order(b []byte) encoding.Encoding {
	if len(b) < 16 {
		return nil
	}
	b = b[:min(len(b), 4096)&^1]
	var even, odd int
	for i := 0; i < len(b); i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	half := len(b) / 2
	switch {
	case odd > half*7/10 && even < half/10:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	case even > half*7/10 && odd < half/10:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	}
	return nil
}

// sepLine reads Excel's "sep=;" first line; n is its length with the line break (a lone "\r" in a
// file whose lines end so, as the record reader reads them).
func sepLine(head []byte) (sep rune, n int) {
	if !bytes.HasPrefix(bytes.ToLower(head[:min(len(head), 4)]), []byte("sep=")) || len(head) < 5 {
		return 0, 0
	}
	end := bytes.IndexByte(head, '\n')
	if end < 0 {
		end = bytes.IndexByte(head, '\r')
	}
	if end < 0 {
		end = len(head) - 1
	}
	return rune(head[4]), end + 1
}

// agreed returns what field says of every mapping of maps, when it says the same of all; "" when it
// does not, or when there is no mapping.
func agreed(maps []*tabular.Mapping, field func(*tabular.Mapping) string) string {
	if len(maps) == 0 {
		return ""
	}
	v := field(maps[0])
	for _, m := range maps[1:] {
		if field(m) != v {
			return ""
		}
	}
	return v
}

// detectSeparator reads the first rows with each candidate separator and keeps the one under which a
// header row is found naming the most columns. With no header under any, it keeps the separator
// that splits the first lines into the most consistent number of fields, so the "no header" error
// shows sensible columns.
func detectSeparator(head []byte, maps []*tabular.Mapping) rune {
	best, bestScore := rune(0), 0
	fallback, fallbackScore := ';', -1
	scorer := tabular.NewHeaderScorer(maps)
	for _, sep := range []rune{';', ',', '\t', '|'} {
		rows := headRows(head, sep)
		if s := scorer.Score(rows); s > bestScore {
			best, bestScore = sep, s
		}
		if s := consistency(rows); s > fallbackScore {
			fallback, fallbackScore = sep, s
		}
	}
	if best != 0 {
		return best
	}
	return fallback
}

func headRows(head []byte, sep rune) [][]string {
	cr := stdcsv.NewReader(bytes.NewReader(head))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var rows [][]string
	for len(rows) < tabular.DefaultHeaderScan {
		rec, err := cr.Read()
		if err != nil {
			break
		}
		// encoding/csv leaves blank lines out: an empty row stands for each, so that row i is line
		// i+1, as a mapping's header_row counts.
		line, _ := cr.FieldPos(0)
		for len(rows) < line-1 && len(rows) < tabular.DefaultHeaderScan {
			rows = append(rows, nil)
		}
		rows = append(rows, rec)
	}
	return rows
}

// consistency scores how evenly sep splits rows: the count of rows that have the most common
// number of fields, when that number is above one.
func consistency(rows [][]string) int {
	counts := map[int]int{}
	for _, r := range rows {
		if len(r) > 1 {
			counts[len(r)]++
		}
	}
	best := 0
	for _, c := range counts {
		best = max(best, c)
	}
	return best
}

// utf8Watch checks a stream read in chunks for invalid UTF-8; a character split between two chunks
// is checked whole. invalid is sticky.
type utf8Watch struct {
	invalid bool
	tail    [utf8.UTFMax]byte // the start of a character the last chunk ended inside
	nt      int
}

func (w *utf8Watch) scan(b []byte, eof bool) {
	if w.invalid {
		return
	}
	if w.nt > 0 {
		var tmp [2 * utf8.UTFMax]byte
		c := append(append(tmp[:0], w.tail[:w.nt]...), b[:min(len(b), utf8.UTFMax)]...)
		if !utf8.FullRune(c) {
			w.nt = copy(w.tail[:], c)
			w.invalid = eof
			return
		}
		r, size := utf8.DecodeRune(c)
		if r == utf8.RuneError && size <= 1 {
			w.invalid = true
			return
		}
		b, w.nt = b[size-w.nt:], 0
	}
	cut := len(b)
	for i := len(b) - 1; i >= max(0, len(b)-(utf8.UTFMax-1)); i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				cut = i
			}
			break
		}
	}
	w.nt = copy(w.tail[:], b[cut:])
	w.invalid = !utf8.Valid(b[:cut]) || (eof && w.nt > 0)
}
