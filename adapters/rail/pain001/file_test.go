package pain001_test

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orkesta/orkesta/adapters/rail/pain001"
	"github.com/orkesta/orkesta/payment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var versions = []struct {
	v   pain001.Version
	xsd string
}{
	{pain001.V09, "pain.001.001.09.xsd"},
	{pain001.V03, "pain.001.001.03.xsd"},
}

func encode(t testing.TB, f *pain001.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, f.Encode(&buf))
	return buf.Bytes()
}

func TestEncodeGolden(t *testing.T) {
	for _, tc := range versions {
		t.Run(string(tc.v), func(t *testing.T) {
			golden(t, string(tc.v)+".xml", encode(t, sampleFile(tc.v)))
		})
	}
}

func TestEncodeValidatesAgainstXSD(t *testing.T) {
	for _, tc := range versions {
		t.Run(string(tc.v), func(t *testing.T) {
			xsdValid(t, tc.xsd, encode(t, sampleFile(tc.v)))
		})
	}
	// The validator discriminates: a file without its MsgId is refused.
	t.Run("negative control", func(t *testing.T) {
		doc := encode(t, sampleFile(pain001.V09))
		doc = bytes.Replace(doc, []byte("<MsgId>MSG-2026-0001</MsgId>"), nil, 1)
		out, err := xsdCheck(t, "pain.001.001.09.xsd", doc)
		assert.Error(t, err)
		assert.Contains(t, string(out), "pain.001.001.09}MsgId )")
	})
	// Currencies with 0 and 3 decimals, and the largest amount that fits 18 digits.
	for _, cur := range []payment.Currency{"JPY", "KWD", "EUR"} {
		t.Run("currency "+string(cur), func(t *testing.T) {
			f := sampleFile(pain001.V09)
			f.Currency = cur
			f.Batches[1].Transfers[0].Amount = 999_999_999_999_999_999
			for i := range f.Batches {
				for j := range f.Batches[i].Transfers {
					f.Batches[i].Transfers[j].Currency = cur
				}
			}
			f.Batches[0].Transfers = f.Batches[0].Transfers[:0:0]
			f.Batches = f.Batches[1:]
			xsdValid(t, "pain.001.001.09.xsd", encode(t, f))
		})
	}
}

// parsed is what a bank reads of a file: the totals and the transfers with their amount text.
type parsed struct {
	NbOfTxs string `xml:"CstmrCdtTrfInitn>GrpHdr>NbOfTxs"`
	CtrlSum string `xml:"CstmrCdtTrfInitn>GrpHdr>CtrlSum"`
	PmtInf  []struct {
		ID      string `xml:"PmtInfId"`
		NbOfTxs string `xml:"NbOfTxs"`
		CtrlSum string `xml:"CtrlSum"`
		Date    struct {
			V03 string `xml:",chardata"`
			V09 string `xml:"Dt"`
		} `xml:"ReqdExctnDt"`
		Tx []struct {
			EndToEndID string `xml:"PmtId>EndToEndId"`
			Amount     struct {
				Ccy  string `xml:"Ccy,attr"`
				Text string `xml:",chardata"`
			} `xml:"Amt>InstdAmt"`
			Creditor string `xml:"Cdtr>Nm"`
			IBAN     string `xml:"CdtrAcct>Id>IBAN"`
			Ustrd    string `xml:"RmtInf>Ustrd"`
		} `xml:"CdtTrfTxInf"`
	} `xml:"CstmrCdtTrfInitn>PmtInf"`
}

