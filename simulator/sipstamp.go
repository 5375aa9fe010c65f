package simulator

import (
	"bytes"
	"net"
	"sync"
	"time"
)

// answerStampConn is a caller's SIP socket as sipgo reads it. Where the
// kernel stamps arrivals (enableRxTimestamps), it notes when the first 2xx
// response arrived: a caller sends one request, the INVITE, before its
// answer, so that is the 200 OK. Set-up is then measured to the moment the
// answer reached the caller's socket, as jitter is measured from RTP
// arrival stamps, not to when a busy generator got round to reading it.
type answerStampConn struct {
	*net.UDPConn
	stamps bool
	oob    []byte // used by sipgo's single reader goroutine only

	mu       sync.Mutex
	answered time.Time
}

func newAnswerStampConn(c *net.UDPConn) *answerStampConn {
	s := &answerStampConn{UDPConn: c, stamps: enableRxTimestamps(c)}
	if s.stamps {
		s.oob = make([]byte, 128)
	}
	return s
}

// ReadFrom reads one datagram for sipgo.
func (c *answerStampConn) ReadFrom(b []byte) (int, net.Addr, error) {
	if !c.stamps {
		return c.UDPConn.ReadFrom(b)
	}
	n, oobn, _, addr, err := c.ReadMsgUDP(b, c.oob)
	if err != nil {
		return n, nil, err
	}
	if bytes.HasPrefix(b[:n], []byte("SIP/2.0 2")) {
		if t, ok := rxTimestamp(c.oob[:oobn]); ok {
			c.mu.Lock()
			if c.answered.IsZero() {
				c.answered = t
			}
			c.mu.Unlock()
		}
	}
	return n, addr, nil
}

// answeredAt is the kernel arrival time of the first 2xx response; zero if
// none was stamped.
func (c *answerStampConn) answeredAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answered
}
