package reconcile_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

const p1 = "pay_01KFBQ0000CSVEN00000000001"

func TestReadPaymentsCSV(t *testing.T) {
	in := "\ufeffstatus,reference,id,currency,amount,value_date,description,extra,from_account,to_account,method\r\n" +
		"," + `INV-1,` + p1 + `,TRY,125050,2026-01-15,"Yılmaz, fatura ""17""",x,acc_own,TR33 0006 1005 1978 6457 8413 26,eft` + "\r\n" +
		"\r\n" +
		"processing,,pay_2,EUR,1,,,,,,\r\n"
	ps, err := reconcile.ReadPayments(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, ps, 2)
	assert.Equal(t, reconcile.Payment{ID: p1, Amount: 125050, Currency: "TRY", Method: payment.MethodEFT,
		FromAccount: "acc_own", ToAccount: "TR330006100519786457841326", Reference: "INV-1",
		Description: `Yılmaz, fatura "17"`, ValueDate: payment.MustDate("2026-01-15"), Status: payment.StatusSettled,
		EndToEnd: "CSVEN00000000001"}, ps[0])
	assert.Equal(t, payment.StatusProcessing, ps[1].Status)
	assert.Empty(t, ps[1].EndToEnd, "an id that is not pay_ + ULID has no end-to-end key")
}

func TestReadPaymentsCSVErrors(t *testing.T) {
	const head = "id,amount,currency,value_date,status,method\n"
	tests := []struct {
		name, in string
		line     int
		field    string
		contains string
	}{
		{"empty file", "", 0, "", "empty"},
		{"missing column", "id,currency\npay_1,TRY\n", 1, "amount", "required column is missing"},
		{"column twice", "id,amount,currency,amount\n", 1, "amount", "twice"},
		{"decimal amount", head + "pay_1,12.50,TRY,,,\n", 2, "amount", `"12.50" is not a positive whole number`},
		{"zero amount", head + "pay_1,0,TRY,,,\n", 2, "amount", "positive"},
		{"negative amount", head + "pay_1,-5,TRY,,,\n", 2, "amount", "positive"},
		{"unknown currency", head + "pay_1,5,TRL,,,\n", 2, "currency", "TRL"},
		{"no such day", head + "pay_1,5,TRY,2026-02-30,,\n", 2, "value_date", "2026-02-30"},
		{"unknown status", head + "pay_1,5,TRY,,paid,\n", 2, "status", `"paid"`},
		{"unknown method", head + "pay_1,5,TRY,,,swift\n", 2, "method", `"swift"`},
		{"empty id", head + ",5,TRY,,,\n", 2, "id", "empty"},
		{"duplicate id", head + "pay_1,5,TRY,,,\npay_2,5,TRY,,,\npay_1,6,TRY,,,\n", 4, "id", "already on line 2"},
		// A quoting error names its column: in a long line, which of its quotes is wrong.
		{"bad quoting", head + "pay_1,5,TRY,\"2026,,\n", 2, "value_date", `extraneous or missing "`},
		{"bare quote", "id,amount,currency,description\npay_1,5,TRY,\"ok\"\npay_2,5,TRY,5\" boru\n", 3, "description", `bare "`},
		{"bare quote past the header", head + "pay_1,5,TRY,,,eft,x\"\n", 2, "column 7", `bare "`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := reconcile.ReadPayments(strings.NewReader(tt.in))
			require.Error(t, err)
			assert.Nil(t, ps, "nothing is returned from a file with problems")
			assert.ErrorIs(t, err, reconcile.ErrParse)
			var pe *reconcile.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, reconcile.FormatPaymentsCSV, pe.Format)
			assert.Equal(t, tt.line, pe.Line)
			assert.Equal(t, tt.field, pe.Field)
			assert.Contains(t, err.Error(), tt.contains)
		})
	}
	t.Run("every problem is reported", func(t *testing.T) {
		_, err := reconcile.ReadPayments(strings.NewReader(head + "pay_1,x,TRY,,,\npay_2,5,XXX,,,\n"))
		require.Error(t, err)
		var lines []int
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			var pe *reconcile.ParseError
			if errors.As(e, &pe) {
				lines = append(lines, pe.Line)
			}
		}
		assert.Equal(t, []int{2, 3}, lines)
	})
	t.Run("a duplicate id beside other problems", func(t *testing.T) {
		_, err := reconcile.ReadPayments(strings.NewReader(head + "pay_1,x,TRY,,,\npay_2,5,TRY,,,\npay_2,6,TRY,,,\n"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `line 2 amount: "x" is not`)
		assert.Contains(t, err.Error(), "line 4 id: pay_2 is already on line 3", "found in the same reading, not in the next one")
	})
}

