package reconcile

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/orkesta/orkesta/reconcile/internal/hugepage"
)

// fingerprintSize is the length of a fingerprint: the first 12 bytes of its SHA-256 in hex.
const fingerprintSize = 24

// parallelFingerprints is the number of entries from which Fingerprint hashes on GOMAXPROCS
// goroutines. Two goroutines break even near 512 entries on 2 cores; from 1,024 they save 15 %, from
// 4,096 30 %.
const parallelFingerprints = 1024

// Fingerprint sets every entry's Fingerprint: a hash of what the booking is, plus its occurrence number
// among identical bookings of the statement. Two identical 50.00 fees on one day get different
// fingerprints (#1 and #2), so re-importing an overlapping statement adds only what is new, and never
// merges two real bookings into one. One SHA-256 per entry: only a repeat (#2, #3, …) is hashed again
// with its occurrence number.
//
// Fingerprints are persisted: the output for any input must never change (see fingerprint_test.go).
func (s *Statement) Fingerprint() {
	workers := 1
	if len(s.Entries) >= parallelFingerprints {
		workers = runtime.GOMAXPROCS(0)
	}
	s.fingerprint(workers)
}

// FingerprintAll is Fingerprint for the statements of one file, with one difference: identical
// bookings are numbered across the file, not statement by statement. A bank that pages one day's
// statement (MT940 :28C: 5/1, 5/2) books the same 5.00 fee on two pages as two entries, which must
// stay two (#1 and #2), not one fee seen twice. Bookings of different accounts or currencies never
// count as identical, whatever statement they are in. A file of many statements (a BAI2 file's
// accounts, a camt.053 document's statements) is hashed by statement on GOMAXPROCS goroutines; a
// single large statement shares out its own entries.
func FingerprintAll(sts []Statement) {
	if len(sts) == 1 { // the usual file: its one statement shares out its entries itself
		sts[0].Fingerprint()
		return
	}
	keys := make([][][16]byte, len(sts))
	byStatement(sts, func(i int) { keys[i] = sts[i].hashes(1) })
	// Repeats over the file's hashes in file order, then handed back to their statements.
	reps := Repeats(slices.Concat(keys...))
	local := make([][]Repeat, len(sts))
	first := 0 // the file index of statement i's first entry
	for i := range sts {
		end := first + len(sts[i].Entries)
		for len(reps) > 0 && reps[0].Entry < end {
			local[i] = append(local[i], Repeat{Entry: reps[0].Entry - first, N: reps[0].N})
			reps = reps[1:]
		}
		first = end
	}
	byStatement(sts, func(i int) { sts[i].writeFingerprints(keys[i], local[i], 1) })
}

// byStatement calls f for every statement index of sts, shared out on GOMAXPROCS goroutines.
func byStatement(sts []Statement, f func(i int)) {
	next := make(chan int, len(sts))
	for i := range sts {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(sts)) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	wg.Wait()
}

// Decoders that read on several goroutines fingerprint entries in parts, with the same result as
// Fingerprint: EntryHash for each entry while it is at hand, AppendFingerprint with n = 1 for its
// text, and at the end Repeats over the hashes in file order, whose entries get the text of their
// occurrence instead.

// EntryHash is what an entry's fingerprint is derived from: a hash of the booking it is (account,
// dates, amount, direction, currency, references, text). A loop over many entries does better with
// an EntryHasher.
func EntryHash(account string, e *Entry) [16]byte {
	h := bookingHash(account, e)
	return [16]byte(h[:16])
}

// bookingHash is the whole SHA-256 of e's fingerprint key.
func bookingHash(account string, e *Entry) [sha256.Size]byte {
	var buf [512]byte // the key of a typical entry fits: no allocation
	return sha256.Sum256(fingerprintKey(buf[:0], account, e))
}

