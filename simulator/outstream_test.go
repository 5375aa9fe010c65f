package simulator

import (
	"testing"

	"github.com/dezura/dezura/dtmf"
	"github.com/pion/rtp"
)

// slots runs n slots of o and returns the parsed packets and results.
func slots(t *testing.T, o *outStream, n int) ([]rtp.Packet, []slotResult) {
	t.Helper()
	var ps []rtp.Packet
	var rs []slotResult
	for range n {
		b, r, err := o.next(nil)
		if err != nil {
			t.Fatal(err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		ps, rs = append(ps, p), append(rs, r)
	}
	return ps, rs
}

func TestOutStreamSilenceClock(t *testing.T) {
	// A 60 s call: 3000 packets, sequence and timestamp wrap cleanly.
	o := newOutStream(CodecPCMA, 8, 101, dtmf.TransportRFC4733, 0xabc, 65000, 0xffffff00)
	ps, _ := slots(t, o, 3000)
	for i, p := range ps {
		if p.SSRC != 0xabc || p.PayloadType != 8 || len(p.Payload) != 160 || p.Payload[0] != 0xD5 {
			t.Fatalf("packet %d: %+v", i, p.Header)
		}
		if p.SequenceNumber != uint16(65000+i) || p.Timestamp != uint32(0xffffff00+uint32(i)*160) {
			t.Fatalf("packet %d: seq %d ts %d", i, p.SequenceNumber, p.Timestamp)
		}
		if p.Marker != (i == 0) {
			t.Fatalf("packet %d marker %v", i, p.Marker)
		}
	}
}

func TestOutStreamRFC4733(t *testing.T) {
	o := newOutStream(CodecPCMU, 0, 96, dtmf.TransportRFC4733, 1, 10, 1000)
	slots(t, o, 2)
	if err := o.startGroup("5#"); err != nil {
		t.Fatal(err)
	}
	if o.startGroup("1") == nil {
		t.Error("second group accepted while busy")
	}
	ps, rs := slots(t, o, 2*keySlots+1)
	type want struct {
		pt     uint8
		ts     uint32
		marker bool
		end    bool
		dur    uint16
		event  uint8
	}
	ev := func(ts uint32, m, e bool, d uint16, code uint8) want { return want{96, ts, m, e, d, code} }
	au := func(slot int) want { return want{pt: 0, ts: 1000 + uint32(2+slot)*160} }
	k1, k2 := uint32(1000+2*160), uint32(1000+12*160)
	// RFC 4733 §2.5.1: start (marker, duration 0), updates every 20 ms,
	// three end packets with the final 100 ms duration, then audio.
	wants := []want{
		ev(k1, true, false, 0, 5), ev(k1, false, false, 160, 5), ev(k1, false, false, 320, 5), ev(k1, false, false, 480, 5),
		ev(k1, false, false, 640, 5), ev(k1, false, true, 800, 5), ev(k1, false, true, 800, 5), ev(k1, false, true, 800, 5), au(8), au(9),
		ev(k2, true, false, 0, 11), ev(k2, false, false, 160, 11), ev(k2, false, false, 320, 11), ev(k2, false, false, 480, 11),
		ev(k2, false, false, 640, 11), ev(k2, false, true, 800, 11), ev(k2, false, true, 800, 11), ev(k2, false, true, 800, 11), au(18), au(19), au(20),
	}
	for i, p := range ps {
		w := wants[i]
		if p.SequenceNumber != uint16(12+i) {
			t.Errorf("slot %d seq %d", i, p.SequenceNumber)
		}
		if p.PayloadType != w.pt || p.Timestamp != w.ts || p.Marker != w.marker {
			t.Errorf("slot %d: pt %d ts %d marker %v, want %+v", i, p.PayloadType, p.Timestamp, p.Marker, w)
			continue
		}
		if w.pt != 96 {
			continue
		}
		var te dtmf.TelephoneEvent
		if err := te.Unmarshal(p.Payload); err != nil {
			t.Fatal(err)
		}
		if te.Event != w.event || te.End != w.end || te.Duration != w.dur || te.Volume != 10 {
			t.Errorf("slot %d: event %+v, want %+v", i, te, w)
		}
	}
	// The service's RFC 4733 receiver gets each key once.
	rcv := dtmf.NewReceiver(8000)
	var got []byte
	for _, p := range ps {
		if p.PayloadType != 96 {
			continue
		}
		if ev, ok := rcv.Process(dtmf.Packet{SSRC: p.SSRC, Seq: p.SequenceNumber, Timestamp: p.Timestamp, Marker: p.Marker, Payload: p.Payload}); ok {
			got = append(got, ev.Key)
		}
	}
	if string(got) != "5#" {
		t.Errorf("receiver got %q, want 5#", got)
	}
	if rs[0].KeyStarted != '5' || rs[10].KeyStarted != '#' || !rs[19].GroupDone || rs[9].GroupDone || o.busy() {
		t.Errorf("slot results %+v", rs)
	}
	if string(o.sent) != "5#" {
		t.Errorf("sent %q", o.sent)
	}
}

func TestOutStreamInband(t *testing.T) {
	o := newOutStream(CodecPCMU, 0, 101, dtmf.TransportInband, 1, 0, 0)
	if err := o.startGroup("9"); err != nil {
		t.Fatal(err)
	}
	ps, rs := slots(t, o, keySlots)
	for i, p := range ps {
		pcm := CodecPCMU.decode(nil, p.Payload)
		low, high := goertzel(pcm, 852), goertzel(pcm, 1477)
		other := goertzel(pcm, 697) + goertzel(pcm, 1209)
		tone := i < keyToneSlots
		if p.PayloadType != 0 || p.Timestamp != uint32(i*160) {
			t.Errorf("slot %d header %+v", i, p.Header)
		}
		if tone && (low < 1e11 || high < 1e11 || other > low/100) {
			t.Errorf("slot %d: 852 Hz %.3g, 1477 Hz %.3g, others %.3g", i, low, high, other)
		}
		// About -10 dBm0 per tone: RMS of the pair near 7018 (0 dBm0 peak 22194).
		if rms := frameRMS(pcm); tone && (rms < 7018*0.88 || rms > 7018*1.12) {
			t.Errorf("slot %d: RMS %.0f", i, rms)
		}
		if !tone && frameRMS(pcm) != 0 {
			t.Errorf("slot %d: gap not silent", i)
		}
	}
	if !rs[keySlots-1].GroupDone {
		t.Error("group not done")
	}
}

func TestOutStreamInbandDetected(t *testing.T) {
	// The service's own in-band detector hears every key of the stream.
	for _, c := range []Codec{CodecPCMU, CodecPCMA} {
		o := newOutStream(c, c.PayloadType(), 101, dtmf.TransportInband, 1, 0, 0)
		const keys = "0123456789*#"
		if err := o.startGroup(keys); err != nil {
			t.Fatal(err)
		}
		ps, _ := slots(t, o, len(keys)*keySlots+keySlots)
		det := dtmf.NewDetector()
		var got []byte
		for _, p := range ps {
			if ev, ok := det.Process(c.decode(nil, p.Payload)); ok {
				got = append(got, ev.Key)
			}
		}
		if string(got) != keys {
			t.Errorf("%v: detector heard %q, want %q", c, got, keys)
		}
	}
}

func BenchmarkOutStreamNext(b *testing.B) {
	o := newOutStream(CodecPCMU, 0, 101, dtmf.TransportRFC4733, 1, 0, 0)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		if !o.busy() {
			_ = o.startGroup("1234#")
		}
		buf, _, _ = o.next(buf[:0])
	}
}
