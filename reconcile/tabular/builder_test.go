package tabular_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// build feeds semicolon-separated lines to a Builder, numbering them from 1. It feeds them to a
// streaming Builder too, and checks that what that hands over is what it returns.
func build(t *testing.T, opts tabular.Options, lines ...string) ([]reconcile.Statement, error) {
	t.Helper()
	if opts.Format == "" {
		opts.Format = "csv"
	}
	feed := func(opts tabular.Options) ([]reconcile.Statement, error) {
		b, err := tabular.NewBuilder(opts)
		require.NoError(t, err)
		for i, l := range lines {
			if !b.Row(i+1, strings.Split(l, ";")) {
				break
			}
		}
		return b.Finish()
	}
	sts, err := feed(opts)
	streamed, serr := reconciletest.Collect(t, func(fn func(*reconcile.Statement, *reconcile.Entry) error) error {
		opts.Stream = fn
		got, err := feed(opts)
		assert.Nil(t, got, "a streaming Builder returns no statements")
		return err
	})
	assert.Equal(t, err, serr, "streaming fails as decoding does")
	if err == nil {
		assert.Equal(t, reconciletest.StripFingerprints(sts), streamed, "streaming hands over what decoding returns")
	}
	return sts, err
}

// brief writes each entry as "date d|c amount" for compact assertions.
func brief(st reconcile.Statement) []string {
	var out []string
	for _, e := range st.Entries {
		d := e.BookingDate
		if d == 0 {
			d = e.ValueDate
		}
		out = append(out, fmt.Sprintf("%s %s %d", d, string(e.Direction[0]), e.Amount))
	}
	return out
}

func mapping(t *testing.T, js string) *tabular.Mapping {
	t.Helper()
	m, err := tabular.ParseMapping(strings.NewReader(js))
	require.NoError(t, err)
	return m
}

func TestDirectionStyles(t *testing.T) {
	try := tabular.Options{Currency: "TRY"}
	tests := []struct {
		name  string
		opts  tabular.Options
		lines []string
		want  []string
	}{
		{"signed amount", try, []string{"Tarih;Açıklama;Tutar", "01.02.2026;a;-1.250,00", "02.02.2026;b;300,00"},
			[]string{"2026-02-01 d 125000", "2026-02-02 c 30000"}},
		{"inverted sign (card)", tabular.Options{Currency: "TRY", Mappings: []*tabular.Mapping{mapping(t,
			`{"columns": {"booking_date": "Tarih", "amount": "Tutar"}, "amount_sign": "inverted", "date_format": "02.01.2006"}`)}},
			[]string{"Tarih;Tutar", "01.02.2026;245,90", "02.02.2026;-2.000,00"},
			[]string{"2026-02-01 d 24590", "2026-02-02 c 200000"}},
		{"debit and credit columns", try, []string{"Tarih;Borç;Alacak", "01.02.2026;1.250,00;", "02.02.2026;;300,00",
			"03.02.2026;0,00;5,00", "04.02.2026;-7,50;"},
			[]string{"2026-02-01 d 125000", "2026-02-02 c 30000", "2026-02-03 c 500", "2026-02-04 d 750"}},
		{"B/A flag", try, []string{"İşlem Tarihi;Tutar;B/A", "01.02.2026;1.250,00;B", "02.02.2026;300,00;A",
			"03.02.2026;5,00;borç", "04.02.2026;-6,00;B"},
			[]string{"2026-02-01 d 125000", "2026-02-02 c 30000", "2026-02-03 d 500", "2026-02-04 d 600"}},
		{"D/C flag, English", tabular.Options{Currency: "USD"}, []string{"Date;Amount;DR/CR", "2026-02-01;1,250.00;DR",
			"2026-02-02;300.00;CR"}, []string{"2026-02-01 d 125000", "2026-02-02 c 30000"}},
		{"custom flags", tabular.Options{Currency: "EUR", Mappings: []*tabular.Mapping{mapping(t,
			`{"columns": {"booking_date": "Datum", "amount": "Betrag", "direction": "S/H"},
			  "debit_flags": ["S", "Soll"], "credit_flags": ["H", "Haben"], "date_format": "DD.MM.YYYY"}`)}},
			[]string{"Datum;Betrag;S/H", "01.02.2026;12,00;S", "02.02.2026;3,00;Haben"},
			[]string{"2026-02-01 d 1200", "2026-02-02 c 300"}},
		{"plus and minus flags", try, []string{"Tarih;Tutar;B/A", "01.02.2026;12,00;-", "02.02.2026;3,00;+"},
			[]string{"2026-02-01 d 1200", "2026-02-02 c 300"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sts, err := build(t, tc.opts, tc.lines...)
			require.NoError(t, err)
			require.Len(t, sts, 1)
			assert.Equal(t, tc.want, brief(sts[0]))
		})
	}
}

