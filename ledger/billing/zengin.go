package billing

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The Zengin (全銀協) account-transfer request format (預金口座振替依頼
// データ, 種別コード 91): fixed-length 120-byte records in JIS X 0201
// (ASCII and half-width katakana), numeric fields right-aligned with zeros,
// text fields left-aligned with spaces:
//
//	header  (1): データ区分 1, 種別コード 91, コード区分 0, 委託者コード 10,
//	             委託者名 40, 引落日 MMDD, 取引銀行番号 4, 銀行名 15,
//	             支店番号 3, 支店名 15, 預金種目 1, 口座番号 7, ダミー 17
//	data    (2): データ区分 2, 引落銀行番号 4, 銀行名 15, 支店番号 3,
//	             支店名 15, ダミー 4, 預金種目 1, 口座番号 7, 預金者名 30,
//	             引落金額 10, 新規コード 1, 顧客番号 20, 振替結果コード 1,
//	             ダミー 8
//	trailer (8): データ区分 8, 合計件数 6, 合計金額 12, 振替済件数 6,
//	             振替済金額 12, 振替不能件数 6, 振替不能金額 12, ダミー 65
//	end     (9): データ区分 9, ダミー 119
//
// The bank returns the same file with 振替結果コード filled in and the
// trailer's collected and failed counts set.
const zenginRecordLen = 120

// ResultCode is a bank's 振替結果コード for one data record.
type ResultCode uint8

const (
	ResultUnknown            ResultCode = iota
	ResultCollected                     // 0 振替済
	ResultInsufficientFunds             // 1 資金不足
	ResultNoAccount                     // 2 取引なし
	ResultStoppedByPayer                // 3 預金者都合による振替停止
	ResultNoMandate                     // 4 振替依頼書なし
	ResultStoppedByCollector            // 8 委託者都合による振替停止
	ResultOther                         // 9 その他
)

var resultDigits = [...]byte{0, '0', '1', '2', '3', '4', '8', '9'}
var resultNames = [...]string{"unknown", "collected", "insufficient-funds", "no-account", "stopped-by-payer", "no-mandate", "stopped-by-collector", "other"}
var resultJapanese = [...]string{"不明", "振替済", "資金不足", "取引なし", "預金者都合による振替停止", "振替依頼書なし", "委託者都合による振替停止", "その他"}

// String names the result in English.
func (c ResultCode) String() string {
	if int(c) < len(resultNames) {
		return resultNames[c]
	}
	return fmt.Sprintf("ResultCode(%d)", c)
}

// Japanese names the result as bank documents do.
func (c ResultCode) Japanese() string {
	if int(c) < len(resultJapanese) {
		return resultJapanese[c]
	}
	return c.String()
}

// PayerStopped reports a result after which the payer's bank will not
// debit the account again until the payer acts: 取引なし (account closed),
// 預金者都合による振替停止 (the payer stopped it), 振替依頼書なし (no mandate
// at the bank). 資金不足 is tried again; 委託者都合 is the collector's own.
func (c ResultCode) PayerStopped() bool {
	return c == ResultNoAccount || c == ResultStoppedByPayer || c == ResultNoMandate
}

// Digit is the code's character in the file ('0'..'9').
func (c ResultCode) Digit() byte {
	if int(c) < len(resultDigits) {
		return resultDigits[c]
	}
	return 0
}

// ParseResultCode parses the English name (as String returns it).
func ParseResultCode(s string) (ResultCode, error) {
	for i, n := range resultNames {
		if i > 0 && n == s {
			return ResultCode(i), nil
		}
	}
	return ResultUnknown, fmt.Errorf("billing: unknown transfer result %q", s)
}

// resultFromDigit parses the file's character.
func resultFromDigit(c byte) (ResultCode, bool) {
	for i, d := range resultDigits {
		if i > 0 && d == c {
			return ResultCode(i), true
		}
	}
	return ResultUnknown, false
}

// TransferHeader is the collector's side of a transfer file (header record).
type TransferHeader struct {
	CollectorCode string // 委託者コード, up to 10 digits
	CollectorName string // 委託者名, up to 40 half-width characters
	CollectOn     Date   // 引落日 (written as MMDD)
	BankCode      string // 4 digits
	BankName      string // up to 15 half-width characters; may be empty
	BranchCode    string // 3 digits
	BranchName    string // up to 15; may be empty
	AccountType   int    // 1 普通, 2 当座, ...
	AccountNumber string // up to 7 digits
}

// TransferRecord is one collection (data record).
type TransferRecord struct {
	BankCode       string
	BankName       string
	BranchCode     string
	BranchName     string
	AccountType    int
	AccountNumber  string
	Holder         string // 預金者名, up to 30 half-width characters
	Amount         Yen
	NewCode        byte   // 新規コード: '1' first transfer, '2' changed, '0' otherwise
	CustomerNumber string // 顧客番号, up to 20 digits, unique per request
	Result         ResultCode
}

// TransferFile is a whole request or result file.
type TransferFile struct {
	Header  TransferHeader
	Records []TransferRecord
	// Trailer figures (as read; computed when writing).
	Count, CollectedCount, FailedCount    int
	Amount, CollectedAmount, FailedAmount Yen
}

type recordWriter struct {
	buf []byte
	err error
}

func (w *recordWriter) fail(field string, err error) {
	if w.err == nil {
		w.err = fmt.Errorf("%s: %w", field, err)
	}
}

// num writes a right-aligned zero-padded number of exactly width digits.
func (w *recordWriter) num(field, digits string, width int) {
	if digits == "" {
		digits = "0"
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			w.fail(field, fmt.Errorf("%w: %q is not a number", ErrMalformedRecord, digits))
			return
		}
	}
	if len(digits) > width {
		w.fail(field, fmt.Errorf("%w: %q has more than %d digits", ErrFieldTooLong, digits, width))
		return
	}
	w.buf = append(w.buf, strings.Repeat("0", width-len(digits))...)
	w.buf = append(w.buf, digits...)
}

