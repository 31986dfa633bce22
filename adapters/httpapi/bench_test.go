package httpapi

import (
	"strings"
	"testing"
)

const benchPayment = `{"amount":125000,"currency":"TRY","method":"bank_transfer","from_account":"acc_01KF0E44M00003RVQKEBZ90002",` +
	`"to_account":"acc_01KF0E44M00007HQF6WQYJ0004","description":"Invoice payment","reference":"INV-2026-0001","value_date":"2026-01-15"}`

// BenchmarkDecodePayment is the strict decoder on one create body.
func BenchmarkDecodePayment(b *testing.B) {
	body := []byte(benchPayment)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodePaymentRequest(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeBatch is the strict decoder on a 500-payment batch body.
func BenchmarkDecodeBatch(b *testing.B) {
	body := []byte(`{"payments":[` + strings.TrimSuffix(strings.Repeat(benchPayment+",", 500), ",") + `]}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		reqs, err := decodeBatchRequest(body)
		if err != nil || len(reqs) != 500 {
			b.Fatal(err, len(reqs))
		}
	}
}

// BenchmarkEncodePayment is the hand-written encoder on one payment.
func BenchmarkEncodePayment(b *testing.B) {
	reqs, _ := decodePaymentRequest([]byte(benchPayment))
	p := Payment{ID: "pay_01KF0E44M0000DACV9CFQF000R", Status: "pending", Amount: reqs.Amount, Currency: reqs.Currency,
		Method: reqs.Method, FromAccount: reqs.FromAccount, ToAccount: reqs.ToAccount, Description: reqs.Description,
		Reference: reqs.Reference, ValueDate: reqs.ValueDate, EndToEndID: "000DACV9CFQF000R"}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = p.appendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}
