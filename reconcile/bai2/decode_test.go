package bai2_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/bai2"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestPublicSample decodes moov-io/bai2's sample1 (two groups of one Canadian account) against its
// golden file: 17 entries, directions from the type codes, value dates from the V funds type, and
// control totals that add up (no warning).
func TestPublicSample(t *testing.T) {
	in, err := os.ReadFile("testdata/moov-bai2_sample1.txt")
	require.NoError(t, err)
	sts, err := bai2.Decode(bytes.NewReader(in), bai2.Options{})
	require.NoError(t, err)
	require.Len(t, sts, 2)
	for _, st := range sts {
		assert.Empty(t, st.Warnings, "the control totals add up")
		assert.Equal(t, payment.Currency("CAD"), st.Currency)
	}
	assert.Len(t, sts[0].Entries, 11)
	assert.Len(t, sts[1].Entries, 6)
	got, err := json.MarshalIndent(sts, "", "  ")
	require.NoError(t, err)
	reconciletest.Golden(t, filepath.Join("testdata", "golden", "moov-bai2_sample1.json"), append(got, '\n'), *update)
}

// full has what a bank's file may hold: a USD group (the default currency), ledger balances, every
// funds type, text with commas continued in an 88 record, a bank's own type code, a non-monetary
// 890 detail and a detail of no amount; then a second account in EUR.
const full = `01,BANKUS33,CUSTID,251124,0600,FILE42,,,2/
02,CUSTID,BANKUS33,1,251124,2359,,2/
03,000123456789,,010,+000000100000,,,015,+000000129150,,/
88,100,000000040000,3,0/
16,165,000000025000,V,251123,1200,BR-001,INV-2025-0042,ACH CREDIT ACME CORP, ORDER 7/
88,FINAL PAYMENT FOR PO 991
16,475,000000005000,S,000000001000,000000002000,000000002000,BR-002,CHK 1044,CHECK PAID/
16,195,000000015000,D,2,0,000000010000,1,000000005000,BR-003,,INCOMING WIRE/
16,901,000000000150,0,BR-004,,BANK OWN CODE INTEREST/
16,890,000000000000,,BR-005,,NOTE: BALANCE CERTIFIED/
16,165,000000000000,Z,BR-006,,ZERO CREDIT/
16,699,000000006000,,BR-007,FEE-11,SERVICE FEE/
49,+000000320300,11/
03,DE89370400440532013000,EUR,015,-000000001000,,/
16,451,000000001000,0,BR-9,E2E-1,SEPA DEBIT/
49,-000000000000,3/
98,+000000320300,2,16/
99,+000000320300,1,18/
`

func TestFull(t *testing.T) {
	sts, err := bai2.Decode(strings.NewReader(full), bai2.Options{TypeCodes: map[string]reconcile.Direction{"901": reconcile.Credit}})
	require.NoError(t, err)
	require.Len(t, sts, 2)
	usd := sts[0]
	assert.Equal(t, "000123456789", usd.Account)
	assert.Equal(t, payment.Currency("USD"), usd.Currency, "a group that names no currency is in USD")
	assert.Equal(t, payment.NewDate(2025, 11, 24), usd.From)
	assert.True(t, usd.HasOpening && usd.HasClosing)
	assert.Equal(t, int64(100000), usd.Opening)
	assert.Equal(t, int64(129150), usd.Closing)
	require.Len(t, usd.Entries, 5, "890 and the detail of no amount are no entries")
	e := usd.Entries[0]
	assert.Equal(t, reconcile.Credit, e.Direction)
	assert.Equal(t, int64(25000), e.Amount)
	assert.Equal(t, payment.NewDate(2025, 11, 23), e.ValueDate, "V gives the value date")
	assert.Equal(t, payment.NewDate(2025, 11, 24), e.BookingDate, "the as-of date")
	assert.Equal(t, "BR-001", e.BankRef)
	assert.Equal(t, "INV-2025-0042", e.CustomerRef)
	assert.Equal(t, "ACH CREDIT ACME CORP, ORDER 7 FINAL PAYMENT FOR PO 991", e.Remittance, "commas kept, the 88 text joined")
	assert.Equal(t, "165", e.BankTxCode)
	assert.Equal(t, "line 5", e.Position)
	assert.Equal(t, reconcile.Debit, usd.Entries[1].Direction)
	assert.Equal(t, "CHK 1044", usd.Entries[1].CustomerRef, "the S funds type's three amounts are skipped")
	assert.Equal(t, "BR-003", usd.Entries[2].BankRef, "the D funds type's distributions are skipped")
	assert.Equal(t, reconcile.Credit, usd.Entries[3].Direction, "901 as Options.TypeCodes says")
	assert.Equal(t, reconcile.Debit, usd.Entries[4].Direction)
	require.Len(t, usd.Warnings, 1)
	assert.Equal(t, "zero_amount", usd.Warnings[0].Code)
	for _, e := range usd.Entries {
		assert.NotEmpty(t, e.Fingerprint)
	}

	eur := sts[1]
	assert.Equal(t, payment.Currency("EUR"), eur.Currency, "the account's own currency")
	assert.Equal(t, int64(-1000), eur.Closing, "balances are signed")
	assert.False(t, eur.HasOpening)
	require.Len(t, eur.Entries, 1)
	assert.Equal(t, "E2E-1", eur.Entries[0].CustomerRef)
	assert.Empty(t, eur.Warnings)
}

