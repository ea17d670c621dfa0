package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/billingd/billingd/catalog"
	"github.com/billingd/billingd/domain/errs"
)

const plansUsage = `billingd plans load FILE       validate a plan catalog (JSON) and put it in force
billingd plans validate FILE   only validate it: every error with its place in the file`

func cmdPlans(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if done, err := subcommandHelp(args, plansUsage+"\n\nThe built-in catalog is "+catalog.BuiltinName+"; see it for the format.", "plans needs a subcommand: load or validate", stderr); done {
		return err
	}
	sub := args[0]
	if sub != "load" && sub != "validate" {
		return usageError{fmt.Sprintf("unknown plans subcommand %q; want load or validate", sub)}
	}
	var db dbFlags
	fs := newFlagSet("plans "+sub+" FILE", "Validates a plan catalog and reports every error with its place in the file.\n'load' then stores it as the catalog in force (restart serve to use it); a bad\ncatalog never half-loads, and one that drops a plan some tenant is on is refused.", stderr)
	db.register(fs)
	if len(args) < 2 || strings.HasPrefix(args[1], "-") {
		fs.Usage()
		return usageError{"plans " + sub + " needs a FILE"}
	}
	file := args[1]
	if err := parse(fs, args[2:]); err != nil {
		return err
	}
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	cat, err := catalog.Load(bytes.NewReader(body), file)
	if err != nil {
		printCatalogErrors(stderr, err)
		return fmt.Errorf("%s is not a valid catalog; nothing was loaded", file)
	}
	if sub == "validate" {
		fmt.Fprintf(stdout, "%s: valid catalog %q with %d plans\n", file, cat.Version, len(cat.Plans))
		return nil
	}
	a, err := openApp(ctx, db, 2, warnLogger(stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	inUse, err := a.DB.PlansInUse(ctx)
	if err != nil {
		return err
	}
	var missing []string
	for _, n := range inUse {
		if _, ok := cat.Plan(n); !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s drops plans that tenants are on (%s); keep them in the catalog; nothing was loaded", file, strings.Join(missing, ", "))
	}
	if err := a.DB.SaveCatalog(ctx, cat.Version, body, a.Clock.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded catalog %q with %d plans from %s; restart billingd serve to use it\n", cat.Version, len(cat.Plans), file)
	return nil
}

func printCatalogErrors(w io.Writer, err error) {
	e := errs.As(err)
	if len(e.Fields) == 0 {
		fmt.Fprintln(w, e.PublicMessage())
		return
	}
	for _, f := range e.Fields {
		fmt.Fprintf(w, "%s: %s\n", f.Field, f.Problem)
	}
}
