// Package guard decides, per incoming SIP request, whether dezura answers
// it: on a public address, scanners and credential guessers send requests
// by the thousand. It holds a trust list of the trunk's addresses,
// digest authentication (RFC 3261 §22, RFC 2617, RFC 7616, RFC 8760) for
// peers that are not on it, per-source token buckets, a ban list, and a
// source table whose size is bounded however many addresses a flood comes
// from. It is pure policy: no I/O but LoadSecrets, no goroutines, no clock
// (every call takes now), safe for concurrent use (a sharded mutex).
//
// Wiring into a sipgo request handler, before any other work:
//
//	src, _ := netip.ParseAddrPort(req.Source()) // the packet's source, not Via
//	authz := ""
//	if h := req.GetHeader("Authorization"); h != nil {
//		authz = h.Value()
//	}
//	verdict, challenges := g.Check(time.Now(), src.Addr(), string(req.Method), authz, req.Recipient.String())
//	switch verdict {
//	case guard.Allow:
//		// handle as usual (an untrusted OPTIONS gets a minimal 200)
//	case guard.Challenge:
//		res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
//		for _, c := range challenges {
//			res.AppendHeader(sip.NewHeader("WWW-Authenticate", c))
//		}
//		send(tx, res)
//		return
//	case guard.Forbid:
//		send(tx, sip.NewResponseFromRequest(req, 403, "Forbidden", nil))
//		return
//	default: // guard.Drop: send nothing
//		return
//	}
//
// where send calls tx.Respond and logs a response that could not be sent
// (sip.Server does it through a rate limiter: a stranger can make every
// response fail).
//
// Secrets never reach a log through this package: errors name files, lines
// and users but not secrets, and the Secrets type prints only its size.
// MaskNumber shortens caller numbers for logs.
//
// Known limits: nonces are stateless (an HMAC of time and source address),
// so within a nonce's lifetime a captured Authorization can be replayed
// from the same source address (nonce counts are not tracked); userhash
// (RFC 7616 §3.4.4) and qop=auth-int are not supported.
package guard
