package payment

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"time"
)

// Scope is what an API key may do.
type Scope string

// Scopes, from least to most.
const (
	ScopeReadOnly  Scope = "read-only"
	ScopeReadWrite Scope = "read-write"
	ScopeAdmin     Scope = "admin"
)

func (s Scope) rank() int {
	switch s {
	case ScopeReadOnly:
		return 1
	case ScopeReadWrite:
		return 2
	case ScopeAdmin:
		return 3
	}
	return 0
}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s.rank() > 0 }

// Allows reports whether a key of scope s may do what needs scope need. A need that is not a known
// scope (a typo) is allowed to no key.
func (s Scope) Allows(need Scope) bool {
	return s.rank() > 0 && need.rank() > 0 && s.rank() >= need.rank()
}

// CheckKeyTime refuses a time outside the years 0001 to 9999 in UTC, which RFC 3339 (the API's JSON)
// cannot write and the SQLite store cannot read back: every store refuses to keep such a key time.
// The problem is a *ValidationError of the field given.
func CheckKeyTime(field string, t time.Time) error {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return &ValidationError{Field: field, Reason: "must be between years 0001 and 9999 in UTC, not " + t.UTC().Format(time.RFC3339)}
	}
	return nil
}

// CheckKeyTimes is CheckKeyTime for a key's times: created_at, and expires_at and revoked_at when set.
func (k *APIKey) CheckKeyTimes() error {
	errs := []error{CheckKeyTime("created_at", k.CreatedAt)}
	for _, t := range []struct {
		field string
		at    time.Time
	}{{"expires_at", k.ExpiresAt}, {"revoked_at", k.RevokedAt}} {
		if !t.at.IsZero() {
			errs = append(errs, CheckKeyTime(t.field, t.at))
		}
	}
	return errors.Join(errs...)
}

// APIKey is a workspace's API key. Only a hash of the secret is stored.
type APIKey struct {
	ID        string      `json:"id"` // key_ + ULID
	Workspace WorkspaceID `json:"workspace_id"`
	Name      string      `json:"name"`
	Scope     Scope       `json:"scope"`
	Hash      [32]byte    `json:"-"`      // SHA-256 of the secret
	Prefix    string      `json:"prefix"` // the secret's first characters, to recognise it in a list
	CreatedAt time.Time   `json:"created_at"`
	ExpiresAt time.Time   `json:"expires_at,omitzero"`
	RevokedAt time.Time   `json:"revoked_at,omitzero"`
}

// MaxKeyNameLen is the longest name an API key may have, in characters.
const MaxKeyNameLen = 100

// CheckKeyName checks an API key's name (without its surrounding spaces): given, at most
// MaxKeyNameLen characters, valid UTF-8 without control characters. The problem is a
// *ValidationError of field "name".
func CheckKeyName(name string) error {
	if name == "" {
		return &ValidationError{Field: "name", Reason: "is required"}
	}
	return CheckText("name", name, MaxKeyNameLen)
}

// Active reports whether the key may be used at time now.
func (k *APIKey) Active(now time.Time) bool {
	return k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))
}

// Matches compares a presented secret's hash with the stored one in constant time.
func (k *APIKey) Matches(hash [32]byte) bool {
	return subtle.ConstantTimeCompare(k.Hash[:], hash[:]) == 1
}

// KeyStore persists API keys. The memory, SQLite and PostgreSQL stores implement it.
type KeyStore interface {
	CreateAPIKey(ctx context.Context, k APIKey) error
	// GetAPIKeyByHash finds a key of any workspace by the hash of its secret; ErrNotFound if none.
	GetAPIKeyByHash(ctx context.Context, hash [32]byte) (APIKey, error)
	ListAPIKeys(ctx context.Context, ws WorkspaceID) ([]APIKey, error)
	// RevokeAPIKey sets the key's RevokedAt; ErrNotFound if the workspace has no such key.
	RevokeAPIKey(ctx context.Context, ws WorkspaceID, id string, at time.Time) error
}

// APIKeyPrefix starts every secret, so leaked keys are easy to scan for.
const APIKeyPrefix = "ok_"

// NewAPIKeySecret returns a new random secret (160 bits) and its hash.
func NewAPIKeySecret() (secret string, hash [32]byte) {
	var b [20]byte
	_, _ = rand.Read(b[:])
	secret = APIKeyPrefix + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	return secret, HashAPIKey(secret)
}

// HashAPIKey is the stored form of a secret.
func HashAPIKey(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }
