package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/payment"
)

func (c *cli) keysCommand() *cobra.Command {
	return groupCommand("keys", "Create, list and revoke API keys",
		`  orkesta keys create --name production-erp-integration --scope read-write --expires 90d
  orkesta keys list
  orkesta keys revoke key_01J…`,
		c.keysCreate(), c.keysList(), c.keysRevoke())
}

func (e *dbEnv) keyStore() (payment.KeyStore, error) {
	if e.keys == nil {
		return nil, errors.New("this database keeps no API keys")
	}
	return e.keys, nil
}

// maxExpiryDays is the most days --expires takes: the longest time.Duration, some 292 years.
const maxExpiryDays = int(math.MaxInt64 / int64(24*time.Hour))

// parseExpiry reads an expiry as a date (YYYY-MM-DD, end of that day UTC excluded: the key works
// through the day before) or as a duration from now ("90d", "12h").
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	d, err := payment.ParseDate(s)
	switch {
	case err == nil:
		t := d.Time()
		if !t.After(now) {
			return time.Time{}, fmt.Errorf("--expires %s is in the past", s)
		}
		return t, nil
	case errors.Is(err, payment.ErrDateOutOfRange): // a real day, not a malformed one: say the range
		return time.Time{}, fmt.Errorf("--expires %s is outside 1970-01-01 to 9999-12-31", s)
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return time.Time{}, fmt.Errorf("--expires %q: want a positive number of days such as 90d", s)
		}
		if days > maxExpiryDays { // more would overflow the duration, to a time in the past
			return time.Time{}, fmt.Errorf("--expires %q is too far away: at most %dd, or give a date (YYYY-MM-DD)", s, maxExpiryDays)
		}
		return now.Add(time.Duration(days) * 24 * time.Hour), nil
	}
	dur, err := time.ParseDuration(s)
	if err != nil || dur <= 0 {
		return time.Time{}, fmt.Errorf("--expires %q is neither a date (YYYY-MM-DD) nor a duration (90d, 12h)", s)
	}
	return now.Add(dur), nil
}

// newAPIKey creates and stores a key; it returns the key and its secret (shown once).
func (c *cli) newAPIKey(ctx context.Context, ks payment.KeyStore, svc *payment.Service, ws payment.WorkspaceID,
	name string, scope payment.Scope, expires time.Time, secret string) (payment.APIKey, string, error) {
	if err := payment.CheckKeyName(name); err != nil {
		return payment.APIKey{}, "", err
	}
	var hash [32]byte
	generated := secret == ""
	if generated {
		gen := c.newSecret
		if gen == nil {
			gen = payment.NewAPIKeySecret
		}
		secret, hash = gen()
	} else {
		hash = payment.HashAPIKey(secret)
	}
	prefix := keyPrefix(secret, generated)
	// Times to the microsecond, as the databases keep them: what is printed is what is stored.
	k := payment.APIKey{ID: svc.NewID(payment.PrefixAPIKey), Workspace: ws, Name: name, Scope: scope, Hash: hash,
		Prefix: prefix, CreatedAt: svc.Clock().Now().UTC().Truncate(time.Microsecond), ExpiresAt: expires.UTC().Truncate(time.Microsecond)}
	if err := ks.CreateAPIKey(ctx, k); err != nil {
		return payment.APIKey{}, "", fmt.Errorf("store API key: %w", err)
	}
	return k, secret, nil
}

// keyPrefix is what of a secret a key's listing shows to recognise it: the first 8 characters of a
// generated secret ("ok_" and 5 of its 26 random ones), nothing of one a person chose (a seeded
// ORKESTA_API_KEY, whatever it starts with), whose first characters would give away part of it.
func keyPrefix(secret string, generated bool) string {
	if !generated {
		return ""
	}
	return secret[:min(len(secret), 8)]
}

