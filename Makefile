# Set-up and checks for tutor on Debian. Every target installs what it needs first.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= debug
BUILD_FLAGS ?=
TUTOR = $(shell $(SWIFT) build -c $(CONFIG) --show-bin-path)/tutor
TUTORIAL = tutorials/tutorial-web-app-python-flask-prepare-tenant.md
DEMO_OUT ?= .tutor/flask-webapp
FUZZ_SECONDS ?= 60

# `make install`: a release build with the Swift standard library linked in, so the binary needs
# only the Debian C libraries below; DESTDIR stages the files for a package.
PREFIX ?= /usr/local
DESTDIR ?=
RELEASE_FLAGS = -c release --static-swift-stdlib
INSTALL_ROOT = $(DESTDIR)$(PREFIX)
INSTALLED_FILES = bin/tutor share/man/man1/tutor.1 share/bash-completion/completions/tutor \
	share/zsh/site-functions/_tutor share/fish/vendor_completions.d/tutor.fish

# Debian packages: the C libraries the package links, and what the tests drive.
BUILD_PACKAGES = libcurl4-openssl-dev libarchive-dev libcmark-gfm-dev libcmark-gfm-extensions-dev pkg-config
TEST_PACKAGES = $(BUILD_PACKAGES) chromium chromium-driver python3-venv

.PHONY: all build demo test test-swift test-fuzz test-interop test-install deps test-deps lint bench \
	install uninstall docs check-docs

all: build

# Installs the Debian packages that are missing (apt-get only when something is).
deps:
	@./.ci/install-packages $(BUILD_PACKAGES)

test-deps:
	@./.ci/install-packages $(TEST_PACKAGES)

build: deps
	$(SWIFT) build -c $(CONFIG) $(BUILD_FLAGS)

# The main job: the tutorial run on the sandbox tenant, then the Flask project rendered from it.
# Rerunning resumes the same sandbox run (nothing is created twice) and renders again.
demo: build
	$(TUTOR) plan $(TUTORIAL)
	mkdir -p $(dir $(DEMO_OUT))
	$(TUTOR) run $(TUTORIAL) --out $(DEMO_OUT) --force
	@echo "To sign in: $(TUTOR) app $(DEMO_OUT)   # serves the sandbox, installs the requirements, runs the app"

test: test-deps test-swift test-fuzz test-interop

test-swift:
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)
	@$(MAKE) --no-print-directory check-docs

# A bounded libFuzzer run of the document parser (built with the fuzzer sanitizer).
test-fuzz:
	@if [ -d Tests/Fuzz ]; then Tests/Fuzz/run $(FUZZ_SECONDS); else echo "no fuzz targets"; fi

# Interoperability with Microsoft's own Python libraries and a real browser.
test-interop:
	@if [ -x Tests/Interop/run ]; then Tests/Interop/run; else echo "no interop tests"; fi

lint: check-docs
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

# The command reference (docs/commands.md) and the man page (docs/man/tutor.1) come from the
# argument parser itself: the first from `tutor --experimental-dump-help`, the second from
# swift-argument-parser's generate-manual plugin. `make docs` rewrites both; `make check-docs`
# fails when either differs from what the parser says now (the man page's date line aside), or
# when a relative link of README.md, docs/ or Benchmarks/README.md does not resolve inside the
# repository.
MAN_PAGE = .build/plugins/GenerateManual/outputs/tutor/tutor.1

docs: build
	python3 scripts/generate_command_reference.py $(TUTOR) docs/commands.md
	$(SWIFT) package plugin generate-manual --configuration $(CONFIG)
	mkdir -p docs/man
	cp $(MAN_PAGE) docs/man/tutor.1

check-docs: build
	@python3 scripts/check_links.py
	@python3 scripts/generate_command_reference.py $(TUTOR) | diff -u docs/commands.md - \
		|| { echo "docs/commands.md is stale: run make docs" >&2; exit 1; }
	@$(SWIFT) package plugin generate-manual --configuration $(CONFIG) >/dev/null
	@diff -u -I '^\.Dd ' docs/man/tutor.1 $(MAN_PAGE) \
		|| { echo "docs/man/tutor.1 is stale: run make docs" >&2; exit 1; }
	@echo "docs/commands.md and docs/man/tutor.1 match the argument parser"

# Installs tutor, its templates, man page and shell completions under PREFIX (inside DESTDIR).
install: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product tutor $(BUILD_FLAGS)
	@set -e; bin="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/tutor"; root="$(INSTALL_ROOT)"; \
	install -d "$$root/bin" "$$root/share/tutor" "$$root/share/man/man1" \
		"$$root/share/bash-completion/completions" "$$root/share/zsh/site-functions" \
		"$$root/share/fish/vendor_completions.d"; \
	install -m 0755 "$$bin" "$$root/bin/tutor"; \
	rm -rf "$$root/share/tutor/Templates"; cp -R Templates "$$root/share/tutor/Templates"; \
	chmod -R u=rwX,go=rX "$$root/share/tutor/Templates"; \
	install -m 0644 docs/man/tutor.1 "$$root/share/man/man1/tutor.1"; \
	"$$bin" --generate-completion-script bash >"$$root/share/bash-completion/completions/tutor"; \
	"$$bin" --generate-completion-script zsh >"$$root/share/zsh/site-functions/_tutor"; \
	"$$bin" --generate-completion-script fish >"$$root/share/fish/vendor_completions.d/tutor.fish"; \
	chmod 0644 "$$root/share/bash-completion/completions/tutor" "$$root/share/zsh/site-functions/_tutor" \
		"$$root/share/fish/vendor_completions.d/tutor.fish"; \
	echo "installed tutor in $$root/bin (templates in $$root/share/tutor/Templates)"

uninstall:
	rm -f $(addprefix "$(INSTALL_ROOT)/,$(addsuffix ",$(INSTALLED_FILES)))
	rm -rf "$(INSTALL_ROOT)/share/tutor"

# `make install` into a temporary prefix, then the installed copy used from outside the checkout
# (a release build: minutes on 2 cores, so not part of `make test`).
test-install: deps
	Tests/Install/run

# Every performance figure, measured on this machine (release build; not a test). Writes the
# table into Benchmarks/README.md.
bench: deps
	Benchmarks/run
