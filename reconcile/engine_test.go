package reconcile_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

const (
	ownIBAN = "TR330006100519786457841326"
	ownAcc  = payment.AccountID("acc_01KAWW1Y0000000000000OWN")
	vendor  = payment.AccountID("acc_01KAWW1Y00000000000VENDR")
)

// pid returns a deterministic payment id; ids grow with n.
func pid(n int) payment.ID {
	return payment.ID(payment.PrefixPayment + payment.EncodeULID(1767225600000+uint64(n), uint16(n), uint64(n)*0x9E3779B97F4A7C15))
}

// pay is a settled 1,250.00 TRY payment from the own account, value date 2026-01-15, reference INV-2024-001.
func pay(n int, mods ...func(*reconcile.Payment)) reconcile.Payment {
	id := pid(n)
	p := reconcile.Payment{ID: id, Amount: 125000, Currency: "TRY", Method: payment.MethodBankTransfer,
		FromAccount: ownAcc, ToAccount: vendor, Reference: "INV-2024-001", ValueDate: payment.MustDate("2026-01-15"),
		Status: payment.StatusSettled, EndToEnd: id.EndToEndKey()}
	for _, f := range mods {
		f(&p)
	}
	return p
}

// entry is a 1,250.00 TRY debit on 2026-01-15 with the given remittance text.
func entry(pos, text string, mods ...func(*reconcile.Entry)) reconcile.Entry {
	e := reconcile.Entry{ValueDate: payment.MustDate("2026-01-15"), Amount: 125000, Direction: reconcile.Debit,
		Currency: "TRY", Remittance: text, Position: pos}
	for _, f := range mods {
		f(&e)
	}
	return e
}

func statement(entries ...reconcile.Entry) reconcile.Statement {
	return reconcile.Statement{Format: "test", Account: ownIBAN, Currency: "TRY", Entries: entries}
}

var accounts = []payment.Account{{ID: ownAcc, Name: "Acme", Currency: "TRY", IBAN: ownIBAN, Type: payment.AccountInternal}}

func match(t *testing.T, opts reconcile.Options, stmts []reconcile.Statement, pays []reconcile.Payment) *reconcile.Report {
	t.Helper()
	if opts.Accounts == nil {
		opts.Accounts = accounts
	}
	g, err := reconcile.NewEngine(opts)
	require.NoError(t, err)
	return g.Match(stmts, pays).Report()
}

func TestReferenceTokens(t *testing.T) {
	tests := []struct {
		name, ref, text string
		want            bool
	}{
		{"exact text", "INV-2024-001", "INV-2024-001", true},
		{"spaces and codeword", "INV-2024-001", "/REMI/INV 2024 001", true},
		{"inside free text", "INV-2024-001", "Ödeme fatura INV/2024/001 teşekkürler", true},
		{"longer number is another reference", "INV-2024-001", "INV-2024-0010", false},
		{"glued to a word", "INV-2024-001", "XINV2024001", false},
		{"prefix only", "INV-2024-001", "INV 2024", false},
		{"Turkish upper-casing", "ÖDEME-İADE-7", "ödeme iade 7", true},
		{"dotless i stays I", "FATURA-IŞIK", "fatura ışık", true},
		{"lower-case i matches a bank's I", "INV-9", "inv 9", true},
		{"SWIFT transliteration of Turkish letters", "ÇEK-ĞÜŞ-İÖ", "CEK GUS IO", true},
		{"transliteration both ways", "cek-7", "ÇEK 7", true},
		{"case and punctuation", "abc.12", "ABC-12", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pay(1, func(p *reconcile.Payment) { p.Reference = tt.ref; p.Amount = 1 })
			r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("line 1", tt.text))}, []reconcile.Payment{p})
			if !tt.want {
				assert.Empty(t, r.Matches)
				return
			}
			require.Len(t, r.Matches, 1)
			m := r.Matches[0]
			assert.Equal(t, reconcile.Criteria{Amount: false, Date: true, Reference: true}, m.Criteria)
			assert.Equal(t, reconcile.ScoreFuzzy, m.Score)
		})
	}
}

