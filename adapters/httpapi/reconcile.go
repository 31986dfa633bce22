package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/bai2"
	"github.com/orkesta/orkesta/reconcile/detect"
	"github.com/orkesta/orkesta/reconcile/tabular"
	"github.com/orkesta/orkesta/reconcile/xlsx"
)

// DefaultMaxStatementBytes caps an uploaded statement file (413 above it).
const DefaultMaxStatementBytes = 32 << 20

// Error codes of the reconciliation endpoints.
const (
	CodeRunClosed        = "run_closed"         // 409: the run is finalized (or finalizing) and read-only
	CodeRunHasOpenItems  = "run_has_open_items" // 409: finalize while entries are proposed, unmatched or anomalies
	CodeReviewNotAllowed = "review_not_allowed" // 409: the entry's state does not take this review action
	CodeRunOverlaps      = "run_overlaps"       // 409: create a run whose period overlaps an unfinalized run of the account
	CodeProposalChanged  = "proposal_changed"   // 409: approve or reject a proposal the entry no longer makes
	CodeNotAcceptable    = "not_acceptable"     // 406: Accept names no report format the API writes
)

// Report media types.
const (
	mediaCSV  = "text/csv"
	mediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// ReconciliationOptions configures ReconciliationRoutes. The zero value accepts statements up to
// 32 MiB in any format reconcile/detect recognises.
type ReconciliationOptions struct {
	// MaxStatementBytes caps an uploaded statement file; 0 means DefaultMaxStatementBytes.
	MaxStatementBytes int64
	// Decode configures the statement decoders (CSV mappings, strictness, charsets). The upload's
	// ?currency= parameter overrides Decode.Currency.
	Decode detect.Options
}

// ReconciliationRoutes returns the reconciliation endpoints on runs, to mount on a Handler (with
// Options.Routes or Handler.Mount); they get the Handler's authentication, scopes (read-only for GET,
// read-write otherwise), workspace isolation, request ids and idempotency. The actor of every change
// is the calling API key.
//
//	POST /v1/reconciliation/runs                                   create (201)
//	GET  /v1/reconciliation/runs                                   list (?account, ?status)
//	GET  /v1/reconciliation/runs/{id}                              entries and decisions (?state)
//	POST /v1/reconciliation/runs/{id}/statements                   upload a statement file
//	POST /v1/reconciliation/runs/{id}/entries/{fingerprint}/approve|reject|map|dismiss|unmatch
//	POST /v1/reconciliation/runs/{id}/finalize                     payments → reconciled
//	GET  /v1/reconciliation/runs/{id}/report                       JSON, CSV or XLSX (?format, Accept)
//
// A statement is the raw body (application/octet-stream) or the "file" part of a multipart/form-data
// form; its format is detected from its content. A file that is no statement is 422 not_a_statement,
// one with errors 422 statement_invalid with every problem (line or cell, field, reason) in errors;
// nothing is imported then. Run states map to 409: run_closed (a finalized run is read-only),
// review_not_allowed (the entry's state does not take the action), run_has_open_items (finalize),
// run_overlaps (a new run's period overlaps a run of the account that is not finalized),
// proposal_changed (approve or reject named payments the entry no longer proposes).
func ReconciliationRoutes(runs *reconcile.Service, opts ReconciliationOptions) []Route {
	if opts.MaxStatementBytes <= 0 {
		opts.MaxStatementBytes = DefaultMaxStatementBytes
	}
	rc := &reconRoutes{runs: runs, opts: opts}
	const base = "/v1/reconciliation/runs"
	entry := base + "/{id}/entries/{fingerprint}/"
	return []Route{
		rc.route("POST "+base, 0, rc.createRun),
		rc.route("GET "+base, 0, rc.listRuns),
		rc.route("GET "+base+"/{id}", 0, rc.getRun),
		rc.route("POST "+base+"/{id}/statements", opts.MaxStatementBytes, rc.uploadStatement),
		rc.route("POST "+entry+"approve", 0, rc.review(reconcile.ActionApprove)),
		rc.route("POST "+entry+"reject", 0, rc.review(reconcile.ActionReject)),
		rc.route("POST "+entry+"map", 0, rc.review(reconcile.ActionMap)),
		rc.route("POST "+entry+"dismiss", 0, rc.review(reconcile.ActionDismiss)),
		rc.route("POST "+entry+"unmatch", 0, rc.review(reconcile.ActionUnmatch)),
		rc.route("POST "+base+"/{id}/finalize", 0, rc.finalize),
		rc.route("GET "+base+"/{id}/report", 0, rc.report),
	}
}

type reconRoutes struct {
	runs *reconcile.Service
	opts ReconciliationOptions
}

// route adapts an endpoint function to a Route whose errors pass through reconError.
func (rc *reconRoutes) route(pattern string, limit int64, fn func(c *call) error) Route {
	return mountedRoute(pattern, limit, func(c *call) error { return rc.reconError(fn(c)) })
}

// reconError maps the reconciliation errors that have their own API codes; every other error goes to
// the package's mapping unchanged.
func (rc *reconRoutes) reconError(err error) error {
	if err == nil {
		return nil
	}
	var (
		open    *reconcile.OpenItemsError
		closed  *reconcile.RunStatusError
		rev     *reconcile.ReviewError
		overlap *reconcile.RunOverlapError
		changed *reconcile.ProposalChangedError
	)
	switch {
	case errors.As(err, &overlap):
		return newError(http.StatusConflict, TypeInvalidRequest, CodeRunOverlaps, strings.TrimPrefix(overlap.Error(), "reconcile: "))
	case errors.As(err, &changed):
		return newError(http.StatusConflict, TypeInvalidRequest, CodeProposalChanged, strings.TrimPrefix(changed.Error(), "reconcile: "))
	case errors.As(err, &open):
		return newError(http.StatusConflict, TypeInvalidRequest, CodeRunHasOpenItems,
			strings.TrimPrefix(open.Error(), "reconcile: ")+
				"; resolve them first (GET the run with ?state=proposed,unmatched,anomaly lists them)")
	case errors.As(err, &closed):
		msg := fmt.Sprintf("run %s is %s and read-only: it cannot %s", closed.Run, closed.Status, closed.Action)
		if closed.Action == reconcile.ActionFinalize {
			msg = fmt.Sprintf("run %s is already %s", closed.Run, closed.Status)
		}
		return newError(http.StatusConflict, TypeInvalidRequest, CodeRunClosed, msg)
	case errors.As(err, &rev):
		return newError(http.StatusConflict, TypeInvalidRequest, CodeReviewNotAllowed,
			fmt.Sprintf("entry %s is %s: %s takes %s entries", rev.Entry, rev.State, rev.Action, allowedStates(rev.Action)))
	case errors.Is(err, reconcile.ErrParse):
		// A file that is no statement at all is a *reconcile.ParseError too (it matches ErrParse): the
		// more specific class wins. Param names the first problem's place, as for a request body.
		e := statementError(err)
		if errors.Is(err, reconcile.ErrNotStatement) {
			e.Code = CodeNotStatement
			why := err.Error()
			if _, after, ok := strings.Cut(why, reconcile.ErrNotStatement.Error()+": "); ok {
				why = after
			}
			e.Message = "the file is not a bank statement: " + why
			if len(e.Errors) == 1 && e.Errors[0].Param == "" { // about the whole file, not a line of it
				e.Errors[0].Param, e.Errors[0].Message = "file", e.Message
			}
		}
		if codes := bai2.OwnTypeCodes(err); len(codes) > 0 {
			e.Message += "; " + rc.opts.Decode.TypeCodeAdvice(codes)
		}
		if len(e.Errors) > 0 {
			e.Param = e.Errors[0].Param
		}
		return e
	case errors.Is(err, payment.ErrConflict) && !errors.Is(err, payment.ErrNotFound):
		if e := paymentConflicts(err); e != nil {
			return e
		}
	}
	return err
}

// allowedStates names the decision states a review action takes (reconcile's review rules).
func allowedStates(a reconcile.RunAction) string {
	switch a {
	case reconcile.ActionApprove, reconcile.ActionReject:
		return "proposed"
	case reconcile.ActionMap:
		return "unmatched, anomaly or proposed"
	case reconcile.ActionDismiss:
		return "unmatched or anomaly"
	case reconcile.ActionUnmatch:
		return "matched or proposed"
	}
	return "matched" // undo, after finalization
}

// paymentConflicts turns Finalize's refusal over payments someone else moved ("payment: conflict:
// payment pay_… (entry line 14) is cancelled; unmatch the entry") into a 409 that names them. A bare
// ErrConflict (a lost compare-and-set) keeps the generic answer.
func paymentConflicts(err error) *Error {
	var msgs []string
	var walk func(error)
	walk = func(x error) {
		if j, ok := x.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				walk(c)
			}
			return
		}
		if m, ok := strings.CutPrefix(x.Error(), payment.ErrConflict.Error()+": "); ok && strings.HasPrefix(m, "payment ") {
			msgs = append(msgs, m)
		}
	}
	walk(err)
	if len(msgs) == 0 {
		return nil
	}
	return newError(http.StatusConflict, TypeInvalidRequest, CodeConflict, msgs[0]+andMore(len(msgs)-1))
}

