package sip_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/zaf/g711"

	"github.com/dezura/dezura/dtmf"
	"github.com/dezura/dezura/ivr"
	dsip "github.com/dezura/dezura/sip"
)

// The compile-time check that a sip.Call is what the call flows need.
var _ ivr.Call = (*dsip.Call)(nil)

var quiet = slog.New(slog.DiscardHandler)

// uac is a small test caller built on sipgo's dialog client, with its own
// RTP socket on 127.0.0.1.
type uac struct {
	t       *testing.T
	ua      *sipgo.UserAgent
	cli     *sipgo.Client
	dc      *sipgo.DialogClientCache
	sipConn *net.UDPConn
	rtp     *net.UDPConn
	byes    chan string // Call-IDs of BYEs the server sent us
	audio   chan []byte // PCMU frames to send before silence

	mu   sync.Mutex
	rcvd []rtpArrival

	stopSend chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

type rtpArrival struct {
	h       rtp.Header
	payload []byte
	at      time.Time
}

func newUAC(t *testing.T) *uac {
	t.Helper()
	u := newUACNoCleanup(t)
	t.Cleanup(u.close)
	return u
}

// close stops the caller and waits for its goroutines.
func (u *uac) close() {
	u.stopRTP()
	_ = u.ua.Close()
	_ = u.sipConn.Close()
	_ = u.rtp.Close()
	u.wg.Wait()
}

func newUACNoCleanup(t *testing.T) *uac {
	t.Helper()
	ua, srv, cli, conn, port := newEndpoint(t, "test-uac")
	rtpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	u := &uac{
		t: t, ua: ua, cli: cli, sipConn: conn, rtp: rtpConn,
		dc:       sipgo.NewDialogClientCache(cli, sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: "uac", Host: "127.0.0.1", Port: port}}),
		byes:     make(chan string, 16),
		audio:    make(chan []byte, 4096),
		stopSend: make(chan struct{}),
	}
	srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if err := u.dc.ReadBye(req, tx); err != nil {
			_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 481, "No Such Call", nil))
			return
		}
		u.byes <- req.CallID().Value()
	})
	u.wg.Go(func() { _ = srv.ServeUDP(conn) })
	for ua.TransportLayer().Pool("udp").Size() == 0 {
		time.Sleep(time.Millisecond)
	}
	u.wg.Go(u.readRTP)
	return u
}

func (u *uac) readRTP() {
	buf := make([]byte, 2048)
	for {
		n, err := u.rtp.Read(buf)
		if err != nil {
			return
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil {
			continue
		}
		u.mu.Lock()
		u.rcvd = append(u.rcvd, rtpArrival{h: p.Header, payload: append([]byte(nil), p.Payload...), at: time.Now()})
		u.mu.Unlock()
	}
}

func (u *uac) received() []rtpArrival {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]rtpArrival(nil), u.rcvd...)
}

func (u *uac) rtpPort() int { return u.rtp.LocalAddr().(*net.UDPAddr).Port }

// offer returns an SDP offer for our RTP socket with the given formats.
func (u *uac) offer(formats string, attrs ...string) []byte {
	s := fmt.Sprintf("v=0\r\no=uac 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP %s\r\n", u.rtpPort(), formats)
	for _, a := range attrs {
		s += a + "\r\n"
	}
	return []byte(s)
}

// invite sends an INVITE with body to srv and waits for the final answer.
// It does not ACK.
func (u *uac) invite(ctx context.Context, srv net.Addr, from string, body []byte, opts sipgo.AnswerOptions) (*sipgo.DialogClientSession, error) {
	a := srv.(*net.UDPAddr)
	to := sipmsg.Uri{Scheme: "sip", User: "0120123456", Host: a.IP.String(), Port: a.Port}
	fromHdr := &sipmsg.FromHeader{Address: sipmsg.Uri{Scheme: "sip", User: from, Host: "127.0.0.1"}, Params: sipmsg.NewParams()}
	fromHdr.Params.Add("tag", sipmsg.GenerateTagN(16))
	hdrs := []sipmsg.Header{fromHdr}
	if body != nil {
		hdrs = append(hdrs, sipmsg.NewHeader("Content-Type", "application/sdp"))
	}
	sess, err := u.dc.Invite(ctx, to, body, hdrs...)
	if err != nil {
		return nil, err
	}
	return sess, sess.WaitAnswer(ctx, opts)
}

// call places a call that must be answered, ACKs it and returns the
// session and the negotiated server RTP address.
func (u *uac) call(ctx context.Context, srv net.Addr, body []byte) (*sipgo.DialogClientSession, netip.AddrPort) {
	u.t.Helper()
	sess, err := u.invite(ctx, srv, "09012345678", body, sipgo.AnswerOptions{})
	if err != nil {
		u.t.Fatalf("INVITE: %v", err)
	}
	if err := sess.Ack(ctx); err != nil {
		u.t.Fatalf("ACK: %v", err)
	}
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(sess.InviteResponse.Body()); err != nil {
		u.t.Fatalf("answer SDP: %v", err)
	}
	ip := netip.MustParseAddr(sd.ConnectionInformation.Address.Address)
	return sess, netip.AddrPortFrom(ip, uint16(sd.MediaDescriptions[0].MediaName.Port.Value))
}