// TestStructuredReference: a reference the statement gives by keyword (MT940 :86: KREF+, /PREF/) is
// searched like the customer reference, which then often says only NONREF.
func TestStructuredReference(t *testing.T) {
	for _, key := range []string{"KREF", "PREF"} {
		t.Run(key, func(t *testing.T) {
			e := entry("line 1", "SAMMLER LOHN", func(e *reconcile.Entry) {
				e.CustomerRef, e.Fields = "NONREF", map[string]string{key: "INV-2024-001", "SVWZ": "SAMMLER LOHN"}
			})
			r := match(t, reconcile.Options{}, []reconcile.Statement{statement(e)}, []reconcile.Payment{pay(1)})
			require.Len(t, r.Matches, 1)
			m := r.Matches[0]
			assert.Equal(t, reconcile.ScoreExact, m.Score)
			ref := m.Reasons[2]
			assert.Equal(t, "structured_reference", ref.Field)
			assert.Equal(t, "INV-2024-001", ref.Entry)
		})
	}
	other := entry("line 1", "", func(e *reconcile.Entry) { e.Fields = map[string]string{"EREF": "x", "MREF": "INV-2024-001"} })
	r := match(t, reconcile.Options{}, []reconcile.Statement{statement(other)}, []reconcile.Payment{pay(1)})
	require.Len(t, r.Matches, 1)
	assert.Equal(t, reconcile.ScoreFuzzy, r.Matches[0].Score, "other sub-fields (a mandate reference) are not searched")
}

func TestScores(t *testing.T) {
	jan := func(d string) payment.Date { return payment.MustDate("2026-01-" + d) }
	tests := []struct {
		name      string
		window    int
		entry     reconcile.Entry
		payment   reconcile.Payment
		want      reconcile.Criteria
		wantScore reconcile.Score // "" = unmatched
	}{
		{"all three", 0, entry("l1", "INV-2024-001"), pay(1), reconcile.Criteria{true, true, true}, reconcile.ScoreExact},
		{"reference differs", 0, entry("l1", "rent"), pay(1), reconcile.Criteria{true, true, false}, reconcile.ScoreFuzzy},
		{"amount differs", 0, entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.Amount = 125001 }), pay(1),
			reconcile.Criteria{false, true, true}, reconcile.ScoreFuzzy},
		{"date differs", 0, entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.ValueDate = jan("16") }), pay(1),
			reconcile.Criteria{true, false, true}, reconcile.ScoreFuzzy},
		{"date inside window", 2, entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.ValueDate = jan("17") }), pay(1),
			reconcile.Criteria{true, true, true}, reconcile.ScoreExact},
		{"date outside window", 1, entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.ValueDate = jan("17") }), pay(1),
			reconcile.Criteria{true, false, true}, reconcile.ScoreFuzzy},
		{"booking date when no value date", 0, entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.ValueDate, e.BookingDate = 0, jan("15") }), pay(1),
			reconcile.Criteria{true, true, true}, reconcile.ScoreExact},
		{"one of three", 0, entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.Amount, e.ValueDate = 1, jan("20") }), pay(1),
			reconcile.Criteria{}, ""},
		{"payment id in text", 0, entry("l1", "odeme "+string(pid(1))), pay(1, func(p *reconcile.Payment) { p.Reference = "" }),
			reconcile.Criteria{true, true, true}, reconcile.ScoreExact},
		{"end-to-end key in its field", 0, entry("l1", "", func(e *reconcile.Entry) { e.EndToEnd = pid(1).EndToEndKey() }),
			pay(1, func(p *reconcile.Payment) { p.Reference = "" }), reconcile.Criteria{true, true, true}, reconcile.ScoreExact},
		{"credit is not a payment from the account", 0, entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.Direction = reconcile.Credit }),
			pay(1), reconcile.Criteria{}, ""},
		{"credit matches a payment to the account", 0, entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.Direction = reconcile.Credit }),
			pay(1, func(p *reconcile.Payment) { p.FromAccount, p.ToAccount = vendor, ownAcc }), reconcile.Criteria{true, true, true}, reconcile.ScoreExact},
		{"other currency", 0, entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.Currency = "EUR" }), pay(1), reconcile.Criteria{}, ""},
		{"processing is a candidate", 0, entry("l1", "INV-2024-001"), pay(1, func(p *reconcile.Payment) { p.Status = payment.StatusProcessing }),
			reconcile.Criteria{true, true, true}, reconcile.ScoreExact},
		{"pending is not", 0, entry("l1", "INV-2024-001"), pay(1, func(p *reconcile.Payment) { p.Status = payment.StatusPending }),
			reconcile.Criteria{}, ""},
		{"reconciled is not", 0, entry("l1", "INV-2024-001"), pay(1, func(p *reconcile.Payment) { p.Status = payment.StatusReconciled }),
			reconcile.Criteria{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := match(t, reconcile.Options{DateWindow: tt.window}, []reconcile.Statement{statement(tt.entry)}, []reconcile.Payment{tt.payment})
			if tt.wantScore == "" {
				assert.Empty(t, r.Matches)
				assert.Len(t, r.UnmatchedEntries, 1)
				return
			}
			require.Len(t, r.Matches, 1)
			m := r.Matches[0]
			assert.Equal(t, tt.want, m.Criteria)
			assert.Equal(t, tt.wantScore, m.Score)
			assert.Equal(t, tt.payment.ID, m.PaymentID)
			require.Len(t, m.Reasons, 3)
			for i, c := range []reconcile.Criterion{reconcile.CriterionAmount, reconcile.CriterionDate, reconcile.CriterionReference} {
				assert.Equal(t, c, m.Reasons[i].Criterion)
			}
			assert.Equal(t, tt.want.Amount, m.Reasons[0].Matched)
			assert.Equal(t, tt.want.Date, m.Reasons[1].Matched)
			assert.Equal(t, tt.want.Reference, m.Reasons[2].Matched)
		})
	}
}

