package sip_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	dsip "github.com/dezura/dezura/sip"
	"github.com/dezura/dezura/sip/guard"
)

// timerPeer is a caller that also answers the server's in-dialog
// requests (UPDATE, re-INVITE) with a chosen status, counting them.
type timerPeer struct {
	t       *testing.T
	ua      *sipgo.UserAgent
	dc      *sipgo.DialogClientCache
	conn    *net.UDPConn
	rtpPort int
	wg      sync.WaitGroup

	mu       sync.Mutex
	answer   map[sipmsg.RequestMethod]int // status for UPDATE / INVITE; 0 drops it
	seen     map[sipmsg.RequestMethod]int
	acks     int
	lastSE   string // Session-Expires of the last refresh we got
	byes     chan struct{}
	byesSeen int
}

func newTimerPeer(t *testing.T) *timerPeer {
	t.Helper()
	ua, srv, cli, conn, port := newEndpoint(t, "timer-peer")
	p := &timerPeer{
		t: t, ua: ua, conn: conn, rtpPort: 40000,
		dc:     sipgo.NewDialogClientCache(cli, sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: "peer", Host: "127.0.0.1", Port: port}}),
		answer: map[sipmsg.RequestMethod]int{sipmsg.UPDATE: 200, sipmsg.INVITE: 200},
		seen:   map[sipmsg.RequestMethod]int{},
		byes:   make(chan struct{}, 4),
	}
	refresh := func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		p.mu.Lock()
		p.seen[req.Method]++
		if h := req.GetHeader("Session-Expires"); h != nil {
			p.lastSE = h.Value()
		}
		code := p.answer[req.Method]
		p.mu.Unlock()
		if code == 0 {
			return // never answered: the server's transaction times out
		}
		var res *sipmsg.Response
		if code == 200 && req.Method == sipmsg.INVITE {
			res = sipmsg.NewSDPResponseFromRequest(req, p.offer())
		} else {
			res = sipmsg.NewResponseFromRequest(req, code, "Test", nil)
		}
		if code == 200 {
			if h := req.GetHeader("Session-Expires"); h != nil {
				res.AppendHeader(sipmsg.NewHeader("Session-Expires", h.Value()))
			}
			res.AppendHeader(sipmsg.NewHeader("Require", "timer"))
		}
		_ = tx.Respond(res)
	}
	srv.OnUpdate(refresh)
	srv.OnInvite(refresh)
	srv.OnAck(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		p.mu.Lock()
		p.acks++
		p.mu.Unlock()
	})
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if err := p.dc.ReadBye(req, tx); err != nil {
			_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 481, "No Such Call", nil))
			return
		}
		p.mu.Lock()
		p.byesSeen++
		p.mu.Unlock()
		p.byes <- struct{}{}
	})
	p.wg.Go(func() { _ = srv.ServeUDP(conn) })
	for ua.TransportLayer().Pool("udp").Size() == 0 {
		time.Sleep(time.Millisecond)
	}
	t.Cleanup(func() {
		_ = ua.Close()
		_ = conn.Close()
		p.wg.Wait()
	})
	return p
}

func (p *timerPeer) offer() []byte {
	return []byte("v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n")
}

func (p *timerPeer) set(m sipmsg.RequestMethod, code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answer[m] = code
}

func (p *timerPeer) counts() (updates, invites, acks, byes int, se string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[sipmsg.UPDATE], p.seen[sipmsg.INVITE], p.acks, p.byesSeen, p.lastSE
}

