package mt940_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/mt940"
)

// wrap puts fields into a minimal statement: :20: on line 1, :25: line 2, :28C: line 3, :60F: line 4,
// so the first field of body is on line 5.
func wrap(ccy, body string) string {
	return ":20:REF1\n:25:TR330006100519786457841326\n:28C:1/1\n:60F:C240101" + ccy + "1000,00\n" + body
}

func decodeOne(t *testing.T, text string, opts mt940.Options) reconcile.Statement {
	t.Helper()
	sts, err := mt940.Decode(strings.NewReader(text), opts)
	require.NoError(t, err)
	require.Len(t, sts, 1)
	return sts[0]
}

func TestStatementLineGrammar(t *testing.T) {
	d := payment.MustDate
	tests := []struct {
		name, ccy, line string
		want            reconcile.Entry
		fields          map[string]string
	}{
		{name: "value and entry date, debit, decimals", line: "2407170718D1234,56NTRFREF-1//BANK-1",
			want: reconcile.Entry{ValueDate: d("2024-07-17"), BookingDate: d("2024-07-18"), Amount: 123456, Direction: reconcile.Debit, BankTxCode: "NTRF", CustomerRef: "REF-1", BankRef: "BANK-1"}},
		{name: "credit without entry date", line: "240717C5,00NMSCNONREF",
			want: reconcile.Entry{ValueDate: d("2024-07-17"), Amount: 500, Direction: reconcile.Credit, BankTxCode: "NMSC", CustomerRef: "NONREF"}},
		{name: "amount 9, has no decimals", line: "1105240524D9,N192NONREF",
			want: reconcile.Entry{ValueDate: d("2011-05-24"), BookingDate: d("2011-05-24"), Amount: 900, Direction: reconcile.Debit, BankTxCode: "N192", CustomerRef: "NONREF"}},
		{name: "one decimal", line: "1105220523D11,8N426NONREF",
			want: reconcile.Entry{ValueDate: d("2011-05-22"), BookingDate: d("2011-05-23"), Amount: 1180, Direction: reconcile.Debit, BankTxCode: "N426", CustomerRef: "NONREF"}},
		{name: "zero amount", line: "240312C0,00NDEFNONREF//",
			want: reconcile.Entry{ValueDate: d("2024-03-12"), Amount: 0, Direction: reconcile.Credit, BankTxCode: "NDEF", CustomerRef: "NONREF"}},
		{name: "CR is credit with funds code R, not a reversal", line: "0709070904CR50990,05NTRFNONREF//0724710333343453",
			want: reconcile.Entry{ValueDate: d("2007-09-07"), BookingDate: d("2007-09-04"), Amount: 5099005, Direction: reconcile.Credit, BankTxCode: "NTRF", CustomerRef: "NONREF", BankRef: "0724710333343453"}},
		{name: "DR is debit with funds code R", line: "0709040904DR0,08NTRFTFNr 40001 MSGID//0724710345316116",
			want: reconcile.Entry{ValueDate: d("2007-09-04"), BookingDate: d("2007-09-04"), Amount: 8, Direction: reconcile.Debit, BankTxCode: "NTRF", CustomerRef: "TFNr 40001 MSGID", BankRef: "0724710345316116"}},
		{name: "RC reversal of a credit is a debit", line: "2407170717RC100,00NTRFREF//B",
			want: reconcile.Entry{ValueDate: d("2024-07-17"), BookingDate: d("2024-07-17"), Amount: 10000, Direction: reconcile.Debit, Reversal: true, BankTxCode: "NTRF", CustomerRef: "REF", BankRef: "B"}},
		{name: "RD reversal of a debit is a credit", line: "240717RD100,00NTRFREF",
			want: reconcile.Entry{ValueDate: d("2024-07-17"), Amount: 10000, Direction: reconcile.Credit, Reversal: true, BankTxCode: "NTRF", CustomerRef: "REF"}},
		{name: "RD with funds code", line: "240717RDY100,00NTRFREF",
			want: reconcile.Entry{ValueDate: d("2024-07-17"), Amount: 10000, Direction: reconcile.Credit, Reversal: true, BankTxCode: "NTRF", CustomerRef: "REF"}},
		{name: "four spaces for no entry date, DD is debit with funds code D", line: "240312    DD212,39NMSCNONREF//",
			want: reconcile.Entry{ValueDate: d("2024-03-12"), Amount: 21239, Direction: reconcile.Debit, BankTxCode: "NMSC", CustomerRef: "NONREF"}},
		{name: "no transaction type before NONREF", line: "2009020902D20,00NONREF",
			want: reconcile.Entry{ValueDate: d("2020-09-02"), BookingDate: d("2020-09-02"), Amount: 2000, Direction: reconcile.Debit, CustomerRef: "NONREF"}},
		{name: "no transaction type before //", line: "240101CN220000,00//19239782213",
			want: reconcile.Entry{ValueDate: d("2024-01-01"), Amount: 22000000, Direction: reconcile.Credit, BankRef: "19239782213"}},
		{name: "zero padding past SWIFT's 15 characters", line: "240101D00000000000000025,00NTRFX",
			want: reconcile.Entry{ValueDate: d("2024-01-01"), Amount: 2500, Direction: reconcile.Debit, BankTxCode: "NTRF", CustomerRef: "X"}},
		{name: "type code padded with a space", line: "121123D10,00NIT NONREF",
			want: reconcile.Entry{ValueDate: d("2012-11-23"), Amount: 1000, Direction: reconcile.Debit, BankTxCode: "NIT", CustomerRef: "NONREF"}},
		{name: "F and S type codes", line: "121123C10,00S103MYREF//X",
			want: reconcile.Entry{ValueDate: d("2012-11-23"), Amount: 1000, Direction: reconcile.Credit, BankTxCode: "S103", CustomerRef: "MYREF", BankRef: "X"}},
		{name: "zero padded amount, supplementary details with an IBAN", line: "130101D000000000025,00N102EREF\nTR330006100519786457841326",
			want:   reconcile.Entry{ValueDate: d("2013-01-01"), Amount: 2500, Direction: reconcile.Debit, BankTxCode: "N102", CustomerRef: "EREF", CounterpartyIBAN: "TR330006100519786457841326"},
			fields: map[string]string{"supplementary_details": "TR330006100519786457841326"}},
		{name: "Turkish sample: funds code Y, 15-digit amount, IBAN as long reference, empty bank ref", line: "2407170717CY000000108256,39NDDBTR330006100519786457841326//",
			want: reconcile.Entry{ValueDate: d("2024-07-17"), BookingDate: d("2024-07-17"), Amount: 10825639, Direction: reconcile.Credit, BankTxCode: "NDDB", CustomerRef: "TR330006100519786457841326"}},
		{name: "customer reference padded before //", line: "1203290329DD20000,00NTRF1004688128      //6128522200250001",
			want: reconcile.Entry{ValueDate: d("2012-03-29"), BookingDate: d("2012-03-29"), Amount: 2000000, Direction: reconcile.Debit, BankTxCode: "NTRF", CustomerRef: "1004688128", BankRef: "6128522200250001"}},
		{name: "entry date in the next year", line: "2312310102C1,00NTRFX",
			want: reconcile.Entry{ValueDate: d("2023-12-31"), BookingDate: d("2024-01-02"), Amount: 100, Direction: reconcile.Credit, BankTxCode: "NTRF", CustomerRef: "X"}},
		{name: "entry date in the previous year", line: "2401021229C1,00NTRFX",
			want: reconcile.Entry{ValueDate: d("2024-01-02"), BookingDate: d("2023-12-29"), Amount: 100, Direction: reconcile.Credit, BankTxCode: "NTRF", CustomerRef: "X"}},
		{name: "value date before booking date across months", line: "0910010930DK2214,00NCHGGebyrer ifolge//nota",
			want: reconcile.Entry{ValueDate: d("2009-10-01"), BookingDate: d("2009-09-30"), Amount: 221400, Direction: reconcile.Debit, BankTxCode: "NCHG", CustomerRef: "Gebyrer ifolge", BankRef: "nota"}},
		{name: "30 February is clamped to month end", line: "1602300301DR6,00N024NONREF",
			want: reconcile.Entry{ValueDate: d("2016-02-29"), BookingDate: d("2016-03-01"), Amount: 600, Direction: reconcile.Debit, BankTxCode: "N024", CustomerRef: "NONREF"}},
		{name: "1999 with the 80 pivot", line: "991231C1,00NTRFX",
			want: reconcile.Entry{ValueDate: d("1999-12-31"), Amount: 100, Direction: reconcile.Credit, BankTxCode: "NTRF", CustomerRef: "X"}},
		{name: "JPY has no decimals", ccy: "JPY", line: "240101D1500,NTRFX",
			want: reconcile.Entry{ValueDate: d("2024-01-01"), Amount: 1500, Direction: reconcile.Debit, BankTxCode: "NTRF", CustomerRef: "X"}},
		{name: "KWD has three", ccy: "KWD", line: "240101D1,234NTRFX",
			want: reconcile.Entry{ValueDate: d("2024-01-01"), Amount: 1234, Direction: reconcile.Debit, BankTxCode: "NTRF", CustomerRef: "X"}},
		{name: "EC expected credit reads as a credit", line: "240101EC1,00NTRFX",
			want: reconcile.Entry{ValueDate: d("2024-01-01"), Amount: 100, Direction: reconcile.Credit, BankTxCode: "NTRF", CustomerRef: "X"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ccy := tt.ccy
			if ccy == "" {
				ccy = "TRY"
			}
			st := decodeOne(t, wrap(ccy, ":61:"+tt.line+"\n"), mt940.Options{})
			require.Len(t, st.Entries, 1)
			got := st.Entries[0]
			want := tt.want
			want.Currency = payment.Currency(ccy)
			want.Position = "line 5"
			want.Fields = tt.fields
			want.Fingerprint = got.Fingerprint
			assert.Equal(t, want, got)
		})
	}
}