// TestStatementWithoutCurrency: a statement whose entries and header name no currency is in the
// currency of its account, when Options.Accounts knows it: a JPY payment of the same number of minor
// units is not its match, and the report shows the entry in TRY.
func TestStatementWithoutCurrency(t *testing.T) {
	st := statement(entry("line 1", "INV-2024-001", func(e *reconcile.Entry) { e.Currency = "" }))
	st.Currency = ""
	yen := pay(1, func(p *reconcile.Payment) { p.Currency = "JPY" })
	r := match(t, reconcile.Options{}, []reconcile.Statement{st}, []reconcile.Payment{yen})
	assert.Empty(t, r.Matches, "125000 JPY is not 1250.00 TRY")
	require.Len(t, r.UnmatchedEntries, 1)
	assert.Equal(t, payment.Currency("TRY"), r.UnmatchedEntries[0].Entry.Currency)
	assert.Equal(t, []reconcile.CurrencySummary{{Currency: "TRY", Entries: 1, Amount: 125000}}, r.Summary.Currencies)

	r = match(t, reconcile.Options{}, []reconcile.Statement{st}, []reconcile.Payment{pay(2)})
	require.Len(t, r.Matches, 1)
	assert.Equal(t, reconcile.ScoreExact, r.Matches[0].Score)
	assert.Equal(t, payment.Currency("TRY"), r.Matches[0].Entry.Currency)
	var b strings.Builder
	require.NoError(t, reconcile.WriteCSV(&b, r))
	assert.Contains(t, b.String(), ",1250.00,TRY,debit,")
}

