package webhook_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orkesta/orkesta/adapters/memory"
	"github.com/orkesta/orkesta/adapters/webhook"
	"github.com/orkesta/orkesta/payment"
	"github.com/orkesta/orkesta/payment/paymenttest"
)

// TestCheckAddress: every kind of address that is not on the public internet is refused, in its
// IPv4 and IPv6 forms; public addresses pass.
func TestCheckAddress(t *testing.T) {
	for _, tc := range []struct {
		addr string
		kind string // "" when the address is public
	}{
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "reserved"},
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"10.0.0.5", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.254", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456:789a::1", "private"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.254", "carrier-grade NAT"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"ff05::2", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"192.0.0.8", "reserved"},
		{"198.18.0.1", "reserved"},
		{"192.0.2.1", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"2001:db8::1", "documentation"},
		{"2001::1", "reserved"},     // Teredo
		{"fec0::1", "reserved"},     // site-local, deprecated
		{"100::1", "reserved"},      // discard-only
		{"::127.0.0.1", "reserved"}, // IPv4-compatible, deprecated
		{"64:ff9b:1::a00:5", "reserved"},
		// An IPv4 address written as IPv6 is what it embeds.
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.5", "private"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::ffff:0.0.0.0", "unspecified"},
		{"::ffff:100.64.0.1", "carrier-grade NAT"},
		{"::ffff:255.255.255.255", "broadcast"},
		{"64:ff9b::a9fe:a9fe", "link-local"}, // NAT64 of 169.254.169.254
		{"64:ff9b::7f00:1", "loopback"},
		{"2002:a00:5::1", "private"}, // 6to4 of 10.0.0.5
		{"2002:7f00:1::1", "loopback"},
		// Public.
		{"8.8.8.8", ""},
		{"93.184.215.14", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"169.255.0.1", ""},
		{"::ffff:8.8.8.8", ""},
		{"2606:4700:4700::1111", ""},
		{"2a00:1450:4001:80b::200e", ""},
		{"64:ff9b::808:808", ""}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", ""},  // 6to4 of 8.8.8.8
	} {
		t.Run(tc.addr, func(t *testing.T) {
			addr := netip.MustParseAddr(tc.addr)
			err := webhook.CheckAddress(addr)
			if tc.kind == "" {
				assert.NoError(t, err)
				return
			}
			var ae *webhook.AddressError
			require.ErrorAs(t, err, &ae)
			assert.ErrorIs(t, err, webhook.ErrNotPublic)
			assert.Equal(t, tc.kind, ae.Kind)
			assert.Equal(t, addr, ae.Addr)
		})
	}
	assert.EqualError(t, webhook.CheckAddress(netip.MustParseAddr("10.0.0.5")),
		"webhook: 10.0.0.5 is a private address; endpoints must be on the public internet")
	assert.EqualError(t, webhook.CheckAddress(netip.MustParseAddr("::")),
		"webhook: :: is an unspecified address; endpoints must be on the public internet")
}

