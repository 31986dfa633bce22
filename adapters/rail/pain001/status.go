package pain001

import (
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/ianaindex"

	"github.com/orkesta/orkesta/payment"
)

// ErrNotStatusReport: the input is not a pain.002 customer payment status report.
var ErrNotStatusReport = errors.New("pain001: not a pain.002 status report")

// MaxStatusReportSize caps how much of a status report is read (64 MiB).
const MaxStatusReportSize = 64 << 20

// StatusReport is a pain.002 CustomerPaymentStatusReport: what the bank says about a file it got.
type StatusReport struct {
	MessageID           string // GrpHdr/MsgId of the report itself
	OriginalMessageID   string // the pain.001's MsgId
	OriginalMessageType string // "pain.001.001.09", …
	// GroupStatus is the status of the whole file (may be empty), with its reasons.
	GroupStatus  string
	GroupReasons []Reason
	Batches      []BatchStatus
}

// BatchStatus is the status of one PmtInf (OrgnlPmtInfAndSts).
type BatchStatus struct {
	OriginalID   string // OrgnlPmtInfId
	Status       string // PmtInfSts, may be empty
	Reasons      []Reason
	Transactions []TransactionStatus
}

// TransactionStatus is the status of one credit transfer (TxInfAndSts).
type TransactionStatus struct {
	OriginalInstructionID string
	OriginalEndToEndID    string
	Status                string // TxSts: RJCT, ACCP, ACSP, ACSC, PDNG, …
	Reasons               []Reason
}

// Reason is one StsRsnInf: an ISO reason code (or a proprietary one) and free text.
type Reason struct {
	Code           string // Rsn/Cd, e.g. AC01, AM04, NARR
	Proprietary    string // Rsn/Prtry
	AdditionalInfo []string
}

// xml shapes: local names only, so the ISO and the Swiss (six-interbank-clearing) namespaces both read.
type (
	xDoc struct {
		XMLName xml.Name
		Rpt     *xRpt `xml:"CstmrPmtStsRpt"`
	}
	xRpt struct {
		MsgID  string `xml:"GrpHdr>MsgId"`
		Grp    xGrp   `xml:"OrgnlGrpInfAndSts"`
		PmtInf []xPmt `xml:"OrgnlPmtInfAndSts"`
	}
	xGrp struct {
		MsgID string    `xml:"OrgnlMsgId"`
		NmID  string    `xml:"OrgnlMsgNmId"`
		Sts   string    `xml:"GrpSts"`
		Rsns  []xReason `xml:"StsRsnInf"`
	}
	xPmt struct {
		ID   string    `xml:"OrgnlPmtInfId"`
		Sts  string    `xml:"PmtInfSts"`
		Rsns []xReason `xml:"StsRsnInf"`
		Txs  []xTx     `xml:"TxInfAndSts"`
	}
	xTx struct {
		InstrID string    `xml:"OrgnlInstrId"`
		E2E     string    `xml:"OrgnlEndToEndId"`
		Sts     string    `xml:"TxSts"`
		Rsns    []xReason `xml:"StsRsnInf"`
	}
	xReason struct {
		Cd    string   `xml:"Rsn>Cd"`
		Prtry string   `xml:"Rsn>Prtry"`
		Info  []string `xml:"AddtlInf"`
	}
)

func reasons(xs []xReason) []Reason {
	var out []Reason
	for _, x := range xs {
		r := Reason{Code: strings.TrimSpace(x.Cd), Proprietary: strings.TrimSpace(x.Prtry)}
		for _, s := range x.Info {
			if s = strings.TrimSpace(s); s != "" {
				r.AdditionalInfo = append(r.AdditionalInfo, s)
			}
		}
		out = append(out, r)
	}
	return out
}

// ParseStatusReport reads a pain.002 status report (any 001.001.xx version, ISO or Swiss namespace),
// in UTF-8 or the encoding its XML declaration names.
func ParseStatusReport(r io.Reader) (*StatusReport, error) {
	var doc xDoc
	dec := xml.NewDecoder(io.LimitReader(r, MaxStatusReportSize))
	dec.CharsetReader = charsetReader
	if err := dec.Decode(&doc); err != nil {
		line, _ := dec.InputPos()
		return nil, fmt.Errorf("%w: line %d: %v", ErrNotStatusReport, line, err)
	}
	if doc.XMLName.Local != "Document" || doc.Rpt == nil || !strings.Contains(doc.XMLName.Space, "pain.002") {
		return nil, fmt.Errorf("%w: root %s%s has no CstmrPmtStsRpt in a pain.002 namespace", ErrNotStatusReport,
			doc.XMLName.Local, braced(doc.XMLName.Space))
	}
	x := doc.Rpt
	rep := &StatusReport{MessageID: strings.TrimSpace(x.MsgID), OriginalMessageID: strings.TrimSpace(x.Grp.MsgID),
		OriginalMessageType: strings.TrimSpace(x.Grp.NmID), GroupStatus: strings.TrimSpace(x.Grp.Sts),
		GroupReasons: reasons(x.Grp.Rsns)}
	for _, p := range x.PmtInf {
		b := BatchStatus{OriginalID: strings.TrimSpace(p.ID), Status: strings.TrimSpace(p.Sts), Reasons: reasons(p.Rsns)}
		for _, t := range p.Txs {
			b.Transactions = append(b.Transactions, TransactionStatus{OriginalInstructionID: strings.TrimSpace(t.InstrID),
				OriginalEndToEndID: strings.TrimSpace(t.E2E), Status: strings.TrimSpace(t.Sts), Reasons: reasons(t.Rsns)})
		}
		rep.Batches = append(rep.Batches, b)
	}
	return rep, nil
}