// queueAudio queues 8 kHz linear samples to be sent as PCMU by sendAudio.
func (u *uac) queueAudio(pcm []int16) {
	for len(pcm) > 0 {
		n := min(160, len(pcm))
		f := make([]byte, 160)
		for i := range f {
			f[i] = 0xff
		}
		for i, v := range pcm[:n] {
			f[i] = g711.EncodeUlawFrame(v)
		}
		u.audio <- f
		pcm = pcm[n:]
	}
}

// sendAudio sends 20 ms PCMU frames to dst until stopRTP: the queued
// audio, else silence.
func (u *uac) sendAudio(dst netip.AddrPort) {
	u.wg.Go(func() {
		st := rtp.Header{Version: 2, PayloadType: 0, SSRC: 0x1234, SequenceNumber: 1}
		silence := make([]byte, 160)
		for i := range silence {
			silence[i] = 0xff
		}
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-u.stopSend:
				return
			case <-t.C:
			}
			payload := silence
			select {
			case payload = <-u.audio:
			default:
			}
			p := rtp.Packet{Header: st, Payload: payload}
			b, _ := p.Marshal()
			if _, err := u.rtp.WriteToUDPAddrPort(b, dst); err != nil {
				return
			}
			st.SequenceNumber++
			st.Timestamp += 160
		}
	})
}

func (u *uac) stopRTP() { u.stopOnce.Do(func() { close(u.stopSend) }) }

// sendDigit sends one RFC 4733 key press (start, 4 updates, 3 redundant
// end packets; RFC 4733 §2.5.1) with payload type pt.
func (u *uac) sendDigit(dst netip.AddrPort, pt uint8, key byte, seq *uint16, ts uint32) {
	u.t.Helper()
	code, ok := dtmf.EventForKey(key)
	if !ok {
		u.t.Fatalf("bad key %q", key)
	}
	send := func(dur uint16, end, marker bool) {
		ev := dtmf.TelephoneEvent{Event: code, End: end, Volume: 10, Duration: dur}
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SSRC: 0x1234, SequenceNumber: *seq, Timestamp: ts, Marker: marker}, Payload: ev.Marshal(nil)}
		*seq++
		b, _ := p.Marshal()
		if _, err := u.rtp.WriteToUDPAddrPort(b, dst); err != nil {
			u.t.Fatal(err)
		}
	}
	for i := range 5 {
		send(uint16(160*(i+1)), false, i == 0)
	}
	for range 3 {
		send(800, true, false)
	}
}

// request sends an out-of-dialog request and returns the final response.
func (u *uac) request(ctx context.Context, method sipmsg.RequestMethod, srv net.Addr) *sipmsg.Response {
	u.t.Helper()
	a := srv.(*net.UDPAddr)
	req := sipmsg.NewRequest(method, sipmsg.Uri{Scheme: "sip", User: "ivr", Host: a.IP.String(), Port: a.Port})
	res, err := u.cli.Do(ctx, req)
	if err != nil {
		u.t.Fatalf("%s: %v", method, err)
	}
	return res
}

// startServer runs a sip.Server on 127.0.0.1:0 until the test ends.
func startServer(t *testing.T, cfg dsip.Config, handle func(context.Context, *dsip.Call)) *dsip.Server {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	s, err := dsip.NewServer(cfg, handle)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx) }()
	select {
	case <-s.Ready():
	case err := <-errc:
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Serve returned %v", err)
		}
	})
	return s
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func hasLine(body []byte, line string) bool {
	for _, l := range strings.Split(string(body), "\r\n") {
		if l == line {
			return true
		}
	}
	return false
}

// info sends a SIP INFO in the dialog and returns the response code.
func (u *uac) info(ctx context.Context, sess *sipgo.DialogClientSession, contentType, body string) int {
	u.t.Helper()
	req := sipmsg.NewRequest(sipmsg.INFO, sess.InviteResponse.Contact().Address)
	req.AppendHeader(sipmsg.NewHeader("Content-Type", contentType))
	req.SetBody([]byte(body))
	res, err := sess.Do(ctx, req)
	if err != nil {
		u.t.Fatalf("INFO: %v", err)
	}
	return res.StatusCode
}

// newEndpoint is a quiet sipgo user agent on its own UDP socket on
// 127.0.0.1 (port chosen at run time), with a server and a client that
// send from that socket: the base of the test callers and peers.
func newEndpoint(t *testing.T, name string) (*sipgo.UserAgent, *sipgo.Server, *sipgo.Client, *net.UDPConn, int) {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent(name), sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(quiet)),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(quiet)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(quiet), sipgo.WithClientConnectionAddr(conn.LocalAddr().String()),
		sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientPort(port))
	if err != nil {
		t.Fatal(err)
	}
	return ua, srv, cli, conn, port
}
