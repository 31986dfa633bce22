package reconcile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/payment"
)

// Fingerprints are persisted by stores (re-imported statements are de-duplicated with them): the
// tests below pin them, for every input shape, to the first implementation (fingerprintReference).

// fingerprintReference is Statement.Fingerprint as it was first written: one SHA-256 of
// fingerprintKey per entry, a map of the first 16 bytes of the hashes seen, and a second SHA-256 of
// the hash and the occurrence number (big-endian uint32) for a repeat; the first 12 bytes in hex.
func fingerprintReference(s *Statement) []string {
	seen := make(map[[16]byte]uint32)
	fps := make([]string, len(s.Entries))
	for i := range s.Entries {
		h := sha256.Sum256(fingerprintKey(nil, s.Account, &s.Entries[i]))
		k := [16]byte(h[:16])
		seen[k]++
		if n := seen[k]; n > 1 {
			h = sha256.Sum256(binary.BigEndian.AppendUint32(h[:], n))
		}
		fps[i] = hex.EncodeToString(h[:12])
	}
	return fps
}

// fpRand is a tiny deterministic generator (SplitMix64), so that the golden digest never depends on
// the standard library's random streams.
type fpRand uint64

func (r *fpRand) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *fpRand) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *fpRand) pick(s ...string) string { return s[r.intn(len(s))] }

// text returns n runes of Turkish text, sometimes with spaces around it (TrimSpace leaves them out of
// the key).
func (r *fpRand) text(n int) string {
	const words = "ödeme fatura TOPLU ÖDEME Şişli İstanbul çağrı ğüşıöç EFT havale /EREF/ /REMI/ 2024-07 "
	var b strings.Builder
	switch r.intn(6) {
	case 0:
		b.WriteString("  ")
	case 1:
		b.WriteString("\t")
	}
	rs := []rune(words)
	start := r.intn(len(rs))
	for i := range n {
		b.WriteRune(rs[(start+i)%len(rs)])
	}
	if r.intn(5) == 0 {
		b.WriteString(" \n")
	}
	return b.String()
}

func (r *fpRand) entry() Entry {
	e := Entry{
		ValueDate: payment.Date(19_000 + r.intn(400)),
		Amount:    int64(r.next() % 10_000_000),
		Direction: Debit,
		Currency:  payment.Currency(r.pick("TRY", "EUR", "USD", "")),
		Position:  fmt.Sprint("line ", r.intn(1000)),
	}
	if r.intn(2) == 0 {
		e.Direction = Credit
	}
	if r.intn(3) == 0 {
		e.BookingDate = e.ValueDate - payment.Date(r.intn(3))
	}
	e.Reversal = r.intn(20) == 0
	if r.intn(2) == 0 {
		e.CustomerRef = fmt.Sprintf("INV-%d", r.intn(100_000))
	}
	if r.intn(3) == 0 {
		e.BankRef = r.text(r.intn(20))
	}
	if r.intn(4) == 0 {
		e.EndToEnd = fmt.Sprintf("E2E%016x", r.next())
	}
	switch r.intn(8) {
	case 0: // beyond the 512-byte key buffer
		e.Remittance = r.text(200 + r.intn(1500))
	case 1, 2:
	default:
		e.Remittance = r.text(r.intn(80))
	}
	e.CounterpartyName = r.text(r.intn(20)) // not in the key
	if r.intn(3) == 0 {
		e.CounterpartyIBAN = r.pick("TR330006100519786457841326", " TR330006100519786457841326 ", "DE89370400440532013000")
	}
	return e
}

