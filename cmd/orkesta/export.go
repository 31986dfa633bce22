package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/adapters/rail/pain001"
	"github.com/orkesta/orkesta/fsm"
	"github.com/orkesta/orkesta/payment"
)

func (c *cli) exportCommand() *cobra.Command {
	return groupCommand("export", "Export payments to files for bank upload",
		"  orkesta export pain001 --account acc_… --out transfers.xml", c.exportPain001())
}

type exportOutput struct {
	File      string            `json:"file"`
	DryRun    bool              `json:"dry_run"`
	Version   pain001.Version   `json:"version"`
	MessageID string            `json:"message_id"`
	Count     int               `json:"count"`
	Sum       int64             `json:"sum"`
	Currency  payment.Currency  `json:"currency"`
	Payments  []payment.Payment `json:"payments"`
	Skipped   []exportSkip      `json:"skipped,omitempty"`
}

type exportSkip struct {
	PaymentID payment.ID `json:"payment_id"`
	Reason    string     `json:"reason"`
}

func (c *cli) exportPain001() *cobra.Command {
	var account, out, version, debtorBIC, bankZone string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "pain001 --account ACCOUNT --out FILE.xml",
		Short: "Write the account's approved transfers as an ISO 20022 pain.001 file for the bank",
		Long: `Collect the approved bank_transfer and eft payments from one internal account into an ISO 20022
pain.001 credit-transfer file (pain.001.001.09, or .03 with --version 03) to upload to the bank. Every
transfer carries the payment's end-to-end id, so the bank statement leads back to it.

The file is checked first; a payment that cannot go into it (a counterparty without an IBAN, a text
too long) is reported and nothing is written or changed. Then the whole file is written and synced
next to --out, so that a folder that is missing or not writable, or a full disk, changes nothing;
then the payments move to processing (so the next export does not include them again, and no
processor of an orkesta serve on the same database sends them to a rail), and the file is renamed
to --out. An export never replaces a file: when --out exists (an earlier export's
file may not be uploaded yet) it stops before anything changes. The file holds exactly the payments
that moved: one that someone else changed meanwhile is skipped, and when moving one fails, the file
holds those before it (and that one, when it is read again and its move was written after all) and
the rest stay approved for the next export. --dry-run writes the file and changes nothing.

The requested execution date is each payment's value date, and never a day already past in the
bank's time zone (--bank-timezone, an IANA name such as Europe/Istanbul; by default this machine's).`,
		Example: `  orkesta export pain001 --account acc_01J… --out transfers.xml
  orkesta export pain001 --account acc_01J… --out transfers.xml --version 03 --dry-run`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if account == "" || out == "" {
				return usagef("export pain001 needs --account and --out")
			}
			acc, err := payment.ParseAccountID(account)
			if err != nil {
				return usagef("--account: %v", err)
			}
			loc, err := loadZone(bankZone)
			if err != nil {
				return usagef("--bank-timezone: %v", err)
			}
			opts := pain001.Options{IDs: c.ids, Clock: c.clock, DebtorBIC: debtorBIC, Location: loc}
			switch version {
			case "09":
				opts.Version = pain001.V09
			case "03":
				opts.Version = pain001.V03
			default:
				return usagef("--version %q: want 09 or 03", version)
			}
			return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error {
				res, err := exportPain001(ctx, e, acc, out, opts, dryRun)
				if res != nil { // written, even when a later payment failed to move
					if perr := c.printExport(res); perr != nil {
						return errors.Join(err, perr)
					}
				}
				return err
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&account, "account", "", "the internal account the transfers are paid from (required)")
	f.StringVar(&out, "out", "", "the file to write (required)")
	f.StringVar(&version, "version", "09", "pain.001 version: 09 (pain.001.001.09) or 03 (pain.001.001.03)")
	f.StringVar(&debtorBIC, "debtor-bic", "", "the BIC of the debtor's bank (default: NOTPROVIDED)")
	f.StringVar(&bankZone, "bank-timezone", "Local", "the time zone of the debtor's bank, whose today is the earliest execution date (an IANA name, or Local)")
	f.BoolVar(&dryRun, "dry-run", false, "write the file but leave the payments approved")
	return cmd
}

