package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/bai2"
	"github.com/orkesta/orkesta/reconcile/detect"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

func (c *cli) statementCommand() *cobra.Command {
	return groupCommand("statement", "Work with bank statement files", "  orkesta statement inspect statement.sta",
		c.statementInspect())
}

// The JSON of statement inspect: a public contract (issue 9). Dates are YYYY-MM-DD, amounts minor
// units; entry amounts are positive with a direction, balances signed (null when the file has none).
type inspectOutput struct {
	Statements []inspectStatement `json:"statements"`
}

type inspectStatement struct {
	Format         string           `json:"format"`
	Mapping        string           `json:"mapping,omitempty"` // the column mapping of a CSV or XLSX export
	ID             string           `json:"id,omitempty"`
	Account        string           `json:"account"`
	Currency       payment.Currency `json:"currency"`
	From           string           `json:"from,omitempty"`
	To             string           `json:"to,omitempty"`
	OpeningBalance *int64           `json:"opening_balance"`
	ClosingBalance *int64           `json:"closing_balance"`
	Entries        []inspectEntry   `json:"entries"`
	Warnings       []string         `json:"warnings,omitempty"`
}

type inspectEntry struct {
	BookingDate      string              `json:"booking_date,omitempty"`
	ValueDate        string              `json:"value_date"`
	Amount           int64               `json:"amount"`
	Direction        reconcile.Direction `json:"direction"`
	Reversal         bool                `json:"reversal,omitempty"`
	Currency         payment.Currency    `json:"currency"`
	Reference        string              `json:"reference"`
	BankReference    string              `json:"bank_reference,omitempty"`
	EndToEndID       string              `json:"end_to_end_id"`
	Description      string              `json:"description"`
	CounterpartyName string              `json:"counterparty_name,omitempty"`
	CounterpartyIBAN string              `json:"counterparty_iban,omitempty"`
	BankTxCode       string              `json:"bank_transaction_code,omitempty"`
	Position         string              `json:"position"`
	Fingerprint      string              `json:"fingerprint"`
}

func toInspect(stmts []reconcile.Statement) inspectOutput {
	out := inspectOutput{Statements: make([]inspectStatement, 0, len(stmts))}
	for i := range stmts {
		s := &stmts[i]
		is := inspectStatement{Format: s.Format, Mapping: s.Mapping, ID: s.ID, Account: s.Account, Currency: s.Currency,
			From: s.From.String(), To: s.To.String(), Entries: make([]inspectEntry, 0, len(s.Entries))}
		if s.HasOpening {
			v := s.Opening
			is.OpeningBalance = &v
		}
		if s.HasClosing {
			v := s.Closing
			is.ClosingBalance = &v
		}
		for _, w := range s.Warnings {
			is.Warnings = append(is.Warnings, w.Message)
		}
		for j := range s.Entries {
			e := &s.Entries[j]
			is.Entries = append(is.Entries, inspectEntry{
				BookingDate: e.BookingDate.String(), ValueDate: e.ValueDate.String(), Amount: e.Amount,
				Direction: e.Direction, Reversal: e.Reversal, Currency: e.Currency, Reference: e.CustomerRef,
				BankReference: e.BankRef, EndToEndID: e.EndToEnd, Description: e.Remittance,
				CounterpartyName: e.CounterpartyName, CounterpartyIBAN: e.CounterpartyIBAN, BankTxCode: e.BankTxCode,
				Position: e.Position, Fingerprint: e.Fingerprint,
			})
		}
		out.Statements = append(out.Statements, is)
	}
	return out
}

func (c *cli) statementInspect() *cobra.Command {
	var f statementFlags
	var accounts string
	cmd := &cobra.Command{
		Use:   "inspect FILE",
		Short: "Decode a statement (MT940, camt.053, BAI2, CSV, XLSX) and print its entries, or the precise error",
		Long: `Decode a bank statement file and print what Orkesta reads from it: the account, the balances and
every entry normalized (dates, amounts in minor units with a direction, references). The format is
detected from the content. A file that does not decode prints every problem with its line or cell,
and the exit code is 1. Warnings (a balance that does not add up) go to stderr; the exit code stays 0.

--output json prints {"statements":[{"account","currency","opening_balance","closing_balance",
"entries":[{"booking_date","value_date","amount","direction","currency","reference","end_to_end_id",
"description",…}]}]} with dates as YYYY-MM-DD, entry amounts positive minor units and balances signed
minor units.`,
		Example: `  orkesta statement inspect statement.sta
  orkesta statement inspect camt053.xml --output json
  orkesta statement inspect export.csv --account TR330006100519786457841326 --currency TRY
  orkesta statement inspect export.csv --mapping mybank.mapping.json`,
		Args: exactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var accts []payment.Account
			if accounts != "" {
				var err error
				if accts, err = readAccounts(accounts); err != nil {
					return err
				}
			}
			opts, err := f.decodeOptions(accts)
			if err != nil {
				return err
			}
			stmts, err := decodeFile(args[0], opts)
			if err != nil {
				return err
			}
			for i := range stmts {
				for _, w := range stmts[i].Warnings {
					fmt.Fprintln(c.stderr, printable(fmt.Sprintf("warning: %s: statement %s: %s", args[0], stmtName(&stmts[i], i), warningText(w))))
				}
			}
			if c.json() {
				return printJSON(c.stdout, toInspect(stmts))
			}
			return printStatements(c.stdout, stmts)
		},
	}
	cmd.Flags().StringVar(&f.account, "account", "", "the statement's account (IBAN) when the file does not name it")
	cmd.Flags().StringVar(&accounts, "accounts", "", "accounts CSV (id, name, currency, iban): a CSV or XLSX export that names its account but not its currency is in the account's")
	f.register(cmd)
	return cmd
}