// fpStatements generates statements of many sizes: empty, one entry, small and large (beyond the
// parallel threshold), with exact repeats (up to many occurrences), entries that differ only by
// spaces the key trims, and long accounts.
func fpStatements() []Statement {
	r := fpRand(20240701)
	var sts []Statement
	for _, n := range []int{0, 1, 2, 3, 7, 64, 333, 1000, 4095, 4096, 5000, 9001, 20_000} {
		st := Statement{Format: "csv", Account: r.pick("", "TR330006100519786457841326", strings.Repeat("ACCOUNT/", 80))}
		var pool []Entry
		for range n {
			switch k := r.intn(10); {
			case k < 3 && len(pool) > 0: // an exact repeat, possibly of a repeat
				st.Entries = append(st.Entries, pool[r.intn(len(pool))])
			case k == 3 && len(pool) > 0: // the same booking, with spaces the key trims
				e := pool[r.intn(len(pool))]
				e.CustomerRef = " " + e.CustomerRef + " "
				e.Position = "elsewhere"
				st.Entries = append(st.Entries, e)
			default:
				e := r.entry()
				if len(pool) < 50 || r.intn(4) == 0 {
					pool = append(pool, e)
				}
				st.Entries = append(st.Entries, e)
			}
		}
		sts = append(sts, st)
	}
	// One booking a thousand times: occurrence numbers past 255.
	same := Statement{Account: "X", Entries: make([]Entry, 1000)}
	for i := range same.Entries {
		same.Entries[i] = Entry{ValueDate: 20_000, Amount: 5000, Direction: Debit, Currency: "TRY"}
	}
	// Empty entries, and a statement of only empty entries.
	empty := Statement{Entries: make([]Entry, 5)}
	return append(sts, same, empty)
}

// TestFingerprintGolden pins the fingerprints of the generated statements by a digest, and a few
// literal ones (the first, second and empty ones were also computed apart, with Python's hashlib).
func TestFingerprintGolden(t *testing.T) {
	sts := fpStatements()
	d := sha256.New()
	total := 0
	for i := range sts {
		sts[i].Fingerprint()
		for _, e := range sts[i].Entries {
			d.Write([]byte(e.Fingerprint))
			d.Write([]byte{'\n'})
		}
		total += len(sts[i].Entries)
	}
	assert.Equal(t, 44_607, total)
	assert.Equal(t, "9a5a41dff01423d04ea8524e70ff18c2939a1cf65848edaa26e326f332f3bc22", hex.EncodeToString(d.Sum(nil)))

	same := sts[len(sts)-2].Entries
	empty := sts[len(sts)-1].Entries
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"first", same[0].Fingerprint, "7a10b183289c902bcedf4299"},
		{"second", same[1].Fingerprint, "1df3f7f82a842428a2f3862d"},
		{"third", same[2].Fingerprint, "30f915534ae26cef1c8cb19d"},
		{"256th", same[255].Fingerprint, "a670cad22056e3c264c76f98"},
		{"1000th", same[999].Fingerprint, "7533f915b01df1b14367b942"},
		{"empty", empty[0].Fingerprint, "015275e61fa0d0751c1d9f45"},
		{"empty 5th", empty[4].Fingerprint, "7ca25cc5e12c812a79aa907a"},
	} {
		assert.Equal(t, c.want, c.got, c.name)
	}
}

// TestFingerprintAll: the statements of a list fingerprinted together, by statement on several
// goroutines, get the fingerprints each gets alone when no two of them share an account and a
// currency.
func TestFingerprintAll(t *testing.T) {
	sts := fpStatements()
	FingerprintAll(sts)
	for i, st := range fpStatements() {
		st.Fingerprint()
		require.Len(t, sts[i].Entries, len(st.Entries))
		for k := range st.Entries {
			require.Equal(t, st.Entries[k].Fingerprint, sts[i].Entries[k].Fingerprint, "statement %d, entry %d", i, k)
		}
	}
	FingerprintAll(nil) // nothing to do
}