// runID parses the {id} path value; anything that is not a run id is simply not found.
func runID(c *call) (reconcile.RunID, error) {
	raw := c.r.PathValue("id")
	if !strings.HasPrefix(raw, reconcile.PrefixRun) || len(raw) > 64 {
		return "", notFound("reconciliation run", raw)
	}
	return reconcile.RunID(raw), nil
}

// createRun: POST /v1/reconciliation/runs with account, from, to and date_window.
func (rc *reconRoutes) createRun(c *call) error {
	body, err := readBody(c.w, c.r, c.h.opts.MaxBodyBytes, true)
	if err != nil {
		return err
	}
	req, derr := decodeRunRequest(body)
	if derr != nil {
		return derr
	}
	run, err := rc.runs.CreateRun(c.r.Context(), c.key.Workspace, req, c.key.ID)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusCreated, ptr(runOf(&run, nil)))
	return nil
}

// listRuns: GET /v1/reconciliation/runs, newest first, optionally of one account or status.
func (rc *reconRoutes) listRuns(c *call) error {
	var f reconcile.RunFilter
	err := parseQuery(c.r.URL.RawQuery, func(name, v string) error {
		switch name {
		case "account":
			id, err := payment.ParseAccountID(v)
			if err != nil {
				return badParam(name, "must be an account id (acc_ followed by a ULID)")
			}
			f.Account = id
		case "status":
			switch s := reconcile.RunStatus(v); s {
			case reconcile.RunOpen, reconcile.RunFinalizing, reconcile.RunFinalized:
				f.Status = s
			default:
				return badParam(name, "must be open, finalizing or finalized")
			}
		default:
			return nil
		}
		return errKnown
	})
	if err != nil {
		return err
	}
	runs, err := rc.runs.ListRuns(c.r.Context(), c.key.Workspace, f)
	if err != nil {
		return err
	}
	out := ReconciliationRunList{Data: make([]ReconciliationRunSummary, len(runs))}
	for i := range runs {
		out.Data[i] = runSummaryOf(&runs[i])
	}
	writeJSON(c.w, http.StatusOK, &out)
	return nil
}