func TestHeaderSearch(t *testing.T) {
	sts, err := build(t, tabular.Options{},
		"HESAP HAREKETLERİ",
		"Ad Soyad/Unvan;ÖRNEK A.Ş.",
		"IBAN;TR33 0006 1005 1978 6457 8413 26",
		"Hesap Kesim Tarihi;15.07.2026", // "Tarih" inside a longer name is not the date column
		"Para Birimi;TL",
		"",
		"TARİH;AÇIKLAMA;TUTAR;BAKİYE", // upper case, Turkish İ
		"01.02.2026;a;-1.250,00;8.750,00",
		"TARİH;AÇIKLAMA;TUTAR;BAKİYE", // repeated on a new page
		"02.02.2026;b;300,00;9.050,00",
		"Toplam;;-950,00;",
		"Bu belge elektronik ortamda üretilmiştir.",
	)
	require.NoError(t, err)
	require.Len(t, sts, 1)
	st := sts[0]
	assert.Equal(t, "TR330006100519786457841326", st.Account)
	assert.Equal(t, payment.Currency("TRY"), st.Currency)
	assert.Equal(t, []string{"2026-02-01 d 125000", "2026-02-02 c 30000"}, brief(st))
	assert.Equal(t, []string{"line 8", "line 10"}, []string{st.Entries[0].Position, st.Entries[1].Position})
	assert.True(t, st.HasOpening && st.HasClosing)
	assert.Equal(t, int64(1000000), st.Opening)
	assert.Equal(t, int64(905000), st.Closing)
	assert.Empty(t, st.Warnings)
}

func TestExplicitHeaderRowAndNoHeader(t *testing.T) {
	t.Run("header_row", func(t *testing.T) {
		m := mapping(t, `{"header_row": 2, "columns": {"booking_date": "D", "amount": "A"}, "date_format": "02.01.2006"}`)
		sts, err := build(t, tabular.Options{Currency: "TRY", Mappings: []*tabular.Mapping{m}},
			"D;A", "D;A", "01.02.2026;1,00")
		require.NoError(t, err)
		assert.Equal(t, []string{"2026-02-01 c 100"}, brief(sts[0]))
	})
	t.Run("no_header", func(t *testing.T) {
		m := mapping(t, `{"no_header": true, "skip_rows": 1, "columns": {"booking_date": 1, "description": 3,
			"amount": 4, "balance": 5}, "date_format": "02.01.2006", "currency": "TRY"}`)
		sts, err := build(t, tabular.Options{Mappings: []*tabular.Mapping{m}},
			"Hesap Hareketleri", "01.02.2026;x;EFT;-1,00;9,00", "02.02.2026;x;FAST;2,00;11,00")
		require.NoError(t, err)
		assert.Equal(t, []string{"2026-02-01 d 100", "2026-02-02 c 200"}, brief(sts[0]))
		assert.Equal(t, "EFT", sts[0].Entries[0].Remittance)
		assert.Equal(t, int64(1000), sts[0].Opening)
	})
	t.Run("header_row without the columns", func(t *testing.T) {
		m := mapping(t, `{"header_row": 1, "columns": {"booking_date": "D", "amount": "A"}}`)
		_, err := build(t, tabular.Options{Currency: "TRY", Mappings: []*tabular.Mapping{m}}, "X;Y", "1;2")
		assert.ErrorIs(t, err, reconcile.ErrNotStatement)
		assert.ErrorContains(t, err, "header row 1")
		assert.ErrorContains(t, err, "lacks a date column (D) and an amount column (A)",
			"the mapping's names only, not the debit and credit columns it has none for")
	})
}