// specSample is the BAI2 specification's own sample (moov-io/bai2 test/testdata/sample2.txt): the
// 16 record of line 5 ends with "/" after its customer reference, so the 88 after it starts the next
// field, the text, rather than going on with the reference.
const specSample = `01,122099999,123456789,040621,0200,1,65,,2/
02,031001234,122099999,1,040620,2359,,2/
03,4589761203,,010,10000000,,,040,5000000,,,074,4000000,,/
88,400,50000000,,,100,60000000,,,110,20000000,,,072,1000000,,/
16,218,20000000,V,040622,,SP4738,YRC065321/
88,PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO/
16,195,10000000,1,,,/
49,180000000,6/
98,180000000,1,8/
99,180000000,1,10/
`

// TestContinuedFields: an 88 record after a 16 record goes on with the text when the text has
// begun (joined after a space) and otherwise starts the fields still to come (joined after a
// comma), however many fields the funds type brings; the physical records are counted either way
// and an entry's position is the line of its 16 record.
func TestContinuedFields(t *testing.T) {
	sts, err := bai2.Decode(strings.NewReader(specSample), bai2.Options{})
	require.NoError(t, err)
	require.Len(t, sts, 1)
	assert.Empty(t, sts[0].Warnings, "the trailers count the 88 records")
	require.Len(t, sts[0].Entries, 2)
	e := sts[0].Entries[0]
	assert.Equal(t, "SP4738", e.BankRef)
	assert.Equal(t, "YRC065321", e.CustomerRef)
	assert.Equal(t, "PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO", e.Remittance)
	assert.Equal(t, payment.NewDate(2004, 6, 22), e.ValueDate)
	assert.Equal(t, "line 5", e.Position)
	assert.Equal(t, "line 7", sts[0].Entries[1].Position)

	head := "01,A,B,251124,0600,1,,,2/\n02,B,A,1,251124,,USD/\n03,1,,/\n"
	asOf := payment.NewDate(2025, 11, 24)
	for _, c := range []struct {
		name, details    string
		physical         int // the details' physical records
		bank, cust, text string
		value            payment.Date
	}{
		{"text begun", "16,165,100,0,BR,CR,FIRST/\n88,SECOND/\n88,THIRD/\n", 3, "BR", "CR", "FIRST SECOND THIRD", asOf},
		{"text begun, empty", "16,165,100,0,BR,CR,/\n88,TEXT/\n", 2, "BR", "CR", "TEXT", asOf},
		{"text begun, no slash", "16,165,100,0,BR,CR,TEXT, WITH COMMA\n88,MORE/\n", 2, "BR", "CR", "TEXT, WITH COMMA MORE", asOf},
		{"after the funds type", "16,165,100,0/\n88,BR,CR,TEXT/\n", 2, "BR", "CR", "TEXT", asOf},
		{"after the bank reference", "16,165,100,0,BR/\n88,CR/\n88,TEXT/\n88,MORE/\n", 4, "BR", "CR", "TEXT MORE", asOf},
		{"value date spilled", "16,165,100,V/\n88,251120,1200,BR,CR,TEXT/\n", 2, "BR", "CR", "TEXT", payment.NewDate(2025, 11, 20)},
		{"value time spilled", "16,165,100,V,251120/\n88,1200/\n88,BR,CR,TEXT/\n", 3, "BR", "CR", "TEXT", payment.NewDate(2025, 11, 20)},
		{"availability spilled", "16,165,100,S,10,20/\n88,70,BR,CR,TEXT/\n", 2, "BR", "CR", "TEXT", asOf},
		{"distributions spilled", "16,165,100,D,2,0,60/\n88,1,40,BR/\n88,CR/\n88,TEXT/\n", 4, "BR", "CR", "TEXT", asOf},
		{"distribution count spilled", "16,165,100,D/\n88,1,0,100,BR,CR,TEXT/\n", 2, "BR", "CR", "TEXT", asOf},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := c.physical
			tail := fmt.Sprintf("49,+100,%d/\n98,+100,1,%d/\n99,+100,1,%d/\n", n+2, n+4, n+6)
			sts, err := bai2.Decode(strings.NewReader(head+c.details+tail), bai2.Options{Strict: true})
			require.NoError(t, err, "the trailers count every physical record")
			require.Len(t, sts, 1)
			require.Len(t, sts[0].Entries, 1)
			e := sts[0].Entries[0]
			assert.Equal(t, c.bank, e.BankRef)
			assert.Equal(t, c.cust, e.CustomerRef)
			assert.Equal(t, c.text, e.Remittance)
			assert.Equal(t, c.value, e.ValueDate)
			assert.Equal(t, "line 4", e.Position)
		})
	}
}