// An EntryHasher computes EntryHash over and over with one SHA-256 state and one key buffer, about
// 25 % faster than EntryHash for a typical entry. The zero value is ready to use; it is not safe for
// concurrent use.
//
// It pads the key itself, as SHA-256 pads a message, and writes it whole: the blocks go through
// the compression in one call, and the state after the last block, which the hash's saved state
// (encoding.BinaryAppender) holds, is the digest. Where the saved state does not have the layout
// this expects, it takes the digest the usual way.
type EntryHasher struct {
	h     hash.Hash
	key   []byte
	state []byte
	sum   [sha256.Size]byte
}

// sha256State is how crypto/sha256 saves a state: this magic, then the eight state words, big-endian.
const sha256State = "sha\x03"

// stateIsDigest reports, once, that crypto/sha256 saves a state with the layout EntryHasher reads:
// the saved state of a padded message starts with sha256State and the message's digest.
var stateIsDigest = sync.OnceValue(func() bool {
	msg := []byte("orkesta")
	h := sha256.New()
	h.Write(padSHA256(slices.Clone(msg)))
	sa, ok := h.(encoding.BinaryAppender)
	if !ok {
		return false
	}
	st, err := sa.AppendBinary(nil)
	want := sha256.Sum256(msg)
	return err == nil && len(st) >= len(sha256State)+sha256.Size && string(st[:len(sha256State)]) == sha256State &&
		[sha256.Size]byte(st[len(sha256State):]) == want
})

// Hash returns EntryHash(account, e).
func (x *EntryHasher) Hash(account string, e *Entry) [16]byte {
	if x.h == nil {
		x.h, x.key, x.state = sha256.New(), make([]byte, 0, 512), make([]byte, 0, 128)
	}
	x.key = fingerprintKey(x.key[:0], account, e)
	x.h.Reset()
	if !stateIsDigest() {
		x.h.Write(x.key)
		return [16]byte(x.h.Sum(x.sum[:0])[:16])
	}
	x.key = padSHA256(x.key)
	x.h.Write(x.key)
	x.state, _ = x.h.(encoding.BinaryAppender).AppendBinary(x.state[:0])
	return [16]byte(x.state[len(sha256State):])
}

// padSHA256 appends to message m SHA-256's padding: a 1 bit, zeros up to 8 bytes short of a whole
// block, and the length of m in bits.
func padSHA256(m []byte) []byte {
	n := len(m)
	pad := (55-n)&63 + 1 // the 0x80 byte and the zeros
	m = slices.Grow(m, pad+8)[:n+pad]
	m[n] = 0x80
	clear(m[n+1:])
	return binary.BigEndian.AppendUint64(m, uint64(n)*8)
}

// AppendFingerprint appends to dst the fingerprint of entry e of a statement of account, whose
// EntryHash is h, when it is the n-th identical booking of its statement (n from 1): the text
// Fingerprint sets. For n = 1 it reads neither account nor e.
func AppendFingerprint(dst []byte, account string, e *Entry, h [16]byte, n uint32) []byte {
	if n <= 1 {
		return hex.AppendEncode(dst, h[:fingerprintSize/2])
	}
	// Only the first 16 bytes of the hash were kept: a repeat (rare) hashes its key again, then the
	// hash and its occurrence number.
	var seed [sha256.Size + 4]byte
	full := bookingHash(account, e)
	binary.BigEndian.PutUint32(seed[copy(seed[:], full[:]):], n)
	full = sha256.Sum256(seed[:])
	return hex.AppendEncode(dst, full[:fingerprintSize/2])
}

// Repeat is an entry whose booking was seen before: its index and its occurrence number (2, 3, …).
type Repeat struct {
	Entry int
	N     uint32
}

