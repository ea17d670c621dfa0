package main

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/billingd/billingd/adapters/rest"
	"github.com/billingd/billingd/domain/tenancy"
)

// reasonLine reads the line number off a rejection as the importer prints it.
var reasonLine = regexp.MustCompile(`^line (\d+) \(id "`)

// FuzzImportRecords feeds arbitrary bytes as a CSV or NDJSON import file
// through the importer 'billingd usage import' uses, against a real SQLite
// database: no input may panic, every event read is accounted for once
// (accepted, duplicate, rejected or still pending when the file broke off),
// and every rejection names a line of the file. For NDJSON, each line the
// decoder refuses is among the rejections printed.
func FuzzImportRecords(f *testing.F) {
	head := strings.Join(csvColumns, ",") + "\n"
	for _, s := range []string{
		head + "e1,http_requests,lb,12,request,2026-11-26T10:00:00Z,d,c\n",
		head + "e2,http_requests,lb,notanumber,request,yesterday,,\ne3,x,y,1,u,2026-11-26T10:00:00Z\n",
		"id,usage_type,object_name,quantity,unit_name,timestamp\n\"e4\",\"a\",\"b\",\"1.5\",\"u\",\"2026-11-26T10:00:00.5+01:00\"\n",
		head + "a\"b,c\n", head + "\"unterminated\n", "id,quantity\n1,2\n", "", head,
	} {
		f.Add([]byte(s), true)
	}
	for _, s := range []string{
		`{"id":"n1","usage_type":"http_requests","object_name":"lb","quantity":12,"unit_name":"request","timestamp":"2026-11-26T10:00:00Z"}` + "\n",
		"{\"id\":\"n2\",\"quantity\":\"1e999999\"}\n\n  \n{oops\n[1]\r\n{\"id\":\"n3\",\"extra\":1}",
		"{\"id\":\"n4\",\"usage_type\":\"u\",\"object_name\":\"o\",\"quantity\":-1,\"unit_name\":\"x\",\"timestamp\":\"2026-11-26T10:00:00Z\"}\n", "", "\n\n",
	} {
		f.Add([]byte(s), false)
	}
	ctx := context.Background()
	a, err := openApp(ctx, dbFlags{url: "sqlite:" + f.TempDir() + "/i.db"}, 2, slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatalf("open app: %v", err)
	}
	f.Cleanup(func() { _ = a.Close() })
	if _, _, err := a.Tenancy.CreateToken(ctx, cli, tenancy.CreateTokenInput{Tenant: "fuzzimport", Role: tenancy.RoleAdmin}); err != nil {
		f.Fatalf("create tenant: %v", err)
	}
	p, err := a.Tenancy.OperatorPrincipal(ctx, cli, "fuzzimport")
	if err != nil {
		f.Fatalf("operator principal: %v", err)
	}
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		imp := &importer{ctx: ctx, by: p, svc: a.Usage, ns: tenancy.SystemNamespace, size: 50}
		in := bufio.NewReaderSize(bytes.NewReader(data), 1<<16)
		var err error
		if csv {
			err = imp.readCSV(in)
		} else {
			err = imp.readNDJSON(in)
		}
		if err == nil {
			if err = imp.flush(); err != nil {
				t.Fatalf("input %q: ingest: %v", data, err)
			}
		}
		if got := imp.accepted + imp.duplicates + imp.rejected + len(imp.pending); got != imp.read {
			t.Fatalf("input %q: %d accepted + %d duplicates + %d rejected + %d pending != %d read",
				data, imp.accepted, imp.duplicates, imp.rejected, len(imp.pending), imp.read)
		}
		if len(imp.reasons) != min(imp.rejected, maxReasons) {
			t.Fatalf("input %q: %d rejections, %d printed", data, imp.rejected, len(imp.reasons))
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		printed := map[int]bool{}
		for _, r := range imp.reasons {
			m := reasonLine.FindStringSubmatch(r)
			if m == nil {
				t.Fatalf("input %q: rejection names no line: %q", data, r)
			}
			n, _ := strconv.Atoi(m[1])
			if n < 1 || n > lines {
				t.Fatalf("input %q: rejection names line %d of %d: %q", data, n, lines, r)
			}
			printed[n] = true
		}
		if csv || err != nil || imp.rejected > maxReasons {
			return
		}
		for i, l := range bytes.Split(data, []byte("\n")) {
			if t0 := bytes.TrimSpace(l); len(t0) > 0 {
				if _, derr := rest.DecodeEvent(t0); derr != nil && !printed[i+1] {
					t.Fatalf("input %q: line %d (%v) is not among the rejections %q", data, i+1, derr, imp.reasons)
				}
			}
		}
	})
}