// TestRecordTooLong: a record longer than a bank's ever is (one line, or a line and its 88
// continuations) ends the decode with one error at its line, before it costs its size in memory.
func TestRecordTooLong(t *testing.T) {
	head := "01,A,B,251124,0600,1,,,2/\n02,B,A,1,251124,,USD/\n03,1,,/\n"
	long := strings.Repeat("X", 70<<10)
	for name, details := range map[string]string{
		"one line":      "16,195,100,0,BR1,CR1," + long + "\n",
		"continuations": "16,195,100,0,BR1,CR1,A\n" + strings.Repeat("88,"+long[:8<<10]+"\n", 9),
	} {
		_, err := bai2.Decode(strings.NewReader(head+details+"49,100,2/\n98,100,1,4/\n99,100,1,6/\n"), bai2.Options{})
		require.Error(t, err, name)
		joined, ok := err.(interface{ Unwrap() []error })
		require.True(t, ok, name)
		require.Len(t, joined.Unwrap(), 1, "%s: the one cause, not what follows from the cut: %v", name, err)
		assert.ErrorContains(t, err, "a record longer than 65536 bytes", name)
	}
	ok := head + "16,195,100,0,BR1,CR1," + strings.Repeat("X", 64<<10-len("16,195,100,0,BR1,CR1,")) + "\n" +
		"49,100,2/\n98,100,1,4/\n99,100,1,6/\n"
	_, err := bai2.Decode(strings.NewReader(ok), bai2.Options{})
	assert.NoError(t, err, "a record of exactly 64 KiB is read")
}

// TestControlTotals: an account whose trailer does not add up is a warning, and an error under Strict;
// so is a balance mismatch.
func TestControlTotals(t *testing.T) {
	bad := strings.Replace(full, "49,+000000320300,11/", "49,+000000320301,10/", 1)
	opts := bai2.Options{TypeCodes: map[string]reconcile.Direction{"901": reconcile.Credit}}
	sts, err := bai2.Decode(strings.NewReader(bad), opts)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"control_total_mismatch: account 000123456789: account control total 320301, but the account's amounts add up to 320300",
		"control_total_mismatch: account 000123456789: the trailer counts 10 records, but the account has 11",
		"zero_amount: 1 transaction details of no amount were left out",
	}, warnings(sts[0]))
	opts.Strict = true
	_, err = bai2.Decode(strings.NewReader(bad), opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bai2: line 13 49 control total: account control total 320301")

	unbalanced := strings.Replace(full, "015,+000000129150", "015,+000000129151", 1)
	unbalanced = strings.Replace(unbalanced, "49,+000000320300,11/", "49,+000000320301,11/", 1)
	unbalanced = strings.Replace(unbalanced, "98,+000000320300,", "98,+000000320301,", 1)
	unbalanced = strings.Replace(unbalanced, "99,+000000320300,", "99,+000000320301,", 1)
	_, err = bai2.Decode(strings.NewReader(unbalanced), opts)
	require.ErrorIs(t, err, reconcile.ErrBalanceMismatch)
	assert.Contains(t, err.Error(), "bai2: line 3 03 closing ledger (015)", "the line of the 03 record the balance is on")
	opts.Strict = false
	sts, err = bai2.Decode(strings.NewReader(unbalanced), opts)
	require.NoError(t, err)
	assert.Equal(t, "balance_mismatch", sts[0].Warnings[len(sts[0].Warnings)-1].Code)

	// An account block lost from the middle of the file: every account left adds up, the group and
	// file trailers do not.
	lost := strings.Replace(full, "03,DE89370400440532013000,EUR,015,-000000001000,,/\n16,451,000000001000,0,BR-9,E2E-1,SEPA DEBIT/\n49,-000000000000,3/\n", "", 1)
	sts, err = bai2.Decode(strings.NewReader(lost), opts)
	require.NoError(t, err)
	require.Len(t, sts, 1)
	assert.Equal(t, []string{
		"zero_amount: 1 transaction details of no amount were left out",
		"control_total_mismatch: group of line 2: the trailer counts 2 accounts, but there are 1",
		"control_total_mismatch: group of line 2: the trailer counts 16 records, but there are 13",
		"control_total_mismatch: file: the trailer counts 18 records, but there are 15",
	}, warnings(sts[0]))
	opts.Strict = true
	_, err = bai2.Decode(strings.NewReader(lost), opts)
	assert.ErrorContains(t, err, "bai2: line 14 98: group of line 2: the trailer counts 2 accounts, but there are 1")
}