// Repeats returns, in order, the entries whose hash (EntryHash, in keys) was seen before, with
// their occurrence numbers. The hashes may be those of several statements: the hash covers the
// account and the currency, so bookings of different statements are never the same.
//
// A large list is counted in parts that each stay in the cache: the keys are first laid out by the
// top bits of their last 8 bytes (one part per repeatPart keys, about; the table probes with the
// first 8), and every occurrence of a booking lands in the same part, in file order. One table over
// the whole list would miss the cache on nearly every key (4 MB of slots for 300,000 keys).
func Repeats(keys [][16]byte) []Repeat {
	parts := 1
	for parts*repeatPart < len(keys) {
		parts *= 2
	}
	var out []Repeat
	// Each part's keys, in file order: a counting pass, then a scatter of their first 8 bytes (what
	// the table probes with) and their entries. The whole keys are compared, rarely, in keys. With
	// one part, the shift is 64: every key is in part 0.
	shift := 64 - bits.Len(uint(parts-1))
	part := func(k *[16]byte) uint64 { return binary.LittleEndian.Uint64(k[8:]) >> shift }
	start := make([]int, parts+1)
	for i := range keys {
		start[part(&keys[i])+1]++
	}
	largest := 0
	for p := range parts {
		largest = max(largest, start[p+1])
		start[p+1] += start[p]
	}
	lo := hugepage.Make[uint64](len(keys), len(keys))
	entry := hugepage.Make[uint32](len(keys), len(keys))
	next := slices.Clone(start[:parts])
	for i := range keys {
		p := part(&keys[i])
		lo[next[p]], entry[next[p]] = binary.LittleEndian.Uint64(keys[i][:8]), uint32(i)
		next[p]++
	}
	t := newRepeatTable(keys, largest)
	for p := range parts {
		t.reset()
		for i := start[p]; i < start[p+1]; i++ {
			if c := t.add(lo[i], entry[i]); c > 1 {
				out = append(out, Repeat{Entry: int(entry[i]), N: c})
			}
		}
	}
	slices.SortFunc(out, func(a, b Repeat) int { return a.Entry - b.Entry })
	return out
}

// repeatPart is about how many keys Repeats counts at a time: the table for them (8,192 slots of 8
// bytes) stays in the cache.
const repeatPart = 4096

// fingerprint is Fingerprint on the given number of goroutines, in three passes. The hashes of the
// keys do not depend on each other: they are computed in parallel chunks. Only the occurrence numbers
// do: identical keys are counted in order, on one goroutine, and the repeats listed. Then, in
// parallel chunks again, the repeats are hashed again with their number, every fingerprint written
// in hex and set on its entry.
func (s *Statement) fingerprint(workers int) {
	keys := s.hashes(workers)
	s.writeFingerprints(keys, Repeats(keys), workers)
}

// hashes returns the EntryHash of every entry, computed on workers goroutines.
func (s *Statement) hashes(workers int) [][16]byte {
	keys := make([][16]byte, len(s.Entries)) // the first 16 bytes of each key's hash: what identical bookings share
	if len(keys) == 0 {
		return keys
	}
	inChunks(workers, len(keys), func(lo, hi int) {
		var x EntryHasher
		for i := lo; i < hi; i++ {
			keys[i] = x.Hash(s.Account, &s.Entries[i])
		}
	})
	return keys
}

// writeFingerprints sets every entry's Fingerprint from its hash (keys) and, for the entries of
// repeats, its occurrence number, on workers goroutines.
func (s *Statement) writeFingerprints(keys [][16]byte, repeats []Repeat, workers int) {
	n := len(s.Entries)
	if n == 0 {
		return
	}
	// Every fingerprint is written into one buffer, and each chunk of it becomes one string, sliced:
	// one allocation, not one per entry.
	text := make([]byte, n*fingerprintSize)
	inChunks(workers, n, func(lo, hi int) {
		reps := repeats[sort.Search(len(repeats), func(r int) bool { return repeats[r].Entry >= lo }):]
		chunk := text[lo*fingerprintSize : hi*fingerprintSize]
		for i := lo; i < hi; i++ {
			at := chunk[(i-lo)*fingerprintSize : (i-lo)*fingerprintSize]
			if len(reps) > 0 && reps[0].Entry == i {
				AppendFingerprint(at, s.Account, &s.Entries[i], keys[i], reps[0].N)
				reps = reps[1:]
			} else {
				hex.Encode(at[:fingerprintSize], keys[i][:fingerprintSize/2])
			}
		}
		// The chunk is never written again: the string shares its bytes instead of copying them.
		fps := unsafe.String(unsafe.SliceData(chunk), len(chunk))
		for i := lo; i < hi; i++ {
			s.Entries[i].Fingerprint = fps[(i-lo)*fingerprintSize : (i-lo+1)*fingerprintSize]
		}
	})
}

