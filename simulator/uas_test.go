package simulator

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dezura/dezura/dtmf"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"
)

// uasStep is one prompt of the test service and the digits it then waits for.
type uasStep struct {
	prompt time.Duration // length of the tone burst played
	want   int           // digits to collect; 0 with term collects until '#'
	term   bool          // collect until '#'
}

// uasConfig says how the in-test service behaves.
type uasConfig struct {
	steps     []uasStep
	final     time.Duration // closing prompt before the service hangs up
	ringOnly  bool          // send 180 and never answer
	noHangup  bool          // never send BYE
	burstBye  bool          // send the final prompt's frames at once and BYE right after them
	digitWait time.Duration // give up waiting for a step's digits (default 5 s)
}

// uasDigit is a digit the service received.
type uasDigit struct {
	key         byte
	step        int
	promptEnded bool // the prompt of that step had finished (or been cut) before the digit
	bargeIn     bool // the digit stopped the prompt
}

// uasCall is what the test service saw of one call.
type uasCall struct {
	digits     []uasDigit
	cancelled  bool
	remoteBye  bool // the caller sent BYE
	answered   bool
	codec      Codec
	eventPT    uint8
	rtpPackets int
}

// testUAS is a minimal SIP/RTP service written with sipgo for testing the
// simulator: it answers with SDP, plays tone bursts as prompts, collects
// DTMF by RFC 4733, in-band tones or SIP INFO, and hangs up.
type testUAS struct {
	t     *testing.T
	cfg   uasConfig
	addr  string
	ua    *sipgo.UserAgent
	cache *sipgo.DialogServerCache
	conn  net.PacketConn
	wg    sync.WaitGroup

	mu   sync.Mutex
	info map[string]chan byte // Call-ID -> INFO digits
	byes map[string]chan struct{}
	done chan *uasCall
}

func startUAS(t *testing.T, cfg uasConfig) *testUAS {
	t.Helper()
	if cfg.digitWait == 0 {
		cfg.digitWait = 10 * time.Second
	}
	lg := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("test-uas"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(lg)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(lg),
			sip.WithTransactionLayerUnhandledResponseHandler(func(*sip.Response) {})))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(lg))
	if err != nil {
		t.Fatal(err)
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientLogger(lg), sipgo.WithClientHostname("127.0.0.1"),
		sipgo.WithClientConnectionAddr(conn.LocalAddr().String()))
	if err != nil {
		t.Fatal(err)
	}
	u := &testUAS{t: t, cfg: cfg, ua: ua, conn: conn,
		addr:  fmt.Sprintf("sip:ivr@127.0.0.1:%d", port),
		cache: sipgo.NewDialogServerCache(cli, sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "ivr", Host: "127.0.0.1", Port: port}}),
		info:  map[string]chan byte{}, byes: map[string]chan struct{}{},
		done: make(chan *uasCall, 256),
	}
	srv.OnInvite(u.onInvite)
	srv.OnAck(func(req *sip.Request, tx sip.ServerTransaction) { _ = u.cache.ReadAck(req, tx) })
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		if err := u.cache.ReadBye(req, tx); err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
			return
		}
		u.mu.Lock()
		if ch, ok := u.byes[req.CallID().Value()]; ok {
			close(ch)
			delete(u.byes, req.CallID().Value())
		}
		u.mu.Unlock()
	})
	srv.OnInfo(func(req *sip.Request, tx sip.ServerTransaction) {
		ev, ok := parseRelay(req.Body())
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		u.mu.Lock()
		ch := u.info[req.CallID().Value()]
		u.mu.Unlock()
		if ok && ch != nil {
			ch <- ev
		}
	})
	u.wg.Go(func() { _ = srv.ServeUDP(conn) })
	if err := awaitTransport(context.Background(), ua, conn.LocalAddr().String()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = ua.Close()
		_ = conn.Close()
		u.wg.Wait()
	})
	return u
}

// parseRelay reads "Signal=<key>" from an application/dtmf-relay body.
func parseRelay(b []byte) (byte, bool) {
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "Signal") && len(strings.TrimSpace(v)) == 1 {
			return strings.TrimSpace(v)[0], true
		}
	}
	return 0, false
}

// wait returns the record of the next finished call.
func (u *testUAS) wait(t *testing.T) *uasCall {
	t.Helper()
	select {
	case c := <-u.done:
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("test service: no call finished")
		return nil
	}
}

