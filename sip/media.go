package sip

import (
	"bytes"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/dezura/dezura/prompts"
	"github.com/dezura/dezura/sip/uring"
)

// rtpHeaderSize is the size of the RTP fixed header we send (no CSRC, no
// extension; RFC 3550 §5.1).
const rtpHeaderSize = 12

// silence frames, one per law (0xff is μ-law zero, 0xd5 A-law zero).
var (
	silenceUlaw = bytes.Repeat([]byte{0xff}, prompts.FrameSize)
	silenceAlaw = bytes.Repeat([]byte{0xd5}, prompts.FrameSize)
)

func silenceFrame(law prompts.Law) []byte {
	if law == prompts.Alaw {
		return silenceAlaw
	}
	return silenceUlaw
}

// sentFrames is how many of the frames a call sent its receiver can still
// read for the echo canceller: 320 ms, eight of its reads (every other
// tick) and more.
const sentFrames = 16

// sentLog holds the payloads of the last sentFrames slots of a call's
// stream, for the in-band detector's echo canceller: the service knows
// what the caller's line may echo. The payloads are the clips' own frames
// (never modified) or nil for silence and for slots not sent, so logging
// one copies a slice header and allocates nothing.
type sentLog struct {
	frames [sentFrames][]byte
	slots  uint64 // slots logged
}

func (l *sentLog) add(payload []byte) {
	l.frames[l.slots%sentFrames] = payload
	l.slots++
}

// playlist is what a call is playing: clips in order, the position, and
// the channel Play returned.
type playlist struct {
	clips []*prompts.Clip
	clip  int
	frame int
	done  chan struct{}
}

// outbound is the sending half of a call's media: the playlist, the RTP
// numbering and a reused packet buffer. The scheduler calls tick every
// 20 ms; Play and StopPlayback may be called from any goroutine.
type outbound struct {
	conn *rtpConn
	law  prompts.Law
	pt   uint8

	mu     sync.Mutex
	dest   netip.AddrPort // where to send; replaced once by latching
	play   *playlist
	closed bool
	log    sentLog // what was sent, for the receiver's echo canceller

	// Touched only by the scheduler goroutine that owns this call.
	st     stream
	ending chan struct{} // done of a playlist whose last frame is being sent; see frameSent
	buf    [rtpHeaderSize + prompts.FrameSize]byte
	tx     uring.Msg // the packet's sendmsg header while a send ring holds it

	sent     atomic.Uint64
	sendErrs atomic.Uint64
	skipped  atomic.Uint64

	// rx, once set, is the call's reception, read by the shard after each
	// tick (see Call.pollLoop).
	rx atomic.Pointer[pollState]
}

func newOutbound(conn *rtpConn, law prompts.Law, pt uint8, dest netip.AddrPort, st stream) *outbound {
	return &outbound{conn: conn, law: law, pt: pt, dest: dest, st: st}
}

// setPlaylist replaces the playlist and returns its done channel. The
// previous playlist's channel is closed.
func (o *outbound) setPlaylist(clips []*prompts.Clip) <-chan struct{} {
	done := make(chan struct{})
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.play != nil {
		close(o.play.done)
		o.play = nil
	}
	if o.closed || len(clips) == 0 {
		close(done)
		return done
	}
	o.play = &playlist{clips: clips, done: done}
	o.skipEmpty(o.play)
	if o.play.clip >= len(o.play.clips) {
		close(done)
		o.play = nil
	}
	return done
}

// skipEmpty moves p past clips with no frames.
func (o *outbound) skipEmpty(p *playlist) {
	for p.clip < len(p.clips) && (p.clips[p.clip] == nil || p.frame >= p.clips[p.clip].Frames()) {
		p.clip++
		p.frame = 0
	}
}

// stop ends the current playlist (its channel is closed); silence follows.
func (o *outbound) stop() {
	o.mu.Lock()
	if o.play != nil {
		close(o.play.done)
		o.play = nil
	}
	o.mu.Unlock()
}

// current returns the done channel of the playlist playing, or nil.
func (o *outbound) current() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.play == nil {
		return nil
	}
	return o.play.done
}

