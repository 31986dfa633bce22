package pain001

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/orkesta/orkesta/payment"
)

// Rail codes of permanent refusals.
const (
	CodeUnsupportedMethod = "unsupported_method"
	CodeMissingIBAN       = "missing_iban"
	CodeCurrencyMismatch  = "currency_mismatch"
	// CodeAmountTooLarge: the amount has more digits than a pain.001 amount holds (18).
	CodeAmountTooLarge = "amount_too_large"
)

// Debtor names one debtor account of one workspace.
type Debtor struct {
	Workspace payment.WorkspaceID
	Account   payment.AccountID
}

// FileInfo describes a written file: what to keep to read its status reports later.
type FileInfo struct {
	Debtor    Debtor
	Version   Version
	MessageID string
	Count     int   // NbOfTxs
	Sum       int64 // CtrlSum in minor units
	Currency  payment.Currency
	Batches   []BatchInfo
}

// BatchInfo is one PmtInf of a written file.
type BatchInfo struct {
	ID       string // PmtInfId
	Count    int
	Sum      int64
	Payments []payment.ID
}

// Payments lists every payment of the file, batch by batch.
func (fi *FileInfo) Payments() []payment.ID {
	var out []payment.ID
	for _, b := range fi.Batches {
		out = append(out, b.Payments...)
	}
	return out
}

// Rail is a file rail: Submit accepts a bank_transfer or eft payment into the pending set of its
// debtor account, and WriteFile writes one debtor account's pending payments as a pain.001 file for
// upload to the bank. Payments stay processing until a status report (ApplyStatusReport) fails them or
// a statement settles them.
//
// Submit is idempotent on the payment id, before and after the file is written. The pending set and
// the record of written payments live in the Rail's memory. The host keeps the FileInfo of every file
// it writes (it needs them for status reports too); after a restart it gives them back with
// MarkWritten, then submits its processing bank_transfer and eft payments again: those already in a
// file are recognised, the others are pending again. Safe for concurrent use.
type Rail struct {
	accounts AccountSource
	opts     Options

	mu      sync.Mutex
	pending map[Debtor]map[payment.ID]payment.Payment
	written map[payment.ID]string // payment → message id of its file

	// writing is a one-slot semaphore held for the whole of a WriteFile: from reading the pending
	// payments to taking the written ones out, so that two calls never put one payment in two
	// files. (A channel, so that a call waiting for another ends with its context.)
	writing chan struct{}
}

var _ payment.Rail = (*Rail)(nil)

// NewRail returns a rail resolving accounts with accounts (the payment store or service).
func NewRail(accounts AccountSource, opts Options) *Rail {
	opts.defaults()
	return &Rail{accounts: accounts, opts: opts, pending: make(map[Debtor]map[payment.ID]payment.Payment),
		written: make(map[payment.ID]string), writing: make(chan struct{}, 1)}
}

// Submit implements payment.Rail. Payments that can never go in a file are refused for good (a
// method other than bank_transfer and eft, an account without an IBAN, a currency other than the
// debtor account's, an amount of more than 18 digits); an account lookup that fails is returned as
// is, to be retried.
func (r *Rail) Submit(ctx context.Context, p payment.Payment) (payment.RailReceipt, error) {
	r.mu.Lock()
	msg, done := r.written[p.ID]
	_, staged := r.pending[Debtor{p.Workspace, p.FromAccount}][p.ID]
	r.mu.Unlock()
	switch {
	case done:
		return payment.RailReceipt{Reference: msg}, nil
	case staged:
		return payment.RailReceipt{Reference: "pending:" + p.EndToEnd}, nil
	}
	refuse := func(code, msg string) (payment.RailReceipt, error) {
		return payment.RailReceipt{}, &payment.RailError{Code: code, Message: msg}
	}
	if p.Method != payment.MethodBankTransfer && p.Method != payment.MethodEFT {
		return refuse(CodeUnsupportedMethod, "pain001: "+string(p.Method)+" payments do not go in a credit-transfer file")
	}
	if tooManyDigits(p.Amount) { // it would make every file of its debtor account fail
		return refuse(CodeAmountTooLarge, fmt.Sprintf("pain001: the amount has more than the %d digits a file holds", maxDigits))
	}
	from, err := r.accounts.GetAccount(ctx, p.Workspace, p.FromAccount)
	if err != nil {
		return payment.RailReceipt{}, err
	}
	to, err := r.accounts.GetAccount(ctx, p.Workspace, p.ToAccount)
	if err != nil {
		return payment.RailReceipt{}, err
	}
	switch {
	case from.IBAN == "":
		return refuse(CodeMissingIBAN, "pain001: the debtor account has no IBAN")
	case to.IBAN == "":
		return refuse(CodeMissingIBAN, "pain001: the creditor account has no IBAN")
	case p.Currency != from.Currency:
		return refuse(CodeCurrencyMismatch, "pain001: the payment is in "+string(p.Currency)+", the debtor account in "+string(from.Currency))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if msg, done := r.written[p.ID]; done { // written meanwhile by a concurrent WriteFile
		return payment.RailReceipt{Reference: msg}, nil
	}
	d := Debtor{p.Workspace, p.FromAccount}
	if r.pending[d] == nil {
		r.pending[d] = make(map[payment.ID]payment.Payment)
	}
	r.pending[d][p.ID] = p
	return payment.RailReceipt{Reference: "pending:" + p.EndToEnd}, nil
}

// Debtors lists the debtor accounts with payments waiting for a file, in a stable order.
func (r *Rail) Debtors() []Debtor {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Debtor
	for d, ps := range r.pending {
		if len(ps) > 0 {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b Debtor) int {
		return cmp.Or(cmp.Compare(a.Workspace, b.Workspace), cmp.Compare(a.Account, b.Account))
	})
	return out
}

// Pending returns a debtor account's payments waiting for a file, oldest first.
func (r *Rail) Pending(d Debtor) []payment.Payment {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]payment.Payment, 0, len(r.pending[d]))
	for _, p := range r.pending[d] {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b payment.Payment) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// WriteFile writes the debtor account's pending payments to w as one pain.001 file and returns what
