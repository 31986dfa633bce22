package reconcile

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/orkesta/orkesta/payment"
)

// Direction says whether an entry took money out of the account (debit) or brought it in (credit).
type Direction string

// Directions.
const (
	Debit  Direction = "debit"
	Credit Direction = "credit"
)

// Statement is one bank statement of one account, whatever file format it came from.
type Statement struct {
	// Format is the decoder that produced it: "mt940", "camt053" (or "camt052", "camt054"), "bai2",
	// "csv", "xlsx".
	Format string `json:"format"`
	// Mapping is the name of the column mapping a CSV or XLSX export was read with: a preset ("tr",
	// "en", "de", "fr") or the caller's own (empty when it has no name).
	Mapping string `json:"mapping,omitempty"`
	// ID is the statement's own id (MT940 :20:/:28C:, camt Stmt/Id), when the file has one.
	ID string `json:"id,omitempty"`
	// Account is the IBAN or account number the statement is for (may be empty for CSV exports).
	Account string `json:"account"`
	// Currency is the currency of entries that name none. When it is empty too, matching takes the
	// currency of the statement's account (Options.Accounts, the run's account).
	Currency payment.Currency `json:"currency"`
	// From and To are the period covered (inclusive), from the file or from its entries.
	From payment.Date `json:"from,omitzero"`
	To   payment.Date `json:"to,omitzero"`
	// Opening and Closing are booked balances in signed minor units; HasOpening/HasClosing say whether
	// the file gave them.
	Opening    int64   `json:"opening_balance"`
	Closing    int64   `json:"closing_balance"`
	HasOpening bool    `json:"has_opening_balance"`
	HasClosing bool    `json:"has_closing_balance"`
	Entries    []Entry `json:"entries"`
	// Warnings are problems that do not stop the import (a balance that does not add up).
	Warnings []Warning `json:"warnings,omitempty"`
}

// Warning is a non-fatal finding about a statement.
type Warning struct {
	Code    string `json:"code"` // "balance_mismatch", …
	Message string `json:"message"`
	// Difference is, for balance_mismatch, closing − (opening + entries) in minor units.
	Difference int64 `json:"difference,omitempty"`
}

// DifferenceText is how reports add a balance warning's difference to its message, "; difference
// (closing − opening − entries): -10.00 TRY" in currency cur, and "" for any other warning.
func (w Warning) DifferenceText(cur payment.Currency) string {
	if w.Code != WarningBalanceMismatch || w.Difference == 0 { // 0: it was out of range
		return ""
	}
	s := "; difference (closing − opening − entries): " + payment.FormatMinor(w.Difference, cur)
	if cur != "" {
		s += " " + string(cur)
	}
	return s
}

// WarningCharset is the Code of CharsetWarning.
const WarningCharset = "charset"

// WarningBalanceUnchecked is the Code of the warning CheckBalances records, instead of checking the
// balances, when some entries are in another currency than the statement's.
const WarningBalanceUnchecked = "balance_unchecked"

// BalanceUncheckedWarning is the balance_unchecked warning of a statement in cur with n entries in
// the other currencies given, for decoders that check balances without keeping the entries.
func BalanceUncheckedWarning(cur payment.Currency, n int, others []payment.Currency) Warning {
	names := make([]string, len(others))
	for i, c := range others {
		names[i] = string(c)
	}
	are := " entries are in "
	if n == 1 {
		are = " entry is in "
	}
	return Warning{Code: WarningBalanceUnchecked, Message: "the balances were not checked: " + strconv.Itoa(n) + are +
		strings.Join(names, ", ") + ", not in the statement's " + string(cur)}
}

// WarningBalanceMismatch is the Code of the warning CheckBalances records when opening balance plus
// entries is not the closing balance (Warning.Difference holds the difference).
const WarningBalanceMismatch = "balance_mismatch"

// CharsetWarning is the warning a decoder gives each statement of a file that is not valid UTF-8,
// names no character set and was read as charset, its guess.
func CharsetWarning(charset string) Warning {
	return Warning{Code: WarningCharset, Message: "the file is not valid UTF-8; it was read as " + charset}
}