func stmtName(s *reconcile.Statement, i int) string {
	if s.ID != "" {
		return s.ID
	}
	return fmt.Sprintf("#%d", i+1)
}

// decodeFile opens and decodes a statement file; errors name the file and every problem's position.
func decodeFile(path string, opts detect.Options) ([]reconcile.Statement, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	stmts, err := decodeStatement(f, st.Size(), opts)
	if err != nil {
		fe := &fileError{path: path, err: err}
		var pe *reconcile.ParseError
		codes := bai2.OwnTypeCodes(err)
		switch {
		case errors.Is(err, tabular.ErrNoCurrency):
			fe.hint = "the file does not say its currency: give it with --currency, or give the accounts " +
				"(--accounts, with --account when the file does not name its account)"
		case errors.Is(err, reconcile.ErrNotStatement) && errors.As(err, &pe) && (pe.Format == "csv" || pe.Format == "xlsx"):
			if opts.CSV.Mapping != nil || opts.CSV.Preset != "" { // --use-mapping
				fe.hint = "the mapping chosen with --use-mapping does not find this export's columns: leave it out " +
					"to let the header decide, or describe the columns in a mapping file (--mapping)"
				break
			}
			fe.hint = "for an export whose columns the built-in presets do not find, describe them in a mapping " +
				"file (--mapping; see reconcile/tabular.Mapping)"
		case len(codes) > 0:
			fe.hint = fmt.Sprintf("give each of the bank's own BAI2 type codes here (%s) its direction: --type-code %s=credit "+
				"or --type-code %[2]s=debit, one flag for each code", strings.Join(codes, ", "), codes[0])
		}
		return nil, fe
	}
	for i := range stmts {
		if stmts[i].Account == "" {
			stmts[i].Account = opts.Account
		}
	}
	return stmts, nil
}

// fileError prints every problem of a file on its own line, prefixed with the file name.
type fileError struct {
	path string
	err  error
	hint string // what the user can do about it, on a line of its own
}

func (e *fileError) Error() string {
	var lines []string
	for _, x := range flatten(e.err) {
		lines = append(lines, e.path+": "+x.Error())
	}
	if e.hint != "" {
		lines = append(lines, "hint: "+e.hint)
	}
	return strings.Join(lines, "\n")
}

func (e *fileError) Unwrap() error { return e.err }

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, x := range j.Unwrap() {
			out = append(out, flatten(x)...)
		}
		return out
	}
	return []error{err}
}

func signedMoney(minor int64, c payment.Currency) string {
	s := payment.FormatMinor(minor, c)
	if minor > 0 {
		s = "+" + s
	}
	return s
}

func printStatements(w io.Writer, stmts []reconcile.Statement) error {
	for i := range stmts {
		s := &stmts[i]
		if i > 0 {
			fmt.Fprintln(w)
		}
		opening, closing := "-", "-"
		if s.HasOpening {
			opening = payment.FormatMinor(s.Opening, s.Currency)
		}
		if s.HasClosing {
			closing = payment.FormatMinor(s.Closing, s.Currency)
		}
		format := s.Format
		if s.Mapping != "" {
			format += ", mapping " + s.Mapping
		}
		if err := kv(w, "statement", stmtName(s, i)+" ("+format+")", "account", s.Account, "currency", string(s.Currency),
			"period", s.From.String()+" – "+s.To.String(), "opening", opening, "closing", closing,
			"entries", fmt.Sprint(len(s.Entries))); err != nil {
			return err
		}
		t := newTable(w, "VALUE DATE", "BOOKED", "AMOUNT", "REFERENCE", "END-TO-END", "DESCRIPTION", "AT")
		for j := range s.Entries {
			e := &s.Entries[j]
			desc := e.Remittance
			if len([]rune(desc)) > 60 {
				desc = string([]rune(desc)[:59]) + "…"
			}
			t.row(e.ValueDate.String(), e.BookingDate.String(), signedMoney(e.Signed(), e.Currency), e.CustomerRef,
				e.EndToEnd, desc, e.Position)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	return nil
}

var errNoStatement = errors.New("no statement in the file")
