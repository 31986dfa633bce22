package camt053_test

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/camt053"
)

// generator streams a realistic camt.053.001.08 document of n entries (a third of them batches of
// three transaction details) without ever holding it: memory use of the test is the decoder's.
type generator struct {
	n, i  int
	stage int
	buf   bytes.Buffer
	total int64 // closing balance in minor units
}

func newGenerator(n int) *generator {
	g := &generator{n: n}
	for i := range n {
		g.total += g.amount(i)
	}
	return g
}

func (g *generator) amount(i int) int64 {
	a := int64(1000 + i*7919%900000)
	if i%3 == 1 {
		return -3 * a
	}
	return a
}

func (g *generator) Read(p []byte) (int, error) {
	for g.buf.Len() == 0 {
		switch {
		case g.stage == 0:
			fmt.Fprintf(&g.buf, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2024-06-30T23:00:00+03:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-2024-06</Id>
      <Acct><Id><IBAN>TR330006100519786457841326</IBAN></Id><Ccy>TRY</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="TRY">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-06-01</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="TRY">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Dt><Dt>2024-06-30</Dt></Dt></Bal>
`, minor(abs(g.total)), cdi(g.total))
			g.stage = 1
		case g.i < g.n:
			g.entry(g.i)
			g.i++
		case g.stage == 1:
			g.buf.WriteString("    </Stmt>\n  </BkToCstmrStmt>\n</Document>\n")
			g.stage = 2
		default:
			return 0, io.EOF
		}
	}
	return g.buf.Read(p)
}

func (g *generator) entry(i int) {
	a := g.amount(i)
	day := 1 + i%30
	fmt.Fprintf(&g.buf, `      <Ntry>
        <NtryRef>%d</NtryRef>
        <Amt Ccy="TRY">%s</Amt>
        <CdtDbtInd>%s</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2024-06-%02d</Dt></BookgDt>
        <ValDt><Dt>2024-06-%02d</Dt></ValDt>
        <AcctSvcrRef>BNK%010d</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls>
`, i, minor(abs(a)), cdi(a), day, day, i)
	parts := []int64{abs(a)}
	if i%3 == 1 {
		parts = []int64{abs(a) / 3, abs(a) / 3, abs(a) / 3}
		fmt.Fprintf(&g.buf, "          <Btch><PmtInfId>BATCH-%d</PmtInfId><NbOfTxs>3</NbOfTxs></Btch>\n", i)
	}
	for k, p := range parts {
		fmt.Fprintf(&g.buf, `          <TxDtls>
            <Refs><InstrId>INS-%d-%d</InstrId><EndToEndId>pay_01J%017d</EndToEndId></Refs>
            <Amt Ccy="TRY">%s</Amt><CdtDbtInd>%s</CdtDbtInd>
            <RltdPties>
              <Dbtr><Pty><Nm>Ayşe Yılmaz Tekstil San. ve Tic. A.Ş.</Nm></Pty></Dbtr>
              <DbtrAcct><Id><IBAN>TR330006100519786457841326</IBAN></Id></DbtrAcct>
              <Cdtr><Pty><Nm>Orkesta Ödeme Hizmetleri</Nm></Pty></Cdtr>
              <CdtrAcct><Id><IBAN>TR330006100519786457841326</IBAN></Id></CdtrAcct>
            </RltdPties>
            <RmtInf><Ustrd>FATURA %d ODEMESI HAZIRAN 2024</Ustrd></RmtInf>
          </TxDtls>
`, i, k, i*3+k, minor(p), cdi(a), i)
	}
	g.buf.WriteString("        </NtryDtls>\n      </Ntry>\n")
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func minor(v int64) string { return fmt.Sprintf("%d.%02d", v/100, v%100) }

func cdi(v int64) string {
	if v < 0 {
		return "DBIT"
	}
	return "CRDT"
}

func BenchmarkDecode(b *testing.B) {
	data, err := io.ReadAll(newGenerator(5000))
	require.NoError(b, err)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		sts, err := camt053.Decode(bytes.NewReader(data), camt053.Options{})
		if err != nil || len(sts) != 1 || len(sts[0].Warnings) != 0 {
			b.Fatal(err, sts[0].Warnings)
		}
	}
}

// BenchmarkStream reads documents of 2,000 and 20,000 entries straight from the generator and
// reports the peak live heap: the same for both (what grows with the file is B/op, all of it garbage
// collected as it goes).
func BenchmarkStream(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			size, _ := io.Copy(io.Discard, newGenerator(n))
			b.SetBytes(size)
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				peak = max(peak, streamPeak(b, n))
			}
			b.ReportMetric(float64(peak), "peak-heap-B")
		})
	}
}

// streamPeak streams n entries and returns the largest live heap (measured after a collection, ten
// times along the way): what the decoder holds, not the garbage it has not yet had collected.
func streamPeak(tb testing.TB, n int) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	var peak uint64
	count, every := 0, max(1, (n+(n+1)/3*2)/10)
	err := camt053.Stream(newGenerator(n), camt053.Options{}, func(st *reconcile.Statement, e *reconcile.Entry) error {
		if e == nil {
			if len(st.Warnings) != 0 {
				return fmt.Errorf("warnings: %v", st.Warnings)
			}
			return nil
		}
		if count++; count%every == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if want := n + (n+1)/3*2; count != want { // batches (i%3 == 1) are split in three
		tb.Fatalf("%d entries, want %d", count, want)
	}
	return peak
}

// Memory is flat in the file size: streaming a ten times larger document does not grow the heap.
func TestStreamMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("reads about 10 MB of XML")
	}
	small := streamPeak(t, 800)
	large := streamPeak(t, 8000)
	t.Logf("peak live heap: %d KiB for 800 entries, %d KiB for 8,000", small>>10, large>>10)
	assert.Less(t, large, small+256<<10, "live heap grew with the file")
}
