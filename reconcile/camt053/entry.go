package camt053

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// ntry is the entry being read: its own elements and its transaction details. It is reused from one
// entry to the next.
type ntry struct {
	line                         int
	amt, ccy, cdi, rvsl, sts     string
	amtLine                      int
	bookg, val                   string
	bookgLine, valLine           int
	ntryRef, acctSvcrRef, addtl  string
	bk                           bankCode
	btchMsgID, btchPmtInf, btchN string
	txs                          []tx
}

type bankCode struct{ domn, fmly, sub, prtry string }

// field returns where the value at path p (below Ntry or TxDtls) goes.
func (b *bankCode) field(p string) *string {
	switch p {
	case "BkTxCd/Domn/Cd":
		return &b.domn
	case "BkTxCd/Domn/Fmly/Cd":
		return &b.fmly
	case "BkTxCd/Domn/Fmly/SubFmlyCd":
		return &b.sub
	}
	return &b.prtry
}

func (b bankCode) String() string {
	if b.domn != "" {
		s := b.domn
		if b.fmly != "" {
			s += "/" + b.fmly
			if b.sub != "" {
				s += "/" + b.sub
			}
		}
		return s
	}
	return b.prtry
}

// tx is one TxDtls.
type tx struct {
	endToEnd, instrID, txID, acctSvcrRef, pmtInfID, msgID, mndtID, uetr, ownrTxID string
	amt, ccy, cdi                                                                 string
	amtLine                                                                       int
	txAmt, txCcy                                                                  string
	bk                                                                            bankCode
	dbtr, cdtr, dbtrIBAN, cdtrIBAN, dbtrOthr, cdtrOthr, ultDbtr, ultCdtr          string
	ustrd, cdtrRef                                                                []string
	addtl, purp, rtrRsn                                                           string
}

func (n *ntry) reset(line int) {
	txs := n.txs[:0]
	*n = ntry{line: line, txs: txs}
}

func (d *decoder) entryValue(base int) {
	n := &d.n
	p := d.relPath(base)
	var dst *string
	switch string(p) {
	case "Amt":
		dst, n.ccy, n.amtLine = &n.amt, d.ccy, d.lines[len(d.lines)-1]
	case "CdtDbtInd":
		dst = &n.cdi
	case "RvslInd":
		dst = &n.rvsl
	case "Sts", "Sts/Cd", "Sts/Prtry":
		v, ok := d.value()
		if ok && v != "" { // <Sts><Cd>BOOK</Cd></Sts>: the outer element has no text of its own
			n.sts = v
		}
		return
	case "BookgDt/Dt", "BookgDt/DtTm":
		dst, n.bookgLine = &n.bookg, d.lines[len(d.lines)-1]
	case "ValDt/Dt", "ValDt/DtTm":
		dst, n.valLine = &n.val, d.lines[len(d.lines)-1]
	case "NtryRef":
		dst = &n.ntryRef
	case "AcctSvcrRef":
		dst = &n.acctSvcrRef
	case "AddtlNtryInf":
		dst = &n.addtl
	case "BkTxCd/Domn/Cd", "BkTxCd/Domn/Fmly/Cd", "BkTxCd/Domn/Fmly/SubFmlyCd", "BkTxCd/Prtry/Cd":
		dst = n.bk.field(string(p))
	case "NtryDtls/Btch/MsgId":
		dst = &n.btchMsgID
	case "NtryDtls/Btch/PmtInfId":
		dst = &n.btchPmtInf
	case "NtryDtls/Btch/NbOfTxs":
		dst = &n.btchN
	default:
		return
	}
	if v, ok := d.value(); ok {
		*dst = v
	}
}

