package payment_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCreateRejectsBadInput: every invalid request gets the right field error and stores nothing.
func TestCreateRejectsBadInput(t *testing.T) {
	store := memory.New()
	env := paymenttest.NewEnv(t, store, paymenttest.WithPlan(payment.PlanGrowth)) // no direct_debit
	ctx := context.Background()

	// another workspace's accounts must look unknown
	other := paymenttest.NewEnv(t, store, paymenttest.WithServiceOptions(payment.Options{IDs: payment.NewULIDSource()}))

	type mod = func(*payment.Request)
	cases := []struct {
		name   string
		mod    mod
		fields []string
	}{
		{"zero amount", func(r *payment.Request) { r.Amount = 0 }, []string{"amount"}},
		{"negative amount", func(r *payment.Request) { r.Amount = -1 }, []string{"amount"}},
		{"min int64 amount", func(r *payment.Request) { r.Amount = math.MinInt64 }, []string{"amount"}},
		{"missing currency", func(r *payment.Request) { r.Currency = "" }, []string{"currency"}},
		{"unknown currency", func(r *payment.Request) { r.Currency = "ABC" }, []string{"currency"}},
		{"lower-case currency", func(r *payment.Request) { r.Currency = "try" }, []string{"currency"}},
		{"mixed-case currency", func(r *payment.Request) { r.Currency = "Try" }, []string{"currency"}},
		{"4-letter currency", func(r *payment.Request) { r.Currency = "TRYX" }, []string{"currency"}},
		{"2-letter currency", func(r *payment.Request) { r.Currency = "TR" }, []string{"currency"}},
		{"gold XAU", func(r *payment.Request) { r.Currency = "XAU" }, []string{"currency"}},
		{"silver XAG", func(r *payment.Request) { r.Currency = "XAG" }, []string{"currency"}},
		{"SDR XDR", func(r *payment.Request) { r.Currency = "XDR" }, []string{"currency"}},
		{"testing code XTS", func(r *payment.Request) { r.Currency = "XTS" }, []string{"currency"}},
		{"no currency XXX", func(r *payment.Request) { r.Currency = "XXX" }, []string{"currency"}},
		{"fund code CLF", func(r *payment.Request) { r.Currency = "CLF" }, []string{"currency"}},
		{"fund code USN", func(r *payment.Request) { r.Currency = "USN" }, []string{"currency"}},
		{"withdrawn HRK", func(r *payment.Request) { r.Currency = "HRK" }, []string{"currency"}},
		{"currency differs from from_account", func(r *payment.Request) { r.Currency = "EUR" }, []string{"currency"}},
		{"missing method", func(r *payment.Request) { r.Method = "" }, []string{"method"}},
		{"unknown method", func(r *payment.Request) { r.Method = "cash" }, []string{"method"}},
		{"upper-case method", func(r *payment.Request) { r.Method = "EFT" }, []string{"method"}},
		{"method the plan forbids", func(r *payment.Request) { r.Method = payment.MethodDirectDebit }, []string{"method"}},
		{"missing from_account", func(r *payment.Request) { r.FromAccount = "" }, []string{"from_account"}},
		{"malformed from_account", func(r *payment.Request) { r.FromAccount = "acc_123" }, []string{"from_account"}},
		{"payment id as from_account", func(r *payment.Request) { r.FromAccount = "pay_01HX3K7QZ8M4V2N6P9R5T0W1YB" }, []string{"from_account"}},
		{"unknown from_account", func(r *payment.Request) { r.FromAccount = "acc_01HX3K7QZ8M4V2N6P9R5T0W1YB" }, []string{"from_account"}},
		{"foreign-workspace from_account", func(r *payment.Request) { r.FromAccount = other.Own.ID }, []string{"from_account"}},
		{"external from_account", func(r *payment.Request) { r.FromAccount = env.Vendor.ID; r.ToAccount = env.Own.ID }, []string{"from_account"}},
		{"missing to_account", func(r *payment.Request) { r.ToAccount = "" }, []string{"to_account"}},
		{"malformed to_account", func(r *payment.Request) { r.ToAccount = "acc_!!" }, []string{"to_account"}},
		{"unknown to_account", func(r *payment.Request) { r.ToAccount = "acc_01HX3K7QZ8M4V2N6P9R5T0W1YC" }, []string{"to_account"}},
		{"foreign-workspace to_account", func(r *payment.Request) { r.ToAccount = other.Vendor.ID }, []string{"to_account"}},
		{"from equals to", func(r *payment.Request) { r.ToAccount = r.FromAccount }, []string{"to_account"}},
		{"description too long", func(r *payment.Request) { r.Description = strings.Repeat("ş", 141) }, []string{"description"}},
		{"description with newline", func(r *payment.Request) { r.Description = "line\nbreak" }, []string{"description"}},
		{"description with NUL", func(r *payment.Request) { r.Description = "a\x00b" }, []string{"description"}},
		{"description with bell", func(r *payment.Request) { r.Description = "\a" }, []string{"description"}},
		{"description invalid UTF-8", func(r *payment.Request) { r.Description = "\xff\xfe" }, []string{"description"}},
		{"description with C1 control", func(r *payment.Request) { r.Description = "x\u0085y" }, []string{"description"}},
		{"created_by invalid UTF-8", func(r *payment.Request) { r.CreatedBy = "ay\xfee" }, []string{"created_by"}},
		{"created_by too long", func(r *payment.Request) { r.CreatedBy = strings.Repeat("a", 201) }, []string{"created_by"}},
		{"reference too long", func(r *payment.Request) { r.Reference = strings.Repeat("R", 36) }, []string{"reference"}},
		{"reference with tab", func(r *payment.Request) { r.Reference = "INV\t1" }, []string{"reference"}},
		{"reference with escape", func(r *payment.Request) { r.Reference = "\x1b[31mINV" }, []string{"reference"}},
		{"idempotency key too long", func(r *payment.Request) { r.IdempotencyKey = strings.Repeat("k", 256) }, []string{"idempotency_key"}},
		{"idempotency key with NUL", func(r *payment.Request) { r.IdempotencyKey = "order-1\x00" }, []string{"idempotency_key"}},
		{"idempotency key not UTF-8", func(r *payment.Request) { r.IdempotencyKey = "sipariş-\xfe" }, []string{"idempotency_key"}},
		{"idempotency key with a line break", func(r *payment.Request) { r.IdempotencyKey = "order-1\n" }, []string{"idempotency_key"}},
		{"batch id that is not one", func(r *payment.Request) { r.BatchID = "march-payroll" }, []string{"batch_id"}},
		{"value date before 1970", func(r *payment.Request) { r.ValueDate = payment.NewDate(1969, 12, 30) }, []string{"value_date"}},
		{"value date after 9999", func(r *payment.Request) { r.ValueDate = payment.NewDate(10000, 1, 1) }, []string{"value_date"}},
		{"batch id with NUL", func(r *payment.Request) { r.BatchID = "bat_01HX3K7QZ8M4V2N6P9R5T0W1Y\x00" }, []string{"batch_id"}},
		{"everything wrong at once", func(r *payment.Request) {
			*r = payment.Request{Amount: -5, Currency: "xau", Method: "wire", Description: "\x00", Reference: strings.Repeat("x", 40)}
		}, []string{"amount", "currency", "method", "from_account", "to_account", "description", "reference"}},
	}
	require.GreaterOrEqual(t, len(cases), 40)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, err := store.ListPayments(ctx, env.Workspace.ID, payment.ListFilter{})
			require.NoError(t, err)
			_, err = env.Service.Create(ctx, env.Workspace.ID, env.Request(c.mod))
			require.Error(t, err)
			assert.ErrorIs(t, err, payment.ErrInvalid)
			var got []string
			for _, fe := range payment.FieldErrors(err) {
				got = append(got, fe.Field)
				assert.NotEmpty(t, fe.Reason)
				assert.True(t, strings.HasPrefix(fe.Error(), "payment: "+fe.Field+": "))
			}
			assert.ElementsMatch(t, c.fields, dedupe(got), "field errors: %v", err)
			after, err := store.ListPayments(ctx, env.Workspace.ID, payment.ListFilter{})
			require.NoError(t, err)
			assert.Equal(t, len(before), len(after), "nothing stored")
		})
	}
	// the limits themselves are fine
	p, err := env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) {
		r.Amount = math.MaxInt64
		r.Description = strings.Repeat("ş", 140)
		r.Reference = strings.Repeat("R", 35)
		r.ValueDate = payment.MustDate("9999-12-31")
	}))
	require.NoError(t, err)
	assert.Equal(t, int64(math.MaxInt64), p.Amount)
	_, err = env.Service.Create(ctx, env.Workspace.ID, env.Request(func(r *payment.Request) { r.ValueDate = payment.MustDate("1970-01-01") }))
	require.NoError(t, err)
}

