package payment

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orkesta/orkesta/fsm"
)

// Options configures a Service. The zero value means: wall clock, random ULIDs, no publisher, no rails,
// UTC.
type Options struct {
	Clock     Clock
	IDs       IDSource
	Publisher Publisher
	// Location is the time zone whose calendar says what "today" is: the value date of a payment
	// created without one (time.LoadLocation("Europe/Istanbul"): at 01:30 there on 15 January, it is
	// the 15th, not the 14th it still is in UTC). nil means UTC. Times are stored in UTC regardless.
	Location *time.Location
	// Rails maps each method to the rail that carries it. Submit hands a payment to its method's rail;
	// a method without a rail is moved to processing and left for the caller to drive.
	Rails map[Method]Rail
	// DefaultPageSize and MaxPageSize bound List (20 and 100 when zero).
	DefaultPageSize, MaxPageSize int
}

// Service is the payments use cases on top of a Store. It is safe for concurrent use; all state lives
// in the store, except that the workspaces and accounts it has read, which never change once stored,
// are kept in memory (see refcache.go).
//
// Every status change (Approve, Submit, SubmitOutside, Settle, Fail, Cancel, MarkReconciled,
// Unreconcile) records in the payment's history who made it: an actor that is empty or only white
// space is a *ValidationError of field "actor", and nothing changes.
type Service struct {
	store Store
	opts  Options
	refs  *refCache
}

// NewService returns a Service on store.
func NewService(store Store, opts Options) *Service {
	if opts.Clock == nil {
		opts.Clock = SystemClock
	}
	if opts.IDs == nil {
		opts.IDs = NewULIDSource()
	}
	if opts.DefaultPageSize <= 0 {
		opts.DefaultPageSize = 20
	}
	if opts.MaxPageSize <= 0 {
		opts.MaxPageSize = 100
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	return &Service{store: store, opts: opts, refs: &refCache{store: store}}
}

// now is the clock's time in UTC, truncated to microseconds: the precision every store keeps, so a
// payment read back equals the one returned.
func (s *Service) now() time.Time { return s.opts.Clock.Now().UTC().Truncate(time.Microsecond) }

// Store returns the store the service works on.
func (s *Service) Store() Store { return s.store }

// Clock returns the service's clock.
func (s *Service) Clock() Clock { return s.opts.Clock }

// Location returns the time zone whose calendar the service's today follows (Options.Location, UTC
// when not set).
func (s *Service) Location() *time.Location { return s.opts.Location }

// Today is the date now in Options.Location: the value date of a payment created without one.
func (s *Service) Today() Date { return DateOf(s.opts.Clock.Now().In(s.opts.Location)) }

// PageSizes returns the page size List uses when its filter gives none and the largest it serves
// (Options.DefaultPageSize and MaxPageSize, 20 and 100 unless set): an API lists as List does.
func (s *Service) PageSizes() (defaultSize, maxSize int) {
	return s.opts.DefaultPageSize, s.opts.MaxPageSize
}

// NewID returns a new id with the given prefix ("pay_", "bat_", …) from the service's ID source.
func (s *Service) NewID(prefix string) string { return s.newID(prefix, s.now()) }

// newIDPair returns two successive ids for t, in one step when the source is the default one.
func (s *Service) newIDPair(prefix1, prefix2 string, t time.Time) (string, string) {
	if u, ok := s.opts.IDs.(*ULIDSource); ok {
		return u.newIDPair(prefix1, prefix2, t)
	}
	return s.newID(prefix1, t), s.newID(prefix2, t)
}

func (s *Service) newID(prefix string, t time.Time) string {
	if p, ok := s.opts.IDs.(prefixedIDSource); ok {
		return p.NewID(prefix, t)
	}
	return prefix + s.opts.IDs.NewULID(t)
}

// MaxWorkspaceNameLen is the longest name a workspace may have, in characters.
const MaxWorkspaceNameLen = 140

// CreateWorkspace creates a workspace. Its name (without surrounding white space) is required: valid
// UTF-8 without control characters, at most MaxWorkspaceNameLen characters.
func (s *Service) CreateWorkspace(ctx context.Context, name string, plan Plan, approval ApprovalPolicy) (Workspace, error) {
	var errs fieldErrs
	name = strings.TrimSpace(name)
	if name == "" {
		errs.add("name", "is required")
	} else {
		// PostgreSQL refuses invalid UTF-8 and NUL, which the other stores kept.
		checkText(&errs, "name", name, MaxWorkspaceNameLen)
	}
	if len(plan.Methods) == 0 {
		errs.add("plan", "allows no method")
	}
	for _, m := range plan.Methods {
		if !m.Valid() {
			errs.add("plan", "unknown method "+quote(string(m)))
		}
	}
	switch approval.Mode {
	case "", ApprovalNone, ApprovalRequired, ApprovalThreshold:
	default:
		errs.add("approval", "unknown mode "+quote(string(approval.Mode)))
	}
	for _, c := range slices.Sorted(maps.Keys(approval.Thresholds)) {
		if _, err := ParseCurrency(string(c)); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				errs.add("approval.thresholds", ve.Reason)
			}
			continue
		}
		if t := approval.Thresholds[c]; t < 0 {
			errs.add("approval.thresholds", string(c)+": "+strconv.FormatInt(t, 10)+
				" is negative; a threshold is the least amount, in minor units, that needs approval")
		}
	}
	if err := errs.join(); err != nil {
		return Workspace{}, err
	}
	if approval.Mode == "" {
		approval.Mode = ApprovalNone
	}
	w := Workspace{ID: WorkspaceID(s.NewID(PrefixWorkspace)), Name: name, Plan: plan, Approval: approval,
		CreatedAt: s.now()}
	if err := s.store.CreateWorkspace(ctx, w); err != nil {
		return Workspace{}, err
	}
	return w, nil
}

