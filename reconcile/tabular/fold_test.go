package tabular_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/orkesta/orkesta/reconcile/tabular"
)

func TestFold(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"AÇIKLAMA", "aciklama"},
		{"açıklama", "aciklama"},
		{"Açıklama", "aciklama"},
		{"ACIKLAMA", "aciklama"},
		{"Açiklama", "aciklama"}, // dotted i typed by a non-Turkish keyboard
		{"İŞLEM TARİHİ", "islemtarihi"},
		{"İşlem Tarihi", "islemtarihi"},
		{"işlem tarihi", "islemtarihi"},
		{"ISLEM TARIHI", "islemtarihi"},
		{"BAKİYE", "bakiye"},
		{"Valör", "valor"},
		{"VALÖR", "valor"},
		{"Borç", "borc"},
		{"BORÇ", "borc"},
		{"Fiş/Dekont No", "fisdekontno"},
		{"FİŞ NO", "fisno"},
		{"B/A", "ba"},
		{"Tutar(TL)", "tutar"},
		{"Güncel Bakiye (TL)", "guncelbakiye"},
		{"Döviz Cinsi", "dovizcinsi"},
		{"  Karşı IBAN ", "karsiiban"},
		{"Débit", "debit"},
		{"N° de transaction", "ndetransaction"},
		{"Währung", "wahrung"},
		{"counterparty_iban", "counterpartyiban"},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			assert.Equal(t, tc.want, tabular.Fold(tc.in))
		})
	}
}

// TestFoldDiffersFromGo documents why Fold exists: Go's own case rules do not match Turkish headers.
func TestFoldDiffersFromGo(t *testing.T) {
	assert.False(t, strings.EqualFold("AÇIKLAMA", "açıklama"))
	assert.Equal(t, "açiklama", strings.ToLower("AÇIKLAMA"))
	assert.Equal(t, tabular.Fold("AÇIKLAMA"), tabular.Fold("açıklama"))
}