// getRun: GET /v1/reconciliation/runs/{id}, with every entry and its decision, or only the entries in
// the states ?state= names.
func (rc *reconRoutes) getRun(c *call) error {
	var states []reconcile.DecisionState
	err := parseQuery(c.r.URL.RawQuery, func(name, v string) error {
		if name != "state" {
			return nil
		}
		var err error
		if states, err = parseStates(name, v); err != nil {
			return err
		}
		return errKnown
	})
	if err != nil {
		return err
	}
	id, err := runID(c)
	if err != nil {
		return err
	}
	run, err := rc.runs.GetRun(c.r.Context(), c.key.Workspace, id)
	if err != nil {
		return orNotFound(err, "reconciliation run", string(id))
	}
	var keep func(*reconcile.RunEntry) bool
	if states != nil {
		keep = func(e *reconcile.RunEntry) bool { return slices.Contains(states, e.Decision.State) }
	}
	writeJSON(c.w, http.StatusOK, ptr(runOf(&run, keep)))
	return nil
}

// parseStates reads the comma-separated decision states of parameter name, each once, in the order
// first given; an unknown one is invalid_parameter.
func parseStates(name, v string) ([]reconcile.DecisionState, error) {
	var states []reconcile.DecisionState
	for s := range strings.SplitSeq(v, ",") {
		st := reconcile.DecisionState(s)
		if !slices.Contains(decisionStates, st) {
			return nil, badParam(name, "must be one or more of matched, proposed, unmatched, anomaly, dismissed (comma-separated)")
		}
		// Each state once: every entry of the run is compared with every state given, and a query
		// of 90,000 repeats made that 90,000 comparisons per entry.
		if !slices.Contains(states, st) {
			states = append(states, st)
		}
	}
	return states, nil
}

