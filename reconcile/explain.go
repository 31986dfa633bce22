package reconcile

import (
	"github.com/orkesta/orkesta/payment"
)

// explain compares one entry with payments a person chose for it, taken together: the amount is
// their total, the date criterion holds when every one is within the window, the reference when the
// entry names any of them or their batch. It returns the criteria bits and the reasons, as the
// engine would give them.
func explain(st *Statement, e *Entry, pays []Payment, opts Options) (uint8, []Reason) {
	opts.Workers = 1
	m := newMatcher([]Statement{{Account: st.Account, Currency: st.Currency, Entries: []Entry{*e}}},
		buildPaymentIndex(pays, &opts, false), &opts)
	m.fillMasks()
	w := newWorker(m)
	w.probeBatch(0, 1)
	next := 0
	w.candidates(0, &next)
	v := reasonValues{entry: e, entryCur: e.Currency, crit: critAmount | critDate}
	if v.entryCur == "" {
		v.entryCur = st.Currency
	}
	ed := entryDate(e)
	var total int64
	for i := range pays {
		p := &pays[i]
		var ok bool
		if total, ok = payment.AddMinor(total, p.Amount); !ok {
			v.crit &^= critAmount
		}
		if i == 0 || absDate(ed, p.ValueDate) > absDate(ed, v.payDate) {
			v.payDate = p.ValueDate
		}
		if ed == 0 || p.ValueDate == 0 || absDate(ed, p.ValueDate) > opts.DateWindow {
			v.crit &^= critDate
		}
		v.payCur = p.Currency
	}
	if total != e.Amount {
		v.crit &^= critAmount
	}
	v.payAmount = total
	if len(pays) > 0 {
		v.payRef = pays[0].Reference
	}
	// The index holds only the chosen payments and their batches: a batch the entry names is theirs.
	for _, c := range w.cands {
		if c.ref {
			v.crit |= critReference
			v.refField, v.refKey, v.refStart, v.refEnd = c.field, c.key, c.start, c.end
			switch c.key {
			case keyID:
				v.payRef = string(pays[c.pay].ID)
			case keyEndToEnd:
				v.payRef = pays[c.pay].EndToEnd
			case keyBatch, keyPaymentInfo:
				v.payRef = m.refs.batchKeyText(c.key, c.pay, spanOf(e, c.field, c.start, c.end))
			default:
				v.payRef = pays[c.pay].Reference
			}
			break
		}
	}
	return v.crit, appendReasonValues(nil, &v)
}
