package detect_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/orkesta/orkesta/reconcile/bai2"
	"github.com/orkesta/orkesta/reconcile/camt053"
	"github.com/orkesta/orkesta/reconcile/detect"
	"github.com/orkesta/orkesta/reconcile/mt940"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// FuzzDecode: Decode never panics and fails only with *reconcile.ParseErrors; and a file that the
// MT940, camt or BAI2 decoder reads into entries on its own is sniffed as that format, so that an
// upload without a format name decodes it too.
func FuzzDecode(f *testing.F) {
	for _, pattern := range []string{"../mt940/testdata/public/*", "../camt053/testdata/public/*.xml",
		"../csv/testdata/*.csv", "../bai2/testdata/*.txt"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, err := detect.Decode(bytes.NewReader(data), int64(len(data)), detect.Options{Currency: "EUR"})
		if err != nil {
			reconciletest.CheckParseErrors(t, err, "")
		}
		got := detect.Sniff(data)
		for want, decode := range map[detect.Format]func() (int, error){
			detect.MT940: func() (int, error) {
				sts, err := mt940.Decode(bytes.NewReader(data), mt940.Options{})
				return len(sts), err
			},
			detect.CAMT053: func() (int, error) {
				sts, err := camt053.Decode(bytes.NewReader(data), camt053.Options{})
				return len(sts), err
			},
			detect.BAI2: func() (int, error) {
				sts, err := bai2.Decode(bytes.NewReader(data), bai2.Options{})
				return len(sts), err
			},
		} {
			if n, err := decode(); err == nil && n > 0 && got != want {
				t.Fatalf("the %s decoder reads %d statements from %q, Sniff says %q", want, n, data, got)
			}
		}
	})
}
