package pain001_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/orkesta/orkesta/adapters/rail/pain001"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/camt053"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// uploaded is what a bank reads of a pain.001 file.
type uploaded struct {
	MsgID  string `xml:"CstmrCdtTrfInitn>GrpHdr>MsgId"`
	PmtInf []struct {
		ID     string `xml:"PmtInfId"`
		Date   string `xml:"ReqdExctnDt>Dt"`
		Debtor string `xml:"DbtrAcct>Id>IBAN"`
		Ccy    string `xml:"DbtrAcct>Ccy"`
		Tx     []struct {
			InstrID    string `xml:"PmtId>InstrId"`
			EndToEndID string `xml:"PmtId>EndToEndId"`
			Amount     string `xml:"Amt>InstdAmt"`
			Creditor   string `xml:"Cdtr>Nm"`
			IBAN       string `xml:"CdtrAcct>Id>IBAN"`
			Ustrd      string `xml:"RmtInf>Ustrd"`
		} `xml:"CdtTrfTxInf"`
	} `xml:"CstmrCdtTrfInitn>PmtInf"`
}

// bankStatement books every transfer of a pain.001 file as the debtor's bank would: one debit entry
// per transfer on its execution date, reporting the references the file carried (MsgId, PmtInfId,
// InstrId, EndToEndId), the creditor and the remittance text, in a camt.053.001.08 statement with
// opening and closing balances.
func bankStatement(t *testing.T, file []byte) []byte {
	t.Helper()
	var u uploaded
	require.NoError(t, xml.Unmarshal(file, &u))
	require.NotEmpty(t, u.PmtInf)
	esc := func(s string) string {
		var b strings.Builder
		require.NoError(t, xml.EscapeText(&b, []byte(s)))
		return b.String()
	}
	ccy := u.PmtInf[0].Ccy
	opening := int64(50_000_000_00)
	balance := opening
	first, last := u.PmtInf[0].Date, u.PmtInf[0].Date
	var entries strings.Builder
	n := 0
	for _, b := range u.PmtInf {
		first, last = min(first, b.Date), max(last, b.Date)
		for _, tx := range b.Tx {
			n++
			minor, err := payment.ParseMinor(tx.Amount, payment.Currency(ccy))
			require.NoError(t, err)
			balance -= minor
			fmt.Fprintf(&entries, `<Ntry><NtryRef>%d</NtryRef><Amt Ccy="%s">%s</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>`+
				`<BookgDt><Dt>%s</Dt></BookgDt><ValDt><Dt>%s</Dt></ValDt><AcctSvcrRef>AKB%08d</AcctSvcrRef>`+
				`<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>`+
				`<NtryDtls><TxDtls><Refs><MsgId>%s</MsgId><AcctSvcrRef>AKB%08d</AcctSvcrRef><PmtInfId>%s</PmtInfId>`+
				`<InstrId>%s</InstrId><EndToEndId>%s</EndToEndId></Refs><Amt Ccy="%s">%s</Amt><CdtDbtInd>DBIT</CdtDbtInd>`+
				`<RltdPties><Cdtr><Pty><Nm>%s</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>%s</IBAN></Id></CdtrAcct></RltdPties>`+
				`<RmtInf><Ustrd>%s</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`+"\n",
				n, ccy, tx.Amount, b.Date, b.Date, n, esc(u.MsgID), n, esc(b.ID), esc(tx.InstrID), esc(tx.EndToEndID),
				ccy, tx.Amount, esc(tx.Creditor), tx.IBAN, esc(tx.Ustrd))
		}
	}
	bal := func(code string, amount int64, date string) string {
		ind := "CRDT"
		if amount < 0 {
			ind, amount = "DBIT", -amount
		}
		return fmt.Sprintf(`<Bal><Tp><CdOrPrtry><Cd>%s</Cd></CdOrPrtry></Tp><Amt Ccy="%s">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Dt><Dt>%s</Dt></Dt></Bal>`,
			code, ccy, payment.FormatMinor(amount, payment.Currency(ccy)), ind, date)
	}
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>` +
		`<GrpHdr><MsgId>STMT-` + esc(u.MsgID) + `</MsgId><CreDtTm>` + last + `T23:00:00+03:00</CreDtTm></GrpHdr>` +
		`<Stmt><Id>STMT-1</Id><CreDtTm>` + last + `T23:00:00+03:00</CreDtTm>` +
		`<FrToDt><FrDtTm>` + first + `T00:00:00+03:00</FrDtTm><ToDtTm>` + last + `T23:59:59+03:00</ToDtTm></FrToDt>` +
		`<Acct><Id><IBAN>` + u.PmtInf[0].Debtor + `</IBAN></Id><Ccy>` + ccy + `</Ccy></Acct>` +
		bal("OPBD", opening, first) + bal("CLBD", balance, last) + "\n" +
		entries.String() + `</Stmt></BkToCstmrStmt></Document>` + "\n")
}

// TestRoundTrip: payments → pain.001 (valid against the XSD) → the camt.053 statement the bank sends
// back for that file (valid against its XSD) → camt053.Decode → the reconciliation engine, which
// matches every payment exactly, by its end-to-end key. Half of the payments share one amount and
// date, so only the key tells them apart.
func TestRoundTrip(t *testing.T) {
	e := newRailEnv(t, pain001.Options{})
	const n = 120
	var ps []payment.Payment
	for i := range n {
		ps = append(ps, e.approved(t, func(r *payment.Request) {
			r.ToAccount = e.creditors[i%3].ID
			r.Amount = 250_000 // the same amount and date for the first half…
			if i%2 == 1 {
				r.Method = payment.MethodEFT
				r.Amount = int64(1_000 + i*137) // …distinct amounts, over two days, for the rest
				r.ValueDate = r.ValueDate.AddDays(i % 2)
			}
			if i%4 == 0 {
				r.BatchID = "bat_01JRQ0NDTR1P00000000000000"
			}
			r.Reference = fmt.Sprintf("INV-%04d", i)
		}))
	}
	submitted := 0
	for st := e.step(t); st.Claimed > 0; st = e.step(t) {
		submitted += st.Submitted
	}
	require.Equal(t, n, submitted)

	var file bytes.Buffer
	info, err := e.rail.WriteFile(ctx, pain001.Debtor{Workspace: e.Workspace.ID, Account: e.Own.ID}, &file)
	require.NoError(t, err)
	require.Equal(t, n, info.Count)
	xsdValid(t, "pain.001.001.09.xsd", file.Bytes())

	camt := bankStatement(t, file.Bytes())
	xsdValid(t, "camt.053.001.08.xsd", camt)
	stmts, err := camt053.Decode(bytes.NewReader(camt), camt053.Options{Strict: true})
	require.NoError(t, err)
	require.Len(t, stmts, 1)
	require.Len(t, stmts[0].Entries, n)
	assert.Equal(t, ibanDebtor, stmts[0].Account)
	byE2E := make(map[string]payment.Payment, n)
	for _, p := range ps {
		byE2E[p.EndToEnd] = p
	}
	for _, en := range stmts[0].Entries {
		p, ok := byE2E[en.EndToEnd]
		require.True(t, ok, "entry %s carries an end-to-end key of ours: %q", en.Position, en.EndToEnd)
		assert.Equal(t, p.Amount, en.Amount)
		assert.Equal(t, reconcile.Debit, en.Direction)
	}

	page, err := e.Service.List(ctx, e.Workspace.ID, payment.ListFilter{Statuses: []payment.Status{payment.StatusProcessing}, Limit: 100})
	require.NoError(t, err)
	pays := reconcile.FromPayments(page.Payments)
	for page.HasMore {
		page, err = e.Service.List(ctx, e.Workspace.ID, payment.ListFilter{Statuses: []payment.Status{payment.StatusProcessing},
			Limit: 100, After: page.Payments[len(page.Payments)-1].ID})
		require.NoError(t, err)
		pays = append(pays, reconcile.FromPayments(page.Payments)...)
	}
	require.Len(t, pays, n)
	accounts, err := e.Service.ListAccounts(ctx, e.Workspace.ID)
	require.NoError(t, err)
	engine, err := reconcile.NewEngine(reconcile.Options{Accounts: accounts})
	require.NoError(t, err)
	res := engine.Match(stmts, pays)

	sum := res.ReportSummary()
	assert.Equal(t, n, sum.Exact, "every entry matched exactly")
	assert.Zero(t, sum.Fuzzy)
	assert.Zero(t, sum.UnmatchedEntries)
	assert.Zero(t, sum.UnmatchedPayments)
	assert.Zero(t, sum.Anomalies)
	matched := make(map[payment.ID]bool)
	for m := range res.MatchRows() {
		p := byE2E[m.Entry.EndToEnd]
		assert.Equal(t, p.ID, m.PaymentID, "the entry's end-to-end key leads to its payment")
		assert.Equal(t, reconcile.ScoreExact, m.Score, "%+v %v", m.Reasons, m.Notes)
		assert.Empty(t, m.Alternatives)
		var byKey bool
		for _, r := range m.Reasons {
			if r.Criterion == reconcile.CriterionReference && r.Matched && r.Key == "end_to_end_id" {
				byKey = true
			}
		}
		assert.True(t, byKey, "%s matched by its end-to-end key: %+v", p.ID, m.Reasons)
		assert.False(t, matched[m.PaymentID], "%s matched twice", m.PaymentID)
		matched[m.PaymentID] = true
	}
	assert.Len(t, matched, n)
}
