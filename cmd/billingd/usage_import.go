package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/billingd/billingd/adapters/rest"
	"github.com/billingd/billingd/domain/tenancy"
	metering "github.com/billingd/billingd/domain/usage"
	"github.com/schollz/progressbar/v3"
	"github.com/shopspring/decimal"
	"golang.org/x/term"
)

const usageCmdUsage = `billingd usage import FILE --tenant NAME [--namespace NS] [--format ndjson|csv] [--batch 1000]`

// csvColumns is the header an import CSV file starts with (deployment and
// container may be left out).
var csvColumns = []string{"id", "usage_type", "object_name", "quantity", "unit_name", "timestamp", "deployment", "container"}

func cmdUsage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if done, err := subcommandHelp(args, usageCmdUsage, "usage needs a subcommand: import", stderr); done {
		return err
	}
	if args[0] != "import" {
		return usageError{fmt.Sprintf("unknown usage subcommand %q; want import", args[0])}
	}
	var db dbFlags
	var tenant, ns, format string
	var batch int
	fs := newFlagSet("usage import FILE --tenant NAME [--namespace NS] [--format ndjson|csv] [--batch 1000]",
		"Ingests usage events from a file, as POST .../usage/events does, in batches of --batch events, as an admin\n"+
			"of the tenant. NDJSON holds one event object per line; CSV starts with the header\n"+
			"  "+strings.Join(csvColumns, ",")+"\n"+
			"The file is streamed, never loaded whole. Event IDs make a second run store nothing twice.\n"+
			"Prints the totals and the first 20 rejections; exits 1 when any event was rejected.", stderr)
	fs.StringVar(&tenant, "tenant", "", "tenant name (required)")
	fs.StringVar(&ns, "namespace", tenancy.SystemNamespace, "namespace the events belong to")
	fs.StringVar(&format, "format", "", "ndjson or csv (default: from the file name, .csv is csv, anything else ndjson)")
	fs.IntVar(&batch, "batch", 1000, fmt.Sprintf("events per transaction (1-%d)", metering.MaxBatch))
	db.register(fs)
	// FILE may come before or after the flags.
	rem := args[1:]
	var file string
	if len(rem) > 0 && !strings.HasPrefix(rem[0], "-") {
		file, rem = rem[0], rem[1:]
	}
	if err := fs.Parse(rem); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
		if fs.NArg() > 1 {
			return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(1))}
		}
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	switch {
	case file == "":
		return usageError{"usage import needs a FILE"}
	case tenant == "":
		return usageError{"--tenant is required"}
	case batch < 1 || batch > metering.MaxBatch:
		return usageError{fmt.Sprintf("--batch must be between 1 and %d", metering.MaxBatch)}
	}
	if format == "" {
		format = "ndjson"
		if strings.EqualFold(filepath.Ext(file), ".csv") {
			format = "csv"
		}
	}
	if format != "ndjson" && format != "csv" {
		return usageError{fmt.Sprintf("--format %q: want ndjson or csv", format)}
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := openApp(ctx, db, 2, warnLogger(stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := a.Tenancy.OperatorPrincipal(ctx, cli, tenant)
	if err != nil {
		return err
	}

	var in io.Reader = f
	if sf, ok := stderr.(*os.File); ok && term.IsTerminal(int(sf.Fd())) {
		size := int64(-1)
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		bar := progressbar.NewOptions64(size, progressbar.OptionSetWriter(stderr), progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription("importing "+filepath.Base(file)), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
		r := progressbar.NewReader(f, bar)
		in = &r
		defer bar.Finish() //nolint:errcheck
	}
	imp := &importer{ctx: ctx, by: p, svc: a.Usage, ns: ns, size: batch}
	if format == "csv" {
		err = imp.readCSV(bufio.NewReaderSize(in, 1<<16))
	} else {
		err = imp.readNDJSON(bufio.NewReaderSize(in, 1<<16))
	}
	if err == nil {
		err = imp.flush()
	}
	fmt.Fprintf(stdout, "accepted %d, duplicates %d, rejected %d (of %d events read)\n", imp.accepted, imp.duplicates, imp.rejected, imp.read)
	for _, r := range imp.reasons {
		fmt.Fprintln(stdout, "  "+r)
	}
	if more := imp.rejected - len(imp.reasons); more > 0 {
		fmt.Fprintf(stdout, "  ... and %d more rejections\n", more)
	}
	if err != nil {
		return err
	}
	if imp.rejected > 0 {
		return fmt.Errorf("%d events were rejected", imp.rejected)
	}
	return nil
}

// importer sends a file's events in batches and keeps the totals. Only one
// batch is in memory at a time, so memory stays flat whatever the file size.
type importer struct {
	ctx  context.Context
	by   tenancy.Principal // the operator acting on the tenant imported into
	svc  *metering.Service
	ns   string
	size int

	pending    []metering.Event
	where      []string // where[k]: the place in the file of pending[k]
	read       int
	accepted   int
	duplicates int
	rejected   int
	reasons    []string
}

// maxReasons is how many rejections are printed.
const maxReasons = 20

func (m *importer) reject(where, id, reason string) {
	m.rejected++
	if len(m.reasons) < maxReasons {
		m.reasons = append(m.reasons, fmt.Sprintf("%s (id %q): %s", where, id, reason))
	}
}

func (m *importer) add(where string, e metering.Event, err error) error {
	m.read++
	if err != nil {
		m.reject(where, e.ID, err.Error())
		return nil
	}
	m.pending = append(m.pending, e)
	m.where = append(m.where, where)
	if len(m.pending) >= m.size {
		return m.flush()
	}
	return nil
}

func (m *importer) flush() error {
	if len(m.pending) == 0 {
		return nil
	}
	res, err := m.svc.Ingest(m.ctx, m.by, m.ns, m.pending)
	if err != nil {
		return fmt.Errorf("%s: %w", m.where[0], err)
	}
	m.accepted += res.Accepted
	m.duplicates += res.Duplicates
	for _, r := range res.Rejected {
		m.reject(m.where[r.Index], r.ID, r.Reason)
	}
	m.pending, m.where = m.pending[:0], m.where[:0]
	return nil
}

func (m *importer) readNDJSON(r *bufio.Reader) error {
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if t := strings.TrimSpace(string(b)); t != "" {
			e, derr := rest.DecodeEvent([]byte(t))
			if aerr := m.add(fmt.Sprintf("line %d", line), e, derr); aerr != nil {
				return aerr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (m *importer) readCSV(r io.Reader) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("read the CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.ToLower(h))] = i
	}
	for _, c := range csvColumns[:6] {
		if _, ok := col[c]; !ok {
			return fmt.Errorf("the CSV header lacks column %q; want %s", c, strings.Join(csvColumns, ","))
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// A CSV syntax error leaves the rest of the file unreadable.
			// (csv.ParseError names the line; FieldPos would panic here,
			// since a record that failed to parse has no fields.)
			return err
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		e := metering.Event{ID: get("id"), UsageType: get("usage_type"), ObjectName: get("object_name"), UnitName: get("unit_name"),
			Deployment: get("deployment"), Container: get("container")}
		var problems []string
		if q, err := decimal.NewFromString(get("quantity")); err != nil {
			problems = append(problems, fmt.Sprintf("quantity %q is not a decimal", get("quantity")))
		} else {
			e.Quantity = q
		}
		if ts, err := time.Parse(time.RFC3339Nano, get("timestamp")); err != nil {
			problems = append(problems, fmt.Sprintf("timestamp %q is not RFC 3339", get("timestamp")))
		} else {
			e.Timestamp = ts.UTC()
		}
		var perr error
		if len(problems) > 0 {
			perr = errors.New(strings.Join(problems, "; "))
		}
		if err := m.add(fmt.Sprintf("line %d", line), e, perr); err != nil {
			return err
		}
	}
}
