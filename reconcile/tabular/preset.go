package tabular

import (
	"fmt"
	"slices"
	"strings"
)

// PresetNames lists the built-in mappings: "tr" for Turkish bank exports (Akbank, Garanti BBVA,
// İş Bankası, Yapı Kredi, Ziraat, Halkbank, VakıfBank, TEB, Kuveyt Türk, Albaraka and others share
// one vocabulary) and "en" for generic English exports.
func PresetNames() []string { return []string{"tr", "en"} }

// Preset returns a fresh copy of a built-in mapping, or false for an unknown name.
func Preset(name string) (*Mapping, bool) {
	switch name {
	case "tr":
		return turkish(), true
	case "en":
		return english(), true
	}
	return nil, false
}

// Presets returns every built-in mapping, in the order they are tried when the caller names none.
func Presets() []*Mapping {
	var out []*Mapping
	for _, n := range PresetNames() {
		m, _ := Preset(n)
		out = append(out, m)
	}
	return slices.Clip(out)
}

func names(n ...string) Column { return Column{Names: n} }

// turkish is the vocabulary of Turkish internet-banking exports (formats.md §5). Dates are day
// first; the number format is decided by the amount columns ("1.234,56" in practice).
func turkish() *Mapping {
	return &Mapping{
		Name: "tr",
		Columns: map[Field]Column{
			BookingDate: names("Tarih", "İşlem Tarihi", "Hareket Tarihi", "Muhasebe Tarihi", "Kayıt Tarihi",
				"Tarih/Saat", "İşlem Tarihi/Saati"),
			ValueDate:     names("Valör", "Valör Tarihi", "Valör Tarih"),
			Amount:        names("Tutar", "İşlem Tutarı", "Tutarı", "Miktar", "Hareket Tutarı"),
			Debit:         names("Borç", "Borç Tutarı", "Borçlu"),
			Credit:        names("Alacak", "Alacak Tutarı", "Alacaklı"),
			DirectionFlag: names("B/A", "Borç/Alacak", "İşlem Yönü", "Yön"),
			Balance: names("Bakiye", "Yeni Bakiye", "Güncel Bakiye", "Kalan Bakiye", "İşlem Sonrası Bakiye",
				"Bakiye Tutarı"),
			Currency:    names("Para Birimi", "Döviz Cinsi", "Döviz Kodu", "Döviz", "Döviz Türü"),
			Description: names("Açıklama", "İşlem Açıklaması", "Açıklamalar", "Detay"),
			Reference: names("Referans", "Referans No", "Referans Numarası", "İşlem Referans",
				"İşlem Referansı", "Müşteri Referansı"),
			BankReference: names("Dekont No", "Fiş No", "Fiş/Dekont No", "Dekont Numarası", "Fiş Numarası",
				"İşlem No", "İşlem Numarası"),
			EndToEndID: names("Uçtan Uca Referans", "EndToEndId"),
			CounterpartyName: names("Karşı Taraf", "Karşı Taraf Adı", "Karşı Hesap Adı", "Gönderen/Alıcı",
				"Alıcı/Gönderen", "Gönderen", "Alıcı"),
			CounterpartyIBAN: names("Karşı IBAN", "Karşı Hesap IBAN", "Karşı Taraf IBAN", "Karşı Hesap"),
			TransactionCode:  names("İşlem Kodu", "İşlem Tipi", "İşlem Türü"),
		},
		DateFormat: "02.01.2006",
	}
}

// english is a generic English export. Year-first dates are read as such; day-first or month-first
// is decided by the date columns, never guessed.
func english() *Mapping {
	return &Mapping{
		Name: "en",
		Columns: map[Field]Column{
			BookingDate: names("Date", "Booking Date", "Transaction Date", "Posting Date", "Posted Date",
				"Entry Date", "Trans Date"),
			ValueDate:     names("Value Date", "Value Dated"),
			Amount:        names("Amount", "Transaction Amount", "Amt"),
			Debit:         names("Debit", "Debit Amount", "Withdrawal", "Withdrawals", "Paid Out", "Money Out"),
			Credit:        names("Credit", "Credit Amount", "Deposit", "Deposits", "Paid In", "Money In"),
			DirectionFlag: names("Debit/Credit", "DR/CR", "CR/DR", "D/C", "C/D", "Direction"),
			Balance:       names("Balance", "Running Balance", "Ledger Balance"),
			Currency:      names("Currency", "Ccy", "Currency Code"),
			Description: names("Description", "Details", "Narrative", "Memo", "Transaction Details",
				"Particulars", "Remittance Information", "Payment Details"),
			Reference: names("Reference", "Ref", "Customer Reference", "Payment Reference", "Your Reference"),
			BankReference: names("Bank Reference", "Transaction ID", "Transaction Reference",
				"Transaction Number", "Our Reference"),
			EndToEndID: names("End To End ID", "EndToEndId", "End-to-End Reference", "E2E ID"),
			CounterpartyName: names("Counterparty", "Counterparty Name", "Payee", "Payer", "Beneficiary",
				"Payee/Payer"),
			CounterpartyIBAN: names("Counterparty IBAN", "Counterparty Account", "Beneficiary IBAN"),
			TransactionCode:  names("Transaction Type", "Transaction Code", "Bank Transaction Code", "Type Code"),
			Account:          names("Account", "Account Number", "Account IBAN", "Account No"),
		},
	}
}

// ChooseFrom is Choose with more mappings: when neither m nor preset is given and there are extra
// mappings (a user's banks), they are tried first (validated), then every preset (fresh copies; a
// Builder takes the plans of unchanged presets from those it compiles once per process).
func ChooseFrom(m *Mapping, preset string, extra []*Mapping) ([]*Mapping, error) {
	if m != nil || preset != "" || len(extra) == 0 {
		return Choose(m, preset)
	}
	out := make([]*Mapping, 0, len(extra)+len(PresetNames()))
	for _, e := range extra {
		if err := e.Validate(); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return append(out, Presets()...), nil
}

// Choose returns the mappings a decoder tries: m when given (validated), else the preset named, else
// nil, which means every preset.
func Choose(m *Mapping, preset string) ([]*Mapping, error) {
	switch {
	case m != nil:
		if err := m.Validate(); err != nil {
			return nil, err
		}
		return []*Mapping{m}, nil
	case preset != "":
		p, ok := Preset(preset)
		if !ok {
			return nil, &MappingError{Mapping: preset, Field: "preset",
				Reason: fmt.Sprintf("unknown (known: %s)", strings.Join(PresetNames(), ", "))}
		}
		return []*Mapping{p}, nil
	}
	return nil, nil
}
