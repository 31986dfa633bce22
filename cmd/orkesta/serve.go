package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/adapters/dashboard"
	"github.com/orkesta/orkesta/adapters/httpapi"
	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/rail/sandbox"
	"github.com/orkesta/orkesta/adapters/webhook"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/detect"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

type serveConfig struct {
	addr        string
	rail        string
	apiKey      string
	noDemo      bool
	plan        string
	logFormat   string
	logLevel    string
	settleDelay time.Duration
	webhookHTTP bool
	approval    payment.ApprovalMode
	mappings    []string       // column mapping files for the banks' CSV and XLSX exports
	typeCodes   []string       // CODE=credit|debit for a bank's own BAI2 detail type codes
	decode      detect.Options // statement uploads, through the API and the dashboard (serve reads mappings into it)
	// planSet and approvalSet say the flags were given (they only shape a new workspace).
	planSet, approvalSet bool

	webhookPrivate bool // webhook deliveries may reach loopback and private networks (local development)
	secureCookies  bool // the dashboard's cookies are Secure (a server behind an HTTPS proxy)
}

func (c *cli) serveCommand() *cobra.Command {
	var sc serveConfig
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080] [--db orkesta.db | --postgres DSN] [--rail sandbox]",
		Short: "Run the API, the dashboard, the payment processor and webhook delivery",
		Long: `Run the REST API (/v1/…), the dashboard (/), the payment processor and webhook delivery on one
database, until SIGINT or SIGTERM (then it drains in-flight requests and stops cleanly).

With no flags it uses SQLite in ./orkesta.db. The first start on a new database creates the workspace
and an admin API key, printed once; ORKESTA_API_KEY (or --api-key) seeds that key instead, for
scripts. With the sandbox rail (the default) a new database also gets demo accounts (--no-demo skips
them). GET /healthz answers 200 when the database is reachable.`,
		Example: `  orkesta serve
  orkesta serve --addr 0.0.0.0:8080 --db /var/lib/orkesta/orkesta.db
  ORKESTA_API_KEY=ok_… orkesta serve --postgres "postgres://orkesta@db:5432/orkesta" --no-demo`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.applyEnv(cmd)
			if f := cmd.Flags().Lookup("api-key"); !f.Changed {
				sc.apiKey = c.getenv("ORKESTA_API_KEY")
			}
			sc.planSet, sc.approvalSet = cmd.Flags().Changed("plan"), cmd.Flags().Changed("approval")
			if f := cmd.Flags().Lookup("addr"); !f.Changed && c.getenv("ORKESTA_ADDR") != "" {
				sc.addr = c.getenv("ORKESTA_ADDR")
			}
			for _, b := range []struct {
				flag, env string
				dst       *bool
			}{
				{"webhook-allow-private", "ORKESTA_WEBHOOK_ALLOW_PRIVATE", &sc.webhookPrivate},
				{"secure-cookies", "ORKESTA_SECURE_COOKIES", &sc.secureCookies},
			} {
				if err := c.boolEnv(cmd, b.flag, b.env, b.dst); err != nil {
					return err
				}
			}
			return c.serve(cmd.Context(), sc)
		},
	}
	f := cmd.Flags()
	f.StringVar(&sc.addr, "addr", "127.0.0.1:8080", "listen address (env ORKESTA_ADDR)")
	f.StringVar(&sc.rail, "rail", "sandbox", "payment rail: sandbox (simulated network) or none (no network: approved payments wait for orkesta export pain001)")
	f.StringVar(&sc.apiKey, "api-key", "", "seed this admin API key instead of generating one (env ORKESTA_API_KEY)")
	f.DurationVar(&sc.settleDelay, "settle-delay", 5*time.Second, "sandbox: how long a payment stays processing before it settles")
	f.BoolVar(&sc.webhookHTTP, "webhook-allow-http", false, "accept http:// webhook endpoints (local development only)")
	f.BoolVar(&sc.webhookPrivate, "webhook-allow-private", false,
		"deliver webhooks to loopback and private-network addresses too (local development only; env ORKESTA_WEBHOOK_ALLOW_PRIVATE)")
	f.BoolVar(&sc.secureCookies, "secure-cookies", false,
		"mark the dashboard's cookies Secure and send HSTS, for a server behind an HTTPS proxy (env ORKESTA_SECURE_COOKIES)")
	f.BoolVar(&sc.noDemo, "no-demo", false, "do not create demo accounts on a new database")
	f.StringVar(&sc.plan, "plan", "growth", "plan of a new workspace: starter, growth or enterprise")
	f.StringVar((*string)(&sc.approval), "approval", string(payment.ApprovalNone),
		"approval policy of a new workspace: none (payments are sent at once) or required (they wait for an approver)")
	f.StringArrayVar(&sc.mappings, "mapping", nil,
		"column mapping file (JSON or YAML) for a bank's CSV or XLSX exports, tried before the built-in presets; repeatable")
	f.StringArrayVar(&sc.typeCodes, "type-code", nil, typeCodeUsage)
	f.StringVar(&sc.logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&sc.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

// boolEnv sets *dst from the environment variable env when the flag was not given: true, false,
// 1 or 0 (strconv.ParseBool); anything else is a usage error.
func (c *cli) boolEnv(cmd *cobra.Command, flag, env string, dst *bool) error {
	v := c.getenv(env)
	if cmd.Flags().Changed(flag) || v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return usagef("%s=%q: want true or false", env, v)
	}
	*dst = b
	return nil
}