func (u *testUAS) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	rec := &uasCall{}
	dlg, err := u.cache.ReadInvite(req, tx)
	if err != nil {
		u.t.Errorf("ReadInvite: %v", err)
		return
	}
	_ = dlg.Respond(100, "Trying", nil)
	offer, err := parseAnswer(req.Body(), []Codec{CodecPCMU, CodecPCMA})
	if err != nil {
		_ = dlg.Respond(488, "Not Acceptable Here", nil)
		dlg.Close()
		u.done <- rec
		return
	}
	if u.cfg.ringOnly {
		_ = dlg.Respond(180, "Ringing", nil)
		<-tx.Done() // ends with the CANCEL's 487 or a timeout
		rec.cancelled = tx.Err() != nil
		dlg.Close()
		u.done <- rec
		return
	}
	rtpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		u.t.Errorf("listen RTP: %v", err)
		return
	}
	rec.codec, rec.eventPT, rec.answered = offer.Codec, offer.EventPT, true
	ans := fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP %d %d\r\na=rtpmap:%d %s/8000\r\na=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\na=ptime:20\r\n",
		rtpConn.LocalAddr().(*net.UDPAddr).Port, offer.PT, offer.EventPT, offer.PT, offer.Codec, offer.EventPT, offer.EventPT)
	callID := req.CallID().Value()
	infoCh := make(chan byte, 32)
	byeCh := make(chan struct{})
	u.mu.Lock()
	u.info[callID] = infoCh
	u.byes[callID] = byeCh
	u.mu.Unlock()
	if err := dlg.RespondSDP([]byte(ans)); err != nil {
		u.t.Errorf("respond 200: %v", err)
		rtpConn.Close()
		return
	}
	u.wg.Go(func() {
		defer rtpConn.Close()
		defer dlg.Close()
		u.serveCall(dlg, rec, offer, rtpConn, infoCh, byeCh)
		u.done <- rec
	})
}

// serveCall runs the prompt/collect script of one answered call.
func (u *testUAS) serveCall(dlg *sipgo.DialogServerSession, rec *uasCall, offer answer, conn *net.UDPConn, infoCh <-chan byte, byeCh <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	var playing playState
	digits := make(chan byte, 64)
	wg.Go(func() { uasSend(ctx, conn, offer, &playing) })
	wg.Go(func() { rec.rtpPackets = uasRecv(ctx, conn, offer, digits) })
	wg.Go(func() {
		for {
			select {
			case k := <-infoCh:
				select {
				case digits <- k:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	})
	play := func(d time.Duration) { playing.start(d) }
	for i, st := range u.cfg.steps {
		play(st.prompt)
		got := 0
		for {
			if (st.term && got > 0 && rec.digits[len(rec.digits)-1].key == '#') || (!st.term && got >= st.want) {
				break
			}
			t := time.NewTimer(u.cfg.digitWait)
			select {
			case k := <-digits:
				t.Stop()
				cut := playing.stop()
				rec.digits = append(rec.digits, uasDigit{key: k, step: i, promptEnded: !cut, bargeIn: cut})
				got++
			case <-byeCh:
				t.Stop()
				rec.remoteBye = true
				return
			case <-t.C:
				if !u.cfg.noHangup {
					u.bye(dlg)
					return
				}
			}
		}
	}
	if u.cfg.burstBye {
		playing.startBurst(u.cfg.final)
		for playing.active() {
			time.Sleep(time.Millisecond)
		}
		u.bye(dlg)
		return
	}
	play(u.cfg.final)
	for playing.active() {
		select {
		case <-byeCh:
			rec.remoteBye = true
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	if u.cfg.noHangup {
		<-byeCh
		rec.remoteBye = true
		return
	}
	// The final prompt's silence, then hang up.
	select {
	case <-byeCh:
		rec.remoteBye = true
		return
	case <-time.After(200 * time.Millisecond):
	}
	u.bye(dlg)
}

func (u *testUAS) bye(dlg *sipgo.DialogServerSession) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := dlg.Bye(ctx); err != nil {
		u.t.Errorf("service BYE: %v", err)
	}
}

// playState is the prompt being played, shared by the script and the
// sender. It counts frames, not wall time, so a busy test machine delays a
// prompt but never shortens it.
type playState struct {
	mu     sync.Mutex
	frames int  // tone frames still to send
	burst  bool // send them all on the next tick
}

// startBurst plays d as a burst: every frame on the next tick.
func (p *playState) startBurst(d time.Duration) {
	p.mu.Lock()
	p.frames, p.burst = int(d/(20*time.Millisecond)), true
	p.mu.Unlock()
}

// burstLeft is the frames still to send if they go as a burst, else 0.
func (p *playState) burstLeft() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.burst {
		return 0
	}
	return p.frames
}

func (p *playState) start(d time.Duration) {
	p.mu.Lock()
	p.frames, p.burst = int(d/(20*time.Millisecond)), false
	p.mu.Unlock()
}

// stop cuts the prompt and reports whether it was still playing.
func (p *playState) stop() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	was := p.frames > 0
	p.frames = 0
	return was
}

func (p *playState) active() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frames > 0
}

// take reports whether the next frame is a tone frame, and counts it.
func (p *playState) take() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frames > 0 {
		p.frames--
		return true
	}
	return false
}

