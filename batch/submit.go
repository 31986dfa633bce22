package batch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/orkesta/orkesta/payment"
)

// Submit creates a payment for each request in reqs, independently, and returns one Item per request in
// input order. The error is non-nil only when the batch as a whole is refused (see the package
// documentation); nothing is created then.
//
// Each request is validated as payment.Service.Create validates it, concurrently up to
// opts.Concurrency. The valid ones are then written: in one call when the store implements
// payment.BatchCreator, one by one otherwise. Every payment gets the batch id in BatchID (overriding the
// requests' own) and, when opts.Actor is set, that actor as CreatedBy. reqs is read during the call and
// never written.
//
// When ctx is cancelled, the items not yet started are not_attempted; the ones started are finished and
// written, so a retry with the same idempotency keys creates exactly what is missing.
func Submit(ctx context.Context, svc *payment.Service, ws payment.WorkspaceID, reqs []payment.Request, opts Options) (*Result, error) {
	opts = opts.withDefaults()
	if n := len(reqs); n == 0 || n > opts.MaxItems {
		return nil, &SizeError{Count: n, Max: opts.MaxItems}
	}
	if k := opts.IdempotencyKey; k != "" {
		if err := CheckKeyPrefix(k, len(reqs)-1); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w, err := svc.Workspace(ctx, ws)
	if err != nil {
		return nil, err
	}
	ws = w.ID // as stored: the service takes its ULID in either case, the store only as stored
	s := &submission{svc: svc, ws: ws, opts: opts,
		reqs: reqs, items: make([]work, len(reqs)), changes: getChanges(len(reqs))}
	defer putChanges(s.changes)
	s.init()
	return s.run(ctx)
}

// changePool recycles the batch's change arrays (up to 500 changes of about 600 bytes): a fresh one
// per batch would be new memory to fault in every time, on every core that writes it. Results never
// point into it (see result), and it is cleared before it goes back.
var changePool sync.Pool

func getChanges(n int) []payment.Change {
	if p, ok := changePool.Get().(*[]payment.Change); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]payment.Change, n)
}

func putChanges(cs []payment.Change) {
	clear(cs)
	changePool.Put(&cs)
}

// state is where one item is in Submit.
type state uint8

const (
	todo         state = iota
	notAttempted       // ctx was cancelled before the item started
	prepared           // valid; its change waits to be written
	created            // written by this call
	replayed           // its idempotency key and request match an existing payment
	failed
)

// work is one item in flight.
type work struct {
	key   string // the idempotency key: the request's own or one derived from the batch's
	state state
	err   error // failed, notAttempted
}

type submission struct {
	svc  *payment.Service
	ws   payment.WorkspaceID
	opts Options
	// reqs are the caller's requests, never written; request(i) is item i's as it is created.
	reqs    []payment.Request
	batchID payment.BatchID
	items   []work
	// changes[i] is item i's change when prepared or created; its Payment is the original when replayed.
	// Kept apart from items so that a batch of valid items is written without a copy.
	changes []payment.Change
}

// ItemKey is the idempotency key derived from prefix for item number i: "prefix:i". Submit numbers a
// batch's items from 0; a caller that keys rows of a file of its own (dashboard.SubmitCSV numbers them
// from 1) derives its keys the same way.
func ItemKey(prefix string, i int) string { return prefix + ":" + strconv.Itoa(i) }

// CheckKeyPrefix checks an idempotency key given as the prefix of the keys of items numbered up to
// last: it must be a valid key, and so must the longest key derived from it (ItemKey(prefix, last)).
func CheckKeyPrefix(prefix string, last int) error {
	if err := payment.CheckIdempotencyKey(prefix); err != nil {
		return err
	}
	if len(ItemKey(prefix, last)) > payment.MaxIdempotencyKeyLen {
		return &payment.ValidationError{Field: "idempotency_key", Reason: "is too long: the keys derived from it (key:number) must fit in " +
			strconv.Itoa(payment.MaxIdempotencyKeyLen) + " bytes"}
	}
	return nil
}