func planNamed(name string) (payment.Plan, bool) {
	switch name {
	case "starter":
		return payment.PlanStarter, true
	case "growth":
		return payment.PlanGrowth, true
	case "enterprise":
		return payment.PlanEnterprise, true
	}
	return payment.Plan{}, false
}

func (c *cli) logger(format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", level)
	}
	o := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(c.stderr, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(c.stderr, o)), nil
	}
	return nil, usagef("--log-format %q: want text or json", format)
}

func (c *cli) serve(ctx context.Context, sc serveConfig) error {
	log, err := c.logger(sc.logFormat, sc.logLevel)
	if err != nil {
		return err
	}
	plan, ok := planNamed(sc.plan)
	if !ok {
		return usagef("--plan %q: want starter, growth or enterprise", sc.plan)
	}
	if sc.approval != payment.ApprovalNone && sc.approval != payment.ApprovalRequired {
		return usagef("--approval %q: want none or required", sc.approval)
	}
	if sc.rail != "sandbox" && sc.rail != "none" {
		return usagef("--rail %q: want sandbox or none", sc.rail)
	}
	wsID, err := parseWorkspaceID(c.workspace)
	if err != nil {
		return err
	}
	maps, err := loadMappings(sc.mappings) // before anything is opened: a bad file stops here
	if err != nil {
		return err
	}
	sc.decode.CSV.Mappings, sc.decode.XLSX.Mappings = maps, maps
	sc.decode.TypeCodeHelp = func(codes []string) string { return "orkesta serve: --type-code " + codes[0] + "=credit" }
	if sc.decode.BAI2.TypeCodes, err = parseTypeCodes(sc.typeCodes); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", sc.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", sc.addr, err)
	}
	defer func() { _ = ln.Close() }()

	b, err := c.open(ctx, log, true)
	if err != nil {
		return err
	}
	defer func() {
		if err := b.close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	log.Info("database open", "kind", b.kind, "db", c.db.String())

	s, err := c.assemble(ctx, log, b, wsID, plan, sc)
	if err != nil {
		return err
	}

	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // statement uploads
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, w := range s.workers {
		wg.Go(func() {
			if err := w.run(bg); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("worker stopped", "worker", w.name, "err", err)
			}
		})
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	log.Info("orkesta is running", "dashboard", "http://"+addr+"/", "api", "http://"+addr+"/v1/", "workspace", wsID)
	if c.onListen != nil {
		c.onListen(addr)
	}

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "cause", context.Cause(ctx))
	case runErr = <-serveErr:
	}
	shCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shCtx); err != nil {
		log.Error("http shutdown", "err", err)
	}
	stopBG()
	wg.Wait()
	if runErr != nil && !errors.Is(runErr, http.ErrServerClosed) {
		return runErr
	}
	log.Info("stopped")
	return nil
}

// worker is a background loop of the server (processor, webhook delivery) that stops when its
// context ends.
type worker struct {
	name string
	run  func(ctx context.Context) error
}

// server is everything serve runs.
type server struct {
	handler http.Handler
	workers []worker
}

