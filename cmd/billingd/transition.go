package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/billingd/billingd/domain/subscription"
)

const transitionUsage = `billingd transition approve ID [--force]      approve a plan transition waiting for approval
billingd transition reject ID [--reason TEXT]  reject it (it ends FAILED with the reason)`

// cmdTransition is the operator's side of manual approval: no tenant token,
// the transition is found by its id (the one InitiatePlanTransition answered).
func cmdTransition(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if done, err := subcommandHelp(args, transitionUsage, "transition needs a subcommand: approve or reject", stderr); done {
		return err
	}
	sub := args[0]
	var db dbFlags
	var force bool
	var reason string
	var fs *flag.FlagSet
	switch sub {
	case "approve":
		fs = newFlagSet("transition approve ID [--force]",
			"Approves a plan transition that waits for approval and processes it at once: the tenant moves to the\n"+
				"new plan unless its current quota usage does not fit the new plan's default quota (then it ends FAILED\n"+
				"with the keys that do not fit). --force skips that check.", stderr)
		fs.BoolVar(&force, "force", false, "move the tenant even when its usage is over the new plan's default quota")
	case "reject":
		fs = newFlagSet("transition reject ID [--reason TEXT]", "Rejects a plan transition that waits for approval; it ends FAILED with the reason.", stderr)
		fs.StringVar(&reason, "reason", "", "why, kept as the failure reason")
	default:
		return usageError{fmt.Sprintf("unknown transition subcommand %q; want approve or reject", sub)}
	}
	db.register(fs)
	// ID may come before or after the flags.
	rem := args[1:]
	var id string
	if len(rem) > 0 && !strings.HasPrefix(rem[0], "-") {
		id, rem = rem[0], rem[1:]
	}
	if err := fs.Parse(rem); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if id == "" && fs.NArg() > 0 {
		id, rem = fs.Arg(0), fs.Args()[1:]
	} else {
		rem = fs.Args()
	}
	if len(rem) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rem[0])}
	}
	if id == "" {
		return usageError{"transition " + sub + " needs the transition ID"}
	}
	a, err := openApp(ctx, db, 2, warnLogger(stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	if sub == "approve" {
		t, err := a.Subscriptions.Approve(ctx, cli, id, force)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "transition %s (%s -> %s): %s\n", t.ID, t.OldPlan, t.NewPlan, t.State)
		if t.State != subscription.StateFinished {
			// Approved but refused (quota): exit 1, so scripts notice.
			return fmt.Errorf("transition %s ended %s: %s", t.ID, t.State, t.FailureReason)
		}
		return nil
	}
	t, err := a.Subscriptions.Reject(ctx, cli, id, reason)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "transition %s (%s -> %s): %s\n%s\n", t.ID, t.OldPlan, t.NewPlan, t.State, t.FailureReason)
	return nil
}
