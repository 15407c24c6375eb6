package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"

	"duplex/app/auth"
)

const userUsage = `Usage:
  duplex user add --users FILE --login LOGIN [--name NAME] [--email EMAIL] [--role ROLE]... [--disabled] [--force]
`

// userAddIntro is what user add --help says before the flags.
const userAddIntro = `Adds a user to the users file of the system id provider, asking for the
password (without echo on a terminal; otherwise the first line of standard
input). The file is written atomically with mode 0600.`

// errUsage is a command line that names no known subcommand.
var errUsage = errors.New("usage")

// userCommand runs `duplex user ...`; stdin gives the password.
func userCommand(args []string, stdin *os.File, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] != "add" && !strings.HasPrefix(args[0], "-"):
		return usageError{"duplex user: unknown command " + args[0] + suggest("", args[0], []string{"add"}) + "; duplex user add --help says how to add a user"}
	case len(args) == 0 || args[0] != "add":
		fmt.Fprint(stderr, userUsage)
		return errUsage
	}
	cmd := newCommand("user add", strings.TrimSpace(strings.TrimPrefix(userUsage, "Usage:\n")), userAddIntro,
		flagGroup{"Flags", []string{"users", "login LOGIN", "name NAME", "email EMAIL", "role ROLE", "disabled", "force", "bcrypt-cost"}})
	fs := cmd.fs
	var (
		file, login, name, email string
		roles                    []string
		disabled, force          bool
		cost                     int
	)
	fs.StringVar(&file, "users", "", "users `FILE` (created if missing)")
	fs.StringVar(&login, "login", "", "login name: letters, digits, '.', '_', '@', '-'")
	fs.StringVar(&name, "name", "", "display name (default: the login)")
	fs.StringVar(&email, "email", "", "e-mail address; login also accepts it")
	fs.Var(listFlag{&roles}, "role", "role key the user holds besides role:system.everyone and role:system.authenticated (repeatable)")
	fs.BoolVar(&disabled, "disabled", false, "the user exists but cannot log in")
	fs.BoolVar(&force, "force", false, "replace a user of the same login")
	fs.IntVar(&cost, "bcrypt-cost", bcrypt.DefaultCost, "bcrypt work factor (4 to 31)")
	rest, _, err := cmd.parse(args[1:], stdout)
	if err == nil {
		err = cmd.noArgs(rest)
	}
	switch {
	case err != nil:
		return err
	case file == "":
		return errors.New("--users FILE is required")
	case cost < bcrypt.MinCost || cost > bcrypt.MaxCost:
		return fmt.Errorf("--bcrypt-cost %d: use %d to %d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if err := auth.CheckLogin(login); err != nil {
		return err
	}
	for i, r := range roles {
		if !strings.HasPrefix(r, "role:") {
			roles[i] = "role:" + r
		}
	}
	if name == "" {
		name = login
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword(password, cost)
	clear(password)
	if err != nil {
		return err
	}
	err = auth.PutUser(file, auth.UserEntry{
		Login: login, DisplayName: name, Email: email, Disabled: disabled, Roles: roles,
		Password: string(hash), ModifiedTime: time.Now().UTC().Truncate(time.Millisecond),
	}, force)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user:%s:%s written to %s\n", auth.IDProvider, login, file)
	return nil
}

// readPassword asks twice on a terminal, without echo; from a pipe it takes
// the first line, so that scripts and tests can feed it.
func readPassword(stdin *os.File, stderr io.Writer) ([]byte, error) {
	var password []byte
	if fd := int(stdin.Fd()); term.IsTerminal(fd) {
		fmt.Fprint(stderr, "Password: ")
		p, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return nil, err
		}
		fmt.Fprint(stderr, "Repeat password: ")
		again, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return nil, err
		}
		if string(p) != string(again) {
			return nil, errors.New("the passwords differ")
		}
		password = p
	} else {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return nil, errors.New("no password on standard input")
		}
		password = []byte(strings.TrimRight(line, "\r\n"))
	}
	switch {
	case len(password) == 0:
		return nil, errors.New("empty password")
	case len(password) > 72:
		return nil, errors.New("password longer than 72 bytes (bcrypt's limit)")
	}
	return password, nil
}
