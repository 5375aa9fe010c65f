package billing

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

func TestFormatYen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   Yen
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {16500, "16,500"}, {-16500, "-16,500"}, {1234567, "1,234,567"}, {-100, "-100"}}
	for _, tt := range tests {
		if got := FormatYen(tt.in); got != tt.want {
			t.Errorf("FormatYen(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNeutralize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"=SUM(A1)", "'=SUM(A1)"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@x", "'@x"}, {"\tx", "'\tx"},
		{"株式会社", "株式会社"}, {"", ""}, {"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := Neutralize(tt.in); got != tt.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestInvoiceRenderingAndExport(t *testing.T) {
	t.Parallel()
	b := openTest(t, backends[0].url(t))
	ctx := context.Background()
	register(t, b, "C1", "C3")
	if _, err := b.Subscribe(ctx, "C1", "=HYPERLINK(\"http://x\")", "campaign-2023", d("2023-10-16")); err != nil {
		t.Fatal(err)
	}
	subscribe(t, b, "C2", "campaign-2023", "2023-10-16")
	run(t, b, "2023-10-16")
	if _, err := b.Pay(ctx, "2023-000002", "", 16500, d("2023-10-30"), "振込", "@ref"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Void(ctx, "2023-000001", "", d("2023-11-01"), "契約取消"); err != nil {
		t.Fatal(err)
	}
	in, err := b.InvoiceByNumber(ctx, "2023-000002", "")
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := WriteText(&text, in); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"請求書（適格請求書）", "番号        2023-000002", "登録番号    T7000012050002", "株式会社デズラ",
		"10%対象  15,000円  消費税 1,500円", "合計（税込） 16,500円", "対象期間    2023-10-16 – 2024-10-15", "残高         0円"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	credit, _ := b.InvoiceByNumber(ctx, "2023-000003", "")
	var page bytes.Buffer
	if err := WriteHTML(&page, credit); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="ja">`, "size: A4", "適格返還請求書", "登録番号 T7000012050002", "返還額（税込） -16,500円",
		"対象請求書 2023-000001", "&#34;http://x&#34;"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}

	var utf bytes.Buffer
	if err := b.Export(ctx, &utf, d("2023-10-01"), d("2023-11-30"), EncodingUTF8); err != nil {
		t.Fatal(err)
	}
	wantCSV := "record,number,date,contractor_id,recipient,kind,period_start,period_end,subtotal,tax,total,rates,refers_to,method,reference,issuer_registration\r\n" +
		"invoice,2023-000001,2023-10-16,C1,\"'=HYPERLINK(\"\"http://x\"\")\",annual,2023-10-16,2024-10-15,15000,1500,16500,10%:15000:1500,2023-000003,,,T7000012050002\r\n" +
		"invoice,2023-000002,2023-10-16,C2,C2 御中,annual,2023-10-16,2024-10-15,15000,1500,16500,10%:15000:1500,,,,T7000012050002\r\n" +
		"credit_note,2023-000003,2023-11-01,C1,\"'=HYPERLINK(\"\"http://x\"\")\",credit,2023-10-16,2024-10-15,-15000,-1500,-16500,10%:-15000:-1500,2023-000001,,契約取消,T7000012050002\r\n" +
		"payment,2023-000002,2023-10-30,C2,C2 御中,,,,,,16500,,2023-000002,振込,'@ref,\r\n"
	// Japanese Excel reads UTF-8 only after a byte-order mark; rows end
	// in CR LF; a payment names whose money it is.
	if utf.String() != "\ufeff"+wantCSV {
		t.Errorf("CSV\n got %q\nwant %q", utf.String(), "\ufeff"+wantCSV)
	}
	var sjis bytes.Buffer
	if err := b.Export(ctx, &sjis, d("2023-10-01"), d("2023-11-30"), EncodingShiftJIS); err != nil {
		t.Fatal(err)
	}
	decoded, err := japanese.ShiftJIS.NewDecoder().String(sjis.String())
	if err != nil || decoded != wantCSV {
		t.Errorf("Shift_JIS export decodes to %q, %v", decoded, err)
	}
	if _, err := b.Subscribe(ctx, "C3", "寿司🍣店", "campaign-2023", d("2023-10-20")); err != nil {
		t.Fatal(err)
	}
	run(t, b, "2023-11-01")
	if err := b.Export(ctx, &sjis, Date{}, Date{}, EncodingShiftJIS); !errors.Is(err, ErrUnencodable) {
		t.Errorf("export of an emoji in Shift_JIS = %v", err)
	}
}
