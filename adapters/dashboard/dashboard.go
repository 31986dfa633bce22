package dashboard

import (
	"embed"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/detect"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Options configures the dashboard. The zero value means: wall clock, sessions that end after 7 days
// without use (the docs' default), cookies without the Secure flag and no HSTS (set SecureCookies behind
// HTTPS), logs discarded, and no Reconciliation or Webhooks pages.
type Options struct {
	Logger *slog.Logger
	Clock  payment.Clock
	// SessionIdle ends a session that was not used for this long (7 days when zero; at least 1 hour).
	SessionIdle time.Duration
	// SecureCookies sets the Secure flag on cookies and names them with the __Host- prefix
	// (__Host-orkesta_session rather than orkesta_session), and sends Strict-Transport-Security
	// (max-age=31536000) on every response. Use it whenever the dashboard is served over HTTPS (also
	// behind a proxy that ends TLS); never on plain HTTP, where browsers would drop the cookies.
	SecureCookies bool
	// MaxUpload caps an uploaded file (statement, batch CSV); 32 MiB when zero.
	MaxUpload int64
	// Reconcile backs the Reconciliation pages; nil hides them.
	Reconcile Reconciler
	// Decode reads an uploaded statement; nil means reconcile/detect.Decode with DecodeOptions (MT940,
	// camt.053, BAI2, CSV or XLSX, found from the content), a CSV or XLSX file that names no currency
	// being in the currency of the account chosen for the run.
	Decode func(r io.ReaderAt, size int64) ([]reconcile.Statement, error)
	// DecodeOptions are the options of the default Decode: the column mappings of the workspace's
	// banks (CSV.Mappings, XLSX.Mappings), a character set.
	DecodeOptions detect.Options
	// Webhooks backs Integrations → Webhooks (adapters/webhook's Dispatcher; cmd/orkesta wires it
	// in); nil hides it.
	Webhooks payment.Webhooks
	// SignInFailures is how many failed sign-ins a client may make at once before it must wait: one
	// more is allowed every 6 seconds, and until then the sign-in answers 429 without asking the key
	// store. Sign-ins sent at once beyond the failures left wait, up to 5 seconds, for those being
	// checked. DefaultSignInFailures when zero; negative: no limit.
	SignInFailures int
	// ClientIP names the client of a request for that limit; nil uses the connection's address. Set
	// it behind a reverse proxy you trust (from the header it sets), or every client shares the
	// proxy's limit.
	ClientIP func(*http.Request) string
}

// Handler is the dashboard, an http.Handler. Mount it at the root of a mux (its paths are absolute).
type Handler struct {
	svc  *payment.Service
	keys payment.KeyStore
	opts Options
	mux  *http.ServeMux
	tpl  *templates

	mu       sync.Mutex
	sessions map[string]*session
	lastGC   time.Time

	signIns *signInLimiter // nil: no limit
}

// New returns the dashboard on svc; keys authenticates sign-ins and backs Settings → API keys.
func New(svc *payment.Service, keys payment.KeyStore, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = svc.Clock()
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = 7 * 24 * time.Hour
	}
	if opts.SessionIdle < time.Hour {
		opts.SessionIdle = time.Hour
	}
	if opts.MaxUpload <= 0 {
		opts.MaxUpload = 32 << 20
	}
	if opts.SignInFailures == 0 {
		opts.SignInFailures = DefaultSignInFailures
	}
	h := &Handler{svc: svc, keys: keys, opts: opts, tpl: mustTemplates(), sessions: make(map[string]*session)}
	if opts.SignInFailures > 0 {
		h.signIns = newSignInLimiter(opts.SignInFailures)
	}
	h.routes()
	return h
}

func (h *Handler) routes() {
	m := http.NewServeMux()
	assets, _ := fs.Sub(assetFS, "assets")
	m.Handle("GET /assets/", http.StripPrefix("/assets/", cacheAssets(http.FileServerFS(assets))))
	m.HandleFunc("GET /login", h.loginPage)
	m.HandleFunc("POST /login", h.login)
	m.HandleFunc("POST /logout", h.logout)

	m.Handle("GET /{$}", h.auth(payment.ScopeReadOnly, func(w http.ResponseWriter, r *http.Request, _ *session) {
		http.Redirect(w, r, "/payments", http.StatusSeeOther)
	}))
	m.Handle("GET /payments", h.auth(payment.ScopeReadOnly, h.paymentsList))
	m.Handle("GET /payments/new", h.auth(payment.ScopeReadWrite, h.paymentNew))
	m.Handle("POST /payments", h.auth(payment.ScopeReadWrite, h.paymentCreate))
	m.Handle("GET /payments/{id}", h.auth(payment.ScopeReadOnly, h.paymentShow))
	m.Handle("POST /payments/{id}/{action}", h.auth(payment.ScopeReadWrite, h.paymentAction))

	m.Handle("GET /batch", h.auth(payment.ScopeReadWrite, h.batchPage))
	m.Handle("POST /batch", h.auth(payment.ScopeReadWrite, h.batchUpload))
	m.Handle("POST /batch/failed.csv", h.auth(payment.ScopeReadWrite, h.batchFailed))

	m.Handle("GET /settings/keys", h.auth(payment.ScopeAdmin, h.keysPage))
	m.Handle("POST /settings/keys", h.auth(payment.ScopeAdmin, h.keysCreate))
	m.Handle("POST /settings/keys/{id}/revoke", h.auth(payment.ScopeAdmin, h.keysRevoke))

	h.webhookRoutes(m)
	h.reconcileRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.notFound(w, r, nil) })
	h.mux = m
}

// ServeHTTP implements http.Handler. Every response gets a strict Content-Security-Policy: the
// dashboard loads nothing from anywhere else and runs no inline script. With SecureCookies it also
// gets Strict-Transport-Security: browsers then reach it only over HTTPS for a year.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	if h.opts.SecureCookies {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

func cacheAssets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}
