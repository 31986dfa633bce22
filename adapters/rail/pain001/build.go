package pain001

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orkesta/orkesta/payment"
)

// AccountSource resolves account ids: a payment.Store or a *payment.Service both are one.
type AccountSource interface {
	GetAccount(ctx context.Context, ws payment.WorkspaceID, id payment.AccountID) (payment.Account, error)
}

// Options configures the files built from payments. The zero value: pain.001.001.09, ids from random
// ULIDs, the wall clock, UTC, the debtor account's name as initiating party, no BICs, no ChrgBr.
type Options struct {
	Version Version
	// IDs makes message ids ("MSG" + ULID) and the ids of batches without a batch id ("PMT" + ULID).
	IDs   payment.IDSource
	Clock payment.Clock
	// Location is the time zone of the debtor's bank (time.LoadLocation("Europe/Istanbul")): the date
	// there is "today" for the requested execution date, which is never before it, and the file's
	// creation time (CreDtTm) is written in it, with its UTC offset. nil means UTC.
	Location *time.Location
	// InitiatingParty is the name in GrpHdr/InitgPty (default: the debtor account's name).
	InitiatingParty string
	// DebtorBIC is the debtor bank's BIC; without it DbtrAgt says NOTPROVIDED (enough for IBAN-only
	// schemes such as SEPA and Turkish EFT).
	DebtorBIC string
	// CreditorBIC returns the BIC of a creditor's bank, or "" to leave CdtrAgt out (the default).
	CreditorBIC func(payment.Account) string
	// ChargeBearer is written as ChrgBr when set (DEBT, CRED, SHAR or SLEV).
	ChargeBearer string
}