// Workspace returns a workspace.
func (s *Service) Workspace(ctx context.Context, id WorkspaceID) (Workspace, error) {
	ws, ok := lookupID(string(id), PrefixWorkspace)
	if !ok {
		return Workspace{}, &NotFoundError{Kind: "workspace", ID: ws, Err: ErrNotFound}
	}
	id = WorkspaceID(ws)
	w, err := s.store.GetWorkspace(ctx, id)
	return w, notFound(err, "workspace", string(id), "")
}

// CreateAccount validates and stores a new account.
func (s *Service) CreateAccount(ctx context.Context, ws WorkspaceID, r AccountRequest) (Account, error) {
	if err := r.Validate(); err != nil {
		return Account{}, err
	}
	ws, ok := lookupWorkspace(ws)
	if !ok {
		return Account{}, &NotFoundError{Kind: "workspace", ID: string(ws), Err: ErrNotFound}
	}
	if _, err := s.store.GetWorkspace(ctx, ws); err != nil {
		return Account{}, notFound(err, "workspace", string(ws), "")
	}
	a := Account{ID: AccountID(s.NewID(PrefixAccount)), Workspace: ws, Name: r.Name, Currency: r.Currency,
		IBAN: r.IBAN, Type: r.Type, CreatedAt: s.now()}
	if err := s.store.CreateAccount(ctx, a); err != nil {
		return Account{}, err
	}
	return a, nil
}

// GetAccount returns one account of the workspace.
func (s *Service) GetAccount(ctx context.Context, ws WorkspaceID, id AccountID) (Account, error) {
	ws, wok := lookupWorkspace(ws)
	acc, ok := lookupID(string(id), PrefixAccount)
	if id = AccountID(acc); !ok || !wok {
		return Account{}, &NotFoundError{Kind: "account", ID: acc, Workspace: ws, Err: ErrNotFound}
	}
	a, err := s.store.GetAccount(ctx, ws, id)
	return a, notFound(err, "account", string(id), ws)
}

