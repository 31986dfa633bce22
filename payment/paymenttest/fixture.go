package paymenttest

import (
	"context"
	"slices"
	"testing"

	"github.com/orkesta/orkesta/payment"
)

// Env is a ready-to-use service with one workspace, two internal accounts (TRY and EUR) and two
// external counterparties (TRY and EUR).
type Env struct {
	Service   *payment.Service
	Store     payment.Store
	Clock     *Clock
	Workspace payment.Workspace
	// Own is the workspace's TRY account, OwnEUR its EUR account; Vendor and VendorEUR are counterparties.
	Own, OwnEUR, Vendor, VendorEUR payment.Account
}

// Option changes how NewEnv builds the environment.
type Option func(*envConfig)

type envConfig struct {
	plan     payment.Plan
	approval payment.ApprovalPolicy
	opts     payment.Options
}

// WithPlan sets the workspace's plan (default: every method).
func WithPlan(p payment.Plan) Option { return func(c *envConfig) { c.plan = p } }

// WithApproval sets the workspace's approval policy (default: none).
func WithApproval(a payment.ApprovalPolicy) Option { return func(c *envConfig) { c.approval = a } }

// WithServiceOptions sets the service options (the clock and ids are filled in when left nil).
func WithServiceOptions(o payment.Options) Option { return func(c *envConfig) { c.opts = o } }

// NewEnv builds an Env on store, failing the test on any error. Ids come from a deterministic IDs
// source unless WithServiceOptions gives another: two Envs sharing one store need distinct sources.
func NewEnv(tb testing.TB, store payment.Store, opts ...Option) *Env {
	tb.Helper()
	cfg := envConfig{plan: payment.PlanEnterprise, approval: payment.ApprovalPolicy{Mode: payment.ApprovalNone}}
	for _, o := range opts {
		o(&cfg)
	}
	clock, _ := cfg.opts.Clock.(*Clock)
	if cfg.opts.Clock == nil {
		clock = NewClock(Epoch)
		cfg.opts.Clock = clock
	}
	if cfg.opts.IDs == nil {
		cfg.opts.IDs = &IDs{}
	}
	svc := payment.NewService(store, cfg.opts)
	ctx := context.Background()
	ws, err := svc.CreateWorkspace(ctx, "Acme Lojistik A.Ş.", cfg.plan, cfg.approval)
	must(tb, err)
	e := &Env{Service: svc, Store: store, Clock: clock, Workspace: ws}
	e.Own = e.MustAccount(tb, "Acme Operating", "TRY", payment.AccountInternal, "TR330006100519786457841326")
	e.OwnEUR = e.MustAccount(tb, "Acme EUR", "EUR", payment.AccountInternal, "")
	e.Vendor = e.MustAccount(tb, "Yılmaz Tekstil", "TRY", payment.AccountExternal, "")
	e.VendorEUR = e.MustAccount(tb, "Rossi S.p.A.", "EUR", payment.AccountExternal, "")
	return e
}

// MustAccount creates an account in the env's workspace.
func (e *Env) MustAccount(tb testing.TB, name string, cur payment.Currency, typ payment.AccountType, iban string) payment.Account {
	tb.Helper()
	a, err := e.Service.CreateAccount(context.Background(), e.Workspace.ID,
		payment.AccountRequest{Name: name, Currency: cur, Type: typ, IBAN: iban})
	must(tb, err)
	return a
}

// Request returns a valid TRY bank transfer of 1,250.00 from Own to Vendor; mods adjust it.
func (e *Env) Request(mods ...func(*payment.Request)) payment.Request {
	r := payment.Request{
		Amount: 125000, Currency: "TRY", Method: payment.MethodBankTransfer,
		FromAccount: e.Own.ID, ToAccount: e.Vendor.ID,
		Description: "Invoice payment", Reference: "INV-2026-0001",
		ValueDate: payment.DateOf(Epoch),
	}
	for _, m := range mods {
		m(&r)
	}
	return r
}

