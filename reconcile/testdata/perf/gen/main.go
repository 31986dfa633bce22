// Command gen writes the reconciliation benchmark data: payments.csv (the offline payments format:
// id, amount in minor units, currency, method, from_account, to_account, reference, description,
// status, value_date) and statement.csv (an English bank export: date, value_date, amount,
// currency, reference, description, counterparty_iban), the data shape of
// shared/specs/perf-floor.md: amounts 1.00–100,000.99, EUR 64 %, USD 18 %, GBP 9 %, CHF 9 %, 1 % of
// payments share the previous one's reference (instalments); the statement is a permutation of the
// payments: 90 % carry the reference, 5 % carry none (amount, currency and date only), 5 % are
// noise (unknown reference, random amount). Deterministic: PCG seeded with 42/2026.
//
//	go run ./reconcile/testdata/perf/gen -n 1000000 -dir /tmp/perf
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

var (
	currencies = []string{"EUR", "USD", "GBP", "CHF"}
	weights    = []int{64, 18, 9, 9}
	companies  = []string{"Rossi S.p.A.", "Yılmaz Tekstil A.Ş.", "Müller GmbH", "Dupont SARL", "Smith & Sons Ltd",
		"Kaya Lojistik", "Nordic AB", "Garcia y Hijos, S.L.", "Öztürk Gıda", "Brown, Green and Co"}
	kinds = []string{"SEPA CT", "EFT", "FAST", "SWIFT", "HAVALE"}
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func main() {
	n := flag.Int("n", 1_000_000, "number of payments (and statement lines)")
	dir := flag.String("dir", "perfdata", "output directory")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(42, 2026))
	type pay struct {
		id, ref, cur, desc, date string
		amount                   int64
	}
	pays := make([]pay, *n)
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
		p.cur = pick(rng)
		p.date = start.AddDate(0, 0, rng.IntN(150)).Format("2006-01-02")
		if i > 0 && rng.IntN(100) == 0 {
			p.ref = pays[i-1].ref
		} else {
			p.ref = fmt.Sprintf("INV-2026-%06d", rng.IntN(1_000_000))
		}
		c := companies[rng.IntN(len(companies))]
		p.desc = kinds[rng.IntN(len(kinds))] + " " + c + " order " + strconv.Itoa(100000+rng.IntN(900000))
	}
	write(filepath.Join(*dir, "payments.csv"), "id,amount,currency,method,from_account,to_account,reference,description,status,value_date\n",
		len(pays), func(w *bufio.Writer, i int) {
			p := &pays[i]
			fmt.Fprintf(w, "%s,%d,%s,bank_transfer,acc_01KAWW1Y0000000000000OWN,acc_01KAWW1Y00000000000VENDR,%s,%s,settled,%s\n",
				p.id, p.amount, p.cur, p.ref, quote(p.desc), p.date)
		})
	perm := rng.Perm(len(pays))
	write(filepath.Join(*dir, "statement.csv"), "date,value_date,amount,currency,reference,description,counterparty_iban\n",
		len(perm), func(w *bufio.Writer, i int) {
			p := &pays[perm[i]]
			ref, amount, desc := p.ref, p.amount, p.desc
			switch r := rng.IntN(100); {
			case r < 5:
				ref = ""
			case r < 10:
				ref = fmt.Sprintf("XX-%07d", rng.IntN(10_000_000))
				amount = 100 + rng.Int64N(10_000_000)
				desc = "Unknown transfer " + strconv.Itoa(rng.IntN(1_000_000))
			}
			fmt.Fprintf(w, "%s,%s,%d.%02d,%s,%s,%s,%s\n", p.date, p.date, amount/100, amount%100, p.cur, ref, quote(desc), iban(rng))
		})
}

func pick(rng *rand.Rand) string {
	r := rng.IntN(100)
	for i, w := range weights {
		if r < w {
			return currencies[i]
		}
		r -= w
	}
	return currencies[0]
}

func quote(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' || s[i] == '"' {
			return strconv.Quote(s)
		}
	}
	return s
}

// iban returns a checksum-valid German IBAN.
func iban(rng *rand.Rand) string {
	bban := fmt.Sprintf("%08d%010d", rng.IntN(100_000_000), rng.Int64N(10_000_000_000))
	r := 0
	for _, c := range bban + "131400" { // DE = 13 14, then 00
		r = (r*10 + int(c-'0')) % 97
	}
	return fmt.Sprintf("DE%02d%s", 98-r, bban)
}

func write(path, header string, n int, row func(*bufio.Writer, int)) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(header)
	for i := 0; i < n; i++ {
		row(w, i)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
