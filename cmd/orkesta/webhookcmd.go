package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orkesta/orkesta/adapters/webhook"
	"github.com/orkesta/orkesta/payment"
)

func (c *cli) webhooksCommand() *cobra.Command {
	return groupCommand("webhooks", "Create, list, change and delete webhook endpoints",
		`  orkesta webhooks create --url https://erp.example.com/hooks/orkesta --event payment.settled --event payment.failed
  orkesta webhooks list
  orkesta webhooks test whk_01J… --type payment.settled
  orkesta webhooks disable whk_01J… --reason "ERP maintenance"`,
		c.webhooksCreate(), c.webhooksList(), c.webhooksUpdate(), c.webhooksDeliveries(), c.webhooksTest(),
		c.webhooksAction("disable", "Stop deliveries to an endpoint until it is enabled again"),
		c.webhooksAction("enable", "Resume deliveries to a disabled endpoint"),
		c.webhooksAction("rotate-secret", "Give an endpoint a new signing secret, printed once"),
		c.webhooksAction("delete", "Delete an endpoint and the deliveries still pending for it"))
}

// allow is what a command's dispatcher lets through that a server's does not by default: http://
// URLs (--allow-http), and, for a test event, addresses on this machine's networks (--allow-private).
type allow struct{ http, private bool }

// dispatcher is the webhook dispatcher over the database: it configures endpoints and sends test
// events (serve delivers the events).
func (c *cli) dispatcher(e *dbEnv, a allow) (*webhook.Dispatcher, error) {
	whs, ok := e.store.(payment.WebhookStore)
	if !ok || e.events == nil {
		return nil, errors.New("this database keeps no webhook endpoints")
	}
	return webhook.New(e.events, whs, webhook.Options{Clock: c.clock, IDs: c.ids, AllowHTTP: a.http,
		AllowPrivateNetworks: a.private}), nil
}

// endpointFlags are the flags that describe an endpoint, to create or change it.
type endpointFlags struct {
	url, description string
	events           []string
	allowHTTP        bool
	allowPrivate     bool
}

func (ef *endpointFlags) add(cmd *cobra.Command, eventsHelp, httpHelp string) {
	f := cmd.Flags()
	f.StringVar(&ef.url, "url", "", "the HTTPS URL that receives the events")
	f.StringArrayVar(&ef.events, "event", nil, eventsHelp)
	f.StringVar(&ef.description, "description", "", "a note on what the endpoint is for")
	f.BoolVar(&ef.allowHTTP, "allow-http", false, httpHelp)
	f.BoolVar(&ef.allowPrivate, "allow-private", false,
		"accept a URL on this machine or its private network (local development; serve needs --webhook-allow-private too)")
}

// withDispatcher runs fn with the dispatcher over the database, once id (when given) is an endpoint id.
func (c *cli) withDispatcher(cmd *cobra.Command, id string, a allow,
	fn func(ctx context.Context, e *dbEnv, d *webhook.Dispatcher) error) error {
	if id != "" {
		if err := endpointID(id); err != nil {
			return err
		}
	}
	return c.withDB(cmd, func(ctx context.Context, e *dbEnv) error {
		d, err := c.dispatcher(e, a)
		if err != nil {
			return err
		}
		return fn(ctx, e, d)
	})
}

// endpointID checks an endpoint id argument.
func endpointID(s string) error {
	if !strings.HasPrefix(s, payment.PrefixWebhookEndpoint) {
		return usagef("%q is not a webhook endpoint id (whk_…)", s)
	}
	return nil
}

