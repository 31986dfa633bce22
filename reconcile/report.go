package reconcile

import (
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/orkesta/orkesta/payment"
)

// Score is how well a match fits. Wire values are a public contract.
type Score string

// Scores.
const (
	// ScoreExact: amount, value date and reference all match, and no other candidate fits as well. It is
	// approved automatically.
	ScoreExact Score = "exact"
	// ScoreFuzzy: two of the three match, or all three but another candidate fits as well. A person
	// approves or rejects it.
	ScoreFuzzy Score = "fuzzy"
)

// Criterion is one of the three things an entry and a payment are compared on.
type Criterion string

// Criteria names.
const (
	CriterionAmount    Criterion = "amount"
	CriterionDate      Criterion = "date"
	CriterionReference Criterion = "reference"
)

// Criteria says which criteria matched.
type Criteria struct {
	Amount    bool `json:"amount"`
	Date      bool `json:"date"`
	Reference bool `json:"reference"`
}

// Count is how many criteria matched.
func (c Criteria) Count() int {
	n := 0
	for _, b := range [...]bool{c.Amount, c.Date, c.Reference} {
		if b {
			n++
		}
	}
	return n
}

func criteriaOf(crit uint8) Criteria {
	return Criteria{Amount: crit&critAmount != 0, Date: crit&critDate != 0, Reference: crit&critReference != 0}
}

// Reason explains one criterion of a decision with the values on both sides.
type Reason struct {
	Criterion Criterion `json:"criterion"`
	Matched   bool      `json:"matched"`
	// Entry and Payment are the two values compared: amounts with their currency, dates, or, for the
	// reference, the entry text that named the payment and the payment's value it named.
	Entry   string `json:"entry"`
	Payment string `json:"payment"`
	// Difference is entry − payment: in minor units for the amount, in days for the date.
	Difference int64 `json:"difference"`
	// Field is the entry field the reference was found in: reference, bank_reference, end_to_end_id,
	// description, or structured_reference (a reference an MT940 statement gives by keyword: KREF+,
	// /PREF/).
	Field string `json:"field,omitempty"`
	// Key is what of the payment the entry named: reference, id, end_to_end_id, batch_id or
	// payment_information_id.
	Key string `json:"key,omitempty"`
}

// String is the reason in words, for CSV and XLSX reports.
func (r *Reason) String() string {
	switch r.Criterion {
	case CriterionAmount:
		if r.Matched {
			return "amount: " + r.Entry + " on the statement, " + r.Payment + " paid"
		}
		return "amount: " + r.Entry + " on the statement, " + r.Payment + " paid; they differ"
	case CriterionDate:
		s := "value date: " + r.Entry + " on the statement, " + r.Payment + " on the payment"
		switch d := r.Difference; {
		case r.Entry == "" || r.Payment == "":
			return s + "; a date is missing"
		case d == 0:
			return s + ", the same day"
		case d == 1 || d == -1:
			s += ", 1 day apart"
		default:
			s += ", " + strconv.FormatInt(max(d, -d), 10) + " days apart"
		}
		if !r.Matched {
			s += ", outside the date window"
		}
		return s
	}
	if r.Matched {
		return "reference: " + strconv.Quote(r.Entry) + " in the entry's " + strings.ReplaceAll(r.Field, "_", " ") +
			" is the payment's " + strings.ReplaceAll(r.Key, "_", " ") + " " + r.Payment
	}
	return "reference: no text of the entry names " + strconv.Quote(r.Payment)
}

// ReversalNote is what the CSV and XLSX reports note for an entry the bank booked as a reversal
// (Entry.Reversal: MT940 RC/RD, camt RvslInd), whose direction column alone reads as an ordinary
// credit or debit; "" for any other entry.
func ReversalNote(e *Entry) string {
	switch {
	case !e.Reversal:
		return ""
	case e.Direction == Credit:
		return "reversal of an earlier debit"
	}
	return "reversal of an earlier credit"
}

// Review says where a match stands with people.
type Review string

// Review states. Wire values are a public contract.
const (
	ReviewAuto     Review = "auto"     // exact: approved automatically
	ReviewPending  Review = "pending"  // fuzzy: waiting for a person to approve or reject it
	ReviewApproved Review = "approved" // a person approved the fuzzy match
	ReviewManual   Review = "manual"   // a person mapped the entry to the payment(s)
)

