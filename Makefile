# billingd — every target has a '## help' line; `make help` lists them.
GO        ?= go
PG_URL    ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
BENCH_PG  ?= $(PG_URL)

.PHONY: help run test generate check-generated lint bench migrate fuzz build console

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## build ./bin/billingd
	$(GO) build -o bin/billingd ./cmd/billingd

run: ## run the server on the embedded SQLite file ./billingd.db (no setup needed)
	$(GO) run ./cmd/billingd serve

test: ## run every test with the race detector (PostgreSQL tests run when BILLINGD_TEST_DATABASE_URL is set)
	$(GO) test -race -count=1 ./...

generate: ## regenerate the GraphQL code from schema.graphqls
	$(GO) generate ./graph/...

check-generated: ## fail when generated code (GraphQL, the console's types and built assets) is stale
	$(GO) generate ./graph/...
	@git diff --exit-code -- graph/ || (echo "generated code is stale: run 'make generate' and commit" && exit 1)
	@test -z "$$(git status --porcelain -- graph/)" || (git status --porcelain -- graph/; echo "generate made new files: commit them" && exit 1)
	$(MAKE) console
	@git diff --exit-code -- $(CONSOLE_GEN) || (echo "the console's build is stale: run 'make console' and commit web/console/dist and web/console/src/gql" && exit 1)
	@test -z "$$(git status --porcelain -- $(CONSOLE_GEN))" || (git status --porcelain -- $(CONSOLE_GEN); echo "make console made new files: commit them" && exit 1)

CONSOLE_GEN = web/console/dist web/console/src/gql

console: ## build the web console (npm ci, codegen from schema.graphqls, typecheck, vite) into web/console/dist, which billingd embeds
	cd web/console && npm ci --no-audit --no-fund --loglevel=error && npm run build

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: ## gofmt, go vet and staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt needed" && exit 1)
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

migrate: ## apply migrations to --database-url / BILLING_DATABASE_URL (default ./billingd.db)
	$(GO) run ./cmd/billingd migrate

fuzz: ## run each fuzz test for FUZZTIME (default 30s)
	$(GO) test -run=^$$ -fuzz=FuzzQuotaBodies -fuzztime=$${FUZZTIME:-30s} ./adapters/rest/
	$(GO) test -run=^$$ -fuzz=FuzzParse -fuzztime=$${FUZZTIME:-30s} ./domain/labels/
	$(GO) test -run=^$$ -fuzz=FuzzLoad -fuzztime=$${FUZZTIME:-30s} -fuzzminimizetime=2s ./catalog/
	$(GO) test -run=^$$ -fuzz=FuzzIngestBody -fuzztime=$${FUZZTIME:-30s} ./adapters/rest/
	$(GO) test -run=^$$ -fuzz=FuzzDecodeQuery -fuzztime=$${FUZZTIME:-30s} ./domain/usage/
	$(GO) test -run=^$$ -fuzz=FuzzRoutes -fuzztime=$${FUZZTIME:-30s} -fuzzminimizetime=5s ./cmd/billingd/
	$(GO) test -run=^$$ -fuzz=FuzzImportRecords -fuzztime=$${FUZZTIME:-30s} -fuzzminimizetime=5s ./cmd/billingd/
	$(GO) test -run=^$$ -fuzz=FuzzGraphQL -fuzztime=$${FUZZTIME:-30s} -fuzzminimizetime=5s ./graph/

bench: ## benchmarks against PostgreSQL (BENCH_PG): reservations, quota/usage latency, GraphQL, ingestion vs COPY, current_usage over 10M events, import memory, 15 s verified mixed load
	BENCH_PG='$(BENCH_PG)' scripts/bench.sh
	BENCH_PG='$(BENCH_PG)' scripts/bench_ingest.sh
	BENCH_PG='$(BENCH_PG)' scripts/bench_reports.sh
	BENCH_PG='$(BENCH_PG)' LOAD_DURATION=$${LOAD_DURATION:-15s} scripts/load_mixed.sh
