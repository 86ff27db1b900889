# Entry points. `make deploy STACK=dev` deploys a stack and checks a request through every hop, `make
# verify STACK=dev` repeats the check, `make test` runs every test offline (see README).
STACK ?= dev
FUZZTIME ?= 5m
# Every Go module of the repository: the program and the policy pack (its own module, so it can be
# published with `pulumi policy publish policy`).
MODULES := . policy
# bash with pipefail: `make test` pipes go test into its report, and a failing go test must fail it.
SHELL := bash
.SHELLFLAGS := -o pipefail -c

.PHONY: deploy verify test build vet fmt-check lint fuzz review diagram export scan bench-data-path ci

# ARGS go to both runs of `pulumi up` (e.g. ARGS=--yes) or to the check (e.g. ARGS="-timeout 20m").
deploy:
	./scripts/deploy.sh $(STACK) $(ARGS)

verify:
	./scripts/verify.sh $(STACK) $(ARGS)

# Compiles every package of every module and runs every test; Go fetches the pinned modules itself.
# The programs (package main) are built by make build (CI runs it): linking them four times with the
# azure-native SDK would add about 20 seconds to every run. The report (cmd/testreport) prints a line
# per package, failed tests' output, and one last line naming every skipped test and why.
test:
	@go build -o build/bin/testreport ./cmd/testreport
	@for module in $(MODULES); do (cd $$module && go test -json ./...); done | build/bin/testreport

# Links every program of every module, too.
build:
	@for module in $(MODULES); do (cd $$module && go build ./...) || exit 1; done

vet:
	@for module in $(MODULES); do (cd $$module && go vet ./...) || exit 1; done

fmt-check:
	@unformatted="$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*'))"; \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi

# golangci-lint with .golangci.yml on every module; installs the pinned version into
# ~/.local/share/apiplatform/bin first when it is missing (scripts/lint.sh). ARGS go to `golangci-lint run`.
lint:
	./scripts/lint.sh $(ARGS)

# Offline review of one stack: the program under mocks, the policy pack, the deploy-time model and the
# architecture diagram (build/review/architecture-$(STACK).md, untracked). POLICY_CONFIG optionally names a policy
# configuration file in `pulumi preview --policy-pack-config` format.
# make exits 2 whenever the review fails; scripts/review.sh keeps the review's own codes (1, 2).
review:
	@./scripts/review.sh $(STACK) $(if $(POLICY_CONFIG),-policy-config $(POLICY_CONFIG))

# The stack as scanners read it: build/export/$(STACK)/azuredeploy.json (every azure-native resource,
# secrets as parameters without values) and manifests.yaml (the in-cluster objects, Secrets redacted).
export:
	go run ./cmd/export -stack $(STACK)

# The scanners on both stacks' exports, judged against scanners/accepted-findings.txt (scripts/scan.sh).
scan:
	./scripts/scan.sh

# Regenerates the dev architecture diagram and the copy README embeds.
diagram:
	go run ./cmd/review -stack dev -diagram docs/architecture-dev.md -readme README.md

# Requests per second and p50/p99 latency through the local TLS rehearsal, per RSA key size, with and
# without connection reuse (needs nginx, ModSecurity and the CRS; see README, Local rehearsal).
bench-data-path:
	go test ./tests -run '^$$' -bench DataPath -benchtime 300x

# Searches beyond the committed seed corpus; a short minimize time keeps workers fuzzing instead of
# spending a minute minimising every new input.
fuzz:
	go test ./tests -run '^$$' -fuzz FuzzAddressPlan -fuzztime $(FUZZTIME) -fuzzminimizetime 2s

ci: fmt-check vet lint build scan test
