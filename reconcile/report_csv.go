package reconcile

import (
	"encoding/csv"
	"io"
	"strings"
	"unicode"

	"github.com/orkesta/orkesta/payment"
)

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{
	"section", "payment_id", "payment_ids", "batch_id", "score", "review", "value_date", "booking_date",
	"amount", "currency", "direction", "reference", "bank_reference", "end_to_end_id", "description",
	"counterparty_name", "counterparty_iban", "position", "account", "statement", "amount_match", "date_match",
	"reference_match", "amount_difference", "payment_status", "reasons", "notes",
}

// CSV report sections (the first column).
const (
	SectionExact            = "exact"
	SectionFuzzy            = "fuzzy"
	SectionUnmatchedEntry   = "unmatched_entry"
	SectionUnmatchedPayment = "unmatched_payment"
	SectionAnomaly          = "anomaly"
)

// WriteCSV writes src as one CSV table: a header (CSVHeader), then one row per match, unmatched entry,
// unmatched payment and anomaly, with the section in the first column. Amounts are in major units
// ("1250.00"); reasons and notes are sentences joined with "; ". Text that a spreadsheet would take
// for a formula (starting with = + - @, tab or carriage return, also after leading white space) is
// prefixed with an apostrophe (SafeCell).
func WriteCSV(w io.Writer, src ReportSource) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	row := make([]string, len(CSVHeader))
	var sb strings.Builder
	for m := range src.MatchRows() {
		clear(row)
		row[0] = SectionFuzzy
		if m.Score == ScoreExact {
			row[0] = SectionExact
		}
		// Ids come from the payments file as given (another system's ids are allowed): cells too.
		row[1] = SafeCell(string(m.PaymentID))
		row[2] = SafeCell(joinIDs(m.PaymentIDs))
		row[3] = SafeCell(string(m.BatchID))
		row[4] = string(m.Score)
		row[5] = string(m.Review)
		entryCells(row, &m.Entry)
		row[18] = SafeCell(m.Account)
		row[19] = SafeCell(m.Statement)
		row[20], row[21], row[22] = yesNo(m.Criteria.Amount), yesNo(m.Criteria.Date), yesNo(m.Criteria.Reference)
		if m.AmountDifference != 0 {
			row[23] = payment.FormatMinor(m.AmountDifference, m.Entry.Currency)
		}
		row[25] = SafeCell(joinReasons(&sb, m.Reasons))
		row[26] = SafeCell(joinNotes(&sb, ReversalNote(&m.Entry), m.Notes))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	for u := range src.UnmatchedEntryRows() {
		clear(row)
		row[0] = SectionUnmatchedEntry
		entryCells(row, &u.Entry)
		row[18] = SafeCell(u.Account)
		row[19] = SafeCell(u.Statement)
		first := ""
		if u.Dismissed {
			row[5] = "dismissed"
			first = "dismissed: " + u.Note
		}
		if rev := ReversalNote(&u.Entry); rev != "" {
			first = joinNotes(&sb, rev, []string{first})
		}
		row[26] = SafeCell(joinNotes(&sb, first, u.Notes))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	for p := range src.UnmatchedPaymentRows() {
		clear(row)
		row[0] = SectionUnmatchedPayment
		row[1] = SafeCell(string(p.PaymentID))
		row[3] = SafeCell(string(p.BatchID))
		row[6] = p.ValueDate.String()
		row[8] = payment.FormatMinor(p.Amount, p.Currency)
		row[9] = string(p.Currency)
		row[11] = SafeCell(p.Reference)
		row[14] = SafeCell(p.Description)
		row[24] = string(p.Status)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	for a := range src.AnomalyRows() {
		clear(row)
		row[0] = SectionAnomaly
		row[1] = SafeCell(string(a.PaymentID))
		entryCells(row, &a.Entry)
		row[18] = SafeCell(a.Account)
		row[19] = SafeCell(a.Statement)
		row[20], row[21], row[22] = yesNo(a.Criteria.Amount), yesNo(a.Criteria.Date), yesNo(a.Criteria.Reference)
		row[24] = string(a.PaymentStatus)
		row[25] = SafeCell(joinReasons(&sb, a.Reasons))
		note := string(a.Kind)
		if rev := ReversalNote(&a.Entry); rev != "" {
			note += "; " + rev
		}
		if a.Dismissed {
			row[5] = "dismissed"
			note += "; dismissed: " + a.Note
		}
		row[26] = SafeCell(note)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func entryCells(row []string, e *Entry) {
	row[6] = e.ValueDate.String()
	row[7] = e.BookingDate.String()
	row[8] = payment.FormatMinor(e.Amount, e.Currency)
	row[9] = string(e.Currency)
	row[10] = string(e.Direction)
	row[11] = SafeCell(e.CustomerRef)
	row[12] = SafeCell(e.BankRef)
	row[13] = SafeCell(e.EndToEnd)
	row[14] = SafeCell(e.Remittance)
	row[15] = SafeCell(e.CounterpartyName)
	row[16] = SafeCell(e.CounterpartyIBAN)
	row[17] = SafeCell(e.Position)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func joinIDs(ids []payment.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, " ")
}

// joinNotes joins first (when not empty) and notes with "; ".
func joinNotes(sb *strings.Builder, first string, notes []string) string {
	sb.Reset()
	if first != "" {
		sb.WriteString(first)
	}
	for _, n := range notes {
		if n == "" {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteString("; ")
		}
		sb.WriteString(n)
	}
	return sb.String()
}

func joinReasons(sb *strings.Builder, rs []Reason) string {
	sb.Reset()
	for i := range rs {
		if i > 0 {
			sb.WriteString("; ")
		}
		sb.WriteString(rs[i].String())
	}
	return sb.String()
}

// SafeCell neutralizes text a spreadsheet would evaluate as a formula: a value starting with =, +, -,
// @, a tab or a carriage return gets a leading apostrophe, and so does one that starts so after
// leading white space (" =HYPERLINK(…)"), which some spreadsheets drop before they read the cell.
// Report writers apply it to every text cell that comes from a statement or a payment.
func SafeCell(s string) string {
	for _, r := range s {
		switch r {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + s
		}
		if !unicode.IsSpace(r) {
			return s
		}
	}
	return s
}
