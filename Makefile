# Set-up and checks for tutor on Debian. Every target installs what it needs first.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= debug
BUILD_FLAGS ?=
TUTOR = $(shell $(SWIFT) build -c $(CONFIG) --show-bin-path)/tutor
TUTORIAL = tutorials/tutorial-web-app-python-flask-prepare-tenant.md
DEMO_OUT ?= .tutor/flask-webapp
FUZZ_SECONDS ?= 60

# Debian packages: the C libraries the package links, and what the tests drive.
BUILD_PACKAGES = libcurl4-openssl-dev libarchive-dev libcmark-gfm-dev libcmark-gfm-extensions-dev pkg-config
TEST_PACKAGES = $(BUILD_PACKAGES) chromium chromium-driver python3-venv

.PHONY: all build demo test test-swift test-fuzz test-interop deps test-deps lint bench

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
	@echo "To sign in: $(TUTOR) sandbox serve   # in another terminal"
	@echo "            cd $(DEMO_OUT) && python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/flask run --host=localhost --port 3000"

test: test-deps test-swift test-fuzz test-interop

test-swift:
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

# A bounded libFuzzer run of the document parser (built with the fuzzer sanitizer).
test-fuzz:
	@if [ -d Tests/Fuzz ]; then Tests/Fuzz/run $(FUZZ_SECONDS); else echo "no fuzz targets"; fi

# Interoperability with Microsoft's own Python libraries and a real browser.
test-interop:
	@if [ -x Tests/Interop/run ]; then Tests/Interop/run; else echo "no interop tests"; fi

lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

# Every performance figure, measured on this machine (release build; not a test).
bench: deps
	Benchmarks/run
