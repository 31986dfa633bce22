package reconcile_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	rcsv "github.com/orkesta/orkesta/reconcile/csv"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// TestReportDigests holds the engine's decisions still while it is made faster: the JSON and CSV
// reports of generated problems (the benchmark's data shape, and crowded random ones full of ties,
// shared and duplicate references, batches, ids, end-to-end keys, Turkish text, cancelled payments,
// fuzzy cases of every kind) are summed up by their SHA-256 in a golden file. They are large enough
// (10,000 entries) for the parallel paths, and run with one and two workers. A change of the digests
// is a change of behaviour: find out why before running go test -update.
func TestReportDigests(t *testing.T) {
	var out strings.Builder
	digest := func(name string, res *reconcile.Result) {
		t.Helper()
		var j, c bytes.Buffer
		require.NoError(t, reconcile.WriteJSON(&j, res))
		require.NoError(t, reconcile.WriteCSV(&c, res))
		s := res.ReportSummary()
		fmt.Fprintf(&out, "%s exact=%d fuzzy=%d unmatched=%d/%d anomalies=%d json=%s csv=%s\n", name,
			s.Exact, s.Fuzzy, s.UnmatchedEntries, s.UnmatchedPayments, s.Anomalies, sum(j.Bytes()), sum(c.Bytes()))
	}
	var p, s bytes.Buffer
	require.NoError(t, reconciletest.WritePerfData(10_000, &p, &s))
	stmts, err := rcsv.Decode(&s, rcsv.Options{Preset: "en"})
	require.NoError(t, err)
	pays, err := reconcile.ReadPayments(&p)
	require.NoError(t, err)
	for _, window := range []int{0, 1} {
		for _, workers := range []int{1, 2} {
			g, err := reconcile.NewEngine(reconcile.Options{DateWindow: window, Workers: workers})
			require.NoError(t, err)
			// one line per worker count under the same name: they must be equal
			digest(fmt.Sprintf("perf window=%d", window), g.Match(stmts, pays))
		}
	}
	for seed := range uint64(6) {
		w := crowdedWorld(rand.New(rand.NewPCG(seed, 2027)), 10_000)
		for _, workers := range []int{1, 2} {
			g, err := reconcile.NewEngine(reconcile.Options{DateWindow: w.window, Accounts: accounts, Workers: workers,
				PaymentInfoIDs: map[string]payment.BatchID{"PMTINF-7": batchID(3)}})
			require.NoError(t, err)
			digest(fmt.Sprintf("crowded seed=%d window=%d", seed, w.window), g.Match(w.stmts, w.pays))
		}
	}
	reconciletest.Golden(t, "testdata/perf/digests.golden", []byte(out.String()), *update)
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:12])
}

func batchID(n int) payment.BatchID {
	return payment.BatchID(fmt.Sprintf("bat_01KFBQ0000BATCH00000000%02d", n))
}

// crowdedWorld is n entries against about n payments drawn from small pools of amounts, dates and
// references: most entries have several candidates, many tie.
func crowdedWorld(rng *rand.Rand, n int) world {
	w := world{window: rng.IntN(3)}
	refs := []string{"", "INV-2024-001", "INV-2024-0010", "RENT", "İADE-5", "ÇEK-7", "ışık 42", "NOTPROVIDED"}
	for i := range 400 {
		refs = append(refs, fmt.Sprintf("INV-%d-%04d", 2024+i%3, i))
	}
	amount := func() int64 { return int64(100 * (1 + rng.IntN(300))) }
	day := func() payment.Date { return payment.MustDate("2026-01-01").AddDays(rng.IntN(40)) }
	statuses := []payment.Status{payment.StatusSettled, payment.StatusSettled, payment.StatusSettled,
		payment.StatusSettled, payment.StatusProcessing, payment.StatusFailed, payment.StatusCancelled,
		payment.StatusPending, payment.StatusReconciled}
	for i := range n {
		p := pay(i+1, func(p *reconcile.Payment) {
			p.Amount = amount()
			p.ValueDate = day()
			p.Reference = refs[rng.IntN(len(refs))]
			p.Status = statuses[rng.IntN(len(statuses))]
		})
		switch r := rng.IntN(20); {
		case r == 0:
			p.FromAccount, p.ToAccount = vendor, ownAcc
		case r == 1:
			p.Currency = "EUR"
		case r == 2:
			p.ValueDate = 0
		case r == 3 && i > 0: // a duplicate of the previous payment but for its id
			q := w.pays[i-1]
			p.Amount, p.ValueDate, p.Reference, p.Status = q.Amount, q.ValueDate, q.Reference, q.Status
		}
		if rng.IntN(25) == 0 {
			p.BatchID = batchID(rng.IntN(8))
		}
		w.pays = append(w.pays, p)
	}
	st := reconcile.Statement{Format: "test", Account: ownIBAN, Currency: "TRY"}
	for j := range n {
		e := reconcile.Entry{ValueDate: day(), Amount: amount(), Direction: reconcile.Debit, Currency: "TRY",
			Position: fmt.Sprintf("line %d", j+2)}
		q := &w.pays[rng.IntN(len(w.pays))]
		if rng.IntN(3) > 0 { // often close to a payment: fuzzy on one criterion, or exact
			e.Amount, e.ValueDate = q.Amount, q.ValueDate
			switch rng.IntN(4) {
			case 0:
				e.Amount += 100
			case 1:
				e.ValueDate = e.ValueDate.AddDays(1 + rng.IntN(3))
			}
		}
		if rng.IntN(10) == 0 {
			e.Direction = reconcile.Credit
		}
		if rng.IntN(15) == 0 {
			e.BookingDate, e.ValueDate = e.ValueDate, 0
		}
		switch r := rng.IntN(9); {
		case r == 0:
			e.Remittance = "EFT " + strings.ToLower(string(q.ID)) + " ödeme"
		case r == 1:
			e.EndToEnd = q.EndToEnd
		case r == 2:
			e.Remittance = fmt.Sprintf("TOPLU ÖDEME %s", batchID(rng.IntN(8)))
		case r == 3:
			e.Remittance = "/REMI/" + strings.ReplaceAll(q.Reference, "-", " ") + " /EREF/NOTPROVIDED"
		case r == 4:
			e.BankRef = q.Reference + "0"
		case r == 5:
			e.Remittance = "PMTINF-7 toplu"
		default:
			e.CustomerRef = q.Reference
		}
		st.Entries = append(st.Entries, e)
	}
	st.Fingerprint()
	w.stmts = []reconcile.Statement{st}
	return w
}