// itemKeys derives the keys of n items from batchKey, as substrings of one allocation.
func itemKeys(batchKey string, n int) []string {
	buf := make([]byte, 0, n*(len(batchKey)+4))
	ends := make([]int, n)
	for i := range n {
		buf = append(buf, batchKey...)
		buf = append(buf, ':')
		buf = strconv.AppendInt(buf, int64(i), 10)
		ends[i] = len(buf)
	}
	all := string(buf)
	keys := make([]string, n)
	start := 0
	for i, end := range ends {
		keys[i], start = all[start:end], end
	}
	return keys
}

// init copies the requests, fills in derived keys and the actor, and fails the later items that repeat
// an earlier item's idempotency key.
func (s *submission) init() {
	reqs := s.reqs
	var derived []string
	if s.opts.IdempotencyKey != "" {
		derived = itemKeys(s.opts.IdempotencyKey, len(reqs))
	}
	// Keys derived from the batch key are distinct by construction: when no item brings its own key
	// there is nothing to compare.
	check := derived == nil || slices.ContainsFunc(reqs, func(r payment.Request) bool { return r.IdempotencyKey != "" })
	var first map[string]int // key → index of the first item with it
	for i := range reqs {
		it := &s.items[i]
		it.key = reqs[i].IdempotencyKey
		if it.key == "" && derived != nil {
			it.key = derived[i]
		}
		if k := it.key; k != "" && check {
			if first == nil {
				first = make(map[string]int, len(reqs)-i)
			}
			if j, dup := first[k]; dup {
				it.state, it.err = failed, &DuplicateKeyError{First: j}
				continue
			}
			first[k] = i
		}
	}
}

func (s *submission) run(ctx context.Context) (*Result, error) {
	// Work that has started finishes even if ctx is cancelled: a half-done item helps nobody.
	wctx := context.WithoutCancel(ctx)

	s.batchID = payment.BatchID(s.svc.NewID(payment.PrefixBatch))
	s.prepare(wctx, s.indexes(func(it *work) bool { return it.state == todo }), func(it *work) bool {
		if ctx.Err() != nil {
			it.state, it.err = notAttempted, context.Cause(ctx)
			return false
		}
		return true
	})
	// A retried batch: its originals carry the first attempt's batch id, so under the new one they
	// look like key reuse. Adopt the original id and prepare the started items again.
	if orig := s.originalBatch(wctx); orig != "" {
		s.batchID = orig
		started := s.indexes(func(it *work) bool { return it.state != notAttempted && !isDuplicateKey(it) })
		s.prepare(wctx, started, nil)
		// Items that two attempts at once split between them carry the other's batch id: replays too.
		for i := range s.items {
			if it := &s.items[i]; it.state == failed && errors.Is(it.err, payment.ErrIdempotencyMismatch) {
				s.adoptOtherAttempt(wctx, i)
			}
		}
	}
	if err := s.checkTotals(); err != nil {
		return nil, err
	}
	if bc, ok := s.svc.Store().(payment.BatchCreator); ok {
		s.writeBatch(wctx, bc)
	} else {
		s.writeEach(wctx)
	}
	for i := range s.items {
		if s.items[i].state == created {
			s.svc.Published(wctx, s.changes[i].Event)
		}
	}
	return s.result(s.settledBatch()), nil
}

// settledBatch is the batch id the result reports: this attempt's, unless it created nothing and
// every item it returns was created by one concurrent attempt of the same batch (the same keys sent
// at once to another instance), whose batch id it then is.
func (s *submission) settledBatch() payment.BatchID {
	other := payment.BatchID("")
	for i := range s.items {
		switch it := &s.items[i]; {
		case it.state == created:
			return s.batchID
		case it.state != replayed:
		case other == "":
			other = s.changes[i].Payment.BatchID
		case s.changes[i].Payment.BatchID != other:
			return s.batchID
		}
	}
	if other == "" {
		return s.batchID
	}
	return other
}