// text writes a left-aligned space-padded name, converted to Zengin kana.
func (w *recordWriter) text(field, s string, width int) {
	k, err := ToZenginKana(s)
	if err != nil {
		w.fail(field, err)
		return
	}
	b, err := encodeJISX0201(k)
	if err != nil {
		w.fail(field, err)
		return
	}
	if len(b) > width {
		w.fail(field, fmt.Errorf("%w: %q is %d characters, the field holds %d", ErrFieldTooLong, k, len(b), width))
		return
	}
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, bytes.Repeat([]byte{' '}, width-len(b))...)
}

func (w *recordWriter) raw(s string) { w.buf = append(w.buf, s...) }

// header writes the header record both Zengin files share: データ区分 1,
// 種別コード kind, コード区分 0, the company's code and name (who: 委託者 or
// 振込依頼人), the date as MMDD (dateName: 引落日 or 取組日) and its account.
func (w *recordWriter) header(kind, who, dateName string, on Date, c Collector) {
	w.raw("1" + kind + "0")
	w.num(who+"コード", c.Code, 10)
	w.text(who+"名", c.Name, 40)
	w.num(dateName, fmt.Sprintf("%02d%02d", int(on.Month), on.Day), 4)
	w.num("取引銀行番号", c.BankCode, 4)
	w.text("取引銀行名", c.BankName, 15)
	w.num("取引支店番号", c.BranchCode, 3)
	w.text("取引支店名", c.BranchName, 15)
	w.num("預金種目", strconv.Itoa(c.AccountType), 1)
	w.num("口座番号", c.AccountNumber, 7)
	w.raw(strings.Repeat(" ", 17))
}

