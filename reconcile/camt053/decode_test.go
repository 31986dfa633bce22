package camt053_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/camt053"
)

const ns053v2 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"

// doc wraps statement content; the first line of stmt is line 6 of the document.
func doc(ns, stmt string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="` + ns + `">
<BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-01-02T00:00:00</CreDtTm></GrpHdr>
<Stmt>
` + stmt + `
</Stmt>
</BkToCstmrStmt>
</Document>
`
}

// header is Id, account, OPBD 100.00 and CLBD (5 lines, lines 6–10).
func header(closing string) string {
	return `<Id>S1</Id>
<Acct><Id><IBAN>TR330006100519786457841326</IBAN></Id><Ccy>TRY</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="TRY">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-01</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="TRY">` + closing + `</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-02</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLAV</Cd></CdOrPrtry></Tp><Amt Ccy="TRY">999.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-02</Dt></Dt></Bal>`
}

func decodeOne(t *testing.T, text string, opts camt053.Options) reconcile.Statement {
	t.Helper()
	sts, err := camt053.Decode(strings.NewReader(text), opts)
	require.NoError(t, err)
	require.Len(t, sts, 1)
	return sts[0]
}

// The same credit in the shapes of .02, .04 and .08 (and without or with a prefixed namespace)
// decodes to the same entry.
func TestVersions(t *testing.T) {
	v02 := `<Ntry><Amt Ccy="TRY">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-01-02</Dt></BookgDt><ValDt><Dt>2024-01-03</Dt></ValDt><AcctSvcrRef>BANK1</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><EndToEndId>pay_01</EndToEndId><InstrId>INSTR1</InstrId></Refs>
<AmtDtls><TxAmt><Amt Ccy="TRY">12.50</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Nm>Ayşe Yılmaz</Nm></Dbtr><DbtrAcct><Id><IBAN>TR330006100519786457841326</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf><Ustrd>FATURA 42</Ustrd><Ustrd>OCAK</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`
	v04 := strings.Replace(v02, `<AmtDtls><TxAmt><Amt Ccy="TRY">12.50</Amt></TxAmt></AmtDtls>`, `<Amt Ccy="TRY">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>`, 1)
	v08 := strings.NewReplacer("<Sts>BOOK</Sts>", "<Sts><Cd>BOOK</Cd></Sts>", "<Dbtr><Nm>Ayşe Yılmaz</Nm></Dbtr>", "<Dbtr><Pty><Nm>Ayşe Yılmaz</Nm></Pty></Dbtr>",
		"<BookgDt><Dt>2024-01-02</Dt></BookgDt>", "<BookgDt><DtTm>2024-01-02T23:30:00+03:00</DtTm></BookgDt>").Replace(v04)
	want := reconcile.Entry{BookingDate: payment.MustDate("2024-01-02"), ValueDate: payment.MustDate("2024-01-03"), Amount: 1250,
		Direction: reconcile.Credit, Currency: "TRY", CustomerRef: "INSTR1", BankRef: "BANK1", EndToEnd: "pay_01",
		Remittance: "FATURA 42 OCAK", CounterpartyName: "Ayşe Yılmaz", CounterpartyIBAN: "TR330006100519786457841326",
		BankTxCode: "PMNT/RCDT/ESCT", Position: "line 11",
		Fields: map[string]string{"AcctSvcrRef": "BANK1", "Refs/EndToEndId": "pay_01", "Refs/InstrId": "INSTR1"}}
	tests := []struct{ name, text string }{
		{"camt.053.001.02", doc(ns053v2, header("112.50")+"\n"+v02)},
		{"camt.053.001.04", doc("urn:iso:std:iso:20022:tech:xsd:camt.053.001.04", header("112.50")+"\n"+v04)},
		{"camt.053.001.08", doc("urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", header("112.50")+"\n"+v08)},
		{"no namespace", doc("", header("112.50")+"\n"+v02)},
		{"prefixed namespace", strings.NewReplacer("<Document", "<c:Document xmlns:c=\"x\"", "</Document>", "</c:Document>").Replace(doc(ns053v2, header("112.50")+"\n"+v02))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := decodeOne(t, tt.text, camt053.Options{})
			assert.Equal(t, camt053.Format, st.Format)
			assert.Equal(t, "S1", st.ID)
			assert.Equal(t, "TR330006100519786457841326", st.Account)
			assert.Equal(t, payment.Currency("TRY"), st.Currency)
			assert.Equal(t, int64(10000), st.Opening)
			assert.Equal(t, int64(11250), st.Closing)
			assert.Equal(t, payment.MustDate("2024-01-02"), st.From)
			assert.Equal(t, payment.MustDate("2024-01-03"), st.To)
			assert.Empty(t, st.Warnings)
			require.Len(t, st.Entries, 1)
			got := st.Entries[0]
			assert.NotEmpty(t, got.Fingerprint)
			got.Fingerprint = ""
			assert.Equal(t, want, got)
		})
	}
}

func ntry(amount, cdi, extra, details string) string {
	return `<Ntry><Amt Ccy="TRY">` + amount + `</Amt><CdtDbtInd>` + cdi + `</CdtDbtInd>` + extra +
		`<BookgDt><Dt>2024-01-02</Dt></BookgDt><ValDt><Dt>2024-01-02</Dt></ValDt><AcctSvcrRef>B</AcctSvcrRef>` +
		`<NtryDtls><Btch><PmtInfId>BATCH-7</PmtInfId><NbOfTxs>3</NbOfTxs></Btch>` + details + `</NtryDtls></Ntry>`
}

func tx(e2e, amount string) string {
	a := ""
	if amount != "" {
		a = `<Amt Ccy="TRY">` + amount + `</Amt>`
	}
	return `<TxDtls><Refs><EndToEndId>` + e2e + `</EndToEndId></Refs>` + a + `<RltdPties><Cdtr><Nm>Vendor ` + e2e + `</Nm></Cdtr></RltdPties></TxDtls>`
}

func TestBatchEntries(t *testing.T) {
	tests := []struct {
		name     string
		entry    string
		amounts  []int64
		e2e      []string
		warning  string
		closing  string
		wantDirs []reconcile.Direction
	}{
		{name: "details with amounts become one entry each", closing: "40.00",
			entry:   ntry("60.00", "DBIT", "", tx("a", "10.00")+tx("b", "20.00")+tx("c", "30.00")),
			amounts: []int64{1000, 2000, 3000}, e2e: []string{"a", "b", "c"}},
		{name: ".02 details with AmtDtls/TxAmt", closing: "70.00",
			entry:   ntry("30.00", "DBIT", "", strings.ReplaceAll(tx("a", "")+tx("b", ""), "<RltdPties>", `<AmtDtls><TxAmt><Amt Ccy="TRY">15.00</Amt></TxAmt></AmtDtls><RltdPties>`)),
			amounts: []int64{1500, 1500}, e2e: []string{"a", "b"}},
		{name: "a detail without an amount keeps the batch whole", closing: "40.00",
			entry:   ntry("60.00", "DBIT", "", tx("a", "10.00")+tx("b", "")),
			amounts: []int64{6000}, e2e: []string{""}, warning: "detail 2 has no amount"},
		{name: "details that do not add up keep the batch whole", closing: "40.00",
			entry:   ntry("60.00", "DBIT", "", tx("a", "10.00")+tx("b", "20.00")),
			amounts: []int64{6000}, e2e: []string{""}, warning: "add up to 30.00, not 60.00"},
		{name: "details in another currency keep the batch whole", closing: "40.00",
			entry:   ntry("60.00", "DBIT", "", tx("a", "10.00")+strings.Replace(tx("b", "50.00"), `Ccy="TRY"`, `Ccy="EUR"`, 1)),
			amounts: []int64{6000}, e2e: []string{""}, warning: "detail 2 is in EUR"},
		{name: "a single detail: the entry's booked amount wins over the detail's", closing: "40.00",
			entry:   ntry("60.00", "DBIT", "", strings.Replace(tx("a", "1.00"), `Ccy="TRY"`, `Ccy="SEK"`, 1)),
			amounts: []int64{6000}, e2e: []string{"a"}},
		{name: "no details", closing: "40.00", entry: ntry("60.00", "DBIT", "", ""), amounts: []int64{6000}, e2e: []string{""}},
		{name: "a detail in the other direction (a return inside a batch)", closing: "80.00",
			entry:   ntry("20.00", "DBIT", "", tx("a", "30.00")+strings.Replace(tx("b", "10.00"), "</Amt>", "</Amt><CdtDbtInd>CRDT</CdtDbtInd>", 1)),
			amounts: []int64{3000, 1000}, e2e: []string{"a", "b"}, wantDirs: []reconcile.Direction{reconcile.Debit, reconcile.Credit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := decodeOne(t, doc(ns053v2, header(tt.closing)+"\n"+tt.entry), camt053.Options{})
			require.Len(t, st.Entries, len(tt.amounts))
			for i, e := range st.Entries {
				assert.Equal(t, tt.amounts[i], e.Amount)
				assert.Equal(t, tt.e2e[i], e.EndToEnd)
				assert.Equal(t, "line 11", e.Position)
				assert.Equal(t, "BATCH-7", e.Fields["Btch/PmtInfId"])
				if tt.wantDirs != nil {
					assert.Equal(t, tt.wantDirs[i], e.Direction)
				} else {
					assert.Equal(t, reconcile.Debit, e.Direction)
				}
				if tt.e2e[i] != "" && e.Direction == reconcile.Debit { // money out: the creditor is the counterparty
					assert.Equal(t, "Vendor "+tt.e2e[i], e.CounterpartyName)
				}
			}
			var codes []string
			for _, w := range st.Warnings {
				codes = append(codes, w.Code)
				if w.Code == "batch_not_split" {
					assert.Contains(t, w.Message, tt.warning)
					assert.Contains(t, w.Message, "line 11")
				}
			}
			if tt.warning != "" {
				assert.Equal(t, []string{"batch_not_split"}, codes)
				assert.Equal(t, fmt.Sprint(strings.Count(tt.entry, "<TxDtls>")), st.Entries[0].Fields["TxDtls"])
				assert.Equal(t, "3", st.Entries[0].Fields["Btch/NbOfTxs"])
			} else {
				assert.Empty(t, codes)
			}
		})
	}
}

func TestReversal(t *testing.T) {
	e := `<Ntry><Amt Ccy="TRY">25.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-01-02</Dt></BookgDt><ValDt><Dt>2024-01-02</Dt></ValDt>
<NtryDtls><TxDtls><Refs><EndToEndId>pay_9</EndToEndId></Refs><RltdPties><Dbtr><Nm>Us</Nm></Dbtr><Cdtr><Nm>Them</Nm></Cdtr>
<CdtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></CdtrAcct></RltdPties><RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>`
	st := decodeOne(t, doc(ns053v2, header("125.00")+"\n"+e), camt053.Options{})
	require.Len(t, st.Entries, 1)
	got := st.Entries[0]
	assert.True(t, got.Reversal)
	assert.Equal(t, reconcile.Credit, got.Direction, "a reversed debit brings the money back")
	assert.Equal(t, "Them", got.CounterpartyName, "the parties are those of the payment reversed")
	assert.Equal(t, "DE89370400440532013000", got.CounterpartyIBAN)
	assert.Equal(t, "AC04", got.Fields["RtrInf/Rsn/Cd"])
	assert.Empty(t, st.Warnings)
}

func TestNotBookedEntriesAreLeftOut(t *testing.T) {
	body := header("110.00") + "\n" + ntry("10.00", "CRDT", "<Sts>BOOK</Sts>", "") + "\n" +
		ntry("5.00", "CRDT", "<Sts>PDNG</Sts>", "") + "\n" + ntry("7.00", "DBIT", "<Sts><Cd>INFO</Cd></Sts>", "")
	st := decodeOne(t, doc(ns053v2, body), camt053.Options{})
	require.Len(t, st.Entries, 1)
	require.Len(t, st.Warnings, 1)
	assert.Equal(t, "entries_not_booked", st.Warnings[0].Code)
	assert.Contains(t, st.Warnings[0].Message, "2 entries")
}

func TestCharsets(t *testing.T) {
	body := header("112.50") + "\n" + `<Ntry><Amt Ccy="TRY">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-02</Dt></BookgDt>
<AddtlNtryInf>TEXT</AddtlNtryInf></Ntry>`
	enc := func(e *charmap.Charmap, s string) string {
		b, err := e.NewEncoder().String(s)
		require.NoError(t, err)
		return b
	}
	declare := func(label, s string) string {
		return strings.Replace(s, `encoding="UTF-8"`, `encoding="`+label+`"`, 1)
	}
	const turkish = "ĞÜŞİÖÇğüşıöç"
	tests := []struct {
		name, text, charset, want string
	}{
		{"UTF-8", doc(ns053v2, strings.Replace(body, "TEXT", turkish, 1)), "", turkish},
		{"UTF-8 with BOM", "\ufeff" + doc(ns053v2, strings.Replace(body, "TEXT", turkish, 1)), "", turkish},
		{"declared ISO-8859-1", enc(charmap.ISO8859_1, declare("ISO-8859-1", doc(ns053v2, strings.Replace(body, "TEXT", "Zahlungsempfänger Müller", 1)))), "", "Zahlungsempfänger Müller"},
		{"declared ISO-8859-9", enc(charmap.ISO8859_9, declare("ISO-8859-9", doc(ns053v2, strings.Replace(body, "TEXT", turkish, 1)))), "", turkish},
		{"declared windows-1254", enc(charmap.Windows1254, declare("windows-1254", doc(ns053v2, strings.Replace(body, "TEXT", turkish+"€", 1)))), "", turkish + "€"},
		{"declared UTF-8 but Latin-1, forced", enc(charmap.ISO8859_1, doc(ns053v2, strings.Replace(body, "TEXT", "Müller", 1))), "ISO-8859-1", "Müller"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := decodeOne(t, tt.text, camt053.Options{Charset: tt.charset})
			require.Len(t, st.Entries, 1)
			assert.Equal(t, tt.want, st.Entries[0].Remittance)
		})
	}

	_, err := camt053.Decode(strings.NewReader(declare("x-klingon", doc(ns053v2, body))), camt053.Options{})
	var pe *reconcile.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, pe.Error(), "x-klingon")

	_, err = camt053.Decode(strings.NewReader(doc(ns053v2, body)), camt053.Options{Charset: "x-klingon"})
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "Options.Charset", pe.Field)
}

// TestDatesWithOffset: an ISO date may carry a time zone (XML Schema's date type allows "Z" or an
// offset after it); the date is the calendar date written, in entries, balances and FrToDt alike.
// A date followed by anything else is still refused.
func TestDatesWithOffset(t *testing.T) {
	body := strings.NewReplacer("<Dt>2024-01-01</Dt>", "<Dt>2024-01-01-05:00</Dt>", "<Dt>2024-01-02</Dt></Dt></Bal>", "<Dt>2024-01-02Z</Dt></Dt></Bal>").Replace(header("112.50")) + "\n" +
		`<FrToDt><FrDt>2024-01-01+03:00</FrDt><ToDt>2024-01-15Z</ToDt></FrToDt>
<Ntry><Amt Ccy="TRY">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-15+03:00</Dt></BookgDt><ValDt><Dt>2024-01-16+14:00</Dt></ValDt></Ntry>`
	st := decodeOne(t, doc(ns053v2, body), camt053.Options{})
	assert.True(t, st.HasOpening && st.HasClosing, "the balances' dates are read")
	assert.Empty(t, st.Warnings)
	assert.Equal(t, payment.MustDate("2024-01-01"), st.From)
	assert.Equal(t, payment.MustDate("2024-01-15"), st.To)
	require.Len(t, st.Entries, 1)
	assert.Equal(t, payment.MustDate("2024-01-15"), st.Entries[0].BookingDate)
	assert.Equal(t, payment.MustDate("2024-01-16"), st.Entries[0].ValueDate)

	for _, bad := range []string{"2024-01-15+3", "2024-01-15+03:00:00", "2024-01-15 03:00", "2024-01-15+0300", "2024-01-15ZZ", "2024-01-15+AB:CD", "2024-01-15+24:00"} {
		t.Run(bad, func(t *testing.T) {
			text := doc(ns053v2, header("112.50")+"\n"+strings.Replace(ntry("12.50", "CRDT", "", ""), "<BookgDt><Dt>2024-01-02", "<BookgDt><Dt>"+bad, 1))
			_, err := camt053.Decode(strings.NewReader(text), camt053.Options{})
			require.Error(t, err)
			got := parseErrors(err)
			require.Len(t, got, 1, "%v", err)
			assert.Equal(t, "Ntry/BookgDt", got[0].Field)
		})
	}
}

// TestDateTimes: a DtTm gives the calendar date written at its own offset; one whose time is not an
// XML Schema time of day (hh:mm:ss, a fraction, a zone) is an error at its line, as a bad date is.
func TestDateTimes(t *testing.T) {
	for _, good := range []string{"2024-01-15T10:30:00+03:00", "2024-01-15T23:59:59.999Z", "2024-01-15T00:00:00",
		"2024-01-15T10:30:00-14:00", "2024-01-15T24:00:00"} {
		t.Run(good, func(t *testing.T) {
			text := doc(ns053v2, header("112.50")+"\n"+strings.Replace(ntry("12.50", "CRDT", "", ""), "<BookgDt><Dt>2024-01-02</Dt>", "<BookgDt><DtTm>"+good+"</DtTm>", 1))
			st := decodeOne(t, text, camt053.Options{})
			require.Len(t, st.Entries, 1)
			assert.Equal(t, payment.MustDate("2024-01-15"), st.Entries[0].BookingDate)
		})
	}
	for _, bad := range []string{"2024-01-15Tgarbage", "2024-01-15T", "2024-01-15T10:30", "2024-01-15T25:00:00", "2024-01-15T10:60:00",
		"2024-01-15T10:30:60", "2024-01-15T10:30:00.", "2024-01-15T10:30:00+3", "2024-01-15T10:30:00ZZ", "2024-01-15T24:00:01", "2024-01-15T1:30:00"} {
		t.Run(bad, func(t *testing.T) {
			text := doc(ns053v2, header("112.50")+"\n"+strings.Replace(ntry("12.50", "CRDT", "", ""), "<BookgDt><Dt>2024-01-02</Dt>", "<BookgDt><DtTm>"+bad+"</DtTm>", 1))
			_, err := camt053.Decode(strings.NewReader(text), camt053.Options{})
			require.Error(t, err)
			got := parseErrors(err)
			require.Len(t, got, 1, "%v", err)
			assert.Equal(t, 11, got[0].Line)
			assert.Equal(t, "Ntry/BookgDt", got[0].Field)
			assert.Contains(t, got[0].Error(), bad)
		})
	}
}

// TestUTF16: a document in UTF-16, little- or big-endian, with a byte-order mark (or, without one,
// starting with its declaration as the XML specification's appendix F reads it) decodes as its
// UTF-8 original does, whether its declaration says UTF-16, UTF-8 or no encoding; lines and
// positions are those of the text.
func TestUTF16(t *testing.T) {
	body := header("112.50") + "\n" + `<Ntry><Amt Ccy="TRY">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2024-01-02</Dt></BookgDt>
<AddtlNtryInf>ĞÜŞİÖÇ ğüşıöç €</AddtlNtryInf></Ntry>`
	utf8 := doc(ns053v2, body)
	want := decodeOne(t, utf8, camt053.Options{})
	require.Equal(t, "ĞÜŞİÖÇ ğüşıöç €", want.Entries[0].Remittance)
	require.Equal(t, "line 11", want.Entries[0].Position)
	declared := strings.Replace(utf8, `encoding="UTF-8"`, `encoding="UTF-16"`, 1)
	undeclared := strings.Replace(utf8, ` encoding="UTF-8"`, "", 1)
	for _, tt := range []struct {
		name string
		enc  encoding.Encoding
		text string
	}{
		{"LE with BOM, declared UTF-16", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), declared},
		{"BE with BOM, declared UTF-16", unicode.UTF16(unicode.BigEndian, unicode.UseBOM), declared},
		{"LE with BOM, declared UTF-16LE", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), strings.Replace(declared, "UTF-16", "UTF-16LE", 1)},
		{"LE with BOM, no declared encoding", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), undeclared},
		{"BE with BOM, no declaration", unicode.UTF16(unicode.BigEndian, unicode.UseBOM), strings.SplitN(utf8, "\n", 2)[1]},
		{"LE with BOM, declared UTF-8 (the mark wins)", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), utf8},
		{"LE without BOM, declared UTF-16", unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), declared},
		{"BE without BOM, declared UTF-16", unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), declared},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.enc.NewEncoder().String(tt.text)
			require.NoError(t, err)
			got := decodeOne(t, b, camt053.Options{})
			if !strings.HasPrefix(tt.text, "<?xml") {
				require.Len(t, got.Entries, 1)
				assert.Equal(t, "line 10", got.Entries[0].Position, "one line less")
				got.Entries[0].Position = want.Entries[0].Position
			}
			assert.Equal(t, want, got)
		})
	}
}

// camt.054 notifications and camt.052 reports share the entry structure: they decode, and Format
// says which message they came from.
func TestNotificationsAndReports(t *testing.T) {
	entry := ntry("10.00", "CRDT", "", tx("a", "4.00")+tx("b", "6.00"))
	n054 := `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.04"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M</MsgId></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><IBAN>CH2909000000250094239</IBAN></Id></Acct>` + strings.ReplaceAll(entry, "TRY", "CHF") + `</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`
	st := decodeOne(t, n054, camt053.Options{})
	assert.Equal(t, camt053.FormatNotification, st.Format)
	assert.Equal(t, payment.Currency("CHF"), st.Currency)
	assert.False(t, st.HasOpening)
	assert.False(t, st.HasClosing)
	require.Len(t, st.Entries, 2)
	assert.Equal(t, "line 2", st.Entries[0].Position)

	r052 := strings.NewReplacer("BkToCstmrDbtCdtNtfctn", "BkToCstmrAcctRpt", "Ntfctn>", "Rpt>", "camt.054", "camt.052").Replace(n054)
	st = decodeOne(t, r052, camt053.Options{})
	assert.Equal(t, camt053.FormatReport, st.Format)
	require.Len(t, st.Entries, 2)
}