func TestDateAdjustedWarning(t *testing.T) {
	st := decodeOne(t, wrap("EUR", ":61:1602300301DR6,00N024NONREF\n:62F:C160301EUR994,00\n"), mt940.Options{})
	require.Len(t, st.Warnings, 1)
	assert.Equal(t, "date_adjusted", st.Warnings[0].Code)
	assert.Contains(t, st.Warnings[0].Message, `line 5 (:61:): date "160230" does not exist; read as 2016-02-29`)
}

func TestInformationDialects(t *testing.T) {
	tests := []struct {
		name, info string
		want       reconcile.Entry // only the :86: fields
		fields     map[string]string
	}{
		{
			name: "German DK subfields with SEPA keywords, a marker split across lines",
			info: "166?00GUTSCHRIFT?100399?20EREF+EndToEndId TFNR 22 004?21 00001?2\n2SVWZ+Verw CTSc-01 BC-PPP TF?23Nr 22 004?30DRESDEFF508?31DE1450880\n0500194785000?32KARL?33        KAUFMANN",
			want: reconcile.Entry{EndToEnd: "EndToEndId TFNR 22 004 00001", Remittance: "Verw CTSc-01 BC-PPP TFNr 22 004",
				CounterpartyName: "KARL KAUFMANN", CounterpartyIBAN: "DE14508800500194785000"},
			fields: map[string]string{"GVC": "166", "?00": "GUTSCHRIFT", "?10": "0399", "?30": "DRESDEFF508", "?31": "DE14508800500194785000",
				"EREF": "EndToEndId TFNR 22 004 00001", "SVWZ": "Verw CTSc-01 BC-PPP TFNr 22 004"},
		},
		{
			name:   "German without keywords: purpose lines joined, NOTPROVIDED is no end-to-end id",
			info:   "166?00GUTSCHRIFT?20EREF+NOTPROVIDED?21SVWZ+Rechnung 4711?32Müller GmbH",
			want:   reconcile.Entry{Remittance: "Rechnung 4711", CounterpartyName: "Müller GmbH"},
			fields: map[string]string{"GVC": "166", "?00": "GUTSCHRIFT", "EREF": "NOTPROVIDED", "SVWZ": "Rechnung 4711"},
		},
		{
			name:   "German free purpose text",
			info:   "805?00ENTGELTABSCHLUSS?106666?20Pauschalen?21Kontoführung?3012345678?1122334\n45566",
			want:   reconcile.Entry{Remittance: "Pauschalen Kontoführung"},
			fields: map[string]string{"GVC": "805", "?00": "ENTGELTABSCHLUSS", "?10": "6666", "?11": "2233445566", "?30": "12345678"},
		},
		{
			name:   "Polish ^ subfields with the IBAN in ^38",
			info:   "723^00PRZELEW ZEWNĘTRZNY^3010600076^20FAKTURA 12/2024^32JAN KOWALSKI^38PL61109010140000071219812874",
			want:   reconcile.Entry{Remittance: "FAKTURA 12/2024", CounterpartyName: "JAN KOWALSKI", CounterpartyIBAN: "PL61109010140000071219812874"},
			fields: map[string]string{"GVC": "723", "^00": "PRZELEW ZEWNĘTRZNY", "^30": "10600076", "^38": "PL61109010140000071219812874"},
		},
		{
			name:   "Triodos > subfields, words cut at 27 characters",
			info:   "000>100555555555\n>20TENAAMSTELLING TEGENREKENIN>21G EN ADRES\n>310666666666",
			want:   reconcile.Entry{Remittance: "TENAAMSTELLING TEGENREKENING EN ADRES"},
			fields: map[string]string{"GVC": "000", ">10": "0555555555", ">31": "0666666666"},
		},
		{
			name: "Dutch codewords, wrapped mid-word",
			info: "/TRTP/SEPA OVERBOEKING/IBAN/NL91ABNA0417164300/BIC/ABNANL2A/NAME/J. DE VRIES/REMI/USTD//FACTUUR 2024-0\n17/EREF/E2E-42",
			want: reconcile.Entry{EndToEnd: "E2E-42", Remittance: "FACTUUR 2024-017", CounterpartyName: "J. DE VRIES", CounterpartyIBAN: "NL91ABNA0417164300"},
			fields: map[string]string{"TRTP": "SEPA OVERBOEKING", "IBAN": "NL91ABNA0417164300", "BIC": "ABNANL2A", "NAME": "J. DE VRIES",
				"REMI": "USTD//FACTUUR 2024-017", "EREF": "E2E-42"},
		},
		{
			name:   "Dutch counterparty block and structured remittance",
			info:   "/CNTP/NL91ABNA0417164300/ABNANL2A/ACME B.V./AMSTERDAM/REMI/STRD/CUR/RF18539007547034/",
			want:   reconcile.Entry{Remittance: "RF18539007547034", CounterpartyName: "ACME B.V.", CounterpartyIBAN: "NL91ABNA0417164300"},
			fields: map[string]string{"CNTP": "NL91ABNA0417164300/ABNANL2A/ACME B.V./AMSTERDAM", "REMI": "STRD/CUR/RF18539007547034"},
		},
		{
			name:   "Rabobank BENM//NAME with empty REMI",
			info:   "/EREF/01-01-2013 12:00 0030000987654321/BENM//NAME/CONTRA ACCOUN\nT HOLDER/REMI//ISDT/2013-07-11",
			want:   reconcile.Entry{EndToEnd: "01-01-2013 12:00 0030000987654321", CounterpartyName: "CONTRA ACCOUNT HOLDER"},
			fields: map[string]string{"EREF": "01-01-2013 12:00 0030000987654321", "NAME": "CONTRA ACCOUNT HOLDER", "ISDT": "2013-07-11"},
		},
		{
			name:   "HSBC original amount then free text",
			info:   "/OCMT/USD2853,12/\nPAYMENT OF INVOICES 204011665",
			want:   reconcile.Entry{Remittance: "PAYMENT OF INVOICES 204011665"},
			fields: map[string]string{"OCMT": "USD2853,12"},
		},
		{
			name:   "solarisBank 999TYPE:purpose:name:IBAN",
			info:   "999SEPA_CREDIT_TRANSFER:CCI : 015,PURPOSE:X:HOPPA Inc:GB29DEUT40333124517700:EXTRA",
			want:   reconcile.Entry{Remittance: "CCI : 015,PURPOSE:X", CounterpartyName: "HOPPA Inc", CounterpartyIBAN: "GB29DEUT40333124517700"},
			fields: map[string]string{"TYPE": "SEPA_CREDIT_TRANSFER", "EXTRA": "EXTRA"},
		},
		{
			name: "free text joined with spaces, empty lines and soft hyphens dropped",
			info: "NL47INGB9999999999 hr paulissen  \n\nBetaling 10\u00ad06\u00ad2010\n   123456789",
			want: reconcile.Entry{Remittance: "NL47INGB9999999999 hr paulissen Betaling 10062010 123456789"},
		},
		{
			name: "unknown slash codes are free text",
			info: "/PT/FT/PY/SOMETHING FOO BAR",
			want: reconcile.Entry{Remittance: "/PT/FT/PY/SOMETHING FOO BAR"},
		},
		{
			name: "Turkish free text",
			info: "FAST GELEN ŞEKERBANK AYŞE YILMAZ\nFATURA İĞNE ÇÖZÜM ĞÜŞİÖÇğüşıöç",
			want: reconcile.Entry{Remittance: "FAST GELEN ŞEKERBANK AYŞE YILMAZ FATURA İĞNE ÇÖZÜM ĞÜŞİÖÇğüşıöç"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := decodeOne(t, wrap("EUR", ":61:240101C1,00NTRFNONREF\n:86:"+tt.info+"\n"), mt940.Options{})
			require.Len(t, st.Entries, 1)
			got := st.Entries[0]
			assert.Equal(t, tt.want.EndToEnd, got.EndToEnd, "end-to-end id")
			assert.Equal(t, tt.want.Remittance, got.Remittance, "remittance")
			assert.Equal(t, tt.want.CounterpartyName, got.CounterpartyName, "counterparty name")
			assert.Equal(t, tt.want.CounterpartyIBAN, got.CounterpartyIBAN, "counterparty IBAN")
			assert.Equal(t, tt.fields, got.Fields)
		})
	}
}