// invite calls srv with extra headers and returns the session and the
// final response (ACKed if 2xx).
func (p *timerPeer) invite(ctx context.Context, srv net.Addr, hdrs ...sipmsg.Header) (*sipgo.DialogClientSession, *sipmsg.Response, []*sipmsg.Response) {
	p.t.Helper()
	a := srv.(*net.UDPAddr)
	to := sipmsg.Uri{Scheme: "sip", User: "0120123456", Host: a.IP.String(), Port: a.Port}
	from := &sipmsg.FromHeader{Address: sipmsg.Uri{Scheme: "sip", User: "09012345678", Host: "127.0.0.1"}, Params: sipmsg.NewParams()}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	hdrs = append(hdrs, from, sipmsg.NewHeader("Content-Type", "application/sdp"))
	sess, err := p.dc.Invite(ctx, to, p.offer(), hdrs...)
	if err != nil {
		p.t.Fatalf("INVITE: %v", err)
	}
	var provisional []*sipmsg.Response
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sipmsg.Response) error {
		if res.IsProvisional() {
			provisional = append(provisional, res)
		}
		return nil
	}})
	if err != nil {
		var de *sipgo.ErrDialogResponse
		if !errors.As(err, &de) {
			p.t.Fatalf("INVITE: %v", err)
		}
		return sess, de.Res, provisional
	}
	if err := sess.Ack(ctx); err != nil {
		p.t.Fatalf("ACK: %v", err)
	}
	return sess, sess.InviteResponse, provisional
}

// waitCall returns the server-side call the handler got.
func waitCall(t *testing.T, calls <-chan *dsip.Call) *dsip.Call {
	t.Helper()
	select {
	case c := <-calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no call reached the handler")
		return nil
	}
}

func timerServer(t *testing.T, expires time.Duration) (*dsip.Server, chan *dsip.Call) {
	t.Helper()
	calls := make(chan *dsip.Call, 4)
	cfg := dsip.WithTimerFloor(dsip.Config{SessionExpires: expires}, time.Second)
	srv := startServer(t, cfg, func(ctx context.Context, c *dsip.Call) {
		calls <- c
		<-ctx.Done()
	})
	return srv, calls
}

