package dtmf_test

import (
	"fmt"
	"time"

	"github.com/dezura/dezura/dtmf"
)

// The simulator's side: the packets of one press, sent one slot (20 ms)
// apart, with the stream's timestamp at the press start added.
func ExampleEventPackets() {
	pkts, err := dtmf.EventPackets('5', 60*time.Millisecond, 8000, dtmf.WithoutMarker(), dtmf.WithRetimestampedEnds())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pkts {
		var te dtmf.TelephoneEvent
		_ = te.Unmarshal(p.Payload)
		fmt.Printf("slot %d ts +%d marker %v end %v duration %d\n", p.Slot, p.Timestamp, p.Marker, te.End, te.Duration)
	}
	// Output:
	// slot 0 ts +0 marker false end false duration 0
	// slot 1 ts +0 marker false end false duration 160
	// slot 2 ts +0 marker false end false duration 320
	// slot 3 ts +480 marker false end true duration 480
	// slot 4 ts +640 marker false end true duration 480
	// slot 5 ts +800 marker false end true duration 480
}

// The server's side: every telephone-event packet goes through Process; a
// digit comes out on the first packet of each press.
func ExampleReceiver() {
	r := dtmf.NewReceiver(8000)
	start := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	pkts, _ := dtmf.EventPackets('#', 100*time.Millisecond, 8000)
	for i, p := range pkts {
		ev, ok := r.Process(dtmf.Packet{SSRC: 1, Seq: uint16(i), Timestamp: 8000 + p.Timestamp,
			Marker: p.Marker, Payload: p.Payload, Arrival: start.Add(time.Duration(p.Slot) * dtmf.PacketSlot)})
		if ok {
			fmt.Printf("packet %d: key %c via %v\n", i, ev.Key, ev.Transport)
		}
	}
	// Output:
	// packet 0: key # via rfc4733
}

// In-band: 20 ms frames of linear PCM decoded from G.711.
func ExampleDetector() {
	audio, _ := dtmf.Sequence("159", 60*time.Millisecond, 60*time.Millisecond, dtmf.ToneOptions{LowDBm0: -7, HighDBm0: -5})
	d := dtmf.NewDetector()
	for len(audio) >= 160 {
		if ev, ok := d.Process(audio[:160]); ok {
			fmt.Printf("%c", ev.Key)
		}
		audio = audio[160:]
	}
	fmt.Println()
	// Output: 159
}

func ExampleParseInfo() {
	ev, err := dtmf.ParseInfo("application/dtmf-relay", []byte("Signal=*\r\nDuration=160\r\n"))
	fmt.Printf("%c %v %v\n", ev.Key, ev.Duration, err)
	_, err = dtmf.ParseInfo("application/sdp", []byte("v=0"))
	fmt.Println(err)
	// Output:
	// * 160ms <nil>
	// dtmf: unsupported SIP INFO content type: "application/sdp"
}
