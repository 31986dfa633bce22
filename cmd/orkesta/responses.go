package main

import (
	"context"
	"errors"
	"time"

	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/adapters/postgres"
)

// pgResponses is the API's idempotency record store (httpapi.ResponseStore) on PostgreSQL, so that
// every serve instance on one database honours an Idempotency-Key whichever instance a retry
// reaches. The adapters do not import each other: this converts between their record types (the same
// fields, so a field added to one but not the other stops the build here).
type pgResponses struct{ st *postgres.Store }

var _ httpapi.ResponseStore = pgResponses{}

func (p pgResponses) Begin(ctx context.Context, key string, fp [32]byte, now time.Time, ttl time.Duration) (httpapi.StoredResponse, bool, error) {
	r, claimed, err := p.st.BeginResponse(ctx, key, fp, now, ttl)
	return httpapi.StoredResponse(r), claimed, err
}

func (p pgResponses) Complete(ctx context.Context, key string, claimedAt time.Time, resp httpapi.StoredResponse) error {
	err := p.st.CompleteResponse(ctx, key, claimedAt, postgres.Response(resp))
	if errors.Is(err, postgres.ErrResponseClaimLost) {
		return httpapi.ErrClaimLost
	}
	return err
}

func (p pgResponses) Release(ctx context.Context, key string, claimedAt time.Time) error {
	return p.st.ReleaseResponse(ctx, key, claimedAt)
}

// responseStore is where serve's API keeps its idempotency records: the database when it is
// PostgreSQL (shared by the instances), else nil, the API's memory store (SQLite and memory serve
// from one process).
func responseStore(b *backend) httpapi.ResponseStore {
	if st, ok := b.store.(*postgres.Store); ok {
		return pgResponses{st}
	}
	return nil
}
