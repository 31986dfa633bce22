package dashboard

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
)

type statusChip struct {
	Label, Href string
	Active      bool
}

type paymentsView struct {
	Payments []payment.Payment
	Names    map[payment.AccountID]string
	Chips    []statusChip
	Query    string
	Status   string
	Older    string // href of the next page, or ""
	Notice   string
}

func (h *Handler) accountNames(r *http.Request, ws payment.WorkspaceID) (map[payment.AccountID]string, []payment.Account, error) {
	as, err := h.svc.ListAccounts(r.Context(), ws)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[payment.AccountID]string, len(as))
	for _, a := range as {
		names[a.ID] = a.Name
	}
	return names, as, nil
}

func (h *Handler) paymentsList(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	v := paymentsView{Query: strings.TrimSpace(q.Get("q")), Status: q.Get("status")}
	var f payment.ListFilter
	if v.Status != "" {
		st := payment.Status(v.Status)
		if !st.Valid() {
			h.fail(w, r, s, http.StatusBadRequest, "Unknown status filter.")
			return
		}
		f.Statuses = []payment.Status{st}
	}
	if v.Query != "" {
		// A payment id goes straight to the payment; anything else is a reference.
		if id, err := payment.ParseID(v.Query); err == nil {
			http.Redirect(w, r, "/payments/"+string(id), http.StatusSeeOther)
			return
		}
		f.Reference = v.Query
	}
	if a := q.Get("after"); a != "" {
		id, err := payment.ParseID(a)
		if err != nil {
			h.fail(w, r, s, http.StatusBadRequest, "Bad page cursor.")
			return
		}
		f.After = id
	}
	f.Limit = 25
	pg, err := h.svc.List(r.Context(), s.ws, f)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	v.Payments = pg.Payments
	if v.Names, _, err = h.accountNames(r, s.ws); err != nil {
		h.serverError(w, r, s, err)
		return
	}
	link := func(status, after string) string {
		u := url.Values{}
		if status != "" {
			u.Set("status", status)
		}
		if v.Query != "" {
			u.Set("q", v.Query)
		}
		if after != "" {
			u.Set("after", after)
		}
		if len(u) == 0 {
			return "/payments"
		}
		return "/payments?" + u.Encode()
	}
	v.Chips = append(v.Chips, statusChip{Label: "All", Href: link("", ""), Active: v.Status == ""})
	for _, st := range fsm.Statuses() {
		v.Chips = append(v.Chips, statusChip{Label: string(st), Href: link(string(st), ""), Active: v.Status == string(st)})
	}
	if pg.HasMore {
		v.Older = link(v.Status, string(pg.Payments[len(pg.Payments)-1].ID))
	}
	h.show(w, r, s, http.StatusOK, "payments", "Payments", "payments", &v)
}

// paymentForm is the New payment form: what was typed, and the problem of each field.
type paymentForm struct {
	Methods    []payment.Method
	From       []payment.Account // internal accounts
	To         []payment.Account
	Currencies []payment.Currency
	Values     map[string]string
	Errors     map[string]string
	Other      []string // problems that belong to no field
	Token      string   // idempotency token: a double submit creates one payment
}

func (h *Handler) newForm(r *http.Request, s *session) (*paymentForm, error) {
	ws, err := h.svc.Workspace(r.Context(), s.ws)
	if err != nil {
		return nil, err
	}
	_, as, err := h.accountNames(r, s.ws)
	if err != nil {
		return nil, err
	}
	f := &paymentForm{Methods: ws.Plan.Methods, To: as, Values: map[string]string{}, Errors: map[string]string{}}
	for _, a := range as {
		if a.Type == payment.AccountInternal {
			f.From = append(f.From, a)
			if !slices.Contains(f.Currencies, a.Currency) {
				f.Currencies = append(f.Currencies, a.Currency)
			}
		}
	}
	if len(f.Currencies) == 0 {
		f.Currencies = []payment.Currency{"TRY"}
	}
	return f, nil
}

func (h *Handler) paymentNew(w http.ResponseWriter, r *http.Request, s *session) {
	f, err := h.newForm(r, s)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	f.Token = randomToken()
	f.Values["currency"] = string(f.Currencies[0])
	h.show(w, r, s, http.StatusOK, "payment_new", "New payment", "payments", f)
}

// formFields are the inputs of the New payment form, by their wire names.
var formFields = []string{"method", "from_account", "to_account", "amount", "currency", "reference", "description"}

