package sip

import (
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestWithheld(t *testing.T) {
	tests := []struct {
		name    string
		from    string
		privacy []string
		want    bool
	}{
		{"a number", "sip:09012345678@10.0.0.1", nil, false},
		{"a SIP client's user name", "sip:baresip@10.0.0.1", nil, false},
		{"anonymous From", "sip:anonymous@anonymous.invalid", nil, true},
		{"Anonymous user, another host", "sip:Anonymous@10.0.0.1", nil, true},
		{"Privacy: id", "sip:09012345678@10.0.0.1", []string{"id"}, true},
		{"Privacy: header;user", "sip:09012345678@10.0.0.1", []string{"header;user"}, true},
		{"Privacy: none", "sip:09012345678@10.0.0.1", []string{"none"}, false},
		{"Privacy: session only", "sip:09012345678@10.0.0.1", []string{"session"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u sip.Uri
			if err := sip.ParseUri(tt.from, &u); err != nil {
				t.Fatal(err)
			}
			req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "ivr", Host: "127.0.0.1"})
			from := &sip.FromHeader{Address: u, Params: sip.NewParams()}
			req.AppendHeader(from)
			for _, p := range tt.privacy {
				req.AppendHeader(sip.NewHeader("Privacy", p))
			}
			if got := withheld(req); got != tt.want {
				t.Errorf("withheld = %v, want %v", got, tt.want)
			}
		})
	}
}
