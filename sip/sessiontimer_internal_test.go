package sip

import (
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func timerReq(hdrs ...string) *sip.Request {
	req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", Host: "127.0.0.1"})
	for i := 0; i+1 < len(hdrs); i += 2 {
		req.AppendHeader(sip.NewHeader(hdrs[i], hdrs[i+1]))
	}
	return req
}

// RFC 4028 §9, with dezura's choice of refresher (uas) where it is ours.
func TestNegotiate(t *testing.T) {
	p := timerPolicy{expires: 1800 * time.Second, minSE: 90 * time.Second}
	for _, tc := range []struct {
		name      string
		hdrs      []string
		tooSmall  bool
		active    bool
		interval  time.Duration
		refresher Refresher
		peerTimer bool
	}{
		{"nothing", nil, false, false, 0, RefresherUnknown, false},
		{"supported only: our interval, we refresh", []string{"Supported", "timer"}, false, true, 1800 * time.Second, RefresherUAS, true},
		{"compact supported", []string{"k", "100rel,timer"}, false, true, 1800 * time.Second, RefresherUAS, true},
		{"caller refreshes", []string{"Supported", "timer", "Session-Expires", "600;refresher=uac"}, false, true, 600 * time.Second, RefresherUAC, true},
		{"caller asks us", []string{"Supported", "timer", "Session-Expires", "600; refresher=UAS"}, false, true, 600 * time.Second, RefresherUAS, true},
		{"longer than ours is shortened", []string{"Supported", "timer", "Session-Expires", "7200"}, false, true, 1800 * time.Second, RefresherUAS, true},
		{"caller's Min-SE above ours", []string{"Supported", "timer", "Session-Expires", "7200", "Min-SE", "3600"}, false, true, 3600 * time.Second, RefresherUAS, true},
		{"too small with timer support", []string{"Supported", "timer", "Session-Expires", "89"}, true, false, 0, RefresherUnknown, true},
		{"too small set by a proxy", []string{"Session-Expires", "30;refresher=uac"}, false, true, 90 * time.Second, RefresherUAS, false},
		{"proxy-set, caller without timer: we refresh", []string{"x", "900;refresher=uac"}, false, true, 900 * time.Second, RefresherUAS, false},
		{"Require timer counts as support", []string{"Require", "timer", "Session-Expires", "300;refresher=uac"}, false, true, 300 * time.Second, RefresherUAC, true},
		{"malformed value ignored", []string{"Session-Expires", "abc"}, false, false, 0, RefresherUnknown, false},
		{"bad refresher ignored", []string{"Supported", "timer", "Session-Expires", "300;refresher=proxy"}, false, true, 1800 * time.Second, RefresherUAS, true},
		{"huge value clamped", []string{"Supported", "timer", "Session-Expires", "99999999999999999999"}, false, true, 1800 * time.Second, RefresherUAS, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := p.negotiate(timerReq(tc.hdrs...))
			if d.tooSmall != tc.tooSmall || d.active != tc.active || d.interval != tc.interval || d.refresher != tc.refresher || d.peerTimer != tc.peerTimer {
				t.Errorf("got %+v", d)
			}
		})
	}
}

func TestAnswerDecision(t *testing.T) {
	d := timerDecision{active: true, interval: 600 * time.Second, refresher: RefresherUAS, minSE: 90 * time.Second}
	for _, tc := range []struct {
		se        string
		active    bool
		interval  time.Duration
		refresher Refresher
	}{
		{"", false, 600 * time.Second, RefresherUAS},
		{"900;refresher=uac", true, 900 * time.Second, RefresherUAS},
		{"900;refresher=uas", true, 900 * time.Second, RefresherUAC},
		{"30", true, 90 * time.Second, RefresherUAS},
		{"junk", true, 600 * time.Second, RefresherUAS},
	} {
		res := sip.NewResponseFromRequest(timerReq(), 200, "OK", nil)
		if tc.se != "" {
			res.AppendHeader(sip.NewHeader("Session-Expires", tc.se))
		}
		got := answerDecision(d, res)
		if got.active != tc.active || got.interval != tc.interval || got.refresher != tc.refresher {
			t.Errorf("%q: got %+v", tc.se, got)
		}
	}
}

func TestUnsupportedRequired(t *testing.T) {
	for _, tc := range []struct {
		require string
		want    string
	}{
		{"", ""}, {"timer", ""}, {"100rel, Timer", ""}, {"precondition", "precondition"}, {"100rel,foo, bar", "foo,bar"},
	} {
		var req *sip.Request
		if tc.require == "" {
			req = timerReq()
		} else {
			req = timerReq("Require", tc.require)
		}
		got := ""
		for i, b := range unsupportedRequired(req) {
			if i > 0 {
				got += ","
			}
			got += b
		}
		if got != tc.want {
			t.Errorf("Require %q: unsupported %q, want %q", tc.require, got, tc.want)
		}
	}
}

// FuzzParseSessionExpires: header values from the network never panic,
// and what parses formats back to an equal value.
func FuzzParseSessionExpires(f *testing.F) {
	for _, s := range []string{"1800", "90;refresher=uac", "600; refresher=UAS;foo=bar", "", ";", "abc", "4294967296", "1;refresher="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		se, err := parseSessionExpires(v)
		if err != nil {
			return
		}
		if se.interval < 0 || se.interval > maxDeltaSeconds*time.Second {
			t.Fatalf("interval %v out of range", se.interval)
		}
		again, err := parseSessionExpires(se.String())
		if err != nil || again != se {
			t.Fatalf("round trip %q -> %q: %+v %v", v, se.String(), again, err)
		}
	})
}

// FuzzNegotiate: whatever session timer headers arrive, the decision is
// sane: a running timer is never shorter than our Min-SE nor longer than
// the larger of our interval and the caller's Min-SE, and has a refresher.
func FuzzNegotiate(f *testing.F) {
	f.Add("1800;refresher=uac", "90", "timer", "")
	f.Add("60", "", "", "timer")
	f.Add("", "4294967295", "timer, 100rel", "100rel")
	f.Add("x;refresher=uas", "-1", ",,", "precondition")
	p := timerPolicy{expires: 1800 * time.Second, minSE: 90 * time.Second}
	f.Fuzz(func(t *testing.T, se, minSE, supported, require string) {
		d := p.negotiate(timerReq("Session-Expires", se, "Min-SE", minSE, "Supported", supported, "Require", require))
		if d.tooSmall && d.active {
			t.Fatal("both 422 and a running timer")
		}
		if !d.active {
			return
		}
		if d.interval < p.minSE || d.refresher == RefresherUnknown {
			t.Fatalf("decision %+v", d)
		}
		if d.interval > p.expires && d.interval > maxDeltaSeconds*time.Second {
			t.Fatalf("interval %v", d.interval)
		}
		_ = d.headers()
	})
}