// TestErrors: every problem is a ParseError with its line and record field, collected rather than
// stopping at the first; a file that is not BAI2 is one ErrNotStatement.
func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
		notStmt  bool
	}{
		{"not bai2", "date,amount\n2025-01-01,5\n", []string{`bai2: line 1: reconcile: not a bank statement: a BAI2 file starts with a 01 file header record`}, true},
		{"empty", "", []string{`bai2: line 1: reconcile: not a bank statement: a BAI2 file starts with a 01 file header record`}, true},
		{"cut short", "01,A,B,251124,0600,1,,,2/\n02,B,A,1,251124,,USD/\n03,1,,/\n16,165,100,0,,,X/\n",
			[]string{`bai2: line 3 03: account 1 has no 49 trailer: the file is cut short`}, false},
		{"no file trailer", "01,A,B,251124,0600,1,,,2/\n02,B,A,1,251124,,USD/\n03,1,,/\n49,+100,2/\n98,+100,1,4/\n",
			[]string{`bai2: line 1 01: the file has no 99 trailer: it is cut short`}, false},
		{"bad fields", "01,A,B,251124,0600,1,,,2/\n02,B,A,1,251324,,USX/\n03,1,,/\n16,165,12.50,0,,,X/\n16,901,100,0,,,Y/\n16,165,100,Q,,,Z/\n17,x/\n49,+0,6/\n98,+0,1,8/\n99,+0,1,10/\n",
			[]string{
				`bai2: line 2 02 as-of date: "251324": no such date`,
				`bai2: line 2 02 currency: "USX": not an ISO 4217 currency code`,
				`bai2: line 4 16 amount: "12.50": not an amount (digits in the currency's smallest unit, no decimal point)`,
				`bai2: line 5 16 type code: 901: the bank's own code (700–999), neither a credit (100–399) nor a debit (400–699): no direction for the type code`,
				`bai2: line 6 16 funds type: "Q": not 0, 1, 2, V, S, D or Z`,
				`bai2: line 7: "17": not a BAI2 record type (01, 02, 03, 16, 49, 88, 98, 99)`,
			}, false},
		{"test group", "01,A,B,251124,0600,1,,,2/\n02,B,A,4,251124,,USD/\n03,1,,/\n49,+0,2/\n98,+0,1,4/\n99,+0,1,6/\n",
			[]string{`bai2: line 2 02 group status: 4 (test only): a test file, not a report of the account`}, false},
		{"detail outside an account", "01,A,B,251124,0600,1,,,2/\n02,B,A,1,251124,,USD/\n16,165,100,0,,,X/\n98,+0,0,2/\n99,+0,1,4/\n",
			[]string{`bai2: line 3 16: a transaction detail outside an account (no 03 record before it)`}, false},
		{"version 3", "01,A,B,251124,0600,1,,,3/\n99,+0,0,2/\n", []string{`bai2: line 1 01 version: "3": this reads version 2 of the BAI format`}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sts, err := bai2.Decode(strings.NewReader(c.in), bai2.Options{})
			require.Error(t, err)
			assert.Nil(t, sts, "nothing is half-read")
			assert.ErrorIs(t, err, reconcile.ErrParse)
			assert.Equal(t, c.notStmt, errors.Is(err, reconcile.ErrNotStatement))
			assert.Equal(t, strings.Join(c.want, "\n"), err.Error())
		})
	}
}

// warnings lists a statement's warnings as "code: message".
func warnings(st reconcile.Statement) []string {
	var out []string
	for _, w := range st.Warnings {
		out = append(out, w.Code+": "+w.Message)
	}
	return out
}

