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
	typeCodes  []string // CODE=credit|debit for a bank's own BAI2 detail type codes
	charset    string   // the text encoding of MT940, camt.053, BAI2 and CSV files, when they do not say it
}

// typeCodeUsage documents --type-code, which serve takes too. As bai2.Options.TypeCodes, it may
// override a standard code's direction as well.
const typeCodeUsage = "BAI2: a detail type code's direction, as CODE=credit or CODE=debit: give a bank's own code (700–999) one, " +
	"or override a standard code's (165=debit); repeatable"

// parseTypeCodes reads --type-code values.
func parseTypeCodes(vals []string) (map[string]reconcile.Direction, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	out := make(map[string]reconcile.Direction, len(vals))
	for _, v := range vals {
		code, dir, _ := strings.Cut(v, "=")
		d := reconcile.Direction(strings.ToLower(strings.TrimSpace(dir)))
		code = strings.TrimSpace(code)
		if len(code) != 3 || strings.Trim(code, "0123456789") != "" || (d != reconcile.Credit && d != reconcile.Debit) {
			return nil, usagef("--type-code %s: want a three-digit code and a direction, as 901=credit", v)
		}
		out[code] = d
	}
	return out, nil
}

// register adds --currency, --mapping, --use-mapping, --type-code and --charset to cmd (each command
// has its own --account).
func (f *statementFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.currency, "currency", "", "the statement's currency when a CSV or XLSX file does not name it")
	fl.StringArrayVar(&f.mappings, "mapping", nil,
		"column mapping file (JSON or YAML) for CSV or XLSX exports the built-in presets do not read; repeatable, tried in order before the presets")
	fl.StringVar(&f.useMapping, "use-mapping", "",
		"read CSV and XLSX exports with this mapping alone, by name: a --mapping file's (its \"name\", or the file's name without extension) or a preset's ("+
			strings.Join(tabular.PresetNames(), ", ")+")")
	fl.StringArrayVar(&f.typeCodes, "type-code", nil, typeCodeUsage)
	fl.StringVar(&f.charset, "charset", "",
		"the text encoding of MT940, camt.053, BAI2 and CSV files that are not UTF-8 and declare none (else taken as Windows-1254; BAI2 as ISO-8859-1): windows-1250, iso-8859-2, cp852, or any IANA name")
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
	codes, err := parseTypeCodes(f.typeCodes)
	if err != nil {
		return opts, err
	}
	opts.BAI2.TypeCodes = codes
	if err := tabular.CheckCharset(f.charset); err != nil {
		return opts, usagef("--charset: %v", err)
	}
	opts.Charset = f.charset
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

// warningText is a statement warning as the command line shows it: with what to do about it, where
// a flag does something.
func warningText(w reconcile.Warning) string {
	if w.Code == reconcile.WarningCharset {
		return w.Message + " (if its letters look wrong, name its character set with --charset)"
	}
	return w.Message
}

// decodeStatement decodes a statement file in any format reconcile/detect knows (MT940, camt.053,
// BAI2, CSV, XLSX), found from its content.
func decodeStatement(r io.ReaderAt, size int64, opts detect.Options) ([]reconcile.Statement, error) {
	_, stmts, err := detect.Decode(r, size, opts)
	if err == nil && len(stmts) == 0 {
		return nil, errNoStatement
	}
	return stmts, err
}
