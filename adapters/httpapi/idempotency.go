package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// ResponseStore keeps the responses of POST requests sent with an Idempotency-Key, so that a retry
// gets the first response again instead of doing the work twice. Keys arrive already scoped to the
// workspace. Implementations must be safe for concurrent use; MemoryResponseStore is the in-process
// one, and a service with several instances plugs in a shared one.
type ResponseStore interface {
	// Begin claims key for a new request with the given fingerprint. If the key already has a record
	// younger than ttl, Begin returns it with claimed false: Done false while that first request is
	// still running, Done true with its response once it finished.
	// A claim made at now is identified by key and now: Complete and Release name it so.
	Begin(ctx context.Context, key string, fingerprint [32]byte, now time.Time, ttl time.Duration) (rec StoredResponse, claimed bool, err error)
	// Complete stores the response of the claim Begin made on key at claimedAt. If the key no longer
	// holds that claim in flight (it outlived the TTL and another request claimed the key, or it was
	// released), Complete stores nothing and returns ErrClaimLost: the newer request's record stays.
	Complete(ctx context.Context, key string, claimedAt time.Time, resp StoredResponse) error
	// Release forgets the claim Begin made on key at claimedAt, whose request produced nothing worth
	// replaying (a 5xx, invalid input), so that the client may retry with the same key. It leaves
	// any other record of the key alone.
	Release(ctx context.Context, key string, claimedAt time.Time) error
}

// ErrClaimLost is what ResponseStore.Complete returns when the claim it names is no longer the key's
// record: the request ran longer than the idempotency TTL and another request claimed the key.
var ErrClaimLost = errors.New("httpapi: the idempotency claim expired before its request finished; its response is not recorded")

// StoredResponse is a recorded response.
type StoredResponse struct {
	Fingerprint [32]byte // of method, path and body (a form's content): the same key with another request is refused
	Done        bool     // false while the first request is in flight
	Status      int
	ContentType string
	Body        []byte
	CreatedAt   time.Time
}

// maxStoredBody caps what one record keeps; a larger response is not replayable and its key is
// released (no built-in endpoint comes close: a 500-payment batch answer is about 300 KB).
const maxStoredBody = 8 << 20

const maxIdempotencyKey = 255

// serveIdempotent runs serve, and for a POST with an Idempotency-Key records its response or
// replays the recorded one.
func (h *Handler) serveIdempotent(c *call, w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter)) {
	// An empty header is a key that is invalid, not no key: a client whose template left it empty
	// means to be safe to retry.
	ik, sent := r.Header.Get(headerIdempotencyKey), len(r.Header.Values(headerIdempotencyKey)) > 0
	if r.Method != http.MethodPost || !sent {
		serve(w)
		return
	}
	if !validIdempotencyKey(ik) {
		WriteError(w, r, badRequest(CodeIdempotencyKeyInvalid, "",
			"the Idempotency-Key header must be 1 to 255 printable ASCII characters"))
		return
	}
	fp := fingerprint(r.Method, requestTarget(r.URL), r.Header.Get("Content-Type"), c.body, c.secretOwner())
	key := string(c.key.Workspace) + "\x00" + ik
	ctx := context.WithoutCancel(r.Context()) // record the outcome even if the client went away
	claimedAt := h.clock.Now()
	rec, claimed, err := h.idem.Begin(ctx, key, fp, claimedAt, h.opts.IdempotencyTTL)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if !claimed {
		switch {
		case rec.Fingerprint != fp:
			WriteError(w, r, newError(http.StatusUnprocessableEntity, TypeIdempotency, CodeIdempotencyKeyReused,
				"the Idempotency-Key was already used with a different request (method, path or body); use a new key"))
		case !rec.Done:
			WriteError(w, r, newError(http.StatusConflict, TypeIdempotency, CodeIdempotencyKeyInUse,
				"a request with this Idempotency-Key is still being processed; retry later"))
		default:
			hd := w.Header()
			hd.Set("Content-Type", rec.ContentType)
			hd.Set("Idempotent-Replayed", "true")
			w.WriteHeader(rec.Status)
			_, _ = w.Write(rec.Body)
		}
		return
	}
	rw := &recorder{ResponseWriter: w}
	done := false
	defer func() {
		if !done { // serve panicked: let the client retry
			_ = h.idem.Release(ctx, key, claimedAt)
		}
	}()
	serve(rw)
	done = true
	if !c.unfinished && replayable(rw.status, c.errCode) && rw.buf.Len() <= maxStoredBody {
		err = h.idem.Complete(ctx, key, claimedAt, StoredResponse{Fingerprint: fp, Done: true, Status: rw.status,
			ContentType: w.Header().Get("Content-Type"), Body: bytes.Clone(rw.buf.Bytes()), CreatedAt: h.clock.Now()})
	} else {
		err = h.idem.Release(ctx, key, claimedAt)
	}
	switch {
	case errors.Is(err, ErrClaimLost):
		h.log.WarnContext(ctx, "httpapi: the request outlived its idempotency claim; its response is not recorded",
			"request_id", c.reqID, "ttl", h.opts.IdempotencyTTL.String())
	case err != nil:
		h.log.ErrorContext(ctx, "httpapi: idempotency store", "request_id", c.reqID, "error", err.Error())
	}
}

