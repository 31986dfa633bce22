package tabular

import (
	"fmt"
	"slices"
	"strings"
)

// PresetNames lists the built-in mappings, in the order they are tried: "tr" for Turkish bank
// exports (Akbank, Garanti BBVA, İş Bankası, Yapı Kredi, Ziraat, Halkbank, VakıfBank, TEB, Kuveyt
// Türk, Albaraka and others share one vocabulary), "en" for generic English exports, "de" for
// German-language exports (Sparkassen, Volks- und Raiffeisenbanken, GLS, Deutsche Bank, ING,
// Commerzbank …) and "fr" for French-language ones (France, Switzerland, Belgium).
func PresetNames() []string { return []string{"tr", "en", "de", "fr"} }

// Preset returns a fresh copy of a built-in mapping, or false for an unknown name.
func Preset(name string) (*Mapping, bool) {
	switch name {
	case "tr":
		return turkish(), true
	case "en":
		return english(), true
	case "de":
		return german(), true
	case "fr":
		return french(), true
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

// german is the vocabulary of German-language exports. Dates are day first (31.12.2025, or 31.12.25);
// amounts are usually "1.234,56", which the amount columns prove. Purpose text spread over numbered
// columns (VWZ1 … VWZ14, as GLS writes it) is joined; a Soll/Haben column flags the direction. A
// "Kontonummer" column is left alone: some banks write the account's own number there, others the
// counterparty's, and read as the account it would split a statement by counterparty.
func german() *Mapping {
	purpose := []string{"Verwendungszweck", "Vorgang/Verwendungszweck", "Buchungsdetails"}
	for i := 1; i <= 14; i++ {
		purpose = append(purpose, fmt.Sprintf("VWZ%d", i))
	}
	return &Mapping{
		Name: "de",
		Columns: map[Field]Column{
			BookingDate:   names("Buchungstag", "Buchungsdatum", "Buchung", "Datum", "Umsatztag"),
			ValueDate:     names("Wertstellung", "Valuta", "Valutadatum", "Wert", "Wertstellungsdatum"),
			Amount:        names("Betrag", "Umsatz", "Umsatzbetrag"),
			Debit:         names("Soll", "Lastschrift", "Belastung", "Ausgang"),
			Credit:        names("Haben", "Gutschrift", "Eingang"),
			DirectionFlag: names("Soll/Haben", "S/H", "Soll-Haben-Kennzeichen"),
			Balance:       names("Saldo", "Kontostand", "Saldo nach Buchung"),
			Currency:      names("Währung", "Waehrung", "WKZ", "Währungscode"),
			Description:   Column{Names: purpose, Join: true},
			Reference:     names("Kundenreferenz", "Referenz", "Auftragsreferenz"),
			BankReference: names("Bankreferenz", "Buchungsreferenz", "Transaktionsnummer"),
			// The Sparkassen's CSV-CAMT: "Kundenreferenz (End-to-End)" is the SEPA end-to-end id
			// (a plain "Kundenreferenz", as the Volksbanken write it, stays the reference).
			EndToEndID: names("Kundenreferenz (End-to-End)", "End-to-End-Referenz", "Ende-zu-Ende-Referenz",
				"EndToEndId"),
			CounterpartyName: names("Auftraggeber/Empfänger", "Begünstigter/Zahlungspflichtiger",
				"Beguenstigter/Zahlungspflichtiger", "Begünstigter/Auftraggeber", "Auftraggeber/Begünstigter",
				"Name Zahlungsbeteiligter", "Zahlungsempfänger", "Empfänger", "Auftraggeber", "Gegenpartei"),
			CounterpartyIBAN: names("Kontonummer/IBAN", "IBAN Zahlungsbeteiligter", "IBAN Gegenkonto", "Gegenkonto",
				"Empfänger-IBAN"),
			TransactionCode: names("Buchungstext", "Umsatzart", "Buchungsart", "Vorgang", "Transaktionsart"),
			Account:         names("Auftragskonto", "IBAN Auftragskonto"), // not "Kontonummer": see the doc above
		},
		DateFormat:  "02.01.2006",
		DebitFlags:  []string{"S", "Soll", "D", "DR", "Debit", "-"},
		CreditFlags: []string{"H", "Haben", "C", "CR", "Credit", "+"},
	}
}

// french is the vocabulary of French-language exports. Dates are day first (31/12/2025); amounts
// may be "1 234,56", "1234,56" or, in Switzerland, "1'234.56": the amount columns decide. A
// description spread over numbered columns (Description 1 … 3, as UBS writes it) is joined.
func french() *Mapping {
	return &Mapping{
		Name: "fr",
		Columns: map[Field]Column{
			BookingDate: names("Date d'opération", "Date opération", "Date de l'opération", "Date comptable",
				"Date de comptabilisation", "Date"),
			ValueDate:     names("Date de valeur", "Date valeur", "Valeur"),
			Amount:        names("Montant", "Montant de l'opération", "Montant opération"),
			Debit:         names("Débit", "Débit euros"),
			Credit:        names("Crédit", "Crédit euros"),
			DirectionFlag: names("Débit/Crédit", "Sens"),
			Balance:       names("Solde", "Solde après opération"),
			Currency:      names("Devise", "Monnaie", "Monn."),
			Description: Column{Names: []string{"Libellé", "Libellé opération", "Libellé de l'opération",
				"Détail de l'écriture", "Description 1", "Description 2", "Description 3"}, Join: true},
			Reference:        names("Référence", "Référence client", "Votre référence"),
			BankReference:    names("N° de transaction", "Numéro de transaction", "Référence banque", "N° d'opération"),
			EndToEndID:       names("Référence de bout en bout", "EndToEndId"),
			CounterpartyName: names("Bénéficiaire", "Donneur d'ordre", "Tiers", "Contrepartie"),
			CounterpartyIBAN: names("IBAN du bénéficiaire", "IBAN contrepartie", "IBAN du tiers"),
			TransactionCode:  names("Type d'opération", "Type opération", "Nature de l'opération", "Type"),
			Account:          names("Compte", "Numéro de compte", "N° de compte", "Produit"),
		},
		DateFormat: "02.01.2006",
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
