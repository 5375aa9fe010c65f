package prompts

import "strconv"

// Languages of the catalogue (BCP 47 primary language subtags).
const (
	Japanese = "ja" // the default
	English  = "en"
)

// Prompt names used by the call flows. Each exists in every language; the
// words are in text/<lang>.tsv.
const (
	Greeting          = "greeting"                 // お電話ありがとうございます。出面です。
	EnterID           = "enter_id"                 // key the 14-digit technician ID and #
	EnterSite         = "enter_site"               // key the site code and #
	ChooseAction      = "choose_action"            // 1 check-in, 2 check-out
	UnknownID         = "unknown_id"               // that ID is not registered
	WrongLengthID     = "wrong_length_id"          // wrong number of digits; the ID has 14
	UnknownSite       = "unknown_site"             // that site code is not registered
	SiteClosed        = "site_closed"              // the site takes no entries now
	InvalidKey        = "invalid_key"              // a key outside the menu
	NoInput           = "no_input"                 // nothing keyed before the timeout
	SiteCodeIs        = "site_code_is"             // "site code", followed by its digits
	ActionCheckIn     = "action_checkin"           // "check-in" (a label for read-back)
	ActionCheckOut    = "action_checkout"          // "check-out" (a label for read-back)
	Registered        = "registered"               // said once the entry is durable
	AlreadyRegistered = "already_registered"       // second check-in the same day
	CheckoutWithoutIn = "checkout_without_checkin" // check-out with no check-in: registered, for the contractor's review
	Goodbye           = "goodbye"                  // thank you for calling
	TooManyErrors     = "too_many_errors"          // apology before hanging up after 3 tries
	SystemError       = "system_error"             // the service cannot take the entry now

	// Fast paths, security code, foreman entry, status, languages.
	GreetingShort     = "greeting_short"      // just the service's name, for the one-call path
	EnglishOffer      = "english_offer"       // "For English, press 9." (in English in both languages)
	EnterIDLong       = "enter_id_long"       // enter_id plus how to start again with *, for a retry
	EnterSiteLong     = "enter_site_long"     // enter_site plus where the code is and *, for a retry
	ChooseActionMore  = "choose_action_more"  // 3 today's entries, 4 cancel the last entry
	SameSiteOffer     = "same_site_offer"     // same site as last time 1, another site 2
	EnterSecurityCode = "enter_security_code" // the 4-digit code on the back of the CCUS card
	WrongSecurityCode = "wrong_security_code" // that code is not correct
	Locked            = "locked"              // too many wrong codes, try later
	TooShort          = "too_short"           // too few digits
	TechnicianIDIs    = "technician_id_is"    // "technician ID", followed by its digits
	RecordedCheckIn   = "recorded_checkin"    // one-call path: check-in registered
	RecordedCheckOut  = "recorded_checkout"   // one-call path: check-out registered
	NotAssigned       = "not_assigned"        // no assignment at the site: registered for review
	UndoOffer         = "undo_offer"          // to undo, press 9 within 3 seconds
	Undone            = "undone"              // the entry was cancelled
	ForemanEnterID    = "foreman_enter_id"    // key an ID or crew number and #; # alone to finish
	ForemanNext       = "foreman_next"        // the next one; # alone to finish
	ForemanDone       = "foreman_done"        // crew registration finished
	TodaysEntries     = "todays_entries"      // introduces the read-back of today's entries
	NoEntriesToday    = "no_entries_today"    // nothing registered today
	EntryCancelled    = "entry_cancelled"     // the last entry is cancelled
	NothingToCancel   = "nothing_to_cancel"   // no entry to cancel
	CountRegistered   = "count_registered"    // after Number: 5名を登録しました / "five registered in total."

	// Callers are never surprised: safe key sequences, registering one's
	// own phone, crew numbers.
	PressHash          = "press_hash"           // a site code ends with #
	ThisSiteOffer      = "this_site_offer"      // on a site's own number: this site 1, another 2 or its code and #
	ConfirmCheckOut    = "confirm_checkout"     // checked in a short while ago: press 2 again to check out
	NotRegistered      = "not_registered"       // nothing was registered
	PhoneRegisterOffer = "phone_register_offer" // register this phone and skip the ID next time: press 1
	PhoneRegistered    = "phone_registered"     // this phone is registered
	PhoneRemoveOffer   = "phone_remove_offer"   // to remove this phone's registration, press 5
	PhoneRemoveConfirm = "phone_remove_confirm" // press 1 to remove it
	PhoneRemoved       = "phone_removed"        // this phone's registration is removed
	CrewNumberIs       = "crew_number_is"       // "crew number", followed by its digits
)

// requiredNames lists every name constant: the catalogue refuses to load
// without each of them in each language.
var requiredNames = []string{
	Greeting, EnterID, EnterSite, ChooseAction, UnknownID, WrongLengthID,
	UnknownSite, SiteClosed, InvalidKey, NoInput, SiteCodeIs, ActionCheckIn,
	ActionCheckOut, Registered, AlreadyRegistered, CheckoutWithoutIn, Goodbye,
	TooManyErrors, SystemError,
	GreetingShort, EnglishOffer, EnterIDLong, EnterSiteLong, ChooseActionMore, SameSiteOffer,
	EnterSecurityCode, WrongSecurityCode, Locked, TooShort, TechnicianIDIs,
	RecordedCheckIn, RecordedCheckOut, NotAssigned, UndoOffer, Undone,
	ForemanEnterID, ForemanNext, ForemanDone, TodaysEntries, NoEntriesToday,
	EntryCancelled, NothingToCancel, CountRegistered,
	PressHash, ThisSiteOffer, ConfirmCheckOut, NotRegistered, PhoneRegisterOffer, PhoneRegistered,
	PhoneRemoveOffer, PhoneRemoveConfirm, PhoneRemoved, CrewNumberIs,
}

// RequiredNames returns every prompt name constant, which each language has.
func RequiredNames() []string { return append([]string(nil), requiredNames...) }

// DigitName is the name of the clip of digit d (0..9): "digit_<d>".
func DigitName(d int) string { return "digit_" + strconv.Itoa(d) }
