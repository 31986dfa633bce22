package reconciletest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/orkesta/orkesta/payment"
)

// Case is one end-to-end reconciliation of the project's corpus, testdata/reconcile/<name>/case.json:
// the inputs of one offline run, as the CLI would get them.
type Case struct {
	Name string `json:"-"` // the case's folder name
	Dir  string `json:"-"` // the folder, where the files it names are
	// Description says what the case is about.
	Description string `json:"description"`
	// Statements are statement files, decoded with reconcile/detect (format sniffed from content).
	// A name ending in ".xlsx.tsv" is a tab-separated sheet turned into an XLSX workbook first.
	Statements []string `json:"statements"`
	Payments   string   `json:"payments"`
	Accounts   string   `json:"accounts,omitempty"`
	Account    string   `json:"account,omitempty"`
	DateWindow int      `json:"date_window,omitempty"`
	// Preset is the CSV/XLSX column preset ("tr", "en", "de", "fr"); empty tries them all.
	Preset string `json:"preset,omitempty"`
	// Currency is the statement currency for exports that name none (the CLI takes it from the
	// account in the accounts file).
	Currency payment.Currency `json:"currency,omitempty"`
}

// Cases reads every case under root (the repository's testdata/reconcile, as a path from the
// test's package), failing the test when there is none or one does not read.
func Cases(t testing.TB, root string) []Case {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, "*", "case.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no case.json under %s (%v)", root, err)
	}
	out := make([]Case, 0, len(paths))
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var c Case
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		c.Dir = filepath.Dir(path)
		c.Name = filepath.Base(c.Dir)
		out = append(out, c)
	}
	return out
}
