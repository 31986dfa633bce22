package reconcile

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile/internal/hugepage"
)

// Kinds of reference keys: what of a payment (or batch) an entry's text named.
const (
	keyReference   uint8 = iota + 1 // the payment's reference
	keyID                           // the payment id
	keyEndToEnd                     // the payment's end-to-end key
	keyBatch                        // the batch id
	keyPaymentInfo                  // a payment-information id of the batch
)

// maxKeyLen is the longest normalized key indexed, in bytes; longer references cannot be named.
const maxKeyLen = 1023

// NotProvided is the ISO 20022 (SEPA) placeholder for a missing end-to-end id. It is never an index
// key, and the decoders read it as no reference.
const NotProvided = "NOTPROVIDED"

// idKeyLen is the normalized length of a "pay_" + ULID id: PAY and 26 characters.
const idKeyLen = 3 + 26

// pinfo is what evaluating a candidate reads of a payment, packed into 32 bytes so that a candidate
// costs one cache miss rather than several (a Payment is 176 bytes, and its strings live elsewhere):
// two records share a 64-byte cache line and none straddles two.
type pinfo struct {
	refFP, e2eFP uint64 // fingerprints of the normalized reference and end-to-end key (refIndex sets them)
	amount       int64
	date         payment.Date
	curClass     uint32 // the status class << 24 | the currency code packed (packCurrency)
}

// dirMask says on which statements' accounts a payment moves money (matcher.dirs).
type dirMask struct {
	from, to uint32 // bit s: the payment is from / to the account of statement s (the first 32)
}

func (p *pinfo) cur() uint32        { return p.curClass & 0xFFFFFF }
func (p *pinfo) class() statusClass { return statusClass(p.curClass >> 24 & 0x7F) }

// idByKey marks a payment whose "pay_" id is found through its end-to-end key (idFollowsE2E).
const idByKey = 1 << 31

func (p *pinfo) idFollows() bool { return p.curClass&idByKey != 0 }

// packCurrency packs a three-letter code into 24 bits; "" is 0 and anything else odd is all ones.
func packCurrency(c payment.Currency) uint32 {
	switch len(c) {
	case 0:
		return 0
	case 3:
		return uint32(c[0])<<16 | uint32(c[1])<<8 | uint32(c[2])
	}
	return 0xFFFFFF
}

// hashKey hashes a key with a seed: eight bytes at a time through 64×64→128-bit multiplications (as
// wyhash does). With a random seed per index it spreads keys as well as hash/maphash, at a fraction
// of the cost for the short keys references are.
func hashKey(seed uint64, b []byte) uint64 {
	h := seed ^ uint64(len(b))*0x9E3779B97F4A7C15
	for len(b) >= 8 {
		h = mum(h^binary.LittleEndian.Uint64(b), 0xBF58476D1CE4E5B9)
		b = b[8:]
	}
	var t uint64
	for i, c := range b {
		t |= uint64(c) << (8 * i)
	}
	h = mum(h^t^0xA0761D6478BD642F, 0x94D049BB133111EB)
	return h ^ h>>32
}

func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// Reference index slots: 32 bits of hash, then a chain bit, the key kind and a 28-bit value: the
// payment (batch, info) index, or for a chain (several items share the key) the head node.
const (
	slotChained = 1 << 31
	slotVal     = 1<<28 - 1
)

// strNode is one item of a chain of items that share a key.
type strNode struct {
	v    uint32 // kind << 28 | value
	next int32  // next node with the same key, or -1
}

func kindOf(v uint32) uint8 { return uint8(v >> 28 & 7) }
func valOf(v uint32) int32  { return int32(v & slotVal) }

// filterBits sizes the prefilter: one bit per (key length mod 64, first byte, last byte).
const filterBits = 1 << 22

func filterBit(key []byte) uint32 {
	return uint32(len(key)&63)<<16 | uint32(key[0])<<8 | uint32(key[len(key)-1])
}

// batch is the payments that share a BatchID.
type batch struct {
	id      payment.BatchID
	members []int32 // payment indexes, by value date then id
}