func TestColumnDecidesNumberFormat(t *testing.T) {
	t.Run("a later value proves decimal comma", func(t *testing.T) {
		sts, err := build(t, tabular.Options{Currency: "TRY"}, "Tarih;Tutar",
			"01.02.2026;1.500", "02.02.2026;2.000", "03.02.2026;12,50", "04.02.2026;7.000")
		require.NoError(t, err)
		assert.Equal(t, []string{"2026-02-01 c 150000", "2026-02-02 c 200000", "2026-02-03 c 1250",
			"2026-02-04 c 700000"}, brief(sts[0]), "waiting rows keep their order")
	})
	t.Run("a later value proves decimal point", func(t *testing.T) {
		sts, err := build(t, tabular.Options{Currency: "USD"}, "Date;Amount",
			"2026-02-01;1.500", "2026-02-02;12.25")
		require.NoError(t, err)
		assert.Equal(t, []string{"2026-02-01 c 150", "2026-02-02 c 1225"}, brief(sts[0]))
	})
	t.Run("the balance column decides too", func(t *testing.T) {
		sts, err := build(t, tabular.Options{Currency: "TRY"}, "Tarih;Tutar;Bakiye",
			"01.02.2026;1.500;11.500,00")
		require.NoError(t, err)
		assert.Equal(t, []string{"2026-02-01 c 150000"}, brief(sts[0]))
	})
	t.Run("the mapping says", func(t *testing.T) {
		m, _ := tabular.Preset("tr")
		m.NumberFormat = "1.234,56"
		sts, err := build(t, tabular.Options{Currency: "TRY", Mappings: []*tabular.Mapping{m}}, "Tarih;Tutar",
			"01.02.2026;1.500")
		require.NoError(t, err)
		assert.Equal(t, []string{"2026-02-01 c 150000"}, brief(sts[0]))
	})
	t.Run("never decided", func(t *testing.T) {
		_, err := build(t, tabular.Options{Currency: "TRY"}, "Tarih;Tutar", "01.02.2026;1.500", "02.02.2026;200")
		require.Error(t, err)
		var pe *reconcile.ParseError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, 2, pe.Line)
		assert.Equal(t, "Tutar (column 2)", pe.Field)
		assert.ErrorContains(t, err, `ambiguous amount "1.500": 1500.00 if written 1.234,56 or 1.50 if written`)
	})
	t.Run("a value against the decided format", func(t *testing.T) {
		_, err := build(t, tabular.Options{Currency: "TRY"}, "Tarih;Tutar", "01.02.2026;12,50", "02.02.2026;3.25")
		assert.ErrorContains(t, err, `csv: line 3 Tutar (column 2): "3.25": not an amount (expected 1.234,56 or 1 234,56, as decided by "12,50")`)
	})
}

func TestColumnDecidesDateOrder(t *testing.T) {
	sts, err := build(t, tabular.Options{Currency: "USD", Mappings: []*tabular.Mapping{mustPreset("en")}},
		"Date;Amount", "03/04/2026;1.00", "04/04/2026;2.00", "04/15/2026;3.00")
	require.NoError(t, err)
	assert.Equal(t, []string{"2026-03-04 c 100", "2026-04-04 c 200", "2026-04-15 c 300"}, brief(sts[0]))

	_, err = build(t, tabular.Options{Currency: "USD", Mappings: []*tabular.Mapping{mustPreset("en")}},
		"Date;Amount", "03/04/2026;1.00")
	assert.ErrorContains(t, err, `ambiguous date "03/04/2026": 2026-04-03 (day first) or 2026-03-04 (month first)`)

	_, err = build(t, tabular.Options{Currency: "USD", Mappings: []*tabular.Mapping{mustPreset("en")}},
		"Date;Amount", "15/04/2026;1.00", "04/15/2026;2.00")
	assert.ErrorContains(t, err, `line 3 Date (column 1): "04/15/2026": not a date (the dates of this file are day first)`)
}

func mustPreset(name string) *tabular.Mapping {
	m, _ := tabular.Preset(name)
	return m
}