func (o *Options) defaults() {
	if o.Version == "" {
		o.Version = V09
	}
	if o.IDs == nil {
		o.IDs = payment.NewULIDSource()
	}
	if o.Clock == nil {
		o.Clock = payment.SystemClock
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
}

// ErrNothingToWrite: no payment is waiting for a file.
var ErrNothingToWrite = errors.New("pain001: no payment to write")

// Build collects payments of one debtor account into a File: bank_transfer and eft payments,
// approved or processing, all from the same account of the same workspace and in its currency,
// paying counterparties that have an IBAN. Payments are grouped into batches by requested execution
// date (the value date, or the file's date in Options.Location when that is past) and batch id: a
// batch id becomes the PmtInfId (with "-2", "-3"… when one batch spans several dates); payments
// without one share a generated id. Every problem is reported, joined, one *payment.ValidationError
// per payment and field ("payments[3].to_account").
func Build(ctx context.Context, accounts AccountSource, ps []payment.Payment, opts Options) (*File, error) {
	opts.defaults()
	if len(ps) == 0 {
		return nil, ErrNothingToWrite
	}
	var errs []error
	bad := func(i int, field, format string, args ...any) {
		if len(errs) < 100 {
			errs = append(errs, &payment.ValidationError{Field: fmt.Sprintf("payments[%d].%s", i, field),
				Reason: fmt.Sprintf("%s: ", ps[i].ID) + fmt.Sprintf(format, args...)})
		}
	}
	first := &ps[0]
	debtor, err := accounts.GetAccount(ctx, first.Workspace, first.FromAccount)
	if err != nil {
		return nil, fmt.Errorf("pain001: debtor account %s: %w", first.FromAccount, err)
	}
	if debtor.IBAN == "" {
		bad(0, "from_account", "the debtor account %s has no IBAN", debtor.ID)
	}
	creditors := make(map[payment.AccountID]payment.Account)
	seen := make(map[payment.ID]bool, len(ps))
	for i := range ps {
		p := &ps[i]
		switch {
		case seen[p.ID]:
			bad(i, "id", "appears twice")
			continue
		case p.Workspace != first.Workspace:
			bad(i, "workspace_id", "is of another workspace; a file is for one debtor account")
			continue
		case p.FromAccount != first.FromAccount:
			bad(i, "from_account", "debits %s; a file is for one debtor account (%s)", p.FromAccount, first.FromAccount)
			continue
		}
		seen[p.ID] = true
		if p.Method != payment.MethodBankTransfer && p.Method != payment.MethodEFT {
			bad(i, "method", "%s payments do not go in a credit-transfer file", p.Method)
		}
		if p.Status != payment.StatusApproved && p.Status != payment.StatusProcessing {
			bad(i, "status", "is %s; only approved or processing payments go in a file", p.Status)
		}
		if p.Currency != debtor.Currency {
			bad(i, "currency", "is %s; the debtor account is in %s", p.Currency, debtor.Currency)
		}
		if p.EndToEnd == "" {
			bad(i, "end_to_end_id", "is missing")
		}
		switch {
		case p.Amount <= 0:
			bad(i, "amount", "must be positive")
		case tooManyDigits(p.Amount):
			bad(i, "amount", "has %d digits; a pain.001 amount has at most %d", len(strconv.FormatInt(p.Amount, 10)), maxDigits)
		}
		if _, ok := creditors[p.ToAccount]; !ok {
			a, err := accounts.GetAccount(ctx, p.Workspace, p.ToAccount)
			switch {
			case errors.Is(err, payment.ErrNotFound):
				bad(i, "to_account", "no account %s", p.ToAccount)
				continue
			case err != nil:
				return nil, fmt.Errorf("pain001: creditor account %s: %w", p.ToAccount, err)
			}
			creditors[p.ToAccount] = a
		}
		if creditors[p.ToAccount].IBAN == "" {
			bad(i, "to_account", "the creditor account %s has no IBAN", p.ToAccount)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	now := opts.Clock.Now().In(opts.Location) // the debtor bank's clock: its today, its CreDtTm
	f := &File{
		Version: opts.Version, MessageID: "MSG" + opts.IDs.NewULID(now), CreatedAt: now,
		InitiatingParty: cmp.Or(opts.InitiatingParty, debtor.Name),
		Debtor:          Party{Name: debtor.Name, IBAN: debtor.IBAN, BIC: opts.DebtorBIC},
		Currency:        debtor.Currency, ChargeBearer: opts.ChargeBearer,
	}
	type key struct {
		date  payment.Date
		batch payment.BatchID
	}
	today := payment.DateOf(now)
	order := slices.Clone(ps)
	slices.SortFunc(order, func(a, b payment.Payment) int {
		return cmp.Or(cmp.Compare(executionDate(&a, today), executionDate(&b, today)), cmp.Compare(a.BatchID, b.BatchID),
			cmp.Compare(a.ID, b.ID))
	})
	perBatch := make(map[payment.BatchID]int)
	index := make(map[key]int)
	for i := range order {
		p := &order[i]
		k := key{executionDate(p, today), p.BatchID}
		bi, ok := index[k]
		if !ok {
			id := "PMT" + opts.IDs.NewULID(now)
			if p.BatchID != "" {
				perBatch[p.BatchID]++
				id = string(p.BatchID)
				if n := perBatch[p.BatchID]; n > 1 {
					id = fmt.Sprintf("%s-%d", p.BatchID, n)
				}
			}
			bi = len(f.Batches)
			index[k] = bi
			f.Batches = append(f.Batches, Batch{ID: id, ExecutionDate: k.date})
		}
		cred := creditors[p.ToAccount]
		t := Transfer{PaymentID: p.ID, EndToEndID: p.EndToEnd, InstructionID: p.EndToEnd, Amount: p.Amount,
			Currency: p.Currency, Creditor: Party{Name: cred.Name, IBAN: cred.IBAN}, Remittance: remittance(p)}
		if opts.CreditorBIC != nil {
			t.Creditor.BIC = opts.CreditorBIC(cred)
		}
		f.Batches[bi].Transfers = append(f.Batches[bi].Transfers, t)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f, nil
}

// executionDate is the date the file asks the bank to execute p on: its value date, or the file's
// date (today) when the value date is missing or already past. A payment approved or exported days
// after its value date is asked for today: banks refuse or hold a requested execution date in the
// past.
func executionDate(p *payment.Payment, today payment.Date) payment.Date {
	if p.ValueDate < today {
		return today
	}
	return p.ValueDate
}

// remittance is the text the creditor sees: the reference and the description, then the end-to-end
// key (for Turkish EFT statements that show only free text), within 140 characters; the text is cut,
// never the key.
func remittance(p *payment.Payment) string {
	text := []rune(strings.TrimSpace(p.Reference + " " + p.Description))
	key := []rune(p.EndToEnd)
	room := 140 - len(key) - 1
	if room <= 0 {
		return string(key[:min(len(key), 140)])
	}
	if len(text) > room {
		text = []rune(strings.TrimSpace(string(text[:room])))
	}
	if len(text) == 0 {
		return string(key)
	}
	return string(text) + " " + string(key)
}
