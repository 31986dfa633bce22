// Package memory is a payment.Store (and payment.KeyStore) that keeps everything in process memory.
// It is safe for concurrent use, fast, and forgets everything when the process exits: for tests, demos
// and hosts that persist elsewhere.
package memory

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/orkesta/orkesta/payment"
)

type record struct {
	// p is the current version, never modified in place: a change swaps the pointer. It is shared
	// with the event of that change in the outbox (both are the same immutable snapshot).
	p *payment.Payment
	// history is the payment's transitions, oldest first. Empty means one: the creation transition
	// that creationOf(p) gives, which is what payment.Service records; while a payment has not
	// changed, p is still its creation version, so nothing needs keeping (most payments in memory
	// never change, and a record is 32 bytes instead of 160). The first update writes it out.
	history []payment.Transition
}

// creationOf is the creation transition of a payment whose first version is p, as payment.Service
// records it.
func creationOf(p *payment.Payment) payment.Transition {
	return payment.Transition{PaymentID: p.ID, Seq: 1, To: p.Status, Event: payment.EventCreate,
		Actor: p.CreatedBy, At: p.CreatedAt}
}

// transitions returns r's history, the implied creation transition included.
func (r *record) transitions() []payment.Transition {
	if len(r.history) == 0 {
		return []payment.Transition{creationOf(r.p)}
	}
	return slices.Clone(r.history)
}

type wsData struct {
	w        payment.Workspace
	accOrder []payment.AccountID // the workspace's accounts (in Store.accounts) by created_at, then id
	payments map[payment.ID]*record
	// order holds payment ids in ascending order (ULIDs are time-ordered).
	order []payment.ID
	keys  map[string]payment.ID
}

// Store is the in-memory store. The zero value is not usable; call New.
type Store struct {
	// accounts (AccountID → payment.Account, of every workspace) are written once, under mu, and then
	// only read: sync.Map reads them without the lock.
	accounts sync.Map

	mu     sync.RWMutex
	ws     map[payment.WorkspaceID]*wsData
	apiKey map[[32]byte]payment.APIKey
	outbox eventLog
	// work backs payment.Claimer (claim.go), guarded by mu; hooks backs payment.WebhookStore
	// (webhooks.go), with its own lock. Both zero values are ready to use.
	work  workTable
	hooks hookTable
}

// New returns an empty store.
func New() *Store {
	return &Store{ws: make(map[payment.WorkspaceID]*wsData), apiKey: make(map[[32]byte]payment.APIKey)}
}

var (
	_ payment.Store        = (*Store)(nil)
	_ payment.KeyStore     = (*Store)(nil)
	_ payment.BatchCreator = (*Store)(nil)
	_ payment.EventLog     = (*Store)(nil)
)

// CreateWorkspace implements payment.Store.
func (s *Store) CreateWorkspace(_ context.Context, w payment.Workspace) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ws[w.ID]; ok {
		return payment.ErrDuplicate
	}
	w = cloneWorkspace(w)
	s.ws[w.ID] = &wsData{
		w: w, payments: make(map[payment.ID]*record), keys: make(map[string]payment.ID),
	}
	return nil
}

// GetWorkspace implements payment.Store.
func (s *Store) GetWorkspace(_ context.Context, id payment.WorkspaceID) (payment.Workspace, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if d, ok := s.ws[id]; ok {
		return cloneWorkspace(d.w), nil
	}
	return payment.Workspace{}, payment.ErrNotFound
}

// cloneWorkspace copies w's plan methods and approval thresholds, so that the store shares no slice or
// map with its callers: what one caller changes in its copy changes neither the store nor another's.
func cloneWorkspace(w payment.Workspace) payment.Workspace {
	w.Plan.Methods = slices.Clone(w.Plan.Methods)
	w.Approval.Thresholds = maps.Clone(w.Approval.Thresholds)
	return w
}

