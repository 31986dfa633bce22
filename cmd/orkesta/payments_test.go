package main

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
)

// TestPaymentsListMoreKeepsFilters: the command payments list suggests for the next page lists the
// same payments as the first page did (the same filters and page size), not every payment.
func TestPaymentsListMoreKeepsFilters(t *testing.T) {
	h := newHarness(t).served(t)
	own, vendor := batchAccounts(t, h)
	var ids []string
	for range 4 {
		r := h.run("payments", "create", "--from", own, "--to", vendor, "--amount", "1", "--reference", "INV 7", "-o", "json")
		require.Equal(t, ExitOK, r.code, r.stderr)
		ids = append(ids, regexp.MustCompile(`"id": "(pay_[^"]+)"`).FindStringSubmatch(r.stdout)[1])
	}
	for _, id := range ids[1:] { // the oldest stays pending
		r := h.run("payments", "cancel", id)
		require.Equal(t, ExitOK, r.code, r.stderr)
	}

	r := h.run("payments", "list", "--status", "cancelled", "--reference", "INV 7", "--limit", "1")
	require.Equal(t, ExitOK, r.code, r.stderr)
	m := regexp.MustCompile(`more: orkesta (.*)\n`).FindStringSubmatch(r.stdout)
	require.Len(t, m, 2, r.stdout)
	assert.Equal(t, "payments list --status cancelled --reference 'INV 7' --limit 1 --after "+ids[3], m[1])

	r = h.run("payments", "list", "--status", "cancelled", "--reference", "INV 7", "--limit", "1", "--after", ids[3])
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, ids[2])
	assert.NotContains(t, r.stdout, "pending")
	assert.Len(t, regexp.MustCompile(`(?m)^pay_`).FindAllString(r.stdout, -1), 1, "a page of one:\n%s", r.stdout)
}

// TestPaymentsCreateValueDateIsTodayHere: without --value-date a payment is due today on this
// machine's calendar, the zone export pain001 also calls today by default. At 01:30 on 15 January
// in Istanbul (22:30 UTC on the 14th) that is the 15th; the payment was dated the 14th.
func TestPaymentsCreateValueDateIsTodayHere(t *testing.T) {
	ist, err := time.LoadLocation("Europe/Istanbul")
	require.NoError(t, err)
	local := time.Local
	time.Local = ist
	t.Cleanup(func() { time.Local = local })
	h := newHarness(t).served(t)
	h.clock.Set(time.Date(2026, 1, 14, 22, 30, 0, 0, time.UTC))
	own, vendor := batchAccounts(t, h)
	r := h.run("payments", "create", "--from", own, "--to", vendor, "--amount", "1", "-o", "json")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"value_date": "2026-01-15"`)
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"cancelled,failed": "cancelled,failed",
		"/tmp/o.db":        "/tmp/o.db",
		"INV 7":            "'INV 7'",
		"it's":             `'it'\''s'`,
		"":                 "''",
		"$HOME":            "'$HOME'",
	} {
		assert.Equal(t, want, shellQuote(in), in)
	}
}

// TestPaymentsListMoreKeepsDatabase: the next-page command of a listing from PostgreSQL names the
// same database (without the password, which a terminal or a job's log would keep); it named none,
// so following it listed the SQLite file orkesta.db, or failed for want of one.
func TestPaymentsListMoreKeepsDatabase(t *testing.T) {
	h := newHarness(t).served(t)
	own, vendor := batchAccounts(t, h)
	var last string
	for range 2 {
		r := h.run("payments", "create", "--from", own, "--to", vendor, "--amount", "1", "-o", "json")
		require.Equal(t, ExitOK, r.code, r.stderr)
		last = regexp.MustCompile(`"id": "(pay_[^"]+)"`).FindStringSubmatch(r.stdout)[1]
	}
	for dsn, want := range map[string]string{
		"postgres://app:s3cret@db.example:5432/orkesta": "postgres://app:xxxxx@db.example:5432/orkesta",
		"postgres://app@db.example/orkesta":             "postgres://app@db.example/orkesta",
		"host=db.example user=app password=s3cret":      "'host=db.example user=app password=xxxxx'",
	} {
		r := h.run("payments", "list", "--postgres", dsn, "--limit", "1")
		require.Equal(t, ExitOK, r.code, r.stderr)
		assert.Contains(t, r.stdout, "more: orkesta payments list --postgres "+want+" --limit 1 --after "+last, dsn)
		assert.NotContains(t, r.stdout, "s3cret")
	}
}

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:s3cret@db/orkesta?sslmode=disable": "postgres://app:xxxxx@db/orkesta?sslmode=disable",
		"postgresql://db/orkesta":                          "postgresql://db/orkesta",
		"host=db password=s3cret user=app":                 "host=db password=xxxxx user=app",
		"password = 's3 cr\\'et' host=db":                  "password = xxxxx host=db",
		"host=db":                                          "host=db",
	} {
		assert.Equal(t, want, redactDSN(in), in)
	}
}

