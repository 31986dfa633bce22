package payment

import (
	crand "crypto/rand"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// ID identifies a payment: "pay_" followed by a ULID (26 characters, Crockford base32, time-ordered).
type ID string

// AccountID identifies an account: "acc_" + ULID.
type AccountID string

// WorkspaceID identifies a workspace: "ws_" + ULID.
type WorkspaceID string

// BatchID identifies a batch of payments: "bat_" + ULID.
type BatchID string

// ID prefixes.
const (
	PrefixPayment   = "pay_"
	PrefixAccount   = "acc_"
	PrefixWorkspace = "ws_"
	PrefixBatch     = "bat_"
	PrefixEvent     = "evt_"
	PrefixAPIKey    = "key_"
)

// ParseID checks a payment id ("pay_" + ULID). Lower-case ULIDs are accepted and upper-cased.
func ParseID(s string) (ID, error) {
	v, err := parsePrefixed(s, PrefixPayment, "id")
	return ID(v), err
}

// ParseAccountID checks an account id ("acc_" + ULID).
func ParseAccountID(s string) (AccountID, error) {
	v, err := parsePrefixed(s, PrefixAccount, "account")
	return AccountID(v), err
}

// ParseBatchID checks a batch id ("bat_" + ULID).
func ParseBatchID(s string) (BatchID, error) {
	v, err := parsePrefixed(s, PrefixBatch, "batch_id")
	return BatchID(v), err
}

func parsePrefixed(s, prefix, field string) (string, error) {
	if !strings.HasPrefix(s, prefix) {
		return "", &ValidationError{Field: field, Reason: fmt.Sprintf("%s does not start with %q", quote(s), prefix)}
	}
	u := s[len(prefix):]
	if !ValidULID(u) {
		return "", &ValidationError{Field: field, Reason: quote(s) + " is not " + prefix + " followed by a ULID"}
	}
	return prefix + strings.ToUpper(u), nil
}

// canonicalAccountID returns a well-formed account id with its ULID in upper case, as ids are stored
// (a ULID is case-insensitive, and ParseAccountID accepts either case); anything else as it is, for
// validation to refuse. It allocates nothing for an id already in upper case.
func canonicalAccountID(id AccountID) AccountID {
	return AccountID(canonicalPrefixed(string(id), PrefixAccount))
}

// canonicalBatchID is canonicalAccountID for batch ids ("bat_" + ULID).
func canonicalBatchID(id BatchID) BatchID { return BatchID(canonicalPrefixed(string(id), PrefixBatch)) }

// canonicalPrefixed returns s with its ULID in upper case when s is prefix + a ULID, and s as it is
// otherwise. It allocates nothing for an id already in upper case.
func canonicalPrefixed(s, prefix string) string {
	if !isPrefixedULID(s, prefix) {
		return s
	}
	if u := strings.ToUpper(s[len(prefix):]); u != s[len(prefix):] {
		return prefix + u
	}
	return s
}

// lookupID returns s with its ULID in upper case, as ids are stored, and true when s is prefix + a
// ULID in either case (ParseID and its kin accept both); s and false otherwise. Service methods do
// not look up an id that is false here: no stored object has it, and PostgreSQL refuses invalid
// UTF-8 and NUL in a query, which would answer a database error where the answer is "not found".
func lookupID(s, prefix string) (string, bool) {
	if !isPrefixedULID(s, prefix) {
		return s, false
	}
	return canonicalPrefixed(s, prefix), true
}

// isPrefixedULID reports whether s is prefix followed by a ULID (either case).
func isPrefixedULID(s, prefix string) bool {
	return len(s) == len(prefix)+26 && s[:len(prefix)] == prefix && ValidULID(s[len(prefix):])
}

// EndToEndKey is the payment's compact end-to-end key: the 16 random characters of its ULID, upper-case
// letters and digits only, so it survives MT940's 16-character reference field and the EndToEndId of
// ISO 20022 files, and statements can lead back to the payment.
func (id ID) EndToEndKey() string {
	s := string(id)
	if len(s) < len(PrefixPayment)+26 {
		return ""
	}
	return s[len(s)-16:]
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var crockfordIndex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < len(crockford); i++ {
		t[crockford[i]] = byte(i)
		t[crockford[i]|0x20] = byte(i) // lower case
	}
	return t
}()

// ValidULID reports whether s is a 26-character ULID in Crockford base32 (either case).
func ValidULID(s string) bool {
	if len(s) != 26 || crockfordIndex[s[0]] > 7 { // first char carries 3 bits: 128 = 26*5-2
		return false
	}
	for i := 1; i < 26; i++ {
		if crockfordIndex[s[i]] == 0xFF {
			return false
		}
	}
	return true
}

// IDSource makes the ULIDs behind every id. The default is monotonic and random; paymenttest has a
// deterministic one.
type IDSource interface {
	// NewULID returns a new 26-character ULID for the time t. Successive calls must return distinct
	// values.
	NewULID(t time.Time) string
}

// ULIDSource is the default IDSource: 48 bits of milliseconds and 80 random bits, strictly increasing
// within one millisecond. Safe for concurrent use.
type ULIDSource struct {
	mu     sync.Mutex
	rng    *rand.ChaCha8
	lastMS uint64
	hi     uint16 // top 16 of the 80 random bits
	lo     uint64 // low 64
}

// NewULIDSource returns a ULIDSource seeded from crypto/rand.
func NewULIDSource() *ULIDSource {
	var seed [32]byte
	_, _ = crand.Read(seed[:])
	return &ULIDSource{rng: rand.NewChaCha8(seed)}
}

// NewULID implements IDSource.
func (s *ULIDSource) NewULID(t time.Time) string { return s.NewID("", t) }

// NewID returns prefix + a new ULID in one allocation (the Service uses it for every id).
func (s *ULIDSource) NewID(prefix string, t time.Time) string {
	s.mu.Lock()
	ms, hi, lo := s.nextLocked(uint64(t.UnixMilli()))
	s.mu.Unlock()
	return encodeULID(prefix, ms, hi, lo)
}

// newIDPair returns two successive ids for t under one lock: a new payment's and its creation event's.
func (s *ULIDSource) newIDPair(prefix1, prefix2 string, t time.Time) (string, string) {
	s.mu.Lock()
	ms1, hi1, lo1 := s.nextLocked(uint64(t.UnixMilli()))
	ms2, hi2, lo2 := s.nextLocked(ms1)
	s.mu.Unlock()
	return encodeULID(prefix1, ms1, hi1, lo1), encodeULID(prefix2, ms2, hi2, lo2)
}

// nextLocked advances the source to the next ULID at or after ms. s.mu must be held.
func (s *ULIDSource) nextLocked(ms uint64) (uint64, uint16, uint64) {
	if ms <= s.lastMS {
		ms = s.lastMS // clock went back or same millisecond: stay monotonic
		s.lo++
		if s.lo == 0 {
			s.hi++
		}
	} else {
		s.lastMS = ms
		s.lo = s.rng.Uint64()
		s.hi = uint16(s.rng.Uint64())
	}
	return ms, s.hi, s.lo
}

// prefixedIDSource is implemented by IDSources that can write the prefix and the ULID in one
// allocation.
type prefixedIDSource interface {
	NewID(prefix string, t time.Time) string
}

// EncodeULID writes a ULID from its 48-bit millisecond time and 80 bits of entropy (hi:16, lo:64).
func EncodeULID(ms uint64, hi uint16, lo uint64) string { return encodeULID("", ms, hi, lo) }

func encodeULID(prefix string, ms uint64, hi uint16, lo uint64) string {
	var b [16]byte
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	binary.BigEndian.PutUint16(b[6:8], hi)
	binary.BigEndian.PutUint64(b[8:16], lo)
	out := make([]byte, len(prefix)+26)
	n := copy(out, prefix)
	// 128 bits → 26 base32 characters, most significant first (2 padding bits at the top).
	var acc uint64
	bits := 2 // the first character holds 3 bits: pretend two zero bits precede the data
	for _, x := range b {
		acc = acc<<8 | uint64(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out[n] = crockford[(acc>>uint(bits))&31]
			n++
		}
	}
	return unsafeString(out)
}
