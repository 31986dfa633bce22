package pain001

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/orkesta/orkesta/payment"
)

// Version is the pain.001 message version written.
type Version string

// Supported versions.
const (
	// V09 is pain.001.001.09 (ISO 20022 2019), the default.
	V09 Version = "pain.001.001.09"
	// V03 is pain.001.001.03 (2009), for banks still on it.
	V03 Version = "pain.001.001.03"
)

// Valid reports whether v is a supported version.
func (v Version) Valid() bool { return v == V09 || v == V03 }

// Namespace is the XML namespace of the version's Document.
func (v Version) Namespace() string { return "urn:iso:std:iso:20022:tech:xsd:" + string(v) }

// Party is a debtor or creditor: name, IBAN and, when known, the BIC of its bank.
type Party struct {
	Name string
	IBAN string
	BIC  string
}

// Transfer is one credit transfer (CdtTrfTxInf).
type Transfer struct {
	// PaymentID is the payment the transfer carries; it is not written (the EndToEndId is).
	PaymentID payment.ID
	// EndToEndID travels unchanged to the creditor and back on statements (1–35 characters).
	EndToEndID string
	// InstructionID is the debtor bank's point-to-point reference (optional).
	InstructionID string
	Amount        int64 // minor units, positive
	Currency      payment.Currency
	Creditor      Party
	// Remittance is the free text for the creditor (RmtInf/Ustrd, up to 140 characters; optional).
	Remittance string
}

// Batch is one payment information block (PmtInf): transfers from the debtor account on one date.
type Batch struct {
	ID            string // PmtInfId (1–35 characters)
	ExecutionDate payment.Date
	Transfers     []Transfer
}

// File is one pain.001 credit-transfer initiation: one debtor account, one or more batches.
type File struct {
	Version   Version
	MessageID string // GrpHdr/MsgId (1–35 characters), unique per initiating party
	CreatedAt time.Time
	// InitiatingParty is the name of the party sending the file (GrpHdr/InitgPty/Nm).
	InitiatingParty string
	Debtor          Party
	// Currency is the debtor account's currency; every transfer is in it.
	Currency payment.Currency
	// ChargeBearer is written as ChrgBr when set: DEBT, CRED, SHAR or SLEV.
	ChargeBearer string
	Batches      []Batch
}

// Totals returns the number of transfers and the sum of their amounts (NbOfTxs and CtrlSum), or
// payment.ErrOverflow.
func (f *File) Totals() (int, int64, error) {
	n, sum := 0, int64(0)
	for i := range f.Batches {
		bn, bs, err := f.Batches[i].Totals()
		if err != nil {
			return 0, 0, err
		}
		var ok bool
		if sum, ok = payment.AddMinor(sum, bs); !ok {
			return 0, 0, payment.ErrOverflow
		}
		n += bn
	}
	return n, sum, nil
}

// Totals returns the batch's number of transfers and the sum of their amounts.
func (b *Batch) Totals() (int, int64, error) {
	sum := int64(0)
	for i := range b.Transfers {
		var ok bool
		if sum, ok = payment.AddMinor(sum, b.Transfers[i].Amount); !ok {
			return 0, 0, payment.ErrOverflow
		}
	}
	return len(b.Transfers), sum, nil
}

// maxDigits is the XSD's totalDigits for amounts and control sums.
const maxDigits = 18

// maxAmount is the first amount with more digits than a pain.001 amount or control sum holds.
const maxAmount = 1_000_000_000_000_000_000 // 10^maxDigits

// tooManyDigits reports whether a (non-negative) amount or control sum has more than maxDigits digits.
func tooManyDigits(n int64) bool { return n >= maxAmount }