// it holds. A file holds as many as its 18-digit control sum allows, oldest first; the others wait
// for the next file. When the rail's AccountSource can read payments (a payment.Store or a
// *payment.Service), each is read again first: one that is no longer approved or processing (failed
// or settled meanwhile) leaves the pending set instead of going in the file. The file is built and validated in memory first: when anything is wrong nothing
// is written and the payments stay pending; they also stay pending when w fails (the partial output
// must not be uploaded). ErrNothingToWrite when no payment is pending. Calls at the same time write one after
// the other: a payment goes in one file only. A call that waits for another ends with ctx.
func (r *Rail) WriteFile(ctx context.Context, d Debtor, w io.Writer) (FileInfo, error) {
	if err := ctx.Err(); err != nil { // ended already: never a file, whether or not another call writes
		return FileInfo{}, err
	}
	select {
	case r.writing <- struct{}{}:
	case <-ctx.Done():
		return FileInfo{}, ctx.Err()
	}
	defer func() { <-r.writing }()
	ps, err := r.stillToPay(ctx, d, r.Pending(d))
	if err != nil {
		return FileInfo{}, err
	}
	ps = fitting(ps)
	if len(ps) == 0 {
		return FileInfo{}, ErrNothingToWrite
	}
	f, err := Build(ctx, r.accounts, ps, r.opts)
	if err != nil {
		return FileInfo{}, err
	}
	var buf bytes.Buffer
	if err := f.Encode(&buf); err != nil {
		return FileInfo{}, err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return FileInfo{}, err
	}
	info := Info(f)
	info.Debtor = d
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range info.Payments() {
		delete(r.pending[d], id)
		r.written[id] = f.MessageID
	}
	return info, nil
}

// paymentReader reads a payment as it is now: a payment.Store (GetPayment) or a *payment.Service (Get).
type paymentReader = func(ctx context.Context, ws payment.WorkspaceID, id payment.ID) (payment.Payment, error)

// stillToPay reads the pending payments again when the rail's AccountSource can read payments (a
// payment.Store or a *payment.Service can), and returns them as they are now, leaving out, and taking
// out of the pending set, those that left approved and processing since they were submitted: a
// payment failed by hand while it waited for its file must not reach the bank in one. An error
// reading a payment is returned, and nothing is written.
func (r *Rail) stillToPay(ctx context.Context, d Debtor, ps []payment.Payment) ([]payment.Payment, error) {
	var read paymentReader
	switch a := r.accounts.(type) {
	case interface {
		GetPayment(context.Context, payment.WorkspaceID, payment.ID) (payment.Payment, error)
	}:
		read = a.GetPayment
	case interface {
		Get(context.Context, payment.WorkspaceID, payment.ID) (payment.Payment, error)
	}:
		read = a.Get
	default:
		return ps, nil
	}
	out := ps[:0]
	var gone []payment.ID
	for _, p := range ps {
		now, err := read(ctx, p.Workspace, p.ID)
		if err != nil {
			return nil, fmt.Errorf("pain001: reading %s again before its file: %w", p.ID, err)
		}
		if now.Status != payment.StatusApproved && now.Status != payment.StatusProcessing {
			gone = append(gone, p.ID)
			continue
		}
		out = append(out, now)
	}
	if len(gone) > 0 {
		r.mu.Lock()
		for _, id := range gone {
			delete(r.pending[d], id)
		}
		r.mu.Unlock()
	}
	return out, nil
}

// fitting returns the payments, oldest first, whose amounts add up to a control sum one file holds:
// those that would pass it wait for the next file.
func fitting(ps []payment.Payment) []payment.Payment {
	out := ps[:0]
	sum := int64(0)
	for _, p := range ps {
		if p.Amount > 0 && p.Amount >= maxAmount-sum {
			continue
		}
		sum += max(p.Amount, 0) // Build refuses the others
		out = append(out, p)
	}
	return out
}

// MarkWritten records that the files' payments are in a file already (restoring the rail's memory
// after a restart): Submit will not collect them again, and they leave the pending sets, whichever
// debtor account's they are in (a FileInfo made by Info names no debtor), so that no later file
// holds them a second time.
func (r *Rail) MarkWritten(files ...FileInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range files {
		for _, id := range files[i].Payments() {
			r.written[id] = files[i].MessageID
			for _, ps := range r.pending {
				delete(ps, id)
			}
		}
	}
}

// Info summarizes a file.
func Info(f *File) FileInfo {
	n, sum, _ := f.Totals()
	fi := FileInfo{Version: f.Version, MessageID: f.MessageID, Count: n, Sum: sum, Currency: f.Currency}
	for i := range f.Batches {
		b := &f.Batches[i]
		bn, bs, _ := b.Totals()
		bi := BatchInfo{ID: b.ID, Count: bn, Sum: bs, Payments: make([]payment.ID, len(b.Transfers))}
		for j := range b.Transfers {
			bi.Payments[j] = b.Transfers[j].PaymentID
		}
		fi.Batches = append(fi.Batches, bi)
	}
	return fi
}