// TestPrivateAddressesAreRefused: the dispatcher's own client makes no connection to an endpoint on
// the server's own network, and the test event's answer says why and nothing of the dial; with
// AllowPrivateNetworks it does.
func TestPrivateAddressesAreRefused(t *testing.T) {
	store := memory.New()
	env := paymenttest.NewEnv(t, store)

	// A listener on loopback that counts the connections it is offered.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			_ = c.Close()
		}
	}()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, err)

	// Timeout: without the guard, an address no one answers on would be tried this long.
	ids := &paymenttest.IDs{}
	d := webhook.New(store, store, webhook.Options{Clock: env.Clock, IDs: ids, Timeout: 2 * time.Second})
	// The endpoints are made where private addresses are allowed (as endpoints made before the guard,
	// or by a name that resolves privately later, exist): d refuses those that name one outright.
	maker := webhook.New(store, store, webhook.Options{Clock: env.Clock, IDs: ids, AllowPrivateNetworks: true})
	for _, tc := range []struct{ url, want string }{
		{"https://127.0.0.1:" + port + "/hooks", "webhook: 127.0.0.1 is a loopback address"},
		{"https://localhost:" + port + "/hooks", "webhook: localhost resolves to a loopback address"},
		{"https://[::ffff:127.0.0.1]:" + port + "/", "webhook: 127.0.0.1 is a loopback address"}, // dialled as IPv4
		{"https://[::1]:" + port + "/", "webhook: ::1 is a loopback address"},
		{"https://0.0.0.0:" + port + "/", "webhook: 0.0.0.0 is an unspecified address"},
		{"https://[::]:" + port + "/", "webhook: :: is an unspecified address"},
		{"https://169.254.169.254/latest/meta-data/", "webhook: 169.254.169.254 is a link-local address"},
		{"https://[fe80::1]/", "webhook: fe80::1 is a link-local address"},
		{"https://10.0.0.5/", "webhook: 10.0.0.5 is a private address"},
		{"https://172.16.0.1/", "webhook: 172.16.0.1 is a private address"},
		{"https://192.168.1.1:8443/", "webhook: 192.168.1.1 is a private address"},
		{"https://[fd00::1]/", "webhook: fd00::1 is a private address"},
		{"https://100.64.0.1/", "webhook: 100.64.0.1 is a carrier-grade NAT address"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			_, err := d.CreateEndpoint(ctx, env.Workspace.ID, payment.WebhookEndpointRequest{URL: tc.url})
			require.ErrorIs(t, err, payment.ErrInvalid, "refused when given")
			ep, err := maker.CreateEndpoint(ctx, env.Workspace.ID, payment.WebhookEndpointRequest{URL: tc.url})
			require.NoError(t, err)
			start := time.Now()
			res, err := d.SendTest(ctx, env.Workspace.ID, ep.ID, payment.EventPaymentSettled)
			require.NoError(t, err)
			assert.ErrorIs(t, res.Err, webhook.ErrNotPublic)
			assert.EqualError(t, res.Err, tc.want+"; endpoints must be on the public internet",
				"no dial details")
			assert.Zero(t, res.StatusCode)
			assert.Less(t, time.Since(start), time.Second, "refused without trying")
		})
	}
	assert.Zero(t, conns.Load(), "no connection was made")

	t.Run("a delivery records the refusal as its last error", func(t *testing.T) {
		ep, err := maker.CreateEndpoint(ctx, env.Workspace.ID, payment.WebhookEndpointRequest{URL: "https://127.0.0.1:" + port + "/"})
		require.NoError(t, err)
		env.Clock.Advance(time.Second)
		env.MustCreate(t)
		_, err = d.DeliverOnce(ctx)
		require.NoError(t, err)
		ds, err := d.Deliveries(ctx, env.Workspace.ID, ep.ID, 0)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		assert.Equal(t, "webhook: 127.0.0.1 is a loopback address; endpoints must be on the public internet", ds[0].LastError)
		assert.Zero(t, conns.Load())
	})

	t.Run("AllowPrivateNetworks: a receiver on 127.0.0.1 gets the test event", func(t *testing.T) {
		var got atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got.Add(1)
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(srv.Close)
		d := webhook.New(store, store, webhook.Options{Clock: env.Clock, IDs: ids, AllowHTTP: true, AllowPrivateNetworks: true})
		ep, err := d.CreateEndpoint(ctx, env.Workspace.ID, payment.WebhookEndpointRequest{URL: srv.URL + "/hooks"})
		require.NoError(t, err)
		res, err := d.SendTest(ctx, env.Workspace.ID, ep.ID, payment.EventPaymentSettled)
		require.NoError(t, err)
		assert.NoError(t, res.Err)
		assert.Equal(t, http.StatusNoContent, res.StatusCode)
		assert.Equal(t, int32(1), got.Load())
	})

	t.Run("other failures keep their error", func(t *testing.T) {
		d := webhook.New(store, store, webhook.Options{Clock: env.Clock, IDs: ids, AllowPrivateNetworks: true})
		closed, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := closed.Addr().String()
		require.NoError(t, closed.Close())
		ep, err := d.CreateEndpoint(ctx, env.Workspace.ID, payment.WebhookEndpointRequest{URL: "https://" + addr + "/"})
		require.NoError(t, err)
		res, err := d.SendTest(ctx, env.Workspace.ID, ep.ID, payment.EventPaymentSettled)
		require.NoError(t, err)
		require.Error(t, res.Err)
		assert.NotErrorIs(t, res.Err, webhook.ErrNotPublic)
		assert.Contains(t, res.Err.Error(), "dial tcp "+addr)
	})
}
