package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// statusReport writes a pain.002.001.03 report on the file origMsg: a group status (may be empty),
// and per payment block its status and transfers (end-to-end id, status, reason code).
func statusReport(t *testing.T, dir, name, origMsg, grpSts string, blocks ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>`)
	b.WriteString(`<GrpHdr><MsgId>STS-` + name + `</MsgId><CreDtTm>2026-01-15T11:00:00</CreDtTm></GrpHdr>`)
	b.WriteString(`<OrgnlGrpInfAndSts><OrgnlMsgId>` + origMsg + `</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>`)
	if grpSts != "" {
		b.WriteString(`<GrpSts>` + grpSts + `</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf>`)
	}
	b.WriteString(`</OrgnlGrpInfAndSts>`)
	for _, blk := range blocks {
		b.WriteString(blk)
	}
	b.WriteString(`</CstmrPmtStsRpt></Document>` + "\n")
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

func tx(e2e, status, code string) string {
	s := `<TxInfAndSts><OrgnlEndToEndId>` + e2e + `</OrgnlEndToEndId><TxSts>` + status + `</TxSts>`
	if code != "" {
		s += `<StsRsnInf><Rsn><Cd>` + code + `</Cd></Rsn></StsRsnInf>`
	}
	return s + `</TxInfAndSts>`
}

// TestImportPain002: the bank's status reports on an exported file fail the rejected payments with
// the bank's reason, leave the accepted ones processing, change nothing the second time, reach every
// payment of the file on a whole-file rejection, and say so when a block's rejection names no
// transfer.
func TestImportPain002(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 3)
	out := filepath.Join(h.dir, "transfers.xml")
	r := h.run("export", "pain001", "--account", own, "--out", out)
	require.Equal(t, ExitOK, r.code, r.stderr)
	xml, err := os.ReadFile(out)
	require.NoError(t, err)
	msg := regexp.MustCompile(`<MsgId>([^<]+)</MsgId>`).FindStringSubmatch(string(xml))[1]
	pmtInf := regexp.MustCompile(`<PmtInfId>([^<]+)</PmtInfId>`).FindStringSubmatch(string(xml))[1]
	_, e2e := paymentsState(t, h, ids)

	damaged := filepath.Join(h.dir, "damaged.xml")
	require.NoError(t, os.WriteFile(damaged, []byte("<Document>"), 0o600))
	rep := statusReport(t, h.dir, "rep1.xml", msg, "",
		`<OrgnlPmtInfAndSts><OrgnlPmtInfId>`+pmtInf+`</OrgnlPmtInfId>`+tx(e2e[0], "RJCT", "AC04")+tx(e2e[1], "ACSP", "")+
			tx("NOTOURS000000000", "RJCT", "AC01")+`</OrgnlPmtInfAndSts>`)
	r = h.run("import", "pain002", rep, damaged)
	require.Equal(t, ExitError, r.code)
	assert.Contains(t, r.stderr, "damaged.xml")
	statuses, _ := paymentsState(t, h, ids)
	assert.Equal(t, []payment.Status{payment.StatusProcessing, payment.StatusProcessing, payment.StatusProcessing}, statuses,
		"a damaged report changes nothing, not even the reports before it")

	r = h.run("import", "pain002", rep)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "1 failed, 1 kept_processing, 1 unknown")
	assert.Regexp(t, `RJCT\s+failed\s+rejected by the bank: AC04`, r.stdout, "the reason names its code once")
	p0, err := h.store.GetPayment(t.Context(), defaultWorkspace, payment.ID(ids[0]))
	require.NoError(t, err)
	assert.Equal(t, payment.StatusFailed, p0.Status)
	assert.Equal(t, "AC04", p0.FailureCode)
	statuses, _ = paymentsState(t, h, ids)
	assert.Equal(t, []payment.Status{payment.StatusFailed, payment.StatusProcessing, payment.StatusProcessing}, statuses)

	r = h.run("import", "pain002", rep)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "1 kept_processing, 1 already_failed, 1 unknown", "the same report again changes nothing")

	block := statusReport(t, h.dir, "rep2.xml", msg, "",
		`<OrgnlPmtInfAndSts><OrgnlPmtInfId>`+pmtInf+`</OrgnlPmtInfId><PmtInfSts>RJCT</PmtInfSts></OrgnlPmtInfAndSts>`)
	r = h.run("import", "pain002", block)
	require.Equal(t, ExitError, r.code)
	assert.Contains(t, r.stderr, "payment block "+pmtInf+": RJCT without naming its transfers")
	statuses, _ = paymentsState(t, h, ids)
	assert.Equal(t, []payment.Status{payment.StatusFailed, payment.StatusProcessing, payment.StatusProcessing}, statuses)

	accepted := statusReport(t, h.dir, "rep2a.xml", msg, "",
		`<OrgnlPmtInfAndSts><OrgnlPmtInfId>`+pmtInf+`</OrgnlPmtInfId><PmtInfSts>ACCP</PmtInfSts></OrgnlPmtInfAndSts>`)
	r = h.run("import", "pain002", accepted)
	require.Equal(t, ExitOK, r.code, "an accepted block needs no payment named: %s", r.stderr)

	file := statusReport(t, h.dir, "rep3.xml", msg, "RJCT")
	r = h.run("import", "pain002", "-o", "json", file)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"failed": 2`)
	statuses, _ = paymentsState(t, h, ids)
	assert.Equal(t, []payment.Status{payment.StatusFailed, payment.StatusFailed, payment.StatusFailed}, statuses,
		"a rejection of the whole file reaches every payment the export moved")

	r = h.run("import", "pain002")
	assert.Equal(t, ExitUsage, r.code)
}

// TestImportPain002WholeFileRejectionReachesNobody: a rejection of a whole file that no export of
// this database moved payments into (another database's file, a --dry-run's uploaded after all) is
// not applied to anything, and says so with exit code 1, instead of reporting success.
func TestImportPain002WholeFileRejectionReachesNobody(t *testing.T) {
	h := newHarness(t)
	own, ids := approvedTransfers(t, h, 2)
	out := filepath.Join(h.dir, "dry.xml")
	r := h.run("export", "pain001", "--account", own, "--out", out, "--dry-run")
	require.Equal(t, ExitOK, r.code, r.stderr)
	xml, err := os.ReadFile(out)
	require.NoError(t, err)
	msg := regexp.MustCompile(`<MsgId>([^<]+)</MsgId>`).FindStringSubmatch(string(xml))[1]

	rep := statusReport(t, h.dir, "rep.xml", msg, "RJCT")
	r = h.run("import", "pain002", rep)
	assert.Equal(t, ExitError, r.code, r.stdout)
	assert.Contains(t, r.stderr, "the whole file "+msg+": RJCT, but no export of this database moved a payment")
	statuses, _ := paymentsState(t, h, ids)
	assert.Equal(t, []payment.Status{payment.StatusApproved, payment.StatusApproved}, statuses)

	accepted := statusReport(t, h.dir, "acc.xml", msg, "ACCP")
	r = h.run("import", "pain002", accepted)
	assert.Equal(t, ExitOK, r.code, "an acceptance needs no payment: %s", r.stderr)
}