// paymentInfo is a payment-information id and its batch.
type paymentInfo struct {
	id    string
	batch int32
}

// refIndex finds payments and batches by the normalized form of their references, ids, end-to-end keys
// and batch ids. It is an open-addressing table of 64-bit slots: a key held by one item (nearly every
// key) costs one slot and nothing else; keys are not stored. A slot keeps 32 bits of the key's hash;
// a hit on a reference or end-to-end key is confirmed by a second, independently seeded 64-bit hash
// kept in the payment's pinfo, so that the payment's strings are not read (two different texts agree
// on both with a probability of 2^-96 per probe: below 10^-20 for a run of a million entries). Ids and
// batch ids are confirmed by comparing the normalized texts.
type refIndex struct {
	pays     []Payment
	info     []pinfo
	batches  []batch
	infos    []paymentInfo
	seed, fp uint64 // random per index: the hashes of keys and their fingerprints
	keys     keyCounts
	// tabs[0] holds references, ids and batch keys, tabs[1] end-to-end keys: two tables built by two
	// goroutines.
	tabs    [2]refTable
	lens    [(maxKeyLen + 64) / 64]uint64 // bitset of the key lengths of both tables
	maxLen  int
	idByE2E bool // some "pay_" ids are found through their end-to-end key rather than indexed
}

// refTable is one open-addressing table of the reference index.
type refTable struct {
	mask   uint64
	slots  []uint64
	nodes  []strNode
	lens   [(maxKeyLen + 64) / 64]uint64 // bitset of the key lengths present
	maxLen int
	// filter has a bit set for the (length, first byte, last byte) of every key: 512 KiB that stay
	// in the cache and spare most text fragments a probe of the big table.
	filter []uint64
}

func newRefTable(keys int) refTable {
	size := uint64(1) << bits.Len64(uint64(2*keys)|15)
	return refTable{mask: size - 1, slots: hugepage.Make[uint64](int(size), int(size)), filter: make([]uint64, filterBits/64)}
}

// idFollowsE2E reports whether p's id is "pay_" + ULID with its end-to-end key derived from it, in
// which case the id is found through the end-to-end key (one index entry instead of two).
func idFollowsE2E(p *Payment) bool {
	id := string(p.ID)
	return len(id) == len(payment.PrefixPayment)+26 && strings.HasPrefix(id, payment.PrefixPayment) &&
		p.EndToEnd == id[len(id)-16:] && isUpperAlnum(p.EndToEnd)
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c == 0 || asciiNorm[c] != c {
			return false
		}
	}
	return true
}

// newRefIndex groups the batches; buildRefs and buildE2E then fill the two tables (concurrently if
// the caller likes) and finish joins their key lengths.
func newRefIndex(pays []Payment, info []pinfo, infoIDs map[string]payment.BatchID, keys keyCounts) *refIndex {
	s := maphash.MakeSeed()
	x := &refIndex{pays: pays, info: info, keys: keys, seed: maphash.String(s, "key"), fp: maphash.String(s, "fingerprint")}
	byID := make(map[payment.BatchID]int32)
	for i := range pays {
		b := pays[i].BatchID
		if b == "" {
			continue
		}
		bi, ok := byID[b]
		if !ok {
			bi = int32(len(x.batches))
			byID[b] = bi
			x.batches = append(x.batches, batch{id: b})
		}
		x.batches[bi].members = append(x.batches[bi].members, int32(i))
	}
	for bi := range x.batches {
		m := x.batches[bi].members
		slices.SortFunc(m, func(a, b int32) int { return comparePayments(&pays[a], &pays[b]) })
	}
	ids := make([]string, 0, len(infoIDs))
	for id := range infoIDs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if bi, ok := byID[infoIDs[id]]; ok {
			x.infos = append(x.infos, paymentInfo{id: id, batch: bi})
		}
	}
	return x
}

// insertBatch is a batch of keys to insert: normalized, hashed and their slots touched before the
// inserts, so that the cache misses of a batch overlap (see batchSize).
type insertBatch struct {
	buf  []byte
	keys []pendingKey
	sink uint64
}