// Entry is one booked line of a statement.
type Entry struct {
	BookingDate payment.Date     `json:"booking_date,omitzero"`
	ValueDate   payment.Date     `json:"value_date"`
	Amount      int64            `json:"amount"` // minor units, always positive; Direction gives the sign
	Direction   Direction        `json:"direction"`
	Reversal    bool             `json:"reversal,omitempty"` // MT940 RC/RD, camt RvslInd
	Currency    payment.Currency `json:"currency"`
	// CustomerRef is the account owner's reference (MT940 :61: reference for the account owner).
	CustomerRef string `json:"reference,omitempty"`
	// BankRef is the servicing institution's reference.
	BankRef  string `json:"bank_reference,omitempty"`
	EndToEnd string `json:"end_to_end_id,omitempty"`
	// Remittance is the free text (MT940 :86:, camt Ustrd/Strd, CSV description).
	Remittance       string `json:"description,omitempty"`
	CounterpartyName string `json:"counterparty_name,omitempty"`
	CounterpartyIBAN string `json:"counterparty_iban,omitempty"`
	// BankTxCode is the bank transaction code (MT940 type code such as NTRF, camt domain/family or
	// proprietary code).
	BankTxCode string `json:"bank_transaction_code,omitempty"`
	// Fields holds the structured sub-fields of the remittance when the format has them (MT940 ?20,
	// /EREF/, camt references), keyed by their code.
	Fields map[string]string `json:"fields,omitempty"`
	// Position is where the entry was in the file: "line 14" or "Sheet1!C7".
	Position string `json:"position"`
	// Fingerprint identifies the entry for de-duplication across overlapping imports (see Fingerprint).
	Fingerprint string `json:"fingerprint"`
}

// Signed returns the amount with its sign: negative for debits.
func (e *Entry) Signed() int64 {
	if e.Direction == Debit {
		return -e.Amount
	}
	return e.Amount
}

// Money returns the unsigned amount with its currency.
func (e *Entry) Money() payment.Amount { return payment.Amount{Minor: e.Amount, Currency: e.Currency} }

// CheckBalances adds a balance_mismatch warning when the statement has both balances and opening +
// entries ≠ closing. It returns the warning, or nil. Entries in another currency than the
// statement's cannot be added to its balances: when there are any, the balances are not checked and
// a balance_unchecked warning (not returned) says why.
func (s *Statement) CheckBalances() *Warning {
	if !s.HasOpening || !s.HasClosing {
		return nil
	}
	var foreign []payment.Currency
	n := 0
	for i := range s.Entries {
		if c := s.Entries[i].Currency; c != "" && c != s.Currency {
			n++
			if !slices.Contains(foreign, c) {
				foreign = append(foreign, c)
			}
		}
	}
	if n > 0 {
		s.Warnings = append(s.Warnings, BalanceUncheckedWarning(s.Currency, n, foreign))
		return nil
	}
	sum, ok := s.Opening, true
	for i := range s.Entries {
		if sum, ok = payment.AddMinor(sum, s.Entries[i].Signed()); !ok {
			break
		}
	}
	if ok && sum == s.Closing {
		return nil
	}
	w := Warning{Code: WarningBalanceMismatch}
	if ok {
		if d := s.Closing - sum; (sum < 0) == (d > s.Closing) || sum == 0 { // else out of range: left out
			w.Difference = d
		}
		entries := " plus entries "
		if net := sum - s.Opening; (net < 0) == (sum < s.Opening) { // else their total is out of range: left out
			entries += payment.FormatMinor(net, s.Currency) + " "
		}
		w.Message = "opening balance " + payment.FormatMinor(s.Opening, s.Currency) + entries + "is " +
			payment.FormatMinor(sum, s.Currency) + ", but the closing balance is " + payment.FormatMinor(s.Closing, s.Currency)
	} else {
		// No sum or difference to give: the running balance left the range of amounts, upwards or
		// downwards, at some entry (decoders that stream replay it with other entries: name none).
		w.Message = "opening balance " + payment.FormatMinor(s.Opening, s.Currency) + " plus entries leaves the range of amounts (" +
			payment.FormatMinor(math.MinInt64, s.Currency) + " to " + payment.FormatMinor(math.MaxInt64, s.Currency) +
			"); the closing balance is " + payment.FormatMinor(s.Closing, s.Currency)
	}
	s.Warnings = append(s.Warnings, w)
	return &s.Warnings[len(s.Warnings)-1]
}