func TestReadPaymentsJSON(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"array", `[{"id":"` + p1 + `","status":"settled","amount":125050,"currency":"TRY","method":"eft","from_account":"acc_own",
			"to_account":"acc_v","reference":"INV-1","value_date":"2026-01-15","created_at":"2026-01-15T09:00:00Z"}]`},
		{"page", ` {"has_more":false,"data":[{"id":"` + p1 + `","amount":125050,"currency":"TRY","method":"eft","from_account":"acc_own",
			"to_account":"acc_v","reference":"INV-1","value_date":"2026-01-15"}]}`},
		// Windows tools (PowerShell's Out-File -Encoding utf8, Notepad) start a UTF-8 file with a byte
		// order mark: the file is still JSON, not a CSV with a strange header.
		{"byte order mark", "\ufeff" + `[{"id":"` + p1 + `","amount":125050,"currency":"TRY","method":"eft","from_account":"acc_own",
			"to_account":"acc_v","reference":"INV-1","value_date":"2026-01-15"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := reconcile.Payment{ID: p1, Amount: 125050, Currency: "TRY", Method: payment.MethodEFT,
				FromAccount: "acc_own", ToAccount: "acc_v", Reference: "INV-1", ValueDate: payment.MustDate("2026-01-15"),
				Status: payment.StatusSettled, EndToEnd: "CSVEN00000000001"}
			ps, err := reconcile.ReadPayments(strings.NewReader(tt.in))
			require.NoError(t, err)
			require.Len(t, ps, 1)
			assert.Equal(t, want, ps[0])
			ps, err = reconcile.ReadPaymentsJSON(strings.NewReader(tt.in))
			require.NoError(t, err)
			assert.Equal(t, []reconcile.Payment{want}, ps)
		})
	}
	bad := []struct {
		name, in, field string
	}{
		{"not a list", `{"data":5}`, ""},
		{"no data", `{"x":1}`, "data"},
		{"amount type", `[{"id":"p","amount":"12","currency":"TRY"}]`, "[0].amount"},
		{"zero amount", `[{"id":"p","amount":0,"currency":"TRY"}]`, "[0].amount"},
		{"currency", `[{"id":"p","amount":1,"currency":"TL"}]`, "[0].currency"},
		{"status", `[{"id":"p","amount":1,"currency":"TRY","status":"done"}]`, "[0].status"},
		{"duplicate", `[{"id":"p","amount":1,"currency":"TRY"},{"id":"p","amount":2,"currency":"TRY"}]`, "[1].id"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := reconcile.ReadPayments(strings.NewReader(tt.in))
			var pe *reconcile.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, reconcile.FormatPaymentsJSON, pe.Format)
			assert.Equal(t, tt.field, pe.Field)
		})
	}
}

func TestReadAccounts(t *testing.T) {
	as, err := reconcile.ReadAccounts(strings.NewReader("iban,id,name,currency\nTR33 0006 1005 1978 6457 8413 26,acc_1,Acme,TRY\n,acc_2,Kasa,TRY\n"))
	require.NoError(t, err)
	require.Len(t, as, 2)
	assert.Equal(t, payment.Account{ID: "acc_1", Name: "Acme", Currency: "TRY", IBAN: "TR330006100519786457841326",
		Type: payment.AccountInternal}, as[0])

	_, err = reconcile.ReadAccounts(strings.NewReader("id,iban\nacc_1,TR330006100519786457841327\n"))
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "iban", pe.Field)
	assert.Equal(t, 2, pe.Line)
	assert.NotContains(t, err.Error(), "TR330006100519786457841327", "IBANs are masked in errors")
}

// TestReadAccountsRefusesBrokenIBANs: a value that starts like an IBAN (an IBAN country's code and two
// check digits, or any two letters and two digits in a long value) and is not a valid one is refused at
// its line and column, however short; a plain bank account number is kept, without spaces.
func TestReadAccountsRefusesBrokenIBANs(t *testing.T) {
	for _, tc := range []struct{ iban, reason string }{
		{"DE00 1234", "starts like an IBAN but DE…1234 has 8 characters; DE IBANs have 22"},
		{"de89 3704", "starts like an IBAN but DE…3704 has 8 characters; DE IBANs have 22"},
		{"TR33-0006-1005", "starts like an IBAN but TR…1005 contains characters other than letters and digits"},
		{"GB12", "starts like an IBAN but **** is too short"},
		{"TR330006100519786457841327", "starts like an IBAN but TR…1327 fails the mod-97 check"},
		{"XX330006100519786457841326", "starts like an IBAN but XX…1326 has an unknown country code XX"},
	} {
		t.Run(tc.iban, func(t *testing.T) {
			_, err := reconcile.ReadAccounts(strings.NewReader("id,iban\nacc_1,TR330006100519786457841326\nacc_2," + tc.iban + "\n"))
			var pe *reconcile.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, 3, pe.Line)
			assert.Equal(t, "iban", pe.Field)
			assert.EqualError(t, pe.Err, tc.reason)
		})
	}
	as, err := reconcile.ReadAccounts(strings.NewReader("id,iban\n" +
		"acc_1,0001 2345 6789\n" + // a plain account number
		"acc_2,US12 3456\n" + // US accounts have no IBANs: two letters and two digits are not a country code here
		"acc_3,AB12-34\n" +
		"acc_4,12DE00\n"))
	require.NoError(t, err)
	var got []string
	for _, a := range as {
		got = append(got, a.IBAN)
	}
	assert.Equal(t, []string{"000123456789", "US123456", "AB12-34", "12DE00"}, got)
}

func TestAccountCurrencies(t *testing.T) {
	of := reconcile.AccountCurrencies([]payment.Account{
		{ID: "acc_01KF0E44M00009WDVSQ5ZM0001", Currency: "TRY", IBAN: "TR330006100519786457841326"},
		{ID: "acc_01KF0E44M00009WDVSQ5ZM0002", Currency: "EUR"},
	})
	for account, want := range map[string]payment.Currency{
		"TR330006100519786457841326":       "TRY",
		"tr33 0006 1005 1978 6457 8413 26": "TRY", // as a preamble or a user writes it
		"acc_01KF0E44M00009WDVSQ5ZM0002":   "EUR",
		"acc_01KF0E44M00009WDVSQ5ZM0003":   "",
		"DE89370400440532013000":           "",
		"":                                 "",
	} {
		assert.Equal(t, want, of(account), account)
	}
	t.Run("an IBAN of two currencies", func(t *testing.T) {
		of := reconcile.AccountCurrencies([]payment.Account{
			{ID: "acc_1", Currency: "TRY", IBAN: "TR330006100519786457841326"},
			{ID: "acc_2", Currency: "EUR", IBAN: "TR33 0006 1005 1978 6457 8413 26"},
			{ID: "acc_3", Currency: "EUR", IBAN: "DE89370400440532013000"},
			{ID: "acc_4", Currency: "EUR", IBAN: "DE89370400440532013000"},
			{ID: "acc_5", IBAN: "DE89370400440532013000"},
			{ID: "acc_6", Currency: "TRY", IBAN: "TR330006100519786457841326"},
		})
		assert.Empty(t, of("TR330006100519786457841326"), "which of the two, the statement must say")
		assert.Equal(t, payment.Currency("TRY"), of("acc_1"))
		assert.Equal(t, payment.Currency("EUR"), of("DE89370400440532013000"), "two accounts of one currency agree, one of none says nothing")
	})
}

// TestReadAccountsRefusesAmbiguity: an accounts file that gives one id twice, or one IBAN to accounts
// of two currencies, is refused at the later line: a CSV or XLSX export that names only its IBAN
// would otherwise be read in whichever currency came last, and none of its entries matched.
func TestReadAccountsRefusesAmbiguity(t *testing.T) {
	const head = "id,name,currency,iban\n"
	for _, tt := range []struct{ name, in, field, reason string }{
		{"one IBAN, two currencies", head + "acc_1,Operating TRY,TRY,TR330006100519786457841326\n" +
			"acc_2,Operating EUR,EUR,TR33 0006 1005 1978 6457 8413 26\n", "iban", "TR…1326 is already on line 2, an account in TRY, not EUR"},
		{"one id twice", head + "acc_1,Operating TRY,TRY,TR330006100519786457841326\nacc_1,Kasa,TRY,\n", "id", "acc_1 is already on line 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := reconcile.ReadAccounts(strings.NewReader(tt.in))
			var pe *reconcile.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, 3, pe.Line)
			assert.Equal(t, tt.field, pe.Field)
			assert.EqualError(t, pe.Err, tt.reason)
		})
	}
	// An account of unknown currency first on the IBAN does not let two currencies share it after.
	_, err := reconcile.ReadAccounts(strings.NewReader(head + "acc_0,Old,,TR330006100519786457841326\n" +
		"acc_1,Operating TRY,TRY,TR330006100519786457841326\nacc_2,Operating EUR,EUR,TR330006100519786457841326\n"))
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe, "TRY and EUR on one IBAN after an account of no currency")
	assert.Equal(t, 4, pe.Line)
	assert.Equal(t, "iban", pe.Field)
	assert.EqualError(t, pe.Err, "TR…1326 is already on line 3, an account in TRY, not EUR")

	as, err := reconcile.ReadAccounts(strings.NewReader(head + "acc_1,Vendor,TRY,TR330006100519786457841326\n" +
		"acc_2,Vendor (again),TRY,TR330006100519786457841326\nacc_3,Cash,TRY,\nacc_4,Cash,TRY,\n" +
		"acc_5,Vendor (unknown),,TR330006100519786457841326\n"))
	require.NoError(t, err, "an IBAN two accounts of one currency share, and accounts without one, are fine")
	assert.Len(t, as, 5)
}

// TestReadPaymentsJSONWholeFile: a payments JSON file is read to its end. One cut off after a whole
// payment, two files run together, or a page of the API that says more payments follow holds only
// some of the payments: each is refused with why, rather than reconciled with payments missing.
func TestReadPaymentsJSONWholeFile(t *testing.T) {
	const a, b = `{"id":"pay_1","amount":5,"currency":"TRY"}`, `{"id":"pay_2","amount":7,"currency":"TRY"}`
	for _, tt := range []struct{ name, in, contains string }{
		{"cut off after a payment", "[" + a + "," + b, "cut off"},
		{"cut off after a comma", "[" + a + ",", "cut off"},
		{"page cut off", `{"data":[` + a + "]", "cut off"},
		{"two arrays", "[" + a + "]\n[" + b + "]", "goes on after"},
		{"text after the array", "[" + a + "] x", "goes on after"},
		{"more pages, after the data", `{"data":[` + a + `],"has_more":true}`, "more payments follow"},
		{"more pages, before the data", `{"has_more":true,"data":[` + a + `]}`, "more payments follow"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := reconcile.ReadPayments(strings.NewReader(tt.in))
			assert.Nil(t, ps)
			require.ErrorIs(t, err, reconcile.ErrParse)
			assert.Contains(t, err.Error(), tt.contains)
		})
	}
	for _, in := range []string{"[" + a + "," + b + "]\n", `{"data":[` + a + "," + b + `],"has_more":false}`, " [" + a + "," + b + "]  \r\n\t"} {
		ps, err := reconcile.ReadPayments(strings.NewReader(in))
		require.NoError(t, err, in)
		assert.Len(t, ps, 2, in)
	}
}

// TestReadPaymentsJSONEveryProblem: as in a CSV file, every payment of a JSON file with a problem is
// named, with the field: a value date that is not a date and an amount that is not a whole number of
// minor units do not hide the problems of the payments after them.
func TestReadPaymentsJSONEveryProblem(t *testing.T) {
	in := `[{"id":"pay_1","amount":5,"currency":"TRY","value_date":"2026-13-01"},
		{"id":"pay_2","amount":12.5,"currency":"TRY"},
		{"id":"pay_3","amount":5,"currency":"TRY","value_date":"2026-01-05"},
		{"id":"pay_4","amount":-5,"currency":"TRY"}]`
	_, err := reconcile.ReadPayments(strings.NewReader(in))
	require.ErrorIs(t, err, reconcile.ErrParse)
	var got []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var pe *reconcile.ParseError
		require.ErrorAs(t, e, &pe)
		got = append(got, pe.Field+": "+pe.Err.Error())
	}
	assert.Equal(t, []string{
		`[0].value_date: "2026-13-01" is not a date (YYYY-MM-DD)`,
		"[1].amount: number 12.5 is not a positive whole number of minor units",
		"[3].amount: -5 is not a positive number of minor units",
	}, got)
}