var decisionStates = []reconcile.DecisionState{reconcile.StateMatched, reconcile.StateProposed,
	reconcile.StateUnmatched, reconcile.StateAnomaly, reconcile.StateDismissed}

// errKnown tells parseQuery that its callback took the parameter.
var errKnown = errors.New("known")

// parseQuery reads a query string strictly, in name order: every parameter at most once, and one
// that param does not take (it returns nil) is unknown_parameter. param returns errKnown for a
// parameter it took, or its error.
func parseQuery(raw string, param func(name, value string) error) error {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return badRequest(CodeInvalidParameter, "", "the query string is malformed")
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		vals := q[name]
		if len(name) > 64 {
			name = name[:64] + "…"
		}
		if len(vals) > 1 {
			return badParam(name, "is given more than once")
		}
		switch err := param(name, vals[0]); err {
		case errKnown:
		case nil:
			return badRequest(CodeUnknownParameter, name, strconv.Quote(name)+" is not a parameter of this endpoint")
		default:
			return err
		}
	}
	return nil
}

func badParam(name, msg string) *Error { return badRequest(CodeInvalidParameter, name, name+" "+msg) }

// uploadStatement: POST /v1/reconciliation/runs/{id}/statements. The file is decoded whole before
// anything is imported: a file with any problem imports nothing.
func (rc *reconRoutes) uploadStatement(c *call) error {
	dopts := rc.opts.Decode
	err := parseQuery(c.r.URL.RawQuery, func(name, v string) error {
		switch name {
		case "currency":
			cur, err := payment.ParseCurrency(v)
			if err != nil {
				return badParam(name, "must be an ISO 4217 currency code such as TRY")
			}
			dopts.Currency = cur
			return errKnown
		case "mapping":
			if err := dopts.UseMapping(v); err != nil {
				return badParam(name, "must name a column mapping: "+strings.Join(dopts.MappingNames(), ", "))
			}
			return errKnown
		case "charset":
			if err := tabular.CheckCharset(v); err != nil {
				return badRequest(CodeInvalidParameter, name, name+": "+err.Error())
			}
			dopts.Charset = v
			return errKnown
		}
		return nil
	})
	if err != nil {
		return err
	}
	id, err := runID(c)
	if err != nil {
		return err
	}
	ctx, ws := c.r.Context(), c.key.Workspace
	// The run first: an unknown or closed run is answered before a large file is read and parsed.
	run, err := rc.runs.GetRun(ctx, ws, id)
	if err != nil {
		return orNotFound(err, "reconciliation run", string(id))
	}
	if run.Status != reconcile.RunOpen {
		return &reconcile.RunStatusError{Run: id, Status: run.Status, Action: reconcile.ActionImport}
	}
	file, err := readStatement(c.r)
	if err != nil {
		return err
	}
	// A CSV or XLSX export that says no currency is in the run's account's currency.
	dopts.DefaultCurrency(func() payment.Currency {
		acct, _ := c.h.svc.GetAccount(ctx, ws, run.Account) // none: the file must say its currency
		return acct.Currency
	})
	format, sts, err := detect.Decode(bytes.NewReader(file), int64(len(file)), dopts)
	if err != nil {
		return err
	}
	run, sum, err := rc.runs.Import(ctx, ws, id, sts, c.key.ID)
	if err != nil {
		return orNotFound(err, "reconciliation run", string(id))
	}
	out := ImportResult{Format: string(format), Statements: make([]ImportedStatement, len(sts)),
		Added: sum.Added, Duplicates: sum.Duplicates, OutsidePeriod: sum.OutsidePeriod, Run: runOverviewOf(&run)}
	for i := range sts {
		out.Statements[i] = importedStatementOf(&sts[i])
	}
	writeJSON(c.w, http.StatusOK, &out)
	return nil
}

