package csv_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden is what a fixture decodes to: the statements, or the error lines.
type golden struct {
	Statements []reconcile.Statement `json:"statements,omitempty"`
	Errors     []string              `json:"errors,omitempty"`
}

func loadMapping(t *testing.T, name string) *tabular.Mapping {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()
	m, err := tabular.ParseMapping(f)
	require.NoError(t, err)
	return m
}

// fixture is a CSV under testdata (the public samples and the synthetic Turkish bank exports
// described in testdata/README.md) with the options it is read with.
type fixture struct {
	file    string
	opts    func(t *testing.T) csv.Options
	wantErr error // nil: must decode
}

var fixtures = []fixture{
	{file: "gls.csv", opts: func(t *testing.T) csv.Options { return csv.Options{Mapping: loadMapping(t, "gls.mapping.json")} }},
	{file: "ubs-ch-fr.csv", opts: func(t *testing.T) csv.Options {
		return csv.Options{Mapping: loadMapping(t, "ubs-ch-fr.mapping.yaml")}
	}},
	{file: "akbank_hesap_1254.csv"},
	{file: "garanti_hesap_bom.csv"},
	{file: "ziraat_borc_alacak_bom.csv", opts: func(*testing.T) csv.Options { return csv.Options{Preset: "tr"} }},
	{file: "vakifbank_ba_1254.csv"},
	{file: "akbank_kart_1254.csv", opts: func(t *testing.T) csv.Options {
		return csv.Options{Mapping: loadMapping(t, "akbank_kart.mapping.json")}
	}},
	{file: "en_paid_in_out.csv", opts: func(*testing.T) csv.Options { return csv.Options{Preset: "en"} }},
	{file: "iso_multi_currency.csv"},
	{file: "halkbank_sep_line.csv", opts: func(*testing.T) csv.Options { return csv.Options{Currency: "TRY"} }},
	{file: "excel_unicode_tab.csv", opts: func(*testing.T) csv.Options { return csv.Options{Currency: "TRY"} }},
	{file: "bad_cells.csv", opts: func(*testing.T) csv.Options { return csv.Options{Currency: "TRY"} }, wantErr: reconcile.ErrParse},
	{file: "ambiguous_amounts.csv", opts: func(*testing.T) csv.Options { return csv.Options{Currency: "TRY"} }, wantErr: reconcile.ErrParse},
	{file: "not_a_statement.csv", wantErr: reconcile.ErrNotStatement},
	{file: "de_sparkasse_camt_latin1.csv"},
	{file: "de_volksbank_soll_haben.csv"},
	{file: "de_dkb_counterparty_kontonummer.csv"},
	{file: "fr_credit_agricole.csv"},
}

// TestPresetsReadThePublicSamples: the German and French presets read the two public samples,
// with no mapping given, as the hand-written mappings of testdata do (the German one joining GLS's
// fourteen purpose columns, the French one reading UBS's Débit/Crédit columns and apostrophe
// thousands). Only the mapping's name differs, and for GLS the account: GLS writes it in a
// "Kontonummer" column, a name other German banks use for the counterparty's account, which the
// preset leaves alone; so the statement has none (the caller's --account, or the run's), and the
// fingerprints, which cover the account, differ.
func TestPresetsReadThePublicSamples(t *testing.T) {
	for _, c := range []struct {
		file, mapping, preset string
		noAccount             bool
	}{
		{"gls.csv", "gls.mapping.json", "de", true},
		{"ubs-ch-fr.csv", "ubs-ch-fr.mapping.yaml", "fr", false},
	} {
		in, err := os.ReadFile(filepath.Join("testdata", c.file))
		require.NoError(t, err)
		want, err := csv.Decode(bytes.NewReader(in), csv.Options{Mapping: loadMapping(t, c.mapping)})
		require.NoError(t, err)
		got, err := csv.Decode(bytes.NewReader(in), csv.Options{})
		require.NoError(t, err, c.file)
		require.Len(t, got, len(want))
		dropCharsetWarning(t, got, want) // the mapping names the charset the preset guesses
		for i := range got {
			assert.Equal(t, c.preset, got[i].Mapping, "%s is read by the %s preset", c.file, c.preset)
			got[i].Mapping = want[i].Mapping
			if c.noAccount {
				assert.Empty(t, got[i].Account)
				got[i].Account = want[i].Account
				for k := range got[i].Entries {
					got[i].Entries[k].Fingerprint = want[i].Entries[k].Fingerprint
				}
			}
		}
		assert.Equal(t, want, got, c.file)
	}
	// Given the account, the preset's statement is the mapping's, fingerprints included.
	in, err := os.ReadFile(filepath.Join("testdata", "gls.csv"))
	require.NoError(t, err)
	want, err := csv.Decode(bytes.NewReader(in), csv.Options{Mapping: loadMapping(t, "gls.mapping.json")})
	require.NoError(t, err)
	got, err := csv.Decode(bytes.NewReader(in), csv.Options{Account: want[0].Account})
	require.NoError(t, err)
	got[0].Mapping = want[0].Mapping
	dropCharsetWarning(t, got, want)
	assert.Equal(t, want, got)
}

