package pain001_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/orkesta/orkesta/adapters/rail/pain001"
	"github.com/orkesta/orkesta/payment"
)

// bigFile is one debtor account paying n creditors, in batches of 500.
func bigFile(n int) *pain001.File {
	f := sampleFile(pain001.V09)
	f.Batches = nil
	for i := range n {
		if i%500 == 0 {
			f.Batches = append(f.Batches, pain001.Batch{ID: fmt.Sprintf("PMT-%d", i/500), ExecutionDate: payment.MustDate("2026-01-15")})
		}
		b := &f.Batches[len(f.Batches)-1]
		e2e := fmt.Sprintf("E2E%013d", i)
		b.Transfers = append(b.Transfers, pain001.Transfer{EndToEndID: e2e, InstructionID: e2e,
			Amount: int64(100_00 + i), Currency: "TRY",
			Creditor:   pain001.Party{Name: "Tedarikçi Ltd. Şti. " + fmt.Sprint(i), IBAN: ibanA},
			Remittance: "Fatura ödemesi INV-" + fmt.Sprint(i) + " " + e2e})
	}
	return f
}

// BenchmarkEncode10k writes a 10,000-payment file (validation included).
func BenchmarkEncode10k(b *testing.B) {
	f := bigFile(10_000)
	var buf bytes.Buffer
	if err := f.Encode(&buf); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := f.Encode(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBigFileValidates checks the benchmark's file against the XSD, so the benchmark measures a
// valid file.
func TestBigFileValidates(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var buf bytes.Buffer
	if err := bigFile(10_000).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	xsdValid(t, "pain.001.001.09.xsd", buf.Bytes())
}