func (d *decoder) txValue(base int) {
	t := &d.n.txs[len(d.n.txs)-1]
	p := d.relPath(base)
	var dst *string
	switch string(p) {
	case "Refs/EndToEndId":
		dst = &t.endToEnd
	case "Refs/InstrId":
		dst = &t.instrID
	case "Refs/TxId":
		dst = &t.txID
	case "Refs/AcctSvcrRef":
		dst = &t.acctSvcrRef
	case "Refs/PmtInfId":
		dst = &t.pmtInfID
	case "Refs/MsgId":
		dst = &t.msgID
	case "Refs/MndtId":
		dst = &t.mndtID
	case "Refs/UETR":
		dst = &t.uetr
	case "Refs/AcctOwnrTxId":
		dst = &t.ownrTxID
	case "Amt":
		dst, t.ccy, t.amtLine = &t.amt, d.ccy, d.lines[len(d.lines)-1]
	case "CdtDbtInd":
		dst = &t.cdi
	case "AmtDtls/TxAmt/Amt":
		dst, t.txCcy = &t.txAmt, d.ccy
		if t.amtLine == 0 {
			t.amtLine = d.lines[len(d.lines)-1]
		}
	case "BkTxCd/Domn/Cd", "BkTxCd/Domn/Fmly/Cd", "BkTxCd/Domn/Fmly/SubFmlyCd", "BkTxCd/Prtry/Cd":
		dst = t.bk.field(string(p))
	case "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm":
		dst = &t.dbtr
	case "RltdPties/Cdtr/Nm", "RltdPties/Cdtr/Pty/Nm":
		dst = &t.cdtr
	case "RltdPties/DbtrAcct/Id/IBAN":
		dst = &t.dbtrIBAN
	case "RltdPties/CdtrAcct/Id/IBAN":
		dst = &t.cdtrIBAN
	case "RltdPties/DbtrAcct/Id/Othr/Id":
		dst = &t.dbtrOthr
	case "RltdPties/CdtrAcct/Id/Othr/Id":
		dst = &t.cdtrOthr
	case "RltdPties/UltmtDbtr/Nm", "RltdPties/UltmtDbtr/Pty/Nm":
		dst = &t.ultDbtr
	case "RltdPties/UltmtCdtr/Nm", "RltdPties/UltmtCdtr/Pty/Nm":
		dst = &t.ultCdtr
	case "RmtInf/Ustrd":
		if v, ok := d.value(); ok && v != "" {
			t.ustrd = append(t.ustrd, v)
		}
		return
	case "RmtInf/Strd/CdtrRefInf/Ref":
		if v, ok := d.value(); ok && v != "" {
			t.cdtrRef = append(t.cdtrRef, v)
		}
		return
	case "AddtlTxInf":
		dst = &t.addtl
	case "Purp/Cd":
		dst = &t.purp
	case "RtrInf/Rsn/Cd":
		dst = &t.rtrRsn
	default:
		return
	}
	if v, ok := d.value(); ok {
		*dst = v
	}
}

