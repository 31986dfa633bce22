package payment

import (
	"context"
	"testing"
)

// fixedAccounts answers every account read with an account of workspace "ws_1".
type fixedAccounts struct{ Store }

func (fixedAccounts) GetAccount(_ context.Context, ws WorkspaceID, id AccountID) (Account, error) {
	return Account{ID: id, Workspace: ws}, nil
}

// TestRefCacheIsBounded: the cache starts over instead of growing past maxCachedRefs rows.
func TestRefCacheIsBounded(t *testing.T) {
	c := &refCache{store: fixedAccounts{}}
	for i := range maxCachedRefs + 10 {
		if _, err := c.GetAccount(context.Background(), "ws_1", AccountID(itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	c.accounts.Range(func(any, any) bool { n++; return true })
	if n != 10 || c.n.Load() != 10 {
		t.Fatalf("%d rows kept (counter %d), want the 10 read since the cache started over", n, c.n.Load())
	}
}
