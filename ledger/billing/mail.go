package billing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Mail is one message with an invoice attached.
type Mail struct {
	MessageID      string // without the angle brackets
	From, To       string
	Subject, Body  string
	Attachment     []byte
	AttachmentName string
	Date           time.Time
}

// Mailer sends a message. A SendError that is permanent (the server said
// no for good, e.g. no such mailbox) is not retried.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// SMTPConfig is how to reach the mail server.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is "starttls" (the default: required), "tls" (implicit, port
	// 465) or "none" (a relay on the same host).
	TLS     string
	Timeout time.Duration
}

// ParseSMTPURL reads smtp://[user:password@]host[:port][?tls=starttls|none]
// or smtps://... (implicit TLS). The default port is 587 (465 for smtps).
func ParseSMTPURL(s string) (SMTPConfig, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return SMTPConfig{}, fmt.Errorf("%w: want smtp://[user:password@]host[:port][?tls=starttls|none], or smtps:// for implicit TLS", ErrInvalidMailServer)
	}
	c := SMTPConfig{Host: u.Hostname(), TLS: "starttls", Port: 587, Timeout: 30 * time.Second}
	if u.Scheme == "smtps" {
		c.TLS, c.Port = "tls", 465
	}
	if t := u.Query().Get("tls"); t != "" {
		if t != "starttls" && t != "none" && t != "tls" {
			return SMTPConfig{}, fmt.Errorf("%w: tls=%s: want starttls, tls or none", ErrInvalidMailServer, t)
		}
		c.TLS = t
	}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil || c.Port <= 0 || c.Port > 65535 {
			return SMTPConfig{}, fmt.Errorf("%w: port %q: want 1 to 65535", ErrInvalidMailServer, p)
		}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return c, nil
}

// String shows the server without its password.
func (c SMTPConfig) String() string {
	user := ""
	if c.Username != "" {
		user = c.Username + "@"
	}
	return fmt.Sprintf("smtp://%s%s?tls=%s", user, net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), c.TLS)
}

// SMTPMailer sends through an SMTP server with github.com/wneessen/go-mail,
// one connection per message.
type SMTPMailer struct{ cfg SMTPConfig }

// NewSMTPMailer returns a Mailer for the server.
func NewSMTPMailer(cfg SMTPConfig) *SMTPMailer { return &SMTPMailer{cfg: cfg} }

// Send sends m.
func (s *SMTPMailer) Send(ctx context.Context, m Mail) error {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8))
	if err := msg.From(m.From); err != nil {
		return permanent(fmt.Errorf("from %q: %w", m.From, err))
	}
	if err := msg.To(m.To); err != nil {
		return permanent(fmt.Errorf("to %q: %w", m.To, err))
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.Date)
	msg.SetGenHeader(gomail.HeaderXMailer, "dezura")
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	if err := msg.AttachReader(m.AttachmentName, bytes.NewReader(m.Attachment), gomail.WithFileContentType("application/pdf")); err != nil {
		return permanent(fmt.Errorf("attach %s: %w", m.AttachmentName, err))
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout)}
	switch s.cfg.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return permanent(fmt.Errorf("mail server %s: %w", s.cfg, err))
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		// A 5xx reply is the server's final answer (no such mailbox,
		// refused); anything else (4xx, a lost connection) may pass later.
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return permanent(fmt.Errorf("mail server %s: %w", s.cfg, err))
		}
		return fmt.Errorf("mail server %s: %w", s.cfg, err)
	}
	return nil
}

// permanentError marks a failure that sending again will not fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether a Mailer's error is one to stop retrying.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// invoiceMail composes the mail carrying one document.
func invoiceMail(doc PDFDocument, to string, pdf []byte, id string, now time.Time) Mail {
	in, iss := doc.Invoice, doc.Issuer
	kind, what := "請求書", "請求書"
	if in.Kind == KindCredit {
		kind, what = "適格返還請求書", "返還請求書（適格返還請求書）"
	}
	prefix := "【" + kind + "】"
	if doc.Reissue {
		prefix = "【" + kind + "・再発行】"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nいつもお世話になっております。%sです。\n%s（番号 %s）をPDFにてお送りいたします。\n\n", in.Recipient, iss.Name, what, in.Number)
	if in.Kind == KindCredit {
		fmt.Fprintf(&b, "返還額: %s円（税込）\n対象請求書: %s\n", FormatYen(in.Total), in.CreditOf)
	} else {
		fmt.Fprintf(&b, "ご請求金額: %s円（税込）\nお支払期限: %s\n", FormatYen(in.Total), JapaneseDate(in.DueDate))
		if a := iss.Bank; !a.IsZero() {
			fmt.Fprintf(&b, "お振込先: %s %s %s %s %s\n", a.BankName, a.BranchName, a.TypeName(), a.AccountNumber, a.Holder)
		}
	}
	if doc.Reissue {
		b.WriteString("\n先にお送りしたものの再発行です。\n")
	}
	if iss.Phone != "" {
		fmt.Fprintf(&b, "\nご不明な点は %s までお問い合わせください。\n", iss.Phone)
	}
	fmt.Fprintf(&b, "\n%s\n登録番号 %s\n", iss.Name, in.IssuerRegistration)
	return Mail{
		MessageID: id, From: iss.Email, To: to, Date: now,
		Subject: fmt.Sprintf("%s%s %s", prefix, in.Number, iss.Name), Body: b.String(),
		Attachment: pdf, AttachmentName: in.Number + ".pdf",
	}
}