type pendingKey struct {
	off, n int32
	val    int32
	kind   uint8
	h, fp  uint64
}

// push normalizes and hashes text (nothing for text that gives no key) and touches its home slot.
func (kb *insertBatch) push(x *refIndex, t *refTable, text string, val int32, kind uint8) {
	if text == "" {
		return
	}
	off := len(kb.buf)
	kb.buf = appendNormalized(kb.buf, text)
	key := kb.buf[off:]
	if len(key) == 0 || len(key) > maxKeyLen || string(key) == NotProvided {
		kb.buf = kb.buf[:off]
		return
	}
	h := hashKey(x.seed, key)
	kb.keys = append(kb.keys, pendingKey{off: int32(off), n: int32(len(key)), val: val, kind: kind, h: h,
		fp: hashKey(x.fp, key)})
}

// flush inserts the batch's keys and records the fingerprints of references and end-to-end keys.
func (kb *insertBatch) flush(x *refIndex, t *refTable, verify *[]byte) {
	var sink uint64
	for _, k := range kb.keys { // independent loads: their misses overlap
		sink += t.slots[k.h&t.mask]
	}
	kb.sink += sink
	for _, k := range kb.keys {
		t.insert(x, kb.buf[k.off:k.off+k.n], k.h, k.fp, k.val, k.kind, verify)
		switch k.kind {
		case keyReference:
			x.info[k.val].refFP = k.fp
		case keyEndToEnd:
			x.info[k.val].e2eFP = k.fp
		}
	}
	kb.buf, kb.keys = kb.buf[:0], kb.keys[:0]
}

// buildRefs fills tabs[0]: references, ids not reachable through their end-to-end key, batch ids and
// payment-information ids. It writes only the refFP of info.
func (x *refIndex) buildRefs() {
	t := &x.tabs[0]
	*t = newRefTable(x.keys.refs + len(x.batches) + len(x.infos))
	var kb insertBatch
	var verify []byte
	for i := range x.pays {
		p := &x.pays[i]
		kb.push(x, t, p.Reference, int32(i), keyReference)
		if !x.info[i].idFollows() {
			kb.push(x, t, string(p.ID), int32(i), keyID)
		}
		if len(kb.keys) >= batchSize {
			kb.flush(x, t, &verify)
		}
	}
	for bi := range x.batches {
		kb.push(x, t, string(x.batches[bi].id), int32(bi), keyBatch)
	}
	for ii := range x.infos {
		kb.push(x, t, x.infos[ii].id, int32(ii), keyPaymentInfo)
	}
	kb.flush(x, t, &verify)
}

// buildE2E fills tabs[1] with end-to-end keys. It writes only the e2eFP of info.
func (x *refIndex) buildE2E() {
	t := &x.tabs[1]
	*t = newRefTable(x.keys.e2e)
	var kb insertBatch
	var verify []byte
	for i := range x.pays {
		p := &x.pays[i]
		kb.push(x, t, p.EndToEnd, int32(i), keyEndToEnd)
		if x.info[i].idFollows() {
			x.idByE2E = true
		}
		if len(kb.keys) >= batchSize {
			kb.flush(x, t, &verify)
		}
	}
	kb.flush(x, t, &verify)
}

// finish joins the key lengths of both tables (and the length of "pay_" ids found through their keys).
func (x *refIndex) finish() {
	for i := range x.lens {
		x.lens[i] = x.tabs[0].lens[i] | x.tabs[1].lens[i]
	}
	x.maxLen = max(x.tabs[0].maxLen, x.tabs[1].maxLen)
	if x.idByE2E {
		x.lens[idKeyLen/64] |= 1 << (idKeyLen % 64)
		x.maxLen = max(x.maxLen, idKeyLen)
	}
}

func (t *refTable) setLen(n int) {
	t.lens[n/64] |= 1 << (n % 64)
	t.maxLen = max(t.maxLen, n)
}

