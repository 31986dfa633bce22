package mt940

import (
	"errors"
	"fmt"
	"strings"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
)

// statementLine parses a :61: field:
//
//	value date YYMMDD, [entry date MMDD or four spaces], mark C D RC RD (EC ED), [funds code letter],
//	amount with a decimal comma, [type N/F/S + 3 characters], customer reference [//bank reference]
//	[newline supplementary details]
func (p *parser) statementLine(text string, cur payment.Currency, minor int) (reconcile.Entry, error) {
	l, rest := firstLine(text)
	e := reconcile.Entry{Currency: cur}
	if len(l) < 6 {
		return e, fmt.Errorf("statement line %q is too short", l)
	}
	vd, ok := p.date(l[:6])
	if !ok {
		return e, fmt.Errorf("value date %q is not a valid YYMMDD date", l[:6])
	}
	e.ValueDate = vd.date
	if vd.clamped {
		p.warnDate(p.tagLine, ":61:", l[:6], vd.date)
	}
	i := 6
	if len(l) >= i+4 {
		switch c := l[i : i+4]; {
		case isDigit(c[0]) && isDigit(c[1]) && isDigit(c[2]) && isDigit(c[3]):
			bd, ok := p.entryDate(c, vd)
			if !ok {
				return e, fmt.Errorf("entry date %q is not a valid MMDD date", c)
			}
			if bd.clamped {
				p.warnDate(p.tagLine, ":61:", c, bd.date)
			}
			e.BookingDate = bd.date
			i += 4
		case c == "    ": // Citi writes four spaces for "no entry date"
			i += 4
		}
	}
	if i >= len(l) {
		return e, errors.New("debit/credit mark missing after the dates")
	}
	switch {
	case l[i] == 'C':
		e.Direction = reconcile.Credit
		i++
	case l[i] == 'D':
		e.Direction = reconcile.Debit
		i++
	case (l[i] == 'R' || l[i] == 'E') && i+1 < len(l) && (l[i+1] == 'C' || l[i+1] == 'D'):
		// RC: reversal of a credit, so money goes out; RD: reversal of a debit. EC/ED (expected, MT942)
		// read as C/D.
		credit := l[i+1] == 'C'
		e.Reversal = l[i] == 'R'
		if e.Reversal {
			credit = !credit
		}
		e.Direction = reconcile.Debit
		if credit {
			e.Direction = reconcile.Credit
		}
		i += 2
	default:
		return e, fmt.Errorf("debit/credit mark %q is not C, D, RC or RD", l[i:i+1])
	}
	if i < len(l) && l[i] >= 'A' && l[i] <= 'Z' {
		i++ // funds code: the third letter of the currency (CR = credit in euro, not a reversal)
	}
	j, comma := i, -1
	for ; j < len(l) && (isDigit(l[j]) || (l[j] == ',' && comma < 0)); j++ {
		if l[j] == ',' {
			comma = j
		}
	}
	amount := l[i:j]
	if comma < 0 { // SWIFT allows 15 characters; longer zero-padded amounts are read all the same
		return e, fmt.Errorf("amount %q is not digits with a decimal comma", amount)
	}
	if j < len(l) && l[j] == ',' { // "1,000,50": a garbled amount, not 1,000 and a reference ",50…"
		k := j + 1
		for k < len(l) && (isDigit(l[k]) || l[k] == ',') {
			k++
		}
		return e, fmt.Errorf("amount %q has more than one decimal comma", l[i:k])
	}
	v, err := reconcile.ParseMinor(amount, reconcile.NumberComma, minor)
	if err != nil {
		return e, fmt.Errorf("amount %w", reconcile.FormatAmountError(amount, err))
	}
	e.Amount = v
	l = l[j:]
	// Transaction type N/F/S + 3 characters, unless the line goes straight to a reference (Penta:
	// "D20,00NONREF", Zenith: "CN220000,00//…").
	if !(strings.HasPrefix(l, "NONREF") && (len(l) == 6 || strings.HasPrefix(l[6:], "//"))) &&
		len(l) >= 4 && (l[0] == 'N' || l[0] == 'F' || l[0] == 'S') && typeChars(l[1:4]) {
		e.BankTxCode = strings.TrimRight(l[:4], " ")
		l = l[4:]
	}
	if k := strings.Index(l, "//"); k >= 0 {
		e.CustomerRef = strings.TrimSpace(l[:k])
		e.BankRef = strings.TrimSpace(l[k+2:])
	} else {
		e.CustomerRef = strings.TrimSpace(l)
	}
	if rest = strings.TrimSpace(rest); rest != "" {
		sup := joinLines(rest)
		e.Fields = map[string]string{"supplementary_details": sup}
		if iban, err := payment.NormalizeIBAN(sup); err == nil {
			e.CounterpartyIBAN = iban // Rabobank puts the counterparty account here
		}
	}
	return e, nil
}

func typeChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ') {
			return false
		}
	}
	return true
}
