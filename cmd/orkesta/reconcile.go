package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

type reconcileFlags struct {
	statementFlags
	payments        string
	statements      []string
	accounts        string
	dateWindow      int
	out             string
	failOnUnmatched bool
}

func (c *cli) reconcileCommand() *cobra.Command {
	var f reconcileFlags
	cmd := &cobra.Command{
		Use:   "reconcile --payments P.csv|P.json --statement FILE [--statement FILE …]",
		Short: "Reconcile bank statements against payments, offline (files in, report out)",
		Long: `Match the entries of one or more bank statements with payments, with no database: files in, a
report out. Entries are compared with processing and settled payments on amount, value date (within
--date-window days) and reference: 3 of 3 is an exact match, 2 of 3 a fuzzy one, fewer unmatched.
An entry that names a cancelled or failed payment is an anomaly.

--payments is a CSV (columns in any order: id, amount in minor units, currency, method,
from_account, to_account, reference, description, status, value_date YYYY-MM-DD; a missing status
means settled) or JSON (an array of payments as the API returns them). --accounts is a CSV of id,
name, currency, iban, so that statement IBANs resolve to account ids (and a CSV or XLSX export that
names its account but not its currency is in the account's currency). The statement format (MT940,
camt.053, BAI2, CSV, XLSX) is found from the content; --account names the statement's account when the
file does not, --currency its currency, and --mapping says where the columns of a CSV or XLSX export
are when the built-in presets (Turkish, English, German, French) do not find them.

--out writes the full report: .json, .csv or .xlsx; the summary of a JSON or XLSX report also gives the
statements' warnings (a balance that does not add up, with the difference). A summary goes to stdout
(--output json for the summary as JSON). Exit code 3 with --fail-on-unmatched when any entry or payment is left unmatched
or an anomaly is found; 1 on errors, with the file and position.`,
		Example: `  orkesta reconcile --payments payments.csv --statement statement.sta
  orkesta reconcile --payments payments.json --statement jan.xml --statement feb.xml \
    --accounts accounts.csv --date-window 2 --out report.xlsx --fail-on-unmatched`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return c.reconcile(&f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.payments, "payments", "", "payments file: CSV or JSON (required)")
	fl.StringArrayVar(&f.statements, "statement", nil, "statement file: MT940, camt.053, BAI2, CSV or XLSX (required, repeatable)")
	fl.StringVar(&f.accounts, "accounts", "", "accounts CSV (id, name, currency, iban)")
	fl.StringVar(&f.account, "account", "", "IBAN or account id of statements that do not name their account")
	f.register(cmd)
	fl.IntVar(&f.dateWindow, "date-window", 0, "days an entry's value date may differ from the payment's (0: same day)")
	fl.StringVar(&f.out, "out", "", "write the report to this file: .json, .csv or .xlsx")
	fl.BoolVar(&f.failOnUnmatched, "fail-on-unmatched", false, "exit 3 when anything is left unmatched")
	return cmd
}

// readAccounts reads an accounts CSV; its problems name the file.
func readAccounts(path string) ([]payment.Account, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = file.Close() }()
	accts, err := reconcile.ReadAccounts(file)
	if err != nil {
		return nil, &fileError{path: path, err: err}
	}
	return accts, nil
}

// reportFormat is the report format --out asks for, from its extension.
func reportFormat(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json", ".csv", ".xlsx":
		return ext[1:], nil
	default:
		return "", usagef("--out %s: the report format comes from the extension: .json, .csv or .xlsx", path)
	}
}

// outNotInput refuses an --out that names one of the run's input files (a payments.csv given as
// report.csv by a slip of the hand): the report would replace it, and the input would be lost.
func outNotInput(f *reconcileFlags) error {
	out, err := os.Stat(f.out)
	if err != nil {
		return nil // no file there yet: nothing to lose
	}
	inputs := append([]string{f.payments, f.accounts}, f.statements...)
	for _, path := range append(inputs, f.mappings...) {
		if path == "" {
			continue
		}
		if in, err := os.Stat(path); err == nil && os.SameFile(out, in) {
			return usagef("--out %s is the input file %s: the report would replace it", f.out, path)
		}
	}
	return nil
}