// TestTotalsReadBack reads the written file back as a bank would and checks that NbOfTxs and CtrlSum
// are the count and the exact sum of the amounts it carries, per batch and for the file, and that
// every end-to-end id, amount and creditor survives.
func TestTotalsReadBack(t *testing.T) {
	for _, tc := range versions {
		t.Run(string(tc.v), func(t *testing.T) {
			f := sampleFile(tc.v)
			var got parsed
			require.NoError(t, xml.Unmarshal(encode(t, f), &got))
			var fileN int
			var fileSum int64
			require.Len(t, got.PmtInf, len(f.Batches))
			for i, b := range got.PmtInf {
				var n int
				var sum int64
				require.Len(t, b.Tx, len(f.Batches[i].Transfers))
				for j, tx := range b.Tx {
					want := f.Batches[i].Transfers[j]
					minor, err := payment.ParseMinor(tx.Amount.Text, payment.Currency(tx.Amount.Ccy))
					require.NoError(t, err)
					assert.Equal(t, want.Amount, minor)
					assert.Equal(t, want.EndToEndID, tx.EndToEndID)
					assert.Equal(t, want.Creditor.Name, tx.Creditor, "escaped and read back intact")
					assert.Equal(t, want.Creditor.IBAN, tx.IBAN)
					assert.Equal(t, want.Remittance, tx.Ustrd)
					n++
					sum += minor
				}
				assert.Equal(t, strconv.Itoa(n), b.NbOfTxs)
				ctrl, err := payment.ParseMinor(b.CtrlSum, "TRY")
				require.NoError(t, err)
				assert.Equal(t, sum, ctrl)
				assert.Equal(t, f.Batches[i].ID, b.ID)
				assert.Equal(t, f.Batches[i].ExecutionDate.String(), strings.TrimSpace(b.Date.V03+b.Date.V09))
				fileN += n
				fileSum += sum
			}
			assert.Equal(t, strconv.Itoa(fileN), got.NbOfTxs)
			assert.Equal(t, payment.FormatMinor(fileSum, "TRY"), got.CtrlSum)
			assert.Equal(t, "1000001250.00", got.CtrlSum, "999,999,999.99 + 1,250.00 + 0.01")
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(f *pain001.File)
		fields []string
	}{
		{"valid", func(*pain001.File) {}, nil},
		{"version", func(f *pain001.File) { f.Version = "pain.001.001.12" }, []string{"version"}},
		{"message id too long", func(f *pain001.File) { f.MessageID = strings.Repeat("M", 36) }, []string{"message_id"}},
		{"no message id", func(f *pain001.File) { f.MessageID = "" }, []string{"message_id"}},
		{"no time", func(f *pain001.File) { f.CreatedAt = time.Time{} }, []string{"created_at"}},
		{"bad debtor iban", func(f *pain001.File) { f.Debtor.IBAN = "TR330006100519786457841327" }, []string{"debtor.iban"}},
		{"bad bic", func(f *pain001.File) { f.Debtor.BIC = "AKBK-TR" }, []string{"debtor.bic"}},
		{"bic with O in the location", func(f *pain001.File) { f.Debtor.BIC = "AKBKTRIO" }, []string{"debtor.bic"}},
		{"charge bearer", func(f *pain001.File) { f.ChargeBearer = "OUR" }, []string{"charge_bearer"}},
		{"no batches", func(f *pain001.File) { f.Batches = nil }, []string{"batches"}},
		{"empty batch", func(f *pain001.File) { f.Batches[1].Transfers = nil }, []string{"batches[1].transfers"}},
		{"zero amount", func(f *pain001.File) { f.Batches[0].Transfers[1].Amount = 0 }, []string{"batches[0].transfers[1].amount"}},
		{"19 digits", func(f *pain001.File) { f.Batches[0].Transfers[1].Amount = 1_000_000_000_000_000_000 },
			[]string{"batches[0].transfers[1].amount", "batches"}},
		{"currency", func(f *pain001.File) { f.Batches[1].Transfers[0].Currency = "EUR" }, []string{"batches[1].transfers[0].currency"}},
		{"end-to-end id", func(f *pain001.File) { f.Batches[1].Transfers[0].EndToEndID = "" }, []string{"batches[1].transfers[0].end_to_end_id"}},
		{"creditor name", func(f *pain001.File) { f.Batches[1].Transfers[0].Creditor.Name = strings.Repeat("ş", 141) },
			[]string{"batches[1].transfers[0].creditor.name"}},
		{"remittance 140 runes is fine", func(f *pain001.File) { f.Batches[1].Transfers[0].Remittance = strings.Repeat("ğ", 140) }, nil},
		{"remittance 141 runes", func(f *pain001.File) { f.Batches[1].Transfers[0].Remittance = strings.Repeat("ğ", 141) },
			[]string{"batches[1].transfers[0].remittance"}},
		{"fund code", func(f *pain001.File) { allIn(f, "CLF") }, []string{"currency"}},
		{"no minor units", func(f *pain001.File) { allIn(f, "XAU") }, []string{"currency"}},
		{"unknown currency", func(f *pain001.File) { allIn(f, "TRYY") }, []string{"currency"}},
		{"two problems", func(f *pain001.File) { f.MessageID = ""; f.Batches[0].ExecutionDate = 0 },
			[]string{"message_id", "batches[0].execution_date"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := sampleFile(pain001.V09)
			tc.mod(f)
			err := f.Validate()
			var fields []string
			for _, fe := range payment.FieldErrors(err) {
				fields = append(fields, fe.Field)
			}
			assert.Equal(t, tc.fields, fields)
			var buf bytes.Buffer
			if tc.fields != nil {
				assert.ErrorIs(t, err, payment.ErrInvalid)
				assert.Error(t, f.Encode(&buf))
				assert.Zero(t, buf.Len(), "an invalid file writes nothing")
			}
		})
	}
}

// allIn puts the file and every transfer in currency c.
func allIn(f *pain001.File, c payment.Currency) {
	f.Currency = c
	for i := range f.Batches {
		for j := range f.Batches[i].Transfers {
			f.Batches[i].Transfers[j].Currency = c
		}
	}
}

// TestValidateFundCode: a fund code (CLF, ISO 4217's Unidad de Fomento) has minor units but is no
// currency payments move; the file is refused on it, with payment.ParseCurrency's reason.
func TestValidateFundCode(t *testing.T) {
	f := sampleFile(pain001.V09)
	allIn(f, "CLF")
	assert.EqualError(t, f.Validate(), "payment: currency: CLF is a fund code, not a currency that payments move")
}

func TestValidateMasksIBANs(t *testing.T) {
	f := sampleFile(pain001.V09)
	f.Batches[0].Transfers[0].Creditor.IBAN = "TR320010009999901234567891"
	err := f.Validate()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "TR320010009999901234567891")
	assert.Contains(t, err.Error(), "7891")
}

func TestEscapesWhatXMLCannotHold(t *testing.T) {
	f := sampleFile(pain001.V09)
	f.Batches[1].Transfers[0].Remittance = "a\x01b\x00c & d\té\xff"
	out := encode(t, f)
	var got parsed
	require.NoError(t, xml.Unmarshal(out, &got), "the output stays well-formed")
	assert.Equal(t, "a\uFFFDb\uFFFDc & d\té\uFFFD", got.PmtInf[1].Tx[0].Ustrd)
}