// A :86: that does not follow a :61: describes the statement, not the previous entry.
func TestStatementLevelInformationIsNotAttached(t *testing.T) {
	st := decodeOne(t, wrap("EUR", ":86:ACCOUNT INFO BEFORE\n:61:240101C1,00NTRFA\n:86:FIRST\n:61:240101C2,00NTRFB\n:62F:C240101EUR1003,00\n:86:/OSDR/HSBCHKHH\n"), mt940.Options{})
	require.Len(t, st.Entries, 2)
	assert.Equal(t, "FIRST", st.Entries[0].Remittance)
	assert.Empty(t, st.Entries[1].Remittance)
	assert.Empty(t, st.Entries[1].Fields)
	assert.Empty(t, st.Warnings)
}

// A continuation line that starts with a brace is text of its field, not a SWIFT block: the
// reference in it is kept, and so are the lines after it.
func TestContinuationLineStartingWithBrace(t *testing.T) {
	st := decodeOne(t, wrap("EUR", ":61:240101C1,00NTRFA\n{SUPPLEMENTARY}\n:86:PAYMENT\n{INV 123} INVOICE\nJANUARY\n:62F:C240101EUR1001,00\n"), mt940.Options{})
	require.Len(t, st.Entries, 1)
	assert.Equal(t, "PAYMENT {INV 123} INVOICE JANUARY", st.Entries[0].Remittance)
	assert.Equal(t, "{SUPPLEMENTARY}", st.Entries[0].Fields["supplementary_details"])
	assert.Empty(t, st.Warnings)
}