// CreateAccount implements payment.Store.
func (s *Store) CreateAccount(_ context.Context, a payment.Account) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.ws[a.Workspace]
	if !ok {
		return payment.ErrNotFound
	}
	if _, dup := s.accounts.Load(a.ID); dup {
		return payment.ErrDuplicate
	}
	// Oldest first, as the SQL stores order them, even when accounts come out of order (an import
	// with their original times, a clock set back): almost always after the last one.
	i := len(d.accOrder)
	for i > 0 {
		v, _ := s.accounts.Load(d.accOrder[i-1])
		if prev := v.(payment.Account); prev.CreatedAt.Before(a.CreatedAt) ||
			prev.CreatedAt.Equal(a.CreatedAt) && prev.ID < a.ID {
			break
		}
		i--
	}
	d.accOrder = slices.Insert(d.accOrder, i, a.ID)
	s.accounts.Store(a.ID, a)
	return nil
}

// GetAccount implements payment.Store.
func (s *Store) GetAccount(_ context.Context, ws payment.WorkspaceID, id payment.AccountID) (payment.Account, error) {
	if v, ok := s.accounts.Load(id); ok {
		if a := v.(payment.Account); a.Workspace == ws {
			return a, nil
		}
	}
	return payment.Account{}, payment.ErrNotFound
}

// ListAccounts implements payment.Store: oldest first (by created_at, then id).
func (s *Store) ListAccounts(_ context.Context, ws payment.WorkspaceID) ([]payment.Account, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.ws[ws]
	if !ok {
		return nil, nil
	}
	out := make([]payment.Account, 0, len(d.accOrder))
	for _, id := range d.accOrder {
		a, _ := s.accounts.Load(id)
		out = append(out, a.(payment.Account))
	}
	return out, nil
}

// CreatePayment implements payment.Store.
func (s *Store) CreatePayment(_ context.Context, c payment.Change) error {
	r := new(record)
	r.init(&c) // outside the lock: the allocation and the copy need no lock
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createLocked(&c, r)
}

// init makes r the record of the payment c creates.
func (r *record) init(c *payment.Change) {
	r.p = snapshot(c)
	if c.History != creationOf(&c.Payment) {
		r.history = []payment.Transition{c.History}
	}
}

// createLocked stores the payment c creates, with r (initialised from c) as its record. s.mu is held.
func (s *Store) createLocked(c *payment.Change, r *record) error {
	d, ok := s.ws[c.Payment.Workspace]
	if !ok {
		return payment.ErrNotFound
	}
	// order holds every id in ascending order, and ids are almost always increasing: an id above the
	// last one is new without a look into the map.
	id := c.Payment.ID
	n := len(d.order)
	newest := n == 0 || d.order[n-1] < id
	if !newest {
		if _, dup := d.payments[id]; dup {
			return payment.ErrDuplicate
		}
	}
	if k := c.Payment.IdempotencyKey; k != "" {
		if _, dup := d.keys[k]; dup {
			return payment.ErrDuplicate
		}
		d.keys[k] = id
	}
	d.payments[id] = r
	if newest {
		d.order = append(d.order, id)
	} else {
		i, _ := slices.BinarySearch(d.order, id)
		d.order = slices.Insert(d.order, i, id)
	}
	if c.Event.Type != "" {
		s.outbox.add(c.Event)
	}
	return nil
}

// snapshot returns the immutable copy of c.Payment to keep: the event's snapshot when the change
// publishes one of exactly this payment (so the store and its outbox share one copy), else a new one.
func snapshot(c *payment.Change) *payment.Payment {
	if e := c.Event.Payment; e != nil && *e == c.Payment {
		return e
	}
	p := c.Payment
	return &p
}