// inChunks calls f on [0, n) cut into one chunk per worker, each on its own goroutine, and waits.
func inChunks(workers, n int, f func(lo, hi int)) {
	if workers <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		wg.Go(func() { f(lo, min(lo+chunk, n)) })
	}
	wg.Wait()
}

// fingerprintKey is what makes two entries the same booking: account, dates, amount, direction,
// currency, references and text. It deliberately leaves out the position in the file.
func fingerprintKey(b []byte, account string, e *Entry) []byte {
	b = append(b, account...)
	b = append(b, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(e.BookingDate))
	b = binary.BigEndian.AppendUint32(b, uint32(e.ValueDate))
	b = binary.BigEndian.AppendUint64(b, uint64(e.Amount))
	b = append(b, e.Direction...)
	b = append(b, 0)
	b = append(b, e.Currency...)
	if e.Reversal {
		b = append(b, 'R')
	}
	for _, s := range []string{e.CustomerRef, e.BankRef, e.EndToEnd, e.Remittance, e.CounterpartyIBAN} {
		b = append(b, 0)
		b = append(b, trimSpace(s)...)
	}
	return b
}

// trimSpace is strings.TrimSpace, without the call for the usual text that needs none (decoders
// trim their fields already).
func trimSpace(s string) string {
	if trimmed(s) {
		return s
	}
	return strings.TrimSpace(s)
}

// trimmed reports, from its ends alone, text that TrimSpace would leave as it is: empty, or starting
// and ending with a printable ASCII character (no byte of a multi-byte space).
func trimmed[T string | []byte](s T) bool {
	n := len(s)
	return n == 0 || (s[0] > ' ' && s[0] < utf8.RuneSelf && s[n-1] > ' ' && s[n-1] < utf8.RuneSelf)
}

// repeatTable counts identical keys (hash prefixes). A key is already uniformly distributed, so the
// table is open addressing on its first 8 bytes, with no hashing of its own, unlike a Go map: one probe
// sequence per key, for the lookup and the increment both. A slot is 8 bytes, to keep the table small
// for the cache; the counts of repeats, rare, are kept apart.
type repeatTable struct {
	keys   [][16]byte // every key, by entry: compared whole when the first 8 bytes agree
	slots  []repeatSlot
	mask   uint64
	counts []uint32 // by slot, made at the first repeat: the occurrences beyond the first
}

type repeatSlot struct {
	tag   uint32 // bits 32-63 of the key's first 8 bytes (bits 0-31 choose the slot)
	entry uint32 // 1 + the entry of the key's first occurrence; 0 for an empty slot
}

// newRepeatTable returns a table for counting up to n of keys, at most three quarters full.
func newRepeatTable(keys [][16]byte, n int) *repeatTable {
	size := 1 << bits.Len(uint(n*4/3)) // a power of two > 4n/3
	return &repeatTable{keys: keys, slots: make([]repeatSlot, size), mask: uint64(size - 1)}
}

// reset empties the table.
func (t *repeatTable) reset() {
	clear(t.slots)
	if t.counts != nil {
		clear(t.counts)
	}
}

// add counts keys[entry], whose first 8 bytes are lo, and returns how many times it has been seen,
// this one included.
func (t *repeatTable) add(lo uint64, entry uint32) uint32 {
	tag := uint32(lo >> 32)
	for p := lo & t.mask; ; p = (p + 1) & t.mask {
		s := &t.slots[p]
		if s.entry == 0 {
			*s = repeatSlot{tag: tag, entry: entry + 1}
			return 1
		}
		if s.tag == tag && t.keys[s.entry-1] == t.keys[entry] {
			if t.counts == nil {
				t.counts = make([]uint32, len(t.slots))
			}
			t.counts[p]++
			return t.counts[p] + 1
		}
	}
}