func TestEnvelopes(t *testing.T) {
	body := ":20:STMT\n:25:NL91ABNA0417164300\n:28C:1\n:60F:C240101EUR100,00\n:61:240102D10,00NTRFX\n:62F:C240102EUR90,00\n"
	tests := []struct {
		name, text string
		n          int
	}{
		{"bare fields", body, 1},
		{"SWIFT blocks on one line", "{1:F01ASNBNL21XXXX0000000000}{2:O940ASNBNL21XXXXN}{3:}{4:\n" + body + "-}{5:}\n", 1},
		{"SWIFT blocks on separate lines", "{1:F01ASNBNL21XXXX0000000000}\n{2:O940ASNBNL21XXXXN}\n{4:\n" + body + "-}\n", 1},
		{"text block starting on the header line", "{1:F01X}{2:O940X}{4::20:STMT\n" + body[len(":20:STMT\n"):] + "-}", 1},
		{"ING header and trailer", "0000 01INGBNL2AXXXX00001\n0000 01INGBNL2AXXXX00001\n940 00\n" + body + "-XXX\n", 1},
		{"ABN AMRO header per message", "ABNANL2A\n940\nABNANL2A\n" + body + "-\nABNANL2A\n940\nABNANL2A\n" + body + "-\n", 2},
		{"Rabobank :940: pseudo tag, statements back to back", ":940:\n" + body + body, 2},
		{"SOH and ETX framing", "\x01\n" + body + "-\x03", 1},
		{"free text preamble and dashes", "This is an examplefile\n\n------------------------------\n" + body, 1},
		{"CRLF and no final newline", strings.ReplaceAll(strings.TrimSuffix(body, "\n"), "\n", "\r\n"), 1},
		{"UTF-8 BOM and leading empty line", "\ufeff\n-\n" + body, 1},
		{"several statements split on :20: only", body + body + body, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sts, err := mt940.Decode(strings.NewReader(tt.text), mt940.Options{})
			require.NoError(t, err)
			require.Len(t, sts, tt.n)
			for _, st := range sts {
				assert.Equal(t, "STMT/1", st.ID)
				assert.Equal(t, "NL91ABNA0417164300", st.Account)
				assert.Equal(t, payment.Currency("EUR"), st.Currency)
				assert.Equal(t, int64(10000), st.Opening)
				assert.Equal(t, int64(9000), st.Closing)
				require.Len(t, st.Entries, 1)
				assert.Equal(t, int64(1000), st.Entries[0].Amount)
				assert.Empty(t, st.Warnings)
			}
		})
	}
}