// ListAccounts returns the workspace's accounts, oldest first.
func (s *Service) ListAccounts(ctx context.Context, ws WorkspaceID) ([]Account, error) {
	ws, ok := lookupWorkspace(ws)
	if !ok {
		return nil, nil // no workspace has that id
	}
	return s.store.ListAccounts(ctx, ws)
}

// Create validates req and stores a new pending payment. With an idempotency key, a repeat of the same
// request returns the original payment and creates nothing; the same key with a different request is
// ErrIdempotencyMismatch. Invalid input returns every field problem joined (errors.Is ErrInvalid).
func (s *Service) Create(ctx context.Context, ws WorkspaceID, req Request) (Payment, error) {
	c, existing, err := s.Prepare(ctx, ws, req)
	if err != nil || existing != nil {
		if existing != nil {
			return *existing, nil
		}
		return Payment{}, err
	}
	if err := s.store.CreatePayment(ctx, c); err != nil {
		if errors.Is(err, ErrDuplicate) && req.IdempotencyKey != "" {
			return s.replay(ctx, ws, &req)
		}
		return Payment{}, err
	}
	s.publish(ctx, c.Event)
	return c.Payment, nil
}

// Prepare validates req and builds the Change that creates it, without storing anything. When req has
// an idempotency key that is already used, it returns the original payment (same request) or
// ErrIdempotencyMismatch instead. Package batch uses it to write many payments in one transaction.
func (s *Service) Prepare(ctx context.Context, ws WorkspaceID, req Request) (Change, *Payment, error) {
	var c Change
	orig, err := s.PrepareTo(ctx, ws, req, &c)
	return c, orig, err
}

