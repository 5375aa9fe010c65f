package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// The billing screens' files: the bank's request and refund files
// (Zengin, 120-byte records), the print batch (a PDF), the exports as
// Japanese Excel and 弥生会計 read them; and the seal image uploaded.
func TestBillingDownloads(t *testing.T) {
	c := newConsole(t, "sqlite", nil)
	s := c.bs
	b := c.signedIn(t, "billing")
	b.get("/billing/transfers")
	res, body := b.post("/billing/transfers/file", url.Values{"CollectOn": {s.CollectOn}, "CollectorCode": {"1234567890"},
		"CollectorName": {"カ）デズラ"}, "CollectorBank": {"0005"}, "CollectorBranch": {"001"}, "CollectorAccount": {"1234567"}, "LeadDays": {"3"}})
	if res.StatusCode != http.StatusOK || len(body) != 4*120 || !strings.HasPrefix(body, "191") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "kouza-furikae-20261221.txt") {
		t.Errorf("request file: %d, %d bytes, %q, %s", res.StatusCode, len(body), body[:min(len(body), 3)], res.Header.Get("Content-Disposition"))
	}
	res, body = b.post("/billing/refunds/file", url.Values{"PayOn": {s.PayOn}, "PayerCode": {"1234567890"}, "PayerName": {"カ）デズラ"},
		"PayerBank": {"0005"}, "PayerBranch": {"001"}, "PayerAccount": {"1234567"}, "LeadDays": {"3"}, "CRLF": {"1"}})
	if res.StatusCode != http.StatusOK || len(body) != 4*122 || !strings.HasPrefix(body, "121") {
		t.Errorf("refund file: %d, %d bytes", res.StatusCode, len(body))
	}
	res, body = b.post("/billing/print", nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(body, "%PDF-") || res.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("print batch: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	b.get("/billing/mail")
	if res, page := b.post("/billing/print", nil); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "印刷を待っている請求書はありません") {
		t.Errorf("print batch again: %d\n%s", res.StatusCode, problem(page))
	}
	res, body = b.get("/billing/export/file?From=2026-11-01&To=2026-12-31&Format=csv&Encoding=utf-8")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(body, "\ufeffrecord,number") || !strings.Contains(body, "\r\n") ||
		!strings.Contains(body, "田中工務店 御中") {
		t.Errorf("CSV export: %d %q", res.StatusCode, body[:min(len(body), 40)])
	}
	res, body = b.get("/billing/export/file?From=2026-11-01&To=2026-12-31&Format=yayoi&Encoding=utf-8")
	text, err := japanese.ShiftJIS.NewDecoder().String(body)
	if res.StatusCode != http.StatusOK || err != nil || !strings.HasPrefix(text, "2000,,,2026/11/02,売掛金") {
		t.Errorf("弥生 export: %d %v %q", res.StatusCode, err, text[:min(len(text), 40)])
	}
	if res, page := b.get("/billing/export/file?From=2026-13-01&To=2026-12-31&Format=csv&Encoding=utf-8"); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(errorOf(page, "From"), "日付として読めません") {
		t.Errorf("export with a bad date: %d %q", res.StatusCode, errorOf(page, "From"))
	}

	// A seal image: stored, shown as stored, removed on request.
	var seal bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 40, 40))
	img.Set(20, 20, color.RGBA{R: 200, A: 255})
	png.Encode(&seal, img)
	b.get("/billing/issuer")
	form := url.Values{"Name": {"株式会社デズラ"}, "Registration": {"T7000012050002"}, "BankName": {"みずほ銀行"}, "BranchName": {"東京営業部"},
		"AccountType": {"1"}, "AccountNumber": {"1234567"}, "Holder": {"カ）デズラ"}}
	if res, page := b.postFiles("/billing/issuer", form, map[string][]byte{"Seal": seal.Bytes()}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("seal upload: %d\n%s", res.StatusCode, problem(page))
	}
	if iss, err := c.bill.CurrentIssuer(t.Context()); err != nil || !bytes.Equal(iss.SealPNG, seal.Bytes()) || iss.Bank.BankName != "みずほ銀行" {
		t.Errorf("stored seal %d bytes, %v", len(iss.SealPNG), err)
	}
	_, page := b.get("/billing/issuer")
	if !strings.Contains(page, "印影を登録済みです") {
		t.Error("the issuer page does not say a seal is stored")
	}
	form.Set("Phone", "03-1111-2222") // another change: the seal stays
	b.postFiles("/billing/issuer", form, nil)
	if iss, _ := c.bill.CurrentIssuer(t.Context()); !bytes.Equal(iss.SealPNG, seal.Bytes()) || iss.Phone != "03-1111-2222" {
		t.Errorf("after a change without a new image: seal %d bytes, phone %q", len(iss.SealPNG), iss.Phone)
	}
	form.Set("RemoveSeal", "1")
	b.postFiles("/billing/issuer", form, nil)
	if iss, _ := c.bill.CurrentIssuer(t.Context()); len(iss.SealPNG) != 0 {
		t.Error("the seal was not removed")
	}
}