// dropCharsetWarning removes from got the warning that the file, not UTF-8, was read as Windows-1254,
// where want (read with the charset named) has none: for these files (Latin-1, German text) both
// read the same letters.
func dropCharsetWarning(t *testing.T, got, want []reconcile.Statement) {
	t.Helper()
	for i := range got {
		if i < len(want) && slices.ContainsFunc(want[i].Warnings, isCharset) {
			continue
		}
		k := slices.IndexFunc(got[i].Warnings, isCharset)
		if k < 0 {
			continue
		}
		assert.Equal(t, "the file is not valid UTF-8; it was read as windows-1254", got[i].Warnings[k].Message)
		got[i].Warnings = slices.Delete(got[i].Warnings, k, k+1)
		if len(got[i].Warnings) == 0 {
			got[i].Warnings = nil
		}
	}
}

func isCharset(w reconcile.Warning) bool { return w.Code == "charset" }

// withoutCharsetWarning returns sts without their warnings that the file was read as Windows-1254.
func withoutCharsetWarning(sts []reconcile.Statement) []reconcile.Statement {
	for i := range sts {
		sts[i].Warnings = slices.DeleteFunc(sts[i].Warnings, isCharset)
		if len(sts[i].Warnings) == 0 {
			sts[i].Warnings = nil
		}
	}
	return sts
}

