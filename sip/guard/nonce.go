package guard

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"time"
)

// Nonces carry no server-side state (RFC 7616 §3.3 suggests a nonce of a
// time stamp and a hash of it with a private key): a nonce is the base64url
// of an 8-byte big-endian Unix time in seconds followed by the first 16
// bytes of HMAC-SHA-256(key, time || source address). A nonce is valid for
// the source it was issued to, for the configured lifetime; an authentic
// nonce past its lifetime is stale (the client is re-challenged with
// stale=true, RFC 7616 §3.3, and this is not an authentication failure).
const (
	nonceTimeLen = 8
	nonceMACLen  = 16
	nonceRawLen  = nonceTimeLen + nonceMACLen
	// nonceSkew is how far in the future a nonce's time may be (clock
	// steps between issuing and checking).
	nonceSkew = 5 * time.Second
)

type nonceState uint8

const (
	nonceInvalid nonceState = iota
	nonceValid
	nonceStale
)

// makeNonce returns the nonce for src issued at now.
func makeNonce(key []byte, now time.Time, src netip.Addr) string {
	var raw [nonceRawLen]byte
	binary.BigEndian.PutUint64(raw[:nonceTimeLen], uint64(now.Unix()))
	mac := nonceMAC(key, raw[:nonceTimeLen], src)
	copy(raw[nonceTimeLen:], mac[:nonceMACLen])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

func nonceMAC(key, ts []byte, src netip.Addr) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(ts)
	a := src.As16()
	m.Write(a[:])
	var sum [sha256.Size]byte
	return m.Sum(sum[:0])
}

// checkNonce tells whether nonce was issued by this key to src and is
// still within lifetime at now.
func checkNonce(key []byte, nonce string, now time.Time, src netip.Addr, lifetime time.Duration) nonceState {
	if base64.RawURLEncoding.DecodedLen(len(nonce)) != nonceRawLen {
		return nonceInvalid
	}
	var raw [nonceRawLen]byte
	if n, err := base64.RawURLEncoding.Decode(raw[:], []byte(nonce)); err != nil || n != nonceRawLen {
		return nonceInvalid
	}
	mac := nonceMAC(key, raw[:nonceTimeLen], src)
	if !hmac.Equal(mac[:nonceMACLen], raw[nonceTimeLen:]) {
		return nonceInvalid
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(raw[:nonceTimeLen])), 0)
	if issued.After(now.Add(nonceSkew)) {
		return nonceInvalid
	}
	if now.Sub(issued) > lifetime {
		return nonceStale
	}
	return nonceValid
}
