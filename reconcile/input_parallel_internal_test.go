package reconcile

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// paymentsFile writes a payments CSV of n rows in which rng sprinkles what a real export has and
// what a broken one has: quoted descriptions with commas, doubled quotes and line breaks, blank
// lines, CRLF line ends, quoted line breaks (when breaks is set: they end the parallel reading of
// the run they lie across), and (when bad) rows with problems and a repeated id.
func paymentsFile(rng *rand.Rand, n int, breaks, bad bool) string {
	var b strings.Builder
	if rng.IntN(2) == 0 {
		b.WriteString("\xEF\xBB\xBF")
	}
	b.WriteString("id,amount,currency,method,from_account,to_account,reference,description,status,value_date\n")
	nl := "\n"
	if rng.IntN(3) == 0 {
		nl = "\r\n"
	}
	for i := range n {
		desc := fmt.Sprintf("order %d", i)
		switch rng.IntN(20) {
		case 0:
			desc = fmt.Sprintf(`"Brown, Green and Co order %d"`, i)
		case 1:
			desc = fmt.Sprintf(`"the ""big"" one %d"`, i)
		case 2:
			if breaks && rng.IntN(4) == 0 {
				desc = fmt.Sprintf("\"two%slines %d\"", nl, i)
			}
		case 3:
			b.WriteString(nl) // a blank line
		case 4:
			desc = strings.Repeat("long ", 60+rng.IntN(400)) // longer than the smallest runs
		}
		amount := fmt.Sprint(1 + rng.IntN(1_000_000))
		id := fmt.Sprintf("pay_%026d", i)
		if bad && i > 2200 { // past the rows read line by line before the runs
			switch rng.IntN(2000) {
			case 0:
				amount = "12.5"
			case 1:
				id = "pay_" + fmt.Sprintf("%026d", rng.IntN(i+1)) // maybe an id seen before
			case 2:
				desc = `"unterminated`
			case 3:
				desc = `a "bare" quote`
			}
		}
		fmt.Fprintf(&b, "%s,%s,%s,bank_transfer,acc_01KAWW1Y0000000000000OWN,acc_01KAWW1Y00000000000VENDR,INV-%d,%s,settled,2026-%02d-%02d%s",
			id, amount, []string{"EUR", "USD", "TRY"}[rng.IntN(3)], i, desc, 1+rng.IntN(12), 1+rng.IntN(28), nl)
	}
	s := b.String()
	if rng.IntN(2) == 0 {
		s = strings.TrimSuffix(s, nl) // no line break at the end
	}
	return s
}

// readPaymentsBoth reads in with the parallel reading and line by line.
func readPaymentsBoth(t *testing.T, in string, block int) (par, seq []Payment, parErr, seqErr error) {
	t.Helper()
	defer func(b int) { paymentsBlock, parallelPayments = b, true }(paymentsBlock)
	paymentsBlock = block
	par, parErr = readPaymentsCSV(strings.NewReader(in), int64(len(in)))
	parallelPayments = false
	seq, seqErr = readPaymentsCSV(strings.NewReader(in), int64(len(in)))
	return par, seq, parErr, seqErr
}

// TestReadPaymentsParallel: on files with every kind of line, good and bad, cut into runs of many
// sizes (down to a few lines), the parallel reading gives exactly the payments, or exactly the
// problems with their lines, that the reading line by line gives.
func TestReadPaymentsParallel(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: the parallel reading is not used")
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 40 {
		in := paymentsFile(rng, 2500+rng.IntN(3000), round%2 == 0, round%4 == 3)
		for _, block := range []int{256, 1000 + rng.IntN(4000), 64 << 10} {
			par, seq, parErr, seqErr := readPaymentsBoth(t, in, block)
			if seqErr != nil || parErr != nil {
				require.Error(t, seqErr, "round %d block %d", round, block)
				require.Error(t, parErr, "round %d block %d", round, block)
				require.Equal(t, seqErr.Error(), parErr.Error(), "round %d block %d", round, block)
				continue
			}
			require.Equal(t, len(seq), len(par), "round %d block %d", round, block)
			require.Equal(t, seq, par, "round %d block %d", round, block)
		}
	}
}