// Validate checks the file against the rules of both schemas and returns every problem joined, each a
// *payment.ValidationError naming its field ("batches[0].transfers[2].creditor.iban"). IBANs in
// messages are masked.
func (f *File) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		if len(errs) < 100 {
			errs = append(errs, &payment.ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)})
		}
	}
	text := func(field, s string, maxLen int, required bool) {
		switch n := utf8.RuneCountInString(s); {
		case n == 0 && required:
			bad(field, "is required")
		case n > maxLen:
			bad(field, "has %d characters; at most %d fit", n, maxLen)
		}
	}
	party := func(field string, p *Party) {
		text(field+".name", p.Name, 140, true)
		if _, err := payment.NormalizeIBAN(p.IBAN); err != nil {
			var ve *payment.ValidationError
			if errors.As(err, &ve) {
				bad(field+".iban", "%s", ve.Reason)
			}
		}
		if p.BIC != "" && !validBIC(p.BIC) {
			bad(field+".bic", "%q is not a BIC (8 or 11 characters: bank, country, location, branch)", p.BIC)
		}
	}
	if !f.Version.Valid() {
		bad("version", "must be %s or %s, not %q", V09, V03, f.Version)
	}
	text("message_id", f.MessageID, 35, true)
	if f.CreatedAt.IsZero() {
		bad("created_at", "is required")
	}
	text("initiating_party", f.InitiatingParty, 140, true)
	party("debtor", &f.Debtor)
	if _, err := payment.ParseCurrency(string(f.Currency)); err != nil {
		// A code payments cannot move: unknown, without minor units, or a fund code (CLF).
		var ve *payment.ValidationError
		if errors.As(err, &ve) {
			bad("currency", "%s", ve.Reason)
		} else {
			bad("currency", "%v", err)
		}
	}
	switch f.ChargeBearer {
	case "", "DEBT", "CRED", "SHAR", "SLEV":
	default:
		bad("charge_bearer", "must be DEBT, CRED, SHAR or SLEV, not %q", f.ChargeBearer)
	}
	if len(f.Batches) == 0 {
		bad("batches", "a file needs at least one batch")
	}
	for i := range f.Batches {
		b := &f.Batches[i]
		bf := fmt.Sprintf("batches[%d]", i)
		text(bf+".id", b.ID, 35, true)
		if b.ExecutionDate.IsZero() {
			bad(bf+".execution_date", "is required")
		}
		if len(b.Transfers) == 0 {
			bad(bf+".transfers", "a batch needs at least one transfer")
		}
		for j := range b.Transfers {
			t := &b.Transfers[j]
			if transferOK(t, f.Currency) {
				continue // the common case, checked without building field names
			}
			tf := fmt.Sprintf("%s.transfers[%d]", bf, j)
			text(tf+".end_to_end_id", t.EndToEndID, 35, true)
			text(tf+".instruction_id", t.InstructionID, 35, false)
			text(tf+".remittance", t.Remittance, 140, false)
			switch {
			case t.Amount <= 0:
				bad(tf+".amount", "must be positive")
			case tooManyDigits(t.Amount):
				bad(tf+".amount", "has more than %d digits", maxDigits)
			}
			if t.Currency != f.Currency {
				bad(tf+".currency", "is %s; the debtor account is in %s", t.Currency, f.Currency)
			}
			party(tf+".creditor", &t.Creditor)
		}
	}
	if _, sum, err := f.Totals(); err != nil {
		bad("batches", "the control sum overflows")
	} else if tooManyDigits(sum) {
		bad("batches", "the control sum has more than %d digits; write the transfers in several files", maxDigits)
	}
	return errors.Join(errs...)
}

// transferOK is a fast check that t breaks no rule Validate checks.
func transferOK(t *Transfer, cur payment.Currency) bool {
	n := utf8.RuneCountInString
	ok := t.EndToEndID != "" && n(t.EndToEndID) <= 35 && n(t.InstructionID) <= 35 && n(t.Remittance) <= 140 &&
		t.Amount > 0 && t.Amount < 1e18 && t.Currency == cur &&
		t.Creditor.Name != "" && n(t.Creditor.Name) <= 140 && (t.Creditor.BIC == "" || validBIC(t.Creditor.BIC))
	if !ok {
		return false
	}
	_, err := payment.NormalizeIBAN(t.Creditor.IBAN)
	return err == nil
}

// validBIC checks the pain.001.001.03 BIC pattern [A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?, which
// also satisfies .09's BICFI pattern.
func validBIC(s string) bool {
	if len(s) != 8 && len(s) != 11 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter, digit := c >= 'A' && c <= 'Z', c >= '0' && c <= '9'
		switch {
		case i < 6 && !letter,
			i == 6 && !letter && (c < '2' || c > '9'),
			i == 7 && (!letter && !digit || c == 'O'),
			i > 7 && !letter && !digit:
			return false
		}
	}
	return true
}