// strictTextStore refuses text in queries as PostgreSQL does: invalid UTF-8 or a NUL byte is a
// database error, not "not found".
type strictTextStore struct{ payment.Store }

func pgText(s string) error {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return errors.New("store: invalid byte sequence for encoding UTF8")
	}
	return nil
}

func (s strictTextStore) GetPaymentByKey(ctx context.Context, ws payment.WorkspaceID, key string) (payment.Payment, error) {
	if err := pgText(key); err != nil {
		return payment.Payment{}, err
	}
	return s.Store.GetPaymentByKey(ctx, ws, key)
}

func (s strictTextStore) ListPayments(ctx context.Context, ws payment.WorkspaceID, f payment.ListFilter) ([]payment.Payment, error) {
	if err := pgText(f.Reference); err != nil {
		return nil, err
	}
	return s.Store.ListPayments(ctx, ws, f)
}

// TestCreateNamesAMalformedKeyOnAStrictStore: an idempotency key that is not valid UTF-8 or holds a
// NUL is an idempotency_key field error on every store, never the database's refusal to look it up.
func TestCreateNamesAMalformedKeyOnAStrictStore(t *testing.T) {
	env := paymenttest.NewEnv(t, strictTextStore{memory.New()})
	for _, key := range []string{"sipariş-\xfe", "order-1\x00"} {
		_, err := env.Service.Create(context.Background(), env.Workspace.ID, env.Request(func(r *payment.Request) { r.IdempotencyKey = key }))
		require.ErrorIs(t, err, payment.ErrInvalid, "%q", key)
		fe := payment.FieldErrors(err)
		require.Len(t, fe, 1, "%q: %v", key, err)
		assert.Equal(t, "idempotency_key", fe[0].Field)
	}
}

