package reconcile

import (
	"io"
	"slices"
)

// OfflineInput is what the offline reconciliation (`orkesta reconcile`) reads: payments and accounts
// files, statements already decoded (see reconcile/detect), and the matching options.
type OfflineInput struct {
	// Payments is a payments CSV or JSON file (see ReadPayments).
	Payments io.Reader
	// Accounts, when not nil, is an accounts CSV (see ReadAccounts); its accounts are added to
	// Options.Accounts so statement IBANs resolve to the account ids payments use.
	Accounts   io.Reader
	Statements []Statement
	// Options.Account names the account of statements that do not name their own (--account);
	// Options.DateWindow is --date-window.
	Options Options
}

// Offline reads the payments (and accounts) and matches them with the statements. Bad options are a
// *payment.ValidationError; bad files a *ParseError per problem (errors.Is ErrParse), each with its
// position. Write the result with WriteJSON, WriteCSV or reconcile/xlsx.
func Offline(in OfflineInput) (*Result, error) {
	opts := in.Options
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if in.Accounts != nil {
		accts, err := ReadAccounts(in.Accounts)
		if err != nil {
			return nil, err
		}
		opts.Accounts = append(slices.Clip(opts.Accounts), accts...)
	}
	pays, err := ReadPayments(in.Payments)
	if err != nil {
		return nil, err
	}
	g, err := NewEngine(opts)
	if err != nil {
		return nil, err
	}
	return g.Match(in.Statements, pays), nil
}