func TestMultiStatementPositionsAndBalances(t *testing.T) {
	text := ":20:A\n:25:ACC1\n:28C:1\n:60F:C240101EUR100,00\n:61:240102D10,00NTRFX\n:62F:C240102EUR90,00\n" +
		":20:B\n:25:ACC2\n:28C:2\n:60M:D240102USD5,00\n:61:240103C7,50NTRFY\n:61:240103C7,50NTRFY\n:62M:C240103USD10,00\n-\n"
	sts, err := mt940.Decode(strings.NewReader(text), mt940.Options{})
	require.NoError(t, err)
	require.Len(t, sts, 2)
	assert.Equal(t, "ACC1", sts[0].Account)
	assert.Equal(t, "line 5", sts[0].Entries[0].Position)
	b := sts[1]
	assert.Equal(t, "ACC2", b.Account)
	assert.Equal(t, payment.Currency("USD"), b.Currency)
	assert.Equal(t, int64(-500), b.Opening)
	assert.Equal(t, int64(1000), b.Closing)
	assert.Equal(t, payment.MustDate("2024-01-03"), b.From)
	assert.Equal(t, payment.MustDate("2024-01-03"), b.To)
	require.Len(t, b.Entries, 2)
	assert.Equal(t, "line 11", b.Entries[0].Position)
	assert.Equal(t, "line 12", b.Entries[1].Position)
	// two identical bookings on one day are two entries with different fingerprints
	assert.NotEqual(t, b.Entries[0].Fingerprint, b.Entries[1].Fingerprint)
	assert.Empty(t, b.Warnings)
}

func TestMissingClosingBalanceWarns(t *testing.T) {
	st := decodeOne(t, wrap("EUR", ":61:240101C1,00NTRFX\n"), mt940.Options{})
	require.Len(t, st.Warnings, 1)
	assert.Equal(t, "missing_closing_balance", st.Warnings[0].Code)
	assert.False(t, st.HasClosing)
}

// TestInterimReportTotalsBeyondInt64: entries whose total does not fit in int64 minor units never
// agree with an :90C: total; the sum used to start again from 0 at the overflow, so that 0,007 here
// passed for the total of two entries of five quadrillion dinars and one of 0,007.
func TestInterimReportTotalsBeyondInt64(t *testing.T) {
	text := ":20:MT942REF\n:25:KW81CBKU0000000000001234560101\n:28C:7/1\n:34F:KWD0,\n:13D:2511261215+0300\n" +
		":61:2511261126C5000000000000000,NTRFNONREF//B1\n" +
		":61:2511261126C5000000000000000,NTRFNONREF//B2\n" +
		":61:2511261126C0,007NTRFNONREF//B3\n" +
		":90D:0KWD0,\n:90C:3KWD0,007\n-\n"
	st := decodeOne(t, text, mt940.Options{})
	require.Len(t, st.Entries, 3)
	require.Len(t, st.Warnings, 1)
	assert.Equal(t, reconcile.Warning{Code: "entry_totals_mismatch",
		Message: "the credit entries are 3 for more than 9223372036854775.807, but :90C: says 3 for 0.007"}, st.Warnings[0])
}

// TestInterimReport: an MT942 has no balances; its :34F: floor limits give the currency, :13D: the
// date, and :90D:/:90C: the number and sum of the debit and credit entries, which are checked.
func TestInterimReport(t *testing.T) {
	text := ":20:MT942REF\r\n:21:NONREF\r\n:25:NL91ABNA0417164300\r\n:28C:7/1\r\n:34F:EURD0,\r\n:34F:EURC0,\r\n" +
		":13D:2511261215+0100\r\n" +
		":61:2511261126C1250,50NTRFNONREF//B1\r\n:86:/EREF/E2E-1/REMI/USTD//INV-2025-0042\r\n" +
		":61:2511261126D99,90NDDTMANDATE//B2\r\n:86:/NAME/STROOM BV/REMI/USTD//NOV\r\n" +
		":61:2511251126C10,NTRFX//B3\r\n" +
		":90D:1EUR99,90\r\n:90C:2EUR1260,50\r\n:86:intraday\r\n-\r\n"
	st := decodeOne(t, text, mt940.Options{})
	assert.Equal(t, mt940.FormatInterim, st.Format)
	assert.Equal(t, "MT942REF/7/1", st.ID)
	assert.Equal(t, payment.Currency("EUR"), st.Currency)
	assert.False(t, st.HasOpening || st.HasClosing)
	assert.Empty(t, st.Warnings, "no missing_closing_balance: an interim report has none; the totals add up")
	assert.Equal(t, payment.NewDate(2025, 11, 26), st.From, "the entries' booking dates")
	assert.Equal(t, payment.NewDate(2025, 11, 26), st.To)
	require.Len(t, st.Entries, 3)
	assert.Equal(t, "E2E-1", st.Entries[0].EndToEnd)
	assert.Equal(t, reconcile.Debit, st.Entries[1].Direction)
	assert.Equal(t, "STROOM BV", st.Entries[1].CounterpartyName)

	// Totals that do not add up: a warning, an error under Strict.
	off := strings.Replace(text, ":90C:2EUR1260,50", ":90C:2EUR1260,51", 1)
	st = decodeOne(t, off, mt940.Options{})
	require.Len(t, st.Warnings, 1)
	assert.Equal(t, reconcile.Warning{Code: "entry_totals_mismatch",
		Message: "the credit entries are 2 for 1260.50, but :90C: says 2 for 1260.51"}, st.Warnings[0])
	_, err := mt940.Decode(strings.NewReader(off), mt940.Options{Strict: true})
	assert.ErrorContains(t, err, "mt940: line 14 :90C:: the credit entries are 2 for 1260.50, but :90C: says 2 for 1260.51")

	// A report with no entries yet covers its :13D: date.
	empty := decodeOne(t, ":20:A\n:25:X\n:34F:TRY0,\n:13D:2511260900+0300\n:90D:0TRY0,\n:90C:0TRY0,\n", mt940.Options{})
	assert.Empty(t, empty.Entries)
	assert.Equal(t, payment.NewDate(2025, 11, 26), empty.From)
	assert.Equal(t, payment.Currency("TRY"), empty.Currency)

	// A :13D: day that does not exist is read as the month's last, with the warning balances get.
	clamped := decodeOne(t, ":20:A\n:25:X\n:34F:TRY0,\n:13D:2502301200+0300\n", mt940.Options{})
	assert.Equal(t, payment.NewDate(2025, 2, 28), clamped.From)
	assert.Equal(t, []reconcile.Warning{{Code: "date_adjusted",
		Message: `line 4 (:13D:): date "250230" does not exist; read as 2025-02-28`}}, clamped.Warnings)
}