// TestOwnTypeCodes: the bank's own codes without a direction are listed once each, in file order; a
// status code where a detail code belongs is an error too, but not one a direction mends.
func TestOwnTypeCodes(t *testing.T) {
	in := "01,A,B,251124,0600,1,,,2/\n02,B,A,1,251124,,USD/\n03,1,,/\n16,905,100,0,,,X/\n16,010,100,0,,,Y/\n" +
		"16,901,100,0,,,Z/\n16,905,100,0,,,W/\n49,+400,6/\n98,+400,1,8/\n99,+400,1,10/\n"
	_, err := bai2.Decode(strings.NewReader(in), bai2.Options{})
	require.ErrorIs(t, err, bai2.ErrTypeCode)
	assert.Equal(t, []string{"905", "901"}, bai2.OwnTypeCodes(err))
	var tc *bai2.TypeCodeError
	require.ErrorAs(t, err, &tc)
	assert.Equal(t, bai2.TypeCodeError{Code: "905", Own: true}, *tc)
	assert.ErrorContains(t, err, "line 5 16 type code: 010: a status code (001–099) where a transaction detail code belongs")

	_, err = bai2.Decode(strings.NewReader(in), bai2.Options{TypeCodes: map[string]reconcile.Direction{
		"901": reconcile.Credit, "905": reconcile.Debit}})
	require.ErrorIs(t, err, bai2.ErrTypeCode, "010 still has none")
	assert.Empty(t, bai2.OwnTypeCodes(err))
	assert.Empty(t, bai2.OwnTypeCodes(nil))
}

// TestCharset: text that is not UTF-8 is read as ISO-8859-1 with a warning, unless Options.Charset
// names the file's code page; an unknown name is a ParseError of the option.
func TestCharset(t *testing.T) {
	in := "01,A,B,251124,0600,1,,,2/\n02,B,A,1,251124,,USD/\n03,1,,/\n16,165,100,0,,,Zap\xb3ata/\n49,+100,3/\n98,+100,1,5/\n99,+100,1,7/\n"
	sts, err := bai2.Decode(strings.NewReader(in), bai2.Options{})
	require.NoError(t, err)
	assert.Equal(t, "Zap³ata", sts[0].Entries[0].Remittance)
	assert.Equal(t, []string{reconcile.WarningCharset}, codes(sts[0].Warnings))
	sts, err = bai2.Decode(strings.NewReader(in), bai2.Options{Charset: "windows-1250"})
	require.NoError(t, err)
	assert.Equal(t, "Zapłata", sts[0].Entries[0].Remittance)
	assert.Empty(t, sts[0].Warnings)
	_, err = bai2.Decode(strings.NewReader(in), bai2.Options{Charset: "klingon"})
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Options.Charset", pe.Field)
}

func codes(ws []reconcile.Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Code)
	}
	return out
}

// TestRecordsNotOnLines: a file whose records are not each on a line of their own (fixed-length
// 80-character records with no line breaks, as some banks' mainframes send) is refused with one
// error that says so, not with a version error for the text that runs on into the next record.
func TestRecordsNotOnLines(t *testing.T) {
	records := []string{"01,A,B,251124,0600,1,080,,2/", "02,B,A,1,251124,,USD/", "03,1,,/", "16,165,100,0,,,X/",
		"49,+100,3/", "98,+100,1,5/", "99,+100,1,7/"}
	var fixed, runOn strings.Builder
	for _, r := range records {
		fixed.WriteString(r + strings.Repeat(" ", 80-len(r)))
		runOn.WriteString(r)
	}
	for name, in := range map[string]string{"fixed-length": fixed.String(), "run on": runOn.String()} {
		t.Run(name, func(t *testing.T) {
			sts, err := bai2.Decode(strings.NewReader(in), bai2.Options{})
			require.Error(t, err)
			assert.Nil(t, sts)
			assert.ErrorIs(t, err, reconcile.ErrParse)
			assert.Equal(t, `bai2: line 1 01: the 01 file header goes on after the "/" that ends it: `+
				`each record must be on a line of its own (fixed-length records with no line breaks are not read)`, err.Error())
		})
	}
	// The same records, each on its line and padded to 80 characters, are read.
	var lines strings.Builder
	for _, r := range records {
		lines.WriteString(r + strings.Repeat(" ", 80-len(r)) + "\n")
	}
	sts, err := bai2.Decode(strings.NewReader(lines.String()), bai2.Options{})
	require.NoError(t, err)
	require.Len(t, sts, 1)
	assert.Len(t, sts[0].Entries, 1)
}