func TestBadCellsHaveExactPositions(t *testing.T) {
	lines := []string{"Tarih;Valör;Açıklama;Borç;Alacak;Bakiye",
		"01.02.2026;01.02.2026;ok;;1,00;1,00",
		"31.02.2026;01.02.2026;bad date;;1,00;2,00",
		"02.02.2026;99.99.2026;bad value date;;1,00;3,00",
		"02.02.2026;02.02.2026;bad debit;1,2,3;;2,00",
		"02.02.2026;02.02.2026;bad balance;;1,00;x",
		"02.02.2026;02.02.2026;both;1,00;2,00;3,00",
		";;no date;1,00;;2,00",
	}
	t.Run("lines", func(t *testing.T) {
		_, err := build(t, tabular.Options{Currency: "TRY"}, lines...)
		require.Error(t, err)
		assert.Equal(t, []string{
			`csv: line 3 Tarih (column 1): "31.02.2026": not a date`,
			`csv: line 4 Valör (column 2): "99.99.2026": not a date`,
			`csv: line 5 Borç (column 4): "1,2,3": not an amount (expected 1.234,56 or 1 234,56, as decided by "1,00")`,
			`csv: line 6 Bakiye (column 6): "x": not an amount (expected 1.234,56 or 1 234,56, as decided by "1,00")`,
			`csv: line 7 Alacak (column 5): both debit "1,00" and credit "2,00" are set`,
			`csv: line 8 Tarih (column 1): no date`,
		}, strings.Split(err.Error(), "\n"))
	})
	t.Run("cells", func(t *testing.T) {
		_, err := build(t, tabular.Options{Currency: "TRY", Format: "xlsx", Sheet: "Hesap Hareketleri"}, lines...)
		require.Error(t, err)
		assert.Equal(t, []string{
			`xlsx: 'Hesap Hareketleri'!A3 Tarih: "31.02.2026": not a date`,
			`xlsx: 'Hesap Hareketleri'!B4 Valör: "99.99.2026": not a date`,
			`xlsx: 'Hesap Hareketleri'!D5 Borç: "1,2,3": not an amount (expected 1.234,56 or 1 234,56, as decided by "1,00")`,
			`xlsx: 'Hesap Hareketleri'!F6 Bakiye: "x": not an amount (expected 1.234,56 or 1 234,56, as decided by "1,00")`,
			`xlsx: 'Hesap Hareketleri'!E7 Alacak: both debit "1,00" and credit "2,00" are set`,
			`xlsx: 'Hesap Hareketleri'!A8 Tarih: no date`,
		}, strings.Split(err.Error(), "\n"))
		var pe *reconcile.ParseError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "'Hesap Hareketleri'!A3", pe.Cell)
	})
}

func TestErrorsAreCapped(t *testing.T) {
	lines := []string{"Tarih;Tutar"}
	for i := 0; i < 500; i++ {
		lines = append(lines, "01.02.2026;not a number")
	}
	_, err := build(t, tabular.Options{Currency: "TRY"}, lines...)
	require.Error(t, err)
	errs := err.(interface{ Unwrap() []error }).Unwrap()
	assert.Len(t, errs, reconcile.MaxErrors+1)
	assert.ErrorContains(t, errs[len(errs)-1], "more than 100 problems")
}

