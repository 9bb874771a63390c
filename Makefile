GO          ?= go
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
SITE        ?= _site

.PHONY: all build test check bench docs fuzz temporal-check temporal-test

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

# The Temporal integration is its own module (temporal/go.mod): the
# Temporal server it tests against needs Go >= 1.26.10, so its targets use
# the go1.27.3 toolchain, which the go command downloads from the proxy.
TEMPORAL_GO ?= go1.27.3

## temporal-check: formatting, vet and staticcheck of the temporal module
temporal-check:
	@cd temporal && out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	cd temporal && GOTOOLCHAIN=$(TEMPORAL_GO) $(GO) vet ./...
	cd temporal && GOTOOLCHAIN=$(TEMPORAL_GO) $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

## temporal-test: the temporal module's tests, with the race detector
## (the in-process dev server's own packages without it: a race build of
## the Temporal server takes half an hour cold; see temporal/README.md)
temporal-test:
	cd temporal && GOTOOLCHAIN=$(TEMPORAL_GO) $(GO) test -race $$(GOTOOLCHAIN=$(TEMPORAL_GO) $(GO) list ./... | grep -v -e /devserver$$ -e /cmd/fluxly-temporal-dev$$)
	cd temporal && GOTOOLCHAIN=$(TEMPORAL_GO) $(GO) test ./devserver ./cmd/fluxly-temporal-dev