func TestBalanceMismatch(t *testing.T) {
	text := wrap("EUR", ":61:240101D20000,00NTRFX\n:62F:C240101EUR1000,00\n")
	st := decodeOne(t, text, mt940.Options{})
	require.Len(t, st.Warnings, 1)
	assert.Equal(t, reconcile.Warning{Code: "balance_mismatch", Difference: 2000000,
		Message: "opening balance 1000.00 plus entries -20000.00 is -19000.00, but the closing balance is 1000.00"}, st.Warnings[0])

	_, err := mt940.Decode(strings.NewReader(text), mt940.Options{Strict: true})
	require.ErrorIs(t, err, reconcile.ErrBalanceMismatch)
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 6, pe.Line)
	assert.Equal(t, ":62F:", pe.Field)
}

func TestCharsets(t *testing.T) {
	const turkish = "ĞÜŞİÖÇğüşıöç"
	const german = "Müller Straße"
	const hungarian = "átutalás jóváírása"
	stmt := func(s string) string { return wrap("TRY", ":61:240101C1,00NTRFX\n:86:"+s+"\n") }
	enc := func(e *charmap.Charmap, s string) string {
		b, err := e.NewEncoder().String(s)
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name, input, charset, want string
		fallbackWarning            bool
	}{
		{"UTF-8", stmt(turkish), "", turkish, false},
		{"UTF-8 with BOM", "\ufeff" + stmt(turkish), "", turkish, false},
		{"Windows-1254 forced", enc(charmap.Windows1254, stmt(turkish)), "windows-1254", turkish, false},
		{"ISO-8859-9 forced", enc(charmap.ISO8859_9, stmt(turkish)), "iso-8859-9", turkish, false},
		{"ISO-8859-9 by its latin5 alias", enc(charmap.ISO8859_9, stmt(turkish)), "latin5", turkish, false},
		{"Windows-1254 detected when not UTF-8", enc(charmap.Windows1254, stmt(turkish)), "", turkish, true},
		{"ISO-8859-1", enc(charmap.ISO8859_1, stmt(german)), "iso-8859-1", german, false},
		{"CP852", enc(charmap.CodePage852, stmt(hungarian)), "cp852", hungarian, false},
		{"IANA name", enc(charmap.CodePage852, stmt(hungarian)), "IBM852", hungarian, false},
		{"UTF-8 forced on bad bytes replaces them", stmt("A\xffB"), "utf-8", "A\uFFFDB", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := decodeOne(t, tt.input, mt940.Options{Charset: tt.charset})
			assert.Equal(t, tt.want, st.Entries[0].Remittance)
			var codes []string
			for _, w := range st.Warnings {
				codes = append(codes, w.Code)
			}
			assert.Equal(t, tt.fallbackWarning, strings.Contains(strings.Join(codes, ","), "charset"), codes)
		})
	}
	// Windows-1254 and ISO-8859-9 differ at 0x80: the euro sign exists only in 1254.
	st := decodeOne(t, stmt("\x80"), mt940.Options{Charset: "windows-1254"})
	assert.Equal(t, "€", st.Entries[0].Remittance)

	_, err := mt940.Decode(strings.NewReader(stmt("x")), mt940.Options{Charset: "klingon-1"})
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Options.Charset", pe.Field)
}

type wantErr struct {
	line  int
	field string
	msg   string
}