func TestNotAStatement(t *testing.T) {
	tests := map[string]string{
		"empty":    "",
		"pain.001": `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn><GrpHdr/></CstmrCdtTrfInitn></Document>`,
		"html":     "<html><body><table><tr><td>Tarih</td></tr></table></body></html>",
		"mt940":    ":20:STARTUMS\n:25:X\n",
		"csv":      "Tarih;Tutar\n01.01.2024;1,00\n",
		"binary":   "PK\x03\x04\x00\x00",
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			sts, err := camt053.Decode(strings.NewReader(text), camt053.Options{})
			assert.Nil(t, sts)
			require.ErrorIs(t, err, reconcile.ErrNotStatement)
			var pe *reconcile.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, camt053.Format, pe.Format)
			_, joined := err.(interface{ Unwrap() []error })
			assert.False(t, joined, "one clear error")
		})
	}
}

type wantErr struct {
	line  int
	field string
	msg   string
}

func TestMalformed(t *testing.T) {
	good := ntry("10.00", "CRDT", "", "")
	tests := []struct {
		name, text string
		want       []wantErr
	}{
		{"bad amount", doc(ns053v2, header("110.00")+"\n"+strings.Replace(good, "10.00", "10,00", 1)), []wantErr{{11, "Ntry/Amt", `"10,00": not an amount`}}},
		{"too many decimals", doc(ns053v2, header("110.00")+"\n"+strings.Replace(good, "10.00", "10.001", 1)), []wantErr{{11, "Ntry/Amt", "more decimal places"}}},
		{"negative amount", doc(ns053v2, header("110.00")+"\n"+strings.Replace(good, "10.00", "-10.00", 1)), []wantErr{{11, "Ntry/Amt", "has a sign"}}},
		{"unknown currency", doc(ns053v2, header("110.00")+"\n"+strings.Replace(good, `Ccy="TRY"`, `Ccy="XYZ"`, 1)), []wantErr{{11, "Ntry/Amt", `currency "XYZ"`}}},
		{"bad direction", doc(ns053v2, header("110.00")+"\n"+strings.Replace(good, "CRDT", "CREDIT", 1)), []wantErr{{11, "Ntry/CdtDbtInd", `"CREDIT"`}}},
		{"bad date", doc(ns053v2, header("110.00")+"\n"+strings.Replace(good, "<ValDt><Dt>2024-01-02", "<ValDt><Dt>2024-02-30", 1)), []wantErr{{11, "Ntry/ValDt", "not a valid date"}}},
		{"bad booking date followed by a value date", doc(ns053v2, header("110.00")+"\n"+strings.Replace(good, "<BookgDt><Dt>2024-01-02</Dt></BookgDt>", "<BookgDt><Dt>2024-02-30</Dt></BookgDt>\n", 1)), []wantErr{{11, "Ntry/BookgDt", "not a valid date"}}},
		{"bad reversal", doc(ns053v2, header("110.00")+"\n"+strings.Replace(good, "</CdtDbtInd>", "</CdtDbtInd><RvslInd>maybe</RvslInd>", 1)), []wantErr{{11, "Ntry/RvslInd", `"maybe"`}}},
		{"no account", doc(ns053v2, strings.Replace(header("110.00"), "<IBAN>TR330006100519786457841326</IBAN>", "", 1)+"\n"+good), []wantErr{{5, "Acct/Id", "no account"}}},
		{"balance without an amount", doc(ns053v2, strings.Replace(header("110.00"), `<Amt Ccy="TRY">100.00</Amt>`, "", 1)+"\n"+good), []wantErr{{8, "Bal/Amt", "OPBD balance has no Amt"}}},
		{"bad balance", doc(ns053v2, strings.Replace(header("110.00"), ">100.00<", ">1OO.00<", 1)+"\n"+good), []wantErr{{8, "Bal/Amt", `"1OO.00"`}}},
		{"broken XML mid-file", doc(ns053v2, header("110.00")+"\n"+good+"\n<Ntry><Amt>1</Ntry>"), []wantErr{{12, "Document/BkToCstmrStmt/Stmt/Ntry/Amt", "element <Amt> closed by </Ntry>"}}},
		{"truncated document", strings.SplitAfter(doc(ns053v2, header("110.00")+"\n"+good), "</Ntry>")[0], []wantErr{{11, "Document/BkToCstmrStmt/Stmt", "unexpected end of document"}}},
		{"stray end tag", doc(ns053v2, header("110.00")+"\n"+good+"\n</Bal>"), []wantErr{{12, "Document/BkToCstmrStmt/Stmt", "element <Stmt> closed by </Bal>"}}},
		{"raw < in text", doc(ns053v2, header("110.00")+"\n"+strings.Replace(good, "</Amt>", " < 5</Amt>", 1)), []wantErr{{11, "Document/BkToCstmrStmt/Stmt/Ntry/Amt", "a '<' that starts no tag (text writes it as &lt;)"}}},
		{"a message without a statement", strings.Replace(doc(ns053v2, ""), "<Stmt>\n\n</Stmt>\n", "", 1), []wantErr{{3, "BkToCstmrStmt", "holds no <Stmt>"}}},
		{"problems are collected with their lines", doc(ns053v2, header("110.00")+"\n"+strings.Replace(good, "10.00", "x", 1)+"\n"+good+"\n"+strings.Replace(good, "CRDT", "?", 1)),
			[]wantErr{{11, "Ntry/Amt", `"x"`}, {13, "Ntry/CdtDbtInd", `"?"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sts, err := camt053.Decode(strings.NewReader(tt.text), camt053.Options{})
			require.Error(t, err)
			assert.Nil(t, sts)
			assert.ErrorIs(t, err, reconcile.ErrParse)
			assert.NotErrorIs(t, err, reconcile.ErrNotStatement)
			got := parseErrors(err)
			require.Len(t, got, len(tt.want), "%v", err)
			for i, w := range tt.want {
				assert.Equal(t, w.line, got[i].Line, got[i].Error())
				assert.Equal(t, w.field, got[i].Field, got[i].Error())
				assert.Contains(t, got[i].Error(), w.msg)
			}
		})
	}
}

func parseErrors(err error) []*reconcile.ParseError {
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
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

func TestBalanceMismatchAndStrict(t *testing.T) {
	text := doc(ns053v2, header("150.00")+"\n"+ntry("10.00", "CRDT", "", ""))
	st := decodeOne(t, text, camt053.Options{})
	require.Len(t, st.Warnings, 1)
	assert.Equal(t, reconcile.Warning{Code: "balance_mismatch", Difference: 4000,
		Message: "opening balance 100.00 plus entries 10.00 is 110.00, but the closing balance is 150.00"}, st.Warnings[0])

	_, err := camt053.Decode(strings.NewReader(text), camt053.Options{Strict: true})
	require.ErrorIs(t, err, reconcile.ErrBalanceMismatch)
	pe := parseErrors(err)
	require.Len(t, pe, 1)
	assert.Equal(t, 9, pe[0].Line, "the line of the CLBD balance")
}

func TestErrorsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(header("100.00"))
	for range 150 {
		b.WriteString("\n" + ntry("x", "CRDT", "", ""))
	}
	_, err := camt053.Decode(strings.NewReader(doc(ns053v2, b.String())), camt053.Options{})
	require.Error(t, err)
	assert.Len(t, parseErrors(err), reconcile.MaxErrors)
}

func TestStreamMatchesDecode(t *testing.T) {
	text := doc(ns053v2, header("140.00")+"\n"+ntry("60.00", "DBIT", "", tx("a", "10.00")+tx("b", "20.00")+tx("c", "30.00"))+"\n"+ntry("100.00", "CRDT", "", ""))
	want, err := camt053.Decode(strings.NewReader(text), camt053.Options{})
	require.NoError(t, err)
	var got []reconcile.Entry
	var ends []reconcile.Statement
	err = camt053.Stream(strings.NewReader(text), camt053.Options{}, func(st *reconcile.Statement, e *reconcile.Entry) error {
		if e == nil {
			ends = append(ends, *st)
			return nil
		}
		assert.Equal(t, "TR330006100519786457841326", st.Account, "the header is known before the entries")
		assert.True(t, st.HasOpening)
		got = append(got, *e)
		return nil
	})
	require.NoError(t, err)
	require.Len(t, ends, 1)
	assert.Empty(t, ends[0].Entries)
	assert.Equal(t, want[0].Warnings, ends[0].Warnings)
	assert.Equal(t, want[0].From, ends[0].From)
	require.Len(t, got, len(want[0].Entries))
	for i := range got {
		w := want[0].Entries[i]
		w.Fingerprint = ""
		assert.Equal(t, w, got[i])
	}

	stop := errors.New("enough")
	err = camt053.Stream(strings.NewReader(text), camt053.Options{}, func(*reconcile.Statement, *reconcile.Entry) error { return stop })
	assert.ErrorIs(t, err, stop)
}

// An entry booked in another currency than the account's cannot be added to the account's balances:
// Decode and Stream both say the balances were not checked, rather than add 40.00 USD to TRY.
func TestEntryInAnotherCurrencyLeavesBalancesUnchecked(t *testing.T) {
	usd := strings.Replace(ntry("40.00", "CRDT", "", ""), `Ccy="TRY"`, `Ccy="USD"`, 1)
	text := doc(ns053v2, header("140.00")+"\n"+usd)
	want := "the balances were not checked: 1 entry is in USD, not in the statement's TRY"
	st := decodeOne(t, text, camt053.Options{Strict: true})
	require.Len(t, st.Warnings, 1)
	assert.Equal(t, reconcile.WarningBalanceUnchecked, st.Warnings[0].Code)
	assert.Equal(t, want, st.Warnings[0].Message)

	var ends []reconcile.Statement
	err := camt053.Stream(strings.NewReader(text), camt053.Options{Strict: true}, func(st *reconcile.Statement, e *reconcile.Entry) error {
		if e == nil {
			ends = append(ends, *st)
		}
		return nil
	})
	require.NoError(t, err)
	require.Len(t, ends, 1)
	assert.Equal(t, st.Warnings, ends[0].Warnings)

	// A TRY entry beside it does not make the balances checkable either.
	text = doc(ns053v2, header("150.00")+"\n"+usd+"\n"+ntry("10.00", "CRDT", "", ""))
	ends = nil
	require.NoError(t, camt053.Stream(strings.NewReader(text), camt053.Options{}, func(st *reconcile.Statement, e *reconcile.Entry) error {
		if e == nil {
			ends = append(ends, *st)
		}
		return nil
	}))
	require.Len(t, ends, 1)
	assert.Equal(t, decodeOne(t, text, camt053.Options{}).Warnings, ends[0].Warnings)
}

// A running balance that leaves the range of amounts is a balance mismatch for Stream as for Decode,
// even under Strict: Stream summed the entries without the opening balance, so entries whose total
// overflowed, or came back in range, passed with no warning where Decode refused the statement.
func TestStreamOverflowingBalanceAsDecode(t *testing.T) {
	const huge = "92233720368547758.07" // the largest amount in minor units
	for name, entries := range map[string]string{
		"entries beyond the range": ntry("50000000000000000.00", "CRDT", "", "") + "\n" + ntry("50000000000000000.00", "CRDT", "", ""),
		"out and back in":          ntry(huge, "CRDT", "", "") + "\n" + ntry(huge, "DBIT", "", ""),
	} {
		t.Run(name, func(t *testing.T) {
			text := doc(ns053v2, header("100.00")+"\n"+entries)
			st := decodeOne(t, text, camt053.Options{})
			require.Len(t, st.Warnings, 1)
			assert.Contains(t, st.Warnings[0].Message, "leaves the range of amounts")
			var ends []reconcile.Statement
			require.NoError(t, camt053.Stream(strings.NewReader(text), camt053.Options{}, func(st *reconcile.Statement, e *reconcile.Entry) error {
				if e == nil {
					ends = append(ends, *st)
				}
				return nil
			}))
			require.Len(t, ends, 1)
			assert.Equal(t, st.Warnings, ends[0].Warnings)

			_, decodeErr := camt053.Decode(strings.NewReader(text), camt053.Options{Strict: true})
			require.ErrorIs(t, decodeErr, reconcile.ErrBalanceMismatch)
			streamErr := camt053.Stream(strings.NewReader(text), camt053.Options{Strict: true},
				func(*reconcile.Statement, *reconcile.Entry) error { return nil })
			assert.EqualError(t, streamErr, decodeErr.Error())
		})
	}
}

// TestBalanceAfterEntries: the schema puts a statement's balances before its entries; a <Bal> after
// an <Ntry> is not read, and a warning at its line says so (the closing balance it may be is then
// not checked), rather than nothing.
func TestBalanceAfterEntries(t *testing.T) {
	text := doc(ns053v2, `<Id>S1</Id>
<Acct><Id><IBAN>TR330006100519786457841326</IBAN></Id><Ccy>TRY</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="TRY">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-01</Dt></Dt></Bal>
`+ntry("10.00", "CRDT", "", "")+`
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="TRY">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-02</Dt></Dt></Bal>`)
	want := []reconcile.Warning{{Code: "balance_after_entries",
		Message: "line 10: the CLBD balance comes after the statement's entries, where camt.053 has no balances; left out"}}
	st := decodeOne(t, text, camt053.Options{})
	assert.False(t, st.HasClosing)
	assert.Equal(t, want, st.Warnings)

	var streamed []reconcile.Warning
	require.NoError(t, camt053.Stream(strings.NewReader(text), camt053.Options{}, func(st *reconcile.Statement, e *reconcile.Entry) error {
		if e == nil {
			streamed = append(streamed, st.Warnings...)
		}
		return nil
	}))
	assert.Equal(t, want, streamed, "Stream says it too")
}