// PrepareTo is Prepare writing the change into *c, which it leaves alone unless it returns nil, nil:
// a caller that keeps many changes (package batch) builds each in place instead of copying it.
func (s *Service) PrepareTo(ctx context.Context, ws WorkspaceID, req Request, c *Change) (*Payment, error) {
	req.FromAccount, req.ToAccount = canonicalAccountID(req.FromAccount), canonicalAccountID(req.ToAccount)
	req.BatchID = canonicalBatchID(req.BatchID)
	ws, ok := lookupWorkspace(ws)
	if !ok {
		return nil, &NotFoundError{Kind: "workspace", ID: string(ws), Err: ErrNotFound}
	}
	// A malformed key is not looked up: PostgreSQL refuses invalid UTF-8 and NUL in a query as in a
	// row, which would answer a database error where validation below names the field.
	if req.IdempotencyKey != "" && CheckIdempotencyKey(req.IdempotencyKey) == nil {
		old, err := s.store.GetPaymentByKey(ctx, ws, req.IdempotencyKey)
		switch {
		case err == nil:
			if !req.sameAs(&old) {
				return nil, fmt.Errorf("%w: key %s", ErrIdempotencyMismatch, quote(req.IdempotencyKey))
			}
			found := old // a copy, so that only a replay puts the payment on the heap
			return &found, nil
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
	}
	w, err := s.refs.workspace(ctx, ws)
	if err != nil {
		return nil, notFound(err, "workspace", string(ws), "")
	}
	if err := validate(ctx, s.refs, &w, &req); err != nil {
		return nil, err
	}
	now := s.now()
	pid, eid := s.newIDPair(PrefixPayment, PrefixEvent, now)
	id := ID(pid)
	valueDate := req.ValueDate
	if valueDate.IsZero() {
		valueDate = DateOf(now.In(s.opts.Location))
	}
	c.Payment = Payment{
		ID: id, Workspace: ws, Amount: req.Amount, Currency: req.Currency, Method: req.Method,
		FromAccount: req.FromAccount, ToAccount: req.ToAccount, Description: req.Description,
		Reference: req.Reference, ValueDate: valueDate, Status: StatusPending,
		EndToEnd: id.EndToEndKey(), BatchID: req.BatchID, IdempotencyKey: req.IdempotencyKey,
		CreatedBy: req.CreatedBy, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	c.History = Transition{PaymentID: id, Seq: 1, To: StatusPending, Event: EventCreate, Actor: req.CreatedBy, At: now}
	c.Event = newEvent(eid, EventPaymentCreated, &c.Payment)
	return nil, nil
}

// Published tells the service's publisher about events a caller committed itself (package batch,
// after a BatchCreator write).
func (s *Service) Published(ctx context.Context, events ...Event) {
	for _, e := range events {
		s.publish(ctx, e)
	}
}

func (s *Service) replay(ctx context.Context, ws WorkspaceID, req *Request) (Payment, error) {
	ws, _ = lookupWorkspace(ws) // as PrepareTo stored it: the ULID in upper case
	old, err := s.store.GetPaymentByKey(ctx, ws, req.IdempotencyKey)
	if err != nil {
		return Payment{}, err
	}
	if !req.sameAs(&old) {
		return Payment{}, fmt.Errorf("%w: key %s", ErrIdempotencyMismatch, quote(req.IdempotencyKey))
	}
	return old, nil
}

func (s *Service) event(t EventType, p *Payment) Event {
	if t == "" {
		return Event{}
	}
	return newEvent(s.newID(PrefixEvent, p.UpdatedAt), t, p)
}

// newEvent returns the event with the given id and type, carrying a snapshot of p.
func newEvent(id string, t EventType, p *Payment) Event {
	snap := *p
	return Event{ID: id, Type: t, Workspace: p.Workspace, OccurredAt: p.UpdatedAt, Payment: &snap}
}

func (s *Service) publish(ctx context.Context, e Event) {
	if s.opts.Publisher != nil && e.Type != "" {
		s.opts.Publisher.Publish(ctx, e)
	}
}

// Get returns one payment of the workspace. Here as in every method that takes ids, an id's ULID may
// be in either case (as ParseID takes it), and an id that is not one is a *NotFoundError, not looked up.
func (s *Service) Get(ctx context.Context, ws WorkspaceID, id ID) (Payment, error) {
	ws, id, err := lookupPayment(ws, id)
	if err != nil {
		return Payment{}, err
	}
	p, err := s.store.GetPayment(ctx, ws, id)
	return p, notFound(err, "payment", string(id), ws)
}

// lookupWorkspace is lookupID for a workspace id.
func lookupWorkspace(ws WorkspaceID) (WorkspaceID, bool) {
	w, ok := lookupID(string(ws), PrefixWorkspace)
	return WorkspaceID(w), ok
}

// lookupPayment returns the workspace and payment ids as stored (ULIDs in upper case: either case is
// one id, as ParseID takes it), or, without asking the store, a *NotFoundError when either is not an
// id at all (no payment has it; PostgreSQL would refuse invalid UTF-8 or NUL with a database error).
func lookupPayment(ws WorkspaceID, id ID) (WorkspaceID, ID, error) {
	ws, wok := lookupWorkspace(ws)
	pid, ok := lookupID(string(id), PrefixPayment)
	if id = ID(pid); !ok || !wok {
		return ws, id, &NotFoundError{Kind: "payment", ID: pid, Workspace: ws, Err: ErrNotFound}
	}
	return ws, id, nil
}

// Page is one page of a listing.
type Page struct {
	Payments []Payment
	HasMore  bool
}

// List returns payments matching f, newest first. f.Limit defaults to 20 and is capped at 100 (see
// Options); pass the last id of a page as f.After for the next one. A filter value no payment can
// have (an unknown status, an id that is not one) is refused (ValidateListFilter).
func (s *Service) List(ctx context.Context, ws WorkspaceID, f ListFilter) (Page, error) {
	f, err := canonicalFilter(f)
	if err != nil {
		return Page{}, err
	}
	ws, ok := lookupWorkspace(ws)
	if !ok {
		return Page{}, nil // no workspace has that id
	}
	if f.Reference != "" && storable(f.Reference) != f.Reference {
		// No payment's reference is invalid UTF-8 or holds NUL (CheckText refuses both), and
		// PostgreSQL refuses to look for such text: a search that finds nothing.
		return Page{}, nil
	}
	switch {
	case f.Limit <= 0:
		f.Limit = s.opts.DefaultPageSize
	case f.Limit > s.opts.MaxPageSize:
		f.Limit = s.opts.MaxPageSize
	}
	limit := f.Limit
	f.Limit++
	ps, err := s.store.ListPayments(ctx, ws, f)
	if err != nil {
		return Page{}, err
	}
	page := Page{Payments: ps}
	if len(ps) > limit {
		page.Payments, page.HasMore = ps[:limit], true
	}
	return page, nil
}

// History returns every transition of the payment, oldest first.
func (s *Service) History(ctx context.Context, ws WorkspaceID, id ID) ([]Transition, error) {
	ws, id, err := lookupPayment(ws, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.GetPayment(ctx, ws, id); err != nil {
		return nil, notFound(err, "payment", string(id), ws)
	}
	return s.store.History(ctx, ws, id)
}

// ActorIdentity returns who an actor is, for the rules that compare actors (maker-checker): the API
// key an actor names, alone ("key_…", as the API records it) or after the surface it acted through
// ("dashboard:key_…"), so that one key is one identity on every surface; any other actor as it is.
// White space around the actor, or around the key after its surface, is not part of who it is:
// " ayse " is "ayse", whichever surface (API, dashboard, CLI, an embedding service) passed it in.
// Letter case is: ids such as API key ids tell their actors apart by it. An actor of only white
// space is "", no one.
func ActorIdentity(actor string) string {
	actor = strings.TrimSpace(actor)
	if _, k, ok := strings.Cut(actor, ":"); ok {
		if k = strings.TrimSpace(k); strings.HasPrefix(k, PrefixAPIKey) {
			return k
		}
	}
	return actor
}

// Approve moves a pending payment to approved. Under maker-checker the creator may not approve it: not
// the same actor, nor the same API key through another surface, nor either with white space around
// it (ActorIdentity); nor may an approver without an identity (empty or only white space).
func (s *Service) Approve(ctx context.Context, ws WorkspaceID, id ID, actor string) (Payment, error) {
	return s.transition(ctx, ws, id, fsm.EventApprove, actor, "", func(w *Workspace, p *Payment) error {
		if w.Approval.MakerChecker {
			approver := ActorIdentity(actor)
			if approver == "" {
				return &NotAllowedError{Rule: "maker_checker", Reason: "maker-checker approval needs the approver's identity"}
			}
			if approver == ActorIdentity(p.CreatedBy) {
				return &NotAllowedError{Rule: "maker_checker", Reason: "the creator of a payment may not approve it (maker-checker)"}
			}
		}
		return nil
	})
}

// Submit moves a payment to processing: from approved, or from pending when the workspace's approval
// policy does not require approval for it. If a rail is configured for the payment's method, the
// payment is then handed to it (see Dispatch); a permanent rail refusal fails the payment, and a
// temporary one returns the processing payment with the error, for the caller to Dispatch again.
func (s *Service) Submit(ctx context.Context, ws WorkspaceID, id ID, actor string) (Payment, error) {
	p, err := s.transition(ctx, ws, id, fsm.EventSubmit, actor, "", approvedToSubmit)
	if err != nil {
		return p, err
	}
	if _, ok := s.opts.Rails[p.Method]; !ok {
		return p, nil
	}
	return s.Dispatch(ctx, ws, id)
}

// Dispatch hands a processing payment to its method's rail. It is idempotent: the rail de-duplicates
// on the payment id, so calling it again after a timeout never moves money twice. A synchronous
// settlement moves the payment to settled; a permanent refusal to failed.
func (s *Service) Dispatch(ctx context.Context, ws WorkspaceID, id ID) (Payment, error) {
	ws, id, err := lookupPayment(ws, id)
	if err != nil {
		return Payment{}, err
	}
	p, err := s.store.GetPayment(ctx, ws, id)
	if err != nil {
		return Payment{}, notFound(err, "payment", string(id), ws)
	}
	if p.Status != StatusProcessing {
		return p, &StatusError{ID: id, Status: p.Status, Event: fsm.EventSubmit}
	}
	rail, ok := s.opts.Rails[p.Method]
	if !ok {
		return p, fmt.Errorf("payment: no rail configured for method %s", p.Method)
	}
	receipt, err := railSubmit(ctx, rail, p)
	if err != nil {
		var re *RailError
		if errors.As(err, &re) && !re.Temporary {
			got, err := s.Fail(ctx, ws, id, "rail", re.Code, re.Message)
			return s.recordedElsewhere(ctx, ws, id, got, err, StatusFailed)
		}
		return p, &railCallError{err: err}
	}
	if receipt.Settled {
		got, err := s.Settle(ctx, ws, id, "rail", receipt.Reference)
		return s.recordedElsewhere(ctx, ws, id, got, err, StatusSettled)
	}
	if err := s.markSent(ctx, id); err != nil {
		return p, fmt.Errorf("payment: the %s rail accepted %s, but recording that failed (a processor may hand it to the rail again, which the rail de-duplicates): %w",
			p.Method, id, err)
	}
	return p, nil
}

// recordedElsewhere is what Dispatch answers when recording the rail's outcome (want: settled or
// failed) returned err: the payment as it is and no error when another dispatcher of the same payment
// (a processor, while this call waited for the rail) recorded that outcome first, so that the caller
// of a Submit that worked is not told it failed; err otherwise.
func (s *Service) recordedElsewhere(ctx context.Context, ws WorkspaceID, id ID, p Payment, err error, want Status) (Payment, error) {
	if err == nil || !errors.Is(err, ErrConflict) && !errors.Is(err, ErrInvalidTransition) {
		return p, err
	}
	now, gerr := s.store.GetPayment(ctx, ws, id)
	if gerr == nil && (now.Status == want || want == StatusSettled && now.Status == StatusReconciled) {
		return now, nil
	}
	return p, err
}

// approvedToSubmit refuses to submit a pending payment that the workspace's policy wants approved.
func approvedToSubmit(w *Workspace, p *Payment) error {
	if p.Status == StatusPending && w.Approval.Requires(p.Money()) {
		return &NotAllowedError{Rule: "approval_required", Reason: "the workspace requires approval before this payment is submitted"}
	}
	return nil
}

// SubmitOutside moves a payment to processing as Submit does, for a payment the caller hands to the
// bank itself, outside every rail of this service: a file for upload, as `orkesta export pain001`
// writes. No rail is called. On a store that keeps processor bookkeeping (a Claimer) the same write
// records the payment as sent that way, so that no processor ever hands it to a rail or asks a rail
// about it, even one that holds its lease at that moment; it leaves processing by the bank's status
// report or statement (Settle, Fail, reconciliation).
func (s *Service) SubmitOutside(ctx context.Context, ws WorkspaceID, id ID, actor string) (Payment, error) {
	return s.transitionMut(ctx, ws, id, fsm.EventSubmit, actor, "", approvedToSubmit, func(c *Change) { c.Outside = true })
}

func (s *Service) markSent(ctx context.Context, id ID) error {
	c, ok := s.store.(Claimer)
	if !ok {
		return nil
	}
	return c.MarkSent(ctx, id, s.now())
}

// noFailureReason is the history reason Fail records for a failure reported with neither a code nor
// a message.
const noFailureReason = "the rail reported a failure without a reason"

// Settle records that the funds reached the destination.
func (s *Service) Settle(ctx context.Context, ws WorkspaceID, id ID, actor, reason string) (Payment, error) {
	return s.transition(ctx, ws, id, fsm.EventSettle, actor, reason, nil)
}

// Fail records that a processing payment failed, with the rail's code and message. The history
// gives the message as the reason, or the code when there is no message, or "the rail reported a
// failure without a reason" when there is neither: the audit trail always says why a payment failed.
func (s *Service) Fail(ctx context.Context, ws WorkspaceID, id ID, actor, code, reason string) (Payment, error) {
	code, reason = storable(code), storable(reason)
	why := reason
	if strings.TrimSpace(why) == "" {
		why = code
	}
	if strings.TrimSpace(why) == "" {
		why = noFailureReason
	}
	return s.transitionMut(ctx, ws, id, fsm.EventFail, actor, why, nil, func(c *Change) {
		c.Payment.FailureCode, c.Payment.FailureReason = code, reason
	})
}

// Cancel cancels a pending or approved payment. Any other status is a *StatusError (errors.Is
// ErrInvalidTransition) carrying the current status.
func (s *Service) Cancel(ctx context.Context, ws WorkspaceID, id ID, actor, reason string) (Payment, error) {
	return s.transition(ctx, ws, id, fsm.EventCancel, actor, reason, nil)
}

// MarkReconciled moves a settled payment to reconciled (package reconcile calls it on finalize).
func (s *Service) MarkReconciled(ctx context.Context, ws WorkspaceID, id ID, actor, reason string) (Payment, error) {
	return s.transition(ctx, ws, id, fsm.EventReconcile, actor, reason, nil)
}

// Unreconcile undoes a reconciliation: reconciled back to settled, with the actor and reason in history.
func (s *Service) Unreconcile(ctx context.Context, ws WorkspaceID, id ID, actor, reason string) (Payment, error) {
	return s.transition(ctx, ws, id, fsm.EventUnreconcile, actor, reason, nil)
}

func (s *Service) transition(ctx context.Context, ws WorkspaceID, id ID, ev fsm.Event, actor, reason string,
	check func(*Workspace, *Payment) error) (Payment, error) {
	return s.transitionMut(ctx, ws, id, ev, actor, reason, check, nil)
}

// transitionMut is the one path every status change takes: load, ask the machine, check the
// workspace's rules, compare-and-set in the store with the history record and event, publish. An
// actor that is empty or only white space is a *ValidationError of field "actor", and nothing changes.
func (s *Service) transitionMut(ctx context.Context, ws WorkspaceID, id ID, ev fsm.Event, actor, reason string,
	check func(*Workspace, *Payment) error, mutate func(*Change)) (Payment, error) {
	actor, reason = storable(actor), storable(reason)
	ws, id, err := lookupPayment(ws, id)
	if err != nil {
		return Payment{}, err
	}
	p, err := s.store.GetPayment(ctx, ws, id)
	if err != nil {
		return Payment{}, notFound(err, "payment", string(id), ws)
	}
	to, err := fsm.Next(p.Status, ev)
	if err != nil {
		return p, &StatusError{ID: id, Status: p.Status, Event: ev}
	}
	if check != nil {
		w, err := s.refs.workspace(ctx, ws)
		if err != nil {
			return p, notFound(err, "workspace", string(ws), "")
		}
		if err := check(&w, &p); err != nil {
			return p, err
		}
	}
	if strings.TrimSpace(actor) == "" {
		// The history says who made every change.
		return p, &ValidationError{Field: "actor", Reason: "is required: the history records who changed the payment"}
	}
	from, prev := p.Status, p.Version
	now := s.now()
	if now.Before(p.UpdatedAt) {
		// A clock behind the one that wrote the last change (another instance, a step back) must not
		// date this change before it: a payment's history reads in time order, as in Seq order.
		now = p.UpdatedAt
	}
	p.Status, p.Version, p.UpdatedAt = to, prev+1, now
	c := Change{
		Payment: p,
		History: Transition{PaymentID: id, Seq: int(p.Version), From: from, To: to, Event: ev, Actor: actor, Reason: reason, At: now},
	}
	if mutate != nil {
		mutate(&c)
	}
	c.Event = s.event(eventFor(to), &c.Payment)
	if ev == fsm.EventUnreconcile {
		c.Event = Event{} // back to settled is not a new settlement
	}
	if err := s.store.UpdatePayment(ctx, c, prev); err != nil {
		return Payment{}, notFound(err, "payment", string(id), ws)
	}
	s.publish(ctx, c.Event)
	return c.Payment, nil
}