func TestTies(t *testing.T) {
	jan := func(d string) payment.Date { return payment.MustDate("2026-01-" + d) }
	t.Run("two identical payments: the earlier id, never automatic", func(t *testing.T) {
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("l1", "INV-2024-001"))},
			[]reconcile.Payment{pay(2), pay(1)})
		require.Len(t, r.Matches, 1)
		m := r.Matches[0]
		assert.Equal(t, pid(1), m.PaymentID)
		assert.Equal(t, reconcile.ScoreFuzzy, m.Score)
		assert.Equal(t, reconcile.ReviewPending, m.Review)
		assert.Equal(t, []payment.ID{pid(2)}, m.Alternatives)
		assert.Len(t, r.UnmatchedPayments, 1)
	})
	t.Run("smaller date distance wins", func(t *testing.T) {
		r := match(t, reconcile.Options{DateWindow: 3}, []reconcile.Statement{statement(entry("l1", "INV-2024-001"))},
			[]reconcile.Payment{pay(1, func(p *reconcile.Payment) { p.ValueDate = jan("13") }), pay(2, func(p *reconcile.Payment) { p.ValueDate = jan("16") })})
		require.Len(t, r.Matches, 1)
		assert.Equal(t, pid(2), r.Matches[0].PaymentID)
		assert.Equal(t, reconcile.ScoreExact, r.Matches[0].Score)
	})
	t.Run("same distance: the earlier payment", func(t *testing.T) {
		r := match(t, reconcile.Options{DateWindow: 3}, []reconcile.Statement{statement(entry("l1", "INV-2024-001"))},
			[]reconcile.Payment{pay(1, func(p *reconcile.Payment) { p.ValueDate = jan("16") }), pay(2, func(p *reconcile.Payment) { p.ValueDate = jan("14") })})
		require.Len(t, r.Matches, 1)
		assert.Equal(t, pid(2), r.Matches[0].PaymentID)
		assert.Equal(t, reconcile.ScoreFuzzy, r.Matches[0].Score, "equally good candidates are never approved automatically")
	})
	t.Run("exact beats fuzzy for the same payment", func(t *testing.T) {
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(
			entry("l1", "rent"), entry("l2", "INV-2024-001"))}, []reconcile.Payment{pay(1)})
		require.Len(t, r.Matches, 1)
		assert.Equal(t, "l2", r.Matches[0].Entry.Position)
		assert.Equal(t, reconcile.ScoreExact, r.Matches[0].Score)
		require.Len(t, r.UnmatchedEntries, 1)
		assert.Contains(t, r.UnmatchedEntries[0].Notes[0], "fits another entry better")
	})
	t.Run("one payment, two identical entries", func(t *testing.T) {
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(
			entry("l2", "INV-2024-001"), entry("l1", "INV-2024-001"))}, []reconcile.Payment{pay(1)})
		require.Len(t, r.Matches, 1)
		assert.Equal(t, "l1", r.Matches[0].Entry.Position)
		assert.Equal(t, reconcile.ScoreFuzzy, r.Matches[0].Score)
	})
}

