package payment

import (
	"strings"
	"time"
	"unicode/utf8"
)

// AccountType says whose an account is.
type AccountType string

// Account types.
const (
	// AccountInternal is the workspace's own account: payments may debit it.
	AccountInternal AccountType = "internal"
	// AccountExternal is a counterparty's account: payments may only credit it.
	AccountExternal AccountType = "external"
)

// Account is a funding (internal) or destination (external) account of a workspace.
type Account struct {
	ID        AccountID   `json:"id"`
	Workspace WorkspaceID `json:"workspace_id"`
	Name      string      `json:"name"`
	Currency  Currency    `json:"currency"`
	IBAN      string      `json:"iban,omitempty"`
	Type      AccountType `json:"type"`
	CreatedAt time.Time   `json:"created_at"`
}

// MaskedIBAN shows only the last four characters, for logs and errors.
func (a Account) MaskedIBAN() string { return MaskIBAN(a.IBAN) }

// MaskIBAN keeps the country code and the last four characters: "TR** **** 1234" style, as "TR…1234".
// It counts characters, not bytes, so that a mistyped IBAN with a non-ASCII letter is masked to valid
// UTF-8 (invalid bytes become U+FFFD).
func MaskIBAN(iban string) string {
	iban = strings.ToValidUTF8(iban, "\uFFFD")
	n := utf8.RuneCountInString(iban)
	if n <= 6 {
		return strings.Repeat("*", n)
	}
	head, tail := 0, len(iban)
	for range 2 {
		_, size := utf8.DecodeRuneInString(iban[head:])
		head += size
	}
	for range 4 {
		_, size := utf8.DecodeLastRuneInString(iban[:tail])
		tail -= size
	}
	return iban[:head] + "…" + iban[tail:]
}

// AccountRequest holds what a caller gives to create an account.
type AccountRequest struct {
	Name     string      `json:"name"`
	Currency Currency    `json:"currency"`
	IBAN     string      `json:"iban,omitempty"`
	Type     AccountType `json:"type"`
}

// Validate checks the request and returns every problem, joined. The IBAN is normalized in place
// (spaces removed, upper-cased).
func (r *AccountRequest) Validate() error {
	var errs fieldErrs
	name := strings.TrimSpace(r.Name)
	switch {
	case name == "":
		errs.add("name", "is required")
	case !utf8.ValidString(name):
		errs.add("name", "is not valid UTF-8")
	case len([]rune(name)) > 140:
		errs.add("name", "is longer than 140 characters")
	case hasControl(name):
		errs.add("name", "contains control characters")
	}
	r.Name = name
	if _, err := ParseCurrency(string(r.Currency)); err != nil {
		errs.addErr(err)
	}
	if r.Type != AccountInternal && r.Type != AccountExternal {
		errs.add("type", "must be internal or external, not "+quote(string(r.Type)))
	}
	if r.IBAN != "" {
		iban, err := NormalizeIBAN(r.IBAN)
		if err != nil {
			errs.addErr(err)
		} else {
			r.IBAN = iban
		}
	}
	return errs.join()
}

// ibanLengths is the IBAN length of each country in the SWIFT IBAN registry.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
	"LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
	"NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
	"RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// IBANLength returns the length of the IBANs of country (an ISO 3166 code such as "TR"), and false
// when the country has no IBANs in the SWIFT IBAN registry.
func IBANLength(country string) (int, bool) {
	n, ok := ibanLengths[country]
	return n, ok
}

// NormalizeIBAN removes spaces, upper-cases, and checks the country's length and the check digits:
// two digits after the country code (ISO 13616; a pain.001 IBAN must match [A-Z]{2}[0-9]{2}…) that
// pass the mod-97 check. Errors never repeat the whole IBAN.
func NormalizeIBAN(s string) (string, error) {
	iban := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	bad := func(reason string) (string, error) {
		return "", &ValidationError{Field: "iban", Reason: MaskIBAN(iban) + " " + reason}
	}
	if len(iban) < 5 {
		return bad("is too short")
	}
	for i := 0; i < len(iban); i++ {
		c := iban[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return bad("contains characters other than letters and digits")
		}
	}
	want, ok := ibanLengths[iban[:2]]
	if !ok {
		return bad("has an unknown country code " + iban[:2])
	}
	if c, d := iban[2], iban[3]; c < '0' || c > '9' || d < '0' || d > '9' {
		return bad("has check digits that are not two digits (the 3rd and 4th characters)")
	}
	if len(iban) != want {
		return bad("has " + itoa(len(iban)) + " characters; " + iban[:2] + " IBANs have " + itoa(want))
	}
	// mod 97 over the rearranged string, letters as two digits, digit by digit.
	r := 0
	for i := 0; i < len(iban); i++ {
		c := iban[(i+4)%len(iban)]
		if c >= 'A' {
			r = (r*100 + int(c-'A'+10)) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	if r != 1 {
		return bad("fails the mod-97 check")
	}
	return iban, nil
}
