package prompts

import "fmt"

// Prompt names used by the call flows. Each exists in every language.
const (
	Greeting          = "greeting"
	EnterID           = "enter_id"
	EnterSite         = "enter_site"
	ChooseAction      = "choose_action"
	UnknownID         = "unknown_id"
	WrongLengthID     = "wrong_length_id"
	UnknownSite       = "unknown_site"
	SiteClosed        = "site_closed"
	InvalidKey        = "invalid_key"
	NoInput           = "no_input"
	SiteCodeIs        = "site_code_is"
	ActionCheckIn     = "action_checkin"
	ActionCheckOut    = "action_checkout"
	Registered        = "registered"
	AlreadyRegistered = "already_registered"
	CheckoutWithoutIn = "checkout_without_checkin"
	Goodbye           = "goodbye"
	TooManyErrors     = "too_many_errors"
	SystemError       = "system_error"
)

// Catalogue holds every clip of every language. STUB: replaced by the
// prompts owner; this one returns 400 ms of silence for any name.
type Catalogue struct{}

// Load returns the embedded catalogue with clips from overrideDir (if not
// empty) replacing embedded ones of the same language and name.
func Load(overrideDir string) (*Catalogue, error) { return &Catalogue{}, nil }

// Clip returns the named clip in lang ("ja", "en").
func (c *Catalogue) Clip(lang, name string) (*Clip, error) {
	if name == "" {
		return nil, fmt.Errorf("prompts: no clip %q in %q", name, lang)
	}
	return &Clip{Name: name, Ulaw: silence(20, 0xff), Alaw: silence(20, 0xd5)}, nil
}

// Digits returns the clips that read s back digit by digit.
func (c *Catalogue) Digits(lang, s string) ([]*Clip, error) {
	out := make([]*Clip, 0, len(s))
	for _, r := range s {
		cl, err := c.Clip(lang, "digit_"+string(r))
		if err != nil {
			return nil, err
		}
		out = append(out, cl)
	}
	return out, nil
}

func silence(frames int, b byte) []byte {
	s := make([]byte, frames*FrameSize)
	for i := range s {
		s[i] = b
	}
	return s
}
