package sip

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/dezura/dezura/dtmf"
	"github.com/dezura/dezura/prompts"
	"github.com/zaf/g711"
)

// readLoop reads the call's RTP socket until it is closed, feeding DTMF
// detectors, latching the caller's address, and ending the call when no
// valid RTP arrives for timeout. One goroutine per call: a blocking read
// costs nothing while idle.
func (c *Call) readLoop(timeout time.Duration) {
	buf := make([]byte, maxRTPPacket+1) // one more to see oversized datagrams
	in := newInbound(c.media, c.media.Remote.Addr(), c.sigSource)
	var rx *dtmf.Receiver
	if c.media.Events && c.acceptsEvents() {
		rx = dtmf.NewReceiver(c.media.EventClock)
	}
	var det *inbandDecoder
	if c.mode == DTMFAuto || c.mode == DTMFInband {
		det = newInbandDecoder(c.media.Law)
	}
	defer func() {
		if c.rxDropped.Load() > 0 {
			attrs := make([]any, 0, 2*int(dropReasons))
			for r := dropShort; r < dropReasons; r++ {
				if in.drops[r] > 0 {
					attrs = append(attrs, r.String(), in.drops[r])
				}
			}
			c.log.Info("RTP packets dropped", attrs...)
		}
	}()
	// The read deadline is moved forward at most every refresh (a syscall
	// per packet would be waste); when it fires early relative to the last
	// valid packet, it is set again from that packet.
	refresh := min(time.Second, timeout/4)
	lastValid := time.Now()
	lastRefresh := lastValid
	if err := c.conn.SetReadDeadline(lastValid.Add(timeout)); err != nil {
		return // socket already closed: the call is ending
	}
	for {
		n, from, err := c.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				return // closed: the call is ending
			}
			if quiet := time.Since(lastValid); quiet < timeout {
				if c.conn.SetReadDeadline(lastValid.Add(timeout)) != nil {
					return
				}
				continue
			}
			c.log.Info("no RTP from caller", "timeout", timeout.String())
			_ = c.terminate(EndRTPTimeout, true) // logged inside
			return
		}
		now := time.Now()
		v := in.handle(buf[:n], unmapAP(from), now)
		if v.drop != dropNone {
			if c.rxDropped.Add(1) == 1 {
				c.log.Debug("RTP packet dropped", "reason", v.drop.String(), "from", from.String())
			}
			continue
		}
		c.rxAccepted.Add(1)
		lastValid = now
		c.infoTick(now)
		if now.Sub(lastRefresh) >= refresh {
			if err := c.conn.SetReadDeadline(now.Add(timeout)); err != nil {
				return
			}
			lastRefresh = now
		}
		if v.latched {
			c.out.latch(unmapAP(from))
			c.log.Debug("RTP source latched", "from", from.String())
		}
		switch v.kind {
		case kindEvent:
			if rx == nil {
				continue
			}
			ev, ok := rx.Process(dtmf.Packet{
				SSRC: v.header.SSRC, Seq: v.header.SequenceNumber, Timestamp: v.header.Timestamp,
				Marker: v.header.Marker, Payload: v.payload, Arrival: now,
			})
			if ok {
				ev.Transport = dtmf.TransportRFC4733
				c.deliver(ev, now)
			}
		case kindAudio:
			if rx != nil {
				rx.Tick(now)
			}
			// While an RFC 4733 event is in progress its tone may also be
			// in the audio: do not count the key twice.
			if det == nil || !c.inbandOn() || (rx != nil && rx.Active()) {
				continue
			}
			det.feed(v.payload, func(ev dtmf.Event) {
				ev.Transport = dtmf.TransportInband
				c.deliver(ev, now)
			})
		}
	}
}

// inbandDecoder decodes G.711 to linear PCM into 20 ms frames for the
// in-band detector, only while in-band detection runs. It allocates
// nothing per packet.
type inbandDecoder struct {
	law prompts.Law
	pcm []int16
	det *dtmf.Detector
}

func newInbandDecoder(law prompts.Law) *inbandDecoder {
	return &inbandDecoder{law: law, pcm: make([]int16, 0, prompts.FrameSize), det: dtmf.NewDetector()}
}

// feed decodes payload and runs the detector on every full frame.
func (d *inbandDecoder) feed(payload []byte, emit func(dtmf.Event)) {
	for _, b := range payload {
		if d.law == prompts.Alaw {
			d.pcm = append(d.pcm, g711.DecodeAlawFrame(b))
		} else {
			d.pcm = append(d.pcm, g711.DecodeUlawFrame(b))
		}
		if len(d.pcm) == prompts.FrameSize {
			if ev, ok := d.det.Process(d.pcm); ok {
				emit(ev)
			}
			d.pcm = d.pcm[:0]
		}
	}
}

// unmapAP turns an IPv4-mapped IPv6 source into plain IPv4.
func unmapAP(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
