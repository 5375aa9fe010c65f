// Package sip is dezura's SIP user agent server: it answers calls over UDP
// with sipgo (RFC 3261), negotiates G.711 and telephone-events by SDP
// offer/answer (RFC 3264, RFC 4566, RFC 4733), sends pre-encoded prompt
// frames as RTP (RFC 3550) from one shared 20 ms media scheduler, and turns
// the caller's key presses (RFC 4733, in-band or SIP INFO) into digits.
//
// sip knows nothing of CCUS: a Server hands every answered Call to a handler
// function, which sees it through methods that match ivr.Call.
//
// # Signalling
//
// An INVITE gets 100 Trying, then (with Config.AnswerDelay) 180 Ringing,
// then 200 OK with the SDP answer; the handler starts once the ACK has come
// (no BYE may be sent before it, RFC 3261 §15), and media starts with the
// 200. An INVITE without SDP (late offer, RFC 3261 §13.2.1) gets our
// offer in the 200 and media starts once the ACK brings the answer.
// Rejections: 420 for a required extension we lack, 422 for a session
// interval below our Min-SE (RFC 4028), 400 without Contact, 488 for an
// offer without G.711 (RFC 3264 §6), 400 for SDP that does not parse, 415
// for a body that is not SDP, 503 with Retry-After past MaxCalls, while
// draining or without a free RTP port, 487 after CANCEL. OPTIONS gets 200
// (503 while draining), REGISTER 405. re-INVITE and UPDATE in a dialog
// are answered with the same SDP (session refresh).
//
// The answer to a new INVITE is a sequence of steps in invite.go, read
// top to bottom like a dialplan: admit, negotiate, allocate media, ring,
// register, answer, confirm, run, tear down; a step that refuses the call
// sends its own final response. A response that cannot be sent is logged
// ("response not sent", with call_id and status), never dropped silently.
//
// Every request and response leaves with User-Agent: dezura/VERSION
// (useragent.go: added at the socket, since sipgo builds many messages
// itself), and our requests put rport in their Via (RFC 3581). A response
// that matches no transaction (late or retransmitted) is logged with the
// server's logger.
//
// # Media
//
// There is no timer per call. A scheduler runs one goroutine per Go
// processor (shard); each wakes on a drift-free deadline (start + n·20 ms
// on the monotonic clock) and, for every call on it, sends the next
// pre-encoded frame (prompts.Clip.Frame: no transcoding) built into the
// call's own packet buffer: no allocation per packet. On Linux the shard
// hands all of a tick's sends to the kernel in one io_uring submission
// (package uring), each from the call's own socket; elsewhere, or with
// Config.SendWithSendto, it sends with one sendto per packet. A wake-up
// later than three ticks skips the missed frames, counts them
// (MediaStats, RTPStats) and advances the RTP timestamp so the receiver
// sees a gap, not a burst. Sequence numbers count packets, timestamps count
// samples, one random SSRC per call, marker bit on the first packet.
//
// Receiving: on Linux the shard reads each call's non-blocking socket every
// other tick with one recvmmsg, with the kernel's arrival stamps (calls are
// spread over both phases); elsewhere one goroutine per call blocks on its
// socket. The first valid packet from the SDP address or the INVITE's
// source IP latches the stream (symmetric RTP, RFC 4961): our packets go
// there from then on and packets from anywhere else are dropped, as are
// packets of another payload type, short, malformed or oversized ones, and
// a new SSRC while the latched one is still talking. No valid packet for
// RTPTimeout ends the call with BYE.
//
// Measured on the 2-core development VM: BenchmarkSendPacket (frame +
// header + sendto on 127.0.0.1) about 4.7 µs and 0 allocations per packet;
// BenchmarkShardTick500 (one tick of 500 calls on their own sockets) 4.3 %
// of one core through io_uring against 10-15 % with sendto.
package sip