// readStatement returns the uploaded file: the raw body (application/octet-stream) or the one "file"
// part of a multipart/form-data form. The route's body limit applies to either.
func readStatement(r *http.Request) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	empty := badRequest(CodeEmptyBody, "", "the statement file is empty")
	switch {
	case err == nil && mt == "application/octet-stream":
		b, err := readLimited(r.Body)
		if err == nil && len(b) == 0 {
			return nil, empty
		}
		return b, err
	case err == nil && mt == "multipart/form-data" && params["boundary"] != "":
	default:
		return nil, newError(http.StatusUnsupportedMediaType, TypeInvalidRequest, CodeUnsupportedMediaType,
			"send the statement file as the body with \"Content-Type: application/octet-stream\", or as the \"file\" field of a multipart/form-data form")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var (
		file  []byte
		found bool
		probs []FieldError
	)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, unreadable(err, "the multipart/form-data body is malformed")
		}
		name := part.FormName()
		switch {
		case name == "file" && found:
			probs = append(probs, FieldError{Param: "file", Code: FieldDuplicate, Message: "the form has more than one \"file\" part: send one statement per request"})
		case name == "file":
			found = true
			if file, err = readLimited(part); err != nil {
				return nil, err
			}
		default:
			if len(name) > 64 {
				name = name[:64] + "…"
			}
			probs = append(probs, FieldError{Param: name, Code: FieldUnknown, Message: strconv.Quote(name) + " is not a field of this form; send the statement as \"file\""})
		}
		if _, err := io.Copy(io.Discard, part); err != nil {
			return nil, unreadable(err, "the multipart/form-data body is malformed")
		}
		if len(probs) >= maxListedErrors {
			break
		}
	}
	if len(probs) > 0 {
		return nil, fieldProblems(probs)
	}
	if len(file) == 0 {
		empty.Param = "file"
		if !found {
			empty.Message = "the form has no \"file\" part with the statement"
		}
		return nil, empty
	}
	return file, nil
}

// readLimited reads a body (or a part of one) that the route's MaxBytesReader caps.
func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, unreadable(err, "the body could not be read")
	}
	return b, nil
}

// unreadable is 413 when the body hit its limit, else 400 body_unreadable with msg.
func unreadable(err error, msg string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(mbe.Limit)
	}
	return badRequest(CodeBodyUnreadable, "", msg)
}

// review returns the endpoint of one review action on an entry:
//
//	approve  {"note"?, "expected_payment_ids"?}    a proposed (fuzzy) match becomes matched
//	reject   {"reason"?, "expected_payment_ids"?}  a proposed match is refused; the entry is matched again
//	map      {"payment_ids", "note"?}              the entry is matched with payments a person chose
//	dismiss  {"reason"}                            an unmatched entry or anomaly is resolved without a payment
//	unmatch  {"reason"?}                           a match is taken apart (after finalization: undone, reason required)
//
// expected_payment_ids are the payments of the proposal the caller saw (the entry's
// decision.payment_ids); when the entry proposes others now, the action is 409 proposal_changed.
func (rc *reconRoutes) review(action reconcile.RunAction) func(c *call) error {
	return func(c *call) error {
		body, err := readBody(c.w, c.r, c.h.opts.MaxBodyBytes, action == reconcile.ActionMap || action == reconcile.ActionDismiss)
		if err != nil {
			return err
		}
		req, derr := decodeReviewRequest(body, action)
		if derr != nil {
			return derr
		}
		id, err := runID(c)
		if err != nil {
			return err
		}
		fp := c.r.PathValue("fingerprint")
		ctx, ws, actor := c.r.Context(), c.key.Workspace, c.key.ID
		var run reconcile.Run
		switch action {
		case reconcile.ActionApprove:
			run, err = rc.runs.ApproveProposal(ctx, ws, id, fp, req.Expected, actor, req.Note)
		case reconcile.ActionReject:
			run, err = rc.runs.RejectProposal(ctx, ws, id, fp, req.Expected, actor, req.Reason)
		case reconcile.ActionMap:
			run, err = rc.runs.Map(ctx, ws, id, fp, req.PaymentIDs, actor, req.Note)
		case reconcile.ActionDismiss:
			run, err = rc.runs.Dismiss(ctx, ws, id, fp, actor, req.Reason)
		case reconcile.ActionUnmatch:
			run, err = rc.runs.Unmatch(ctx, ws, id, fp, actor, req.Reason)
		}
		if err != nil {
			return rc.entryNotFound(c, err, id, fp)
		}
		i := slices.IndexFunc(run.Entries, func(e reconcile.RunEntry) bool { return e.Entry.Fingerprint == fp })
		if i < 0 {
			return fmt.Errorf("httpapi: entry %s vanished from run %s after %s", fp, id, action)
		}
		writeJSON(c.w, http.StatusOK, &ReviewResult{Run: runOverviewOf(&run), Entry: entryOf(&run.Entries[i])})
		return nil
	}
}