// TestReadPaymentsParallelShortRoom: when the size the result was made for is too small (a size
// that was not the file's), the runs that do not fit are read line by line, and nothing is lost.
func TestReadPaymentsParallelShortRoom(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: the parallel reading is not used")
	}
	in := paymentsFile(rand.New(rand.NewPCG(5, 8)), 8000, false, false)
	defer func(b int) { paymentsBlock = b }(paymentsBlock)
	paymentsBlock = 4096
	want, err := readPaymentsCSV(strings.NewReader(in), int64(len(in)))
	require.NoError(t, err)
	got, err := readPaymentsCSV(strings.NewReader(in), int64(len(in)/3))
	require.NoError(t, err)
	require.Len(t, got, 8000)
	require.Equal(t, want, got)
}

// TestReadPaymentsParallelRuns: the runs are really read in parallel and joined (not all handed
// back to the reading line by line): a clean file cut into small runs reads the same, and its
// result was filled in place.
func TestReadPaymentsParallelRuns(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: the parallel reading is not used")
	}
	var b strings.Builder
	b.WriteString("id,amount,currency,reference,value_date\n")
	for i := range 10000 {
		fmt.Fprintf(&b, "pay_%026d,%d,EUR,INV-%d,2026-05-01\n", i, i+1, i)
	}
	in := b.String()
	defer func(b int) { paymentsBlock = b }(paymentsBlock)
	paymentsBlock = 4096
	cr := newCSVReader(strings.NewReader(in))
	for range 1 + parallelPaymentsFrom {
		_, err := cr.read()
		require.NoError(t, err)
	}
	pp := &payParser{cols: payCols{id: 0, amount: 1, currency: 2, method: -1, from: -1, to: -1, ref: 3, desc: -1,
		status: -1, date: 4, batch: -1}, seed: maphash.MakeSeed()}
	out, rows := make([]Payment, 0, 10000), make([]payRow, 0, 10000)
	require.Nil(t, readPaymentsParallel(cr, pp, &out, &rows), "everything is read in runs")
	require.Len(t, out, 10000-parallelPaymentsFrom)
	for k, p := range out {
		i := parallelPaymentsFrom + k
		require.Equal(t, fmt.Sprintf("pay_%026d", i), string(p.ID))
		require.Equal(t, int64(i+1), p.Amount)
		require.Equal(t, pp.row(&p, i+2), rows[k], "the line and id hash of payment %d", i)
	}
}

// TestReadPaymentsParallelReadError: a read error after the first runs is reported at the line the
// reading line by line reports it at.
func TestReadPaymentsParallelReadError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	in := paymentsFile(rng, 6000, false, false)
	boom := errors.New("disk on fire")
	for _, cut := range []int{len(in) / 2, len(in) - 10} {
		var errs [2]error
		for i, parallel := range []bool{true, false} {
			func() {
				defer func(b int) { paymentsBlock, parallelPayments = b, true }(paymentsBlock)
				paymentsBlock, parallelPayments = 2048, parallel
				r := io.MultiReader(strings.NewReader(in[:cut]), errReader{boom})
				_, errs[i] = readPaymentsCSV(r, int64(len(in)))
			}()
		}
		require.ErrorIs(t, errs[0], boom)
		require.Equal(t, errs[1].Error(), errs[0].Error())
	}
}

