package sip

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Withheld reports that the caller asked for his number not to be shown:
// a Privacy header (RFC 3323 §4.2) with id, header or user, or an
// anonymous From (§4.1.1.3). The number (from P-Asserted-Identity) may
// still identify the caller; it must not be bound to anyone from the call.
func (c *Call) Withheld() bool {
	if c.dlg == nil || c.dlg.InviteRequest == nil {
		return false
	}
	return withheld(c.dlg.InviteRequest)
}

func withheld(req *sip.Request) bool {
	for _, h := range req.GetHeaders("Privacy") {
		for _, v := range strings.FieldsFunc(h.Value(), func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
			switch strings.ToLower(v) {
			case "id", "header", "user":
				return true
			}
		}
	}
	if f := req.From(); f != nil {
		return strings.EqualFold(f.Address.User, "anonymous") || strings.EqualFold(f.Address.Host, "anonymous.invalid")
	}
	return false
}