// TestFixtures decodes every fixture and compares the result with testdata/golden.
func TestFixtures(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range fixtures {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			var opts csv.Options
			if tc.opts != nil {
				opts = tc.opts(t)
			}
			sts, err := csv.Decode(bytes.NewReader(in), opts)
			var got golden
			if tc.wantErr == nil {
				require.NoError(t, err)
				got.Statements = sts
			} else {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.wantErr)
				assert.Nil(t, sts, "nothing is half-read")
				for _, e := range flatten(err) {
					var pe *reconcile.ParseError
					assert.True(t, errors.As(e, &pe), "every problem is a *reconcile.ParseError: %v", e)
					got.Errors = append(got.Errors, e.Error())
				}
			}
			checkGolden(t, strings.TrimSuffix(tc.file, ".csv")+".json", got)
		})
	}
	files, err := filepath.Glob("testdata/*.csv")
	require.NoError(t, err)
	for _, f := range files {
		assert.True(t, seen[filepath.Base(f)], "fixture %s has no test case", f)
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

// TestUserMappings: the mappings of a user's banks (Options.Mappings) are tried before the presets,
// so one set of options reads their exports and every export a preset reads, each as it would alone.
func TestUserMappings(t *testing.T) {
	banks := []*tabular.Mapping{loadMapping(t, "gls.mapping.json"), loadMapping(t, "ubs-ch-fr.mapping.yaml")}
	for _, f := range fixtures {
		if f.wantErr != nil {
			continue
		}
		t.Run(f.file, func(t *testing.T) {
			alone := csv.Options{}
			if f.opts != nil {
				alone = f.opts(t)
			}
			if alone.Mapping != nil && alone.Mapping.Name == "akbank-kart" {
				// Its mapping is not among the banks': it names the Turkish preset's columns (Tarih,
				// Açıklama, Tutar) with inverted signs, so tried first it would read account exports too.
				t.Skip("read with a mapping of its own that would shadow the Turkish preset")
			}
			data, err := os.ReadFile(filepath.Join("testdata", f.file))
			require.NoError(t, err)
			want, err := csv.Decode(bytes.NewReader(data), alone)
			require.NoError(t, err)
			all := alone
			all.Mapping, all.Preset, all.Mappings = nil, "", banks
			got, err := csv.Decode(bytes.NewReader(data), all)
			require.NoError(t, err)
			// gls.mapping.json names iso-8859-1 and the UBS mapping none: a file that is not UTF-8
			// and has the GLS mapping's header is read as ISO-8859-1 (the German exports, Latin-1,
			// read alone by the de preset are read as Windows-1254 with a warning: the same letters).
			want, got = withoutCharsetWarning(want), withoutCharsetWarning(got)
			assert.Equal(t, want, got)
		})
	}
	bad := &tabular.Mapping{Name: "broken", Columns: map[tabular.Field]tabular.Column{tabular.Amount: {Names: []string{"Tutar"}}}}
	_, err := csv.Decode(strings.NewReader("Tarih;Tutar\n01.02.2026;1,00\n"), csv.Options{Mappings: []*tabular.Mapping{bad}})
	assert.ErrorIs(t, err, tabular.ErrMapping, "a mapping without a date column is refused")
}

// TestUserMappingsCharset: the character set and separator of a bank's mapping given in Mappings are
// used, as when it is given alone, and detected when the banks' mappings disagree.
func TestUserMappingsCharset(t *testing.T) {
	bank, err := tabular.ParseMapping(strings.NewReader(`{"name": "latin", "columns": {"booking_date": "Date",
		"amount": "Amount", "description": "Text"}, "charset": "iso-8859-1", "separator": "|", "currency": "EUR"}`))
	require.NoError(t, err)
	file := "Date|Amount|Text\n2026-01-15|-1.00|Caf\xe9 \xdeor \xd0\n"
	read := func(opts csv.Options) string {
		sts, err := csv.Decode(strings.NewReader(file), opts)
		require.NoError(t, err)
		return sts[0].Entries[0].Remittance
	}
	assert.Equal(t, "Café Þor Ð", read(csv.Options{Mapping: bank}))
	assert.Equal(t, "Café Þor Ð", read(csv.Options{Mappings: []*tabular.Mapping{bank}}))
	other := bank.Clone()
	other.Name, other.Charset = "turkish", "windows-1254"
	// Mappings that disagree: the first, in their order, whose header the file has read in its
	// charset gives the charset.
	assert.Equal(t, "Café Þor Ð", read(csv.Options{Mappings: []*tabular.Mapping{bank, other}}))
	assert.Equal(t, "Café Şor Ğ", read(csv.Options{Mappings: []*tabular.Mapping{other, bank}}))
	// A mapping whose header the file does not have gives no charset: the next one does.
	elsewhere := bank.Clone()
	elsewhere.Name, elsewhere.Columns = "elsewhere", map[tabular.Field]tabular.Column{
		tabular.BookingDate: {Names: []string{"Datum"}}, tabular.Amount: {Names: []string{"Betrag"}}}
	assert.Equal(t, "Café Şor Ğ", read(csv.Options{Mappings: []*tabular.Mapping{elsewhere, other, bank}}))
	// The charset is that of the mapping that reads the file, as the builder chooses it: on the same
	// header row the one naming more columns, though it comes later.
	wider := other.Clone()
	wider.Name = "wider"
	wider.Columns[tabular.Reference] = tabular.Column{Names: []string{"Ref"}}
	file = "Date|Amount|Text|Ref\n2026-01-15|-1.00|Caf\xe9 \xdeor \xd0|R1\n"
	sts, err := csv.Decode(strings.NewReader(file), csv.Options{Mappings: []*tabular.Mapping{bank, wider}})
	require.NoError(t, err)
	assert.Equal(t, "Café Şor Ğ", sts[0].Entries[0].Remittance)
	assert.Equal(t, "R1", sts[0].Entries[0].CustomerRef, "the wider mapping reads the file")
}

// TestMappingRowsCountFileLines: a mapping's header_row and skip_rows count the file's lines, blank
// lines and a "sep=" line included, as positions do; the reader leaves blank lines out of the rows it
// hands on, so counting those found the header one line late.
func TestMappingRowsCountFileLines(t *testing.T) {
	const head = "Hesap Sahibi;ACME\nIBAN;TR330006100519786457841326\n\n"
	parse := func(js string) *tabular.Mapping {
		m, err := tabular.ParseMapping(strings.NewReader(js))
		require.NoError(t, err)
		return m
	}
	header := parse(`{"name": "mybank", "header_row": 4, "date_format": "02.01.2006", "currency": "TRY",
		"columns": {"booking_date": "Islem Tarihi", "amount": "Tutar", "description": "Aciklama"}}`)
	noHeader := parse(`{"name": "mybank2", "no_header": true, "skip_rows": 3, "date_format": "02.01.2006", "currency": "TRY",
		"columns": {"booking_date": 1, "description": 2, "amount": 3}}`)
	for name, tc := range map[string]struct {
		m    *tabular.Mapping
		file string
	}{
		"header_row":                {header, head + "Islem Tarihi;Aciklama;Tutar\n15.01.2024;A;1,00\n"},
		"header_row after sep=":     {header, "sep=;\n" + head[:len(head)-1] + "Islem Tarihi;Aciklama;Tutar\n15.01.2024;A;1,00\n"},
		"skip_rows":                 {noHeader, head + "15.01.2024;A;1,00\n"},
		"skip_rows with CRLF lines": {noHeader, strings.ReplaceAll(head+"15.01.2024;A;1,00\n", "\n", "\r\n")},
	} {
		t.Run(name, func(t *testing.T) {
			sts, err := csv.Decode(strings.NewReader(tc.file), csv.Options{Mapping: tc.m})
			require.NoError(t, err)
			require.Len(t, sts, 1)
			require.Len(t, sts[0].Entries, 1)
			e := sts[0].Entries[0]
			assert.Equal(t, int64(100), e.Amount)
			assert.Equal(t, "A", e.Remittance)
		})
	}
	_, err := csv.Decode(strings.NewReader(head+"\nIslem Tarihi;Aciklama;Tutar\n15.01.2024;A;1,00\n"), csv.Options{Mapping: header})
	assert.ErrorIs(t, err, reconcile.ErrNotStatement)
	assert.ErrorContains(t, err, "header row 4 (mapping mybank) is blank")
}

// TestSepLineCROnly: a "sep=" first line ends at its lone "\r" in a file whose lines end so (Excel
// for Mac), as in a file with "\n" line ends.
func TestSepLineCROnly(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "halkbank_sep_line.csv"))
	require.NoError(t, err)
	opts := csv.Options{Currency: "TRY"}
	want, err := csv.Decode(bytes.NewReader(data), opts)
	require.NoError(t, err)
	cr := bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r"))
	got, err := csv.Decode(bytes.NewReader(cr), opts)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i := range want {
		require.Len(t, got[i].Entries, len(want[i].Entries))
		for k := range want[i].Entries {
			assert.Equal(t, want[i].Entries[k].Amount, got[i].Entries[k].Amount)
			assert.Equal(t, want[i].Entries[k].Remittance, got[i].Entries[k].Remittance)
			assert.Equal(t, want[i].Entries[k].Position, got[i].Entries[k].Position)
		}
	}
}
