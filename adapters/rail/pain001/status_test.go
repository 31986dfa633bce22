package pain001_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orkesta/orkesta/adapters/rail/pain001"
	"github.com/orkesta/orkesta/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const swissSample = "testdata/pain002/moov-iso20022__pain002-epo_p_ch2909000000250094239_1109800799_0_2018032612092784.xml"

func TestParseRealStatusReport(t *testing.T) {
	f, err := os.Open(swissSample)
	require.NoError(t, err)
	defer f.Close()
	rep, err := pain001.ParseStatusReport(f)
	require.NoError(t, err)
	assert.Equal(t, &pain001.StatusReport{
		MessageID: "20180326375204011678275", OriginalMessageID: "MsgId-006", OriginalMessageType: "pain.001.001.03.ch.02",
		Batches: []pain001.BatchStatus{{
			OriginalID: "PmtInfId-006-01", Status: "RJCT",
			Reasons: []pain001.Reason{{Code: "NARR", AdditionalInfo: []string{"1297193;Sammelauftrag ohne ausführbaren Einzelauftrag"}}},
			Transactions: []pain001.TransactionStatus{{
				OriginalInstructionID: "InstrId-006-01-01", OriginalEndToEndID: "EndToEndId-006-01-01", Status: "RJCT",
				Reasons: []pain001.Reason{{Code: "AC01", AdditionalInfo: []string{"1301813;Konto ungültig"}}},
			}},
		}},
	}, rep)
}

// TestParseStatusReportInDeclaredEncoding: a report in the encoding its XML declaration names (a
// Turkish bank's ISO-8859-9) is read, its text in UTF-8; an encoding nobody knows is refused by name.
func TestParseStatusReportInDeclaredEncoding(t *testing.T) {
	doc := `<?xml version="1.0" encoding="ISO-8859-9"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>STS-9</MsgId></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>MSG-1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>RJCT</GrpSts>
<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Hesap kapal` + "\xfd" /* ı in ISO-8859-9 */ + `</AddtlInf></StsRsnInf></OrgnlGrpInfAndSts>
</CstmrPmtStsRpt></Document>`
	rep, err := pain001.ParseStatusReport(strings.NewReader(doc))
	require.NoError(t, err)
	assert.Equal(t, "MSG-1", rep.OriginalMessageID)
	assert.Equal(t, []pain001.Reason{{Code: "AC04", AdditionalInfo: []string{"Hesap kapalı"}}}, rep.GroupReasons)

	_, err = pain001.ParseStatusReport(strings.NewReader(strings.Replace(doc, "ISO-8859-9", "X-NOBODY", 1)))
	assert.ErrorIs(t, err, pain001.ErrNotStatusReport)
	assert.ErrorContains(t, err, `unknown encoding "X-NOBODY"`)
}

func TestParseStatusReportRefuses(t *testing.T) {
	tests := map[string]string{
		"not xml":   "MsgId,Status\n1,RJCT\n",
		"pain.001":  `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>`,
		"camt.053":  `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/></Document>`,
		"no report": `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"></Document>`,
		"truncated": `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr>`,
		"empty":     "",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := pain001.ParseStatusReport(strings.NewReader(in))
			assert.ErrorIs(t, err, pain001.ErrNotStatusReport)
		})
	}
}

// tx is one TxInfAndSts of a built report.
type tx struct {
	e2e, status, code, info string
}

