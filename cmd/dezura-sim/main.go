// Command dezura-sim is a SIP caller for trying and testing dezura: it
// places real calls over UDP, keys digits in step with the prompts it hears
// and reports what happened.
//
//	dezura-sim call --to sip:ivr@127.0.0.1:5060 --from 09012345678 --keys 1234#,1
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	tuneRuntime = true
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
