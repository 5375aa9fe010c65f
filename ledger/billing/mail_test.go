package billing

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pythonWithAiosmtpd finds a Python that has aiosmtpd: Debian's
// /usr/bin/python3 (python3-aiosmtpd) first, then python3 on the PATH.
func pythonWithAiosmtpd(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := osexec.LookPath(p); err == nil && osexec.Command(path, "-c", "import aiosmtpd").Run() == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no python3 with aiosmtpd: .ci/run must install python3-aiosmtpd")
	}
	t.Skip("no python3 with aiosmtpd (apt-get install python3-aiosmtpd)")
	return ""
}

// smtpSink starts testdata/smtpsink.py on a port of its choosing; the
// messages it accepts land in the returned directory. The first tempfail
// messages are refused with 451.
func smtpSink(t *testing.T, tempfail int) (SMTPConfig, string) {
	t.Helper()
	dir := t.TempDir()
	cmd := osexec.Command(pythonWithAiosmtpd(t), filepath.Join("testdata", "smtpsink.py"), dir, fmt.Sprint(tempfail))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the sink stops when its input closes
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	var port int
	if _, err := fmt.Fscan(bufio.NewReader(stdout), &port); err != nil {
		t.Fatalf("smtp sink did not start: %v", err)
	}
	return SMTPConfig{Host: "127.0.0.1", Port: port, TLS: "none", Timeout: 10 * time.Second}, dir
}

// received is one message the sink saved, with its PDF attachment.
type received struct {
	to, subject, body, filename string
	pdf                         []byte
}

func readMessages(t *testing.T, dir string) []received {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	var out []received
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var r received
		r.to = m.Header.Get("To")
		if r.subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
			t.Fatal(err)
		}
		_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("%s: content type: %v", f, err)
		}
		mr := multipart.NewReader(m.Body, params["boundary"])
		for {
			p, err := mr.NextPart() // decodes quoted-printable; base64 below
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			data := readPart(t, p)
			if p.FileName() != "" {
				r.filename, r.pdf = p.FileName(), data
			} else {
				r.body = string(data)
			}
		}
		out = append(out, r)
	}
	return out
}

func readPart(t *testing.T, p *multipart.Part) []byte {
	t.Helper()
	var rd io.Reader = p
	if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
		rd = newBase64Reader(p)
	}
	data, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMailInvoicesWithRetries sends invoices through a real SMTP server:
// each arrives with its PDF; a temporary refusal is tried again after the
// delay, a permanent one is given up and listed; every mail sent is
// recorded with its address and time; a resend is a 再発行.
func TestMailInvoicesWithRetries(t *testing.T) {
	t.Parallel()
	font := testFont(t)
	eachBackend(t, func(t *testing.T, b *Billing, _ string) {
		ctx := t.Context()
		clock := d("2026-04-02").Time().Add(10 * time.Hour)
		b.now = func() time.Time { return clock }
		iss := testSettings
		if _, err := b.SetIssuer(ctx, iss); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"C1", "C2", "C3"} {
			subscribe(t, b, c, "campaign-2023", "2026-04-01")
		}
		run(t, b, "2026-04-01")
		if err := b.SetContact(ctx, "C1", "keiri@c1.example.co.jp"); err != nil {
			t.Fatal(err)
		}
		if err := b.SetContact(ctx, "C2", "nobody@invalid.example"); err != nil {
			t.Fatal(err)
		}
		if err := b.SetContact(ctx, "C3", "not an address"); !errors.Is(err, ErrInvalidEmail) {
			t.Errorf("a bad address: %v", err)
		}
		if n, err := b.QueueMail(ctx); err != nil || n != 2 {
			t.Fatalf("queued %d, %v", n, err)
		}
		if n, _ := b.QueueMail(ctx); n != 0 {
			t.Errorf("queued %d more the second time", n)
		}
		cfg, dir := smtpSink(t, 1)
		mailer := NewSMTPMailer(cfg)
		opts := SendOptions{RetryDelays: []time.Duration{time.Minute, time.Minute}}
		res, err := b.SendQueued(ctx, mailer, font, opts)
		if err != nil || res.Sent != 0 || res.Retrying != 1 || res.Failed != 1 || len(res.Errors) != 2 {
			t.Fatalf("first pass %+v, %v: want C1 retrying (451) and C2 failed (550)", res, err)
		}
		if res, _ := b.SendQueued(ctx, mailer, font, opts); res.Sent+res.Retrying+res.Failed != 0 {
			t.Errorf("a pass before the retry delay did %+v", res)
		}
		clock = clock.Add(2 * time.Minute)
		if res, err := b.SendQueued(ctx, mailer, font, opts); err != nil || res.Sent != 1 {
			t.Fatalf("second pass %+v, %v", res, err)
		}
		msgs := readMessages(t, dir)
		if len(msgs) != 1 {
			t.Fatalf("%d messages arrived, want 1", len(msgs))
		}
		m := msgs[0]
		if m.to != "<keiri@c1.example.co.jp>" || m.subject != "【請求書】2026-000001 株式会社デズラ" || m.filename != "2026-000001.pdf" ||
			!strings.Contains(m.body, "ご請求金額: 16,500円（税込）") || !strings.Contains(m.body, "C1 御中") {
			t.Errorf("message to %q, subject %q, file %q, body:\n%s", m.to, m.subject, m.filename, m.body)
		}
		if text := pdfText(t, m.pdf); !strings.Contains(text, "請求書番号2026-000001") || strings.Contains(text, "再発行") {
			t.Errorf("attachment text:\n%s", text)
		}
		failed, err := b.Outbox(ctx, OutboxFailed, 0)
		if err != nil || len(failed) != 1 || failed[0].Number != "2026-000002" || !strings.Contains(failed[0].LastError, "550") {
			t.Errorf("failed mail %+v, %v", failed, err)
		}
		ds, _ := b.Deliveries(ctx, "2026-000001")
		if len(ds) != 1 || ds[0].Channel != ChannelEmail || ds[0].Recipient != "keiri@c1.example.co.jp" || !strings.HasPrefix(ds[0].DeliveredAt, "2026-04-02T01:02") {
			t.Errorf("deliveries %+v", ds)
		}
		if err := b.QueueResend(ctx, "2026-000001", ""); err != nil {
			t.Fatal(err)
		}
		if res, err := b.SendQueued(ctx, mailer, font, opts); err != nil || res.Sent != 1 {
			t.Fatalf("resend %+v, %v", res, err)
		}
		msgs = readMessages(t, dir)
		if len(msgs) != 2 || msgs[1].subject != "【請求書・再発行】2026-000001 株式会社デズラ" || !strings.Contains(pdfText(t, msgs[1].pdf), "再発行") {
			t.Errorf("resent message %+v", msgs[len(msgs)-1].subject)
		}
		// C3 has no address: its invoice goes into the print batch.
		_, numbers, _, err := b.PrintBatch(ctx, font)
		if err != nil || fmt.Sprint(numbers) != "[2026-000003]" {
			t.Errorf("print batch %v, %v", numbers, err)
		}
	})
}

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want string
		user string
		pass string
	}{
		{"smtp://mail.example.jp", "smtp://mail.example.jp:587?tls=starttls", "", ""},
		{"smtps://billing:s3cret@mail.example.jp", "smtp://billing@mail.example.jp:465?tls=tls", "billing", "s3cret"},
		{"smtp://127.0.0.1:25?tls=none", "smtp://127.0.0.1:25?tls=none", "", ""},
	} {
		c, err := ParseSMTPURL(tt.in)
		if err != nil || c.String() != tt.want || c.Username != tt.user || c.Password != tt.pass {
			t.Errorf("ParseSMTPURL(%q) = %+v (%s), %v", tt.in, c, c, err)
		}
		if strings.Contains(c.String(), "s3cret") {
			t.Errorf("%s shows the password", c)
		}
	}
	for _, bad := range []string{"mail.example.jp", "http://x", "smtp://", "smtp://h:0", "smtp://h?tls=maybe"} {
		if _, err := ParseSMTPURL(bad); err == nil {
			t.Errorf("ParseSMTPURL(%q) took it", bad)
		}
	}
}

func newBase64Reader(r io.Reader) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, &stripNewlines{r: r})
}

// stripNewlines drops the line breaks of a base64 body.
type stripNewlines struct{ r io.Reader }

func (s *stripNewlines) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}

// TestNodeMailsInvoices: the leading node issues the invoices due and
// mails them without being asked.
func TestNodeMailsInvoices(t *testing.T) {
	t.Parallel()
	font := testFont(t)
	cfg, dir := smtpSink(t, 0)
	b := openTest(t, backends[0].url(t))
	ctx := t.Context()
	if _, err := b.SetIssuer(ctx, testSettings); err != nil {
		t.Fatal(err)
	}
	subscribe(t, b, "C1", "campaign-2023", DateOf(time.Now()).AddDays(-10).String())
	if err := b.SetContact(ctx, "C1", "keiri@c1.example.co.jp"); err != nil {
		t.Fatal(err)
	}
	n, err := b.StartNode(ctx, NodeConfig{Spec: "0 3 * * *", LeaderInterval: 50 * time.Millisecond,
		Mail: &MailConfig{Mailer: NewSMTPMailer(cfg), Font: font, Interval: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop(ctx)
	for deadline := time.Now().Add(20 * time.Second); len(readMessages(t, dir)) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the node mailed nothing")
		}
	}
	if err := n.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if m := readMessages(t, dir)[0]; !strings.HasPrefix(m.subject, "【請求書】") || len(m.pdf) == 0 {
		t.Errorf("mail %+v", m.subject)
	}
}