func TestBatchBooking(t *testing.T) {
	bat := payment.BatchID("bat_01KAWW1Y00000000000BATCH1")
	inBatch := func(amount int64) func(*reconcile.Payment) {
		return func(p *reconcile.Payment) { p.BatchID, p.Amount, p.Reference = bat, amount, "" }
	}
	pays := []reconcile.Payment{pay(1, inBatch(100000)), pay(2, inBatch(50000)), pay(3, inBatch(25000)),
		pay(4, inBatch(999), func(p *reconcile.Payment) { p.Status = payment.StatusFailed })}
	t.Run("by batch id", func(t *testing.T) {
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("l1", "TOPLU ODEME "+string(bat), func(e *reconcile.Entry) { e.Amount = 175000 }))}, pays)
		require.Len(t, r.Matches, 1)
		m := r.Matches[0]
		assert.Equal(t, bat, m.BatchID)
		assert.Equal(t, []payment.ID{pid(1), pid(2), pid(3)}, m.PaymentIDs)
		assert.Equal(t, reconcile.ScoreExact, m.Score)
		assert.Equal(t, 3, r.Summary.MatchedPayments)
		assert.Empty(t, r.UnmatchedPayments)
	})
	t.Run("by payment-information id", func(t *testing.T) {
		r := match(t, reconcile.Options{PaymentInfoIDs: map[string]payment.BatchID{"PMTINF-77": bat}},
			[]reconcile.Statement{statement(entry("l1", "/PREF/PMTINF-77", func(e *reconcile.Entry) { e.Amount = 175000 }))}, pays)
		require.Len(t, r.Matches, 1)
		assert.Equal(t, "PMTINF-77", r.Matches[0].Reasons[2].Payment)
		assert.Equal(t, "payment_information_id", r.Matches[0].Reasons[2].Key)
	})
	t.Run("wrong total is fuzzy", func(t *testing.T) {
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("l1", string(bat), func(e *reconcile.Entry) { e.Amount = 175999 }))}, pays)
		require.Len(t, r.Matches, 1)
		assert.Equal(t, reconcile.Criteria{Amount: false, Date: true, Reference: true}, r.Matches[0].Criteria)
		assert.Equal(t, int64(999), r.Matches[0].AmountDifference)
	})
	t.Run("two entries book the batch equally well", func(t *testing.T) {
		twice := func(pos string) reconcile.Entry {
			return entry(pos, "TOPLU ODEME "+string(bat), func(e *reconcile.Entry) { e.Amount = 175000 })
		}
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(twice("l1"), twice("l2"))}, pays)
		require.Len(t, r.Matches, 1)
		m := r.Matches[0]
		assert.Equal(t, bat, m.BatchID)
		assert.Equal(t, reconcile.ScoreFuzzy, m.Score, "never approved automatically")
		assert.Equal(t, reconcile.ReviewPending, m.Review)
		require.Len(t, r.UnmatchedEntries, 1)
		assert.Equal(t, []string{"candidate batch " + string(bat) + " fits another entry equally well and went to it; a person must choose"},
			r.UnmatchedEntries[0].Notes, "as the matched line says another line fits its batch equally well")
	})
	t.Run("a payment as good as the batch is its alternative, in any payment order", func(t *testing.T) {
		// The line names the batch (of one payment, P1) and the reference of P2, of the same amount
		// and date: the line gets the batch, and P2 is listed as the alternative. With P2 first, P2's
		// index equals the batch's, which once dropped it (and told of another entry instead).
		p1 := pay(1, func(p *reconcile.Payment) { p.BatchID, p.Reference = bat, "OTHER-1" })
		p2 := pay(2)
		e := entry("l1", "TOPLU "+string(bat)+" INV-2024-001")
		for _, order := range [][]reconcile.Payment{{p1, p2}, {p2, p1}} {
			r := match(t, reconcile.Options{}, []reconcile.Statement{statement(e)}, order)
			require.Len(t, r.Matches, 1)
			m := r.Matches[0]
			assert.Equal(t, bat, m.BatchID)
			assert.Equal(t, reconcile.ScoreFuzzy, m.Score)
			assert.Equal(t, []payment.ID{pid(2)}, m.Alternatives, "payments in order %s, %s", order[0].ID, order[1].ID)
			assert.Equal(t, []string{"books batch " + string(bat) + ": 1 payments, 1250.00 TRY",
				"2 payments fit this entry equally well; a person must choose"}, m.Notes, "payments in order %s, %s", order[0].ID, order[1].ID)
		}
	})
	t.Run("one booking per execution date is no tie", func(t *testing.T) {
		split := []reconcile.Payment{pay(1, inBatch(100000)), pay(2, inBatch(50000)),
			pay(3, inBatch(25000), func(p *reconcile.Payment) { p.ValueDate = payment.MustDate("2026-01-16") })}
		day1 := entry("l1", string(bat), func(e *reconcile.Entry) { e.Amount = 150000 })
		day2 := entry("l2", string(bat), func(e *reconcile.Entry) { e.Amount, e.ValueDate = 25000, payment.MustDate("2026-01-16") })
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(day1, day2)}, split)
		require.Len(t, r.Matches, 2)
		for _, m := range r.Matches {
			assert.Equal(t, reconcile.ScoreExact, m.Score, m.Entry.Position)
			assert.Equal(t, reconcile.ReviewAuto, m.Review, m.Entry.Position)
		}
	})
}

func TestAnomalies(t *testing.T) {
	tests := []struct {
		name   string
		status payment.Status
		kind   reconcile.AnomalyKind
	}{
		{"cancelled", payment.StatusCancelled, reconcile.AnomalyCancelledPayment},
		{"failed", payment.StatusFailed, reconcile.AnomalyFailedPayment},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dead := pay(1, func(p *reconcile.Payment) { p.Status = tt.status })
			r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("l1", "INV-2024-001"))}, []reconcile.Payment{dead})
			assert.Empty(t, r.Matches)
			require.Len(t, r.Anomalies, 1)
			assert.Equal(t, tt.kind, r.Anomalies[0].Kind)
			assert.Equal(t, pid(1), r.Anomalies[0].PaymentID)
			assert.Equal(t, 1, r.Summary.Anomalies)
		})
	}
	t.Run("a settled retry with the same reference wins", func(t *testing.T) {
		dead := pay(1, func(p *reconcile.Payment) { p.Status = payment.StatusFailed })
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("l1", "INV-2024-001"))}, []reconcile.Payment{dead, pay(2)})
		require.Len(t, r.Matches, 1)
		assert.Equal(t, pid(2), r.Matches[0].PaymentID)
		assert.Equal(t, reconcile.ScoreFuzzy, r.Matches[0].Score, "the failed one fits as well: a person looks")
		assert.Contains(t, r.Matches[0].Notes[1], "which is failed")
		assert.Empty(t, r.Anomalies)
	})
	t.Run("a better-fitting settled payment wins outright", func(t *testing.T) {
		dead := pay(1, func(p *reconcile.Payment) { p.Status = payment.StatusFailed; p.Amount = 5 })
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("l1", "INV-2024-001"))}, []reconcile.Payment{dead, pay(2)})
		require.Len(t, r.Matches, 1)
		assert.Equal(t, reconcile.ScoreExact, r.Matches[0].Score)
	})
}