func hdr(res *sipmsg.Response, name string) string {
	if h := res.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

// The caller refreshes with UPDATE every second of a 2 s session and the
// call stays up; when it stops, the server hangs up after the interval.
func TestSessionTimerCallerRefreshes(t *testing.T) {
	t.Parallel() // waits out session intervals
	srv, calls := timerServer(t, 30*time.Second)
	p := newTimerPeer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, res, _ := p.invite(ctx, srv.Addr(),
		sipmsg.NewHeader("Supported", "timer"), sipmsg.NewHeader("Session-Expires", "2;refresher=uac"), sipmsg.NewHeader("Min-SE", "1"))
	if res.StatusCode != 200 {
		t.Fatalf("INVITE answered %d", res.StatusCode)
	}
	if got := hdr(res, "Session-Expires"); got != "2;refresher=uac" {
		t.Errorf("200 Session-Expires = %q, want 2;refresher=uac", got)
	}
	if got := hdr(res, "Require"); got != "timer" {
		t.Errorf("200 Require = %q, want timer", got)
	}
	c := waitCall(t, calls)
	for range 4 { // 4 s: twice the interval
		time.Sleep(time.Second)
		req := sipmsg.NewRequest(sipmsg.UPDATE, res.Contact().Address)
		req.AppendHeader(sipmsg.NewHeader("Session-Expires", "2;refresher=uac"))
		req.AppendHeader(sipmsg.NewHeader("Supported", "timer"))
		ur, err := sess.Do(ctx, req)
		if err != nil || ur.StatusCode != 200 {
			t.Fatalf("UPDATE: %v %v", ur, err)
		}
		if got := hdr(ur, "Session-Expires"); got != "2;refresher=uac" {
			t.Errorf("UPDATE 200 Session-Expires = %q", got)
		}
		select {
		case <-c.Done():
			t.Fatalf("call ended while refreshed: %v", c.EndReason())
		default:
		}
	}
	waitClosed(t, p.byes, "BYE after the session expired")
	waitClosed(t, c.Done(), "call end")
	if st := srv.SessionTimerStats(); st.Expired != 1 {
		t.Errorf("Expired = %d, want 1", st.Expired)
	}
	if r := c.EndReason(); r != dsip.EndSessionExpired {
		t.Errorf("end reason %s, want %s", r, dsip.EndSessionExpired)
	}
}

// With the choice left to us we refresh at half the interval; refusals
// and silence never end the call.
func TestSessionTimerWeRefresh(t *testing.T) {
	t.Parallel() // waits out session intervals
	for _, tc := range []struct {
		name               string
		allow              string
		update, invite     int
		wantUpdates        bool
		wantInvites        bool
		wantRefreshedAtMin uint64
	}{
		{"update accepted", "INVITE, ACK, BYE, UPDATE", 200, 200, true, false, 2},
		{"update 501 falls back to re-INVITE", "INVITE, ACK, BYE, UPDATE", 501, 200, true, true, 2},
		{"no UPDATE in Allow", "INVITE, ACK, BYE", 200, 200, false, true, 2},
		{"refresh refused", "INVITE, ACK, BYE, UPDATE", 500, 500, true, false, 0},
		{"refresh unanswered", "INVITE, ACK, BYE, UPDATE", 0, 0, true, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each waits 2.5 intervals
			srv, calls := timerServer(t, 2*time.Second)
			p := newTimerPeer(t)
			p.set(sipmsg.UPDATE, tc.update)
			p.set(sipmsg.INVITE, tc.invite)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			sess, res, _ := p.invite(ctx, srv.Addr(), sipmsg.NewHeader("Supported", "timer, 100rel"),
				sipmsg.NewHeader("Allow", tc.allow), sipmsg.NewHeader("Session-Expires", "1800"))
			if res.StatusCode != 200 {
				t.Fatalf("INVITE answered %d", res.StatusCode)
			}
			// We shorten the caller's 1800 s to our 2 s and refresh.
			if got := hdr(res, "Session-Expires"); got != "2;refresher=uas" {
				t.Errorf("200 Session-Expires = %q, want 2;refresher=uas", got)
			}
			c := waitCall(t, calls)
			time.Sleep(5 * time.Second) // 2.5 intervals
			select {
			case <-c.Done():
				t.Fatalf("call ended: %v", c.EndReason())
			default:
			}
			updates, invites, acks, byes, se := p.counts()
			if (updates > 0) != tc.wantUpdates || (invites > 0) != tc.wantInvites {
				t.Errorf("refreshes: %d UPDATE, %d re-INVITE", updates, invites)
			}
			if tc.wantInvites && tc.invite == 200 && acks < 1 {
				t.Errorf("re-INVITE 200 not ACKed")
			}
			if updates+invites > 0 && se != "2;refresher=uac" {
				t.Errorf("refresh Session-Expires = %q, want 2;refresher=uac", se)
			}
			if byes != 0 {
				t.Errorf("server sent BYE")
			}
			if st := srv.SessionTimerStats(); st.Refreshed < tc.wantRefreshedAtMin || st.Expired != 0 {
				t.Errorf("stats %+v", st)
			}
			if err := sess.Bye(ctx); err != nil {
				t.Fatal(err)
			}
			waitClosed(t, c.Done(), "call end")
		})
	}
}

func TestExtensionsInInvite(t *testing.T) {
	for _, tc := range []struct {
		name      string
		hdrs      []sipmsg.Header
		want      int
		want180   bool
		wantHdr   string
		wantValue string
	}{
		{"supported 100rel rings", []sipmsg.Header{sipmsg.NewHeader("Supported", "100rel, timer")}, 200, true, "Session-Expires", "1800;refresher=uas"},
		{"require 100rel answers without 1xx", []sipmsg.Header{sipmsg.NewHeader("Require", "100rel")}, 200, false, "Supported", "timer"},
		{"require unknown", []sipmsg.Header{sipmsg.NewHeader("Require", "100rel, precondition")}, 420, false, "Unsupported", "precondition"},
		{"interval below Min-SE", []sipmsg.Header{sipmsg.NewHeader("Supported", "timer"), sipmsg.NewHeader("Session-Expires", "60")}, 422, false, "Min-SE", "90"},
		{"proxy-set small interval raised", []sipmsg.Header{sipmsg.NewHeader("Session-Expires", "60")}, 200, true, "Session-Expires", "90;refresher=uas"},
		{"no timer", nil, 200, true, "Session-Expires", ""},
		{"malformed Session-Expires ignored", []sipmsg.Header{sipmsg.NewHeader("Session-Expires", "soon")}, 200, true, "Session-Expires", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := make(chan *dsip.Call, 1)
			srv := startServer(t, dsip.Config{AnswerDelay: 50 * time.Millisecond}, func(ctx context.Context, c *dsip.Call) {
				calls <- c
			})
			p := newTimerPeer(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, res, prov := p.invite(ctx, srv.Addr(), tc.hdrs...)
			if res.StatusCode != tc.want {
				t.Fatalf("answered %d, want %d", res.StatusCode, tc.want)
			}
			rang := false
			for _, r := range prov {
				if r.StatusCode == 180 {
					rang = true
				}
			}
			if rang != tc.want180 {
				t.Errorf("180 sent: %v, want %v", rang, tc.want180)
			}
			if got := hdr(res, tc.wantHdr); got != tc.wantValue {
				t.Errorf("%s = %q, want %q", tc.wantHdr, got, tc.wantValue)
			}
			if tc.want == 200 {
				c := waitCall(t, calls)
				waitClosed(t, c.Done(), "call end")
			}
		})
	}
}