func TestCurrency(t *testing.T) {
	t.Run("unknown is one error", func(t *testing.T) {
		_, err := build(t, tabular.Options{}, "Tarih;Tutar", "01.02.2026;1,00", "02.02.2026;2,00")
		require.Error(t, err)
		assert.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 1)
		assert.ErrorContains(t, err, "currency unknown")
	})
	t.Run("from the amounts", func(t *testing.T) {
		sts, err := build(t, tabular.Options{}, "Tarih;Tutar", "01.02.2026;1,00 TL")
		require.NoError(t, err)
		assert.Equal(t, payment.Currency("TRY"), sts[0].Currency)
	})
	t.Run("amount in another currency", func(t *testing.T) {
		_, err := build(t, tabular.Options{Currency: "TRY"}, "Tarih;Tutar", "01.02.2026;1,00 USD")
		assert.ErrorIs(t, err, reconcile.ErrParse)
		assert.ErrorContains(t, err, `"1,00 USD" is in USD, the statement in TRY`)
	})
	t.Run("one statement per account and currency", func(t *testing.T) {
		sts, err := build(t, tabular.Options{}, "Date;Account;Currency;Amount",
			"2026-02-01;A1;EUR;1.00", "2026-02-01;A2;EUR;2.00", "2026-02-02;A1;USD;3.00", "2026-02-03;A1;EUR;4.00")
		require.NoError(t, err)
		require.Len(t, sts, 3)
		assert.Equal(t, []string{"A1 EUR 2", "A2 EUR 1", "A1 USD 1"}, []string{
			fmt.Sprintf("%s %s %d", sts[0].Account, sts[0].Currency, len(sts[0].Entries)),
			fmt.Sprintf("%s %s %d", sts[1].Account, sts[1].Currency, len(sts[1].Entries)),
			fmt.Sprintf("%s %s %d", sts[2].Account, sts[2].Currency, len(sts[2].Entries))})
	})
	t.Run("a line against the Currency option", func(t *testing.T) {
		_, err := build(t, tabular.Options{Currency: "TRY"}, "Date;Currency;Amount", "2026-02-01;USD;1.00")
		assert.ErrorContains(t, err, "the line is in USD, the statement in TRY")
	})
	t.Run("from the account, when nothing else says it", func(t *testing.T) {
		asked := map[string]int{}
		opts := tabular.Options{AccountCurrency: func(account string) payment.Currency {
			asked[account]++
			return map[string]payment.Currency{"TR330006100519786457841326": "TRY", "A1": "EUR"}[account]
		}}
		// The IBAN of the summary rows above the header.
		sts, err := build(t, opts, "IBAN;TR33 0006 1005 1978 6457 8413 26", "Tarih;Tutar", "01.02.2026;1,00", "02.02.2026;2,00",
			"03.02.2026;3,00", "04.02.2026;4,00")
		require.NoError(t, err)
		require.Len(t, sts, 1)
		assert.Equal(t, 2, asked["TR330006100519786457841326"], "asked once a builder (decoding, streaming), not once a row")
		assert.Equal(t, "TR330006100519786457841326 TRY 4",
			fmt.Sprintf("%s %s %d", sts[0].Account, sts[0].Currency, len(sts[0].Entries)))
		// An account column; a currency the file states wins over the account's.
		sts, err = build(t, opts, "Date;Account;Currency;Amount", "2026-02-01;A1;;1.00", "2026-02-02;A1;USD;3.00")
		require.NoError(t, err)
		require.Len(t, sts, 2)
		assert.Equal(t, []payment.Currency{"EUR", "USD"}, []payment.Currency{sts[0].Currency, sts[1].Currency})
		// The Currency option and the mapping's currency come first: the account is not asked.
		clear(asked)
		opts.Currency = "TRY"
		_, err = build(t, opts, "IBAN;TR33 0006 1005 1978 6457 8413 26", "Tarih;Tutar", "01.02.2026;1,00")
		require.NoError(t, err)
		opts.Currency = ""
		m := mapping(t, `{"columns": {"booking_date": "Tarih", "amount": "Tutar"}, "date_format": "DD.MM.YYYY", "currency": "USD"}`)
		opts.Mappings = []*tabular.Mapping{m}
		sts, err = build(t, opts, "IBAN;TR33 0006 1005 1978 6457 8413 26", "Tarih;Tutar", "01.02.2026;1,00")
		require.NoError(t, err)
		assert.Equal(t, payment.Currency("USD"), sts[0].Currency)
		assert.Empty(t, asked)
		// An account it does not know: the currency is still unknown.
		opts.Mappings = nil
		_, err = build(t, opts, "Date;Account;Amount", "2026-02-01;B9;1.00")
		assert.ErrorIs(t, err, tabular.ErrNoCurrency)
	})
}

func TestBalances(t *testing.T) {
	t.Run("mismatch is a warning", func(t *testing.T) {
		sts, err := build(t, tabular.Options{Currency: "TRY"}, "Tarih;Tutar;Bakiye",
			"01.02.2026;1,00;11,00", "02.02.2026;1,00;15,00")
		require.NoError(t, err)
		require.Len(t, sts[0].Warnings, 1)
		assert.Equal(t, "balance_mismatch", sts[0].Warnings[0].Code)
		assert.Equal(t, int64(300), sts[0].Warnings[0].Difference)
	})
	t.Run("mismatch is an error when strict", func(t *testing.T) {
		_, err := build(t, tabular.Options{Currency: "TRY", Strict: true}, "Tarih;Tutar;Bakiye",
			"01.02.2026;1,00;11,00", "02.02.2026;1,00;15,00")
		assert.ErrorIs(t, err, reconcile.ErrBalanceMismatch)
		var pe *reconcile.ParseError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, 3, pe.Line)
	})
	t.Run("newest first", func(t *testing.T) {
		sts, err := build(t, tabular.Options{Currency: "TRY"}, "Tarih;Tutar;Bakiye",
			"03.02.2026;-5,00;15,00", "02.02.2026;10,00;20,00", "01.02.2026;10,00;10,00")
		require.NoError(t, err)
		assert.Equal(t, int64(0), sts[0].Opening)
		assert.Equal(t, int64(1500), sts[0].Closing)
		assert.Empty(t, sts[0].Warnings)
	})
	t.Run("skipped dated rows are reported", func(t *testing.T) {
		sts, err := build(t, tabular.Options{Currency: "TRY"}, "Tarih;Açıklama;Tutar",
			"01.02.2026;limit değişikliği;", "02.02.2026;x;1,00")
		require.NoError(t, err)
		require.Len(t, sts[0].Warnings, 1)
		assert.Equal(t, "rows_skipped", sts[0].Warnings[0].Code)
		assert.Contains(t, sts[0].Warnings[0].Message, "line 2")
	})
}

