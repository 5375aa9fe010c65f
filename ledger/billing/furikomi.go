package billing

import (
	"fmt"
	"strconv"
	"strings"
)

// The Zengin credit-transfer request format (総合振込, 種別コード 21), the
// file a company hands its bank to pay many accounts at once: 120-byte
// records in JIS X 0201, numbers right-aligned with zeros, names
// left-aligned with spaces:
//
//	header  (1): データ区分 1, 種別コード 21, コード区分 0, 振込依頼人コード 10,
//	             振込依頼人名 40, 取組日 MMDD, 仕向銀行番号 4, 仕向銀行名 15,
//	             仕向支店番号 3, 仕向支店名 15, 預金種目 1, 口座番号 7, ダミー 17
//	data    (2): データ区分 2, 被仕向銀行番号 4, 被仕向銀行名 15,
//	             被仕向支店番号 3, 被仕向支店名 15, 手形交換所番号 4 (blank),
//	             預金種目 1, 口座番号 7, 受取人名 30, 振込金額 10, 新規コード 1,
//	             顧客コード1 10, 顧客コード2 10, 振込指定区分 1 (7 電信),
//	             識別表示 1 (blank: 顧客コード), ダミー 7
//	trailer (8): データ区分 8, 合計件数 6, 合計金額 12, ダミー 101
//	end     (9): データ区分 9, ダミー 119

// Payer is the paying company's side of a 総合振込: its 振込依頼人コード
// from the bank and the account the money leaves.
type Payer struct {
	Code          string // 振込依頼人コード, up to 10 digits
	Name          string // 振込依頼人名, converted to half-width kana
	BankCode      string
	BankName      string
	BranchCode    string
	BranchName    string
	AccountType   int
	AccountNumber string
	// LeadDays is how many bank business days before the payment date
	// the bank must have the file (0: DefaultLeadDays).
	LeadDays int
}

// CreditTransfer is one payment (data record) of a 総合振込 file.
type CreditTransfer struct {
	BankCode      string
	BankName      string
	BranchCode    string
	BranchName    string
	AccountType   int
	AccountNumber string
	Payee         string // 受取人名, up to 30 half-width characters
	Amount        Yen
	CustomerCode1 string // up to 10 digits: the refund's own number
	CustomerCode2 string // up to 10 digits: the invoice's number without the hyphen
}

// CreditTransferFile is a whole 総合振込 request.
type CreditTransferFile struct {
	Payer   Payer
	PayOn   Date // 取組日 (written as MMDD)
	Records []CreditTransfer
	Count   int
	Amount  Yen
}

// MarshalCreditTransferFile writes f in the 総合振込 format, with CR LF
// after each record if crlf is set. Names are converted with
// ToZenginKana; one that does not fit is an error, never cut.
func MarshalCreditTransferFile(f CreditTransferFile, crlf bool) ([]byte, error) {
	w := &recordWriter{}
	end := func() {
		if crlf {
			w.raw("\r\n")
		}
	}
	p := f.Payer
	w.raw("1210")
	w.num("振込依頼人コード", p.Code, 10)
	w.text("振込依頼人名", p.Name, 40)
	w.num("取組日", fmt.Sprintf("%02d%02d", int(f.PayOn.Month), f.PayOn.Day), 4)
	w.num("仕向銀行番号", p.BankCode, 4)
	w.text("仕向銀行名", p.BankName, 15)
	w.num("仕向支店番号", p.BranchCode, 3)
	w.text("仕向支店名", p.BranchName, 15)
	w.num("預金種目", strconv.Itoa(p.AccountType), 1)
	w.num("口座番号", p.AccountNumber, 7)
	w.raw(strings.Repeat(" ", 17))
	end()
	var total Yen
	for i, r := range f.Records {
		at := fmt.Sprintf("record %d", i+1)
		if r.Amount <= 0 {
			w.fail(at, fmt.Errorf("%w: amount %d", ErrMalformedRecord, r.Amount))
		}
		w.raw("2")
		w.num(at+" 被仕向銀行番号", r.BankCode, 4)
		w.text(at+" 被仕向銀行名", r.BankName, 15)
		w.num(at+" 被仕向支店番号", r.BranchCode, 3)
		w.text(at+" 被仕向支店名", r.BranchName, 15)
		w.raw("    ")
		w.num(at+" 預金種目", strconv.Itoa(r.AccountType), 1)
		w.num(at+" 口座番号", r.AccountNumber, 7)
		w.text(at+" 受取人名", r.Payee, 30)
		w.num(at+" 振込金額", strconv.FormatInt(int64(r.Amount), 10), 10)
		w.raw("0")
		w.num(at+" 顧客コード1", r.CustomerCode1, 10)
		w.num(at+" 顧客コード2", r.CustomerCode2, 10)
		w.raw("7 ")
		w.raw(strings.Repeat(" ", 7))
		end()
		total += r.Amount
	}
	w.raw("8")
	w.num("合計件数", strconv.Itoa(len(f.Records)), 6)
	w.num("合計金額", strconv.FormatInt(int64(total), 10), 12)
	w.raw(strings.Repeat(" ", 101))
	end()
	w.raw("9")
	w.raw(strings.Repeat(" ", 119))
	end()
	if w.err != nil {
		return nil, fmt.Errorf("billing: 総合振込 file: %w", w.err)
	}
	return w.buf, nil
}