// Match is a statement entry and the payment (or batch of payments) it books.
type Match struct {
	PaymentID payment.ID `json:"payment_id"`
	Score     Score      `json:"score"`
	Entry     Entry      `json:"entry"`
	Criteria  Criteria   `json:"criteria"`
	Reasons   []Reason   `json:"reasons"`
	Review    Review     `json:"review"`
	// Account is the statement's account; Statement names the statement (its id, or its place in the
	// input when several were given) when the report covers more than one.
	Account   string `json:"account,omitempty"`
	Statement string `json:"statement,omitempty"`
	// PaymentIDs lists every payment when the entry books a batch (PaymentID is the first).
	PaymentIDs []payment.ID    `json:"payment_ids,omitempty"`
	BatchID    payment.BatchID `json:"batch_id,omitempty"`
	// AmountDifference is the entry amount minus the payments' total, when they differ.
	AmountDifference int64 `json:"amount_difference,omitempty"`
	// Alternatives are other payments that fit the entry as well as this one; the match then needs a
	// person even when all three criteria hold.
	Alternatives []payment.ID `json:"alternatives,omitempty"`
	// Notes are remarks in words: ties, batches, who reviewed it.
	Notes []string `json:"notes,omitempty"`
}

// UnmatchedEntry is a statement entry no payment was found for.
type UnmatchedEntry struct {
	Entry     Entry  `json:"entry"`
	Account   string `json:"account,omitempty"`
	Statement string `json:"statement,omitempty"`
	// Dismissed is set when a person resolved the entry without a payment (a bank fee, interest), with
	// their Note.
	Dismissed bool   `json:"dismissed,omitempty"`
	Note      string `json:"note,omitempty"`
	// Notes are near misses worth a look: payments the entry names that did not qualify, candidates
	// that went to better-fitting entries.
	Notes []string `json:"notes,omitempty"`
}

// UnmatchedPayment is a processing or settled payment of the statements' accounts, currencies and
// periods that no entry books.
type UnmatchedPayment struct {
	PaymentID   payment.ID        `json:"payment_id"`
	Amount      int64             `json:"amount"`
	Currency    payment.Currency  `json:"currency"`
	ValueDate   payment.Date      `json:"value_date,omitzero"`
	Status      payment.Status    `json:"status"`
	Reference   string            `json:"reference,omitempty"`
	Description string            `json:"description,omitempty"`
	Method      payment.Method    `json:"method,omitempty"`
	FromAccount payment.AccountID `json:"from_account,omitempty"`
	ToAccount   payment.AccountID `json:"to_account,omitempty"`
	BatchID     payment.BatchID   `json:"batch_id,omitempty"`
}

// AnomalyKind says what is wrong.
type AnomalyKind string

// Anomaly kinds.
const (
	// AnomalyCancelledPayment: an entry books money for a payment that was cancelled.
	AnomalyCancelledPayment AnomalyKind = "cancelled_payment"
	// AnomalyFailedPayment: an entry books money for a payment that failed.
	AnomalyFailedPayment AnomalyKind = "failed_payment"
)