func TestMalformed(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []wantErr
	}{
		{"bad value date", wrap("EUR", ":61:241301C1,00NTRFX\n"), []wantErr{{5, ":61:", `value date "241301"`}}},
		{"bad entry date", wrap("EUR", ":61:2401011341C1,00NTRFX\n"), []wantErr{{5, ":61:", `entry date "1341"`}}},
		{"bad mark", wrap("EUR", ":61:240101X1,00NTRFX\n"), []wantErr{{5, ":61:", `mark "X"`}}},
		{"no decimal comma", wrap("EUR", ":61:240101C100NTRFX\n"), []wantErr{{5, ":61:", `amount "100" is not digits with a decimal comma`}}},
		{"decimal point", wrap("EUR", ":61:240101C1.00NTRFX\n"), []wantErr{{5, ":61:", `amount "1" is not`}}},
		{"too many decimals", wrap("EUR", ":61:240101C1,001NTRFX\n"), []wantErr{{5, ":61:", "more decimal places than the currency has"}}},
		{"second decimal comma", wrap("KWD", ":61:240101C1,000,500NTRFX\n"), []wantErr{{5, ":61:", `amount "1,000,500" has more than one decimal comma`}}},
		{"out of range", wrap("EUR", ":61:240101C12345678901234567890,45NTRFX\n"), []wantErr{{5, ":61:", "amount out of range"}}},
		{"short line", wrap("EUR", ":61:2401\n"), []wantErr{{5, ":61:", "too short"}}},
		{"no mark", wrap("EUR", ":61:2401010101\n"), []wantErr{{5, ":61:", "mark missing"}}},
		{"bad balance currency", ":20:A\n:25:X\n:60F:C240101ABC1,00\n", []wantErr{{3, ":60F:", `currency "ABC"`}}},
		{"bad balance mark", ":20:A\n:25:X\n:60F:X240101EUR1,00\n:62F:C240101USD1,00\n", []wantErr{{3, ":60F:", "not C or D"}}},
		{"balance currencies differ", ":20:A\n:25:X\n:60F:C240101EUR1,00\n:62F:C240101USD1,00\n", []wantErr{{4, ":62F:", "differs"}}},
		{"balance amount", ":20:A\n:25:X\n:60F:C240101EUR-1,00\n", []wantErr{{3, ":60F:", `amount "-1,00"`}}},
		{"statement line before the opening balance", ":20:A\n:25:X\n:61:240101C1,00NTRFX\n:60F:C240101EUR1,00\n", []wantErr{{3, ":61:", "before the :60F:"}}},
		{"two opening balances", ":20:A\n:25:X\n:60F:C240101EUR1,00\n:60F:C240101EUR1,00\n", []wantErr{{4, ":60F:", "second opening"}}},
		{"no account", ":20:A\n:60F:C240101EUR1,00\n:62F:C240101EUR1,00\n", []wantErr{{1, ":25:", "no :25:"}}},
		{"no opening balance", ":20:A\n:25:X\n:62F:C240101EUR1,00\n", []wantErr{{1, ":60F:", "no :60F:"}}},
		{"mt942 floor limit currency", ":20:A\n:25:X\n:34F:XYZD0,\n", []wantErr{{3, ":34F:", `currency "XYZ"`}}},
		{"mt942 floor limit amount", ":20:A\n:25:X\n:34F:EURD0\n", []wantErr{{3, ":34F:", `floor limit amount "0"`}}},
		{"mt942 floor limits disagree", ":20:A\n:25:X\n:34F:EURD0,\n:34F:USDC0,\n", []wantErr{{4, ":34F:", "differs from the statement's EUR"}}},
		{"mt942 bad date", ":20:A\n:25:X\n:34F:EUR0,\n:13D:2513011200+0100\n", []wantErr{{4, ":13D:", `date "2513011200+0100"`}}},
		{"mt942 totals before the floor limit", ":20:A\n:25:X\n:90D:0EUR0,\n:34F:EUR0,\n", []wantErr{{3, ":90D:", "before the :34F:"}}},
		{"mt942 opening balance in another currency", ":20:A\n:25:X\n:34F:EUR0,\n:61:240101C1,50NTRFX\n:60F:C240101JPY1,\n", []wantErr{{5, ":60F:", "differs from the floor limit's EUR"}}},
		{"mt942 closing balance in another currency", ":20:A\n:25:X\n:34F:EUR0,\n:62F:C240101USD1,00\n", []wantErr{{4, ":62F:", "differs from the floor limit's EUR"}}},
		{"mt942 totals in another currency", ":20:A\n:25:X\n:34F:EUR0,\n:90C:1USD5,00\n", []wantErr{{4, ":90C:", "currency USD differs"}}},
		{"mt942 signed total", ":20:A\n:25:X\n:34F:EUR0,\n:90C:1EUR-5,00\n", []wantErr{{4, ":90C:", `entry total amount "-5,00": not an MT940 amount`}}},
		{"mt942 totals malformed", ":20:A\n:25:X\n:34F:EUR0,\n:90C:EUR5,00\n", []wantErr{{4, ":90C:", "want the number of entries"}}},
		{"field before :20:", ":25:X\n:20:A\n:25:X\n:60F:C240101EUR1,00\n", []wantErr{{1, ":25:", "before the first :20:"}}},
		{"problems are collected, each with its line", wrap("EUR", ":61:240101C1,00NTRFX\n:61:240199C1,00NTRFX\n:86:ok\n:61:240101Q1,00NTRFX\n:61:240101C1,00NTRFX\n:61:240101C,NTRFX\n"),
			[]wantErr{{6, ":61:", "value date"}, {8, ":61:", "mark"}, {10, ":61:", "amount"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sts, err := mt940.Decode(strings.NewReader(tt.text), mt940.Options{})
			require.Error(t, err)
			assert.Nil(t, sts, "nothing is returned from a file with errors")
			assert.ErrorIs(t, err, reconcile.ErrParse)
			assert.NotErrorIs(t, err, reconcile.ErrNotStatement)
			got := parseErrors(t, err)
			require.Len(t, got, len(tt.want), "%v", err)
			for i, w := range tt.want {
				assert.Equal(t, mt940.Format, got[i].Format)
				assert.Equal(t, w.line, got[i].Line, got[i].Error())
				assert.Equal(t, w.field, got[i].Field, got[i].Error())
				assert.Contains(t, got[i].Error(), w.msg)
			}
		})
	}
}