// pain002 builds a pain.002.001.03 report as a bank would send it about a file.
func pain002(origMsg, grpSts string, batches map[string]struct {
	status, code string
	txs          []tx
}, order []string) []byte {
	var b strings.Builder
	reason := func(code, info string) {
		if code == "" {
			return
		}
		b.WriteString("<StsRsnInf><Rsn><Cd>" + code + "</Cd></Rsn>")
		if info != "" {
			b.WriteString("<AddtlInf>" + info + "</AddtlInf>")
		}
		b.WriteString("</StsRsnInf>")
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>`)
	b.WriteString(`<GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-01-15T11:00:00</CreDtTm><InitgPty><Nm>Akbank</Nm></InitgPty></GrpHdr>`)
	b.WriteString(`<OrgnlGrpInfAndSts><OrgnlMsgId>` + origMsg + `</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>`)
	if grpSts != "" {
		b.WriteString("<GrpSts>" + grpSts + "</GrpSts>")
		if grpSts == "RJCT" {
			reason("FF01", "schema error")
		}
	}
	b.WriteString("</OrgnlGrpInfAndSts>\n")
	for _, id := range order {
		bt := batches[id]
		b.WriteString("<OrgnlPmtInfAndSts><OrgnlPmtInfId>" + id + "</OrgnlPmtInfId>")
		if bt.status != "" {
			b.WriteString("<PmtInfSts>" + bt.status + "</PmtInfSts>")
			reason(bt.code, "")
		}
		for _, t := range bt.txs {
			b.WriteString("<TxInfAndSts><OrgnlEndToEndId>" + t.e2e + "</OrgnlEndToEndId><TxSts>" + t.status + "</TxSts>")
			reason(t.code, t.info)
			b.WriteString("</TxInfAndSts>")
		}
		b.WriteString("</OrgnlPmtInfAndSts>\n")
	}
	b.WriteString("</CstmrPmtStsRpt></Document>\n")
	return []byte(b.String())
}

type batchSpec = struct {
	status, code string
	txs          []tx
}

// written sets up a rail env with n payments written to one file and returns them with the file.
func written(t *testing.T, n int) (*railEnv, []payment.Payment, pain001.FileInfo) {
	t.Helper()
	e := newRailEnv(t, pain001.Options{})
	var ps []payment.Payment
	for i := range n {
		ps = append(ps, e.approved(t, func(r *payment.Request) {
			r.ToAccount = e.creditors[i%3].ID
			if i >= n/2 {
				r.ValueDate = r.ValueDate.AddDays(1) // a second batch
			}
		}))
	}
	e.step(t)
	var buf bytes.Buffer
	info, err := e.rail.WriteFile(ctx, pain001.Debtor{Workspace: e.Workspace.ID, Account: e.Own.ID}, &buf)
	require.NoError(t, err)
	require.Len(t, info.Batches, 2)
	return e, ps, info
}

func TestApplyTransactionStatuses(t *testing.T) {
	e, ps, info := written(t, 4)
	doc := pain002(info.MessageID, "PART", map[string]batchSpec{
		info.Batches[0].ID: {txs: []tx{
			{ps[0].EndToEnd, "RJCT", "AC01", ""},
			{ps[1].EndToEnd, "ACSP", "", ""},
		}},
		info.Batches[1].ID: {status: "ACCP", txs: []tx{
			{ps[2].EndToEnd, "RJCT", "AM04", "bakiye yetersiz"},
			{"NOTOURS000000000", "RJCT", "AC01", ""},
		}},
	}, []string{info.Batches[0].ID, info.Batches[1].ID})
	xsdValid(t, "pain.002.001.03.xsd", doc)
	rep, err := pain001.ParseStatusReport(bytes.NewReader(doc))
	require.NoError(t, err)

	out, err := pain001.ApplyStatusReport(ctx, e.Service, e.Workspace.ID, rep, pain001.ApplyOptions{Files: []pain001.FileInfo{info}})
	require.NoError(t, err)
	results := func(out []pain001.Outcome) []string {
		var s []string
		for _, o := range out {
			s = append(s, fmt.Sprintf("%s %s %s %s", o.EndToEndID, o.Status, o.Result, o.Code))
		}
		return s
	}
	assert.Equal(t, []string{
		ps[0].EndToEnd + " RJCT failed AC01",
		ps[1].EndToEnd + " ACSP kept_processing ",
		ps[2].EndToEnd + " RJCT failed AM04",
		"NOTOURS000000000 RJCT unknown ",
		ps[3].EndToEnd + " ACCP kept_processing ", // not listed: the batch status covers it
	}, results(out))

	p0 := e.get(t, ps[0].ID)
	assert.Equal(t, payment.StatusFailed, p0.Status)
	assert.Equal(t, "AC01", p0.FailureCode)
	assert.Equal(t, "rejected by the bank: AC01 incorrect account number", p0.FailureReason)
	p2 := e.get(t, ps[2].ID)
	assert.Equal(t, "rejected by the bank: AM04 insufficient funds: bakiye yetersiz", p2.FailureReason)
	for _, p := range []payment.Payment{ps[1], ps[3]} {
		assert.Equal(t, payment.StatusProcessing, e.get(t, p.ID).Status)
	}
	h, err := e.Service.History(ctx, e.Workspace.ID, ps[0].ID)
	require.NoError(t, err)
	assert.Equal(t, "pain002", h[len(h)-1].Actor)

	// The same report again changes nothing.
	again, err := pain001.ApplyStatusReport(ctx, e.Service, e.Workspace.ID, rep, pain001.ApplyOptions{Files: []pain001.FileInfo{info}})
	require.NoError(t, err)
	assert.Equal(t, pain001.ResultAlreadyFailed, again[0].Result)
	assert.Equal(t, pain001.ResultAlreadyFailed, again[2].Result)
	h2, err := e.Service.History(ctx, e.Workspace.ID, ps[0].ID)
	require.NoError(t, err)
	assert.Len(t, h2, len(h))
}

// TestApplyFindsTransfersByInstructionID: OrgnlEndToEndId and OrgnlInstrId are both optional in a
// pain.002. A bank that names a rejected transfer only by OrgnlInstrId (the end-to-end key too, in the
// files Build writes) still fails its payment, rather than leaving it processing as "unknown" under
// the file's PART.
func TestApplyFindsTransfersByInstructionID(t *testing.T) {
	e, ps, info := written(t, 2)
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>STS-2</MsgId><CreDtTm>2026-01-15T11:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>` + info.MessageID + `</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>` + info.Batches[0].ID + `</OrgnlPmtInfId>
<TxInfAndSts><OrgnlInstrId>` + ps[0].EndToEnd + `</OrgnlInstrId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf></TxInfAndSts>
</OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>
`
	rep, err := pain001.ParseStatusReport(strings.NewReader(doc))
	require.NoError(t, err)
	out, err := pain001.ApplyStatusReport(ctx, e.Service, e.Workspace.ID, rep, pain001.ApplyOptions{Files: []pain001.FileInfo{info}})
	require.NoError(t, err)
	require.NotEmpty(t, out)
	assert.Equal(t, pain001.Outcome{EndToEndID: ps[0].EndToEnd, PaymentID: ps[0].ID, Status: "RJCT", Result: pain001.ResultFailed,
		Code: "AC04", Message: "rejected by the bank: AC04 closed account number"}, out[0])
	p := e.get(t, ps[0].ID)
	assert.Equal(t, payment.StatusFailed, p.Status)
	assert.Equal(t, "AC04", p.FailureCode)
	assert.Equal(t, payment.StatusProcessing, e.get(t, ps[1].ID).Status, "PART covers the other transfer")
	xsdValid(t, "pain.002.001.03.xsd", []byte(doc)) // last: it skips the test without xmllint
}

// TestApplyFileRejectionCoversListedTransfersWithoutStatus: TxSts and PmtInfSts are optional. A
// report that rejects the whole file (GrpSts RJCT) and lists a transfer without a status of its own
// rejects that transfer too, with the file's reasons, as it rejects the transfers it does not list.
func TestApplyFileRejectionCoversListedTransfersWithoutStatus(t *testing.T) {
	e, ps, info := written(t, 2)
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>STS-3</MsgId><CreDtTm>2026-01-15T11:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>` + info.MessageID + `</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>` + info.Batches[0].ID + `</OrgnlPmtInfId>
<TxInfAndSts><OrgnlEndToEndId>` + ps[0].EndToEnd + `</OrgnlEndToEndId></TxInfAndSts>
</OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>
`
	rep, err := pain001.ParseStatusReport(strings.NewReader(doc))
	require.NoError(t, err)
	out, err := pain001.ApplyStatusReport(ctx, e.Service, e.Workspace.ID, rep, pain001.ApplyOptions{Files: []pain001.FileInfo{info}})
	require.NoError(t, err)
	require.Len(t, out, 2)
	for i, p := range ps {
		assert.Equal(t, pain001.ResultFailed, out[i].Result, "%s", p.ID)
		assert.Equal(t, "FF01", out[i].Code)
		got := e.get(t, p.ID)
		assert.Equal(t, payment.StatusFailed, got.Status)
		assert.Equal(t, "rejected by the bank: FF01 invalid file format", got.FailureReason)
	}
	xsdValid(t, "pain.002.001.03.xsd", []byte(doc)) // last: it skips the test without xmllint
}

func TestApplyBatchAndFileRejections(t *testing.T) {
	t.Run("batch rejected without transaction details", func(t *testing.T) {
		e, ps, info := written(t, 4)
		doc := pain002(info.MessageID, "", map[string]batchSpec{info.Batches[1].ID: {status: "RJCT", code: "DT01"}},
			[]string{info.Batches[1].ID})
		xsdValid(t, "pain.002.001.03.xsd", doc)
		rep, err := pain001.ParseStatusReport(bytes.NewReader(doc))
		require.NoError(t, err)
		out, err := pain001.ApplyStatusReport(ctx, e.Service, e.Workspace.ID, rep, pain001.ApplyOptions{Files: []pain001.FileInfo{info}})
		require.NoError(t, err)
		require.Len(t, out, len(info.Batches[1].Payments))
		for _, id := range info.Batches[1].Payments {
			p := e.get(t, id)
			assert.Equal(t, payment.StatusFailed, p.Status)
			assert.Equal(t, "DT01", p.FailureCode)
		}
		for _, id := range info.Batches[0].Payments {
			assert.Equal(t, payment.StatusProcessing, e.get(t, id).Status, "the other batch is untouched")
		}
		assert.Len(t, ps, 4)
	})
	t.Run("batch rejected with one transaction named", func(t *testing.T) {
		e, ps, info := written(t, 4)
		named := e.get(t, info.Batches[0].Payments[0])
		doc := pain002(info.MessageID, "", map[string]batchSpec{info.Batches[0].ID: {status: "RJCT", code: "NARR",
			txs: []tx{{named.EndToEnd, "RJCT", "AC04", ""}}}}, []string{info.Batches[0].ID})
		rep, err := pain001.ParseStatusReport(bytes.NewReader(doc))
		require.NoError(t, err)
		_, err = pain001.ApplyStatusReport(ctx, e.Service, e.Workspace.ID, rep, pain001.ApplyOptions{Files: []pain001.FileInfo{info}})
		require.NoError(t, err)
		assert.Equal(t, "AC04", e.get(t, named.ID).FailureCode, "the transaction's own reason")
		assert.Equal(t, "NARR", e.get(t, info.Batches[0].Payments[1]).FailureCode, "the batch's reason for the rest")
		assert.Len(t, ps, 4)
	})
	t.Run("file rejected", func(t *testing.T) {
		e, ps, info := written(t, 3)
		doc := pain002(info.MessageID, "RJCT", nil, nil)
		xsdValid(t, "pain.002.001.03.xsd", doc)
		rep, err := pain001.ParseStatusReport(bytes.NewReader(doc))
		require.NoError(t, err)
		out, err := pain001.ApplyStatusReport(ctx, e.Service, e.Workspace.ID, rep, pain001.ApplyOptions{Files: []pain001.FileInfo{info}})
		require.NoError(t, err)
		require.Len(t, out, 3)
		for _, p := range ps {
			got := e.get(t, p.ID)
			assert.Equal(t, payment.StatusFailed, got.Status)
			assert.Equal(t, "FF01", got.FailureCode)
			assert.Equal(t, "rejected by the bank: FF01 invalid file format: schema error", got.FailureReason)
		}
	})
	t.Run("rejection of a settled payment", func(t *testing.T) {
		e, ps, info := written(t, 2)
		_, err := e.Service.Settle(ctx, e.Workspace.ID, ps[0].ID, "statement", "booked")
		require.NoError(t, err)
		doc := pain002(info.MessageID, "RJCT", nil, nil)
		rep, err := pain001.ParseStatusReport(bytes.NewReader(doc))
		require.NoError(t, err)
		out, err := pain001.ApplyStatusReport(ctx, e.Service, e.Workspace.ID, rep, pain001.ApplyOptions{Files: []pain001.FileInfo{info}})
		require.NoError(t, err)
		byID := map[payment.ID]pain001.Result{}
		for _, o := range out {
			byID[o.PaymentID] = o.Result
		}
		assert.Equal(t, pain001.ResultNotProcessing, byID[ps[0].ID])
		assert.Equal(t, pain001.ResultFailed, byID[ps[1].ID])
		assert.Equal(t, payment.StatusSettled, e.get(t, ps[0].ID).Status, "never unsettled by a report")
	})
}

// TestApplyNamesPaymentsThatMovedOn: a transfer the report names one by one whose payment has moved
// on (settled by a statement before the report came) is that payment, left alone, not an unknown one.
func TestApplyNamesPaymentsThatMovedOn(t *testing.T) {
	e, ps, info := written(t, 2)
	_, err := e.Service.Settle(ctx, e.Workspace.ID, ps[0].ID, "statement", "booked")
	require.NoError(t, err)
	doc := pain002(info.MessageID, "", map[string]batchSpec{
		info.Batches[0].ID: {txs: []tx{{ps[0].EndToEnd, "ACSC", "", ""}}},
		info.Batches[1].ID: {txs: []tx{{ps[1].EndToEnd, "ACSC", "", ""}}},
	}, []string{info.Batches[0].ID, info.Batches[1].ID})
	rep, err := pain001.ParseStatusReport(bytes.NewReader(doc))
	require.NoError(t, err)
	out, err := pain001.ApplyStatusReport(ctx, e.Service, e.Workspace.ID, rep, pain001.ApplyOptions{Files: []pain001.FileInfo{info}})
	require.NoError(t, err)
	require.Len(t, out, 2)
	assert.Equal(t, pain001.Outcome{EndToEndID: ps[0].EndToEnd, PaymentID: ps[0].ID, Status: "ACSC",
		Result: pain001.ResultNotProcessing}, out[0])
	assert.Equal(t, pain001.Outcome{EndToEndID: ps[1].EndToEnd, PaymentID: ps[1].ID, Status: "ACSC",
		Result: pain001.ResultKept}, out[1])
	assert.Equal(t, payment.StatusSettled, e.get(t, ps[0].ID).Status)
}

// TestApplyRealSampleTouchesNothing: the PostFinance report names transfers this workspace never sent.
func TestApplyRealSampleTouchesNothing(t *testing.T) {
	e, ps, info := written(t, 2)
	f, err := os.Open(swissSample)
	require.NoError(t, err)
	defer f.Close()
	rep, err := pain001.ParseStatusReport(f)
	require.NoError(t, err)
	out, err := pain001.ApplyStatusReport(ctx, e.Service, e.Workspace.ID, rep, pain001.ApplyOptions{Files: []pain001.FileInfo{info}})
	require.NoError(t, err)
	require.Len(t, out, 1)
	assert.Equal(t, pain001.ResultUnknownPayment, out[0].Result)
	assert.Equal(t, "EndToEndId-006-01-01", out[0].EndToEndID)
	for _, p := range ps {
		assert.Equal(t, payment.StatusProcessing, e.get(t, p.ID).Status)
	}
}

func FuzzParseStatusReport(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/pain002/*.xml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add(pain002("MSG1", "RJCT", map[string]batchSpec{"B1": {status: "RJCT", code: "AC01", txs: []tx{{"E2E", "RJCT", "AM04", "x"}}}}, []string{"B1"}))
	f.Fuzz(func(t *testing.T, in []byte) {
		rep, err := pain001.ParseStatusReport(bytes.NewReader(in))
		if err != nil {
			assert.ErrorIs(t, err, pain001.ErrNotStatusReport)
			return
		}
		require.NotNil(t, rep)
	})
}