// uasSend sends 20 ms frames: a 440 Hz tone while a prompt plays, silence otherwise.
func uasSend(ctx context.Context, conn *net.UDPConn, offer answer, playing *playState) {
	tk := time.NewTicker(20 * time.Millisecond)
	defer tk.Stop()
	var seq uint16 = 1000
	var ts uint32 = 5000
	n := 0
	pcm := make([]int16, samplesPerFrame)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		for range max(1, playing.burstLeft()) {
			uasFrame(conn, offer, playing.take(), pcm, &n, &seq, &ts)
		}
	}
}

// uasFrame sends one 20 ms frame, tone if on, else silence.
func uasFrame(conn *net.UDPConn, offer answer, on bool, pcm []int16, n *int, seq *uint16, ts *uint32) {
	for i := range pcm {
		pcm[i] = 0
		if on {
			pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(*n)/8000))
		}
		*n++
	}
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: offer.PT, SequenceNumber: *seq, Timestamp: *ts, SSRC: 0x1234},
		Payload: offer.Codec.encode(nil, pcm)}
	b, _ := p.Marshal()
	_, _ = conn.WriteToUDPAddrPort(b, offer.Addr)
	*seq++
	*ts += samplesPerFrame
}

// uasRecv reads the caller's RTP and reports digits: RFC 4733 events (one
// per event timestamp) and in-band tones (test Goertzel detector).
func uasRecv(ctx context.Context, conn *net.UDPConn, offer answer, digits chan<- byte) int {
	buf := make([]byte, 1500)
	packets := 0
	var lastTS uint32
	seen := false
	var det toneDetector
	for ctx.Err() == nil {
		_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			continue
		}
		var p rtp.Packet
		if p.Unmarshal(buf[:n]) != nil {
			continue
		}
		packets++
		var key byte
		switch p.PayloadType {
		case offer.EventPT:
			var te dtmf.TelephoneEvent
			if te.Unmarshal(p.Payload) != nil || (seen && p.Timestamp == lastTS) {
				continue
			}
			seen, lastTS = true, p.Timestamp
			key, _ = dtmf.KeyForEvent(te.Event)
		case offer.PT:
			key = det.frame(offer.Codec.decode(nil, p.Payload))
		}
		if key != 0 {
			select {
			case digits <- key:
			case <-ctx.Done():
			}
		}
	}
	return packets
}

// toneDetector is a small Goertzel DTMF detector for the test service: a
// key is reported when a frame has one strong row and one strong column
// frequency after a frame without.
type toneDetector struct{ prev byte }

func goertzel(x []int16, f float64) float64 {
	k := 2 * math.Cos(2*math.Pi*f/8000)
	var s1, s2 float64
	for _, v := range x {
		s := float64(v) + k*s1 - s2
		s2, s1 = s1, s
	}
	return s1*s1 + s2*s2 - k*s1*s2
}

func (d *toneDetector) frame(x []int16) byte {
	rows := []float64{697, 770, 852, 941}
	cols := []float64{1209, 1336, 1477, 1633}
	best := func(fs []float64) (int, float64) {
		bi, bp := 0, 0.0
		for i, f := range fs {
			if p := goertzel(x, f); p > bp {
				bi, bp = i, p
			}
		}
		return bi, bp
	}
	r, rp := best(rows)
	c, cp := best(cols)
	var key byte
	const minPower = 1e11
	if rp > minPower && cp > minPower {
		key = "123A456B789C*0#D"[r*4+c]
	}
	out := byte(0)
	if key != 0 && key != d.prev {
		out = key
	}
	d.prev = key
	return out
}