// assemble wires the service, the first-start bootstrap, the HTTP handlers and the workers.
func (c *cli) assemble(ctx context.Context, log *slog.Logger, b *backend, wsID payment.WorkspaceID, plan payment.Plan,
	sc serveConfig) (*server, error) {
	opts := payment.Options{Clock: c.clock, IDs: c.ids, Location: time.Local} // today is this machine's, as for the CLI
	var workers []worker
	if sc.rail == "sandbox" {
		if b.kind == "postgres" {
			log.Warn("the sandbox rail keeps its transfers in this process: run one 'orkesta serve --rail sandbox' per database, " +
				"or another instance's processor sends again what this one sent")
		}
		rail := sandbox.New(sandbox.Options{Clock: c.clock, SettleDelay: sc.settleDelay})
		opts.Rails = map[payment.Method]payment.Rail{}
		for _, m := range payment.Methods() {
			opts.Rails[m] = rail
		}
	}
	svc := payment.NewService(b.store, opts)
	if _, ok := b.store.(payment.Claimer); len(opts.Rails) > 0 && !ok {
		log.Warn("this database cannot hand out work to the payment processor yet: payments are sent only with 'Send now' in the dashboard",
			"kind", b.kind)
	} else if len(opts.Rails) > 0 {
		proc := payment.NewProcessor(svc, payment.ProcessorOptions{Logger: log, PollInterval: 2 * time.Second,
			Interval: time.Second})
		workers = append(workers, worker{name: "processor", run: proc.Run})
	}
	ws, created, err := ensureWorkspace(ctx, b.store, wsID, plan, sc.approval, c.now().Now())
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("created workspace", "workspace", ws.ID, "plan", ws.Plan.Name, "approval", ws.Approval.Mode)
	} else if sc.approvalSet && sc.approval == payment.ApprovalRequired && ws.Approval.Mode != payment.ApprovalRequired {
		// Starting as asked would send payments at once while the operator believes each waits for
		// an approver.
		return nil, usagef("--approval required: workspace %s sends payments without approval (approval %s: not all wait for an approver); "+
			"the flag shapes a new workspace only, and a workspace keeps the policy it was created with: "+
			"start on a new database (--db) for one whose payments wait for an approver", ws.ID, ws.Approval.Mode)
	} else if (sc.planSet && ws.Plan.Name != plan.Name) || (sc.approvalSet && ws.Approval.Mode != sc.approval) {
		log.Warn("--plan and --approval shape a new workspace only; this database keeps its own",
			"workspace", ws.ID, "plan", ws.Plan.Name, "approval", ws.Approval.Mode)
	}
	// A new database is one this start created the workspace of, or one an earlier start stopped on
	// before it stored the admin key. Only a new database gets the demo accounts: a restart without
	// --no-demo adds none to a workspace that started without them.
	isNew := created
	if !created && b.keys != nil {
		keys, err := b.keys.ListAPIKeys(ctx, ws.ID)
		if err != nil {
			return nil, err
		}
		isNew = len(keys) == 0
	}
	if err := c.bootstrapKey(ctx, log, b, svc, ws.ID, sc.apiKey); err != nil {
		return nil, err
	}
	if sc.rail == "sandbox" && !sc.noDemo && isNew {
		if err := seedDemo(ctx, log, svc, ws.ID); err != nil {
			return nil, err
		}
	}
	runs := reconcile.NewService(svc, runStore(log, b), reconcile.ServiceOptions{})
	routes := httpapi.ReconciliationRoutes(runs, httpapi.ReconciliationOptions{Decode: sc.decode})
	var hooks payment.Webhooks // the dispatcher configures endpoints for the dashboard and the API
	if whs, ok := b.store.(payment.WebhookStore); ok && b.events != nil {
		d := webhook.New(b.events, whs, webhook.Options{Clock: c.clock, IDs: c.ids, AllowHTTP: sc.webhookHTTP,
			AllowPrivateNetworks: sc.webhookPrivate, Logger: log})
		hooks = d
		routes = append(routes, httpapi.WebhookRoutes(d)...)
		workers = append(workers, worker{name: "webhooks", run: d.Run})
	} else {
		log.Warn("this database does not keep webhook endpoints yet: webhooks are off", "kind", b.kind)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := b.store.GetWorkspace(r.Context(), ws.ID); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("/v1/", httpapi.New(svc, b.keys, httpapi.Options{Logger: log, Clock: c.clock, Sandbox: sc.rail == "sandbox",
		Responses: responseStore(b), Routes: routes}))
	mux.Handle("/", dashboard.New(svc, b.keys, dashboard.Options{Logger: log, Clock: c.clock, SecureCookies: sc.secureCookies,
		Reconcile: dashboard.NewServiceReconciler(runs, xlsx.WriteReport), Webhooks: hooks, DecodeOptions: sc.decode}))
	return &server{handler: logRequests(log, mux), workers: workers}, nil
}