// TestPaymentsCreateAmountNotPositive: --amount is in major units, and the error for 0 or a negative
// amount says so (the library's "integer in minor units" is about the API's field, not the flag);
// the request's other problems are still listed with it.
func TestPaymentsCreateAmountNotPositive(t *testing.T) {
	h := newHarness(t).served(t)
	own, vendor := batchAccounts(t, h)
	for _, tc := range []struct {
		amount string
		others []string
	}{
		{amount: "0"},
		{amount: "-5"},
		{amount: "-5.00", others: []string{"method: unknown method"}},
	} {
		t.Run(tc.amount, func(t *testing.T) {
			args := []string{"payments", "create", "--from", own, "--to", vendor, "--amount", tc.amount}
			if tc.others != nil {
				args = append(args, "--method", "cheque")
			}
			r := h.run(args...)
			assert.Equal(t, ExitError, r.code)
			assert.Contains(t, r.stderr, `amount: must be more than 0, in major units (e.g. 1250.00); --amount is "`+tc.amount+`"`)
			assert.NotContains(t, r.stderr, "minor units")
			for _, o := range tc.others {
				assert.Contains(t, r.stderr, o)
			}
		})
	}
}

// accountsDown is a store whose account reads fail.
type accountsDown struct {
	payment.Store
	err error
}

func (s *accountsDown) GetAccount(context.Context, payment.WorkspaceID, payment.AccountID) (payment.Account, error) {
	return payment.Account{}, s.err
}

// TestPaymentsCreateCurrencyLookupFails: without --currency, the --from account is read for its
// currency; "not found" is said only when it is not found, and another error (the database's) is
// reported as it is.
func TestPaymentsCreateCurrencyLookupFails(t *testing.T) {
	h := newHarness(t).served(t)
	own, vendor := batchAccounts(t, h)

	r := h.run("payments", "create", "--from", "acc_01KF0E44M0000000000000000Z", "--to", vendor, "--amount", "1")
	assert.Equal(t, ExitError, r.code)
	assert.Contains(t, r.stderr, "the --from account was not found")

	h.wrap = func(m *memory.Store) payment.Store {
		return &accountsDown{Store: m, err: errors.New("database is locked")}
	}
	r = h.run("payments", "create", "--from", own, "--to", vendor, "--amount", "1")
	assert.Equal(t, ExitError, r.code)
	assert.Contains(t, r.stderr, "database is locked")
	assert.NotContains(t, r.stderr, "not found")
}

// TestPaymentsCreateCurrencyOfFromInLowerCase: without --currency, the currency is the --from
// account's, whichever case its id is given in (a ULID is case-insensitive and Create takes either);
// a lower-case id was looked up as typed and said to be "not found". A malformed id is not found.
func TestPaymentsCreateCurrencyOfFromInLowerCase(t *testing.T) {
	h := newHarness(t).served(t)
	own, vendor := batchAccounts(t, h)
	lower := "acc_" + strings.ToLower(strings.TrimPrefix(own, "acc_"))
	r := h.run("payments", "create", "--from", lower, "--to", vendor, "--amount", "1.50", "-o", "json")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"currency": "TRY"`)
	assert.Contains(t, r.stdout, `"from_account": "`+own+`"`)

	r = h.run("payments", "create", "--from", "acc_"+string([]byte{0xff}), "--to", vendor, "--amount", "1")
	assert.Equal(t, ExitError, r.code)
	assert.Contains(t, r.stderr, "the --from account was not found")
}
