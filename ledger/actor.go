package ledger

import (
	"context"
	"os"
	"os/user"
	"strings"
)

// Actor is who makes a change: a person signed in to the console, the
// operator at the command line, or the system itself. Every change to the
// registrations is written to the audit log with its actor, in the same
// transaction as the change.
//
// The actor travels in the context (WithActor), not as a parameter: it
// reaches every existing Admin operation, the CLI's and the console's,
// without changing their signatures or their callers, and it is set once
// at the edge (the CLI's root, the console's session middleware) instead
// of at every call. A change made with no actor in its context is still
// audited, as "unattributed", so that a forgotten edge shows in the log
// instead of losing the record; the CLI and console tests check that
// theirs never are.
type Actor struct {
	// Kind says what sort of actor: "user" (console), "cli", "system".
	Kind string
	// Name identifies it within the kind: the console user's login, the
	// OS user of the CLI, "demo" for the demo data.
	Name string
}

// Unattributed is the actor of a change made without one in its context.
var Unattributed = Actor{Kind: "unattributed"}

// String is the actor as the audit log keeps it: "user:tanaka",
// "cli:root", "system:demo".
func (a Actor) String() string {
	if a.Name == "" {
		return a.Kind
	}
	return a.Kind + ":" + a.Name
}

type actorKey struct{}

// WithActor returns ctx carrying a as the actor of the changes made with
// it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorOf returns the actor ctx carries, or Unattributed.
func ActorOf(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok && a.Kind != "" {
		return a
	}
	return Unattributed
}

// CLIActor is the actor of a change typed at the command line:
// "cli:<OS user>" (SUDO_USER when run through sudo, so the person is
// named rather than root).
func CLIActor() Actor {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if s := strings.TrimSpace(os.Getenv("SUDO_USER")); s != "" {
		name = s
	}
	if name == "" {
		name = "unknown"
	}
	return Actor{Kind: "cli", Name: name}
}
