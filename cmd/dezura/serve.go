package main

import (
	"context"
	"errors"
)

func serveCmd(ctx context.Context, env cliEnv, args []string) error {
	return errors.New("serve: being wired (work in progress)")
}
