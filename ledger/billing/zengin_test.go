package billing

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestToZenginKana(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", nil},
		{"やまだ たろう", "ﾔﾏﾀﾞ ﾀﾛｳ", nil},
		{"ｶ)ﾔﾏﾀﾞ", "ｶ)ﾔﾏﾀﾞ", nil},
		{"カ）キッテ", "ｶ)ｷﾂﾃ", nil},
		{"ポップ", "ﾎﾟﾂﾌﾟ", nil},
		{"ヴィラ", "ｳﾞｲﾗ", nil},
		{"パワー", "ﾊﾟﾜ-", nil},
		{"ＡＢＣ１２３abc", "ABC123ABC", nil},
		{"ｷｬｯﾁ", "ｷﾔﾂﾁ", nil},
		{"山田", "", ErrInvalidKana},
		{"ヤマダ🍣", "", ErrInvalidKana},
		{"A&B", "", ErrInvalidKana},
	}
	for _, tt := range tests {
		got, err := ToZenginKana(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ToZenginKana(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// goldenTransfer is the request in testdata/transfer_request.golden, with
// names given as billing staff type them (full-width, hiragana).
func goldenTransfer() TransferFile {
	rec := func(bank, bankName, branch, branchName string, at int, acct, holder string, amount Yen, nc byte, cust string) TransferRecord {
		return TransferRecord{BankCode: bank, BankName: bankName, BranchCode: branch, BranchName: branchName, AccountType: at,
			AccountNumber: acct, Holder: holder, Amount: amount, NewCode: nc, CustomerNumber: cust}
	}
	return TransferFile{
		Header: TransferHeader{CollectorCode: "1234567890", CollectorName: "カ）デズラ", CollectOn: d("2024-11-16"),
			BankCode: "0005", BankName: "ミツビシＵＦＪ", BranchCode: "001", BranchName: "ホンテン", AccountType: 1, AccountNumber: "1234567"},
		Records: []TransferRecord{
			rec("0001", "ミズホ", "100", "トウキョウ", 1, "123", "カ）ヤマダケンセツ", 16500, '1', "1"),
			rec("0009", "", "250", "", 2, "7654321", "すずき　いちろう", 16500, '0', "2"),
			rec("0005", "ミツビシＵＦＪ", "001", "ホンテン", 1, "1111111", "タナカコウムテン", 6500, '0', "3"),
			rec("0001", "", "100", "", 1, "2222222", "サトウ（ユウ", 16500, '0', "4"),
			rec("0001", "", "100", "", 1, "3333333", "タカハシ ツヨシ", 16500, '2', "5"),
			rec("0001", "", "100", "", 1, "4444444", "イトウ パワー", 16500, '0', "6"),
			rec("0001", "", "100", "", 1, "5555555", "ワタナベ ゲン", 33000, '0', "7"),
		},
	}
}

func TestTransferFileGolden(t *testing.T) {
	got, err := MarshalTransferFile(goldenTransfer(), false)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/transfer_request.golden")
	if err != nil {
		t.Fatal(err)
	}
	if len(got)%zenginRecordLen != 0 || len(got) != 10*zenginRecordLen {
		t.Fatalf("file is %d bytes, want 10 records of 120", len(got))
	}
	for i := 0; i < len(got); i += zenginRecordLen {
		if !bytes.Equal(got[i:i+zenginRecordLen], want[i:i+zenginRecordLen]) {
			t.Errorf("record %d\n got %q\nwant %q", i/zenginRecordLen+1, got[i:i+zenginRecordLen], want[i:i+zenginRecordLen])
		}
	}
	withCRLF, err := MarshalTransferFile(goldenTransfer(), true)
	if err != nil || len(withCRLF) != 10*122 || !bytes.Equal(bytes.ReplaceAll(withCRLF, []byte("\r\n"), nil), want) {
		t.Errorf("CR LF variant differs: %v", err)
	}
	parsed, err := ParseTransferFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.IsResult() || parsed.Count != 7 || parsed.Amount != 122000 || parsed.Header.CollectorName != "ｶ)ﾃﾞｽﾞﾗ" ||
		parsed.Records[1].Holder != "ｽｽﾞｷ ｲﾁﾛｳ" || parsed.Records[0].AccountNumber != "0000123" {
		t.Errorf("parsed request %+v", parsed)
	}
}

func TestTransferFileRejects(t *testing.T) {
	long := goldenTransfer()
	long.Records[0].Holder = strings.Repeat("ア", 31)
	kanji := goldenTransfer()
	kanji.Records[0].Holder = "山田建設"
	voiced := goldenTransfer()
	voiced.Records[0].Holder = strings.Repeat("ガ", 16) // 32 half-width characters
	badBank := goldenTransfer()
	badBank.Records[0].BankCode = "12345"
	tests := []struct {
		name string
		f    TransferFile
		want error
	}{
		{"31 characters", long, ErrFieldTooLong},
		{"voiced sounds take two", voiced, ErrFieldTooLong},
		{"kanji", kanji, ErrInvalidKana},
		{"5-digit bank code", badBank, ErrFieldTooLong},
	}
	for _, tt := range tests {
		if _, err := MarshalTransferFile(tt.f, false); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestParseTransferResult(t *testing.T) {
	data, err := os.ReadFile("testdata/transfer_result.txt")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseTransferFile(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []ResultCode{ResultCollected, ResultInsufficientFunds, ResultNoAccount, ResultStoppedByPayer, ResultNoMandate, ResultStoppedByCollector, ResultOther}
	if len(f.Records) != len(want) || !f.IsResult() || f.CollectedCount != 1 || f.CollectedAmount != 16500 || f.FailedAmount != 105500 {
		t.Fatalf("result file %+v", f)
	}
	for i, r := range f.Records {
		if r.Result != want[i] {
			t.Errorf("record %d: %s, want %s", i+1, r.Result, want[i])
		}
	}
	for _, c := range want {
		if got, err := ParseResultCode(c.String()); got != c || err != nil {
			t.Errorf("ParseResultCode(%s) = %v, %v", c, got, err)
		}
		if c.Japanese() == "" {
			t.Errorf("%s has no Japanese name", c)
		}
	}
	// Corruptions are reported, not guessed at.
	bad := map[string][]byte{
		"short record":     data[:len(data)-10],
		"no header":        data[122:],
		"wrong trailer":    bytes.Replace(data, []byte("8000007000000122000"), []byte("8000006000000122000"), 1),
		"unknown result":   replaceAt(data, 122+111, '5'),
		"request as 91→92": replaceAt(data, 2, '2'),
	}
	for name, b := range bad {
		if _, err := ParseTransferFile(b); !errors.Is(err, ErrMalformedRecord) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func replaceAt(b []byte, i int, c byte) []byte {
	out := bytes.Clone(b)
	out[i] = c
	return out
}

func FuzzParseTransferFile(f *testing.F) {
	for _, name := range []string{"testdata/transfer_request.golden", "testdata/transfer_result.txt"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("9"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tf, err := ParseTransferFile(data)
		if err != nil {
			return
		}
		// What parses writes back to a file that parses the same.
		out, err := MarshalTransferFile(tf, false)
		if err != nil {
			return // e.g. a header name with bytes outside the Zengin set
		}
		again, err := ParseTransferFile(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if len(again.Records) != len(tf.Records) || again.Amount != tf.Amount {
			t.Fatalf("round trip changed the file")
		}
	})
}