func (x *refIndex) hasLen(n int) bool { return x.lens[n/64]&(1<<(n%64)) != 0 }
func (t *refTable) hasLen(n int) bool { return t.lens[n/64]&(1<<(n%64)) != 0 }

// mayHave reports whether key can be a key of the table (false positives are possible).
func (t *refTable) mayHave(key []byte) bool {
	b := filterBit(key)
	return t.filter[b/64]&(1<<(b%64)) != 0
}

// keyText is the raw text of the key of item v.
func (x *refIndex) keyText(v uint32) string {
	switch val := valOf(v); kindOf(v) {
	case keyReference:
		return x.pays[val].Reference
	case keyEndToEnd:
		return x.pays[val].EndToEnd
	case keyID:
		return string(x.pays[val].ID)
	case keyBatch:
		return string(x.batches[val].id)
	default:
		return x.infos[val].id
	}
}

// holds reports whether item v's key is key, whose fingerprint is fp.
func (x *refIndex) holds(v uint32, key []byte, fp uint64, verify *[]byte) bool {
	switch kindOf(v) {
	case keyReference:
		return x.info[valOf(v)].refFP == fp
	case keyEndToEnd:
		return x.info[valOf(v)].e2eFP == fp
	}
	*verify = appendNormalized((*verify)[:0], x.keyText(v))
	return string(*verify) == string(key)
}

// head is the first item of slot s.
func (t *refTable) head(s uint64) uint32 {
	if s&slotChained != 0 {
		return t.nodes[s&slotVal].v
	}
	return uint32(s)
}

// insert adds an item under key, whose hash is h and fingerprint fp.
func (t *refTable) insert(x *refIndex, key []byte, h, fp uint64, val int32, kind uint8, verify *[]byte) {
	tag := h &^ 0xFFFFFFFF
	v := uint32(kind)<<28 | uint32(val)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			t.slots[i] = tag | uint64(v)
			t.setLen(len(key))
			b := filterBit(key)
			t.filter[b/64] |= 1 << (b % 64)
			return
		}
		if s&^0xFFFFFFFF != tag || !x.holds(t.head(s), key, fp, verify) {
			continue
		}
		var next int32
		if s&slotChained != 0 {
			next = int32(s & slotVal)
		} else {
			next = t.addNode(strNode{v: uint32(s), next: -1})
		}
		t.slots[i] = tag | slotChained | uint64(t.addNode(strNode{v: v, next: next}))
		return
	}
}

// addNode appends a chain node and returns its index. The array doubles when it is full: grown by
// append, by a quarter at a time once large, it left behind four times what it kept (20 MB of
// garbage for a million payments whose references repeat), all of it in the heap until the next
// collection.
func (t *refTable) addNode(n strNode) int32 {
	if len(t.nodes) == cap(t.nodes) {
		t.nodes = slices.Grow(t.nodes, max(len(t.nodes), 256))
	}
	t.nodes = append(t.nodes, n)
	return int32(len(t.nodes) - 1)
}

// each calls f with every item of a find result.
func (t *refTable) each(found int64, f func(v uint32)) {
	switch {
	case found < 0:
	case found&slotChained == 0:
		f(uint32(found))
	default:
		for n := int32(found & slotVal); n >= 0; n = t.nodes[n].next {
			f(t.nodes[n].v)
		}
	}
}

// findFrom returns the low half of the slot holding key (an item, or slotChained and the head node),
// or -1; h is the key's hash and the scan starts at slot i. verify is scratch space.
func (t *refTable) findFrom(x *refIndex, key []byte, h, i uint64, verify *[]byte) int64 {
	tag := h &^ 0xFFFFFFFF
	var fp uint64
	fpDone := false
	for ; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			return -1
		}
		if s&^0xFFFFFFFF != tag {
			continue
		}
		if !fpDone {
			fp, fpDone = hashKey(x.fp, key), true
		}
		if x.holds(t.head(s), key, fp, verify) {
			return int64(uint32(s))
		}
	}
}

