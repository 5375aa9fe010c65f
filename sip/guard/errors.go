package guard

import "errors"

// Errors returned by the package. They are matched with errors.Is; the
// returned errors wrap them with the offending entry or file line (never a
// secret).
var (
	// ErrBadTrust is returned by ParseTrust for an entry that is neither a
	// CIDR prefix nor an IP address.
	ErrBadTrust = errors.New("guard: invalid trust entry")
	// ErrBadSecrets is returned by ParseSecrets and LoadSecrets for a
	// malformed peer secrets file.
	ErrBadSecrets = errors.New("guard: invalid peer secrets file")
	// ErrSecretsPermissions is returned by LoadSecrets for a secrets file
	// that group or others may read or write (like ssh, dezura refuses it).
	ErrSecretsPermissions = errors.New("guard: peer secrets file permissions too open")
	// ErrBadConfig is returned by New for an invalid Config.
	ErrBadConfig = errors.New("guard: invalid config")
	// ErrBadCredentials is returned by ParseCredentials for an
	// Authorization header value that is not a well-formed Digest response.
	ErrBadCredentials = errors.New("guard: malformed digest credentials")
	// ErrUnknownEnum is returned by the Parse functions of the enums for a
	// name they do not know.
	ErrUnknownEnum = errors.New("guard: unknown name")
)