// runStore is where reconciliation runs persist: the database when its adapter keeps runs, else
// memory (runs are then lost on restart; the payments they reconciled stay reconciled).
func runStore(log *slog.Logger, b *backend) reconcile.Store {
	switch st := b.store.(type) {
	case reconcile.Store:
		return st
	case *memory.Store:
		return memory.NewRunStore(st)
	}
	log.Warn("this database does not keep reconciliation runs yet: runs are kept in memory until the server stops", "kind", b.kind)
	return memory.NewRunStore(nil)
}

// bootstrapKey makes sure the workspace can be signed in to: a seeded key (--api-key or
// ORKESTA_API_KEY) is stored as an admin key if it is new; a workspace without keys gets a generated
// admin key, printed once on stdout.
func (c *cli) bootstrapKey(ctx context.Context, log *slog.Logger, b *backend, svc *payment.Service, ws payment.WorkspaceID, seed string) error {
	if b.keys == nil {
		return errors.New("the database keeps no API keys; serve needs a KeyStore")
	}
	if seed != "" {
		k, err := b.keys.GetAPIKeyByHash(ctx, payment.HashAPIKey(seed))
		switch {
		case err == nil:
			if k.Workspace != ws {
				return fmt.Errorf("the seeded API key belongs to workspace %s, not %s", k.Workspace, ws)
			}
			if !k.Active(c.now().Now()) {
				return fmt.Errorf("the seeded API key %s is revoked or expired", k.ID)
			}
			return nil
		case !errors.Is(err, payment.ErrNotFound):
			return err
		}
		if len(seed) < 16 {
			return usagef("the seeded API key is too short: use at least 16 characters")
		}
		k, _, err = c.newAPIKey(ctx, b.keys, svc, ws, "bootstrap", payment.ScopeAdmin, time.Time{}, seed)
		if err != nil {
			return err
		}
		log.Info("seeded admin API key", "key", k.ID, "prefix", k.Prefix)
		return nil
	}
	keys, err := b.keys.ListAPIKeys(ctx, ws)
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		return nil
	}
	k, secret, err := c.newAPIKey(ctx, b.keys, svc, ws, "admin", payment.ScopeAdmin, time.Time{}, "")
	if err != nil {
		return err
	}
	log.Info("created admin API key", "key", k.ID)
	_, err = fmt.Fprintf(c.stdout, "\nAdmin API key (shown only this once; sign in to the dashboard with it):\n\n    %s\n\n", secret)
	return err
}

// seedDemo gives an empty workspace a few accounts so the dashboard is usable at once.
func seedDemo(ctx context.Context, log *slog.Logger, svc *payment.Service, ws payment.WorkspaceID) error {
	have, err := svc.ListAccounts(ctx, ws)
	if err != nil || len(have) > 0 {
		return err
	}
	for _, r := range demoAccounts() {
		if _, err := svc.CreateAccount(ctx, ws, r); err != nil {
			return fmt.Errorf("demo account %s: %w", r.Name, err)
		}
	}
	log.Info("created demo accounts (--no-demo skips them)", "count", len(demoAccounts()))
	return nil
}

func demoAccounts() []payment.AccountRequest {
	return []payment.AccountRequest{
		{Name: "Operating Account", Currency: "TRY", Type: payment.AccountInternal, IBAN: "TR330006100519786457841326"},
		{Name: "EUR Account", Currency: "EUR", Type: payment.AccountInternal, IBAN: "DE89370400440532013000"},
		{Name: "Yılmaz Tekstil A.Ş.", Currency: "TRY", Type: payment.AccountExternal, IBAN: "TR320010009999901234567890"},
		{Name: "Anadolu Lojistik Ltd.", Currency: "TRY", Type: payment.AccountExternal, IBAN: "TR830006200000000012345678"},
		{Name: "Rossi S.p.A.", Currency: "EUR", Type: payment.AccountExternal, IBAN: "IT60X0542811101000000123456"},
	}
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests logs one line per request: method, path, status, duration. Query strings and bodies are
// never logged.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "http", slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)))
	})
}
