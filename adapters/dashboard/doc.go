// Package dashboard is Orkesta's web dashboard: server-rendered HTML (html/template) on a
// payment.Service, with its templates, stylesheet and a few lines of JavaScript embedded in the binary.
// No CDN, no JavaScript framework; every page works without JavaScript.
//
// People sign in with an API key of the workspace. The session lives in the Handler's memory (a
// random id in an HttpOnly, SameSite=Strict cookie, Secure and named __Host-orkesta_session with
// Options.SecureCookies, which also turns on HSTS); the key is checked again on every request, so a
// revoked or expired key ends its sessions at once. Every form carries a CSRF token. A key's scope
// decides what its sessions may do: read-only keys see everything but change nothing, read-write keys
// create and cancel payments, upload batches, reconcile and configure webhooks, and only admin keys
// manage API keys. Sessions live in the process: several instances behind one address need sticky
// sessions (or people sign in again when they land on another instance).
//
// Pages: Payments (list with status filters and a reference search, New payment with exact amounts
// and field errors next to the fields, a payment with its history and the actions its status allows),
// Batch (CSV upload with per-row results and the failed rows to download; the same file uploaded
// again creates only what is missing, since rows without a key of their own get one from the file's
// content; ReadPaymentsCSV and SubmitCSV are exported for the CLI), Payments → Reconciliation (when Options.Reconcile is set),
// Settings → API keys, and Integrations → Webhooks (when Options.Webhooks is set). Every page is
// usable at 1280 px and on a phone. Failed sign-ins are limited per client (Options.SignInFailures).
//
//	runs := reconcile.NewService(svc, runStore, reconcile.ServiceOptions{})
//	h := dashboard.New(svc, keys, dashboard.Options{
//		Reconcile: dashboard.NewServiceReconciler(runs, xlsx.WriteReport),
//		Webhooks:  hooks, // a payment.Webhooks: adapters/webhook's Dispatcher
//	})
//	mux.Handle("/", h)
package dashboard