// Encode validates the file and writes it as XML to w. An invalid file writes nothing.
func (f *File) Encode(w io.Writer) error {
	if err := f.Validate(); err != nil {
		return err
	}
	n, sum, _ := f.Totals()
	x := &xw{w: bufio.NewWriterSize(w, 64<<10), v: f.Version}
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.raw(`<Document xmlns="` + f.Version.Namespace() + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` + "\n")
	x.raw("<CstmrCdtTrfInitn>\n<GrpHdr>\n")
	x.elem("MsgId", f.MessageID)
	x.elem("CreDtTm", f.CreatedAt.Truncate(time.Second).Format("2006-01-02T15:04:05Z07:00"))
	x.elem("NbOfTxs", strconv.Itoa(n))
	x.elem("CtrlSum", payment.FormatMinor(sum, f.Currency))
	x.raw("<InitgPty>")
	x.elem("Nm", f.InitiatingParty)
	x.raw("</InitgPty>\n</GrpHdr>\n")
	for i := range f.Batches {
		x.batch(f, &f.Batches[i])
	}
	x.raw("</CstmrCdtTrfInitn>\n</Document>\n")
	if x.err != nil {
		return x.err
	}
	return x.w.Flush()
}

func (x *xw) batch(f *File, b *Batch) {
	n, sum, _ := b.Totals()
	x.raw("<PmtInf>\n")
	x.elem("PmtInfId", b.ID)
	x.elem("PmtMtd", "TRF")
	x.elem("NbOfTxs", strconv.Itoa(n))
	x.elem("CtrlSum", payment.FormatMinor(sum, f.Currency))
	if x.v == V03 {
		x.elem("ReqdExctnDt", b.ExecutionDate.String())
	} else {
		x.raw("<ReqdExctnDt>")
		x.elem("Dt", b.ExecutionDate.String())
		x.raw("</ReqdExctnDt>\n")
	}
	x.raw("<Dbtr>")
	x.elem("Nm", f.Debtor.Name)
	x.raw("</Dbtr>\n<DbtrAcct><Id>")
	x.elem("IBAN", normIBAN(f.Debtor.IBAN))
	x.raw("</Id>")
	x.elem("Ccy", string(f.Currency))
	x.raw("</DbtrAcct>\n")
	x.raw("<DbtrAgt>")
	if f.Debtor.BIC != "" {
		x.agent(f.Debtor.BIC)
	} else {
		x.raw("<FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId>")
	}
	x.raw("</DbtrAgt>\n")
	if f.ChargeBearer != "" {
		x.elem("ChrgBr", f.ChargeBearer)
		x.raw("\n")
	}
	for i := range b.Transfers {
		x.transfer(f, &b.Transfers[i])
	}
	x.raw("</PmtInf>\n")
}

func (x *xw) transfer(f *File, t *Transfer) {
	x.raw("<CdtTrfTxInf>\n<PmtId>")
	if t.InstructionID != "" {
		x.elem("InstrId", t.InstructionID)
	}
	x.elem("EndToEndId", t.EndToEndID)
	x.raw("</PmtId>\n<Amt><InstdAmt Ccy=\"")
	x.text(string(t.Currency))
	x.raw("\">")
	x.text(payment.FormatMinor(t.Amount, f.Currency))
	x.raw("</InstdAmt></Amt>\n")
	if t.Creditor.BIC != "" {
		x.raw("<CdtrAgt>")
		x.agent(t.Creditor.BIC)
		x.raw("</CdtrAgt>\n")
	}
	x.raw("<Cdtr>")
	x.elem("Nm", t.Creditor.Name)
	x.raw("</Cdtr>\n<CdtrAcct><Id>")
	x.elem("IBAN", normIBAN(t.Creditor.IBAN))
	x.raw("</Id></CdtrAcct>\n")
	if t.Remittance != "" {
		x.raw("<RmtInf>")
		x.elem("Ustrd", t.Remittance)
		x.raw("</RmtInf>\n")
	}
	x.raw("</CdtTrfTxInf>\n")
}

func (x *xw) agent(bic string) {
	x.raw("<FinInstnId>")
	if x.v == V03 {
		x.elem("BIC", bic)
	} else {
		x.elem("BICFI", bic)
	}
	x.raw("</FinInstnId>")
}

func normIBAN(s string) string {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		plain = s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9'
	}
	if plain {
		return s
	}
	iban, err := payment.NormalizeIBAN(s)
	if err != nil {
		return s // Validate has refused it already
	}
	return iban
}

// xw writes XML text; the first error sticks.
type xw struct {
	w   *bufio.Writer
	v   Version
	err error
}

func (x *xw) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

func (x *xw) elem(name, value string) {
	if x.err != nil {
		return
	}
	x.w.WriteByte('<')
	x.w.WriteString(name)
	x.w.WriteByte('>')
	x.text(value)
	x.w.WriteString("</")
	x.w.WriteString(name)
	_, x.err = x.w.WriteString(">")
}

// text writes s escaped for element content and attribute values. Characters XML 1.0 does not allow
// (controls other than tab, newline and carriage return, invalid UTF-8) become U+FFFD.
func (x *xw) text(s string) {
	if x.err != nil {
		return
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		width := 1
		switch {
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '&':
			esc = "&amp;"
		case c == '"':
			esc = "&quot;"
		case c == '\'':
			esc = "&apos;"
		case c == '\t' || c == '\n' || c == '\r':
			esc = "&#" + strconv.Itoa(int(c)) + ";"
		case c < 0x20 || c == 0x7f:
			esc = "\uFFFD"
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			width = n
			if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
				esc = "\uFFFD"
			}
		}
		if esc == "" {
			i += width
			continue
		}
		x.w.WriteString(s[start:i])
		x.w.WriteString(esc)
		i += width
		start = i
	}
	_, x.err = x.w.WriteString(s[start:])
}
