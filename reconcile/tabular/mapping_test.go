package tabular_test

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

func TestParseMapping(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want tabular.Mapping
	}{
		{
			name: "json short forms",
			in: `{"name": "mybank", "columns": {"booking_date": "Tarih", "amount": ["Tutar", "İşlem Tutarı"],
				"description": 3, "reference": {"names": ["Ref"], "index": 5}},
				"number_format": "1.234,56", "date_format": "02.01.2006", "separator": ";"}`,
			want: tabular.Mapping{Name: "mybank", Columns: map[tabular.Field]tabular.Column{
				tabular.BookingDate: {Names: []string{"Tarih"}},
				tabular.Amount:      {Names: []string{"Tutar", "İşlem Tutarı"}},
				tabular.Description: {Index: 3},
				tabular.Reference:   {Names: []string{"Ref"}, Index: 5},
			}, NumberFormat: "1.234,56", DateFormat: "02.01.2006", Separator: ";"},
		},
		{
			name: "yaml",
			in: "# comment\nname: y\ncolumns:\n  value_date: Valör\n  debit: [Borç]\n  credit: 5\n" +
				"  description:\n    names: [A, B]\n    join: true\namount_sign: inverted\ncurrency: TRY\n",
			want: tabular.Mapping{Name: "y", Columns: map[tabular.Field]tabular.Column{
				tabular.ValueDate:   {Names: []string{"Valör"}},
				tabular.Debit:       {Names: []string{"Borç"}},
				tabular.Credit:      {Index: 5},
				tabular.Description: {Names: []string{"A", "B"}, Join: true},
			}, AmountSign: "inverted", Currency: "TRY"},
		},
		{
			name: "json with BOM and no header",
			in:   "\ufeff" + `{"no_header": true, "skip_rows": 2, "columns": {"booking_date": 1, "amount": 4}}`,
			want: tabular.Mapping{NoHeader: true, SkipRows: 2, Columns: map[tabular.Field]tabular.Column{
				tabular.BookingDate: {Index: 1}, tabular.Amount: {Index: 4}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tabular.ParseMapping(strings.NewReader(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, *m)
		})
	}
}

func TestParseMappingErrors(t *testing.T) {
	base := `"booking_date": "Tarih", "amount": "Tutar"`
	tests := []struct {
		name, in, want string
	}{
		{"unknown key", `{"columns": {` + base + `}, "numberformat": "1.234,56"}`, `unknown field "numberformat"`},
		{"unknown field", `{"columns": {` + base + `, "saat": "Saat"}}`, "columns.saat: unknown field"},
		{"no date", `{"columns": {"amount": "Tutar"}}`, "needs a booking_date or value_date column"},
		{"no amount", `{"columns": {"booking_date": "Tarih", "debit": "Borç"}}`, "needs an amount column, or debit and credit"},
		{"number format", `{"columns": {` + base + `}, "number_format": "1.500"}`, "number_format: \"1.500\": the separator"},
		{"number format letters", `{"columns": {` + base + `}, "number_format": "1x5"}`, "only digits and the separators"},
		{"date format", `{"columns": {` + base + `}, "date_format": "yesterday"}`, "date_format"},
		{"separator", `{"columns": {` + base + `}, "separator": ":"}`, "separator"},
		{"charset", `{"columns": {` + base + `}, "charset": "ebcdic"}`, "charset"},
		{"currency", `{"columns": {` + base + `}, "currency": "TL"}`, `"TL" is not an ISO 4217 currency code`},
		{"sign", `{"columns": {` + base + `}, "amount_sign": "up"}`, "amount_sign"},
		{"join", `{"columns": {` + base + `, "reference": {"names": ["A"], "join": true}}}`, "join is only for the description"},
		{"no header needs index", `{"no_header": true, "columns": {` + base + `}}`, "needs an index for every column"},
		{"syntax with line", "{\n\"columns\": {\n\"amount\": \"Tutar\",\n}}", "json: line 4"},
		{"yaml list", "- a\n- b\n", "must be a mapping"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tabular.ParseMapping(strings.NewReader(tc.in))
			require.Error(t, err)
			assert.ErrorIs(t, err, tabular.ErrMapping)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestPresetsAreValidAndFresh(t *testing.T) {
	for _, name := range tabular.PresetNames() {
		t.Run(name, func(t *testing.T) {
			m, ok := tabular.Preset(name)
			require.True(t, ok)
			require.NoError(t, m.Validate())
			m.Columns[tabular.Amount] = tabular.Column{Names: []string{"changed"}}
			again, _ := tabular.Preset(name)
			assert.NotEqual(t, "changed", again.Columns[tabular.Amount].Names[0], "a preset is a fresh copy")
		})
	}
	_, ok := tabular.Preset("nope")
	assert.False(t, ok)
}

func TestClone(t *testing.T) {
	m, _ := tabular.Preset("tr")
	c := m.Clone()
	c.Columns[tabular.Amount].Names[0] = "x"
	assert.Equal(t, "Tutar", m.Columns[tabular.Amount].Names[0])
}

// TestREADMEMapping: the mapping file the README shows is one ParseMapping takes, and it reads a file
// with those columns.
func TestREADMEMapping(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	block := regexp.MustCompile("(?s)```json\n(\\{\n  \"name\": \"mybank\".*?\n\\})\n```").FindSubmatch(readme)
	require.NotNil(t, block, "the README's mapping example")
	m, err := tabular.ParseMapping(bytes.NewReader(block[1]))
	require.NoError(t, err)
	require.NoError(t, m.Validate())
	sts, err := build(t, tabular.Options{Mappings: []*tabular.Mapping{m}},
		"Booked on;Money;Details", "20.01.2026;-1.250,50;INV-2026-001 Kumaş", "21.01.2026;99,90;INV-2026-999")
	require.NoError(t, err)
	require.Len(t, sts, 1)
	assert.Equal(t, payment.Currency("TRY"), sts[0].Currency)
	assert.Equal(t, []string{"2026-01-20 d 125050", "2026-01-21 c 9990"}, brief(sts[0]))
	assert.Equal(t, "INV-2026-001 Kumaş", sts[0].Entries[0].Remittance)
}

// TestCheckCharset: the names a file's character set may be given by.
func TestCheckCharset(t *testing.T) {
	for _, ok := range []string{"", "utf-8", "UTF-8", "utf-16", "windows-1254", "latin1", "cp852", "windows-1250", "ISO-8859-2"} {
		assert.NoError(t, tabular.CheckCharset(ok), ok)
	}
	for _, bad := range []string{"klingon", "ebcdic", "utf-9"} {
		err := tabular.CheckCharset(bad)
		assert.ErrorIs(t, err, tabular.ErrCharset, bad)
		assert.ErrorContains(t, err, "windows-1254", bad)
	}
}