// request returns item i's request as it is created: with its key, the batch id and the actor.
func (s *submission) request(i int) payment.Request {
	r := s.reqs[i]
	r.IdempotencyKey, r.BatchID = s.items[i].key, s.batchID
	if s.opts.Actor != "" {
		r.CreatedBy = s.opts.Actor
	}
	return r
}

// indexes returns the indexes of the items that match, in input order.
func (s *submission) indexes(match func(*work) bool) []int {
	var idx []int
	for i := range s.items {
		if match(&s.items[i]) {
			idx = append(idx, i)
		}
	}
	return idx
}

func isPrepared(it *work) bool { return it.state == prepared }

func isDuplicateKey(it *work) bool {
	_, ok := it.err.(*DuplicateKeyError)
	return ok
}

// prepare validates the items at idx under s.batchID, concurrently. start, when not nil, is asked
// before each item whether to begin it.
func (s *submission) prepare(ctx context.Context, idx []int, start func(*work) bool) {
	each(len(idx), s.opts.Concurrency, func(j int) {
		i := idx[j]
		it := &s.items[i]
		if start != nil && !start(it) {
			return
		}
		orig, err := s.svc.PrepareTo(ctx, s.ws, s.request(i), &s.changes[i])
		switch {
		case err != nil:
			it.state, it.err = failed, err
		case orig != nil:
			it.state, it.err = replayed, nil
			s.changes[i] = payment.Change{Payment: *orig}
		default:
			it.state, it.err = prepared, nil
		}
	})
}

// adoptOtherAttempt makes item i a replay when the payment that holds its key is its request but for
// the batch id (another attempt of this batch created it), and reports whether it did.
func (s *submission) adoptOtherAttempt(ctx context.Context, i int) bool {
	p, ok := s.sameButBatch(ctx, i)
	if ok {
		s.items[i].state, s.items[i].err = replayed, nil
		s.changes[i] = payment.Change{Payment: p}
	}
	return ok
}

// sameButBatch returns the payment that holds item i's key when it matches the item's request in
// everything but the batch id: another attempt of this batch created it. The item's key says so when
// it is derived from the batch key, or when no item's is (the items' own keys are then what make it
// the same batch). An item's own key beside derived ones may have been used by another batch, whose
// payment is then a key reused, as for a single request.
func (s *submission) sameButBatch(ctx context.Context, i int) (payment.Payment, bool) {
	if s.reqs[i].IdempotencyKey != "" && s.hasDerivedKeys() {
		return payment.Payment{}, false
	}
	p, err := s.svc.Store().GetPaymentByKey(ctx, s.ws, s.items[i].key)
	if err != nil || p.BatchID == "" || p.BatchID == s.batchID {
		return payment.Payment{}, false
	}
	q := s.request(i)
	q.BatchID = p.BatchID
	return p, q.Replays(&p)
}

// hasDerivedKeys reports whether some item's key is derived from the batch key (it has none of its own).
func (s *submission) hasDerivedKeys() bool {
	return s.opts.IdempotencyKey != "" && slices.ContainsFunc(s.reqs, func(r payment.Request) bool { return r.IdempotencyKey == "" })
}

// originalBatch returns the batch id of an earlier attempt of this batch: that of the first item (in
// input order) whose key is taken by a payment that matches its request in everything but the batch
// id. It returns "" when there is none.
func (s *submission) originalBatch(ctx context.Context) payment.BatchID {
	for i := range s.items {
		it := &s.items[i]
		if it.state != failed || !errors.Is(it.err, payment.ErrIdempotencyMismatch) {
			continue
		}
		if p, ok := s.sameButBatch(ctx, i); ok {
			return p.BatchID
		}
	}
	return ""
}

