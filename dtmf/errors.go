package dtmf

import "errors"

// Sentinel errors. Callers match them with errors.Is; the functions that
// return them wrap them with detail.
var (
	// ErrShortPayload is returned for a telephone-event payload under 4 bytes
	// (RFC 4733 §2.3).
	ErrShortPayload = errors.New("dtmf: telephone-event payload shorter than 4 bytes")
	// ErrUnknownKey is returned for a key or event code that is not a DTMF
	// digit ('0'-'9', '*', '#', 'A'-'D').
	ErrUnknownKey = errors.New("dtmf: not a DTMF key")

	// ErrUnsupportedBody is returned for a SIP INFO body that is not DTMF
	// (the caller answers 415 Unsupported Media Type).
	ErrUnsupportedBody = errors.New("dtmf: unsupported SIP INFO content type")
	// ErrMalformedBody is returned for a DTMF SIP INFO body that cannot be
	// read (the caller answers 400 Bad Request).
	ErrMalformedBody = errors.New("dtmf: malformed SIP INFO DTMF body")
	// ErrLateInfo is returned by InfoSequencer.Add for a request whose CSeq
	// was already delivered or given up on (a retransmission, or a request
	// that arrived after the hold window).
	ErrLateInfo = errors.New("dtmf: SIP INFO arrived after its CSeq was passed")

	// ErrNotWAV is returned for input that is not a RIFF/WAVE file.
	ErrNotWAV = errors.New("dtmf: not a RIFF WAVE file")
	// ErrWAVFormat is returned for a WAV encoding other than 16-bit PCM,
	// μ-law or A-law.
	ErrWAVFormat = errors.New("dtmf: unsupported WAV encoding (want 16-bit PCM, G.711 μ-law or A-law)")
	// ErrWAVRate is returned for a WAV sample rate other than 8000 Hz.
	ErrWAVRate = errors.New("dtmf: WAV sample rate is not 8000 Hz")
	// ErrWAVChannels is returned for a WAV file that is not mono.
	ErrWAVChannels = errors.New("dtmf: WAV file is not mono")
	// ErrWAVTruncated is returned when a WAV file ends inside a header or
	// before the length its data chunk announces.
	ErrWAVTruncated = errors.New("dtmf: WAV file truncated")

	// ErrBadLost is returned by ParseLost for a list of lost packets it
	// cannot read.
	ErrBadLost = errors.New("dtmf: bad list of lost packets")
)
