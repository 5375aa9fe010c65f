package simulator

import (
	"net"
	"runtime"
	"testing"
	"time"
)

// TestAnswerStampConn: the first 2xx response read from a caller's SIP
// socket keeps its kernel arrival time; a provisional response before it
// and a second 2xx after it do not.
func TestAnswerStampConn(t *testing.T) {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	c := newAnswerStampConn(pc)
	defer c.Close()
	if runtime.GOOS == "linux" && !c.stamps {
		t.Fatal("no kernel receive stamps on Linux")
	}
	peer, err := net.DialUDP("udp", nil, pc.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	buf := make([]byte, 1500)
	read := func(msg string) time.Time {
		t.Helper()
		if _, err := peer.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, addr, err := c.ReadFrom(buf)
		if err != nil || string(buf[:n]) != msg || addr.String() != peer.LocalAddr().String() {
			t.Fatalf("ReadFrom = %q, %v, %v", buf[:n], addr, err)
		}
		return time.Now()
	}
	before := time.Now()
	read("SIP/2.0 100 Trying\r\n\r\n")
	if !c.answeredAt().IsZero() {
		t.Errorf("a 100 Trying was taken for the answer")
	}
	read("BYE sip:x SIP/2.0\r\n\r\n")
	if !c.answeredAt().IsZero() {
		t.Errorf("a request was taken for the answer")
	}
	time.Sleep(20 * time.Millisecond)
	sent := time.Now()
	got := read("SIP/2.0 200 OK\r\n\r\n")
	at := c.answeredAt()
	if !c.stamps {
		if !at.IsZero() {
			t.Errorf("answer stamped without kernel stamps")
		}
		return
	}
	if at.Before(sent) || at.After(got) || at.Before(before) {
		t.Errorf("answer stamped %v; sent %v, read %v", at, sent, got)
	}
	time.Sleep(5 * time.Millisecond)
	read("SIP/2.0 200 OK\r\n\r\n")
	if c.answeredAt() != at {
		t.Errorf("a second 200 OK moved the stamp from %v to %v", at, c.answeredAt())
	}
}