func TestNotAStatement(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"empty", nil, "the file has no rows"},
		{"no header", []string{"a;b", "1;2"}, "no header row with a date column and an amount column in the first 40 rows"},
		{"near miss", []string{"Tarih;Açıklama;Kanal", "01.02.2026;x;y"}, "row 1 looks like a header but lacks an amount column"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := build(t, tabular.Options{}, tc.lines...)
			require.Error(t, err)
			assert.True(t, errors.Is(err, reconcile.ErrNotStatement))
			assert.ErrorContains(t, err, tc.want)
		})
	}
	t.Run("header beyond the scan", func(t *testing.T) {
		lines := make([]string, 0, 50)
		for i := 0; i < 45; i++ {
			lines = append(lines, "x")
		}
		lines = append(lines, "Tarih;Tutar", "01.02.2026;1,00")
		_, err := build(t, tabular.Options{Currency: "TRY"}, lines...)
		assert.ErrorIs(t, err, reconcile.ErrNotStatement)
		_, err = build(t, tabular.Options{Currency: "TRY", HeaderScan: 60}, lines...)
		assert.NoError(t, err)
	})
}

func TestEntryFields(t *testing.T) {
	sts, err := build(t, tabular.Options{Currency: "TRY"},
		"Tarih;Valör;Açıklama;Tutar;Referans;Dekont No;Karşı Taraf;Karşı IBAN;İşlem Tipi;Uçtan Uca Referans",
		"01.02.2026;03.02.2026;  EFT GELEN  ;5,00;INV-1;D-9;AYŞE YILMAZ;TR33 0006 1005 1978 6457 8413 26;EFT;E2E-1")
	require.NoError(t, err)
	e := sts[0].Entries[0]
	assert.Equal(t, reconcile.Entry{
		BookingDate: payment.MustDate("2026-02-01"), ValueDate: payment.MustDate("2026-02-03"), Amount: 500,
		Direction: reconcile.Credit, Currency: "TRY", CustomerRef: "INV-1", BankRef: "D-9", EndToEnd: "E2E-1",
		Remittance: "EFT GELEN", CounterpartyName: "AYŞE YILMAZ", CounterpartyIBAN: "TR330006100519786457841326",
		BankTxCode: "EFT", Position: "line 2", Fingerprint: e.Fingerprint,
	}, e)
	assert.Len(t, e.Fingerprint, 24)
}

// TestStatementsDoNotDependOnRowsHint interleaves three statements over enough lines to fill several
// chunks: a right estimate (entries sorted by statement in place), none (chunks copied out) and a
// wrong one must give the same statements, each entry in file order with its own position.
func TestStatementsDoNotDependOnRowsHint(t *testing.T) {
	lines := []string{"Date;Account;Currency;Amount"}
	for i := range 3000 {
		lines = append(lines, fmt.Sprintf("2026-02-%02d;A%d;%s;%d.00", 1+i%28, i%2, []string{"EUR", "USD", "EUR"}[i%3], i+1))
	}
	want, err := build(t, tabular.Options{}, lines...)
	require.NoError(t, err)
	require.Len(t, want, 4)
	total := 0
	for _, st := range want {
		for i, e := range st.Entries {
			assert.Equal(t, st.Currency, e.Currency)
			if i > 0 {
				assert.Less(t, st.Entries[i-1].Amount, e.Amount, "file order")
			}
		}
		total += len(st.Entries)
	}
	assert.Equal(t, 3000, total)
	for _, hint := range []int{3000, 3100, 10, 20_000} {
		t.Run(fmt.Sprint(hint), func(t *testing.T) {
			got, err := build(t, tabular.Options{RowsHint: hint}, lines...)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			for _, st := range got {
				assert.Equal(t, len(st.Entries), cap(st.Entries), "appending to one statement must not overwrite the next")
			}
		})
	}
}

// TestAmountErrorsKeepTheirCause: a bad amount is a ParseError whose cause errors.Is finds.
func TestAmountErrorsKeepTheirCause(t *testing.T) {
	_, err := build(t, tabular.Options{Currency: "EUR"}, "Date;Amount", "2026-01-02;1.00", "2026-01-03;1x")
	require.ErrorIs(t, err, reconcile.ErrAmountSyntax)
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, 3, pe.Line)
}