// loadZone is the time zone named: an IANA name (the binary carries the database: time/tzdata), UTC,
// or Local for this machine's.
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, errors.New("empty: want an IANA time zone name such as Europe/Istanbul, UTC or Local")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a time zone (want an IANA name such as Europe/Istanbul, UTC or Local)", name)
	}
	return loc, nil
}

// exportPain001 builds the file, writes it next to out, submits the payments and renames the file
// into place; see the command's help for why in that order. The file holds exactly the payments it
// moved to processing. With an error it may still return what it did: payments it moved to processing
// before the error, and the file that holds them.
func exportPain001(ctx context.Context, e *dbEnv, acc payment.AccountID, out string, opts pain001.Options, dryRun bool) (*exportOutput, error) {
	// Replacing a file would lose an earlier export's payments, which are processing and in no other
	// file; a folder could not be replaced once the payments have moved.
	if _, err := os.Lstat(out); err == nil {
		return nil, errOutExists(out)
	}
	var ps []payment.Payment
	f := payment.ListFilter{FromAccount: acc, Statuses: []payment.Status{payment.StatusApproved}, Limit: 100}
	for {
		pg, err := e.svc.List(ctx, e.ws.ID, f)
		if err != nil {
			return nil, err
		}
		for _, p := range pg.Payments {
			if p.Method == payment.MethodBankTransfer || p.Method == payment.MethodEFT {
				ps = append(ps, p)
			}
		}
		if !pg.HasMore {
			break
		}
		f.After = pg.Payments[len(pg.Payments)-1].ID
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("no approved bank_transfer or eft payment from %s to export", acc)
	}
	// Oldest first: the file lists payments in the order they were made.
	for i, j := 0, len(ps)-1; i < j; i, j = i+1, j-1 {
		ps[i], ps[j] = ps[j], ps[i]
	}
	file, err := pain001.Build(ctx, e.svc, ps, opts)
	if err != nil {
		return nil, err // nothing changed
	}
	// The whole file is written and synced before any payment moves: a missing folder, a full disk or
	// a file that does not encode stops the export with every payment still approved.
	tmp, err := createAtomic(out)
	if err != nil {
		return nil, err
	}
	defer tmp.discard()
	if err := tmp.write(file.Encode); err != nil {
		return nil, err
	}
	res := &exportOutput{File: out, DryRun: dryRun}
	var submitErr error
	if !dryRun {
		var sent []payment.Payment
		var stop *submitStop
		sent, res.Skipped, stop = submitForExport(ctx, e, ps, exportActor+":"+file.MessageID)
		if stop != nil {
			submitErr = stop
		}
		if len(sent) == 0 {
			if stop != nil && stop.unsure() {
				return nil, fmt.Errorf("%w; nothing was written", stop)
			}
			if stop != nil {
				return nil, fmt.Errorf("%w; no payment moved and nothing was written", stop)
			}
			return nil, errors.New("every payment changed while exporting; nothing was written")
		}
		if len(sent) < len(ps) {
			// The file must hold exactly the payments that are processing now: the others are still
			// approved (the next export takes them) or were changed by someone else. It is written to a
			// second temporary file; the first, which holds every moved payment, is removed only once
			// the second is complete and synced.
			keepTransfers(file, sent)
			reduced, err := rewriteAtomic(tmp, file.Encode)
			if err != nil {
				name := tmp.name
				tmp.name = "" // kept: the only file that holds the processing payments
				var unsure *payment.Payment
				if stop != nil {
					stop.keptFull = true
					if stop.unsure() {
						unsure = &stop.p
					}
				}
				return nil, errors.Join(errFullFileKept(err, name, out, ps, sent, unsure), submitErr)
			}
			defer reduced.discard()
			tmp = reduced
		}
		ps = sent
	}
	if err := commitNew(tmp); err != nil {
		if dryRun {
			return nil, err
		}
		if tmp.name == "" { // in place at out: only syncing its folder failed
			return nil, errors.Join(fmt.Errorf("%w; %s are processing and their file is written to %s: only syncing "+
				"its folder failed", err, paymentIDs(ps), out), submitErr)
		}
		name := tmp.name
		tmp.name = "" // kept: it is the only copy of the processing payments' file
		to := "rename it to " + out
		if errors.Is(err, fs.ErrExist) {
			to = "upload it, or rename it to a name other than " + out
		}
		return nil, errors.Join(fmt.Errorf("%w; %s are processing and their file is %s: %s", err,
			paymentIDs(ps), name, to), submitErr)
	}
	info := pain001.Info(file)
	res.Version, res.MessageID, res.Count, res.Sum, res.Currency, res.Payments = info.Version, info.MessageID, info.Count,
		info.Sum, info.Currency, ps
	return res, submitErr
}

