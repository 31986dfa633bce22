package payment_test

import (
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDate(t *testing.T) {
	d, err := payment.ParseDate("2024-02-29")
	require.NoError(t, err)
	assert.Equal(t, "2024-02-29", d.String())
	assert.Equal(t, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), d.Time())
	assert.Equal(t, "2024-03-01", d.AddDays(1).String())
	assert.Equal(t, 366, payment.MustDate("2025-01-01").Sub(payment.MustDate("2024-01-01")))
	assert.Equal(t, payment.Date(1), payment.MustDate("1970-01-01"))
	assert.True(t, payment.Date(0).IsZero())
	assert.Equal(t, payment.DateOf(time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)), payment.NewDate(2026, 12, 31))
	for _, bad := range []string{"2023-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01", "2026/01/01", "", "1969-12-31"} {
		_, err := payment.ParseDate(bad)
		assert.Error(t, err, bad)
	}
	// A well-formed day outside the dates kept says the range, not the format.
	for _, early := range []string{"1969-12-31", "0001-01-01", "1900-02-28"} {
		_, err := payment.ParseDate(early)
		require.ErrorIs(t, err, payment.ErrDateOutOfRange, early)
		assert.EqualError(t, err, `payment: date "`+early+`" is outside 1970-01-01 to 9999-12-31`)
	}
	for _, bad := range []string{"1969-02-30", "1969-13-01", "1969/12/31"} {
		_, err := payment.ParseDate(bad)
		require.Error(t, err, bad)
		assert.NotErrorIs(t, err, payment.ErrDateOutOfRange, "%s is no day at all", bad)
	}
	// every day for 200 years round-trips through the civil conversion
	for t0 := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC); t0.Year() < 2170; t0 = t0.AddDate(0, 0, 1) {
		d := payment.DateOf(t0)
		if d.Time() != t0 || d.String() != t0.Format(time.DateOnly) {
			t.Fatalf("%s: got %s", t0, d)
		}
	}
	b, err := json.Marshal(struct {
		D payment.Date `json:"d"`
	}{payment.MustDate("2026-05-01")})
	require.NoError(t, err)
	assert.JSONEq(t, `{"d":"2026-05-01"}`, string(b))
	var back struct{ D payment.Date }
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, payment.MustDate("2026-05-01"), back.D)
	assert.Error(t, json.Unmarshal([]byte(`{"D":"2026-02-30"}`), &back))
}

