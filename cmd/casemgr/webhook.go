package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/webhook"
)

const webhookUsage = `Usage: casemgr webhook listen --addr HOST:PORT --secret whsec_...

Commands:
  listen    receive webhook deliveries, verify their signatures and print them
`

func runWebhook(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "listen" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, webhookUsage)
			return nil
		}
		fmt.Fprint(stderr, webhookUsage)
		return errors.New("webhook: a command is required: listen")
	}
	return runWebhookListen(ctx, args[1:], getenv, stdout, stderr)
}

const listenAbout = `Receive webhook deliveries (docs/webhooks.md) for trying webhooks out:
each POST is verified against the secret (Standard Webhooks signature,
timestamp within five minutes) and printed as one line (webhook-id, event
type, entity and the body); one that does not verify is answered 401 and
reported on stderr. Runs until SIGINT or SIGTERM.`

func runWebhookListen(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("webhook listen", "--addr HOST:PORT --secret whsec_...", listenAbout, getenv, stdout)
	addr := f.String("addr", "127.0.0.1:9000", "address to listen on")
	secret := f.String("secret", "", "the webhook's secret (whsec_...), as the creation answered it")
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 0 {
		return fmt.Errorf("webhook listen takes no arguments, got %q", f.fs.Args())
	}
	if _, err := webhook.Sign(*secret, "probe", time.Now(), nil); err != nil || !strings.HasPrefix(*secret, "whsec_") {
		return errors.New("webhook listen: --secret must be a webhook secret, whsec_ and base64")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: webhook.Receiver(*secret, stdout, stderr), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "listening for webhook deliveries on http://%s/\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(shutdownCtx)
}
