package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/detect"
	"github.com/orkesta/orkesta/reconcile/tabular"
)

// statementFlags are what the commands that decode statements let a user say about files that do
// not say it themselves.
type statementFlags struct {
	account    string   // the statement's account, for formats that do not carry one
	currency   string   // the statement's currency, for CSV and XLSX exports that do not name one
	mappings   []string // column mapping files (JSON or YAML) for CSV and XLSX exports
	useMapping string   // the one mapping to read CSV and XLSX exports with, by name
}

// register adds --currency and --mapping to cmd (each command has its own --account).
func (f *statementFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.currency, "currency", "", "the statement's currency when a CSV or XLSX file does not name it")
	fl.StringArrayVar(&f.mappings, "mapping", nil,
		"column mapping file (JSON or YAML) for CSV or XLSX exports the built-in presets do not read; repeatable, tried in order before the presets")
	fl.StringVar(&f.useMapping, "use-mapping", "",
		"read CSV and XLSX exports with this mapping alone, by name: a --mapping file's (its \"name\", or the file's name without extension) or a preset's (tr, en, de, fr)")
}

// decodeOptions turns the flags into decoder options; accounts, when not nil, give the currency of
// a CSV or XLSX statement from its account.
func (f *statementFlags) decodeOptions(accounts []payment.Account) (detect.Options, error) {
	opts := detect.Options{Account: f.account}
	if f.currency != "" {
		cur, err := payment.ParseCurrency(f.currency)
		if err != nil {
			return opts, usagef("--currency %s: %v", f.currency, err)
		}
		opts.Currency = cur
	}
	if accounts != nil {
		opts.AccountCurrency = reconcile.AccountCurrencies(accounts)
	}
	maps, err := loadMappings(f.mappings)
	if err != nil {
		return opts, err
	}
	opts.CSV.Mappings, opts.XLSX.Mappings = maps, maps
	if f.useMapping != "" {
		if err := opts.UseMapping(f.useMapping); err != nil {
			return opts, usagef("--use-mapping %s: %v", f.useMapping, err)
		}
	}
	return opts, nil
}

// loadMappings reads column mapping files (JSON or YAML); a problem names the file. Two mappings of
// the same name are refused: a mapping is chosen by its name.
func loadMappings(paths []string) ([]*tabular.Mapping, error) {
	var out []*tabular.Mapping
	from := map[string]string{} // the file of each name
	for _, path := range paths {
		m, err := loadMapping(path)
		if err != nil {
			return nil, err
		}
		if first, dup := from[m.Name]; dup {
			return nil, &fileError{path: path, err: fmt.Errorf("mapping %q: %s has a mapping of that name already (set \"name\" in one of them)", m.Name, first)}
		}
		from[m.Name] = path
		out = append(out, m)
	}
	return out, nil
}

func loadMapping(path string) (*tabular.Mapping, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = file.Close() }()
	m, err := tabular.ParseMapping(file) // it validates the mapping too
	if err != nil {
		return nil, &fileError{path: path, err: err}
	}
	if m.Name == "" { // the name --use-mapping, ?mapping= and the dashboard know it by
		m.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return m, nil
}

// decodeStatement decodes a statement file in any format reconcile/detect knows (MT940, camt.053,
// CSV, XLSX), found from its content.
func decodeStatement(r io.ReaderAt, size int64, opts detect.Options) ([]reconcile.Statement, error) {
	_, stmts, err := detect.Decode(r, size, opts)
	if err == nil && len(stmts) == 0 {
		return nil, errNoStatement
	}
	return stmts, err
}
