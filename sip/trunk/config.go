package trunk

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Defaults for a zero Config field.
const (
	// DefaultExpires is a few minutes, as carriers in Japan commonly
	// grant: a registration a registrar has lost without noticing us
	// (the keep-alives being off or unanswerable) comes back within it.
	DefaultExpires = 5 * time.Minute
	// DefaultKeepAlive bounds how long a lost registration goes unnoticed
	// and holds a NAT binding open (UDP bindings last 30 s at the least).
	DefaultKeepAlive = 15 * time.Second
	DefaultRetryMin  = 5 * time.Second
	DefaultRetryMax  = 5 * time.Minute
	DefaultTimeout   = 10 * time.Second
)

// Config configures a Registrar.
type Config struct {
	// AOR is the address of record, "sip:USER@HOST[:PORT]" (the value of
	// --trunk-register). REGISTERs go to sip:HOST[:PORT].
	AOR string
	// Username for digest authentication; default the AOR's user.
	Username string
	// Password for digest authentication (from a file or the environment,
	// never the command line). Empty: the trunk must not challenge.
	Password string
	// Contact is where the trunk sends calls: our external address and SIP
	// port (sip.Server.ContactURI). Its user part is set to the AOR's user
	// when empty.
	Contact sip.Uri
	// Expires is the registration lifetime we ask for (default 5 min).
	// We re-register at 80 % of what the registrar grants.
	Expires time.Duration
	// KeepAlive is the interval of OPTIONS to our own address of record
	// through the trunk while registered (default 15 s; negative turns
	// them off): they hold a NAT binding open and find a registration the
	// trunk has lost (see loop).
	KeepAlive time.Duration
	// RetryMin and RetryMax bound the back-off after a failure (defaults
	// 5 s and 5 min).
	RetryMin, RetryMax time.Duration
	// Timeout bounds one REGISTER or OPTIONS transaction (default 10 s).
	Timeout time.Duration
	// Logger gets state changes (never the password); default: discard.
	Logger *slog.Logger
}

func (c Config) validate() (Config, sip.Uri, sip.Uri, error) {
	var aor sip.Uri
	if err := sip.ParseUri(strings.TrimSpace(c.AOR), &aor); err != nil {
		return c, aor, aor, fmt.Errorf("%w: trunk address %q: %v", ErrBadConfig, c.AOR, err)
	}
	if !strings.EqualFold(aor.Scheme, "sip") || aor.User == "" || aor.Host == "" {
		return c, aor, aor, fmt.Errorf("%w: trunk address %q (want sip:USER@HOST[:PORT])", ErrBadConfig, c.AOR)
	}
	registrar := sip.Uri{Scheme: "sip", Host: aor.Host, Port: aor.Port}
	aor = sip.Uri{Scheme: "sip", User: aor.User, Host: aor.Host, Port: aor.Port}
	if c.Contact.Host == "" {
		return c, aor, registrar, fmt.Errorf("%w: no Contact address", ErrBadConfig)
	}
	if c.Contact.User == "" {
		c.Contact.User = aor.User
	}
	if c.Username == "" {
		c.Username = aor.User
	}
	if c.Expires == 0 {
		c.Expires = DefaultExpires
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.RetryMin == 0 {
		c.RetryMin = DefaultRetryMin
	}
	if c.RetryMax == 0 {
		c.RetryMax = DefaultRetryMax
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Expires < time.Second || c.RetryMin <= 0 || c.RetryMax < c.RetryMin || c.Timeout < 0 {
		return c, aor, registrar, fmt.Errorf("%w: Expires %v, retry %v-%v, timeout %v", ErrBadConfig, c.Expires, c.RetryMin, c.RetryMax, c.Timeout)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, aor, registrar, nil
}

// ReadPasswordFile reads a trunk password from path: the first line,
// trimmed. The file must not be readable by group or others (like an
// ssh key), as the password lets anyone take our calls.
func ReadPasswordFile(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrCredentialsFile, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%w: %s is readable by others (mode %v; want 0600)", ErrCredentialsFile, path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrCredentialsFile, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return "", fmt.Errorf("%w: %s has no password", ErrCredentialsFile, path)
	}
	return line, nil
}
