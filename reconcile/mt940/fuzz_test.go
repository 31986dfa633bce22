package mt940_test

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/mt940"
	"github.com/orkesta/orkesta/reconcile/reconciletest"
)

// FuzzDecode: Decode never panics; every failure is a *reconcile.ParseError (or the one
// not-a-statement error); every success is a well-formed statement.
func FuzzDecode(f *testing.F) {
	files, err := os.ReadDir("testdata/public")
	if err != nil {
		f.Fatal(err)
	}
	for _, fi := range files {
		if data, err := os.ReadFile("testdata/public/" + fi.Name()); err == nil && !strings.HasSuffix(fi.Name(), ".md") {
			f.Add(data)
		}
	}
	f.Add([]byte(wrap("EUR", ":61:2312310102RC1,00NTRFX//Y\nNL91ABNA0417164300\n:86:166?00A?20EREF+X?2\n1SVWZ+Y?31DE89370400440532013000\n:62F:C240101EUR999,00\n")))
	f.Add([]byte(wrap("JPY", ":61:240101D5,NTRF\n:86:/EREF/A/NAME/B/REMI/USTD//C\n:61:240101C1,N\n:86:999X:a:b:GB29DEUT40333124517700\n")))
	f.Add([]byte(":20:A\n:25:X\n:34F:EURD0,\n:13D:2511261200+0100\n:61:251126C5,00NTRFX\n:86:/EREF/E\n:90D:0EUR0,\n:90C:1EUR5,00\n"))
	if data, err := os.ReadFile("testdata/synthetic/abn-amro-like-interim.sta"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Line breaks do not change what a file says: with CRLF it decodes as with LF.
		if lf := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")); bytes.IndexByte(lf, '\r') < 0 {
			a, aerr := mt940.Decode(bytes.NewReader(lf), mt940.Options{})
			b, berr := mt940.Decode(bytes.NewReader(bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))), mt940.Options{})
			if fmt.Sprint(aerr) != fmt.Sprint(berr) || !reflect.DeepEqual(a, b) {
				t.Fatalf("LF: %+v %v\nCRLF: %+v %v", a, aerr, b, berr)
			}
		}
		sts, err := mt940.Decode(bytes.NewReader(data), mt940.Options{})
		if err != nil {
			reconciletest.CheckParseErrors(t, err, mt940.Format)
			return
		}
		if len(sts) == 0 {
			t.Fatal("no statements and no error")
		}
		for _, st := range sts {
			if (st.Format != mt940.Format && st.Format != mt940.FormatInterim) || !st.Currency.Valid() || st.Account == "" {
				t.Fatalf("malformed statement %+v", st)
			}
			for _, e := range st.Entries {
				if e.Amount < 0 || (e.Direction != reconcile.Debit && e.Direction != reconcile.Credit) ||
					e.Fingerprint == "" || !strings.HasPrefix(e.Position, "line ") || e.ValueDate == 0 || e.Currency != st.Currency {
					t.Fatalf("malformed entry %+v", e)
				}
			}
		}
	})
}