// MarshalTransferFile writes f in the Zengin format: header, one data record
// per entry, trailer with counts and totals, end record; 120 bytes each,
// with CR LF after each record if crlf is set. Names are converted with
// ToZenginKana; one that does not fit its field is an error, never cut.
func MarshalTransferFile(f TransferFile, crlf bool) ([]byte, error) {
	w := &recordWriter{}
	end := func() {
		if crlf {
			w.raw("\r\n")
		}
	}
	h := f.Header
	w.header("91", "委託者", "引落日", h.CollectOn, Collector{Code: h.CollectorCode, Name: h.CollectorName, BankCode: h.BankCode,
		BankName: h.BankName, BranchCode: h.BranchCode, BranchName: h.BranchName, AccountType: h.AccountType, AccountNumber: h.AccountNumber})
	end()
	var total, collected, failed Yen
	var nCollected, nFailed int
	for i, r := range f.Records {
		at := fmt.Sprintf("record %d", i+1)
		if r.Amount <= 0 {
			w.fail(at, fmt.Errorf("%w: amount %d", ErrMalformedRecord, r.Amount))
		}
		w.raw("2")
		w.num(at+" 引落銀行番号", r.BankCode, 4)
		w.text(at+" 引落銀行名", r.BankName, 15)
		w.num(at+" 引落支店番号", r.BranchCode, 3)
		w.text(at+" 引落支店名", r.BranchName, 15)
		w.raw("    ")
		w.num(at+" 預金種目", strconv.Itoa(r.AccountType), 1)
		w.num(at+" 口座番号", r.AccountNumber, 7)
		w.text(at+" 預金者名", r.Holder, 30)
		w.num(at+" 引落金額", strconv.FormatInt(int64(r.Amount), 10), 10)
		nc := r.NewCode
		if nc == 0 {
			nc = '0'
		}
		w.num(at+" 新規コード", string(nc), 1)
		w.num(at+" 顧客番号", r.CustomerNumber, 20)
		res := r.Result.Digit()
		if r.Result == ResultUnknown {
			res = '0'
		}
		w.raw(string(res))
		w.raw(strings.Repeat(" ", 8))
		end()
		total += r.Amount
		switch r.Result {
		case ResultUnknown:
		case ResultCollected:
			nCollected++
			collected += r.Amount
		default:
			nFailed++
			failed += r.Amount
		}
	}
	w.raw("8")
	w.num("合計件数", strconv.Itoa(len(f.Records)), 6)
	w.num("合計金額", strconv.FormatInt(int64(total), 10), 12)
	w.num("振替済件数", strconv.Itoa(nCollected), 6)
	w.num("振替済金額", strconv.FormatInt(int64(collected), 10), 12)
	w.num("振替不能件数", strconv.Itoa(nFailed), 6)
	w.num("振替不能金額", strconv.FormatInt(int64(failed), 10), 12)
	w.raw(strings.Repeat(" ", 65))
	end()
	w.raw("9")
	w.raw(strings.Repeat(" ", 119))
	end()
	if w.err != nil {
		return nil, fmt.Errorf("billing: transfer file: %w", w.err)
	}
	return w.buf, nil
}

// splitRecords cuts a file into 120-byte records: either one record a
// line (CR LF or LF after each, as most banks send), or records end to
// end with no line breaks; a trailing EOF byte (0x1A) is allowed. A record
// of another length is an error naming it, never padded or cut.
func splitRecords(data []byte) ([][]byte, error) {
	data = bytes.TrimRight(data, "\x1a")
	if !bytes.ContainsAny(data, "\r\n") {
		if len(data)%zenginRecordLen != 0 {
			n := len(data) / zenginRecordLen
			return nil, fmt.Errorf("%w: the file is %d bytes without line breaks, not whole 120-byte records: record %d is %d bytes",
				ErrMalformedRecord, len(data), n+1, len(data)-n*zenginRecordLen)
		}
		var out [][]byte
		for len(data) > 0 {
			out = append(out, data[:zenginRecordLen])
			data = data[zenginRecordLen:]
		}
		return out, nil
	}
	lines := bytes.Split(data, []byte("\n"))
	for len(lines) > 0 && len(bytes.TrimRight(lines[len(lines)-1], "\r")) == 0 {
		lines = lines[:len(lines)-1]
	}
	out := make([][]byte, len(lines))
	for i, l := range lines {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) != zenginRecordLen || bytes.ContainsAny(l, "\r") {
			return nil, fmt.Errorf("%w: record %d (line %d) is %d bytes, want %d", ErrMalformedRecord, i+1, i+1, len(l), zenginRecordLen)
		}
		out[i] = l
	}
	return out, nil
}

type recordReader struct {
	rec []byte
	pos int
	err error
	at  string
}

func (r *recordReader) take(n int) []byte {
	b := r.rec[r.pos : r.pos+n]
	r.pos += n
	return b
}

func (r *recordReader) num(field string, n int) int64 {
	b := r.take(n)
	v, err := strconv.ParseInt(string(b), 10, 64)
	if (err != nil || v < 0 || b[0] == '+') && r.err == nil {
		r.err = fmt.Errorf("%w: %s %s: %q is not a number", ErrMalformedRecord, r.at, field, b)
	}
	return v
}

func (r *recordReader) digits(field string, n int) string {
	b := r.take(n)
	for _, c := range b {
		if (c < '0' || c > '9') && r.err == nil {
			r.err = fmt.Errorf("%w: %s %s: %q is not digits", ErrMalformedRecord, r.at, field, b)
		}
	}
	return string(b)
}

func (r *recordReader) text(n int) string {
	return strings.TrimRight(decodeJISX0201(r.take(n)), " ")
}

// transferHeader reads the rest of a header record (after 1910).
func (r *recordReader) transferHeader() TransferHeader {
	var h TransferHeader
	h.CollectorCode = r.digits("委託者コード", 10)
	h.CollectorName = r.text(40)
	mmdd := r.num("引落日", 4)
	h.CollectOn = Date{Month: timeMonth(mmdd / 100), Day: int(mmdd % 100)}
	h.BankCode = r.digits("取引銀行番号", 4)
	h.BankName = r.text(15)
	h.BranchCode = r.digits("取引支店番号", 3)
	h.BranchName = r.text(15)
	h.AccountType = int(r.num("預金種目", 1))
	h.AccountNumber = r.digits("口座番号", 7)
	return h
}

