# rivet — an ELF linker in Go.
#   make demo     build rivet, link an example C program with it through gcc, run it
#   make test     install the test toolchain when missing (apt-get), then run every test
#   make install  install rivet, ld.rivet and libexec/rivet/ld under PREFIX
#   make bench    link-speed benchmark against ld.bfd, gold, lld and mold
#   make bench-tls  TLS access cost per model, before and after relaxation
#   make corpus   real projects' own test suites, built with rivet and with ld.bfd

PREFIX ?= /usr/local
GO ?= go
OUT := out
BIN := $(OUT)/bin/rivet

.PHONY: all build demo test unit e2e fuzz-seeds toolchain install bench bench-tls corpus clean vet

all: build

# The commit (with -dirty for uncommitted changes) goes into --version and
# the "Linker: rivet ..." string in each output's .comment.
COMMIT := $(shell c=$$(git rev-parse --short=7 HEAD 2>/dev/null) && { git diff --quiet HEAD -- 2>/dev/null || c=$$c-dirty; } && echo $$c)

build:
	$(GO) build -ldflags "-X github.com/rivet-linker/rivet/internal/driver.Commit=$(COMMIT)" -o $(BIN) ./cmd/rivet
	ln -sf rivet $(OUT)/bin/ld.rivet
	mkdir -p $(OUT)/libexec/rivet
	ln -sf ../../bin/rivet $(OUT)/libexec/rivet/ld

demo: build
	@mkdir -p $(OUT)/demo
	gcc -O2 -B$(OUT)/libexec/rivet/ examples/demo.c -o $(OUT)/demo/demo
	@echo "--- linked by: $$(readelf -p .comment $(OUT)/demo/demo >/dev/null 2>&1; $(BIN) --version)"
	$(OUT)/demo/demo

toolchain:
	@bash scripts/install-toolchain.sh

vet:
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./internal/... ./cmd/...

e2e: build
	$(GO) test -count=1 -timeout 30m ./tests/...

test: toolchain build vet
	$(GO) test -count=1 -race ./internal/...
	$(GO) test -count=1 -timeout 40m ./...

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/rivet
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/rivet
	ln -sf rivet $(DESTDIR)$(PREFIX)/bin/ld.rivet
	ln -sf ../../bin/rivet $(DESTDIR)$(PREFIX)/libexec/rivet/ld

# Link speed against ld.bfd, gold, lld and mold (../shared/bench), the
# ratio table (bench/link/results.md) and a determinism check on llvm.
bench: build
	bash bench/link/run.sh

# Real projects from Debian source packages built with rivet and with ld.bfd,
# each running its own test suite (slow: not part of make test, except the
# zlib smoke run in tests/corpus).
corpus: build
	bash corpus/run.sh $(PROJECTS)
	bash corpus/run.sh --cc clang $(or $(CLANG_PROJECTS),zlib bzip2 lua5.4 xz-utils)

# Nanoseconds per TLS access for each model, before and after relaxation.
bench-tls: build
	bash bench/tls/run.sh

clean:
	rm -rf $(OUT)
