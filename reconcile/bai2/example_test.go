package bai2_test

import (
	"fmt"
	"strings"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/bai2"
)

func ExampleDecode() {
	const file = `01,CHASUS33,ACMEUSA,260310,0630,0310A,,,2/
02,ACMEUSA,CHASUS33,1,260309,2359,USD,2/
03,000123456789,,010,+000000500000,,,015,+000000450950,,/
16,495,000000048050,V,260306,,FED-001,INV-9001,OUTGOING WIRE ROSSI SPA/
16,901,000000001000,0,,,RETURNED ITEM FEE/
49,+000001000000,4/
98,+000001000000,1,6/
99,+000001000000,1,8/
`
	// 901 is this bank's own code: the decoder does not guess its direction.
	_, err := bai2.Decode(strings.NewReader(file), bai2.Options{})
	fmt.Println(err)

	sts, err := bai2.Decode(strings.NewReader(file), bai2.Options{
		TypeCodes: map[string]reconcile.Direction{"901": reconcile.Debit},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	st := sts[0]
	fmt.Println(st.Account, st.Currency, st.From, payment.FormatMinor(st.Opening, st.Currency), "→",
		payment.FormatMinor(st.Closing, st.Currency))
	for _, e := range st.Entries {
		fmt.Printf("%s value %s %s %s ref=%q text=%q code=%s\n", e.Position, e.ValueDate, e.Direction,
			payment.FormatMinor(e.Amount, e.Currency), e.CustomerRef, e.Remittance, e.BankTxCode)
	}
	fmt.Println("warnings:", len(st.Warnings))
	// Output:
	// bai2: line 5 16 type code: 901: the bank's own code (700–999), neither a credit (100–399) nor a debit (400–699): no direction for the type code
	// 000123456789 USD 2026-03-09 5000.00 → 4509.50
	// line 4 value 2026-03-06 debit 480.50 ref="INV-9001" text="OUTGOING WIRE ROSSI SPA" code=495
	// line 5 value 2026-03-09 debit 10.00 ref="" text="RETURNED ITEM FEE" code=901
	// warnings: 0
}