func (c *cli) reconcile(f *reconcileFlags) error {
	if f.payments == "" || len(f.statements) == 0 {
		return usagef("reconcile needs --payments and at least one --statement")
	}
	if f.dateWindow < 0 || f.dateWindow > reconcile.MaxDateWindow {
		return usagef("--date-window must be between 0 and %d days, not %d", reconcile.MaxDateWindow, f.dateWindow)
	}
	format := ""
	if f.out != "" {
		var err error
		if format, err = reportFormat(f.out); err != nil {
			return err
		}
		if err := outNotInput(f); err != nil {
			return err
		}
	}
	bar := c.progress(len(f.statements) + 3)
	defer func() { _ = bar.Finish() }()

	in := reconcile.OfflineInput{Options: reconcile.Options{DateWindow: f.dateWindow, Account: f.account}}
	// The accounts first: they give the currency of exports that name only their account.
	if f.accounts != "" {
		accts, err := readAccounts(f.accounts)
		if err != nil {
			return err
		}
		in.Options.Accounts = accts
	}
	dopts, err := f.decodeOptions(in.Options.Accounts)
	if err != nil {
		return err
	}

	// The statements are decoded while the payments are read and indexed (reconcile.Offline runs
	// DecodeStatements on another goroutine); their warnings are printed once both are done.
	var warnings, reportWarnings []string
	in.DecodeStatements = func() ([]reconcile.Statement, error) {
		var stmts []reconcile.Statement
		for _, path := range f.statements {
			sts, err := decodeFile(path, dopts)
			if err != nil {
				return nil, err
			}
			for i := range sts {
				for _, w := range sts[i].Warnings {
					warnings = append(warnings, printable(fmt.Sprintf("warning: %s: statement %s: %s", path, stmtName(&sts[i], i), warningText(w))))
					reportWarnings = append(reportWarnings, statementWarning(path, &sts[i], i, w))
				}
			}
			stmts = append(stmts, sts...)
			_ = bar.Add(1)
		}
		return stmts, nil
	}
	in.Matching = func() {
		_ = bar.Add(1)
		bar.Describe("matching")
		runtime.GC() // a one-shot run: the matching reuses what reading left behind (see OfflineInput)
	}
	bar.Describe("reading payments and statements")
	pf, err := os.Open(f.payments)
	if err != nil {
		return err
	}
	defer func() { _ = pf.Close() }()
	in.Payments = pf
	res, err := reconcile.Offline(in)
	for _, w := range warnings {
		fmt.Fprintln(c.stderr, w)
	}
	if err != nil {
		var fe *fileError // a statement's
		if !errors.As(err, &fe) && errors.As(err, new(*reconcile.ParseError)) {
			return &fileError{path: f.payments, err: err}
		}
		return err
	}
	_ = bar.Add(1)
	if f.out != "" {
		bar.Describe("writing " + filepath.Base(f.out))
		// The report is what is kept and read later, stderr is not: it gives the statements'
		// warnings too, first.
		if err := writeReport(f.out, format, reconcile.WithWarnings(res, reportWarnings...)); err != nil {
			return err
		}
	}
	_ = bar.Add(1)
	_ = bar.Finish()

	sum := res.ReportSummary()
	if c.json() {
		if err := printJSON(c.stdout, sum); err != nil {
			return err
		}
	} else if err := printSummary(c.stdout, &sum, f.out); err != nil {
		return err
	}
	if open := sum.UnmatchedEntries + sum.UnmatchedPayments + sum.Anomalies; f.failOnUnmatched && open > 0 {
		return &exitError{code: ExitUnmatched, msg: fmt.Sprintf("%s, %s, %s",
			count(sum.UnmatchedEntries, "unmatched entry", "unmatched entries"),
			count(sum.UnmatchedPayments, "unmatched payment", "unmatched payments"),
			count(sum.Anomalies, "anomaly", "anomalies"))}
	}
	return nil
}

// statementWarning is a statement's warning as the report gives it: the file and statement it is
// about, and for a balance that does not add up, the difference.
func statementWarning(path string, st *reconcile.Statement, i int, w reconcile.Warning) string {
	return path + ": statement " + stmtName(st, i) + ": " + warningText(w) + w.DifferenceText(st.Currency)
}

// progress is a progress bar on stderr when stderr is a terminal, and a silent one otherwise (a bar
// drawn into a log floods it).
func (c *cli) progress(steps int) *progressbar.ProgressBar {
	if !c.isTerminal(c.stderr) {
		return progressbar.NewOptions(steps, progressbar.OptionSetVisibility(false), progressbar.OptionSetWriter(io.Discard))
	}
	return progressbar.NewOptions(steps, progressbar.OptionSetWriter(c.stderr), progressbar.OptionClearOnFinish(),
		progressbar.OptionShowCount(), progressbar.OptionSetWidth(30))
}

// writeReport writes the report to path atomically: a failed run never leaves half a report behind.
func writeReport(path, format string, src reconcile.ReportSource) error {
	return writeAtomic(path, func(w io.Writer) error {
		switch format {
		case "json":
			return reconcile.WriteJSON(w, src)
		case "csv":
			return reconcile.WriteCSV(w, src)
		case "xlsx":
			return xlsx.WriteReport(w, src)
		}
		return fmt.Errorf("unknown report format %q", format)
	})
}

// allAmount reports whether every entry's money is matched, in every currency.
func allAmount(s *reconcile.Summary) bool {
	for _, c := range s.Currencies {
		if c.MatchedAmount != c.Amount {
			return false
		}
	}
	return true
}

func printSummary(w io.Writer, s *reconcile.Summary, out string) error {
	pairs := []string{
		"entries", strconv.Itoa(s.Entries),
		"payments", strconv.Itoa(s.Payments),
		"exact", strconv.Itoa(s.Exact),
		"fuzzy", strconv.Itoa(s.Fuzzy),
		"unmatched entries", strconv.Itoa(s.UnmatchedEntries),
		"unmatched payments", strconv.Itoa(s.UnmatchedPayments),
		"anomalies", strconv.Itoa(s.Anomalies),
		"match rate", reconcile.PercentText(s.MatchRate, s.Exact+s.Fuzzy == s.Entries) + " of entries, " +
			reconcile.PercentText(s.MatchRateAmount, allAmount(s)) + " of the amount",
	}
	for _, cs := range s.Currencies {
		pairs = append(pairs, "  "+string(cs.Currency), fmt.Sprintf("%d of %s, %s of %s matched", cs.Matched, count(cs.Entries, "entry", "entries"),
			payment.FormatMinor(cs.MatchedAmount, cs.Currency), payment.FormatMinor(cs.Amount, cs.Currency)))
	}
	for _, warn := range s.Warnings {
		pairs = append(pairs, "warning", warn)
	}
	if out != "" {
		pairs = append(pairs, "report", out)
	}
	return kv(w, pairs...)
}