// errOutExists refuses an --out that exists already.
func errOutExists(out string) error {
	return fmt.Errorf("write %s: %w (an earlier export's file?); move it away or choose another --out: nothing was changed",
		out, fs.ErrExist)
}

// commitNew puts the temporary file in place under a.path, which must not exist: a hard link fails
// when something is there (another export that wrote the same name meanwhile), where a rename would
// replace it. On a file system without hard links it checks, then renames.
func commitNew(a *atomicFile) error {
	err := a.tmp.Close()
	a.tmp = nil
	if err != nil {
		return fmt.Errorf("write %s: %w", a.path, err)
	}
	err = os.Link(a.name, a.path)
	switch {
	case errors.Is(err, fs.ErrExist):
		return errOutExistsNow(a.path)
	case err != nil: // no hard links here
		if _, err := os.Lstat(a.path); err == nil {
			return errOutExistsNow(a.path)
		}
		if err := os.Rename(a.name, a.path); err != nil {
			return err
		}
	default:
		_ = os.Remove(a.name)
	}
	a.name = ""
	return syncDir(filepath.Dir(a.path))
}

func errOutExistsNow(out string) error {
	return fmt.Errorf("write %s: %w, written while this export ran", out, fs.ErrExist)
}

// rewriteAtomic writes a second temporary file next to full's final name and, once it is complete
// and synced, removes full. When the second cannot be written, full is left as it was.
func rewriteAtomic(full *atomicFile, write func(io.Writer) error) (*atomicFile, error) {
	a, err := createAtomic(full.path)
	if err != nil {
		return nil, err
	}
	if err := a.write(write); err != nil {
		a.discard()
		return nil, err
	}
	full.discard()
	return a, nil
}

// errFullFileKept is the error when the file of only the moved payments could not be written: the
// first file, kept under name, holds them, and also the transfers of the payments that did not move
// (changed by someone else, or still approved for the next export), which must not be paid, and of
// unsure, when set: the payment whose move may have been written, and which is paid only if its
// transfer stays in the file.
func errFullFileKept(err error, name, out string, all, sent []payment.Payment, unsure *payment.Payment) error {
	moved := make(map[payment.ID]bool, len(sent))
	for _, p := range sent {
		moved[p.ID] = true
	}
	var not []string
	for _, p := range all {
		if !moved[p.ID] && (unsure == nil || p.ID != unsure.ID) {
			not = append(not, fmt.Sprintf("%s (end-to-end %s)", p.ID, p.EndToEnd))
		}
	}
	var holds []string
	if len(not) > 0 {
		holds = append(holds, fmt.Sprintf("the transfers of %s, which did not move and must NOT be paid", strings.Join(not, ", ")))
	}
	del := ": delete those transfers from it"
	if unsure != nil {
		holds = append(holds, fmt.Sprintf("the transfer of %s (end-to-end %s), which may have moved: keep it only if "+
			"orkesta payments get %s shows it processing", unsure.ID, unsure.EndToEnd, unsure.ID))
		del = "; otherwise delete it"
		if len(not) > 0 {
			del = "; delete the transfers not to be paid from it"
		}
	}
	return fmt.Errorf("%w; %s are processing and their file is %s, but it also holds %s%s and any payment block "+
		"(PmtInf) left without one, and correct NbOfTxs and CtrlSum in the group header and in each block changed, "+
		"then rename it to %s", err, paymentIDs(sent), name, strings.Join(holds, ", and "), del, out)
}