func (c *cli) keysCreate() *cobra.Command {
	var name, scope, expires string
	cmd := &cobra.Command{
		Use:   "create --name NAME [--scope read-only|read-write|admin] [--expires DATE|DURATION]",
		Short: "Create an API key; its secret is printed once",
		Long: `Create an API key for the workspace. The secret is printed once and only its hash is stored:
keep it in a secrets manager or in the ORKESTA_API_KEY environment variable.

Scopes: read-only (read data), read-write (also create payments and configure webhooks), admin
(everything, including API keys).`,
		Example: `  orkesta keys create --name production-erp-integration --scope read-write --expires 2027-01-01
  orkesta keys create --name ci --scope read-only --expires 30d --output json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name = strings.TrimSpace(name) // as the API does: a name of spaces is no name
			if name == "" {
				return usagef("keys create needs --name")
			}
			sc := payment.Scope(scope)
			if !sc.Valid() {
				return usagef("--scope %q: want read-only, read-write or admin", scope)
			}
			exp, err := parseExpiry(expires, c.now().Now())
			if err != nil {
				return usagef("%v", err)
			}
			return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error {
				ks, err := e.keyStore()
				if err != nil {
					return err
				}
				k, secret, err := c.newAPIKey(ctx, ks, e.svc, e.ws.ID, name, sc, exp, "")
				if err != nil {
					return err
				}
				if c.json() {
					return printJSON(c.stdout, struct {
						payment.APIKey
						Secret string `json:"secret"`
					}{k, secret})
				}
				if err := kv(c.stdout, "id", k.ID, "name", k.Name, "scope", string(k.Scope), "expires", ts(k.ExpiresAt),
					"secret", secret); err != nil {
					return err
				}
				_, err = fmt.Fprintln(c.stdout, "The secret is shown only this once.")
				return err
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "a descriptive name, e.g. production-erp-integration")
	f.StringVar(&scope, "scope", string(payment.ScopeReadWrite), "read-only, read-write or admin")
	f.StringVar(&expires, "expires", "", "expiry: a date YYYY-MM-DD or a duration such as 90d (default: never)")
	return cmd
}

func keyState(k *payment.APIKey, now time.Time) string {
	switch {
	case !k.RevokedAt.IsZero():
		return "revoked"
	case !k.Active(now):
		return "expired"
	}
	return "active"
}

func (c *cli) keysList() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List API keys (never their secrets)",
		Example: "  orkesta keys list",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error {
				ks, err := e.keyStore()
				if err != nil {
					return err
				}
				keys, err := ks.ListAPIKeys(ctx, e.ws.ID)
				if err != nil {
					return err
				}
				if c.json() {
					if keys == nil {
						keys = []payment.APIKey{}
					}
					return printJSON(c.stdout, keys)
				}
				now := c.now().Now()
				t := newTable(c.stdout, "ID", "NAME", "SCOPE", "PREFIX", "STATE", "CREATED", "EXPIRES")
				for i := range keys {
					k := &keys[i]
					t.row(k.ID, k.Name, string(k.Scope), k.Prefix+"…", keyState(k, now), ts(k.CreatedAt), ts(k.ExpiresAt))
				}
				return t.flush()
			})
		},
	}
}

func (c *cli) keysRevoke() *cobra.Command {
	return &cobra.Command{
		Use:     "revoke KEY_ID",
		Short:   "Revoke an API key at once; other keys keep working",
		Example: "  orkesta keys revoke key_01J…",
		Args:    exactArgs("KEY_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !strings.HasPrefix(args[0], payment.PrefixAPIKey) {
				return usagef("%q is not an API key id (key_…)", args[0])
			}
			return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error {
				ks, err := e.keyStore()
				if err != nil {
					return err
				}
				if err := ks.RevokeAPIKey(ctx, e.ws.ID, args[0], c.now().Now().UTC().Truncate(time.Microsecond)); err != nil {
					return fmt.Errorf("revoke %s: %w", args[0], err)
				}
				if c.json() {
					return printJSON(c.stdout, map[string]any{"id": args[0], "revoked": true})
				}
				_, err = fmt.Fprintf(c.stdout, "revoked %s\n", args[0])
				return err
			})
		},
	}
}
