package webhook

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrNotPublic is the class of the refusals to connect to an address that is not on the public
// internet (*AddressError).
var ErrNotPublic = errors.New("webhook: not a public address")

// AddressError is the refusal to connect to an address that is not on the public internet: the
// dispatcher's own client makes no connection to it, so that an endpoint cannot reach the host's
// loopback, its private network or a cloud metadata service. It is ErrNotPublic.
type AddressError struct {
	Addr netip.Addr // the address refused
	Kind string     // what it is: loopback, private, link-local, …
	// Host, when set, is the endpoint's host name that resolved to Addr: the message then names the
	// host, not the address, so that the answer does not map the host's internal names.
	Host string
}

func (e *AddressError) Error() string {
	what := e.Addr.String() + " is"
	if e.Host != "" {
		what = e.Host + " resolves to"
	}
	return "webhook: " + what + " " + e.reason()
}

// reason is what the address is and why that is refused: "an unspecified address; endpoints …".
func (e *AddressError) reason() string {
	article := "a"
	if k := e.Kind; k != "" && (k[0] == 'a' || k[0] == 'e' || k[0] == 'i' || k[0] == 'o' || k[0] == 'u') {
		article = "an"
	}
	return article + " " + e.Kind + " address; endpoints must be on the public internet"
}

// Is makes an *AddressError match ErrNotPublic.
func (e *AddressError) Is(target error) bool { return target == ErrNotPublic }

// CheckAddress returns nil for an address on the public internet and an *AddressError for any other:
// unspecified (0.0.0.0, ::), loopback, private (RFC 1918, IPv6 unique local fc00::/7), link-local
// (169.254.0.0/16, fe80::/10), carrier-grade NAT (100.64.0.0/10), multicast, broadcast, documentation
// and other reserved ranges, IPv6 outside 2000::/3, and those forms written as IPv4-mapped IPv6
// addresses, NAT64 (64:ff9b::/96) or 6to4 (2002::/16) addresses.
//
// The dispatcher's own client (Options.Client nil) calls it on every address it connects to, after
// DNS resolution, so a name that resolves to a private address, or starts to, is refused too. A
// caller that brings its own Client can do the same in its net.Dialer's Control.
func CheckAddress(addr netip.Addr) error {
	if kind := addressKind(addr); kind != "" {
		return &AddressError{Addr: addr, Kind: kind}
	}
	return nil
}

// reserved are the ranges that netip's predicates do not name and that are not on the public
// internet.
var reserved = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "reserved"}, // "this network"; 0.0.0.0 itself is unspecified
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved"}, // benchmarking, often used inside networks
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("2001::/23"), "reserved"}, // IETF protocol assignments, Teredo among them
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
}

var (
	broadcast = netip.MustParseAddr("255.255.255.255")
	global6   = netip.MustParsePrefix("2000::/3")     // IPv6 global unicast; everything else is not public
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052: the IPv4 address in the last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")    // RFC 3056: the IPv4 address in bits 16 to 47
)

// addressKind says what a non-public address is, and "" for a public one.
func addressKind(a netip.Addr) string {
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	switch b := a.As16(); {
	case !a.IsValid():
		return "invalid"
	case nat64.Contains(a):
		return addressKind(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(a):
		return addressKind(netip.AddrFrom4([4]byte(b[2:6])))
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast():
		return "multicast"
	case a == broadcast:
		return "broadcast"
	}
	for _, r := range reserved {
		if r.prefix.Contains(a) {
			return r.kind
		}
	}
	if a.Is6() && !global6.Contains(a) {
		return "reserved"
	}
	return ""
}

// publicOnly is a net.Dialer's Control that refuses every address CheckAddress refuses. It runs
// after name resolution, once per address tried, before the connection is made.
func publicOnly(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return err
	}
	return CheckAddress(ap.Addr())
}

// newClient is the dispatcher's own client: it does not follow redirects (a 3xx is a failure),
// connects directly (an egress proxy would connect on its behalf, past the guard: a host that needs
// one passes its own Client) and, unless allowPrivate, only to public addresses.
func newClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = publicOnly
	}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// refusal is what an attempt refused by the guard reports, to the endpoint's owner (a test event's
// answer, a delivery's last error): the refusal alone, without the dial's details, and for an
// endpoint given by name that the name resolves to a non-public address, not which one.
func refusal(e *AddressError, host string) error {
	r := *e
	if _, err := netip.ParseAddr(host); err != nil {
		r.Host = host
	}
	return &r
}