// charsetReader transcodes a report whose XML declaration names another encoding than UTF-8
// (ISO-8859-9, windows-1254, …: banks that write their statements so write their reports so too).
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	enc, err := ianaindex.IANA.Encoding(label)
	if err != nil || enc == nil {
		return nil, fmt.Errorf("unknown encoding %q", label)
	}
	return enc.NewDecoder().Reader(in), nil
}

func braced(s string) string {
	if s == "" {
		return ""
	}
	return " {" + s + "}"
}

// reasonText is the ISO 20022 meaning of common status reason codes, for failure messages.
var reasonText = map[string]string{
	"AC01": "incorrect account number", "AC04": "closed account number", "AC06": "blocked account",
	"AC13": "invalid debtor account type", "AG01": "transaction forbidden", "AG02": "invalid bank operation code",
	"AM01": "zero amount", "AM02": "not allowed amount", "AM04": "insufficient funds", "AM05": "duplication",
	"BE01": "inconsistent with end customer", "BE04": "missing creditor address", "CURR": "incorrect currency",
	"CUST": "requested by customer", "DT01": "invalid date", "DUPL": "duplicate payment",
	"FF01": "invalid file format", "MD07": "end customer deceased", "MS02": "not specified reason (customer)",
	"MS03": "not specified reason (agent)", "NARR": "narrative", "RC01": "bank identifier incorrect",
	"RR01": "missing debtor account or identification", "RR02": "missing debtor name or address",
	"RR03": "missing creditor name or address", "RR04": "regulatory reason", "TM01": "cut-off time",
}

