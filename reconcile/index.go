package reconcile

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"strings"

	"github.com/orkesta/orkesta/payment"
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

// notProvided is the ISO 20022 placeholder for a missing end-to-end id; it is never a key.
const notProvided = "NOTPROVIDED"

// idKeyLen is the normalized length of a "pay_" + ULID id: PAY and 26 characters.
const idKeyLen = 3 + 26

// strNode is one (key, payment) pair of the reference index; nodes with the same key are chained.
type strNode struct {
	v    uint32 // kind << 28 | payment index (batch index for keyBatch, info index for keyPaymentInfo)
	next int32  // next node with the same key, or -1
}

// maxIndexed is the most payments (batches, ids) the reference index can address.
const maxIndexed = 1<<28 - 1

func (n *strNode) kind() uint8 { return uint8(n.v >> 28) }
func (n *strNode) val() int32  { return int32(n.v & maxIndexed) }

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
// and batch ids. It is an open-addressing table of 64-bit slots (32 bits of hash, node + 1) over a
// node array; keys are not stored but rebuilt from the payment to verify a hit, which keeps the index
// at about 24 bytes per key.
type refIndex struct {
	pays    []Payment
	batches []batch
	infos   []paymentInfo
	seed    maphash.Seed
	mask    uint64
	slots   []uint64
	nodes   []strNode
	lens    [(maxKeyLen + 64) / 64]uint64 // bitset of the key lengths present
	maxLen  int
	idByE2E bool // some "pay_" ids are found through their end-to-end key rather than indexed
	// filter has a bit set for the (length, first byte, last byte) of every key: 512 KiB that stay
	// in the cache and spare most text fragments a probe of the big table.
	filter []uint64
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
		if c := s[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func newRefIndex(pays []Payment, infoIDs map[string]payment.BatchID) *refIndex {
	x := &refIndex{pays: pays, seed: maphash.MakeSeed(), filter: make([]uint64, filterBits/64)}
	// batches
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

	n := 2*len(pays) + len(x.batches) + len(x.infos)
	size := uint64(1) << bits.Len64(uint64(2*n)|15)
	x.mask = size - 1
	x.slots = make([]uint64, size)
	x.nodes = make([]strNode, 0, len(pays)*2)
	var a, b []byte
	for i := range pays {
		p := &pays[i]
		a = x.add(a, &b, p.Reference, int32(i), keyReference)
		if p.EndToEnd != "" {
			a = x.add(a, &b, p.EndToEnd, int32(i), keyEndToEnd)
		}
		if idFollowsE2E(p) {
			x.idByE2E = true
			x.setLen(idKeyLen)
		} else {
			a = x.add(a, &b, string(p.ID), int32(i), keyID)
		}
	}
	for bi := range x.batches {
		a = x.add(a, &b, string(x.batches[bi].id), int32(bi), keyBatch)
	}
	for ii := range x.infos {
		a = x.add(a, &b, x.infos[ii].id, int32(ii), keyPaymentInfo)
	}
	return x
}

func (x *refIndex) setLen(n int) {
	x.lens[n/64] |= 1 << (n % 64)
	x.maxLen = max(x.maxLen, n)
}

func (x *refIndex) hasLen(n int) bool { return x.lens[n/64]&(1<<(n%64)) != 0 }

// mayHave reports whether key can be a key of the index (false positives are possible).
func (x *refIndex) mayHave(key []byte) bool {
	b := filterBit(key)
	return x.filter[b/64]&(1<<(b%64)) != 0
}

// keyText is the raw text of node n's key.
func (x *refIndex) keyText(n *strNode) string {
	switch n.kind() {
	case keyReference:
		return x.pays[n.val()].Reference
	case keyEndToEnd:
		return x.pays[n.val()].EndToEnd
	case keyID:
		return string(x.pays[n.val()].ID)
	case keyBatch:
		return string(x.batches[n.val()].id)
	}
	return x.infos[n.val()].id
}

// add indexes text under val and kind; scratch buffers are passed in and returned.
func (x *refIndex) add(scratch []byte, verify *[]byte, text string, val int32, kind uint8) []byte {
	if text == "" {
		return scratch
	}
	key := appendNormalized(scratch[:0], text)
	if len(key) == 0 || len(key) > maxKeyLen || string(key) == notProvided {
		return key
	}
	h := maphash.Bytes(x.seed, key)
	tag := h &^ 0xFFFFFFFF
	node := int32(len(x.nodes))
	v := uint32(kind)<<28 | uint32(val)
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s == 0 {
			x.nodes = append(x.nodes, strNode{v: v, next: -1})
			x.slots[i] = tag | uint64(node+1)
			x.setLen(len(key))
			b := filterBit(key)
			x.filter[b/64] |= 1 << (b % 64)
			return key
		}
		if s&^0xFFFFFFFF != tag {
			continue
		}
		head := int32(s&0xFFFFFFFF) - 1
		*verify = appendNormalized((*verify)[:0], x.keyText(&x.nodes[head]))
		if string(*verify) == string(key) {
			x.nodes = append(x.nodes, strNode{v: v, next: head})
			x.slots[i] = tag | uint64(node+1)
			return key
		}
	}
}

// find returns the first node whose key is key, or -1. verify is scratch space.
func (x *refIndex) find(key []byte, verify *[]byte) int32 {
	h := maphash.Bytes(x.seed, key)
	tag := h &^ 0xFFFFFFFF
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s == 0 {
			return -1
		}
		if s&^0xFFFFFFFF != tag {
			continue
		}
		head := int32(s&0xFFFFFFFF) - 1
		*verify = appendNormalized((*verify)[:0], x.keyText(&x.nodes[head]))
		if string(*verify) == string(key) {
			return head
		}
	}
}