// locate scans from the home slot of hash h to the first slot that is empty or carries h's tag, and
// returns its position. It does what find does before verifying, so that a batch can first touch all
// its slots, then all the payments they lead to.
func locate(slots []uint64, mask, h uint64) uint64 {
	tag := h &^ 0xFFFFFFFF
	i := h & mask
	for s := slots[i]; s != 0 && s&^0xFFFFFFFF != tag; s = slots[i] {
		i = (i + 1) & mask
	}
	return i
}

// amountIndex finds live payments by (amount, value date); the currency is checked by the caller. It is
// an open-addressing table of chain heads with one next link per payment, over the pinfo records.
type amountIndex struct {
	info  []pinfo
	mask  uint64
	slots []uint64 // 32 bits of hash | amountChained | payment index + 1
	next  []int32  // read only for chained slots: most keys have one payment and cost no second miss
	sink  uint64   // what touching slots ahead of the inserts read, kept so the reads are not dropped
}

// amountChained marks an amount slot whose key several payments share.
const amountChained = 1 << 31

func amountHash(amount int64, date payment.Date) uint64 {
	h := uint64(amount)*0x9E3779B97F4A7C15 ^ uint64(uint32(date))*0xC2B2AE3D27D4EB4F
	h ^= h >> 31
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 29
	return h
}

func newAmountIndex(info []pinfo) *amountIndex {
	size := uint64(1) << bits.Len64(uint64(2*len(info))|15)
	x := &amountIndex{info: info, mask: size - 1, slots: hugepage.Make[uint64](int(size), int(size)),
		next: hugepage.Make[int32](len(info), len(info))}
	// Payments are inserted in batches whose home slots are touched first, so that the cache misses
	// of a batch overlap (as insertBatch does for the reference tables).
	var hs [batchSize]uint64
	var sink uint64
	for lo := 0; lo < len(info); lo += batchSize {
		hi := min(lo+batchSize, len(info))
		for i := lo; i < hi; i++ {
			hs[i-lo] = amountHash(info[i].amount, info[i].date)
			sink += x.slots[hs[i-lo]&x.mask]
		}
		for i := lo; i < hi; i++ {
			x.insert(int32(i), hs[i-lo])
		}
	}
	x.sink = sink
	return x
}

// insert adds payment i, whose (amount, date) hash is h, unless it is not live or has no date.
func (x *amountIndex) insert(i int32, h uint64) {
	p := &x.info[i]
	x.next[i] = -1
	if p.class() != classLive || p.date == 0 {
		return
	}
	tag := h &^ 0xFFFFFFFF
	for j := h & x.mask; ; j = (j + 1) & x.mask {
		s := x.slots[j]
		if s == 0 {
			x.slots[j] = tag | uint64(i+1)
			return
		}
		if s&^0xFFFFFFFF != tag {
			continue
		}
		head := int32(s&0x7FFFFFFF) - 1
		if q := &x.info[head]; q.amount == p.amount && q.date == p.date {
			x.next[i] = head
			x.slots[j] = tag | amountChained | uint64(i+1)
			return
		}
	}
}

// findFrom returns the first live payment with this amount and value date, or -1, and whether more
// follow (through next); h is the key's hash and the scan starts at slot j.
func (x *amountIndex) findFrom(amount int64, date payment.Date, h, j uint64) (int32, bool) {
	tag := h &^ 0xFFFFFFFF
	for ; ; j = (j + 1) & x.mask {
		s := x.slots[j]
		if s == 0 {
			return -1, false
		}
		if s&^0xFFFFFFFF != tag {
			continue
		}
		head := int32(s&0x7FFFFFFF) - 1
		if q := &x.info[head]; q.amount == amount && q.date == date {
			return head, s&amountChained != 0
		}
	}
}

// comparePayments orders payments for tie-breaking: earlier value date first, then id.
func comparePayments(a, b *Payment) int {
	if a.ValueDate != b.ValueDate {
		if a.ValueDate < b.ValueDate {
			return -1
		}
		return 1
	}
	return strings.Compare(string(a.ID), string(b.ID))
}
