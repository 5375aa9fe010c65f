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
// (Code) from the bank and the account the money leaves, with the bank's
// lead time; the same details as a Collector's for account transfer.
type Payer Collector

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
	w.header("21", "振込依頼人", "取組日", f.PayOn, Collector(f.Payer))
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
