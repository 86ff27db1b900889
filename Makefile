# Entry points. `make deploy STACK=dev` deploys a stack, `make test` runs every test offline (see README).
STACK ?= dev
FUZZTIME ?= 5m

.PHONY: deploy test build vet fmt-check fuzz ci

deploy:
	./scripts/deploy.sh $(STACK)

# Builds every package (main included) and runs every test; Go fetches the pinned modules itself.
test: build
	go test ./...

build:
	go build ./...

vet:
	go vet ./...

fmt-check:
	@unformatted="$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*'))"; \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi

# Searches beyond the committed seed corpus; a short minimize time keeps workers fuzzing instead of
# spending a minute minimising every new input.
fuzz:
	go test ./tests -run '^$$' -fuzz FuzzAddressPlan -fuzztime $(FUZZTIME) -fuzzminimizetime 2s

ci: fmt-check vet test
