package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/payment"
)

func (c *cli) accountsCommand() *cobra.Command {
	return groupCommand("accounts", "Create and list accounts",
		`  orkesta accounts create --name "Operating TRY" --currency TRY --type internal --iban TR330006100519786457841326
  orkesta accounts list`,
		c.accountsCreate(), c.accountsList())
}

func (c *cli) accountsCreate() *cobra.Command {
	var r payment.AccountRequest
	var cur, typ string
	cmd := &cobra.Command{
		Use:   "create --name NAME --currency CODE [--type internal|external] [--iban IBAN]",
		Short: "Create an account (internal: yours, payments debit it; external: a counterparty's)",
		Example: `  orkesta accounts create --name "Operating TRY" --currency TRY --iban TR330006100519786457841326
  orkesta accounts create --name "Yılmaz Tekstil" --currency TRY --type external`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if r.Name == "" || cur == "" {
				return usagef("accounts create needs --name and --currency")
			}
			r.Currency, r.Type = payment.Currency(cur), payment.AccountType(typ)
			// The first step of a database set up without serve: it may create the database.
			return c.withNewDB(cmd, func(ctx context.Context, e *dbEnv) error {
				a, err := e.svc.CreateAccount(ctx, e.ws.ID, r)
				if err != nil {
					return err
				}
				if c.json() {
					return printJSON(c.stdout, a)
				}
				return kv(c.stdout, "id", string(a.ID), "name", a.Name, "type", string(a.Type),
					"currency", string(a.Currency), "iban", a.IBAN, "created", ts(a.CreatedAt))
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&r.Name, "name", "", "account name")
	f.StringVar(&cur, "currency", "", "ISO 4217 currency code")
	f.StringVar(&typ, "type", string(payment.AccountInternal), "internal or external")
	f.StringVar(&r.IBAN, "iban", "", "IBAN (checked: country length and mod-97)")
	return cmd
}

func (c *cli) accountsList() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the workspace's accounts, oldest first",
		Example: "  orkesta accounts list\n  orkesta accounts list --output json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error {
				as, err := e.svc.ListAccounts(ctx, e.ws.ID)
				if err != nil {
					return err
				}
				if c.json() {
					if as == nil {
						as = []payment.Account{}
					}
					return printJSON(c.stdout, as)
				}
				t := newTable(c.stdout, "ID", "NAME", "TYPE", "CURRENCY", "IBAN")
				for _, a := range as {
					iban := ""
					if a.IBAN != "" {
						iban = a.MaskedIBAN()
					}
					t.row(string(a.ID), a.Name, string(a.Type), string(a.Currency), iban)
				}
				return t.flush()
			})
		},
	}
}