// parseErrors unpacks the joined errors; every one must be a *ParseError.
func parseErrors(t *testing.T, err error) []*reconcile.ParseError {
	t.Helper()
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	var out []*reconcile.ParseError
	for _, e := range list {
		var pe *reconcile.ParseError
		if errors.As(e, &pe) {
			out = append(out, pe)
		}
	}
	return out
}

func TestErrorsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(wrap("EUR", ""))
	for range 150 {
		b.WriteString(":61:249999C1,00NTRFX\n")
	}
	_, err := mt940.Decode(strings.NewReader(b.String()), mt940.Options{})
	require.Error(t, err)
	assert.Len(t, parseErrors(t, err), reconcile.MaxErrors)
}

func TestNotAStatement(t *testing.T) {
	tests := map[string]string{
		"empty":     "",
		"csv":       "Tarih;Açıklama;Tutar\n02.01.2024;EFT;1.234,56\n",
		"xml":       `<?xml version="1.0"?><Document><BkToCstmrStmt/></Document>`,
		"binary":    "\x00\x01\x02PK\x03\x04",
		"only tags": ":940:\n-\n",
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			sts, err := mt940.Decode(strings.NewReader(text), mt940.Options{})
			assert.Nil(t, sts)
			require.ErrorIs(t, err, reconcile.ErrNotStatement)
			assert.Len(t, parseErrors(t, err), 1, "one clear error")
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadError(t *testing.T) {
	_, err := mt940.Decode(failingReader{}, mt940.Options{})
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe)
	assert.ErrorContains(t, err, "disk on fire")
}

// A statement larger than the parser's entry chunk, between two small ones, keeps all its entries
// in order.
func TestLargeStatement(t *testing.T) {
	var b strings.Builder
	b.WriteString(":20:A\n:25:X\n:60F:C240101EUR0,00\n:61:240101C1,00NTRFA\n:62F:C240101EUR1,00\n")
	b.WriteString(":20:B\n:25:X\n:60F:C240101EUR0,00\n")
	const n = 2500
	for i := range n {
		fmt.Fprintf(&b, ":61:240101C0,01NTRFREF%d\n:86:ENTRY %d\n", i, i)
	}
	b.WriteString(":62F:C240101EUR25,00\n:20:C\n:25:X\n:60F:C240101EUR0,00\n:61:240101D1,00NTRFC\n:62F:D240101EUR1,00\n")
	sts, err := mt940.Decode(strings.NewReader(b.String()), mt940.Options{})
	require.NoError(t, err)
	require.Len(t, sts, 3)
	require.Len(t, sts[1].Entries, n)
	for i, e := range sts[1].Entries {
		require.Equal(t, fmt.Sprintf("REF%d", i), e.CustomerRef)
		require.Equal(t, fmt.Sprintf("ENTRY %d", i), e.Remittance)
		require.Equal(t, fmt.Sprintf("line %d", 9+2*i), e.Position)
	}
	for _, st := range sts {
		assert.Empty(t, st.Warnings)
	}
	assert.Equal(t, "C", sts[2].Entries[0].CustomerRef)
}

// The Turkish sample in Windows-1254 reads the same with the charset forced or detected; detection
// says so in a warning.
func TestTurkishFileCharsetDetection(t *testing.T) {
	data, err := os.ReadFile("testdata/synthetic/turkish-sekerbank-like_windows-1254.sta")
	require.NoError(t, err)
	forced := decodeOne(t, string(data), mt940.Options{Charset: "windows-1254"})
	detected := decodeOne(t, string(data), mt940.Options{})
	assert.Equal(t, forced.Entries, detected.Entries)
	require.Len(t, detected.Warnings, 1)
	assert.Equal(t, "charset", detected.Warnings[0].Code)
	assert.Contains(t, forced.Entries[1].Remittance, "AYŞE YILMAZ İĞNE ÇÖZÜM LTD. ŞTİ.")
}

// TestFieldTooLong: a field longer than a bank's ever is (one line, or a line and its continuation
// lines) ends the decode with one error at its line; a field of 64 KiB is read.
func TestFieldTooLong(t *testing.T) {
	head := ":20:STMT\n:25:TR330006100519786457841326\n:28C:1/1\n:60F:C260105TRY1000,00\n:61:2601050105D5,00NCHGNONREF\n"
	tail := ":62F:C260105TRY995,00\n-\n"
	long := strings.Repeat("X", 70<<10)
	for name, field := range map[string]string{
		"one line":      ":86:" + long + "\n",
		"continuations": ":86:FEE\n" + strings.Repeat(long[:8<<10]+"\n", 9),
	} {
		_, err := mt940.Decode(strings.NewReader(head+field+tail), mt940.Options{})
		require.Error(t, err, name)
		assert.ErrorContains(t, err, "a field longer than 65536 bytes", name)
		joined, ok := err.(interface{ Unwrap() []error })
		if ok {
			assert.Len(t, joined.Unwrap(), 1, "%s: the one cause: %v", name, err)
		}
	}
	// Two such fields in a file read in parts at the same time: one error, as one pass gives.
	stmt := head + ":86:FEE\n" + tail
	big := head + ":86:" + long + "\n" + tail + strings.Repeat(stmt, (2<<20)/len(stmt)) + head + ":86:" + long + "\n" + tail
	_, err := mt940.Decode(strings.NewReader(big), mt940.Options{})
	require.Error(t, err)
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		assert.Len(t, joined.Unwrap(), 1, "%v", err)
	}
	sts, err := mt940.Decode(strings.NewReader(head+":86:"+strings.Repeat("X", 64<<10)+"\n"+tail), mt940.Options{})
	require.NoError(t, err, "a field of 64 KiB is read")
	assert.Len(t, sts[0].Entries[0].Remittance, 64<<10)
}