// endEntry turns the entry just read into one Entry, or one per transaction detail of a batch.
//
// One detail: the entry's booked amount, direction and currency, the detail's references and
// parties (a detail's own amount may be the instructed amount in another currency, or, in some
// banks' files, even carry the wrong direction). Several details: one Entry each, with the detail's
// amount (TxDtls/Amt, or AmtDtls/TxAmt/Amt in .02) and direction (or the entry's), provided every
// detail has an amount in the entry's currency and together they make the entry's amount; otherwise
// the batch stays one Entry with the batch references, and the statement gets a batch_not_split
// warning saying why. Entries that are not booked (Sts PDNG, INFO, FUTR) are left out and counted.
func (d *decoder) endEntry() {
	n := &d.n
	field := "Ntry"
	switch n.sts {
	case "", "BOOK":
	default:
		d.skipped++
		return
	}
	v, c, err := amount(n.amt, n.ccy)
	if n.amt == "" {
		err = errors.New("entry has no Amt")
	}
	if err != nil {
		d.fail(max(n.amtLine, n.line), field+"/Amt", err)
		return
	}
	dir, ok := direction(n.cdi)
	if !ok {
		d.fail(n.line, field+"/CdtDbtInd", fmt.Errorf("credit/debit indicator %q is not CRDT or DBIT", n.cdi))
		return
	}
	var bookg, val payment.Date
	if n.bookg != "" {
		if bookg, err = parseDate(n.bookg); err != nil {
			d.fail(n.bookgLine, field+"/BookgDt", err)
			return
		}
	}
	if n.val != "" {
		if val, err = parseDate(n.val); err != nil {
			d.fail(n.valLine, field+"/ValDt", err)
			return
		}
	}
	if val == 0 {
		val = bookg
	}
	if val == 0 {
		d.fail(n.line, field+"/ValDt", errors.New("entry has neither a value date nor a booking date"))
		return
	}
	var rev bool
	switch n.rvsl {
	case "", "false", "0":
	case "true", "1":
		rev = true
	default:
		d.fail(n.line, field+"/RvslInd", fmt.Errorf("reversal indicator %q is not true or false", n.rvsl))
		return
	}
	if d.st.Currency == "" {
		d.st.Currency = c // notifications carry no balances and often no Acct/Ccy
	}
	e := reconcile.Entry{BookingDate: bookg, ValueDate: val, Amount: v, Direction: dir, Reversal: rev,
		Currency: c, Position: d.texts.Position(n.line)}
	d.track(e.BookingDate, e.ValueDate)
	switch {
	case len(n.txs) <= 1:
		var t *tx
		if len(n.txs) == 1 {
			t = &n.txs[0]
		}
		d.fill(&e, t)
		d.entry(&d.st, &e)
	default:
		amounts, why := d.split(v, c, dir)
		if amounts == nil {
			d.unsplit = append(d.unsplit, fmt.Sprintf("line %d: batch entry of %s %s has %d transaction details; %s, so it is kept as one entry",
				n.line, payment.FormatMinor(v, c), c, len(n.txs), why))
			d.fill(&e, nil)
			if e.Fields == nil {
				e.Fields = map[string]string{}
			}
			e.Fields["TxDtls"] = strconv.Itoa(len(n.txs))
			d.entry(&d.st, &e)
			return
		}
		for i := range n.txs {
			ei := e
			ei.Amount, ei.Direction = amounts[i].v, amounts[i].dir
			d.fill(&ei, &n.txs[i])
			d.entry(&d.st, &ei)
		}
	}
}

func (d *decoder) track(dates ...payment.Date) {
	for _, dt := range dates {
		if dt == 0 {
			continue
		}
		if d.minDate == 0 || dt < d.minDate {
			d.minDate = dt
		}
		if dt > d.maxDate {
			d.maxDate = dt
		}
	}
}

type txAmount struct {
	v   int64
	dir reconcile.Direction
}

// split returns the amounts of a batch's details, or nil and the reason they cannot be used.
func (d *decoder) split(total int64, c payment.Currency, dir reconcile.Direction) ([]txAmount, string) {
	out := make([]txAmount, len(d.n.txs))
	var sum int64
	for i := range d.n.txs {
		t := &d.n.txs[i]
		text, ccy := t.amt, t.ccy
		if text == "" {
			text, ccy = t.txAmt, t.txCcy
		}
		if text == "" {
			return nil, fmt.Sprintf("detail %d has no amount", i+1)
		}
		if ccy != string(c) {
			return nil, fmt.Sprintf("detail %d is in %s, not %s", i+1, ccy, c)
		}
		v, _, err := amount(text, ccy)
		if err != nil {
			d.fail(t.amtLine, "TxDtls/Amt", err)
			return nil, "a detail amount is invalid"
		}
		tdir := dir
		if t.cdi != "" {
			var ok bool
			if tdir, ok = direction(t.cdi); !ok {
				d.fail(t.amtLine, "TxDtls/CdtDbtInd", fmt.Errorf("credit/debit indicator %q is not CRDT or DBIT", t.cdi))
				return nil, "a detail direction is invalid"
			}
		}
		out[i] = txAmount{v, tdir}
		s := v
		if tdir != dir {
			s = -v
		}
		var ok bool
		if sum, ok = payment.AddMinor(sum, s); !ok {
			return nil, "the detail amounts overflow"
		}
	}
	if sum != total {
		return nil, fmt.Sprintf("the detail amounts add up to %s, not %s", payment.FormatMinor(sum, c), payment.FormatMinor(total, c))
	}
	return out, ""
}