// entryNotFound names what was not found: the run or its entry.
func (rc *reconRoutes) entryNotFound(c *call, err error, id reconcile.RunID, fp string) error {
	if !errors.Is(err, payment.ErrNotFound) {
		return err
	}
	if _, gerr := rc.runs.GetRun(c.r.Context(), c.key.Workspace, id); gerr != nil {
		return orNotFound(gerr, "reconciliation run", string(id))
	}
	e := notFound("entry", fp)
	e.Message = strings.TrimSuffix(e.Message, " in this workspace") + " in run " + string(id)
	return e
}

// reviewRequest is the body of a review action.
type reviewRequest struct {
	Note, Reason string
	PaymentIDs   []payment.ID
	// Expected are the payments of the proposal the caller saw (approve, reject).
	Expected []payment.ID
}

// decodeReviewRequest decodes the members the action takes: note (approve, map), reason (reject,
// dismiss, unmatch), payment_ids (map, 1 to MaxBatchSize), expected_payment_ids (approve, reject,
// 1 to MaxBatchSize payment ids).
func decodeReviewRequest(body []byte, action reconcile.RunAction) (reviewRequest, *Error) {
	var r reviewRequest
	d := newDecoder(body)
	if d.atEnd() {
		return r, nil
	}
	takesNote := action == reconcile.ActionApprove || action == reconcile.ActionMap
	d.object("", "an object", func(key []byte) {
		switch k := string(key); {
		case k == "note" && takesNote:
			r.Note, _ = d.str("", k)
		case k == "reason" && !takesNote:
			r.Reason, _ = d.str("", k)
		case k == "payment_ids" && action == reconcile.ActionMap:
			r.PaymentIDs = []payment.ID{}
			d.array(k, "an array of payment ids", func(i int) {
				s, _ := d.str("", index(k, i))
				if len(r.PaymentIDs) < MaxBatchSize+1 {
					r.PaymentIDs = append(r.PaymentIDs, payment.ID(s))
				}
			})
		case k == "expected_payment_ids" && (action == reconcile.ActionApprove || action == reconcile.ActionReject):
			r.Expected = []payment.ID{}
			d.array(k, "an array of payment ids", func(i int) {
				s, _ := d.str("", index(k, i))
				if len(r.Expected) < MaxBatchSize+1 {
					r.Expected = append(r.Expected, payment.ID(s))
				}
			})
		default:
			d.unknown("", key)
		}
	})
	d.end()
	if e := d.result(); e != nil {
		return r, e
	}
	var fes []*payment.ValidationError
	if action == reconcile.ActionMap {
		switch n := len(r.PaymentIDs); {
		case r.PaymentIDs == nil:
			fes = append(fes, &payment.ValidationError{Field: "payment_ids", Reason: "is required"})
		case n == 0:
			fes = append(fes, &payment.ValidationError{Field: "payment_ids", Reason: "name at least one payment"})
		case n > MaxBatchSize:
			fes = append(fes, &payment.ValidationError{Field: "payment_ids", Reason: "name at most " + strconv.Itoa(MaxBatchSize) + " payments"})
		}
	}
	if r.Expected != nil {
		const k = "expected_payment_ids"
		switch n := len(r.Expected); {
		case n == 0:
			fes = append(fes, &payment.ValidationError{Field: k, Reason: "name the payments of the proposal seen, or leave it out"})
		case n > MaxBatchSize:
			fes = append(fes, &payment.ValidationError{Field: k, Reason: "name at most " + strconv.Itoa(MaxBatchSize) + " payments"})
		default:
			for i, id := range r.Expected {
				if _, err := payment.ParseID(string(id)); err != nil {
					fes = append(fes, &payment.ValidationError{Field: index(k, i), Reason: "must be a payment id (pay_ followed by a ULID)"})
				}
			}
		}
	}
	if len(fes) > 0 {
		return r, validationError(fes)
	}
	return r, nil
}

// finalize: POST /v1/reconciliation/runs/{id}/finalize (an empty body or {}). Every matched payment
// moves to reconciled and the run becomes read-only; open items are 409 run_has_open_items.
func (rc *reconRoutes) finalize(c *call) error {
	body, err := readBody(c.w, c.r, c.h.opts.MaxBodyBytes, false)
	if err != nil {
		return err
	}
	if derr := decodeEmptyObject(body); derr != nil {
		return derr
	}
	id, err := runID(c)
	if err != nil {
		return err
	}
	run, err := rc.runs.Finalize(c.r.Context(), c.key.Workspace, id, c.key.ID)
	if err != nil {
		return orNotFound(err, "reconciliation run", string(id))
	}
	writeJSON(c.w, http.StatusOK, ptr(runOf(&run, nil)))
	return nil
}

