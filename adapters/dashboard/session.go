package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

const (
	sessionCookie = "orkesta_session"
	loginCookie   = "orkesta_login" // double-submit CSRF token of the sign-in form
	csrfField     = "csrf"
	maxForm       = 1 << 20
)

// session is one signed-in browser. It remembers the hash of the key it signed in with, never the key.
type session struct {
	id       string
	csrf     string
	keyHash  [32]byte
	keyID    string
	keyName  string
	scope    payment.Scope
	ws       payment.WorkspaceID
	wsName   string
	lastSeen time.Time
	flash    flash
	// uploads remembers the session's "again" batch uploads (see againPrefix) and the runs its
	// statement uploads started (see reconcileStart).
	uploads *againChoices
}

// flash is a one-shot message shown on the next page.
type flash struct {
	Error bool
	Text  string
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (h *Handler) now() time.Time { return h.opts.Clock.Now() }

// lookup returns a copy of the live session named by the request's cookie.
func (h *Handler) lookup(r *http.Request) (*session, bool) {
	id := h.readCookie(r, sessionCookie)
	if id == "" {
		return nil, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.sessions[id]
	if !ok {
		return nil, false
	}
	now := h.now()
	if now.Sub(s.lastSeen) > h.opts.SessionIdle {
		delete(h.sessions, s.id)
		return nil, false
	}
	s.lastSeen = now
	cp := *s
	return &cp, true
}

func (h *Handler) endSession(id string) {
	h.mu.Lock()
	delete(h.sessions, id)
	h.mu.Unlock()
}

// setFlash leaves a one-line message for the next page the session sees.
func (h *Handler) setFlash(s *session, f flash) {
	h.mu.Lock()
	if live, ok := h.sessions[s.id]; ok {
		live.flash = f
	}
	h.mu.Unlock()
}

func (h *Handler) takeFlash(s *session) flash {
	h.mu.Lock()
	defer h.mu.Unlock()
	live, ok := h.sessions[s.id]
	if !ok {
		return flash{}
	}
	f := live.flash
	live.flash = flash{}
	return f
}

// cookieName is the name the cookie called name goes by. With SecureCookies it has the __Host- prefix:
// a browser keeps such a cookie only when it is Secure, for Path=/ and without Domain, so neither a
// sibling subdomain nor a plain-HTTP response can set or shadow it. cookie and readCookie both use it.
func (h *Handler) cookieName(name string) string {
	if h.opts.SecureCookies {
		return "__Host-" + name
	}
	return name
}

func (h *Handler) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: h.cookieName(name), Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: h.opts.SecureCookies, SameSite: http.SameSiteStrictMode}
}

// readCookie returns the value of the cookie that cookie(name, …) set, or "".
func (h *Handler) readCookie(r *http.Request, name string) string {
	c, err := r.Cookie(h.cookieName(name))
	if err != nil {
		return ""
	}
	return c.Value
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session)

// auth guards a page: a live session whose key is still active and whose scope allows need, and on
// POST a valid CSRF token.
func (h *Handler) auth(need payment.Scope, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.lookup(r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, nil, http.StatusForbidden, "Your session has ended. Sign in again.")
			return
		}
		if err := h.checkKey(r.Context(), s); err != nil {
			h.endSession(s.id)
			http.SetCookie(w, h.cookie(sessionCookie, "", -1))
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?ended=1", http.StatusSeeOther)
				return
			}
			h.fail(w, r, nil, http.StatusForbidden, "Your session has ended: "+err.Error())
			return
		}
		if !s.scope.Allows(need) {
			h.fail(w, r, s, http.StatusForbidden, "The API key you signed in with ("+string(s.scope)+
				") does not allow this; it needs a "+string(need)+" key.")
			return
		}
		if r.Method == http.MethodPost {
			if err := h.parseForm(w, r); err != nil {
				status := http.StatusRequestEntityTooLarge
				if errors.Is(err, errNoFile) {
					status = http.StatusUnsupportedMediaType
				}
				h.fail(w, r, s, status, err.Error())
				return
			}
			if !sameToken(r.PostFormValue(csrfField), s.csrf) {
				h.fail(w, r, s, http.StatusForbidden, "The form has expired or did not come from this dashboard. Reload the page and try again.")
				return
			}
		}
		fn(w, r, s)
	})
}

// checkKey re-reads the session's key: revoked, expired or deleted keys end their sessions.
func (h *Handler) checkKey(ctx context.Context, s *session) error {
	k, err := h.keys.GetAPIKeyByHash(ctx, s.keyHash)
	switch {
	case errors.Is(err, payment.ErrNotFound):
		return errors.New("the API key no longer exists")
	case err != nil:
		return err
	case k.Workspace != s.ws:
		return errors.New("the API key belongs to another workspace")
	case !k.Active(h.now()):
		return errors.New("the API key was revoked or has expired")
	}
	return nil
}

func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if !uploads(r) {
			return errNoFile
		}
		r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxUpload+maxForm)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return errors.New("the upload is too large or malformed (the limit is " + sizeText(h.opts.MaxUpload) + ")")
		}
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return errors.New("the form is too large or malformed")
	}
	return nil
}

// errNoFile refuses a multipart body sent to a form that takes no file (415).
var errNoFile = errors.New("this form takes no file")