// transferRecord reads the rest of a data record (after 2).
func (r *recordReader) transferRecord() TransferRecord {
	var d TransferRecord
	d.BankCode = r.digits("引落銀行番号", 4)
	d.BankName = r.text(15)
	d.BranchCode = r.digits("引落支店番号", 3)
	d.BranchName = r.text(15)
	r.take(4)
	d.AccountType = int(r.num("預金種目", 1))
	d.AccountNumber = r.digits("口座番号", 7)
	d.Holder = r.text(30)
	d.Amount = Yen(r.num("引落金額", 10))
	d.NewCode = r.take(1)[0]
	d.CustomerNumber = r.digits("顧客番号", 20)
	c := r.take(1)[0]
	code, ok := resultFromDigit(c)
	if !ok && r.err == nil {
		r.err = fmt.Errorf("%w: %s: unknown 振替結果コード %q", ErrMalformedRecord, r.at, c)
	}
	d.Result = code
	return d
}

// ParseTransferFile reads a Zengin account-transfer file (a request, or the
// bank's result file): exactly one header first, data records, a trailer
// whose counts and totals must match the data, and an end record.
func ParseTransferFile(data []byte) (TransferFile, error) {
	recs, err := splitRecords(data)
	if err != nil {
		return TransferFile{}, err
	}
	var f TransferFile
	state := 0 // 0 want header, 1 data or trailer, 2 want end, 3 done
	var total, collected, failed Yen
	var nCollected, nFailed int
	for i, rec := range recs {
		r := &recordReader{rec: rec, at: fmt.Sprintf("record %d", i+1)}
		kind := r.take(1)[0]
		switch {
		case state == 0 && kind == '1':
			if string(r.take(3)) != "910" {
				return TransferFile{}, fmt.Errorf("%w: header is not 種別コード 91, コード区分 0", ErrMalformedRecord)
			}
			f.Header = r.transferHeader()
			state = 1
		case state == 1 && kind == '2':
			d := r.transferRecord()
			code := d.Result
			f.Records = append(f.Records, d)
			total += d.Amount
			if code == ResultCollected {
				nCollected++
				collected += d.Amount
			} else {
				nFailed++
				failed += d.Amount
			}
		case state == 1 && kind == '8':
			f.Count = int(r.num("合計件数", 6))
			f.Amount = Yen(r.num("合計金額", 12))
			f.CollectedCount = int(r.num("振替済件数", 6))
			f.CollectedAmount = Yen(r.num("振替済金額", 12))
			f.FailedCount = int(r.num("振替不能件数", 6))
			f.FailedAmount = Yen(r.num("振替不能金額", 12))
			state = 2
		case state == 2 && kind == '9':
			state = 3
		default:
			return TransferFile{}, fmt.Errorf("%w: record %d: unexpected データ区分 %q", ErrMalformedRecord, i+1, kind)
		}
		if r.err != nil {
			return TransferFile{}, r.err
		}
	}
	if state != 3 {
		return TransferFile{}, fmt.Errorf("%w: file ends without trailer and end record", ErrMalformedRecord)
	}
	if f.Count != len(f.Records) || f.Amount != total {
		return TransferFile{}, fmt.Errorf("%w: trailer says %d records, %d yen; data has %d, %d yen", ErrMalformedRecord, f.Count, f.Amount, len(f.Records), total)
	}
	if f.CollectedCount+f.FailedCount > 0 && (f.CollectedCount != nCollected || f.CollectedAmount != collected ||
		f.FailedCount != nFailed || f.FailedAmount != failed) {
		return TransferFile{}, fmt.Errorf("%w: trailer says %d collected (%d yen) and %d failed (%d yen); data has %d (%d yen) and %d (%d yen)",
			ErrMalformedRecord, f.CollectedCount, f.CollectedAmount, f.FailedCount, f.FailedAmount, nCollected, collected, nFailed, failed)
	}
	return f, nil
}

// IsResult reports whether the file carries bank results: the trailer's
// collected and failed counts add up to the records (a request has zeros).
func (f TransferFile) IsResult() bool {
	return f.Count > 0 && f.CollectedCount+f.FailedCount == f.Count && f.CollectedAmount+f.FailedAmount == f.Amount
}

func timeMonth(m int64) time.Month { return time.Month(m) }
