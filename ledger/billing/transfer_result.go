package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dezura/dezura/ledger"
)

// TransferOutcome is what reading one result record did.
type TransferOutcome struct {
	CustomerNumber string
	InvoiceNumber  string // "" if the customer number is not ours
	ContractorID   string
	Amount         Yen
	Result         ResultCode
	// Recorded is false when this result had already been read before (or
	// the customer number is unknown): nothing was recorded for it now.
	Recorded bool
	// RefundDue is set when the collected money exceeds what was still owed
	// (the invoice was paid another way or voided meanwhile).
	RefundDue bool
	// MandateStopped is set when the result stopped the contractor's
	// debits (a payer-side stop): the office must follow it up.
	MandateStopped bool
}

// ApplyTransferResult reads the bank's result file: each collected record
// becomes a payment (method 口座振替, dated the collection date), each
// failure is kept with its reason; an invoice that failed for lack of
// funds goes into the next request, while a payer-side stop (取引なし,
// 振替停止, 依頼書なし) stops the contractor's debits and flags the mandate
// for the office (Mandates). All in one transaction; reading the same file
// twice records nothing the second time.
//
// Money the bank reports collected under a customer number this database
// never requested cannot be booked to anyone: the rest of the file is
// recorded and the error (ErrUnknownCollected) lists those records and
// their amounts, so that the office can trace the money with the bank.
func (b *Billing) ApplyTransferResult(ctx context.Context, data []byte) ([]TransferOutcome, error) {
	f, err := ParseTransferFile(data)
	if err != nil {
		return nil, err
	}
	if !f.IsResult() {
		return nil, fmt.Errorf("%w: the trailer has no collected or failed counts: this is a request, not the bank's result", ErrMalformedRecord)
	}
	out := make([]TransferOutcome, 0, len(f.Records))
	err = b.h.Tx(ctx, nil, func(tx *sql.Tx) error {
		out = out[:0]
		if err := b.txLock(ctx, tx, "transfers"); err != nil {
			return fmt.Errorf("billing: transfer result: %w", err)
		}
		for _, r := range f.Records {
			o, err := b.applyResult(ctx, tx, r)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return b.auditResult(ctx, tx, f, out)
	})
	if err != nil {
		return nil, err
	}
	return out, unknownCollected(out)
}

// TransferSummary is what reading a result file did, in sums.
type TransferSummary struct {
	Records                    int
	Collected, Failed, Already int // recorded now as collected or failed; read before
	CollectedAmount            Yen
	Stopped                    int // mandates stopped by a payer-side result
	RefundsDue                 int // money collected beyond what was owed
	// Unknown are the records whose customer number this database never
	// requested; UnknownAmount the money the bank says it collected under
	// them, booked to no invoice.
	Unknown       []TransferOutcome
	UnknownAmount Yen
}

// Summarize sums the outcomes of a result file.
func Summarize(out []TransferOutcome) TransferSummary {
	s := TransferSummary{Records: len(out)}
	for _, o := range out {
		switch {
		case o.InvoiceNumber == "":
			s.Unknown = append(s.Unknown, o)
			if o.Result == ResultCollected {
				s.UnknownAmount += o.Amount
			}
		case !o.Recorded:
			s.Already++
		case o.Result == ResultCollected:
			s.Collected, s.CollectedAmount = s.Collected+1, s.CollectedAmount+o.Amount
		default:
			s.Failed++
		}
		if o.MandateStopped {
			s.Stopped++
		}
		if o.RefundDue {
			s.RefundsDue++
		}
	}
	return s
}

// auditResult records what reading a result file did, if it recorded
// anything (a file read again records nothing).
func (b *Billing) auditResult(ctx context.Context, tx *sql.Tx, f TransferFile, out []TransferOutcome) error {
	s := Summarize(out)
	if s.Collected+s.Failed == 0 && len(s.Unknown) == 0 {
		return nil
	}
	return b.audit(ctx, tx, "transfers.result", "billing-transfer-result", nil, map[string]any{
		"collect_on": fmt.Sprintf("%02d/%02d", int(f.Header.CollectOn.Month), f.Header.CollectOn.Day), "records": s.Records,
		"collected": s.Collected, "collected_yen": int64(s.CollectedAmount), "failed": s.Failed, "unknown": len(s.Unknown),
		"unknown_yen": int64(s.UnknownAmount)})
}

// unknownCollected reports the collected records nobody can be credited with.
func unknownCollected(out []TransferOutcome) error {
	s := Summarize(out)
	var lines []string
	for _, o := range s.Unknown {
		if o.Result == ResultCollected {
			lines = append(lines, fmt.Sprintf("customer number %s: %s yen", o.CustomerNumber, FormatYen(o.Amount)))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return ledger.NewError(ErrUnknownCollected, "the bank collected %s yen under %d customer number(s) this database never requested"+
		" (%s): the money is in the account but booked to no invoice; ask the bank whose it is. The rest of the file was recorded",
		FormatYen(s.UnknownAmount), len(lines), strings.Join(lines, "; "))
}

// applyResult records one result record.
func (b *Billing) applyResult(ctx context.Context, tx *sql.Tx, r TransferRecord) (TransferOutcome, error) {
	o := TransferOutcome{CustomerNumber: r.CustomerNumber, Amount: r.Amount, Result: r.Result}
	var invoiceID, amount, version int64
	var collectOn, code, issuer string
	err := tx.QueryRowContext(ctx, b.q(`SELECT t.invoice_id, t.amount, t.collect_on, t.result_code, t.mandate_version, i.number,
			i.contractor_id, i.issuer_registration
		FROM billing_transfers t JOIN billing_invoices i ON i.id = t.invoice_id WHERE t.customer_number = ?`), r.CustomerNumber).
		Scan(&invoiceID, &amount, &collectOn, &code, &version, &o.InvoiceNumber, &o.ContractorID, &issuer)
	if errors.Is(err, sql.ErrNoRows) {
		return o, nil
	}
	if err != nil {
		return o, fmt.Errorf("billing: transfer result %s: %w", r.CustomerNumber, err)
	}
	if Yen(amount) != r.Amount {
		return o, fmt.Errorf("%w: customer number %s: file says %d yen, we requested %d", ErrMalformedRecord, r.CustomerNumber, r.Amount, amount)
	}
	if code != "" && (code != withdrawn || r.Result != ResultCollected) {
		return o, nil // already read (a withdrawn one the bank failed: nothing happened)
	}
	now := b.stamp()
	if _, err := tx.ExecContext(ctx, b.q(`UPDATE billing_transfers SET result_code = ?, result_read_at = ? WHERE customer_number = ?`),
		string(r.Result.Digit()), now, r.CustomerNumber); err != nil {
		return o, fmt.Errorf("billing: transfer result %s: %w", r.CustomerNumber, err)
	}
	o.Recorded = true
	on, err := ParseDate(collectOn)
	if err != nil {
		return o, err
	}
	switch {
	case r.Result == ResultCollected:
		in, err := b.invoiceWhere(ctx, tx, o.InvoiceNumber, issuer)
		if err != nil {
			return o, err
		}
		if _, err := b.insertPayment(ctx, tx, in, r.Amount, on, "口座振替", "zengin:"+r.CustomerNumber, true); err != nil {
			return o, err
		}
		o.RefundDue = in.Voided() || r.Amount > in.Balance()
	case r.Result.PayerStopped():
		// Only the mandate the request was made under: one set since is
		// the office's answer already.
		res, err := tx.ExecContext(ctx, b.q(`UPDATE billing_mandates SET stopped_code = ?, stopped_on = ?, stopped_customer_number = ?
			WHERE contractor_id = ? AND version = ?`), string(r.Result.Digit()), collectOn, r.CustomerNumber, o.ContractorID, version)
		if err != nil {
			return o, fmt.Errorf("billing: stop mandate of %s: %w", o.ContractorID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return o, fmt.Errorf("billing: stop mandate of %s: %w", o.ContractorID, err)
		}
		if o.MandateStopped = n > 0; o.MandateStopped {
			if err := b.audit(ctx, tx, "mandate.stop", mandateObject(o.ContractorID), map[string]any{"stopped_code": ""},
				map[string]any{"stopped_code": string(r.Result.Digit()), "stopped_on": collectOn, "customer_number": r.CustomerNumber,
					"invoice": o.InvoiceNumber}); err != nil {
				return o, err
			}
		}
	}
	return o, nil
}