// replayable reports whether a response is the outcome of executing the request, to be replayed for
// the same key: a success, or a refusal about the object's state (403 maker-checker, 404, 409). Input
// errors (400, 413, 415, 422), a lost race and server errors are not: a retry may succeed.
func replayable(status int, code string) bool {
	switch {
	case status >= 200 && status < 300:
		return true
	case status == http.StatusForbidden, status == http.StatusNotFound, status == http.StatusConflict:
		return code != CodeConflict && code != CodeInsufficientScope
	}
	return false
}

func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// secretOwner is the API key an answer with a secret shown once belongs to (Route.Secret): part of
// the request's fingerprint, so that another key's same request is another request for the key
// (422 idempotency_key_reused), never given the secret; "" for every other route.
func (c *call) secretOwner() string {
	if c.secret {
		return c.key.ID
	}
	return ""
}

// requestTarget is the path a key's request went to, with its query in a canonical order: the
// query says how the body is read (a statement's ?currency=), so it is part of the request.
func requestTarget(u *url.URL) string {
	if u.RawQuery == "" {
		return u.Path
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path + "?" + q.Encode()
}

// fingerprint identifies a request for its Idempotency-Key: method, path with its query
// (requestTarget) and body (and owner, see secretOwner). A multipart/form-data body counts by its
// content (formDigest), not by its bytes: a client retrying an upload sends the same form with a new
// boundary.
func fingerprint(method, path, contentType string, body []byte, owner string) [32]byte {
	h := sha256.New()
	if owner != "" {
		h.Write([]byte(owner))
		h.Write([]byte{0})
	}
	h.Write([]byte(method))
	h.Write([]byte{' '})
	h.Write([]byte(path))
	h.Write([]byte{'\n'})
	if form, ok := formDigest(contentType, body); ok {
		h.Write([]byte(formMarker))
		h.Write(form[:])
	} else {
		h.Write(body)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// formMarker precedes a form's digest in a fingerprint, in place of the body.
const formMarker = "\x00multipart/form-data\x00"

// formDigest hashes a multipart/form-data body by what it says: each part's form name, file name
// and content (decoded as the endpoint reads it), in order. The boundary, the preamble and the parts'
// other headers do not count. The content is hashed as it is parsed, without a copy. ok is false
// when contentType is not multipart/form-data or body is no well-formed form: its bytes count then.
func formDigest(contentType string, body []byte) (sum [32]byte, ok bool) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return sum, false
	}
	h, content := sha256.New(), sha256.New()
	var buf [32]byte
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return sum, false
		}
		content.Reset()
		if _, err := io.Copy(content, p); err != nil {
			return sum, false
		}
		writeString(h, p.FormName())
		writeString(h, p.FileName())
		h.Write(content.Sum(buf[:0]))
	}
	h.Sum(sum[:0])
	return sum, true
}

// writeString writes s with its length first, so that no two lists of strings hash alike.
func writeString(h hash.Hash, s string) {
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(s))))
	h.Write([]byte(s))
}

// recorder passes a response through and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.buf.Len() <= maxStoredBody {
		r.buf.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// MemoryResponseStore is a ResponseStore in process memory. Records older than the TTL are dropped
// on later calls, oldest first, at a constant cost per call; nothing runs in the background. Safe for
// concurrent use. It keeps the records of the last TTL within MaxBytes: a client sending many keyed
// requests with large answers cannot make it grow without bound.
type MemoryResponseStore struct {
	// MaxBytes bounds what the records take (bodies, keys, and a fixed overhead for each): once
	// passed, the oldest finished records are dropped before their TTL is up, and a retry of one of
	// those requests runs again. (Payment creation stays idempotent anyway: the core de-duplicates
	// it by the same key.) NewMemoryResponseStore sets DefaultResponseStoreBytes; 0 means no bound.
	// Set it before the store is used.
	MaxBytes int64

	mu    sync.Mutex
	recs  map[string]*StoredResponse
	bytes int64 // what the records in recs take, as MaxBytes counts
	// order lists keys by the time their record was created, oldest first, from head on: expiry
	// pops from the front. A key appears again when its record is replaced; stale entries are skipped.
	order []queued
	head  int
	// stale counts the entries of order whose record was replaced or released since. They hold
	// their keys until popped, and a client sending keyed requests that are released (invalid
	// input) could otherwise fill the queue for a whole TTL beyond MaxBytes; sweep drops them.
	stale int
}

type queued struct {
	key string
	at  time.Time
}

// DefaultResponseStoreBytes is NewMemoryResponseStore's MaxBytes: about 800,000 payment answers.
const DefaultResponseStoreBytes = 256 << 20