// uploads reports whether r is the POST of a form that sends a file (a batch CSV, a statement): the
// only ones whose body may be multipart, up to MaxUpload. Every other form is a few fields.
func uploads(r *http.Request) bool {
	return r.URL.Path == "/batch" || r.URL.Path == "/reconciliation/runs"
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// safeNext keeps a post-login redirect on this site. Only a local path is taken: exactly one leading
// '/', no backslash and no control character anywhere (browsers drop tabs and newlines from a URL, so
// "/\t/evil.example" would become "//evil.example"), and neither scheme nor host once parsed. Anything
// else leads to the payments page.
func safeNext(next string) string {
	const fallback = "/payments"
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return next
}

type loginView struct {
	CSRF    string
	Next    string
	Error   string
	Notice  string
	KeyText string
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.lookup(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	v := loginView{Next: safeNext(r.URL.Query().Get("next"))}
	if r.URL.Query().Get("ended") != "" {
		v.Notice = "Your session has ended: the API key was revoked or has expired."
	}
	h.renderLogin(w, r, http.StatusOK, &v)
}

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, v *loginView) {
	v.CSRF = randomToken()
	http.SetCookie(w, h.cookie(loginCookie, v.CSRF, 3600))
	h.render(w, r, status, "login", &page{Title: "Sign in", Data: v})
}

// readLoginForm reads the sign-in form, or answers the request and returns false. The form comes before
// any authentication, so it is taken only as a browser sends it: URL-encoded (anything else, multipart
// above all, is refused unread with 415) and within maxForm (a larger declared length is refused
// unread with 413; a body of unknown length is read no further than the limit).
func (h *Handler) readLoginForm(w http.ResponseWriter, r *http.Request) bool {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "application/x-www-form-urlencoded" {
		h.fail(w, r, nil, http.StatusUnsupportedMediaType, "The sign-in form must be sent URL-encoded.")
		return false
	}
	tooLarge := func() bool {
		h.fail(w, r, nil, http.StatusRequestEntityTooLarge, "The sign-in form is too large.")
		return false
	}
	if r.ContentLength > maxForm {
		return tooLarge()
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return tooLarge()
		}
		h.fail(w, r, nil, http.StatusBadRequest, "The sign-in form is malformed.")
		return false
	}
	return true
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if !h.readLoginForm(w, r) {
		return
	}
	v := loginView{Next: safeNext(r.PostFormValue("next"))}
	if !sameToken(r.PostFormValue(csrfField), h.readCookie(r, loginCookie)) {
		v.Error = "The sign-in form expired. Please try again."
		h.renderLogin(w, r, http.StatusForbidden, &v)
		return
	}
	secret := strings.TrimSpace(r.PostFormValue("api_key"))
	if secret == "" {
		v.Error = "Enter an API key."
		h.renderLogin(w, r, http.StatusUnauthorized, &v)
		return
	}
	// From here the attempt holds one of the client's failures in flight (so that attempts sent at once
	// cannot all pass the limit) until its key is checked: it is counted as a failure only if the key
	// is not valid.
	client := h.clientOf(r)
	attempt, wait, err := h.signIns.take(r.Context(), client, h.now)
	if err != nil || wait > 0 {
		secs := int(wait / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		if err != nil {
			v.Error = "Too many sign-ins from your address at the same time. Please try again."
			h.opts.Logger.Warn("dashboard sign-in refused: too many at once", "client", client, "err", err)
		} else {
			v.Error = fmt.Sprintf("Too many failed sign-ins from your address. Try again in %d seconds.", secs)
			h.opts.Logger.Warn("dashboard sign-in refused: too many failures", "client", client)
		}
		h.renderLogin(w, r, http.StatusTooManyRequests, &v)
		return
	}
	defer func() { attempt.done(h.now()) }() // the key was not checked (an error, a panic): no failure
	hash := payment.HashAPIKey(secret)
	k, err := h.keys.GetAPIKeyByHash(r.Context(), hash)
	if err != nil && !errors.Is(err, payment.ErrNotFound) {
		h.serverError(w, r, nil, err)
		return
	}
	if err != nil || !k.Active(h.now()) {
		attempt.failed(h.now())
		v.Error = "That API key is not valid: it is unknown, revoked or expired."
		h.opts.Logger.Info("dashboard sign-in refused", "client", client)
		h.renderLogin(w, r, http.StatusUnauthorized, &v)
		return
	}
	attempt.done(h.now())
	ws, err := h.svc.Workspace(r.Context(), k.Workspace)
	if err != nil {
		h.serverError(w, r, nil, err)
		return
	}
	s := &session{id: randomToken(), csrf: randomToken(), keyHash: hash, keyID: k.ID, keyName: k.Name, scope: k.Scope,
		ws: ws.ID, wsName: ws.Name, lastSeen: h.now(), uploads: &againChoices{}}
	h.mu.Lock()
	h.gcLocked()
	h.sessions[s.id] = s
	h.mu.Unlock()
	h.opts.Logger.Info("dashboard sign-in", "key", k.ID, "workspace", ws.ID)
	http.SetCookie(w, h.cookie(loginCookie, "", -1))
	http.SetCookie(w, h.cookie(sessionCookie, s.id, 0))
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// gcLocked drops idle sessions, at most once a minute.
func (h *Handler) gcLocked() {
	now := h.now()
	if now.Sub(h.lastGC) < time.Minute {
		return
	}
	h.lastGC = now
	for id, s := range h.sessions {
		if now.Sub(s.lastSeen) > h.opts.SessionIdle {
			delete(h.sessions, id)
		}
	}
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if s, ok := h.lookup(r); ok {
		if err := h.parseForm(w, r); err != nil || !sameToken(r.PostFormValue(csrfField), s.csrf) {
			h.fail(w, r, s, http.StatusForbidden, "The form has expired. Reload the page and try again.")
			return
		}
		h.endSession(s.id)
	}
	http.SetCookie(w, h.cookie(sessionCookie, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
