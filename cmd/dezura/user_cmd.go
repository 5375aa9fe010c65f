package main

// `dezura user`: console accounts at the command line, for the first
// operator account and for a reset when no one can sign in.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/dezura/dezura/ledger"
	"github.com/dezura/dezura/ledger/access"
)

type userCmd struct {
	Add      userAddCmd      `cmd:"" help:"Add a console account. The password is asked for (or read from standard input), never given as a flag."`
	List     userListCmd     `cmd:"" help:"List the console accounts."`
	Password userPasswordCmd `cmd:"" help:"Set a new password for an account (its sessions end)."`
}

type userAddCmd struct {
	Login      string `arg:"" help:"login name: 3 to 64 lower-case letters, digits, '.', '_', '@' or '-'"`
	Name       string `name:"name" required:"" help:"the person's name, as the console shows it"`
	Role       string `name:"role" default:"operator_admin" help:"operator_admin, contractor_admin, clerk, foreman, technician or billing"`
	Contractor string `name:"contractor" placeholder:"ID" help:"the contractor of a contractor_admin, clerk or foreman"`
	Technician string `name:"technician" placeholder:"ID" help:"the 14-digit technician ID of a foreman or technician"`
}

// Run adds the account, attributed in the audit log to the OS user.
func (c *userAddCmd) Run(ctx context.Context, db ledger.DB, o *output) error {
	role, err := access.ParseRole(c.Role)
	if err != nil {
		return fmt.Errorf("%w: --role: %w", errUsage, err)
	}
	acc, err := access.New(ctx, db)
	if err != nil {
		return err
	}
	pw, err := readPassword(o, c.Login)
	if err != nil {
		return err
	}
	u, err := acc.AddUser(ctx, ledger.ScopeAll(), access.NewUser{Login: c.Login, Name: c.Name, Role: role,
		ContractorID: c.Contractor, TechnicianID: c.Technician, Password: pw})
	if err != nil {
		return err
	}
	o.Printf("added %s (%s)\n", u.Login, u.Role)
	return nil
}

type userListCmd struct {
	Contractor string `name:"contractor" placeholder:"ID" help:"only this contractor's accounts"`
	All        bool   `name:"all" help:"disabled accounts too"`
	JSON       bool   `name:"json" help:"JSON instead of a table"`
}

func (c *userListCmd) Run(ctx context.Context, db ledger.DB, o *output) error {
	acc, err := access.New(ctx, db)
	if err != nil {
		return err
	}
	var users []access.User
	q := ledger.ListQuery{ContractorID: c.Contractor, WithDisabled: c.All, Limit: ledger.MaxPageSize}
	for {
		p, err := acc.UsersPage(ctx, ledger.ScopeAll(), q)
		if err != nil {
			return err
		}
		users = append(users, p.Rows...)
		if q.After = p.Next; q.After == "" {
			break
		}
	}
	rows := make([][]string, len(users))
	for i, u := range users {
		state := "active"
		if u.Disabled {
			state = "disabled"
		}
		rows[i] = []string{u.Login, u.Name, u.Role.String(), u.ContractorID, u.TechnicianID, state}
	}
	return o.List(c.JSON, users, []string{"LOGIN", "NAME", "ROLE", "CONTRACTOR", "TECHNICIAN", "STATE"}, rows)
}

type userPasswordCmd struct {
	Login string `arg:"" help:"login name"`
}

func (c *userPasswordCmd) Run(ctx context.Context, db ledger.DB, o *output) error {
	acc, err := access.New(ctx, db)
	if err != nil {
		return err
	}
	u, err := acc.ScopedUserByLogin(ctx, ledger.ScopeAll(), c.Login)
	if err != nil {
		return err
	}
	login, id := u.Login, u.ID
	pw, err := readPassword(o, login)
	if err != nil {
		return err
	}
	if err := acc.SetPassword(ctx, ledger.ScopeAll(), id, pw); err != nil {
		return err
	}
	o.Printf("new password set for %s; its sessions have ended\n", login)
	return nil
}

// readPassword asks for a password twice on a terminal (not echoed), or
// reads the first line of standard input otherwise (a script: printf
// '%s\n' "$PW" | dezura user add ...). A password is never a flag: flags
// are seen by every user of the machine in the process list and kept in
// shell histories.
func readPassword(o *output, login string) (string, error) {
	if f, ok := o.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(o.Stderr, "password for %s (at least %d characters): ", login, access.MinPasswordLen)
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(o.Stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		fmt.Fprint(o.Stderr, "again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(o.Stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ; run the command again")
		}
		return string(a), nil
	}
	if o.Stdin == nil {
		return "", fmt.Errorf("%w: give the password on standard input", errUsage)
	}
	line, err := bufio.NewReader(o.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("%w: no password on standard input (type it at a terminal, or pipe it in)", errUsage)
	}
	return line, nil
}