// checkTotals refuses, before anything is written, a batch whose totals would overflow int64: an
// invalid request (the payments field), which also matches payment.ErrOverflow.
func (s *submission) checkTotals() error {
	var t payment.Totals
	for i := range s.items {
		if st := s.items[i].state; st != prepared && st != replayed {
			continue
		}
		m := s.changes[i].Payment.Money()
		if err := t.Add(m); err != nil {
			return errors.Join(&payment.ValidationError{Field: "payments",
				Reason: "the total in " + string(m.Currency) + " does not fit in 64-bit minor units; split the batch"}, err)
		}
	}
	return nil
}

// writeBatch writes every prepared item in one BatchCreator call.
func (s *submission) writeBatch(ctx context.Context, bc payment.BatchCreator) {
	idx := s.indexes(isPrepared)
	if len(idx) == 0 {
		return
	}
	cs := s.changes
	if len(idx) < len(cs) {
		cs = make([]payment.Change, len(idx))
		for j, i := range idx {
			cs[j] = s.changes[i]
		}
	}
	errs, err := bc.CreatePayments(ctx, cs)
	if err == nil && len(errs) != len(cs) {
		err = fmt.Errorf("batch: the store returned %d results for %d payments", len(errs), len(cs))
	}
	for j, i := range idx {
		e := err
		if e == nil {
			e = errs[j]
		}
		s.settle(ctx, i, e)
	}
}

// writeEach writes the prepared items one by one, concurrently, for stores without BatchCreator.
func (s *submission) writeEach(ctx context.Context) {
	idx := s.indexes(isPrepared)
	store := s.svc.Store()
	each(len(idx), s.opts.Concurrency, func(j int) {
		i := idx[j]
		s.settle(ctx, i, store.CreatePayment(ctx, s.changes[i]))
	})
}

// settle records the outcome of writing a prepared item. A duplicate idempotency key means someone
// created the payment since it was prepared: as in Service.Create, the same request returns that
// payment and a different one is payment.ErrIdempotencyMismatch.
func (s *submission) settle(ctx context.Context, i int, err error) {
	it := &s.items[i]
	switch {
	case err == nil:
		it.state = created
	case errors.Is(err, payment.ErrDuplicate) && it.key != "":
		_, orig, perr := s.svc.Prepare(ctx, s.ws, s.request(i))
		// A concurrent attempt of this batch (the same keys sent at once to another instance) may
		// have created it under its own batch id.
		if errors.Is(perr, payment.ErrIdempotencyMismatch) && s.adoptOtherAttempt(ctx, i) {
			return
		}
		switch {
		case perr != nil:
			it.state, it.err = failed, perr
		case orig != nil:
			it.state = replayed
			s.changes[i] = payment.Change{Payment: *orig}
		default: // the key is free after all: the duplicate was something else
			it.state, it.err = failed, err
		}
	default:
		it.state, it.err = failed, err
	}
}

func (s *submission) result(batchID payment.BatchID) *Result {
	r := &Result{BatchID: batchID, Items: make([]Item, len(s.items))}
	// The result's payments are its own: s.changes goes back to changePool.
	pays := make([]payment.Payment, 0, len(s.items))
	var t payment.Totals
	for i := range s.items {
		it, out := &s.items[i], &r.Items[i]
		out.Index = i
		switch it.state {
		case created, replayed:
			pays = append(pays, s.changes[i].Payment)
			p := &pays[len(pays)-1]
			out.Status, out.Payment, out.Replayed = ItemCreated, p, it.state == replayed
			// Cannot fail: these amounts are a subset of those checkTotals added without overflow.
			_ = t.Add(p.Money())
		case notAttempted:
			out.Status, out.Err = ItemNotAttempted, it.err
		default:
			out.Status, out.Err = ItemFailed, it.err
		}
	}
	r.Totals = t.List()
	return r
}