// TestFingerprintAllAcrossPages: a day's statement paged in two (MT940 :28C: 5/1 and 5/2) numbers the
// same fee on both pages #1 and #2, as the unpaged statement does; the same fee in a statement of
// another account, or in another currency, is that statement's own #1.
func TestFingerprintAllAcrossPages(t *testing.T) {
	fee := Entry{BookingDate: 20458, ValueDate: 20458, Amount: 500, Direction: Debit, Currency: "TRY", Remittance: "FEE"}
	other := Entry{BookingDate: 20458, ValueDate: 20458, Amount: 25000, Direction: Credit, Currency: "TRY", CustomerRef: "INV-7"}
	usd := fee
	usd.Currency = "USD"
	const acct = "TR330006100519786457841326"
	sts := []Statement{
		{Account: acct, Currency: "TRY", Entries: []Entry{fee, other}},
		{Account: "TR120001000000000000000001", Currency: "TRY", Entries: []Entry{fee}},
		{Account: acct, Currency: "USD", Entries: []Entry{usd}},
		{Account: acct, Currency: "TRY", Entries: []Entry{fee, fee}},
	}
	FingerprintAll(sts)
	whole := Statement{Account: acct, Currency: "TRY", Entries: []Entry{fee, other, fee, fee}}
	whole.Fingerprint()
	paged := []string{sts[0].Entries[0].Fingerprint, sts[0].Entries[1].Fingerprint, sts[3].Entries[0].Fingerprint, sts[3].Entries[1].Fingerprint}
	assert.Equal(t, []string{whole.Entries[0].Fingerprint, whole.Entries[1].Fingerprint, whole.Entries[2].Fingerprint,
		whole.Entries[3].Fingerprint}, paged, "the pages are numbered as the whole day")
	assert.Len(t, map[string]bool{paged[0]: true, paged[2]: true, paged[3]: true}, 3, "three fees, three fingerprints")
	for _, i := range []int{1, 2} {
		alone := Statement{Account: sts[i].Account, Currency: sts[i].Currency, Entries: slices.Clone(sts[i].Entries)}
		alone.Fingerprint()
		assert.Equal(t, alone.Entries[0].Fingerprint, sts[i].Entries[0].Fingerprint, "statement %d is its own #1", i)
	}
}

// TestFingerprintReference checks every generated statement, entry by entry, against
// fingerprintReference, hashed by Fingerprint and on 1 to 5 goroutines whatever its size.
func TestFingerprintReference(t *testing.T) {
	for _, st := range fpStatements() {
		want := fingerprintReference(&st)
		for workers := range 7 {
			switch workers {
			case 0:
				st.Fingerprint()
			case 6: // in parts, as decoders that read on several goroutines do
				keys := make([][16]byte, len(st.Entries))
				for i := range st.Entries {
					keys[i] = EntryHash(st.Account, &st.Entries[i])
					st.Entries[i].Fingerprint = string(AppendFingerprint(nil, "", nil, keys[i], 1))
				}
				for _, r := range Repeats(keys) {
					e := &st.Entries[r.Entry]
					e.Fingerprint = string(AppendFingerprint(nil, st.Account, e, keys[r.Entry], r.N))
				}
			default:
				st.fingerprint(workers)
			}
			require.Len(t, st.Entries, len(want))
			for i, e := range st.Entries {
				if e.Fingerprint != want[i] {
					t.Fatalf("statement of %d entries, %d workers, entry %d: fingerprint %s, want %s",
						len(st.Entries), workers, i, e.Fingerprint, want[i])
				}
			}
		}
	}
}

// TestRepeatTable counts crafted keys a real hash would hardly ever give: the same first 8 bytes
// (slot and tag) with different last 8, the same slot with different tags, probes that wrap around the
// end of the table.
func TestRepeatTable(t *testing.T) {
	key := func(lo, hi uint64) (k [16]byte) {
		binary.LittleEndian.PutUint64(k[:8], lo)
		binary.LittleEndian.PutUint64(k[8:], hi)
		return k
	}
	last := uint64(7) // the last slot of the table of 5 keys (8 slots)
	keys := [][16]byte{
		// Same slot and tag, counted apart by their last 8 bytes; the second wraps around to slot 0.
		key(last, 1), key(last, 2), key(last, 1),
		key(last|1<<32, 1), // same slot, other tag
		key(last, 1),
	}
	tab := newRepeatTable(keys, len(keys))
	require.Len(t, tab.slots, 8)
	var got []uint32
	for i := range keys {
		got = append(got, tab.add(binary.LittleEndian.Uint64(keys[i][:8]), uint32(i)))
	}
	assert.Equal(t, []uint32{1, 1, 2, 1, 3}, got)
}

