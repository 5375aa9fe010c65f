// Command pkg builds dezura's Debian package from this repository:
//
//	go run ./deploy/pkg [-version 1.2.0] [-out dist]
//
// It builds cmd/dezura and cmd/dezura-sim for linux/amd64 (static,
// -trimpath, version and commit linked in) and packs them with nfpm, with
// the systemd unit, the settings file and the maintainer scripts of
// deploy/debian, the alert rules, the dashboard and the Kamailio
// configuration, into
// OUT/dezura_VERSION_amd64.deb. It prints the package's path. Without
// -version the version is 0.0.0~gitDATE.COMMIT, from the last commit.
// Two builds of one commit give the same bytes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "pkg:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("pkg", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.Version, "version", "", "Debian version of the package (default: 0.0.0~gitDATE.COMMIT of the last commit)")
	fs.StringVar(&o.Out, "out", "dist", "directory the .deb is written to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("no arguments expected, got %q", fs.Args())
	}
	path, err := build(ctx, o)
	if err != nil {
		return err
	}
	fmt.Println(path)
	return nil
}
