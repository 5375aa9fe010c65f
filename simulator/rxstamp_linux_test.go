package simulator

import (
	"net"
	"testing"
	"time"
)

func TestRxTimestamp(t *testing.T) {
	rcv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rcv.Close()
	if !enableRxTimestamps(rcv) {
		t.Fatal("SO_TIMESTAMPNS not enabled")
	}
	snd, err := net.DialUDP("udp", nil, rcv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer snd.Close()
	before := time.Now()
	if _, err := snd.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	_ = rcv.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf, oob := make([]byte, 16), make([]byte, 128)
	_, oobn, _, _, err := rcv.ReadMsgUDPAddrPort(buf, oob)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	rx, ok := rxTimestamp(oob[:oobn])
	if !ok {
		t.Fatal("no kernel timestamp")
	}
	// The stamp is on the wall clock, between sending and reading.
	if rx.Before(before.Add(-time.Second)) || rx.After(after.Add(time.Second)) {
		t.Errorf("stamp %v not between %v and %v", rx, before, after)
	}
	if _, ok := rxTimestamp(nil); ok {
		t.Error("stamp from no control message")
	}
}
