package pain001_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/orkesta/orkesta/adapters/rail/pain001"
	"github.com/orkesta/orkesta/payment"
)

// A file of two transfers from one debtor account; NbOfTxs and CtrlSum are computed from the minor
// units.
func ExampleFile_Encode() {
	f := &pain001.File{
		Version: pain001.V09, MessageID: "MSG-1", CreatedAt: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC),
		InitiatingParty: "Acme Lojistik", Currency: "TRY",
		Debtor: pain001.Party{Name: "Acme Lojistik", IBAN: "TR33 0006 1005 1978 6457 8413 26"},
		Batches: []pain001.Batch{{ID: "bat_1", ExecutionDate: payment.MustDate("2026-01-15"), Transfers: []pain001.Transfer{
			{EndToEndID: "7Q3H9K2M4N6P8R0T", Amount: 125000, Currency: "TRY",
				Creditor: pain001.Party{Name: "Yılmaz Tekstil", IBAN: "TR320010009999901234567890"}},
			{EndToEndID: "ABCDEFGHJKMNPQRS", Amount: 5, Currency: "TRY",
				Creditor: pain001.Party{Name: "Müller GmbH", IBAN: "DE89370400440532013000"}},
		}}},
	}
	var buf bytes.Buffer
	if err := f.Encode(&buf); err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range regexp.MustCompile(`<GrpHdr>.*?<NbOfTxs>(\d+)</NbOfTxs><CtrlSum>([\d.]+)</CtrlSum>`).FindAllStringSubmatch(strings.ReplaceAll(buf.String(), "\n", ""), -1) {
		fmt.Println("NbOfTxs", m[1], "CtrlSum", m[2])
	}
	// Output:
	// NbOfTxs 2 CtrlSum 1250.05
}

// A status report names rejected transfers by their end-to-end id, with the reason.
func ExampleParseStatusReport() {
	report := `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-01-15T11:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>MSG-1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>bat_1</OrgnlPmtInfId>
<TxInfAndSts><OrgnlEndToEndId>7Q3H9K2M4N6P8R0T</OrgnlEndToEndId><TxSts>RJCT</TxSts>
<StsRsnInf><Rsn><Cd>AC01</Cd></Rsn></StsRsnInf></TxInfAndSts>
</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`
	rep, err := pain001.ParseStatusReport(strings.NewReader(report))
	if err != nil {
		fmt.Println(err)
		return
	}
	tx := rep.Batches[0].Transactions[0]
	fmt.Println(rep.OriginalMessageID, tx.OriginalEndToEndID, tx.Status, tx.Reasons[0].Code)
	// Output:
	// MSG-1 7Q3H9K2M4N6P8R0T RJCT AC01
}