// amountIndex finds live payments by (amount, value date); the currency is checked by the caller. It is
// an open-addressing table of chain heads with one next link per payment.
type amountIndex struct {
	pays  []Payment
	mask  uint64
	slots []uint64 // 32 bits of hash | payment index + 1
	next  []int32
}

func amountHash(amount int64, date payment.Date) uint64 {
	h := uint64(amount)*0x9E3779B97F4A7C15 ^ uint64(uint32(date))*0xC2B2AE3D27D4EB4F
	h ^= h >> 31
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 29
	return h
}

func newAmountIndex(pays []Payment) *amountIndex {
	size := uint64(1) << bits.Len64(uint64(2*len(pays))|15)
	x := &amountIndex{pays: pays, mask: size - 1, slots: make([]uint64, size), next: make([]int32, len(pays))}
	for i := range pays {
		p := &pays[i]
		x.next[i] = -1
		if classOf(p.Status) != classLive || p.ValueDate == 0 {
			continue
		}
		h := amountHash(p.Amount, p.ValueDate)
		tag := h &^ 0xFFFFFFFF
		for j := h & x.mask; ; j = (j + 1) & x.mask {
			s := x.slots[j]
			if s == 0 {
				x.slots[j] = tag | uint64(i+1)
				break
			}
			if s&^0xFFFFFFFF != tag {
				continue
			}
			head := int32(s&0xFFFFFFFF) - 1
			if q := &pays[head]; q.Amount == p.Amount && q.ValueDate == p.ValueDate {
				x.next[i] = head
				x.slots[j] = tag | uint64(i+1)
				break
			}
		}
	}
	return x
}

// find returns the first live payment with this amount and value date, or -1; next links the rest.
func (x *amountIndex) find(amount int64, date payment.Date) int32 {
	h := amountHash(amount, date)
	tag := h &^ 0xFFFFFFFF
	for j := h & x.mask; ; j = (j + 1) & x.mask {
		s := x.slots[j]
		if s == 0 {
			return -1
		}
		if s&^0xFFFFFFFF != tag {
			continue
		}
		head := int32(s&0xFFFFFFFF) - 1
		if q := &x.pays[head]; q.Amount == amount && q.ValueDate == date {
			return head
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
