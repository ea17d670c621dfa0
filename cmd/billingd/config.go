package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// dbFlags are the flags every command shares: the database, and the clock
// every instant the command records or compares comes from.
type dbFlags struct {
	url string
	// clockStart, when set, runs the command on a simulated clock that starts
	// at this RFC 3339 instant and then runs at real speed.
	clockStart string
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.url, "database-url", os.Getenv("BILLING_DATABASE_URL"),
		"database: postgres://user@host/db, or sqlite:PATH, or empty for sqlite:./billingd.db (env BILLING_DATABASE_URL)")
	fs.StringVar(&d.clockStart, "clock-start", os.Getenv("BILLINGD_CLOCK_START"),
		"simulate time: start the clock at this RFC 3339 instant, then run at real speed; for tests and demos, never production (env BILLINGD_CLOCK_START)")
}

// newFlagSet returns a flag set whose --help prints a description first.
func newFlagSet(name, synopsis string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: billingd %s\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// subcommandHelp handles a command given no subcommand or -h/--help: it
// prints the command's usage to stderr and reports done, with a usage error
// naming the missing subcommand when none was given.
func subcommandHelp(args []string, usage, missing string, stderr io.Writer) (done bool, err error) {
	if len(args) > 0 && args[0] != "-h" && args[0] != "--help" {
		return false, nil
	}
	fmt.Fprintf(stderr, "Usage:\n%s\n", usage)
	if len(args) == 0 {
		return true, usageError{missing}
	}
	return true, nil
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// warnLogger is the log of the one-shot commands: warnings and errors, as
// text, to stderr.
func warnLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Sprintf("--log-level %q: want debug, info, warn or error", level)}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Sprintf("--log-format %q: want json or text", format)}
}
