package sip

import (
	"net/netip"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/dezura/dezura/sip/guard"
)

// gated wraps a request handler with the server's guard, because on a
// public address scanners send INVITEs, REGISTERs and OPTIONS by the
// thousand and only the trunk and authenticated peers may call. It runs
// before anything else for every request: a banned or flooding source
// gets no answer at all, an untrusted INVITE a digest challenge or 403,
// and only an allowed request reaches h. Without a guard every request
// reaches h.
func (s *Server) gated(h sipgo.RequestHandler) sipgo.RequestHandler {
	g := s.guard
	if g == nil {
		return h
	}
	return func(req *sip.Request, tx sip.ServerTransaction) {
		// The packet's source, not Via: Via is whatever the sender wrote.
		ap, err := netip.ParseAddrPort(req.Source())
		if err != nil {
			s.gateDropped.Add(1)
			return
		}
		authz := ""
		if hdr := req.GetHeader("Authorization"); hdr != nil {
			authz = hdr.Value()
		}
		v, challenges := g.Check(time.Now(), ap.Addr().Unmap(), string(req.Method), authz, req.Recipient.String())
		switch v {
		case guard.Allow:
			h(req, tx)
		case guard.Challenge:
			res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
			for _, c := range challenges {
				res.AppendHeader(sip.NewHeader("WWW-Authenticate", c))
			}
			s.sendResponse(tx, req, res)
		case guard.Forbid:
			// No Warning or Reason: nothing that tells a scanner which
			// users or numbers exist.
			s.respond(tx, req, 403, "Forbidden")
		default:
			// Drop: a banned or flooding source gets nothing back.
			s.gateDropped.Add(1)
		}
	}
}

// GuardStats is the guard's counters (zero without a guard).
func (s *Server) GuardStats() guard.Stats {
	if s.guard == nil {
		return guard.Stats{}
	}
	return s.guard.Stats(time.Now())
}

// logNumber is how a caller number appears in logs: its last 4 digits,
// unless Config.LogFullNumbers.
func (s *Server) logNumber(n string) string {
	if s.logFull {
		return n
	}
	return guard.MaskNumber(n)
}