// TestListByAReferenceNoPaymentCanHave: a reference filter that is not valid UTF-8 or holds NUL (a
// search box, a query string) finds nothing on every store, never the database's refusal to look.
func TestListByAReferenceNoPaymentCanHave(t *testing.T) {
	env := paymenttest.NewEnv(t, strictTextStore{memory.New()})
	env.MustCreate(t, func(r *payment.Request) { r.Reference = "INV-1" })
	for _, ref := range []string{"INV-\xff", "INV-1\x00"} {
		page, err := env.Service.List(context.Background(), env.Workspace.ID, payment.ListFilter{Reference: ref})
		require.NoError(t, err, "%q", ref)
		assert.Empty(t, page.Payments)
		assert.False(t, page.HasMore)
	}
	page, err := env.Service.List(context.Background(), env.Workspace.ID, payment.ListFilter{Reference: "INV-1"})
	require.NoError(t, err)
	assert.Len(t, page.Payments, 1)
}

// TestCreateBatchIDInEitherCase: a batch id a caller gives is kept in its canonical (upper-case) form,
// the one ListFilter.BatchID looks for, and a retry that spells it in lower case is the same request.
func TestCreateBatchIDInEitherCase(t *testing.T) {
	env := paymenttest.NewEnv(t, memory.New())
	const batch = payment.BatchID("bat_01HX3K7QZ8M4V2N6P9R5T0W1YB")
	lower := payment.BatchID(strings.ToLower(string(batch)))
	req := env.Request(func(r *payment.Request) { r.BatchID, r.IdempotencyKey = lower, "erp-7" })
	p, err := env.Service.Create(context.Background(), env.Workspace.ID, req)
	require.NoError(t, err)
	assert.Equal(t, batch, p.BatchID)
	page, err := env.Service.List(context.Background(), env.Workspace.ID, payment.ListFilter{BatchID: lower})
	require.NoError(t, err)
	require.Len(t, page.Payments, 1)
	again, err := env.Service.Create(context.Background(), env.Workspace.ID, req)
	require.NoError(t, err)
	assert.Equal(t, p.ID, again.ID)
}

