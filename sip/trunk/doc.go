// Package trunk registers dezura with a SIP trunk (RFC 3261 §10): an
// outbound REGISTER with digest authentication (RFC 2617/7616, done by
// sipgo's client), re-registration at 80 % of the granted expiry,
// bounded exponential back-off with jitter after a failure, an OPTIONS
// keep-alive to our own address of record that holds the NAT binding
// open and finds a registration the trunk has lost (a restarted
// registrar answers it 404) so that we register again at once, and an
// unregistration (Expires: 0) when Run's context ends.
//
// One goroutine, Run's caller, does all of it. The REGISTERs should be
// sent with the sip.Server's own client (sip.Server.Client) so that they
// leave from the listening port: the carrier sends its INVITEs back to the
// address and port it saw the REGISTER come from.
package trunk