// failure turns status reasons into a failure code and message: the first reason's code (or
// proprietary code), and every reason's meaning and free text.
func failure(rs []Reason) (code, msg string) {
	var parts []string
	for _, r := range rs {
		c := r.Code
		if c == "" {
			c = r.Proprietary
		}
		if code == "" {
			code = c
		}
		p := c
		if t, ok := reasonText[r.Code]; ok && r.Code != "NARR" {
			p += " " + t
		}
		if len(r.AdditionalInfo) > 0 {
			p += ": " + strings.Join(r.AdditionalInfo, " ")
		}
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if code == "" {
		code = "RJCT"
	}
	msg = "rejected by the bank"
	if len(parts) > 0 {
		msg += ": " + strings.Join(parts, "; ")
	}
	return code, msg
}

// Result says what a status report did to one payment.
type Result string

// Results.
const (
	ResultFailed         Result = "failed"          // rejected: the payment moved to failed
	ResultKept           Result = "kept_processing" // accepted or pending at the bank: still processing
	ResultAlreadyFailed  Result = "already_failed"  // rejected, and already failed (the report was read before)
	ResultNotProcessing  Result = "not_processing"  // the payment is settled or otherwise moved on: left alone
	ResultUnknownPayment Result = "unknown"         // the report names a transfer this workspace does not know
)

// Outcome is what a status report did to one payment.
type Outcome struct {
	EndToEndID string
	PaymentID  payment.ID // empty when unknown
	Status     string     // the bank's status code (RJCT, ACSP, …)
	Result     Result
	Code       string // failure code for rejections
	Message    string
}

// ApplyOptions configures ApplyStatusReport.
type ApplyOptions struct {
	// Files are the files the report may be about. They let a rejection of a whole batch (PmtInfSts
	// RJCT) or file (GrpSts RJCT) without transaction details reach its payments.
	Files []FileInfo
	// Actor is recorded in the history of failed payments ["pain002"].
	Actor string
}

// ApplyStatusReport applies a status report to the workspace's payments: a rejected transfer (RJCT)
// moves its payment to failed with the reason code and text; any other status (ACCP, ACSP, ACTC, ACSC,
// PDNG, …) keeps it processing, to be settled by a statement. Transfers are found by their
// EndToEndId (OrgnlEndToEndId, or OrgnlInstrId when the report gives only that: Build writes the
// end-to-end key as both) among the workspace's processing and failed payments, and among the payments of
// opts.Files (a payment settled before the report came is not_processing, not unknown). Applying the
// same report twice changes nothing the second time. A batch (PmtInfSts) or file (GrpSts) status
// applies to the transfers of the batch or file that the report does not list one by one (so a
// rejected batch rejects all of them): those are found through opts.Files. It returns one outcome
// per transfer the report names or implies, in report order.
func ApplyStatusReport(ctx context.Context, svc *payment.Service, ws payment.WorkspaceID, rep *StatusReport, opts ApplyOptions) ([]Outcome, error) {
	if opts.Actor == "" {
		opts.Actor = "pain002"
	}
	byE2E := make(map[string]payment.Payment)
	byID := make(map[payment.ID]payment.Payment)
	f := payment.ListFilter{Statuses: []payment.Status{payment.StatusProcessing, payment.StatusFailed}, Limit: 100}
	for {
		page, err := svc.List(ctx, ws, f)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Payments {
			byE2E[p.EndToEnd], byID[p.ID] = p, p
		}
		if !page.HasMore {
			break
		}
		f.After = page.Payments[len(page.Payments)-1].ID
	}
	batchOf := make(map[string][]payment.ID)
	fileOf := make(map[string][]payment.ID)
	inFile := make(map[string]payment.ID) // end-to-end key → payment, for the files' payments
	for _, fi := range opts.Files {
		for _, b := range fi.Batches {
			batchOf[fi.MessageID+"\x00"+b.ID] = b.Payments
			for _, id := range b.Payments {
				inFile[id.EndToEndKey()] = id
			}
		}
		fileOf[fi.MessageID] = fi.Payments()
	}
	// get reads a payment that is neither processing nor failed any more; ok is false when the
	// workspace has no such payment.
	get := func(id payment.ID) (p payment.Payment, ok bool, err error) {
		p, err = svc.Get(ctx, ws, id)
		switch {
		case err == nil:
			return p, true, nil
		case errors.Is(err, payment.ErrNotFound):
			return p, false, nil
		}
		return p, false, err
	}

	var out []Outcome
	done := make(map[payment.ID]bool)
	apply := func(p payment.Payment, known bool, e2e, status string, rs []Reason) error {
		o := Outcome{EndToEndID: e2e, Status: status}
		if !known {
			o.Result = ResultUnknownPayment
			out = append(out, o)
			return nil
		}
		if done[p.ID] {
			return nil
		}
		done[p.ID] = true
		o.PaymentID, o.EndToEndID = p.ID, p.EndToEnd
		if status != "RJCT" {
			o.Result = ResultKept
			if p.Status != payment.StatusProcessing {
				o.Result = ResultNotProcessing
			}
			out = append(out, o)
			return nil
		}
		o.Code, o.Message = failure(rs)
		switch p.Status {
		default:
			o.Result = ResultNotProcessing
		case payment.StatusFailed:
			o.Result = ResultAlreadyFailed
		case payment.StatusProcessing:
			_, err := svc.Fail(ctx, ws, p.ID, opts.Actor, o.Code, o.Message)
			switch {
			case err == nil:
				o.Result = ResultFailed
			case errors.Is(err, payment.ErrInvalidTransition), errors.Is(err, payment.ErrConflict):
				o.Result = ResultNotProcessing
			default:
				return err
			}
		}
		out = append(out, o)
		return nil
	}
	applyIDs := func(ids []payment.ID, status string, rs []Reason) error {
		for _, id := range ids {
			p, ok := byID[id]
			if !ok { // a payment of the file that is neither processing nor failed any more
				var err error
				if p, ok, err = get(id); err != nil {
					return err
				}
			}
			if err := apply(p, ok, "", status, rs); err != nil {
				return err
			}
		}
		return nil
	}
	for _, b := range rep.Batches {
		for _, t := range b.Transactions {
			// Both references are optional in a pain.002; the files Build writes carry the end-to-end
			// key as InstrId too, so a bank that echoes only OrgnlInstrId still names the payment.
			e2e := cmp.Or(t.OriginalEndToEndID, t.OriginalInstructionID)
			p, ok := byE2E[e2e]
			if id, found := inFile[e2e]; !ok && found { // settled meanwhile, say
				var err error
				if p, ok, err = get(id); err != nil {
					return out, err
				}
			}
			// A transfer without a status of its own has its batch's, or else the file's.
			status := cmp.Or(t.Status, b.Status, rep.GroupStatus)
			rs := t.Reasons
			if len(rs) == 0 {
				rs = b.Reasons
			}
			if len(rs) == 0 && t.Status == "" && b.Status == "" {
				rs = rep.GroupReasons
			}
			if err := apply(p, ok, e2e, status, rs); err != nil {
				return out, err
			}
		}
		// A batch status covers the transfers the report does not list one by one.
		if b.Status != "" {
			if err := applyIDs(batchOf[rep.OriginalMessageID+"\x00"+b.OriginalID], b.Status, b.Reasons); err != nil {
				return out, err
			}
		}
	}
	if rep.GroupStatus != "" {
		if err := applyIDs(fileOf[rep.OriginalMessageID], rep.GroupStatus, rep.GroupReasons); err != nil {
			return out, err
		}
	}
	return out, nil
}
