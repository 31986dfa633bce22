package dashboard

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// page is what every template gets.
type page struct {
	Title string
	Nav   string // the active navigation item
	Flash flash
	User  *userView // nil when signed out
	Data  any
}

type userView struct {
	Workspace string
	KeyName   string
	Scope     payment.Scope
	CSRF      string
	CanWrite  bool
	IsAdmin   bool
	Reconcile bool
	Webhooks  bool
}

type templates struct{ pages map[string]*template.Template }

var funcs = template.FuncMap{
	"money":     formatMoney,
	"minor":     payment.FormatMinor,
	"when":      formatTime,
	"date":      func(d payment.Date) string { return d.String() },
	"badge":     badgeClass,
	"can":       func(s payment.Status, ev string) bool { return fsm.Can(s, fsm.Event(ev)) },
	"canCancel": fsm.CanCancel,
	"join":      strings.Join,
	"pct":       percent,
	"add":       func(a, b int) int { return a + b },
	"mask":      payment.MaskIBAN,
	"method":    methodLabel,
}

// percent writes a match rate as reconcile.PercentText does: reconcile.Summary's rates are 1 only
// when everything matched.
func percent(f float64) string { return reconcile.PercentText(f, f >= 1) }

// methodLabel is a method's name in the docs' words.
func methodLabel(m payment.Method) string {
	switch m {
	case payment.MethodBankTransfer:
		return "Bank transfer"
	case payment.MethodCard:
		return "Card"
	case payment.MethodVirtualAccount:
		return "Virtual account"
	case payment.MethodEFT:
		return "EFT / wire"
	case payment.MethodDirectDebit:
		return "Direct debit"
	}
	return string(m)
}

func mustTemplates() *templates {
	base := template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html",
		"templates/partials.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	t := &templates{pages: make(map[string]*template.Template)}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || name == "partials" { // in every page
			continue
		}
		t.pages[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return t
}

func (h *Handler) user(s *session) *userView {
	if s == nil {
		return nil
	}
	return &userView{Workspace: s.wsName, KeyName: s.keyName, Scope: s.scope, CSRF: s.csrf,
		CanWrite: s.scope.Allows(payment.ScopeReadWrite), IsAdmin: s.scope.Allows(payment.ScopeAdmin),
		Reconcile: h.opts.Reconcile != nil, Webhooks: h.opts.Webhooks != nil}
}

// render executes a page into a buffer first, so a template error never leaves half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := h.tpl.pages[name]
	if !ok {
		h.serverError(w, r, nil, fmt.Errorf("dashboard: no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		h.opts.Logger.Error("dashboard: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// redirectError is redirect with an error message.
func (h *Handler) redirectError(w http.ResponseWriter, r *http.Request, s *session, to, msg string) {
	h.setFlash(s, flash{Error: true, Text: msg})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// show renders a page of a signed-in session, with its pending flash message.
func (h *Handler) show(w http.ResponseWriter, r *http.Request, s *session, status int, name, title, nav string, data any) {
	h.render(w, r, status, name, &page{Title: title, Nav: nav, User: h.user(s), Flash: h.takeFlash(s), Data: data})
}

type errorView struct {
	Status  int
	Message string
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	h.render(w, r, status, "error", &page{Title: http.StatusText(status), User: h.user(s),
		Data: errorView{Status: status, Message: msg}})
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, s *session) {
	if s == nil {
		s, _ = h.lookup(r)
	}
	h.fail(w, r, s, http.StatusNotFound, "There is nothing at this address.")
}

func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	h.opts.Logger.Error("dashboard: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	h.fail(w, r, s, http.StatusInternalServerError, "Something went wrong on our side. It was logged; try again in a moment.")
}

// redirect sends the browser on after a successful POST (post/redirect/get), with a message.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, s *session, to, msg string) {
	if msg != "" {
		h.setFlash(s, flash{Text: msg})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// formatMoney writes minor units in major units with thousands grouped: 12345678 TRY → "123,456.78 TRY".
func formatMoney(minor int64, c payment.Currency) string {
	s := payment.FormatMinor(minor, c)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, ch := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	b.WriteByte(' ')
	b.WriteString(string(c))
	return b.String()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func badgeClass(s payment.Status) string {
	switch s {
	case payment.StatusSettled, payment.StatusReconciled:
		return "badge ok"
	case payment.StatusFailed:
		return "badge bad"
	case payment.StatusCancelled:
		return "badge muted"
	case payment.StatusProcessing:
		return "badge info"
	}
	return "badge warn"
}

func sizeText(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n>>10, 10) + " KiB"
}