// CreatePayments implements payment.BatchCreator: all items under one lock, each failing alone.
func (s *Store) CreatePayments(_ context.Context, cs []payment.Change) ([]error, error) {
	errs := make([]error, len(cs))
	// One allocation for the batch's records, made before the lock is taken. A refused item's record
	// is never referenced; the array lives as long as any of the others.
	rs := make([]record, len(cs))
	for i := range cs {
		rs[i].init(&cs[i])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range cs {
		errs[i] = s.createLocked(&cs[i], &rs[i])
	}
	return errs, nil
}

// GetPayment implements payment.Store.
func (s *Store) GetPayment(_ context.Context, ws payment.WorkspaceID, id payment.ID) (payment.Payment, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if d, ok := s.ws[ws]; ok {
		if r, ok := d.payments[id]; ok {
			return *r.p, nil
		}
	}
	return payment.Payment{}, payment.ErrNotFound
}

// GetPaymentByKey implements payment.Store.
func (s *Store) GetPaymentByKey(_ context.Context, ws payment.WorkspaceID, key string) (payment.Payment, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if d, ok := s.ws[ws]; ok {
		if id, ok := d.keys[key]; ok {
			return *d.payments[id].p, nil
		}
	}
	return payment.Payment{}, payment.ErrNotFound
}

// ListPayments implements payment.Store.
func (s *Store) ListPayments(_ context.Context, ws payment.WorkspaceID, f payment.ListFilter) ([]payment.Payment, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.ws[ws]
	if !ok {
		return nil, nil
	}
	end := len(d.order)
	if f.After != "" {
		end, _ = slices.BinarySearch(d.order, f.After)
	}
	var out []payment.Payment
	for i := end - 1; i >= 0; i-- {
		r := d.payments[d.order[i]]
		if !f.Match(r.p) {
			continue
		}
		out = append(out, *r.p)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out, nil
}

// UpdatePayment implements payment.Store.
func (s *Store) UpdatePayment(_ context.Context, c payment.Change, prevVersion int64) error {
	if err := c.CheckUpdate(prevVersion); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.ws[c.Payment.Workspace]
	if !ok {
		return payment.ErrNotFound
	}
	r, ok := d.payments[c.Payment.ID]
	if !ok {
		return payment.ErrNotFound
	}
	if r.p.Version != prevVersion {
		return payment.ErrConflict
	}
	if err := c.CheckFrom(r.p.Status); err != nil {
		return err
	}
	if len(r.history) == 0 { // r.p is still the creation version: write its transition out first
		r.history = append(make([]payment.Transition, 0, 2), creationOf(r.p))
	}
	r.history = append(r.history, c.History)
	r.p = snapshot(&c)
	if c.Event.Type != "" {
		s.outbox.add(c.Event)
	}
	if c.Outside {
		s.work.markOutside(c.Payment.ID)
	}
	return nil
}

// History implements payment.Store.
func (s *Store) History(_ context.Context, ws payment.WorkspaceID, id payment.ID) ([]payment.Transition, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if d, ok := s.ws[ws]; ok {
		if r, ok := d.payments[id]; ok {
			return r.transitions(), nil
		}
	}
	return nil, payment.ErrNotFound
}

// EventsAfter implements payment.EventLog; an event's sequence number is its position in the outbox.
func (s *Store) EventsAfter(_ context.Context, after int64, limit int) ([]payment.LoggedEvent, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []payment.LoggedEvent
	for i := max(int(max(after, 0)), s.outbox.first); i < s.outbox.n && (limit <= 0 || len(out) < limit); i++ {
		out = append(out, payment.LoggedEvent{Seq: int64(i + 1), Event: s.outbox.at(i)})
	}
	return out, nil
}

var _ payment.EventPruner = (*Store)(nil)

// PruneEvents implements payment.EventPruner. Pruned events free the payment versions they held.
func (s *Store) PruneEvents(_ context.Context, upTo int64, before time.Time, limit int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outbox.prune(upTo, before, limit), nil
}

// Outbox returns the events the outbox holds (those written and not pruned), oldest first.
func (s *Store) Outbox() []payment.Event {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]payment.Event, 0, s.outbox.n-s.outbox.first)
	for i := s.outbox.first; i < s.outbox.n; i++ {
		out = append(out, s.outbox.at(i))
	}
	return out
}

