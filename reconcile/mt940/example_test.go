package mt940_test

import (
	"fmt"
	"strings"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile/mt940"
)

func ExampleDecode() {
	const file = `{1:F01TGBATRISAXXX0000000000}{2:O940TGBATRISXXXXN}{4:
:20:STMT240102
:25:TR330006100519786457841326
:28C:1/1
:60F:C240101TRY1000,00
:61:2401020102C1234,56NTRFNONREF//B24010200001
:86:166?00SEPA-GUTSCHRIFT?20EREF+pay_01HZX42?21SVWZ+Fatura 2024-17?32AYSE YILMAZ
:61:2401020102D9,NCHGNONREF
:86:EFT UCRETI
:62F:C240102TRY2225,56
-}`
	sts, err := mt940.Decode(strings.NewReader(file), mt940.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	st := sts[0]
	fmt.Println(st.ID, st.Account, st.Currency, payment.FormatMinor(st.Opening, st.Currency), "→", payment.FormatMinor(st.Closing, st.Currency))
	for _, e := range st.Entries {
		fmt.Printf("%s %s %s %s e2e=%q name=%q text=%q\n", e.Position, e.ValueDate, e.Direction,
			payment.FormatMinor(e.Amount, e.Currency), e.EndToEnd, e.CounterpartyName, e.Remittance)
	}
	fmt.Println("warnings:", len(st.Warnings))
	// Output:
	// STMT240102/1/1 TR330006100519786457841326 TRY 1000.00 → 2225.56
	// line 6 2024-01-02 credit 1234.56 e2e="pay_01HZX42" name="AYSE YILMAZ" text="Fatura 2024-17"
	// line 8 2024-01-02 debit 9.00 e2e="" name="" text="EFT UCRETI"
	// warnings: 0
}

func ExampleDecode_errors() {
	const file = ":20:X\n:25:TR330006100519786457841326\n:60F:C240101TRY1000,00\n:61:240102C12,345NTRFX\n:61:241302D1,00NTRFY\n"
	_, err := mt940.Decode(strings.NewReader(file), mt940.Options{})
	fmt.Println(err)
	// Output:
	// mt940: line 4 :61:: amount "12,345": more decimal places than the currency has
	// mt940: line 5 :61:: value date "241302" is not a valid YYMMDD date
}