// close stops playback for good.
func (o *outbound) close() {
	o.mu.Lock()
	o.closed = true
	if o.play != nil {
		close(o.play.done)
		o.play = nil
	}
	o.mu.Unlock()
}

// setCodec sets the codec and destination once a late offer has been
// answered; it is called before the scheduler first sees o.
func (o *outbound) setCodec(law prompts.Law, pt uint8, dest netip.AddrPort) {
	o.mu.Lock()
	o.law, o.pt, o.dest = law, pt, dest
	o.mu.Unlock()
}

// latch sets the destination to the caller's observed RTP source
// (symmetric RTP, RFC 4961).
func (o *outbound) latch(to netip.AddrPort) {
	o.mu.Lock()
	o.dest = to
	o.mu.Unlock()
}

// nextFrame picks the payload for this tick and advances the playlist.
func (o *outbound) nextFrame() (payload []byte, dest netip.AddrPort, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil, dest, false
	}
	dest = o.dest
	p := o.play
	if p == nil {
		o.log.add(nil)
		return silenceFrame(o.law), dest, true
	}
	payload = p.clips[p.clip].Frame(o.law, p.frame)
	o.log.add(payload)
	p.frame++
	o.skipEmpty(p)
	if p.clip >= len(p.clips) {
		// The playlist is over once this frame has been sent, not
		// before: Hangup waits on done and then closes the socket, so
		// closing it here could cut the prompt's last frame.
		o.ending = p.done
		o.play = nil
	}
	return payload, dest, true
}

// logSkipped logs n slots the scheduler could not send: the caller heard
// nothing, so nothing can echo.
func (o *outbound) logSkipped(n int) {
	o.mu.Lock()
	for range min(n, sentFrames) {
		o.log.add(nil)
	}
	o.log.slots += uint64(max(n-sentFrames, 0))
	o.mu.Unlock()
}

// sentSince copies to dst the payloads of the slots sent from slot next on
// (nil for silence or a slot not sent) and returns the slot the first
// stands for and how many there are; slots the log no longer holds are
// left out (from > next: the caller takes them as silence).
func (o *outbound) sentSince(next uint64, dst *[sentFrames][]byte) (from uint64, n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	from = max(next, o.log.slots-min(o.log.slots, sentFrames))
	for s := from; s < o.log.slots; s++ {
		dst[n] = o.log.frames[s%sentFrames]
		n++
	}
	return from, n
}

// frameSent is called by the shard once this tick's frames have been
// sent (or given up): it closes the done channel of a playlist that
// ended with this call's frame.
func (o *outbound) frameSent() {
	if o.ending != nil {
		close(o.ending)
		o.ending = nil
	}
}

// tick sends one frame; skipped is the number of earlier frames the
// scheduler could not send in time. It allocates nothing.
func (o *outbound) tick(skipped int) {
	pkt, dest, ok := o.nextPacket(skipped)
	if !ok {
		return
	}
	o.sendResult(o.conn.WriteToUDPAddrPort(pkt, dest))
}

// nextPacket accounts for skipped frames and builds this tick's packet
// into the reused buffer; ok is false when there is nothing to send.
func (o *outbound) nextPacket(skipped int) (pkt []byte, dest netip.AddrPort, ok bool) {
	if skipped > 0 {
		o.st.skip(skipped)
		o.skipped.Add(uint64(skipped))
		o.logSkipped(skipped)
	}
	payload, dest, ok := o.nextFrame()
	if !ok {
		return nil, dest, false
	}
	if !dest.IsValid() {
		o.st.skip(1) // nowhere to send yet (c=0.0.0.0, not latched)
		return nil, dest, false
	}
	return o.packet(payload), dest, true
}

// sendResult counts one send.
func (o *outbound) sendResult(_ int, err error) {
	if err != nil {
		o.sendErrs.Add(1)
		return
	}
	o.sent.Add(1)
}

// packet builds the next RTP packet into the reused buffer.
func (o *outbound) packet(payload []byte) []byte {
	h := o.st.header(o.pt)
	n, _ := h.MarshalTo(o.buf[:rtpHeaderSize]) // cannot fail: 12 bytes fit
	n += copy(o.buf[n:], payload)
	return o.buf[:n]
}
