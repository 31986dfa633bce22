package reconcile_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// byEntry indexes a report's matches by their entry's position.
func byEntry(t *testing.T, r *reconcile.Report) map[string]reconcile.Match {
	t.Helper()
	ms := make(map[string]reconcile.Match)
	for _, m := range r.Matches {
		ms[m.Entry.Position] = m
	}
	return ms
}

// TestIdentifiedPaymentGoesToItsEntry: two equal payments share a reference; one statement line
// carries the end-to-end key of one of them, the other line only the shared reference. The line that
// identifies a payment gets it, and the other line the other payment, both for certain: a line that
// merely shares a payment's reference text does not count as naming a payment another line
// identifies (as an entry that identifies a payment does not count the others that share its text).
func TestIdentifiedPaymentGoesToItsEntry(t *testing.T) {
	for _, named := range []int{1, 2} {
		other := 3 - named
		t.Run("line names payment "+string(rune('0'+named)), func(t *testing.T) {
			keyed := entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.EndToEnd = pid(named).EndToEndKey() })
			plain := entry("l2", "INV-2024-001")
			r := match(t, reconcile.Options{}, []reconcile.Statement{statement(keyed, plain)}, []reconcile.Payment{pay(1), pay(2)})
			ms := byEntry(t, r)
			require.Len(t, ms, 2)
			assert.Equal(t, pid(named), ms["l1"].PaymentID)
			assert.Equal(t, pid(other), ms["l2"].PaymentID)
			for _, pos := range []string{"l1", "l2"} {
				m := ms[pos]
				assert.Equal(t, reconcile.ScoreExact, m.Score, pos)
				assert.Equal(t, reconcile.Criteria{Amount: true, Date: true, Reference: true}, m.Criteria, pos)
				assert.Empty(t, m.Alternatives, pos)
				assert.Empty(t, m.Notes, pos)
			}
			assert.Equal(t, "end_to_end_id", ms["l1"].Reasons[2].Key)
			assert.Equal(t, "reference", ms["l2"].Reasons[2].Key)
		})
	}
	t.Run("the identifying line is a day further from the payment than a text-only line", func(t *testing.T) {
		// Two equal instalments share a reference, P1 on the 15th and P2 on the 16th. l2 (16th) quotes
		// P1's end-to-end key; l1 (15th) only the shared reference. Naming the payment ranks before
		// the date distance: l2 gets P1, l1 the other instalment, both for certain. The text-only line
		// once took P1, approved automatically, and left the identifying line P2 as fuzzy.
		jan := func(d string) payment.Date { return payment.MustDate("2026-01-" + d) }
		text := entry("l1", "INV-2024-001", func(e *reconcile.Entry) { e.ValueDate = jan("15") })
		keyed := entry("l2", "", func(e *reconcile.Entry) { e.ValueDate = jan("16"); e.EndToEnd = pid(1).EndToEndKey() })
		pays := []reconcile.Payment{pay(1, func(p *reconcile.Payment) { p.ValueDate = jan("15") }), pay(2, func(p *reconcile.Payment) { p.ValueDate = jan("16") })}
		for _, stmt := range []reconcile.Statement{statement(text, keyed), statement(keyed, text)} {
			ms := byEntry(t, match(t, reconcile.Options{DateWindow: 2}, []reconcile.Statement{stmt}, pays))
			require.Len(t, ms, 2)
			assert.Equal(t, pid(1), ms["l2"].PaymentID, "l2 quotes P1's end-to-end key")
			assert.Equal(t, "end_to_end_id", ms["l2"].Reasons[2].Key)
			assert.Equal(t, pid(2), ms["l1"].PaymentID)
			for _, pos := range []string{"l1", "l2"} {
				m := ms[pos]
				assert.Equal(t, reconcile.ScoreExact, m.Score, pos)
				assert.Empty(t, m.Alternatives, pos)
				assert.Empty(t, m.Notes, pos)
			}
		}
	})
	t.Run("two lines identify the same payment: still a tie", func(t *testing.T) {
		keyed := func(pos string) reconcile.Entry {
			return entry(pos, "INV-2024-001", func(e *reconcile.Entry) { e.EndToEnd = pid(1).EndToEndKey() })
		}
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(keyed("l1"), keyed("l2"))}, []reconcile.Payment{pay(1), pay(2)})
		ms := byEntry(t, r)
		require.Contains(t, ms, "l1")
		assert.Equal(t, pid(1), ms["l1"].PaymentID)
		assert.Equal(t, reconcile.ScoreFuzzy, ms["l1"].Score, "a duplicate booking of one payment is never approved automatically")
	})
}

