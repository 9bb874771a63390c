GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
SITE        ?= _site

.PHONY: all build test check bench docs fuzz

all: check test

## build: compile every package and the fluxly command
build:
	$(GO) build ./...

## test: the whole test suite, with the race detector
test:
	$(GO) test -race ./...

## check: formatting, vet and staticcheck (all must be clean)
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

## bench: every benchmark, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## docs: build the documentation site for the bundled examples
docs:
	$(GO) run ./cmd/fluxly docs build --out $(SITE)