func TestULIDSource(t *testing.T) {
	src := payment.NewULIDSource()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	seen := make(map[string]bool)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			prev := ""
			for i := 0; i < 5000; i++ {
				id := src.NewULID(now)
				if !payment.ValidULID(id) || id <= prev {
					t.Errorf("bad or non-monotonic ULID %q after %q", id, prev)
					return
				}
				prev = id
				mu.Lock()
				if seen[id] {
					t.Errorf("duplicate %s", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Len(t, seen, 20000)
	later := src.NewULID(now.Add(time.Millisecond))
	assert.Equal(t, now.Add(time.Millisecond).UnixMilli(), decodeTime(later), "the first 10 characters encode the milliseconds")
}

func TestEncodeULID(t *testing.T) {
	assert.Equal(t, "00000000000000000000000000", payment.EncodeULID(0, 0, 0))
	assert.Equal(t, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", payment.EncodeULID(1<<48-1, 0xFFFF, ^uint64(0)))
	assert.Equal(t, "01ARZ3NDEK", payment.EncodeULID(1469922850259, 0, 0)[:10], "the ULID spec's example timestamp")
}

// decodeTime reads the millisecond time from a ULID's first 10 characters.
func decodeTime(u string) int64 {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var v int64
	for i := 0; i < 10; i++ {
		v = v*32 + int64(strings.IndexByte(alphabet, u[i]))
	}
	return v
}

func TestParseIDs(t *testing.T) {
	id, err := payment.ParseID("pay_01hx3k7qz8m4v2n6p9r5t0w1yb")
	require.NoError(t, err)
	assert.Equal(t, payment.ID("pay_01HX3K7QZ8M4V2N6P9R5T0W1YB"), id)
	assert.Equal(t, "QZ8M4V2N6P9R5T0W1YB"[3:], id.EndToEndKey())
	assert.Len(t, id.EndToEndKey(), 16)
	for _, bad := range []string{"", "pay_", "acc_01HX3K7QZ8M4V2N6P9R5T0W1YB", "pay_01HX3K7QZ8M4V2N6P9R5T0W1Y", "pay_01HX3K7QZ8M4V2N6P9R5T0W1YU", "pay_81HX3K7QZ8M4V2N6P9R5T0W1YB"} {
		_, err := payment.ParseID(bad)
		assert.ErrorIs(t, err, payment.ErrInvalid, bad)
	}
	_, err = payment.ParseAccountID("acc_01HX3K7QZ8M4V2N6P9R5T0W1YB")
	assert.NoError(t, err)
	_, err = payment.ParseBatchID("bat_01HX3K7QZ8M4V2N6P9R5T0W1YB")
	assert.NoError(t, err)
}

func TestIBAN(t *testing.T) {
	good := map[string]string{
		"TR33 0006 1005 1978 6457 8413 26": "TR330006100519786457841326",
		"de89370400440532013000":           "DE89370400440532013000",
		"GB82WEST12345698765432":           "GB82WEST12345698765432",
		"NO9386011117947":                  "NO9386011117947",
		"CH9300762011623852957":            "CH9300762011623852957",
	}
	for in, want := range good {
		got, err := payment.NormalizeIBAN(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	bad := map[string]string{
		"TR330006100519786457841327":  "mod-97",
		"TR33000610051978645784132":   "26",
		"TR3300061005197864578413266": "26",
		"XX330006100519786457841326":  "unknown country",
		"TR33-0006":                   "characters",
		"TR":                          "too short",
		// Letters where the check digits go can pass mod-97 (C=12, Z=35), but no IBAN has them, and
		// the pain.001 schemas refuse them: [A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}.
		"DECZ370400440532013000":       "check digits",
		"de cz 3704 0044 0532 0130 00": "check digits",
	}
	for in, reason := range bad {
		_, err := payment.NormalizeIBAN(in)
		require.Error(t, err, in)
		assert.ErrorIs(t, err, payment.ErrInvalid)
		assert.Contains(t, err.Error(), reason)
		if len(in) > 12 {
			assert.NotContains(t, err.Error(), in[4:], "errors never repeat the whole IBAN")
		}
	}
	assert.Equal(t, "TR…1326", payment.MaskIBAN("TR330006100519786457841326"))

	// Masks count characters, not bytes: an IBAN typed with a non-ASCII letter is refused with a
	// message that is valid UTF-8 and shows at most the country code and the last four characters.
	for in, want := range map[string]string{
		"1ÄBCDEFGH12":                         "1Ä…GH12 contains characters other than letters and digits",
		"TR33 0006 1005 1978 6457 8413 2€":    "TR…132€ contains characters other than letters and digits",
		"ÄÖ":                                  "** is too short",
		"TR33 0006 1005 1978 6457 8413 2\xff": "TR…132\uFFFD contains characters other than letters and digits",
	} {
		_, err := payment.NormalizeIBAN(in)
		require.Error(t, err, in)
		fe := payment.FieldErrors(err)
		require.Len(t, fe, 1)
		assert.Equal(t, want, fe[0].Reason, in)
		assert.True(t, utf8.ValidString(err.Error()), "%q: %q", in, err)
	}
	assert.Equal(t, "**", payment.MaskIBAN("ÄÖ"))
	assert.Equal(t, "Äb…ğışç", payment.MaskIBAN("Äbcdefğışç"))
}

func TestApprovalPolicy(t *testing.T) {
	try := payment.Amount{Minor: 100_000_00, Currency: "TRY"}
	assert.False(t, payment.ApprovalPolicy{}.Requires(try))
	assert.False(t, payment.ApprovalPolicy{Mode: payment.ApprovalNone}.Requires(try))
	assert.True(t, payment.ApprovalPolicy{Mode: payment.ApprovalRequired}.Requires(try))
	th := payment.ApprovalPolicy{Mode: payment.ApprovalThreshold, Thresholds: map[payment.Currency]int64{"TRY": 100_000_00}}
	assert.True(t, th.Requires(try), "at the threshold")
	assert.False(t, th.Requires(payment.Amount{Minor: 100_000_00 - 1, Currency: "TRY"}))
	assert.True(t, th.Requires(payment.Amount{Minor: 1, Currency: "USD"}), "no threshold for the currency: approval required")
}

func TestPaymentTestIDsIncrease(t *testing.T) {
	var g paymenttest.IDs
	prev := ""
	for i := 0; i < 1000; i++ {
		id := g.NewULID(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		require.True(t, payment.ValidULID(id))
		require.Greater(t, id, prev)
		prev = id
	}
}

func TestCivilDate(t *testing.T) {
	for t0 := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC); t0.Year() < 2101; t0 = t0.AddDate(0, 0, 1) {
		d, ok := payment.CivilDate(t0.Year(), int(t0.Month()), t0.Day())
		require.True(t, ok, t0)
		require.Equal(t, payment.DateOf(t0), d)
	}
	for _, c := range [][3]int{{2023, 2, 29}, {2026, 4, 31}, {2026, 13, 1}, {2026, 0, 1}, {2026, 1, 0}, {1969, 12, 31}} {
		_, ok := payment.CivilDate(c[0], c[1], c[2])
		assert.False(t, ok, c)
	}
	assert.Equal(t, 29, payment.DaysIn(2024, time.February))
	assert.Equal(t, 28, payment.DaysIn(1900, time.February))
	assert.Equal(t, 29, payment.DaysIn(2000, time.February))
	assert.Equal(t, 30, payment.DaysIn(2026, time.April))
}

// TestCreateIDsDefaultSource: with the default source a payment's id and its creation event's id are
// drawn together; both are valid, distinct and increasing, across goroutines too.
func TestCreateIDsDefaultSource(t *testing.T) {
	rec := &recorder{}
	env := paymenttest.NewEnv(t, memory.New(), paymenttest.WithServiceOptions(payment.Options{
		Clock: payment.SystemClock, IDs: payment.NewULIDSource(), Publisher: rec}))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 250 {
				env.MustCreate(t)
			}
		})
	}
	wg.Wait()
	require.Len(t, rec.events, 1000)
	seen := make(map[string]bool, 2000)
	for _, e := range rec.events {
		pid, eid := string(e.Payment.ID), e.ID
		require.True(t, strings.HasPrefix(pid, payment.PrefixPayment) && payment.ValidULID(pid[4:]), pid)
		require.True(t, strings.HasPrefix(eid, payment.PrefixEvent) && payment.ValidULID(eid[4:]), eid)
		assert.Less(t, pid[4:], eid[4:], "the event's ULID follows its payment's")
		assert.False(t, seen[pid[4:]] || seen[eid[4:]], "ULIDs are never reused")
		seen[pid[4:]], seen[eid[4:]] = true, true
	}
}

// TestDateCivil: the integer calendar agrees with time.Time on every day from year 0160 to 10183,
// and so does AppendText, which goes through time.Time itself outside years 0–9999.
func TestDateCivil(t *testing.T) {
	for d := payment.Date(-800_000); d <= 3_000_000; d++ {
		y, m, day := d.Civil()
		gy, gm, gd := d.Time().Date()
		if gy != y || gm != m || gd != day {
			t.Fatalf("%d.Civil() = %d-%d-%d, want %d-%d-%d", d, y, m, day, gy, gm, gd)
		}
		if d%997 == 0 {
			b, _ := d.AppendText(nil)
			if want := d.Time().Format(time.DateOnly); d != 0 && string(b) != want {
				t.Fatalf("%d.AppendText = %q, want %q", d, b, want)
			}
		}
	}
	for _, d := range []payment.Date{math.MinInt32, math.MinInt32 + 1, math.MaxInt32, math.MaxInt32 - 1} {
		if y, _, _ := d.Civil(); y >= 0 && y <= 9999 {
			t.Errorf("%d.Civil(): year %d", d, y)
		}
		b, _ := d.AppendText(nil)
		assert.Equal(t, d.Time().Format(time.DateOnly), string(b), "%d", d)
	}
	assert.Empty(t, payment.Date(0).String())
}
