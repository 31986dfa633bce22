package reconciletest

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

var (
	perfCurrencies = []string{"EUR", "USD", "GBP", "CHF"}
	perfWeights    = []int{64, 18, 9, 9}
	perfCompanies  = []string{"Rossi S.p.A.", "Yılmaz Tekstil A.Ş.", "Müller GmbH", "Dupont SARL", "Smith & Sons Ltd",
		"Kaya Lojistik", "Nordic AB", "Garcia y Hijos, S.L.", "Öztürk Gıda", "Brown, Green and Co"}
	perfKinds = []string{"SEPA CT", "EFT", "FAST", "SWIFT", "HAVALE"}
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// WritePerfData writes the reconciliation benchmark data for n payments: a payments CSV in the offline
// format (id, amount in minor units, currency, method, from_account, to_account, reference,
// description, status, value_date) and a statement CSV as an English bank export (date, value_date,
// amount, currency, reference, description, counterparty_iban). It is the data shape of the
// project's performance floor: amounts 1.00–100,000.99; EUR 64 %, USD 18 %, GBP 9 %, CHF 9 %; 1 % of
// payments share the previous one's reference (instalments); the statement is a permutation of the
// payments in which 90 % of lines carry the reference, 5 % carry none (amount, currency and date
// only) and 5 % are noise (unknown reference, random amount). Deterministic: PCG seeded 42/2026.
func WritePerfData(n int, payments, statement io.Writer) error {
	rng := rand.New(rand.NewPCG(42, 2026))
	type pay struct {
		id, ref, cur, desc, date string
		amount                   int64
	}
	pays := make([]pay, n)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range pays {
		p := &pays[i]
		var u [26]byte
		ms := uint64(start.UnixMilli()) + uint64(i)
		for j := 9; j >= 0; j-- {
			u[j] = crockford[ms&31]
			ms >>= 5
		}
		for j := 10; j < 26; j++ {
			u[j] = crockford[rng.IntN(32)]
		}
		p.id = "pay_" + string(u[:])
		p.amount = 100 + rng.Int64N(10_000_000)
		p.cur = perfCurrency(rng)
		p.date = start.AddDate(0, 0, rng.IntN(150)).Format("2006-01-02")
		if i > 0 && rng.IntN(100) == 0 {
			p.ref = pays[i-1].ref
		} else {
			p.ref = fmt.Sprintf("INV-2026-%06d", rng.IntN(1_000_000))
		}
		c := perfCompanies[rng.IntN(len(perfCompanies))]
		p.desc = perfKinds[rng.IntN(len(perfKinds))] + " " + c + " order " + strconv.Itoa(100000+rng.IntN(900000))
	}
	w := bufio.NewWriterSize(payments, 1<<20)
	w.WriteString("id,amount,currency,method,from_account,to_account,reference,description,status,value_date\n")
	for i := range pays {
		p := &pays[i]
		fmt.Fprintf(w, "%s,%d,%s,bank_transfer,acc_01KAWW1Y0000000000000OWN,acc_01KAWW1Y00000000000VENDR,%s,%s,settled,%s\n",
			p.id, p.amount, p.cur, p.ref, csvQuote(p.desc), p.date)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	w = bufio.NewWriterSize(statement, 1<<20)
	w.WriteString("date,value_date,amount,currency,reference,description,counterparty_iban\n")
	for _, pi := range rng.Perm(n) {
		p := &pays[pi]
		ref, amount, desc := p.ref, p.amount, p.desc
		switch r := rng.IntN(100); {
		case r < 5:
			ref = ""
		case r < 10:
			ref = fmt.Sprintf("XX-%07d", rng.IntN(10_000_000))
			amount = 100 + rng.Int64N(10_000_000)
			desc = "Unknown transfer " + strconv.Itoa(rng.IntN(1_000_000))
		}
		fmt.Fprintf(w, "%s,%s,%d.%02d,%s,%s,%s,%s\n", p.date, p.date, amount/100, amount%100, p.cur, ref, csvQuote(desc), germanIBAN(rng))
	}
	return w.Flush()
}

func perfCurrency(rng *rand.Rand) string {
	r := rng.IntN(100)
	for i, w := range perfWeights {
		if r < w {
			return perfCurrencies[i]
		}
		r -= w
	}
	return perfCurrencies[0]
}

func csvQuote(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' || s[i] == '"' {
			return strconv.Quote(s)
		}
	}
	return s
}

// germanIBAN returns a checksum-valid German IBAN.
func germanIBAN(rng *rand.Rand) string {
	bban := fmt.Sprintf("%08d%010d", rng.IntN(100_000_000), rng.Int64N(10_000_000_000))
	r := 0
	for _, c := range bban + "131400" { // D=13 E=14, check digits 00
		r = (r*10 + int(c-'0')) % 97
	}
	return fmt.Sprintf("DE%02d%s", 98-r, bban)
}