// TestTrimSpace: the key's trimming is strings.TrimSpace on every kind of edge.
func TestTrimSpace(t *testing.T) {
	for _, s := range []string{"", "a", " ", "ab", " a", "a ", "\ta\n", "\u00a0INV-1", "INV-1\u3000",
		"\u0085x", "x\u2028", "é", "xé", "\xff", "a\xc2", "\xc2\xa0", "INV 2024 001", "  INV-1  "} {
		require.Equal(t, strings.TrimSpace(s), trimSpace(s), "%q", s)
	}
}

// TestRepeatsInParts: Repeats, counting a large list part by part, lists the same repeats in the
// same order as counting the keys one by one in a map.
func TestRepeatsInParts(t *testing.T) {
	r := fpRand(7)
	for _, n := range []int{repeatPart - 1, repeatPart + 1, 50_000} {
		pool := make([][16]byte, n/3)
		for i := range pool {
			binary.LittleEndian.PutUint64(pool[i][:8], uint64(r.intn(1<<62)))
			binary.LittleEndian.PutUint64(pool[i][8:], uint64(r.intn(1<<62))<<2|uint64(r.intn(4)))
		}
		// Keys that agree in their first 4 or 8 bytes (what the table probes with) and differ after.
		for i := 0; i+1 < len(pool); i += 50 {
			copy(pool[i+1][:4+4*(i/50%2)], pool[i][:])
		}
		keys := make([][16]byte, n)
		seen := make(map[[16]byte]uint32)
		var want []Repeat
		for i := range keys {
			keys[i] = pool[r.intn(len(pool))]
			seen[keys[i]]++
			if c := seen[keys[i]]; c > 1 {
				want = append(want, Repeat{Entry: i, N: c})
			}
		}
		require.NotEmpty(t, want)
		assert.Equal(t, want, Repeats(keys), "%d keys", n)
	}
}

// TestEntryHasher: a reused EntryHasher gives EntryHash for every generated entry, keys longer than
// its first buffer (an account of 640 bytes) included.
func TestEntryHasher(t *testing.T) {
	require.True(t, stateIsDigest(), "crypto/sha256's saved state changed layout: EntryHasher hashes the usual way, slower")
	var x EntryHasher
	n := 0
	for _, st := range fpStatements() {
		for i := range st.Entries {
			require.Equal(t, EntryHash(st.Account, &st.Entries[i]), x.Hash(st.Account, &st.Entries[i]))
			n++
		}
	}
	require.Greater(t, n, 10_000)
	// Every length of key modulo a block, and keys of several blocks: the padding is SHA-256's.
	e := Entry{ValueDate: 20000, Amount: 1, Direction: Credit, Currency: "EUR"}
	for l := range 300 {
		e.Remittance = strings.Repeat("x", l)
		require.Equal(t, EntryHash("TR33", &e), x.Hash("TR33", &e), "remittance of %d bytes", l)
	}
}

// TestPadSHA256: a padded message is whole blocks, ending with SHA-256's padding (TestEntryHasher
// checks the digests).
func TestPadSHA256(t *testing.T) {
	for n := range 200 {
		m := padSHA256(bytes.Repeat([]byte{'a'}, n))
		require.Zero(t, len(m)%64, "%d bytes", n)
		require.Equal(t, byte(0x80), m[n])
		require.Equal(t, uint64(n*8), binary.BigEndian.Uint64(m[len(m)-8:]))
	}
}
