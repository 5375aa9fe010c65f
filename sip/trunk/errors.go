package trunk

import "errors"

// Errors returned by the package, matched with errors.Is.
var (
	// ErrBadConfig is returned by New for an unusable Config.
	ErrBadConfig = errors.New("trunk: invalid config")
	// ErrRejected wraps a final non-2xx answer to a REGISTER.
	ErrRejected = errors.New("trunk: registration rejected")
	// ErrAuthFailed is a second challenge after our credentials: the user
	// name or password is wrong.
	ErrAuthFailed = errors.New("trunk: authentication failed")
	// ErrCredentialsFile is returned by ReadPasswordFile for a file others
	// may read, or one without a password.
	ErrCredentialsFile = errors.New("trunk: bad credentials file")
)