// TestReversalIsNoBooking: a line the bank books as a reversal (MT940 RD/RC, camt RvslInd) undoes an
// earlier booking; it is never the booking of a payment, even when it quotes the payment's amount,
// date and reference and the statement's account does not tell debits from credits.
func TestReversalIsNoBooking(t *testing.T) {
	back := func(pos string, dir reconcile.Direction) reconcile.Entry {
		return entry(pos, "INV-2024-001", func(e *reconcile.Entry) {
			e.Direction, e.Reversal, e.ValueDate = dir, true, payment.MustDate("2026-01-16")
		})
	}
	unknown := []payment.Account{{ID: "acc_01KAWW1Y000000000000OTHER", IBAN: "DE89370400440532013000"}}
	t.Run("a returned payment, account unknown", func(t *testing.T) {
		r := match(t, reconcile.Options{DateWindow: 2, Accounts: unknown}, []reconcile.Statement{statement(back("l2", reconcile.Credit))},
			[]reconcile.Payment{pay(1, func(p *reconcile.Payment) { p.FromAccount = "acc_01KAWW1Y000000000000PAYER" })})
		assert.Empty(t, r.Matches)
		require.Len(t, r.UnmatchedEntries, 1)
		require.Len(t, r.UnmatchedPayments, 1)
	})
	t.Run("the booking and its reversal, account unknown", func(t *testing.T) {
		r := match(t, reconcile.Options{DateWindow: 2, Accounts: unknown},
			[]reconcile.Statement{statement(entry("l1", "INV-2024-001"), back("l2", reconcile.Credit))},
			[]reconcile.Payment{pay(1, func(p *reconcile.Payment) { p.FromAccount = "acc_01KAWW1Y000000000000PAYER" })})
		require.Len(t, r.Matches, 1)
		assert.Equal(t, "l1", r.Matches[0].Entry.Position)
		require.Len(t, r.UnmatchedEntries, 1)
		assert.Equal(t, "l2", r.UnmatchedEntries[0].Entry.Position)
		assert.Empty(t, r.UnmatchedEntries[0].Notes, "no note says it fits the payment")
	})
	t.Run("a reversed credit on the known account is no outgoing payment", func(t *testing.T) {
		r := match(t, reconcile.Options{DateWindow: 2}, []reconcile.Statement{statement(back("l2", reconcile.Debit))}, []reconcile.Payment{pay(1)})
		assert.Empty(t, r.Matches)
		require.Len(t, r.UnmatchedEntries, 1)
	})
}

// TestAmountRateWithCappedTotals: when a currency's totals overflow int64 and are capped, the
// matched and the whole total are both the cap; an unmatched entry still makes match_rate_amount
// less than 1.
func TestAmountRateWithCappedTotals(t *testing.T) {
	big := int64(math.MaxInt64/2 + 1)
	st := statement(
		entry("1", "INV-A", func(e *reconcile.Entry) { e.Amount = big }),
		entry("2", "INV-B", func(e *reconcile.Entry) { e.Amount = big }),
		entry("3", "HESAP İŞLETİM ÜCRETİ", func(e *reconcile.Entry) { e.Amount = 100000 }),
	)
	r := match(t, reconcile.Options{}, []reconcile.Statement{st}, []reconcile.Payment{
		pay(1, func(p *reconcile.Payment) { p.Amount, p.Reference = big, "INV-A" }),
		pay(2, func(p *reconcile.Payment) { p.Amount, p.Reference = big, "INV-B" }),
	})
	require.Equal(t, 2, r.Summary.Exact)
	require.Equal(t, []reconcile.CurrencySummary{{Currency: "TRY", Entries: 3, Matched: 2,
		Amount: math.MaxInt64, MatchedAmount: math.MaxInt64}}, r.Summary.Currencies, "both capped")
	assert.Contains(t, r.Summary.Warnings, "the TRY totals overflow int64 and are capped")
	assert.Equal(t, 0.9999, r.Summary.MatchRateAmount, "1,000.00 TRY is unmatched")
}
