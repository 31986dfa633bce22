package reconcile

import (
	"io"
	"slices"
	"strconv"
	"sync"

	"github.com/orkesta/orkesta/payment"
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
	// DecodeStatements, when set, decodes more statements (the --statement files). It runs while the
	// payments are read and indexed, so on two cores most of the decoding costs no time; its
	// statements come after Statements. Its error is returned as it is.
	DecodeStatements func() ([]Statement, error)
	// Options.Account names the account of statements that do not name their own (--account);
	// Options.DateWindow is --date-window.
	Options Options
	// Matching, when set, is called once the payments are read and indexed and the statements
	// decoded, right before the matching starts. A command-line run reports its progress there, and,
	// being a process that does this once, may collect the reading's garbage (runtime.GC) so that the
	// matching reuses that memory: a million payments and entries then peak some 45 MB lower, for
	// about 0.1 s. A long-running service leaves its collector alone.
	Matching func()
}

// Offline reads the payments (and accounts) and matches them with the statements. Bad options are a
// *payment.ValidationError; bad files a *ParseError per problem (errors.Is ErrParse), each with its
// position. Write the result with WriteJSON, WriteCSV or reconcile/xlsx.
func Offline(in OfflineInput) (*Result, error) {
	opts := in.Options
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if in.Payments == nil {
		return nil, &payment.ValidationError{Field: "payments", Reason: "is required: a payments CSV or JSON file"}
	}
	var (
		wg      sync.WaitGroup
		decoded []Statement
		decErr  error
	)
	if in.DecodeStatements != nil {
		wg.Go(func() { decoded, decErr = in.DecodeStatements() })
	}
	idx, err := offlinePayments(in, &opts)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if decErr != nil {
		return nil, decErr
	}
	g, err := NewEngine(opts)
	if err != nil {
		return nil, err
	}
	stmts := in.Statements
	if len(decoded) > 0 {
		stmts = append(slices.Clip(stmts), decoded...)
	}
	stmts, dups := Dedupe(stmts)
	if in.Matching != nil {
		in.Matching()
	}
	res := g.matchIndexed(stmts, idx)
	if dups > 0 {
		res.summary.Warnings = append(res.summary.Warnings, strconv.Itoa(dups)+
			" entries appear in more than one statement (overlapping files) and were counted once")
	}
	return res, nil
}

// offlinePayments reads the accounts (into opts) and the payments, and indexes the payments.
func offlinePayments(in OfflineInput, opts *Options) (*paymentIndex, error) {
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
	return buildPaymentIndex(pays, opts, workers(opts) > 1 && len(pays) >= parallelFrom), nil
}

// Dedupe drops entries that an earlier statement of the list already has (same Entry.Fingerprint),
// as overlapping statement files repeat them; entries without a fingerprint are all kept. The input is
// not changed: statements that lose entries are copies. It returns how many entries were dropped.
func Dedupe(stmts []Statement) ([]Statement, int) {
	if len(stmts) < 2 {
		return stmts, 0
	}
	// Only statements of the same account and currency can repeat each other's entries (the
	// fingerprint covers both): the others are left alone.
	type group struct {
		account  string
		currency payment.Currency
	}
	count := make(map[group]int)
	for i := range stmts {
		count[group{normalizeAccount(stmts[i].Account), stmts[i].Currency}]++
	}
	out := stmts
	dropped := 0
	seen := make(map[string]struct{})
	for i := range stmts {
		if count[group{normalizeAccount(stmts[i].Account), stmts[i].Currency}] < 2 {
			continue
		}
		var keep []Entry
		for j := range stmts[i].Entries {
			e := &stmts[i].Entries[j]
			_, dup := seen[e.Fingerprint]
			if e.Fingerprint != "" && !dup {
				seen[e.Fingerprint] = struct{}{}
			}
			switch {
			case dup && keep == nil:
				keep = append(make([]Entry, 0, len(stmts[i].Entries)-1), stmts[i].Entries[:j]...)
				dropped++
			case dup:
				dropped++
			case keep != nil:
				keep = append(keep, *e)
			}
		}
		if keep != nil {
			if len(out) > 0 && &out[0] == &stmts[0] {
				out = slices.Clone(stmts)
			}
			out[i].Entries = keep
		}
	}
	return out, dropped
}