// TestTieWithATakenCandidate: a candidate as good as the one an entry gets, or an entry as good for
// its payment, does not make the match uncertain when that candidate or entry went to a strictly
// better fit; it does when it is free or went to an equally good one.
func TestTieWithATakenCandidate(t *testing.T) {
	jan := func(d string) payment.Date { return payment.MustDate("2026-01-" + d) }
	on := func(d string) func(*reconcile.Entry) { return func(e *reconcile.Entry) { e.ValueDate = jan(d) } }
	paid := func(d string) func(*reconcile.Payment) { return func(p *reconcile.Payment) { p.ValueDate = jan(d) } }
	t.Run("the other entry of the payment took a same-day payment", func(t *testing.T) {
		// P1 on the 15th, P2 on the 16th; lines on the 14th and the 16th: the 16th's line is P2's
		// (same day), so the 14th's line, one day from P1, is P1's.
		r := match(t, reconcile.Options{DateWindow: 2}, []reconcile.Statement{statement(
			entry("l1", "INV-2024-001", on("14")), entry("l2", "INV-2024-001", on("16")))},
			[]reconcile.Payment{pay(1, paid("15")), pay(2, paid("16"))})
		ms := byEntry(t, r)
		require.Len(t, ms, 2)
		assert.Equal(t, pid(1), ms["l1"].PaymentID)
		assert.Equal(t, pid(2), ms["l2"].PaymentID)
		for _, pos := range []string{"l1", "l2"} {
			assert.Equal(t, reconcile.ScoreExact, ms[pos].Score, pos)
			assert.Empty(t, ms[pos].Notes, pos)
		}
	})
	t.Run("the entry's other candidate went to a same-day line", func(t *testing.T) {
		// P1 on the 14th, P2 on the 16th (a weekend apart); lines on the 15th and the 16th.
		r := match(t, reconcile.Options{DateWindow: 2}, []reconcile.Statement{statement(
			entry("l1", "INV-2024-001", on("15")), entry("l2", "INV-2024-001", on("16")))},
			[]reconcile.Payment{pay(1, paid("14")), pay(2, paid("16"))})
		ms := byEntry(t, r)
		require.Len(t, ms, 2)
		assert.Equal(t, pid(1), ms["l1"].PaymentID)
		assert.Equal(t, pid(2), ms["l2"].PaymentID)
		for _, pos := range []string{"l1", "l2"} {
			assert.Equal(t, reconcile.ScoreExact, ms[pos].Score, pos)
			assert.Empty(t, ms[pos].Alternatives, pos)
			assert.Empty(t, ms[pos].Notes, pos)
		}
	})
	t.Run("a line without reference, the other payment named by another line", func(t *testing.T) {
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("l1", "INV-B"), entry("l2", "EFT"))},
			[]reconcile.Payment{pay(1, func(p *reconcile.Payment) { p.Reference = "INV-A" }), pay(2, func(p *reconcile.Payment) { p.Reference = "INV-B" })})
		ms := byEntry(t, r)
		require.Len(t, ms, 2)
		assert.Equal(t, pid(2), ms["l1"].PaymentID)
		assert.Equal(t, reconcile.ScoreExact, ms["l1"].Score)
		m := ms["l2"]
		assert.Equal(t, pid(1), m.PaymentID)
		assert.Equal(t, reconcile.ScoreFuzzy, m.Score, "the reference is missing")
		assert.Empty(t, m.Alternatives, "INV-B is the other line's for certain")
		assert.Empty(t, m.Notes)
	})
	t.Run("two equal lines, two equal payments: both uncertain", func(t *testing.T) {
		r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("l1", "EFT"), entry("l2", "EFT"))},
			[]reconcile.Payment{pay(1, func(p *reconcile.Payment) { p.Reference = "INV-A" }), pay(2, func(p *reconcile.Payment) { p.Reference = "INV-B" })})
		ms := byEntry(t, r)
		require.Len(t, ms, 2)
		for _, pos := range []string{"l1", "l2"} {
			assert.Len(t, ms[pos].Alternatives, 1, pos)
			assert.Contains(t, ms[pos].Notes, "2 payments fit this entry equally well; a person must choose", pos)
		}
	})
}

