package pain001_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/rail/pain001"
	"github.com/orkesta/orkesta/payment"
	"github.com/stretchr/testify/require"
)

var (
	ctx    = context.Background()
	update = flag.Bool("update", false, "rewrite the golden files")
)

// xsdValid validates doc against testdata/xsd/<schema> with xmllint, and skips the test with a
// message when xmllint is not installed.
func xsdValid(t *testing.T, schema string, doc []byte) {
	t.Helper()
	out, err := xsdCheck(t, schema, doc)
	require.NoError(t, err, "%s does not validate:\n%s", schema, out)
}

// xsdCheck runs xmllint --noout --schema and returns its output and error.
func xsdCheck(t *testing.T, schema string, doc []byte) ([]byte, error) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not found (Debian: apt-get install libxml2-utils); schema validation skipped")
	}
	path := filepath.Join(t.TempDir(), "doc.xml")
	require.NoError(t, os.WriteFile(path, doc, 0o600))
	return exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "xsd", schema), path).CombinedOutput()
}

// golden compares got with testdata/golden/<name>, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file: go test ./adapters/rail/pain001 -update")
	require.Equal(t, string(want), string(got), "golden file %s is stale: go test ./adapters/rail/pain001 -update", path)
}

// Valid IBANs (mod-97 checked).
const (
	ibanDebtor = "TR330006100519786457841326"
	ibanA      = "TR320010009999901234567890"
	ibanB      = "DE89370400440532013000"
	ibanC      = "GB29NWBK60161331926819"
)

var created = time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)

// sampleFile is a small file that exercises every element written: two batches, BICs and none,
// escaping, Turkish letters, ChrgBr.
func sampleFile(v pain001.Version) *pain001.File {
	return &pain001.File{
		Version: v, MessageID: "MSG-2026-0001", CreatedAt: created, InitiatingParty: "Acme Lojistik A.Ş.",
		Debtor: pain001.Party{Name: "Acme Lojistik A.Ş.", IBAN: ibanDebtor, BIC: "AKBKTRIS"}, Currency: "TRY",
		ChargeBearer: "SLEV",
		Batches: []pain001.Batch{
			{ID: "bat_01JBATCH0000000000000000", ExecutionDate: payment.MustDate("2026-01-15"), Transfers: []pain001.Transfer{
				{EndToEndID: "7Q3H9K2M4N6P8R0T", InstructionID: "7Q3H9K2M4N6P8R0T", Amount: 125000, Currency: "TRY",
					Creditor:   pain001.Party{Name: "Yılmaz Tekstil & Oğulları <Ltd>", IBAN: ibanA},
					Remittance: "INV-2026-0001 Fatura ödemesi \"Ocak\" 7Q3H9K2M4N6P8R0T"},
				{EndToEndID: "ABCDEFGHJKMNPQRS", Amount: 1, Currency: "TRY",
					Creditor: pain001.Party{Name: "Müller GmbH", IBAN: ibanB, BIC: "COBADEFFXXX"}},
			}},
			{ID: "PMT-2", ExecutionDate: payment.MustDate("2026-01-16"), Transfers: []pain001.Transfer{
				{EndToEndID: "Z9Y8X7W6V5T4S3R2", Amount: 99999999999, Currency: "TRY",
					Creditor: pain001.Party{Name: "Rossi S.p.A.", IBAN: ibanC}, Remittance: "PO 17"},
			}},
		},
	}
}