// fill sets references, parties and texts from the entry and, when given, one transaction detail.
func (d *decoder) fill(e *reconcile.Entry, t *tx) {
	n := &d.n
	f := make(map[string]string, 8)
	put := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	put("NtryRef", n.ntryRef)
	put("AcctSvcrRef", n.acctSvcrRef)
	put("Btch/MsgId", n.btchMsgID)
	put("Btch/PmtInfId", n.btchPmtInf)
	put("Btch/NbOfTxs", n.btchN)
	e.BankRef = n.acctSvcrRef
	e.CustomerRef = n.btchPmtInf
	e.BankTxCode = n.bk.String()
	if n.bk.domn != "" {
		put("BkTxCd/Prtry", n.bk.prtry)
	}
	e.Remittance = n.addtl
	if t != nil {
		put("Refs/EndToEndId", t.endToEnd)
		put("Refs/InstrId", t.instrID)
		put("Refs/TxId", t.txID)
		put("Refs/AcctSvcrRef", t.acctSvcrRef)
		put("Refs/PmtInfId", t.pmtInfID)
		put("Refs/MsgId", t.msgID)
		put("Refs/MndtId", t.mndtID)
		put("Refs/UETR", t.uetr)
		put("Refs/AcctOwnrTxId", t.ownrTxID)
		put("Purp/Cd", t.purp)
		put("RtrInf/Rsn/Cd", t.rtrRsn)
		put("UltmtDbtr", t.ultDbtr)
		put("UltmtCdtr", t.ultCdtr)
		put("DbtrAcct/Othr/Id", t.dbtrOthr)
		put("CdtrAcct/Othr/Id", t.cdtrOthr)
		put("AddtlNtryInf", n.addtl)
		if len(t.cdtrRef) > 0 {
			put("CdtrRefInf/Ref", strings.Join(t.cdtrRef, " "))
		}
		if t.acctSvcrRef != "" {
			e.BankRef = t.acctSvcrRef
		}
		switch {
		case t.instrID != "":
			e.CustomerRef = t.instrID
		case t.ownrTxID != "":
			e.CustomerRef = t.ownrTxID
		case t.pmtInfID != "":
			e.CustomerRef = t.pmtInfID
		}
		if t.endToEnd != reconcile.NotProvided {
			e.EndToEnd = t.endToEnd
		}
		if t.bk.domn != "" || t.bk.prtry != "" {
			e.BankTxCode = t.bk.String()
		}
		switch {
		case len(t.ustrd) > 0:
			e.Remittance = strings.Join(t.ustrd, " ")
		case len(t.cdtrRef) > 0:
			e.Remittance = strings.Join(t.cdtrRef, " ")
		case t.addtl != "":
			e.Remittance = t.addtl
		}
		// The counterparty is the creditor of money going out and the debtor of money coming in; a
		// reversal keeps the parties of the booking it reverses.
		if (e.Direction == reconcile.Debit) != e.Reversal {
			e.CounterpartyName, e.CounterpartyIBAN = t.cdtr, t.cdtrIBAN
		} else {
			e.CounterpartyName, e.CounterpartyIBAN = t.dbtr, t.dbtrIBAN
		}
	}
	if e.Remittance == n.addtl {
		delete(f, "AddtlNtryInf")
	}
	if len(f) > 0 {
		e.Fields = f
	}
}