// TestIDInsideAnotherReference: P2's reference is P1's id (or end-to-end key) plus a suffix, with the
// same amount and date. A line quoting P2's reference in full names P2, not P1: the id it contains is
// part of P2's reference. It once went to P1, approved automatically.
func TestIDInsideAnotherReference(t *testing.T) {
	for _, tc := range []struct {
		name string
		ref  func(p1 reconcile.Payment) string
		key  string
	}{
		{"id", func(p1 reconcile.Payment) string { return string(p1.ID) + "-2" }, "reference"},
		{"end-to-end key", func(p1 reconcile.Payment) string { return p1.EndToEnd + "/2" }, "reference"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p1 := pay(1)
			p2 := pay(2, func(p *reconcile.Payment) { p.Reference = tc.ref(p1) })
			for _, pays := range [][]reconcile.Payment{{p1, p2}, {p2, p1}} {
				r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("l1", "EFT "+p2.Reference))}, pays)
				require.Len(t, r.Matches, 1)
				m := r.Matches[0]
				assert.Equal(t, p2.ID, m.PaymentID)
				assert.Equal(t, reconcile.ScoreExact, m.Score)
				assert.Equal(t, reconcile.Criteria{Amount: true, Date: true, Reference: true}, m.Criteria)
				assert.Equal(t, tc.key, m.Reasons[2].Key)
				assert.Equal(t, p2.Reference, m.Reasons[2].Entry, "the whole quote named it")
				assert.Empty(t, m.Alternatives)
			}
		})
	}
	t.Run("P1's id quoted on its own as well still identifies P1", func(t *testing.T) {
		p1 := pay(1, func(p *reconcile.Payment) { p.Reference = "RENT" })
		p2 := pay(2, func(p *reconcile.Payment) { p.Reference = string(p1.ID) + "-2"; p.Amount = 99 })
		for _, text := range []string{p2.Reference + " " + string(p1.ID), string(p1.ID) + " " + p2.Reference} {
			r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("l1", text))}, []reconcile.Payment{p1, p2})
			require.Len(t, r.Matches, 1, text)
			m := r.Matches[0]
			assert.Equal(t, p1.ID, m.PaymentID, text)
			assert.Equal(t, reconcile.ScoreExact, m.Score, text)
			assert.Equal(t, "id", m.Reasons[2].Key, text)
			assert.Equal(t, string(p1.ID), m.Reasons[2].Entry, text)
		}
	})
}

// TestIDDoesNotHideAnotherPaymentsOwnReference: a line quotes one payment's id and another payment's
// own reference, and fits the second on amount and date. The id outranks only the payments that
// share the identified payment's reference text; the second payment is still named by its own, so
// the line is its exact match. It once lost its reference criterion, and the line went as a fuzzy
// match (wrong amount) to the payment whose id it quoted.
func TestIDDoesNotHideAnotherPaymentsOwnReference(t *testing.T) {
	p1 := pay(1, func(p *reconcile.Payment) { p.Amount = 10000; p.Reference = "INV-1" })
	p2 := pay(2, func(p *reconcile.Payment) { p.Amount = 20000; p.Reference = "INV-2" })
	for _, tt := range []struct{ name, text string }{
		{"id", "collect " + string(p1.ID) + " and INV-2"},
		{"end-to-end key", "collect " + p1.EndToEnd + " and INV-2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := entry("l1", tt.text, func(e *reconcile.Entry) { e.Amount = 20000 })
			r := match(t, reconcile.Options{}, []reconcile.Statement{statement(e)}, []reconcile.Payment{p1, p2})
			require.Len(t, r.Matches, 1)
			m := r.Matches[0]
			assert.Equal(t, p2.ID, m.PaymentID)
			assert.Equal(t, reconcile.ScoreExact, m.Score)
			assert.Equal(t, reconcile.Criteria{Amount: true, Date: true, Reference: true}, m.Criteria)
			assert.Equal(t, "INV-2", m.Reasons[2].Entry)
			assert.Equal(t, "reference", m.Reasons[2].Key)
		})
	}
}

