package camt053_test

import (
	"fmt"
	"strings"

	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/reconcile"
	"github.com/orkesta/orkesta/reconcile/camt053"
)

const exampleDoc = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-01-02T23:00:00+03:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>STMT-1</Id>
   <Acct><Id><IBAN>TR330006100519786457841326</IBAN></Id><Ccy>TRY</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="TRY">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-01</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="TRY">700.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-02</Dt></Dt></Bal>
   <Ntry>
    <Amt Ccy="TRY">300.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2024-01-02</Dt></BookgDt><ValDt><Dt>2024-01-02</Dt></ValDt>
    <NtryDtls>
     <Btch><PmtInfId>SALARY-01</PmtInfId><NbOfTxs>2</NbOfTxs></Btch>
     <TxDtls><Refs><EndToEndId>pay_1</EndToEndId></Refs><Amt Ccy="TRY">100.00</Amt>
      <RltdPties><Cdtr><Pty><Nm>Ayşe Yılmaz</Nm></Pty></Cdtr></RltdPties></TxDtls>
     <TxDtls><Refs><EndToEndId>pay_2</EndToEndId></Refs><Amt Ccy="TRY">200.00</Amt>
      <RltdPties><Cdtr><Pty><Nm>Mehmet Öztürk</Nm></Pty></Cdtr></RltdPties></TxDtls>
    </NtryDtls>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>`

func ExampleDecode() {
	sts, err := camt053.Decode(strings.NewReader(exampleDoc), camt053.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	st := sts[0]
	fmt.Println(st.Format, st.ID, st.Account, payment.FormatMinor(st.Opening, st.Currency), "→", payment.FormatMinor(st.Closing, st.Currency))
	for _, e := range st.Entries { // the batch entry becomes one Entry per transaction detail
		fmt.Println(e.Position, e.Direction, payment.FormatMinor(e.Amount, e.Currency), e.EndToEnd, e.CounterpartyName, e.Fields["Btch/PmtInfId"])
	}
	fmt.Println("warnings:", len(st.Warnings))
	// Output:
	// camt053 STMT-1 TR330006100519786457841326 1000.00 → 700.00
	// line 10 debit 100.00 pay_1 Ayşe Yılmaz SALARY-01
	// line 10 debit 200.00 pay_2 Mehmet Öztürk SALARY-01
	// warnings: 0
}

func ExampleStream() {
	err := camt053.Stream(strings.NewReader(exampleDoc), camt053.Options{}, func(st *reconcile.Statement, e *reconcile.Entry) error {
		if e == nil {
			fmt.Println("end of", st.ID, "warnings:", len(st.Warnings))
			return nil
		}
		fmt.Println(st.Account, e.EndToEnd, payment.FormatMinor(e.Amount, e.Currency))
		return nil
	})
	fmt.Println(err)
	// Output:
	// TR330006100519786457841326 pay_1 100.00
	// TR330006100519786457841326 pay_2 200.00
	// end of STMT-1 warnings: 0
	// <nil>
}
