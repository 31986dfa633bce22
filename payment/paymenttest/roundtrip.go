package paymenttest

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
)

// RoundTrip checks that a durable store keeps every field. It writes through w a workspace with a
// custom plan and thresholds, accounts, payments at the edges of their ranges (the largest int64
// amount, Turkish and emoji text, times with microseconds given in a zone other than UTC, no value
// date), their history and events, and, when w is a payment.KeyStore, API keys; then it reads all of
// it back through the store reopen returns (typically a second Store on the same database, as after
// a restart) and compares every field. Times must come back as the same instant, in UTC.
func RoundTrip(t *testing.T, w payment.Store, reopen func(t *testing.T) payment.Store) {
	t.Helper()
	ids := &IDs{}
	istanbul := time.FixedZone("+03", 3*60*60)
	at := time.Date(2026, 3, 29, 2, 59, 59, 123456000, istanbul) // microseconds, not UTC
	id := func(prefix string) string { return prefix + ids.NewULID(at) }

	ws := payment.Workspace{
		ID: payment.WorkspaceID(id(payment.PrefixWorkspace)), Name: "Çiçek Lojistik A.Ş. — İzmir 🚚",
		Plan: payment.Plan{Name: "özel", Methods: []payment.Method{payment.MethodCard, payment.MethodEFT}},
		Approval: payment.ApprovalPolicy{Mode: payment.ApprovalThreshold, MakerChecker: true,
			Thresholds: map[payment.Currency]int64{"TRY": math.MaxInt64, "EUR": 1, "JPY": 0}},
		CreatedAt: at,
	}
	own := payment.Account{ID: payment.AccountID(id(payment.PrefixAccount)), Workspace: ws.ID, Name: "Ödeme Hesabı",
		Currency: "TRY", IBAN: "TR330006100519786457841326", Type: payment.AccountInternal, CreatedAt: at}
	peer := payment.Account{ID: payment.AccountID(id(payment.PrefixAccount)), Workspace: ws.ID, Name: "Şükrü Güneş",
		Currency: "TRY", Type: payment.AccountExternal, CreatedAt: at.Add(time.Microsecond)}
	require.NoError(t, w.CreateWorkspace(ctx, ws))
	require.NoError(t, w.CreateAccount(ctx, own))
	require.NoError(t, w.CreateAccount(ctx, peer))

	full := payment.Payment{
		ID: payment.ID(id(payment.PrefixPayment)), Workspace: ws.ID, Amount: math.MaxInt64, Currency: "TRY",
		Method: payment.MethodCard, FromAccount: own.ID, ToAccount: peer.ID,
		Description: "Fatura ödemesi: ğüşıöç İĞÜŞÖÇ “tırnak” 'tek' \\ % _ 💸", Reference: "PO/2026/ÇĞ-17",
		ValueDate: payment.MustDate("2026-12-31"), Status: payment.StatusPending,
		BatchID: payment.BatchID(id(payment.PrefixBatch)), IdempotencyKey: "idem-Ğ-1", CreatedBy: "ayşe@example.com",
		CreatedAt: at, UpdatedAt: at, Version: 1,
	}
	full.EndToEnd = full.ID.EndToEndKey()
	bare := payment.Payment{
		ID: payment.ID(id(payment.PrefixPayment)), Workspace: ws.ID, Amount: 1, Currency: "TRY",
		Method: payment.MethodEFT, FromAccount: own.ID, ToAccount: peer.ID, Status: payment.StatusPending,
		CreatedAt: at.Add(time.Second), UpdatedAt: at.Add(time.Second), Version: 1,
	}
	bare.EndToEnd = bare.ID.EndToEndKey()

	var history []payment.Transition // of full
	var events []payment.Event
	write := func(c payment.Change, prev int64) {
		t.Helper()
		if prev == 0 {
			require.NoError(t, w.CreatePayment(ctx, c))
		} else {
			require.NoError(t, w.UpdatePayment(ctx, c, prev))
		}
		if c.Payment.ID == full.ID {
			history = append(history, c.History)
		}
		if c.Event.Type != "" {
			events = append(events, c.Event)
		}
	}
	change := func(p payment.Payment, from payment.Status, ev fsm.Event, evType payment.EventType) payment.Change {
		snap := p
		return payment.Change{
			Payment: p,
			History: payment.Transition{PaymentID: p.ID, Seq: int(p.Version), From: from, To: p.Status,
				Event: ev, Actor: "Gülşen Çelik", Reason: "gerekçe: ödendi ✓", At: p.UpdatedAt},
			Event: payment.Event{ID: id(payment.PrefixEvent), Type: evType, Workspace: ws.ID, OccurredAt: p.UpdatedAt,
				Payment: &snap},
		}
	}
	write(change(full, "", payment.EventCreate, payment.EventPaymentCreated), 0)
	bareChange := change(bare, "", payment.EventCreate, payment.EventPaymentCreated)
	bareChange.History.Actor, bareChange.History.Reason = "", ""
	write(bareChange, 0)
	for _, step := range []struct {
		to    payment.Status
		ev    fsm.Event
		evTyp payment.EventType
	}{{payment.StatusApproved, fsm.EventApprove, payment.EventPaymentApproved},
		{payment.StatusProcessing, fsm.EventSubmit, payment.EventPaymentProcessing},
		{payment.StatusFailed, fsm.EventFail, payment.EventPaymentFailed}} {
		from, prev := full.Status, full.Version
		full.Status, full.Version, full.UpdatedAt = step.to, prev+1, full.UpdatedAt.Add(time.Hour+time.Microsecond)
		if step.to == payment.StatusFailed {
			full.FailureCode, full.FailureReason = "hesap_kapalı", "Alıcı hesabı kapalı (IBAN TR…1326)"
		}
		write(change(full, from, step.ev, step.evTyp), prev)
	}
	var keys []payment.APIKey
	if ks, ok := w.(payment.KeyStore); ok {
		_, h1 := payment.NewAPIKeySecret()
		_, h2 := payment.NewAPIKeySecret()
		keys = []payment.APIKey{
			{ID: id(payment.PrefixAPIKey), Workspace: ws.ID, Name: "ERP entegrasyonu", Scope: payment.ScopeAdmin, Hash: h1,
				Prefix: "ok_ABCDE", CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour), RevokedAt: at.Add(time.Hour)},
			{ID: id(payment.PrefixAPIKey), Workspace: ws.ID, Name: "salt okunur", Scope: payment.ScopeReadOnly, Hash: h2,
				Prefix: "ok_FGHIJ", CreatedAt: at},
		}
		for _, k := range keys {
			require.NoError(t, ks.CreateAPIKey(ctx, k))
		}
		slices.SortFunc(keys, func(a, b payment.APIKey) int { return strings.Compare(a.ID, b.ID) }) // list order
		require.NoError(t, ks.RevokeAPIKey(ctx, ws.ID, keys[0].ID, at.Add(time.Hour)))
	}

	r := reopen(t)
	gotWS, err := r.GetWorkspace(ctx, ws.ID)
	require.NoError(t, err)
	assert.Equal(t, inUTC(ws, func(w *payment.Workspace) []*time.Time { return []*time.Time{&w.CreatedAt} }), gotWS)
	accs, err := r.ListAccounts(ctx, ws.ID)
	require.NoError(t, err)
	acc := func(a payment.Account) payment.Account {
		return inUTC(a, func(a *payment.Account) []*time.Time { return []*time.Time{&a.CreatedAt} })
	}
	assert.Equal(t, []payment.Account{acc(own), acc(peer)}, accs)
	pay := func(p payment.Payment) payment.Payment {
		return inUTC(p, func(p *payment.Payment) []*time.Time { return []*time.Time{&p.CreatedAt, &p.UpdatedAt} })
	}
	for _, want := range []payment.Payment{full, bare} {
		got, err := r.GetPayment(ctx, ws.ID, want.ID)
		require.NoError(t, err)
		assert.Equal(t, pay(want), got)
	}
	got, err := r.GetPaymentByKey(ctx, ws.ID, full.IdempotencyKey)
	require.NoError(t, err)
	assert.Equal(t, pay(full), got)
	list, err := r.ListPayments(ctx, ws.ID, payment.ListFilter{BatchID: full.BatchID})
	require.NoError(t, err)
	assert.Equal(t, []payment.Payment{pay(full)}, list)
	hist, err := r.History(ctx, ws.ID, full.ID)
	require.NoError(t, err)
	for i := range history {
		history[i] = inUTC(history[i], func(h *payment.Transition) []*time.Time { return []*time.Time{&h.At} })
	}
	assert.Equal(t, history, hist)

	if el, ok := r.(payment.EventLog); ok {
		logged, err := el.EventsAfter(ctx, 0, 0)
		require.NoError(t, err)
		require.Len(t, logged, len(events))
		for i, e := range events {
			e.OccurredAt = e.OccurredAt.UTC()
			snap := pay(*e.Payment)
			e.Payment = &snap
			assert.Equal(t, e, logged[i].Event, "event %d", i)
			if i > 0 {
				assert.Greater(t, logged[i].Seq, logged[i-1].Seq)
			}
		}
	}
	if ks, ok := r.(payment.KeyStore); ok && len(keys) > 0 {
		keys[0].RevokedAt = at.Add(time.Hour)
		for i := range keys {
			keys[i] = inUTC(keys[i], func(k *payment.APIKey) []*time.Time {
				return []*time.Time{&k.CreatedAt, &k.ExpiresAt, &k.RevokedAt}
			})
			got, err := ks.GetAPIKeyByHash(ctx, keys[i].Hash)
			require.NoError(t, err)
			assert.Equal(t, keys[i], got)
		}
		got, err := ks.ListAPIKeys(ctx, ws.ID)
		require.NoError(t, err)
		assert.Equal(t, keys, got)
	}
}

// inUTC returns v with the times times(&v) names converted to UTC (zero times stay zero).
func inUTC[T any](v T, times func(*T) []*time.Time) T {
	for _, t := range times(&v) {
		if !t.IsZero() {
			*t = t.UTC()
		}
	}
	return v
}