// TestPreambleAccount: the summary rows above a German or French header name the account and the
// currency, as the Turkish and English ones do: a key with its value in the next cell, or after a
// colon in the same cell, an IBAN written in groups and followed by other words.
func TestPreambleAccount(t *testing.T) {
	tests := []struct {
		name        string
		preamble    []string
		account     string
		currency    payment.Currency
		headerLines []string
	}{
		{"DKB", []string{"Kontonummer:;DE02 1203 0000 0000 2020 51 / Girokonto", "Von:;01.11.2025"}, "DE02120300000000202051", "",
			[]string{"Buchungstag;Betrag (EUR)", "03.11.2025;1.190,00"}},
		{"an IBAN after a colon in its cell", []string{"IBAN: DE02120300000000202051"}, "DE02120300000000202051", "",
			[]string{"Buchungstag;Betrag;Währung", "03.11.2025;1.190,00;EUR"}},
		{"a French account number and currency", []string{"Compte;12345678901", "Devise;EUR"}, "12345678901", "EUR",
			[]string{"Date;Libellé;Montant", "05/01/2026;x;1 234,56"}},
		{"a German currency row", []string{"Konto;4711", "Währung:;EUR"}, "4711", "EUR",
			[]string{"Buchungstag;Betrag", "03.11.2025;-9,90"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tabular.Options{}
			if tc.currency == "" {
				opts.Currency = "EUR"
			}
			sts, err := build(t, opts, append(tc.preamble, tc.headerLines...)...)
			require.NoError(t, err)
			require.Len(t, sts, 1)
			assert.Equal(t, tc.account, sts[0].Account)
			assert.Equal(t, payment.Currency("EUR"), sts[0].Currency)
		})
	}
}

// TestHeaderNamesInParentheses: a header's text in parentheses is left out of the comparison, unless
// the mapping's name has text in parentheses too; such a name takes its column first. The German
// preset reads the Sparkassen's "Kundenreferenz (End-to-End)" as the end-to-end id and the
// Volksbanken's plain "Kundenreferenz" as the reference.
func TestHeaderNamesInParentheses(t *testing.T) {
	de, ok := tabular.Preset("de")
	require.True(t, ok)
	own := &tabular.Mapping{Name: "own", DateFormat: "2006-01-02", Columns: map[tabular.Field]tabular.Column{
		tabular.BookingDate: {Names: []string{"Date"}},
		tabular.Amount:      {Names: []string{"Amount"}},
		tabular.Reference:   {Names: []string{"Ref"}},
		tabular.EndToEndID:  {Names: []string{"Ref (E2E)"}},
	}}
	for _, tc := range []struct {
		name        string
		m           *tabular.Mapping
		header, row string
		amount      int64
		ref, e2e    string
	}{
		{`de: "Betrag" finds "Betrag (EUR)", "Kundenreferenz (End-to-End)" is the end-to-end id`, de,
			"Buchungstag;Betrag (EUR);Kundenreferenz (End-to-End);Verwendungszweck", "01.10.2024;12,50;E2E-1;Miete",
			1250, "", "E2E-1"},
		{`de: a plain "Kundenreferenz" is the reference`, de,
			"Buchungstag;Betrag;Kundenreferenz;Verwendungszweck", "01.10.2024;12,50;INV-7;Miete",
			1250, "INV-7", ""},
		{`own: "Ref (E2E)" takes its column first, "Ref" finds "Ref (customer)"`, own,
			"Date;Ref (E2E);Amount;Ref (customer)", "2024-10-01;E-1;5.00;C-1",
			500, "C-1", "E-1"},
	} {
		sts, err := build(t, tabular.Options{Mappings: []*tabular.Mapping{tc.m}, Currency: "EUR"}, tc.header, tc.row)
		require.NoError(t, err, tc.name)
		e := sts[0].Entries[0]
		assert.Equal(t, tc.amount, e.Amount, tc.name)
		assert.Equal(t, tc.ref, e.CustomerRef, tc.name)
		assert.Equal(t, tc.e2e, e.EndToEnd, tc.name)
	}
}