// Anomaly is an entry that names a cancelled or failed payment: money moved that should not have. It
// is never matched; a person must look at it.
type Anomaly struct {
	Kind          AnomalyKind    `json:"kind"`
	PaymentID     payment.ID     `json:"payment_id"`
	PaymentStatus payment.Status `json:"payment_status"`
	Entry         Entry          `json:"entry"`
	Criteria      Criteria       `json:"criteria"`
	Reasons       []Reason       `json:"reasons"`
	Account       string         `json:"account,omitempty"`
	Statement     string         `json:"statement,omitempty"`
	// Dismissed is set when a person acknowledged the anomaly, with their Note.
	Dismissed bool   `json:"dismissed,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Summary counts a report.
type Summary struct {
	Entries           int `json:"entries"`
	Payments          int `json:"payments"`
	Exact             int `json:"exact"`
	Fuzzy             int `json:"fuzzy"`
	UnmatchedEntries  int `json:"unmatched_entries"`
	UnmatchedPayments int `json:"unmatched_payments"`
	Anomalies         int `json:"anomalies"`
	// MatchRate is the share of entries that are matched (exact or fuzzy), rounded to 4 decimals; it
	// is 1 only when every entry is matched, and 0 only when none is (so 0.9999 and 0.0001 also stand
	// for shares that would round to 1 or 0).
	MatchRate float64 `json:"match_rate"`
	// MatchRateAmount is the share of the entries' money that is matched, rounded like MatchRate. With
	// several currencies it is the mean of the per-currency shares weighted by their entry counts (no
	// exchange rates are involved); Currencies has the exact figures.
	MatchRateAmount float64 `json:"match_rate_amount"`
	// MatchedPayments counts the payments in matches (more than the matches when batches are booked).
	MatchedPayments int `json:"matched_payments"`
	// Dismissed counts unmatched entries and anomalies a person resolved without a payment.
	Dismissed  int               `json:"dismissed"`
	Currencies []CurrencySummary `json:"currencies"`
	Warnings   []string          `json:"warnings,omitempty"`
}

// CurrencySummary is the exact money of one currency in a report, in minor units.
type CurrencySummary struct {
	Currency      payment.Currency `json:"currency"`
	Entries       int              `json:"entries"`
	Matched       int              `json:"matched"`
	Amount        int64            `json:"amount"`
	MatchedAmount int64            `json:"matched_amount"`
}

// Report is a reconciliation report: what WriteJSON writes and what a JSON report decodes into.
type Report struct {
	Summary           Summary            `json:"summary"`
	Matches           []Match            `json:"matches"`
	UnmatchedEntries  []UnmatchedEntry   `json:"unmatched_entries"`
	UnmatchedPayments []UnmatchedPayment `json:"unmatched_payments"`
	Anomalies         []Anomaly          `json:"anomalies"`
}

// ReportSource yields the rows of a report in order; the report writers (WriteJSON, WriteCSV,
// reconcile/xlsx) read one. *Report and *Result are sources. A yielded pointer is valid only until
// the next one: copy what you keep.
type ReportSource interface {
	ReportSummary() Summary
	MatchRows() iter.Seq[*Match]
	UnmatchedEntryRows() iter.Seq[*UnmatchedEntry]
	UnmatchedPaymentRows() iter.Seq[*UnmatchedPayment]
	AnomalyRows() iter.Seq[*Anomaly]
}

// ReportSummary implements ReportSource.
func (r *Report) ReportSummary() Summary { return r.Summary }

// MatchRows implements ReportSource.
func (r *Report) MatchRows() iter.Seq[*Match] { return each(r.Matches) }

// UnmatchedEntryRows implements ReportSource.
func (r *Report) UnmatchedEntryRows() iter.Seq[*UnmatchedEntry] { return each(r.UnmatchedEntries) }

// UnmatchedPaymentRows implements ReportSource.
func (r *Report) UnmatchedPaymentRows() iter.Seq[*UnmatchedPayment] { return each(r.UnmatchedPayments) }

// AnomalyRows implements ReportSource.
func (r *Report) AnomalyRows() iter.Seq[*Anomaly] { return each(r.Anomalies) }

func each[T any](s []T) iter.Seq[*T] {
	return func(yield func(*T) bool) {
		for i := range s {
			if !yield(&s[i]) {
				return
			}
		}
	}
}

// WithWarnings returns src with warnings ahead of its summary's own: what the caller knows and the
// matching does not, such as a statement whose balances do not add up. src is not changed; with no
// warnings it is returned as it is. WriteJSON writes a *Result with warnings as fast as without.
func WithWarnings(src ReportSource, warnings ...string) ReportSource {
	if len(warnings) == 0 {
		return src
	}
	return &warnedSource{ReportSource: src, warnings: slices.Clip(slices.Clone(warnings))}
}

type warnedSource struct {
	ReportSource
	warnings []string
}

func (w *warnedSource) ReportSummary() Summary {
	s := w.ReportSource.ReportSummary()
	s.Warnings = append(w.warnings, s.Warnings...)
	return s
}

// Collect reads a whole source into a Report.
func Collect(src ReportSource) *Report {
	r := &Report{Summary: src.ReportSummary(), Matches: []Match{}, UnmatchedEntries: []UnmatchedEntry{},
		UnmatchedPayments: []UnmatchedPayment{}, Anomalies: []Anomaly{}}
	for m := range src.MatchRows() {
		c := *m
		c.Reasons = append([]Reason{}, m.Reasons...)
		c.PaymentIDs = cloneNil(m.PaymentIDs)
		c.Alternatives = cloneNil(m.Alternatives)
		c.Notes = cloneNil(m.Notes)
		r.Matches = append(r.Matches, c)
	}
	for u := range src.UnmatchedEntryRows() {
		c := *u
		c.Notes = cloneNil(u.Notes)
		r.UnmatchedEntries = append(r.UnmatchedEntries, c)
	}
	for p := range src.UnmatchedPaymentRows() {
		r.UnmatchedPayments = append(r.UnmatchedPayments, *p)
	}
	for a := range src.AnomalyRows() {
		c := *a
		c.Reasons = append([]Reason{}, a.Reasons...)
		r.Anomalies = append(r.Anomalies, c)
	}
	return r
}

func cloneNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append([]T(nil), s...)
}

// PercentText writes a match rate as a person reads it, with one decimal. all says whether everything
// is matched: a rate of less than everything never reads 100.0% (19,999 of 20,000 entries is 99.9%,
// not a rounded-up 100.0% beside an unmatched entry).
func PercentText(rate float64, all bool) string {
	s := strconv.FormatFloat(rate*100, 'f', 1, 64)
	if s == "100.0" && !all {
		s = "99.9"
	}
	return s + "%"
}
