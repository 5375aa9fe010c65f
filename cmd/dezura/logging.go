package main

import (
	"encoding"
	"fmt"
	"io"
	"log/slog"
)

// newLogger is the service's logger: text or JSON lines on w at level.
// JSON says what text says: a duration as "1.5s", not nanoseconds, and a
// value with a String method (the enums: outcome, reason, state) by its
// name, not its number; for a type such as guard.Secrets, String is also
// what keeps its contents out of the log, where encoding/json would write
// them.
func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		opts.ReplaceAttr = likeText
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// likeText gives a JSON attribute the text handler's rendering where
// encoding/json's differs. The text handler uses MarshalText, then
// fmt's %+v (which calls Error or String); the JSON handler uses Error,
// then encoding/json (MarshalJSON, MarshalText, else the number or the
// fields).
func likeText(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindDuration:
		return slog.String(a.Key, a.Value.Duration().String())
	case slog.KindAny:
		switch v := a.Value.Any().(type) {
		case error, encoding.TextMarshaler:
		case fmt.Stringer:
			return slog.String(a.Key, v.String())
		}
	}
	return a
}

// routeLibraryLogs sends what libraries write to the package-wide default
// logger (sipgo's sip.DefaultLogger falls back to slog.Default) through
// logger, at its level and in its format; dezura's own packages are given
// their logger.
func routeLibraryLogs(logger *slog.Logger) {
	slog.SetDefault(logger)
}