// eventTypes reads --event values (repeatable, or comma-separated); none means every event type.
func eventTypes(vals []string) ([]payment.EventType, error) {
	var out []payment.EventType
	for _, v := range vals {
		for s := range strings.SplitSeq(v, ",") {
			t := payment.EventType(strings.TrimSpace(s))
			if !slices.Contains(payment.EventTypes(), t) {
				return nil, usagef("--event %q: want one of %s", s, joinTypes(payment.EventTypes()))
			}
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

func joinTypes(ts []payment.EventType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// printEndpoint prints an endpoint, with its secret when one is given (the one time it is shown).
func (c *cli) printEndpoint(ep *payment.WebhookEndpoint, secret string) error {
	if c.json() {
		return printJSON(c.stdout, struct {
			*payment.WebhookEndpoint
			Secret string `json:"secret,omitempty"`
		}{ep, secret})
	}
	events := "all"
	if len(ep.Events) > 0 {
		events = joinTypes(ep.Events)
	}
	pairs := []string{"id", ep.ID, "url", ep.URL, "events", events, "state", endpointState(ep)}
	if ep.Description != "" {
		pairs = append(pairs, "description", ep.Description)
	}
	if secret == "" {
		return kv(c.stdout, pairs...)
	}
	if err := kv(c.stdout, append(pairs, "secret", secret)...); err != nil {
		return err
	}
	_, err := fmt.Fprintln(c.stdout, "The secret is shown only this once: every delivery's X-Signature-256 is an HMAC-SHA256 keyed with it.")
	return err
}

func endpointState(ep *payment.WebhookEndpoint) string {
	if !ep.Disabled {
		return "enabled"
	}
	if ep.DisabledReason != "" {
		return "disabled: " + ep.DisabledReason
	}
	return "disabled"
}

func (c *cli) webhooksCreate() *cobra.Command {
	var ef endpointFlags
	cmd := &cobra.Command{
		Use:   "create --url URL [--event TYPE …] [--description TEXT]",
		Short: "Add a webhook endpoint; its signing secret is printed once",
		Long: `Add an endpoint that receives the workspace's events as signed HTTP POSTs (orkesta serve delivers
them). Without --event it receives every type: ` + joinTypes(payment.EventTypes()) + `.`,
		Example: `  orkesta webhooks create --url https://erp.example.com/hooks/orkesta --event payment.settled,payment.failed
  orkesta webhooks create --url http://localhost:9000/hooks --allow-http --allow-private --output json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ef.url == "" {
				return usagef("webhooks create needs --url")
			}
			types, err := eventTypes(ef.events)
			if err != nil {
				return err
			}
			return c.withDispatcher(cmd, "", allow{http: ef.allowHTTP, private: ef.allowPrivate}, func(ctx context.Context, e *dbEnv, d *webhook.Dispatcher) error {
				ep, err := d.CreateEndpoint(ctx, e.ws.ID, payment.WebhookEndpointRequest{URL: ef.url, Description: ef.description, Events: types})
				if err != nil {
					return err
				}
				return c.printEndpoint(&ep, ep.Secret)
			})
		},
	}
	ef.add(cmd, "an event type to send (repeatable, or comma-separated; default: every type)",
		"accept an http:// URL (local development; serve needs --webhook-allow-http too)")
	return cmd
}

func (c *cli) webhooksUpdate() *cobra.Command {
	var ef endpointFlags
	cmd := &cobra.Command{
		Use:   "update ENDPOINT_ID [--url URL] [--event TYPE …] [--description TEXT]",
		Short: "Change an endpoint's URL, events or description (those given)",
		Example: `  orkesta webhooks update whk_01J… --url https://erp.example.com/v2/hooks
  orkesta webhooks update whk_01J… --event all`,
		Args: exactArgs("ENDPOINT_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			f := cmd.Flags()
			if !f.Changed("url") && !f.Changed("event") && !f.Changed("description") {
				return usagef("webhooks update needs --url, --event or --description")
			}
			var types []payment.EventType
			if !slices.Equal(ef.events, []string{"all"}) {
				var err error
				if types, err = eventTypes(ef.events); err != nil {
					return err
				}
			}
			return c.withDispatcher(cmd, id, allow{http: ef.allowHTTP, private: ef.allowPrivate}, func(ctx context.Context, e *dbEnv, d *webhook.Dispatcher) error {
				ep, err := d.UpdateEndpoint(ctx, e.ws.ID, id, func(r *payment.WebhookEndpointRequest) {
					if f.Changed("url") {
						r.URL = ef.url
					}
					if f.Changed("event") {
						r.Events = types
					}
					if f.Changed("description") {
						r.Description = ef.description
					}
				})
				if err != nil {
					return fmt.Errorf("webhook endpoint %s: %w", id, err)
				}
				return c.printEndpoint(&ep, "")
			})
		},
	}
	ef.add(cmd, "the event types to send (repeatable, or comma-separated), or all",
		"accept an http:// URL (local development; any change to such an endpoint needs it)")
	return cmd
}

func (c *cli) webhooksList() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List webhook endpoints (never their secrets)",
		Example: "  orkesta webhooks list",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withDispatcher(cmd, "", allow{}, func(ctx context.Context, e *dbEnv, d *webhook.Dispatcher) error {
				eps, err := d.Endpoints(ctx, e.ws.ID)
				if err != nil {
					return err
				}
				if c.json() {
					if eps == nil {
						eps = []payment.WebhookEndpoint{}
					}
					return printJSON(c.stdout, eps)
				}
				t := newTable(c.stdout, "ID", "URL", "EVENTS", "STATE", "CREATED")
				for i := range eps {
					ep := &eps[i]
					events := "all"
					if len(ep.Events) > 0 {
						events = joinTypes(ep.Events)
					}
					t.row(ep.ID, ep.URL, events, endpointState(ep), ts(ep.CreatedAt))
				}
				return t.flush()
			})
		},
	}
}

func (c *cli) webhooksDeliveries() *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:     "deliveries ENDPOINT_ID [--limit N]",
		Short:   "Show an endpoint's recent deliveries, newest first",
		Example: "  orkesta webhooks deliveries whk_01J… --limit 50",
		Args:    exactArgs("ENDPOINT_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 {
				return usagef("--limit %d: want a positive number", limit)
			}
			return c.withDispatcher(cmd, args[0], allow{}, func(ctx context.Context, e *dbEnv, d *webhook.Dispatcher) error {
				ds, err := d.Deliveries(ctx, e.ws.ID, args[0], limit)
				if err != nil {
					return fmt.Errorf("webhook endpoint %s: %w", args[0], err)
				}
				if c.json() {
					if ds == nil {
						ds = []payment.WebhookDelivery{}
					}
					return printJSON(c.stdout, ds)
				}
				t := newTable(c.stdout, "EVENT", "TYPE", "STATUS", "ATTEMPTS", "LAST ANSWER", "LAST ATTEMPT", "NEXT ATTEMPT")
				for i := range ds {
					dl := &ds[i]
					answer := "-"
					if dl.LastStatusCode != 0 {
						answer = fmt.Sprint(dl.LastStatusCode)
					}
					if dl.LastError != "" {
						answer += " " + dl.LastError
					}
					t.row(dl.Event.ID, string(dl.Event.Type), string(dl.Status), fmt.Sprint(dl.Attempts), answer,
						ts(dl.LastAttemptAt), ts(dl.NextAttemptAt))
				}
				return t.flush()
			})
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "how many deliveries to show")
	return cmd
}

func (c *cli) webhooksTest() *cobra.Command {
	var typ string
	var private bool
	cmd := &cobra.Command{
		Use:     "test ENDPOINT_ID [--type TYPE]",
		Short:   "Send one signed test event to an endpoint now and show its answer",
		Example: "  orkesta webhooks test whk_01J… --type payment.settled",
		Args:    exactArgs("ENDPOINT_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			t := payment.EventType(typ)
			if !slices.Contains(payment.EventTypes(), t) {
				return usagef("--type %q: want one of %s", typ, joinTypes(payment.EventTypes()))
			}
			return c.withDispatcher(cmd, args[0], allow{private: private}, func(ctx context.Context, e *dbEnv, d *webhook.Dispatcher) error {
				res, err := d.SendTest(ctx, e.ws.ID, args[0], t)
				if err != nil {
					return fmt.Errorf("webhook endpoint %s: %w", args[0], err)
				}
				if c.json() {
					out := map[string]any{"event_id": res.EventID, "type": t, "delivered": res.Err == nil, "status_code": res.StatusCode}
					if res.Err != nil {
						out["error"] = res.Err.Error()
					}
					if err := printJSON(c.stdout, out); err != nil {
						return err
					}
				} else if res.Err == nil {
					if _, err := fmt.Fprintf(c.stdout, "delivered %s (%s): the endpoint answered %d\n", res.EventID, t, res.StatusCode); err != nil {
						return err
					}
				}
				if res.Err != nil {
					return fmt.Errorf("the endpoint did not accept the test event %s: %w", res.EventID, res.Err)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&typ, "type", string(payment.EventPaymentSettled), "the event type to send")
	cmd.Flags().BoolVar(&private, "allow-private", false,
		"send to an endpoint on this machine or its private network (local development; serve needs --webhook-allow-private too)")
	return cmd
}

// webhooksAction is a command that changes one endpoint: disable, enable, rotate-secret or delete.
func (c *cli) webhooksAction(name, short string) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     name + " ENDPOINT_ID",
		Short:   short,
		Example: "  orkesta webhooks " + name + " whk_01J…",
		Args:    exactArgs("ENDPOINT_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			return c.withDispatcher(cmd, id, allow{}, func(ctx context.Context, e *dbEnv, d *webhook.Dispatcher) error {
				var (
					ep     payment.WebhookEndpoint
					secret string
					err    error
				)
				switch name {
				case "disable":
					ep, err = d.DisableEndpoint(ctx, e.ws.ID, id, reason)
				case "enable":
					ep, err = d.EnableEndpoint(ctx, e.ws.ID, id)
				case "rotate-secret":
					ep, err = d.RotateSecret(ctx, e.ws.ID, id)
					secret = ep.Secret
				case "delete":
					err = d.DeleteEndpoint(ctx, e.ws.ID, id)
				}
				if err != nil {
					return fmt.Errorf("webhook endpoint %s: %w", id, err)
				}
				if name != "delete" {
					return c.printEndpoint(&ep, secret)
				}
				if c.json() {
					return printJSON(c.stdout, map[string]any{"id": id, "deleted": true})
				}
				_, err = fmt.Fprintf(c.stdout, "deleted %s\n", id)
				return err
			})
		},
	}
	if name == "disable" {
		cmd.Flags().StringVar(&reason, "reason", "disabled from the command line", "why (shown with the endpoint)")
	}
	return cmd
}