// TestHeaderScorerHeader: Header names the row a Builder takes for the header and the columns the
// mapping it reads with names there, whatever the mappings' order.
func TestHeaderScorerHeader(t *testing.T) {
	narrow := mapping(t, `{"name": "narrow", "columns": {"booking_date": "Date", "amount": "Amount"}}`)
	wide := mapping(t, `{"name": "wide", "columns": {"booking_date": "Date", "amount": "Amount", "description": "Text"}}`)
	later := mapping(t, `{"name": "later", "header_row": 3, "columns": {"booking_date": "Datum", "amount": "Betrag",
		"description": "Text", "reference": "Ref"}}`)
	split := func(lines ...string) [][]string {
		var rows [][]string
		for _, l := range lines {
			rows = append(rows, strings.Split(l, ";"))
		}
		return rows
	}
	for _, c := range []struct {
		name       string
		maps       []*tabular.Mapping
		rows       [][]string
		row, score int
	}{
		{"the first qualifying row", []*tabular.Mapping{later, narrow},
			split("Report", "Date;Amount;Text", "Datum;Betrag;Text;Ref"), 1, 2},
		{"the mapping naming more columns there", []*tabular.Mapping{narrow, wide},
			split("Report", "Date;Amount;Text"), 1, 3},
		{"a header row set by the mapping", []*tabular.Mapping{later},
			split("Datum;Betrag", "x", "Datum;Betrag;Text;Ref"), 2, 4},
		{"no header", []*tabular.Mapping{narrow, wide}, split("Report", "Datum;Betrag"), -1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			at := tabular.NewHeaderScorer(c.maps).Header(c.rows)
			assert.Equal(t, []int{c.row, c.score}, []int{at.Row, at.Score})
		})
	}
}

// TestWaitingRowsKeepOnlyTheirColumns: rows that wait for the number format to be decided keep the
// cells the layout reads, not a whole sheet row. A row of a few bytes with a value in the last of
// 16,384 columns made every waiting row cost 256 KB: 11 KB of XLSX took 286 MB, and a sheet whose
// amounts all read two ways ("1.500") could ask for hundreds of GB.
func TestWaitingRowsKeepOnlyTheirColumns(t *testing.T) {
	// A sheet's row: in a CSV file a value past the header is an error of its own.
	b, err := tabular.NewBuilder(tabular.Options{Currency: "TRY", Sheet: "Sheet1"})
	require.NoError(t, err)
	require.True(t, b.Row(1, []string{"Tarih", "Tutar"}))
	row := make([]string, 1<<14)
	row[0], row[1], row[len(row)-1] = "01.02.2026", "1.500", "x"
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for n := 2; n <= 1001; n++ {
		require.True(t, b.Row(n, row))
	}
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20))
	_, err = b.Finish()
	assert.ErrorContains(t, err, `Sheet1!B2 Tutar: ambiguous amount "1.500"`)
}

// TestOwnMappingColumnNotFound: a column the caller's own mapping names but the header lacks (a
// misspelt name) is reported, rather than its field silently left empty; the references the
// matcher relies on were lost without a word. Under Strict it is an error at the header row.
func TestOwnMappingColumnNotFound(t *testing.T) {
	own := mapping(t, `{"name": "mine", "columns": {"booking_date": "Tarih", "amount": "Tutar",
		"debit": "Borç", "credit": "Alacak", "reference": ["Refrans", "Ref"], "balance": "Bakiye"},
		"date_format": "DD.MM.YYYY"}`)
	lines := []string{"Hesap No;123", "Tarih;Açıklama;Tutar;Referans;Bakiye", "01.02.2026;a;1.234,56;R-1;1.234,56"}
	sts, err := build(t, tabular.Options{Currency: "TRY", Mappings: []*tabular.Mapping{own}}, lines...)
	require.NoError(t, err)
	require.Len(t, sts, 1)
	assert.Len(t, sts[0].Entries, 1)
	assert.Equal(t, []reconcile.Warning{{Code: tabular.WarningColumnsNotFound,
		Message: "mapping mine: the header (line 2) has no column reference (Refrans, Ref); left empty"}},
		sts[0].Warnings, "debit and credit are the other way of giving the amount: not missing")

	_, err = build(t, tabular.Options{Currency: "TRY", Strict: true, Mappings: []*tabular.Mapping{own}}, lines...)
	assert.EqualError(t, err, "csv: line 2: mapping mine: the header (line 2) has no column reference (Refrans, Ref); left empty")

	sts, err = build(t, tabular.Options{Currency: "TRY"}, lines...)
	require.NoError(t, err)
	assert.Empty(t, sts[0].Warnings, "a preset names many banks' columns; a file has some")
}