// exportActor, followed by ":" and the file's message id, is who an export's moves to processing are
// recorded as in the payments' history: each export its own, so that the history names the file
// that holds the payment, and an export that reads a payment again after an unclear write (see
// movedByExport) never takes another export's move for its own.
const exportActor = "cli:export"

// submitForExport moves the payments to processing, in order, as handed to the bank outside the
// rails (Service.SubmitOutside): in the same write, no processor may send them or ask a rail about
// them. A payment someone else changed meanwhile (submitted, cancelled) is skipped. Any other error
// stops it, and the payments after that one are left as they are (approved); the payment itself is
// read again, as the store may have written its move before answering with the error (a connection
// lost at commit): when this export's move is there, it counts as moved. The error is then a
// *submitStop, which says what is known of that payment.
func submitForExport(ctx context.Context, e *dbEnv, ps []payment.Payment, actor string) (sent []payment.Payment, skipped []exportSkip, stop *submitStop) {
	for i, p := range ps {
		q, err := e.svc.SubmitOutside(ctx, e.ws.ID, p.ID, actor)
		if err != nil {
			if errors.Is(err, payment.ErrInvalidTransition) || errors.Is(err, payment.ErrConflict) || errors.Is(err, payment.ErrNotAllowed) {
				skipped = append(skipped, exportSkip{PaymentID: p.ID, Reason: err.Error()})
				continue
			}
			stop = &submitStop{p: p, err: err, rest: len(ps) - i - 1}
			stop.now, stop.readErr = movedByExport(ctx, e, p, actor)
			if stop.moved() {
				sent = append(sent, stop.now)
				if stop.rest == 0 {
					return sent, skipped, nil // every payment moved: the export is complete
				}
			}
			return sent, skipped, stop
		}
		sent = append(sent, q)
	}
	return sent, skipped, nil
}

// movedByExport reads p again after the store answered its move with an error, on a context of its
// own (the command's may be what failed). It returns the payment as it is now, and no error only when
// it is processing by this export's move (recorded as actor); errMovedByOther when another actor
// (another export too) moved it.
func movedByExport(ctx context.Context, e *dbEnv, p payment.Payment, actor string) (payment.Payment, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	q, err := e.svc.Get(ctx, e.ws.ID, p.ID)
	if err != nil || q.Status != payment.StatusProcessing {
		return q, err
	}
	h, err := e.svc.History(ctx, e.ws.ID, p.ID)
	if err != nil {
		return payment.Payment{}, err
	}
	// The move SubmitOutside would have written: from approved to processing, by this export, and
	// the one change since this export listed the payment.
	if n := len(h); n > 0 {
		t := h[n-1]
		if int64(t.Seq) == q.Version && t.From == p.Status && t.To == payment.StatusProcessing &&
			t.Event == fsm.EventSubmit && t.Actor == actor {
			if q.Version == p.Version+1 {
				return q, nil
			}
			return q, fmt.Errorf("it is processing by an export's move, but was changed since this export listed it (version %d, now %d)",
				p.Version, q.Version)
		}
	}
	return q, errMovedByOther{h}
}

// errMovedByOther: the payment is processing, by another actor's move.
type errMovedByOther struct{ history []payment.Transition }

func (errMovedByOther) Error() string { return "moved by another" }

// submitStop is the error that stopped submitForExport at payment p, with what is known of p.
type submitStop struct {
	p       payment.Payment
	err     error           // the store's
	now     payment.Payment // p read again
	readErr error           // reading p again failed, or (errMovedByOther) it was not this export's move
	rest    int             // the payments after p, not tried
	// keptFull: the file written is the first one, which holds every transfer, kept because the
	// file of the moved payments could not be written.
	keptFull bool
}

func (s *submitStop) Unwrap() error { return s.err }

// moved reports whether p is processing by this export's move.
func (s *submitStop) moved() bool {
	return s.readErr == nil && s.now.Status == payment.StatusProcessing
}