// TestTieBeyondTheKeptCandidates: a line with more candidates than MaxCandidates, whose last kept
// candidate is as good as the first one not kept, is never approved automatically: the one not kept
// may be free. Seven lines take seven payroll payments by their end-to-end keys; the eighth line
// quotes only the shared reference and fits the last two payments (one day off) equally well. It
// was approved automatically with one of them, the other left unmatched.
func TestTieBeyondTheKeptCandidates(t *testing.T) {
	require.Equal(t, 8, reconcile.MaxCandidates, "the test is built for 8 kept candidates")
	jan := func(d string) payment.Date { return payment.MustDate("2026-01-" + d) }
	var ps []reconcile.Payment
	var es []reconcile.Entry
	for i := 1; i <= 9; i++ {
		d := "15"
		if i >= 8 {
			d = "16"
		}
		ps = append(ps, pay(i, func(p *reconcile.Payment) { p.ValueDate = jan(d) }))
		if i <= 7 {
			es = append(es, entry("k"+string(rune('0'+i)), "", func(e *reconcile.Entry) { e.EndToEnd = pid(i).EndToEndKey() }))
		}
	}
	es = append(es, entry("text", "INV-2024-001"))
	ms := byEntry(t, match(t, reconcile.Options{DateWindow: 1}, []reconcile.Statement{statement(es...)}, ps))
	require.Contains(t, ms, "text")
	m := ms["text"]
	assert.Equal(t, pid(8), m.PaymentID)
	assert.Equal(t, reconcile.ScoreFuzzy, m.Score)
	assert.Equal(t, reconcile.ReviewPending, m.Review)
	assert.Equal(t, []string{"more payments fit this entry equally well than matching compares; a person must choose"}, m.Notes)
	for i := 1; i <= 7; i++ {
		assert.Equal(t, reconcile.ScoreExact, ms["k"+string(rune('0'+i))].Score)
	}
}

// TestLostTieSaysEquallyWell: two lines fit one payment equally well; the one left unmatched says
// its candidate went to a line that fits it equally well, as the matched line says another line
// fits its payment equally well. It said the payment fit the other line better.
func TestLostTieSaysEquallyWell(t *testing.T) {
	r := match(t, reconcile.Options{}, []reconcile.Statement{statement(entry("l1", "INV-2024-001"), entry("l2", "INV-2024-001"))},
		[]reconcile.Payment{pay(1)})
	require.Len(t, r.Matches, 1)
	require.Len(t, r.UnmatchedEntries, 1)
	assert.Equal(t, []string{"another entry fits this payment equally well; a person must choose"}, r.Matches[0].Notes)
	assert.Equal(t, []string{"candidate payment " + string(pid(1)) + " fits another entry equally well and went to it; a person must choose"},
		r.UnmatchedEntries[0].Notes)

	// a strictly better line still beats it
	r = match(t, reconcile.Options{DateWindow: 1}, []reconcile.Statement{statement(entry("l1", "INV-2024-001"),
		entry("l2", "INV-2024-001", func(e *reconcile.Entry) { e.ValueDate = payment.MustDate("2026-01-16") }))},
		[]reconcile.Payment{pay(1)})
	require.Len(t, r.UnmatchedEntries, 1)
	assert.Equal(t, []string{"candidate payment " + string(pid(1)) + " fits another entry better"}, r.UnmatchedEntries[0].Notes)
}