// recordOverhead is what a record is counted for besides its key and body: the record, its map and
// queue entries.
const recordOverhead = 160

// NewMemoryResponseStore returns an empty store that keeps at most DefaultResponseStoreBytes.
func NewMemoryResponseStore() *MemoryResponseStore {
	return &MemoryResponseStore{MaxBytes: DefaultResponseStoreBytes, recs: make(map[string]*StoredResponse)}
}

func recordSize(key string, r *StoredResponse) int64 {
	return int64(len(key) + len(r.Body) + len(r.ContentType) + recordOverhead)
}

// drop forgets the record of key.
func (s *MemoryResponseStore) drop(key string, r *StoredResponse) {
	delete(s.recs, key)
	s.bytes -= recordSize(key, r)
}

// expire drops the records older than ttl at now.
func (s *MemoryResponseStore) expire(now time.Time, ttl time.Duration) {
	for s.head < len(s.order) && now.Sub(s.order[s.head].at) >= ttl {
		if q, r := s.pop(); r != nil {
			s.drop(q.key, r)
		}
	}
	s.compact()
}

// pop takes the oldest entry off the queue, with its record when that is still the one the entry
// was queued for (nil when the record was replaced or is gone).
func (s *MemoryResponseStore) pop() (queued, *StoredResponse) {
	q := s.order[s.head]
	s.order[s.head] = queued{}
	s.head++
	if r, ok := s.recs[q.key]; ok && r.CreatedAt.Equal(q.at) {
		return q, r
	}
	s.stale--
	return q, nil
}

// sweep rebuilds the queue without its stale entries once they outnumber the records (and a
// constant): the queue stays within a small multiple of the records, at a constant cost per call
// on average.
func (s *MemoryResponseStore) sweep() {
	if s.stale <= len(s.recs)+1024 {
		return
	}
	live := s.order[:0]
	for _, q := range s.order[s.head:] {
		if r, ok := s.recs[q.key]; ok && r.CreatedAt.Equal(q.at) {
			live = append(live, q)
		}
	}
	clear(s.order[len(live):])
	s.order, s.head = live, 0
	// A record replaced by one created at the same instant is listed twice, both entries live.
	s.stale = len(live) - len(s.recs)
}

// compact gives back the front of the queue once most of it is popped.
func (s *MemoryResponseStore) compact() {
	if s.head > 1024 && s.head*2 > len(s.order) {
		s.order = append(s.order[:0], s.order[s.head:]...)
		s.head = 0
	}
}

func (s *MemoryResponseStore) put(key string, r *StoredResponse) {
	if old, ok := s.recs[key]; ok {
		s.bytes -= recordSize(key, old)
		s.stale++
	}
	s.recs[key] = r
	s.bytes += recordSize(key, r)
	s.order = append(s.order, queued{key: key, at: r.CreatedAt})
	s.shrink()
	s.sweep()
}

// shrink drops the oldest finished records while the store holds more than MaxBytes. A request
// still in flight keeps its record (it goes to the back of the queue).
func (s *MemoryResponseStore) shrink() {
	for n := len(s.order) - s.head; s.MaxBytes > 0 && s.bytes > s.MaxBytes && n > 0; n-- {
		q, r := s.pop()
		switch {
		case r == nil: // replaced or gone
		case !r.Done:
			s.order = append(s.order, q)
		default:
			s.drop(q.key, r)
		}
	}
	s.compact()
}

// Begin implements ResponseStore.
func (s *MemoryResponseStore) Begin(_ context.Context, key string, fp [32]byte, now time.Time, ttl time.Duration) (StoredResponse, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now, ttl)
	if r, ok := s.recs[key]; ok && now.Sub(r.CreatedAt) < ttl {
		return *r, false, nil
	}
	s.put(key, &StoredResponse{Fingerprint: fp, CreatedAt: now})
	return StoredResponse{}, true, nil
}

// claim returns key's record when it is the claim made at claimedAt, still in flight.
func (s *MemoryResponseStore) claim(key string, claimedAt time.Time) *StoredResponse {
	if r, ok := s.recs[key]; ok && !r.Done && r.CreatedAt.Equal(claimedAt) {
		return r
	}
	return nil
}

// Complete implements ResponseStore.
func (s *MemoryResponseStore) Complete(_ context.Context, key string, claimedAt time.Time, resp StoredResponse) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claim(key, claimedAt) == nil {
		return ErrClaimLost
	}
	resp.Done = true
	s.put(key, &resp)
	return nil
}

// Release implements ResponseStore.
func (s *MemoryResponseStore) Release(_ context.Context, key string, claimedAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.claim(key, claimedAt); r != nil {
		s.drop(key, r)
		s.stale++
		s.sweep()
	}
	return nil
}

// Len returns the number of records held (in flight or done); expired ones count until a later call
// drops them.
func (s *MemoryResponseStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recs)
}