// unsure reports whether p could not be read again: it may have moved.
func (s *submitStop) unsure() bool {
	var other errMovedByOther
	return s.readErr != nil && !errors.As(s.readErr, &other)
}

func (s *submitStop) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "submit %s: %v", s.p.ID, s.err)
	var other errMovedByOther
	switch {
	case s.moved():
		b.WriteString(", but it moved: it is processing and in the file")
	case errors.As(s.readErr, &other):
		by := ""
		if n := len(other.history); n > 0 && other.history[n-1].Actor != "" {
			by = ", moved by " + other.history[n-1].Actor
		}
		fmt.Fprintf(&b, "; it was changed meanwhile (it is %s now%s) and is not in this export", s.now.Status, by)
	case s.readErr != nil:
		fmt.Fprintf(&b, "; could not tell whether it moved (reading it again: %v): check it with orkesta payments get %s: "+
			"if it is still approved, the next export takes it; if it is processing, ", s.readErr, s.p.ID)
		if s.keptFull {
			b.WriteString("no processor will send it nor export take it again: its transfer in the kept file is its only one")
		} else {
			fmt.Fprintf(&b, "it is in no file, and no processor will send it nor export take it again: pay it at the bank "+
				"yourself (end-to-end %s)", s.p.EndToEnd)
		}
	case s.now.Status == payment.StatusApproved:
		if s.rest == 0 {
			b.WriteString("; it did not move: it is still approved, and the next export takes it")
		} else {
			fmt.Fprintf(&b, "; it and the %d after it did not move: they are still approved, and the next export takes them", s.rest)
		}
		return b.String()
	default:
		fmt.Fprintf(&b, "; it was changed meanwhile (it is %s now) and is not in this export", s.now.Status)
	}
	switch {
	case s.rest == 1:
		b.WriteString("; the 1 after it did not move: it is still approved, and the next export takes it")
	case s.rest > 1:
		fmt.Fprintf(&b, "; the %d after it did not move: they are still approved, and the next export takes them", s.rest)
	}
	return b.String()
}

// keepTransfers leaves in f only the transfers of ps, and drops the batches left empty. The file
// keeps its message id: it is the same file, less the payments that did not move.
func keepTransfers(f *pain001.File, ps []payment.Payment) {
	keep := make(map[payment.ID]bool, len(ps))
	for _, p := range ps {
		keep[p.ID] = true
	}
	batches := f.Batches[:0]
	for _, b := range f.Batches {
		ts := b.Transfers[:0]
		for _, t := range b.Transfers {
			if keep[t.PaymentID] {
				ts = append(ts, t)
			}
		}
		if len(ts) > 0 {
			b.Transfers = ts
			batches = append(batches, b)
		}
	}
	f.Batches = batches
}

// paymentIDs names payments for a message: "pay_1, pay_2".
func paymentIDs(ps []payment.Payment) string {
	ids := make([]string, len(ps))
	for i := range ps {
		ids[i] = string(ps[i].ID)
	}
	return strings.Join(ids, ", ")
}

func (c *cli) printExport(r *exportOutput) error {
	if c.json() {
		return printJSON(c.stdout, r)
	}
	t := newTable(c.stdout, "PAYMENT", "AMOUNT", "TO", "REFERENCE", "END-TO-END", "STATUS")
	for i := range r.Payments {
		p := &r.Payments[i]
		t.row(string(p.ID), money(p.Amount, p.Currency), string(p.ToAccount), p.Reference, p.EndToEnd, string(p.Status))
	}
	if err := t.flush(); err != nil {
		return err
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(c.stdout, "skipped %s: %s\n", s.PaymentID, s.Reason)
	}
	note := "the payments are processing now"
	if r.DryRun {
		note = "dry run: the payments are still approved"
	}
	if r.Count == 1 {
		note = "the payment is processing now"
		if r.DryRun {
			note = "dry run: the payment is still approved"
		}
	}
	_, err := fmt.Fprintf(c.stdout, "wrote %s (%s, message %s): %s, %s; %s\n", r.File, r.Version, r.MessageID,
		count(r.Count, "transfer", "transfers"), money(r.Sum, r.Currency), note)
	return err
}