// BenchmarkReadPaymentsCSV reads 200,000 payments of the benchmark's shape, on several goroutines and
// line by line.
func BenchmarkReadPaymentsCSV(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 5))
	in := []byte(paymentsFile(rng, 200_000, false, false))
	for _, parallel := range []bool{true, false} {
		b.Run(map[bool]string{true: "parallel", false: "lines"}[parallel], func(b *testing.B) {
			defer func() { parallelPayments = true }()
			parallelPayments = parallel
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := readPaymentsCSV(bytes.NewReader(in), int64(len(in))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// stallingReader returns its text, then nothing and no error, forever.
type stallingReader struct{ text string }

func (s *stallingReader) Read(p []byte) (int, error) {
	n := copy(p, s.text)
	s.text = s.text[n:]
	return n, nil
}

// TestReadPaymentsParallelStall: a reader that stops giving anything without an error ends the
// reading with io.ErrNoProgress, as the reading line by line does, instead of hanging.
func TestReadPaymentsParallelStall(t *testing.T) {
	in := paymentsFile(rand.New(rand.NewPCG(2, 2)), 5000, false, false)
	for _, parallel := range []bool{true, false} {
		func() {
			defer func() { parallelPayments = true }()
			parallelPayments = parallel
			_, err := readPaymentsCSV(&stallingReader{in}, int64(len(in)))
			require.ErrorIs(t, err, io.ErrNoProgress, "parallel %v", parallel)
		}()
	}
}

// FuzzReadPaymentsParallel: whatever follows the rows read line by line (here 2,100 good ones), cut
// into runs as small as 300 bytes, the parallel reading gives what the reading line by line gives:
// the same payments, or the same problems on the same lines.
func FuzzReadPaymentsParallel(f *testing.F) {
	f.Add("pay_a,1,EUR,INV-1,2026-01-02\n", uint16(300))
	f.Add("pay_b,\"2\",EUR,\"INV\n2\",2026-01-02\r\n\npay_c,3,TRY,x,2026-01-03", uint16(1000))
	f.Add("pay_d,1,EUR,\"a \"\"b\"\" c\",2026-01-02\npay_0000000000000000000000000007,5,EUR,r,2026-02-30\n", uint16(4000))
	f.Add("pay_e,1,EUR,a\"b,2026-01-02\n"+strings.Repeat("pay_f,1,EUR,long,2026-01-02\n", 40), uint16(500))
	var head strings.Builder
	head.WriteString("id,amount,currency,reference,value_date\n")
	for i := range 2100 {
		fmt.Fprintf(&head, "pay_%026d,%d,EUR,INV-%d,2026-05-01\n", i, i+1, i)
	}
	f.Fuzz(func(t *testing.T, tail string, block uint16) {
		if runtime.GOMAXPROCS(0) < 2 {
			t.Skip("one core: the parallel reading is not used")
		}
		in := head.String() + strings.Repeat(tail, 1+20000/(len(tail)+1))
		par, seq, parErr, seqErr := readPaymentsBoth(t, in, 300+int(block)%8000)
		if seqErr != nil || parErr != nil {
			require.Error(t, seqErr)
			require.Error(t, parErr)
			require.Equal(t, seqErr.Error(), parErr.Error())
			return
		}
		require.Equal(t, seq, par)
	})
}

// TestDuplicateIDs: the check compares ids only where their hashes agree, and then compares the ids
// themselves. Every row here has the same hash: distinct ids are still distinct, and each repeat is
// reported against the first line of its id.
func TestDuplicateIDs(t *testing.T) {
	ids := []string{"pay_a", "pay_b", "pay_a", "pay_c", "pay_b", "pay_a"}
	ps := make([]Payment, len(ids))
	rows := make([]payRow, len(ids))
	for i, id := range ids {
		ps[i].ID = payment.ID(id)
		rows[i] = payRow{line: int32(10 + i), idHash: 0xC0FFEE}
	}
	var errs Errors
	duplicateIDs(ps, rows, &errs)
	var got []string
	for _, e := range errs.list {
		got = append(got, e.Error())
	}
	require.Equal(t, []string{
		"payments csv: line 12 id: pay_a is already on line 10",
		"payments csv: line 14 id: pay_b is already on line 11",
		"payments csv: line 15 id: pay_a is already on line 10",
	}, got)

	errs = Errors{}
	duplicateIDs(ps[:2], rows[:2], &errs)
	require.NoError(t, errs.Err(), "two ids with one hash are not a repeat")
}