// MustCreate creates a payment from e.Request(mods...).
func (e *Env) MustCreate(tb testing.TB, mods ...func(*payment.Request)) payment.Payment {
	tb.Helper()
	p, err := e.Service.Create(context.Background(), e.Workspace.ID, e.Request(mods...))
	must(tb, err)
	return p
}

// MustAdvance drives p to status to along the legal path (pending → approved → processing →
// settled → reconciled, or failed after processing, or cancelled) and returns it. It starts where p
// is and skips the steps the payment took by itself: a rail that settles or refuses a payment when it
// is submitted moves it past processing, and MustAdvance does not settle or fail it again. A status
// the payment can no longer reach (processing or failed once its rail settled it, settled once its
// rail refused it) fails the test with a message that says so.
func (e *Env) MustAdvance(tb testing.TB, p payment.Payment, to payment.Status) payment.Payment {
	tb.Helper()
	ctx, ws := context.Background(), e.Workspace.ID
	path, ok := advancePaths[to]
	if !ok {
		tb.Fatalf("paymenttest: MustAdvance: unknown status %q", to)
	}
	var submitted bool
	for p.Status != to {
		i := slices.Index(path, p.Status)
		if to == payment.StatusCancelled && p.Status == payment.StatusApproved {
			i = 0 // an approved payment can be cancelled too
		}
		if i < 0 || i == len(path)-1 {
			tb.Fatalf("paymenttest: MustAdvance: payment %s is %s and cannot become %s%s", p.ID, p.Status, to, submitWhy(p, submitted))
		}
		var err error
		switch path[i+1] {
		case payment.StatusApproved:
			p, err = e.Service.Approve(ctx, ws, p.ID, "checker@example.com")
		case payment.StatusProcessing:
			p, err = e.Service.Submit(ctx, ws, p.ID, "checker@example.com")
			submitted = true
		case payment.StatusSettled:
			p, err = e.Service.Settle(ctx, ws, p.ID, "bank", "settled")
		case payment.StatusReconciled:
			p, err = e.Service.MarkReconciled(ctx, ws, p.ID, "reconciler", "statement")
		case payment.StatusFailed:
			p, err = e.Service.Fail(ctx, ws, p.ID, "bank", "account_closed", "beneficiary account closed")
		case payment.StatusCancelled:
			p, err = e.Service.Cancel(ctx, ws, p.ID, "maker@example.com", "duplicate")
		}
		must(tb, err)
	}
	return p
}

// advancePaths lists, for each status MustAdvance can reach, the statuses a payment passes on its way
// there, in order, from pending.
var advancePaths = map[payment.Status][]payment.Status{
	payment.StatusPending:    {payment.StatusPending},
	payment.StatusApproved:   {payment.StatusPending, payment.StatusApproved},
	payment.StatusProcessing: {payment.StatusPending, payment.StatusApproved, payment.StatusProcessing},
	payment.StatusSettled:    {payment.StatusPending, payment.StatusApproved, payment.StatusProcessing, payment.StatusSettled},
	payment.StatusReconciled: {payment.StatusPending, payment.StatusApproved, payment.StatusProcessing, payment.StatusSettled, payment.StatusReconciled},
	payment.StatusFailed:     {payment.StatusPending, payment.StatusApproved, payment.StatusProcessing, payment.StatusFailed},
	payment.StatusCancelled:  {payment.StatusPending, payment.StatusCancelled},
}

// submitWhy tells why a payment MustAdvance submitted is past where the test wanted it.
func submitWhy(p payment.Payment, submitted bool) string {
	switch {
	case !submitted:
		return ""
	case p.Status == payment.StatusSettled:
		return ": its rail settled it when it was submitted (give the rail a delay, such as sandbox.Options.SettleDelay)"
	case p.Status == payment.StatusFailed:
		return ": its rail refused it when it was submitted (" + p.FailureCode + ": " + p.FailureReason + ")"
	}
	return ""
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