// report: GET /v1/reconciliation/runs/{id}/report as JSON, CSV or XLSX: ?format= decides, else the
// Accept header; JSON when neither says. The report is built whole before the first byte is sent, so
// a failure is still a proper error response.
func (rc *reconRoutes) report(c *call) error {
	format := ""
	err := parseQuery(c.r.URL.RawQuery, func(name, v string) error {
		if name != "format" {
			return nil
		}
		switch v {
		case "json", "csv", "xlsx":
			format = v
		default:
			return badParam(name, "must be json, csv or xlsx")
		}
		return errKnown
	})
	if err != nil {
		return err
	}
	if format == "" {
		if format = negotiate(c.r.Header.Values("Accept")); format == "" {
			return newError(http.StatusNotAcceptable, TypeInvalidRequest, CodeNotAcceptable,
				"the report is available as application/json, "+mediaCSV+" or "+mediaXLSX+"; Accept allows none of them")
		}
	}
	id, err := runID(c)
	if err != nil {
		return err
	}
	rep, err := rc.runs.Report(c.r.Context(), c.key.Workspace, id)
	if err != nil {
		return orNotFound(err, "reconciliation run", string(id))
	}
	var buf bytes.Buffer
	ctype := "application/json"
	switch format {
	case "json":
		err = reconcile.WriteJSON(&buf, rep)
	case "csv":
		ctype = mediaCSV + "; charset=utf-8"
		err = reconcile.WriteCSV(&buf, rep)
	case "xlsx":
		ctype = mediaXLSX
		err = xlsx.WriteReport(&buf, rep)
	}
	if err != nil {
		return err
	}
	hd := c.w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	if format != "json" {
		hd.Set("Content-Disposition", `attachment; filename="`+string(id)+`.`+format+`"`)
	}
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(buf.Bytes())
	return nil
}

// negotiate picks the report format from Accept headers: the supported media range with the highest
// q wins (the first listed among equals); no header, */* or application/* mean JSON, text/* CSV; ""
// when nothing acceptable is offered.
func negotiate(accept []string) string {
	if len(accept) == 0 {
		return "json"
	}
	best, bestQ := "", 0.0
	for _, h := range accept {
		for item := range strings.SplitSeq(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(item))
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil {
					continue
				}
			}
			f := ""
			switch mt {
			case "application/json", "application/*", "*/*":
				f = "json"
			case mediaCSV, "text/*":
				f = "csv"
			case mediaXLSX:
				f = "xlsx"
			}
			if f != "" && q > bestQ {
				best, bestQ = f, q
			}
		}
	}
	return best
}

// decodeRunRequest decodes the body of POST /v1/reconciliation/runs. Missing members are reported
// here, each by name; the rules (an account of the workspace, a period that does not end before it
// starts, a window of 0 to 366 days) are the service's.
func decodeRunRequest(body []byte) (reconcile.RunRequest, *Error) {
	var r reconcile.RunRequest
	var have [3]bool
	d := newDecoder(body)
	date := func(name string, v *payment.Date) {
		if s, ok := d.str("", name); ok {
			t, err := payment.ParseDate(s)
			if err != nil {
				d.dateProblem(name, err)
			}
			*v = t
		}
	}
	d.object("", "an object", func(key []byte) {
		switch string(key) {
		case "account":
			s, _ := d.token("", "account")
			r.Account, have[0] = payment.AccountID(s), true
		case "from":
			date("from", &r.From)
			have[1] = true
		case "to":
			date("to", &r.To)
			have[2] = true
		case "date_window":
			n, ok := d.int64("", "date_window")
			if ok && int64(int(n)) != n {
				d.problem("date_window", FieldInvalidType, "date_window must be an integer number of days")
			}
			r.DateWindow = int(n)
		default:
			d.unknown("", key)
		}
	})
	d.end()
	if e := d.result(); e != nil {
		return r, e
	}
	var fes []*payment.ValidationError
	for i, name := range []string{"account", "from", "to"} {
		if !have[i] {
			fes = append(fes, &payment.ValidationError{Field: name, Reason: "is required"})
		}
	}
	if len(fes) > 0 {
		return r, validationError(fes)
	}
	return r, nil
}