func dedupe(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func TestAccountRequestValidate(t *testing.T) {
	r := payment.AccountRequest{Name: "  Ops  ", Currency: "TRY", Type: payment.AccountInternal, IBAN: "tr33 0006 1005 1978 6457 8413 26"}
	require.NoError(t, r.Validate())
	assert.Equal(t, "Ops", r.Name)
	assert.Equal(t, "TR330006100519786457841326", r.IBAN)

	bad := payment.AccountRequest{Name: "", Currency: "XAU", Type: "savings", IBAN: "TR330006100519786457841327"}
	err := bad.Validate()
	var fields []string
	for _, fe := range payment.FieldErrors(err) {
		fields = append(fields, fe.Field)
	}
	assert.ElementsMatch(t, []string{"name", "currency", "type", "iban"}, fields)

	for name, reason := range map[string]string{
		"Acme \xff Ltd": "is not valid UTF-8",
		"Acme\tLtd":     "contains control characters",
	} {
		r := payment.AccountRequest{Name: name, Currency: "TRY", Type: payment.AccountExternal}
		fe := payment.FieldErrors(r.Validate())
		require.Len(t, fe, 1, "%q", name)
		assert.Equal(t, "name", fe[0].Field)
		assert.Equal(t, reason, fe[0].Reason, "%q", name)
	}
}

// TestValidateRequestSameAccountInEitherCase: ValidateRequest refuses a payment from an account to
// itself also when the two ids differ only in the letter case of their ULID, which is one account.
func TestValidateRequestSameAccountInEitherCase(t *testing.T) {
	r := payment.Request{Amount: 100, Currency: "TRY", Method: payment.MethodEFT,
		FromAccount: "acc_01hx3k7qz8m4v2n6p9r5t0w1yb", ToAccount: "acc_01HX3K7QZ8M4V2N6P9R5T0W1YB"}
	fe := payment.FieldErrors(payment.ValidateRequest(&r))
	require.Len(t, fe, 1)
	assert.Equal(t, "to_account", fe[0].Field)
	assert.Equal(t, "must differ from from_account", fe[0].Reason)
}

// FuzzValidate: validation never panics on any request and always explains a rejection per field.
func FuzzValidate(f *testing.F) {
	f.Add(int64(100), "TRY", "eft", "acc_01HX3K7QZ8M4V2N6P9R5T0W1YB", "acc_01HX3K7QZ8M4V2N6P9R5T0W1YC", "desc", "INV-1")
	f.Add(int64(-1), "xau", "", "", "", "\x00", strings.Repeat("x", 50))
	f.Fuzz(func(t *testing.T, amount int64, cur, method, from, to, desc, ref string) {
		r := payment.Request{Amount: amount, Currency: payment.Currency(cur), Method: payment.Method(method),
			FromAccount: payment.AccountID(from), ToAccount: payment.AccountID(to), Description: desc, Reference: ref}
		err := payment.ValidateRequest(&r)
		if err == nil {
			return
		}
		if !assert.ErrorIs(t, err, payment.ErrInvalid) {
			return
		}
		assert.NotEmpty(t, payment.FieldErrors(err))
	})
}
