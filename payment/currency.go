package payment

//go:generate go run ./internal/iso4217gen

// Currency is an ISO 4217 alphabetic code such as "TRY". Its zero value is no currency.
type Currency string

type currencyInfo struct {
	numeric int
	minor   int // -1: ISO says N.A. (precious metals, units of account, testing codes)
	fund    bool
	name    string
}

// ParseCurrency returns the currency for an upper-case ISO 4217 code that payments can be made in:
// a current code with minor units that is not a fund code. "try", "XAU" and "TRYY" are errors.
func ParseCurrency(code string) (Currency, error) {
	c := Currency(code)
	info, ok := currencyTable[c]
	switch {
	case !ok:
		return "", &ValidationError{Field: "currency", Reason: "unknown ISO 4217 currency code " + quote(code)}
	case info.minor < 0:
		return "", &ValidationError{Field: "currency", Reason: code + " has no minor units and cannot be paid in"}
	case info.fund:
		return "", &ValidationError{Field: "currency", Reason: code + " is a fund code, not a currency that payments move"}
	}
	return c, nil
}

// MustCurrency is ParseCurrency for constants and tests; it panics on an invalid code.
func MustCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Valid reports whether payments can be made in c.
func (c Currency) Valid() bool {
	info, ok := currencyTable[c]
	return ok && info.minor >= 0 && !info.fund
}

// MinorUnits is the number of decimal places of the currency's minor unit (2 for TRY, 0 for JPY, 3 for
// KWD), or -1 for a code that has none or is unknown.
func (c Currency) MinorUnits() int {
	if info, ok := currencyTable[c]; ok {
		return info.minor
	}
	return -1
}

// Numeric is the ISO 4217 numeric code (949 for TRY), or 0 if unknown.
func (c Currency) Numeric() int { return currencyTable[c].numeric }

// Name is the ISO 4217 currency name ("Turkish Lira").
func (c Currency) Name() string { return currencyTable[c].name }

func (c Currency) String() string { return string(c) }

// Currencies returns every code payments can be made in, sorted.
func Currencies() []Currency {
	out := make([]Currency, 0, len(currencyTable))
	for c := range currencyTable {
		if c.Valid() {
			out = append(out, c)
		}
	}
	sortCurrencies(out)
	return out
}
