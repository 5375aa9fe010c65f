package sip

import (
	"time"

	"github.com/emiago/sipgo/sip"
)

// Refusal is an INVITE refused with 503 before it was answered: the
// server was full (Config.MaxCalls) or draining.
type Refusal struct {
	CallID string
	Caller string // as presented (P-Asserted-Identity or From user part)
	Called string // Request-URI user part
	At     time.Time
	// Draining: refused because the server is stopping; else it was full.
	Draining bool
}

// refused tells Config.OnRefused of a refused INVITE.
func (s *Server) refused(req *sip.Request) {
	if s.cfg.onRefused == nil {
		return
	}
	s.cfg.onRefused(Refusal{CallID: callIDOf(req), Caller: callerNumber(req), Called: req.Recipient.User,
		At: time.Now(), Draining: s.draining.Load()})
}