// eventLog is the outbox: fixed-size chunks, so it grows without ever copying what it holds. Event i
// (from 0) has sequence number i+1. Pruning clears events from the start and drops a chunk once it
// holds none: chunks[0] starts at event start, and the first event kept is first.
type eventLog struct {
	chunks [][]logged
	n      int
	start  int // a multiple of eventChunk
	first  int
}

const eventChunk = 4096

// logged is one event of the outbox. A payment event (one per stored change) keeps only what its
// payment snapshot does not already say: 40 bytes instead of a whole payment.Event. Any other event is
// kept whole in full.
type logged struct {
	id   string
	typ  payment.EventType
	p    *payment.Payment
	full *payment.Event
}

func (l *eventLog) add(e payment.Event) {
	if l.n%eventChunk == 0 {
		l.chunks = append(l.chunks, make([]logged, 0, eventChunk))
	}
	c := &l.chunks[len(l.chunks)-1]
	if p := e.Payment; p != nil && e.Data == nil && e.Workspace == p.Workspace && e.OccurredAt == p.UpdatedAt {
		*c = append(*c, logged{id: e.ID, typ: e.Type, p: p})
	} else {
		full := e // only this branch allocates
		*c = append(*c, logged{full: &full})
	}
	l.n++
}

// at returns event i (from 0), one not pruned.
func (l *eventLog) at(i int) payment.Event {
	g := &l.chunks[(i-l.start)/eventChunk][i%eventChunk]
	if g.full != nil {
		return *g.full
	}
	return payment.Event{ID: g.id, Type: g.typ, Workspace: g.p.Workspace, OccurredAt: g.p.UpdatedAt, Payment: g.p}
}

// prune clears the events from the first kept on, as payment.EventPruner.PruneEvents says, and
// drops the chunks left empty. It returns how many it cleared.
func (l *eventLog) prune(upTo int64, before time.Time, limit int) int {
	n := 0
	for l.first < l.n && int64(l.first+1) <= upTo && n < limit && l.at(l.first).OccurredAt.Before(before) {
		l.chunks[(l.first-l.start)/eventChunk][l.first%eventChunk] = logged{}
		l.first++
		n++
	}
	for len(l.chunks) > 0 && l.first >= l.start+eventChunk {
		l.chunks[0] = nil
		l.chunks = l.chunks[1:]
		l.start += eventChunk
	}
	return n
}

// CreateAPIKey implements payment.KeyStore. A time after the year 9999 in UTC is ErrInvalid, as on
// the SQL stores.
func (s *Store) CreateAPIKey(_ context.Context, k payment.APIKey) error {
	if err := k.CheckKeyTimes(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ws[k.Workspace]; !ok {
		return payment.ErrNotFound
	}
	if _, dup := s.apiKey[k.Hash]; dup {
		return payment.ErrDuplicate
	}
	s.apiKey[k.Hash] = k
	return nil
}

// GetAPIKeyByHash implements payment.KeyStore.
func (s *Store) GetAPIKeyByHash(_ context.Context, hash [32]byte) (payment.APIKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if k, ok := s.apiKey[hash]; ok {
		return k, nil
	}
	return payment.APIKey{}, payment.ErrNotFound
}

// ListAPIKeys implements payment.KeyStore.
func (s *Store) ListAPIKeys(_ context.Context, ws payment.WorkspaceID) ([]payment.APIKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []payment.APIKey
	for _, k := range s.apiKey {
		if k.Workspace == ws {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b payment.APIKey) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out, nil
}

// RevokeAPIKey implements payment.KeyStore.
func (s *Store) RevokeAPIKey(_ context.Context, ws payment.WorkspaceID, id string, at time.Time) error {
	if err := payment.CheckKeyTime("revoked_at", at); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, k := range s.apiKey {
		if k.Workspace == ws && k.ID == id {
			if k.RevokedAt.IsZero() {
				k.RevokedAt = at
				s.apiKey[h] = k
			}
			return nil
		}
	}
	return payment.ErrNotFound
}