func TestParseRefresher(t *testing.T) {
	for _, r := range []dsip.Refresher{dsip.RefresherUAC, dsip.RefresherUAS} {
		got, err := dsip.ParseRefresher(strings.ToUpper(r.String()))
		if err != nil || got != r {
			t.Errorf("ParseRefresher(%q) = %v, %v", r, got, err)
		}
	}
	if _, err := dsip.ParseRefresher("proxy"); err == nil {
		t.Error("ParseRefresher(proxy) did not fail")
	}
	if dsip.RefresherUnknown.String() != "unknown" || dsip.Refresher(9).String() != "unknown" {
		t.Error("unknown refresher names")
	}
}

// A stranger's in-dialog request for a dialog that does not exist gets
// 403 like its INVITE (nothing to tell guessed dialogs apart); a trusted
// peer gets 481 (RFC 3261 §12.2.2).
func TestStrayInDialogRequests(t *testing.T) {
	for _, tc := range []struct {
		name  string
		trust string
		want  int
	}{
		{"stranger", "10.0.0.0/8", 403},
		{"trusted", "127.0.0.0/8", 481},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := guard.New(guard.Config{Trust: []netip.Prefix{netip.MustParsePrefix(tc.trust)}})
			if err != nil {
				t.Fatal(err)
			}
			srv := startServer(t, dsip.Config{Guard: g}, func(context.Context, *dsip.Call) {})
			u := newUAC(t)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for _, m := range []sipmsg.RequestMethod{sipmsg.BYE, sipmsg.UPDATE, sipmsg.INFO, sipmsg.CANCEL} {
				if res := u.request(ctx, m, srv.Addr()); res.StatusCode != tc.want {
					t.Errorf("%s answered %d, want %d", m, res.StatusCode, tc.want)
				}
			}
		})
	}
}

// A call that began without a timer gets one from the caller's UPDATE,
// and the server ends it when that timer's refreshes stop.
func TestSessionTimerStartedMidCall(t *testing.T) {
	t.Parallel() // waits out session intervals
	srv, calls := timerServer(t, 30*time.Second)
	p := newTimerPeer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, res, _ := p.invite(ctx, srv.Addr())
	if res.StatusCode != 200 || hdr(res, "Session-Expires") != "" {
		t.Fatalf("INVITE answered %d with Session-Expires %q", res.StatusCode, hdr(res, "Session-Expires"))
	}
	c := waitCall(t, calls)
	req := sipmsg.NewRequest(sipmsg.UPDATE, res.Contact().Address)
	req.AppendHeader(sipmsg.NewHeader("Session-Expires", "2;refresher=uac"))
	req.AppendHeader(sipmsg.NewHeader("Supported", "timer"))
	ur, err := sess.Do(ctx, req)
	if err != nil || ur.StatusCode != 200 || hdr(ur, "Session-Expires") != "2;refresher=uac" {
		t.Fatalf("UPDATE: %v %v", ur, err)
	}
	waitClosed(t, p.byes, "BYE after the session expired")
	waitClosed(t, c.Done(), "call end")
	if st := srv.SessionTimerStats(); st.Expired != 1 {
		t.Errorf("Expired = %d, want 1", st.Expired)
	}
}
