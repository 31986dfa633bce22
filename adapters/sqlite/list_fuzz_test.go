package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/sqlite"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// FuzzListPayments: for any filter, SQLite lists what the memory store lists (ListFilter.Match, newest
// first, cursor and limit), over the same payments between three accounts in every status. It guards
// the SQL that ListPayments writes: the account filter's two branches, the partial indexes'
// conditions, the cursor.
func FuzzListPayments(f *testing.F) {
	ctx := context.Background()
	db, _ := openDB(f, sqlite.OpenOptions{})
	lite := sqlite.New(db, sqlite.Options{})
	require.NoError(f, lite.Migrate(ctx))
	mem := memory.New()
	var envs []*paymenttest.Env
	for _, s := range []payment.Store{lite, mem} {
		envs = append(envs, paymenttest.NewEnv(f, s))
	}
	statuses := []payment.Status{payment.StatusPending, payment.StatusApproved, payment.StatusProcessing,
		payment.StatusSettled, payment.StatusCancelled}
	var ids []payment.ID
	for _, e := range envs {
		ids = ids[:0]
		// Own and Second are on both sides (transfers between them), Vendor only receives.
		internal := []payment.Account{e.Own, e.MustAccount(f, "Second", "TRY", payment.AccountInternal, "")}
		for i := range 40 {
			p := e.MustCreate(f, func(r *payment.Request) {
				r.FromAccount, r.ToAccount = internal[i%2].ID, internal[(i+1)%2].ID
				if i%3 == 0 {
					r.ToAccount = e.Vendor.ID
				}
				r.Reference = fmt.Sprintf("REF-%d", i%4)
				if i%7 == 0 {
					r.Reference = ""
				}
			})
			if st := statuses[i%5]; st != payment.StatusPending {
				e.MustAdvance(f, p, st)
			}
			ids = append(ids, p.ID)
		}
	}
	require.Equal(f, envs[0].Own.ID, envs[1].Own.ID, "both stores hold the same ids")
	second, err := envs[0].Service.Store().ListAccounts(ctx, envs[0].Workspace.ID)
	require.NoError(f, err)
	accounts := []payment.AccountID{"", envs[0].Own.ID, envs[0].Vendor.ID, second[len(second)-1].ID, "acc_01JZZZZZZZZZZZZZZZZZZZZZZZ"}
	refs := []string{"", "REF-1", "REF-3", "NONE"}
	f.Add(uint8(1), uint8(0), uint8(0), uint8(0), uint8(0))
	f.Add(uint8(2), uint8(0b1100), uint8(5), uint8(20), uint8(1))
	f.Add(uint8(1), uint8(0b0011), uint8(3), uint8(39), uint8(2))
	f.Fuzz(func(t *testing.T, acct, sts, limit, after, ref uint8) {
		fl := payment.ListFilter{Account: accounts[int(acct)%len(accounts)], Reference: refs[int(ref)%len(refs)],
			Limit: int(limit % 12)}
		for i, st := range statuses {
			if sts&(1<<i) != 0 {
				fl.Statuses = append(fl.Statuses, st)
			}
		}
		if after%3 != 0 {
			fl.After = ids[int(after)%len(ids)]
		}
		if acct >= 128 { // one side only
			fl.FromAccount, fl.Account = fl.Account, ""
		}
		var got [2][]payment.ID
		for k, s := range []payment.Store{lite, mem} {
			ps, err := s.ListPayments(ctx, envs[k].Workspace.ID, fl)
			require.NoError(t, err)
			for _, p := range ps {
				got[k] = append(got[k], p.ID)
			}
		}
		require.Equal(t, got[1], got[0], "%+v", fl)
	})
}
