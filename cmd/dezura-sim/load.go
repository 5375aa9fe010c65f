package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// loadConfig is the "load" command line.
type loadConfig struct {
	Verbose bool
}

func parseLoad(args []string, stderr io.Writer) (loadConfig, error) {
	return loadConfig{}, fmt.Errorf("%w: load is not built yet", errUsage)
}

func runLoad(ctx context.Context, c loadConfig, stdout io.Writer, lg *slog.Logger) error {
	return nil
}