func (h *Handler) paymentCreate(w http.ResponseWriter, r *http.Request, s *session) {
	f, err := h.newForm(r, s)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	for _, k := range formFields {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	f.Token = r.PostFormValue("token")
	if len(f.Token) < 16 || len(f.Token) > 64 {
		f.Token = randomToken()
	}
	req := payment.Request{
		Method:      payment.Method(f.Values["method"]),
		FromAccount: payment.AccountID(f.Values["from_account"]),
		ToAccount:   payment.AccountID(f.Values["to_account"]),
		Currency:    payment.Currency(f.Values["currency"]),
		Reference:   f.Values["reference"],
		Description: f.Values["description"],
		CreatedBy:   "dashboard:" + s.keyID,
		// The token travels with the form: submitting the same form twice creates one payment.
		IdempotencyKey: "dashboard-" + f.Token,
	}
	// Amount in major units, converted exactly (never through a float).
	switch amt := f.Values["amount"]; {
	case amt == "":
		f.Errors["amount"] = "Enter an amount, e.g. 1250.00."
	case !req.Currency.Valid():
		f.Errors["currency"] = "Choose a currency."
	default:
		minor, err := payment.ParseMinor(amt, req.Currency)
		switch {
		case err != nil:
			f.Errors["amount"] = amountProblem(amt, req.Currency)
		case minor <= 0:
			f.Errors["amount"] = "The amount must be more than zero."
		default:
			req.Amount = minor
		}
	}
	if len(f.Errors) == 0 {
		p, err := h.svc.Create(r.Context(), s.ws, req)
		if err == nil {
			h.redirect(w, r, s, "/payments/"+string(p.ID), "Payment created: "+formatMoney(p.Amount, p.Currency)+" to "+
				f.accountName(p.ToAccount)+".")
			return
		}
		if !f.addErrors(err) {
			h.serverError(w, r, s, err)
			return
		}
	}
	h.show(w, r, s, http.StatusUnprocessableEntity, "payment_new", "New payment", "payments", f)
}

func amountProblem(text string, c payment.Currency) string {
	mu := c.MinorUnits()
	if strings.Contains(text, ",") {
		return "Write the amount with a dot for decimals and no thousands separator, e.g. 1250.50."
	}
	if tooLarge(text, mu) {
		return "The amount is too large: the most is " + formatMoney(math.MaxInt64, c) + "."
	}
	if mu == 0 {
		return string(c) + " has no decimals: enter a whole number."
	}
	return "Enter a positive amount with at most " + itoa(mu) + " decimals, e.g. 1250.50."
}

// tooLarge reports whether text is a positive amount with no more decimals than mu, which
// payment.ParseMinor refuses only for being beyond the largest amount.
func tooLarge(text string, mu int) bool {
	whole, frac, _ := strings.Cut(strings.TrimPrefix(text, "+"), ".")
	digits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	return whole != "" && digits(whole) && digits(frac) && len(strings.TrimRight(frac, "0")) <= mu
}

func (f *paymentForm) accountName(id payment.AccountID) string {
	for _, a := range f.To {
		if a.ID == id {
			return a.Name
		}
	}
	return string(id)
}

// addErrors puts the service's field errors next to their fields; it reports false for an error that
// is not about the input.
func (f *paymentForm) addErrors(err error) bool {
	fe := payment.FieldErrors(err)
	if len(fe) == 0 {
		if errors.Is(err, payment.ErrIdempotencyMismatch) {
			f.Other = append(f.Other, "This form was already submitted with other values. Reload the page to start a new payment.")
			return true
		}
		return false
	}
	for _, e := range fe {
		msg := capitalize(fieldNames.Replace(e.Reason)) + "."
		if slices.Contains(formFields, e.Field) {
			if _, dup := f.Errors[e.Field]; !dup {
				f.Errors[e.Field] = msg
			}
			continue
		}
		f.Other = append(f.Other, e.Field+": "+msg)
	}
	return true
}

// fieldNames turns wire names in messages into the form's labels.
var fieldNames = strings.NewReplacer("from_account", "the From account", "to_account", "the To account")

// addFieldError shows text under a form's field, after what the field shows already: a field can be
// refused for more than one reason, or for the same one more than once (each statement of a file).
func addFieldError(errs map[string]string, field, text string) {
	switch old := errs[field]; {
	case old == "":
		errs[field] = text
	case !strings.Contains(old, text):
		errs[field] = old + " " + text
	}
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// clip cuts s to its first n characters (not bytes: a note in Turkish stays valid UTF-8).
func clip(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

type paymentView struct {
	P        payment.Payment
	History  []payment.Transition
	From, To string
	CanWrite bool
	Approve  bool
	Submit   bool
	Cancel   bool
	// MakerChecker: the payment awaits approval by another key, since this key created it.
	MakerChecker bool
}

func (h *Handler) paymentShow(w http.ResponseWriter, r *http.Request, s *session) {
	id, err := payment.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r, s)
		return
	}
	p, err := h.svc.Get(r.Context(), s.ws, id)
	if errors.Is(err, payment.ErrNotFound) {
		h.notFound(w, r, s)
		return
	}
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	hist, err := h.svc.History(r.Context(), s.ws, id)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	names, _, err := h.accountNames(r, s.ws)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	ws, err := h.svc.Workspace(r.Context(), s.ws)
	if err != nil {
		h.serverError(w, r, s, err)
		return
	}
	write := s.scope.Allows(payment.ScopeReadWrite)
	v := paymentView{P: p, History: hist, From: names[p.FromAccount], To: names[p.ToAccount], CanWrite: write,
		Approve: write && fsm.Can(p.Status, fsm.EventApprove),
		// Send now only where Submit takes it: a pending payment the approval policy holds for
		// approval is refused.
		Submit: write && fsm.Can(p.Status, fsm.EventSubmit) &&
			(p.Status != payment.StatusPending || !ws.Approval.Requires(p.Money())),
		Cancel: write && fsm.CanCancel(p.Status)}
	if v.Approve && ws.Approval.MakerChecker &&
		payment.ActorIdentity("dashboard:"+s.keyID) == payment.ActorIdentity(p.CreatedBy) {
		// Approve refuses the creator of the payment (maker-checker).
		v.Approve, v.MakerChecker = false, true
	}
	h.show(w, r, s, http.StatusOK, "payment", "Payment "+string(p.ID), "payments", &v)
}

func (h *Handler) paymentAction(w http.ResponseWriter, r *http.Request, s *session) {
	id, err := payment.ParseID(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r, s)
		return
	}
	back := "/payments/" + string(id)
	actor := "dashboard:" + s.keyID
	var done string
	switch r.PathValue("action") {
	case "approve":
		_, err = h.svc.Approve(r.Context(), s.ws, id, actor)
		done = "Payment approved."
	case "submit":
		var p payment.Payment
		p, err = h.svc.Submit(r.Context(), s.ws, id, actor)
		done = "Payment sent for processing."
		if err != nil && p.Status == payment.StatusProcessing {
			// Moved to processing, then the rail's call (or recording its acceptance) failed: Submit
			// returns the processing payment with the error. An error that wraps ErrNotFound or
			// ErrConflict is then the bank's 404 or 409, not this payment missing or changed by
			// someone else; a processor sends it again (the rail de-duplicates on the payment id).
			code := ""
			var re *payment.RailError
			if errors.As(err, &re) && re.Code != "" {
				code = " (" + re.Code + ")"
			}
			h.redirectError(w, r, s, back, "The payment is processing, but handing it to the payment network did not finish"+
				code+"; it will be tried again.")
			return
		}
		// The rail answers at once: a permanent refusal fails the payment, a synchronous settlement
		// settles it; Submit returns it so, without an error.
		switch {
		case err != nil:
		case p.Status == payment.StatusFailed:
			why := p.FailureCode
			if p.FailureReason != "" {
				why = strings.TrimPrefix(why+": "+p.FailureReason, ": ")
			}
			if why != "" {
				why = " (" + why + ")"
			}
			h.redirectError(w, r, s, back, "The payment network refused the payment"+why+": the payment is failed.")
			return
		case p.Status == payment.StatusSettled:
			done = "Payment sent and settled."
		}
	case "cancel":
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		reason = clip(reason, 200) // the form's maxlength
		_, err = h.svc.Cancel(r.Context(), s.ws, id, actor, reason)
		done = "Payment cancelled."
	default:
		h.notFound(w, r, s)
		return
	}
	var se *payment.StatusError
	var na *payment.NotAllowedError
	switch {
	case err == nil:
		h.redirect(w, r, s, back, done)
	case errors.Is(err, payment.ErrNotFound):
		h.notFound(w, r, s)
	case errors.As(err, &se):
		h.redirectError(w, r, s, back, "Not done: the payment is "+string(se.Status)+" now, and a "+string(se.Status)+
			" payment cannot be "+pastTense(se.Event)+".")
	case errors.As(err, &na):
		h.redirectError(w, r, s, back, "Not done: "+na.Reason+".")
	case errors.Is(err, payment.ErrConflict):
		h.redirectError(w, r, s, back, "Someone changed this payment at the same moment. Check its status and try again.")
	default:
		h.serverError(w, r, s, err)
	}
}

func pastTense(e fsm.Event) string {
	switch e {
	case fsm.EventApprove:
		return "approved"
	case fsm.EventCancel:
		return "cancelled"
	case fsm.EventSubmit:
		return "sent"
	}
	return string(e) + "ed"
}
