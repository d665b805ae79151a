# Pivot: `make dev` and `make test` work on a fresh machine (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# trunk's own update check reaches GitHub, which this network does not.
export TRUNK_SKIP_VERSION_CHECK := true

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
PKG := Pivot_v$(MAJOR)
PKG_DIR := target/package/$(PKG)
PKG_ZIP := target/package/$(PKG).zip
NATIVE := --no-default-features --features native

.PHONY: dev test lint package package-job package-service service-ui bench conformance setup-native setup-dev setup-wasm-release setup-test setup-package setup-tcex test-native test-browser test-e2e test-secret test-conformance clean

## dev: set up what is missing, start the sandbox and serve the app on it.
dev: setup-dev
	scripts/dev.sh

## test: set up what is missing and run every test: formatting and lints, native, browser,
## end-to-end. The browser tools (trunk, wasm-bindgen, Chromium) install in the background while
## the lints and native tests run, which need none of them (their log: target/setup-test.log).
test: setup-native
	@mkdir -p target
	@setsid scripts/setup.sh test >target/setup-test.log 2>&1 & setup=$$!; \
	trap 'kill -- -$$setup 2>/dev/null || true' EXIT; \
	echo "setup: installing what the browser tests need in the background (target/setup-test.log)"; \
	$(MAKE) --no-print-directory lint test-native; \
	wait $$setup || { cat target/setup-test.log; exit 1; }; \
	trap - EXIT; cat target/setup-test.log
	$(MAKE) --no-print-directory test-browser test-secret test-e2e test-conformance

## lint: formatting and clippy (warnings are errors) on every crate, the UI included: Leptos and
## the browser transport compile natively too, so one pass over the host target lints them.
lint: setup-native
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --features native,service -- -D warnings

setup-native:
	scripts/setup.sh native

setup-dev:
	scripts/setup.sh dev

setup-wasm-release:
	scripts/setup.sh wasm-release

setup-test:
	scripts/setup.sh test

setup-package:
	scripts/setup.sh package

setup-tcex:
	scripts/setup.sh tcex

# A test that cannot run fails under CI=true instead of printing SKIPPED (crates/testing/src/skip.rs).
test-native test-browser test-e2e: export CI := true

test-native: setup-native
	cargo test --workspace $(NATIVE)

# Component tests in headless Chromium (wasm-bindgen-test; runner in .cargo/config.toml).
test-browser:
	CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test browser

## package: release build (profile wasm-release, with std built for size by Debian's rustc-web:
## scripts/wasm-release.sh) zipped as ThreatConnect installs it.
## API_ORIGINS="https://api.example:8443": API origins besides the page's own, fixed in the
## package (compiled into the wasm and written into the pages' CSP connect-src).
API_ORIGINS ?=
package: setup-wasm-release
	scripts/api-origins.sh --check "$(API_ORIGINS)"
	rm -rf $(PKG_DIR) $(PKG_ZIP)
	PIVOT_API_ORIGINS="$(API_ORIGINS)" scripts/wasm-release.sh trunk build --release --cargo-profile wasm-release --dist $(PKG_DIR)/ui
	scripts/api-origins.sh $(PKG_DIR)/ui "$(API_ORIGINS)"
	cp install.json README.md $(PKG_DIR)/
	cd target/package && python3 -m zipfile -c $(PKG).zip $(PKG)
	@echo "package: $(PKG_ZIP) ($$(stat -c %s $(PKG_ZIP)) bytes)"

## package-job: the Cross-Intel Sharing Job app, target/package/PivotShare_v$(MAJOR).zip
## (job/install.json, job/run.py, a static x86_64-unknown-linux-musl bin/pivot-share).
## crates/pivot-share/tests/it/job.rs builds it the same way (scripts/package-job.sh) and runs it.
package-job: setup-package
	scripts/package-job.sh

## package-service: Pivot as a ThreatConnect API Service, target/package/PivotService_v1.zip
## (service/install.json, service/run.py, the service's UI, a static x86_64-unknown-linux-musl
## bin/pivot-service). crates/pivot-service/tests/it builds it the same way and runs it
## against a real mosquitto and redis-server.
package-service: setup-wasm-release setup-package
	scripts/package-service.sh

## service-ui: the UI the service packs, target/package/service-ui: the panels and the triage
## page built with the cargo feature `service` (the Spaces build does not carry it).
service-ui: setup-wasm-release
	scripts/build-service-ui.sh

# The Secret Key never reaches a build: the release builds `make test` goes on to test (the
# package and the service's UI) are built with a dummy secret in the environment, as `make dev`
# with local credentials would have it, and scripts/check-secret.sh searches them and a dev build.
test-secret: export TC_API_ACCESS_ID := pivot-dummy-access
test-secret: export TC_API_SECRET_KEY := pivot-dummy-secret-$(shell date +%s%N)
test-secret: export TC_API_PATH := http://127.0.0.1:9/api
test-secret: package service-ui
	scripts/check-secret.sh $(PKG_DIR)/ui target/package/service-ui

# The installable package in headless Chromium, against the sandbox.
test-e2e: package service-ui
	cargo build -q -p tc-sandbox --bin tc-sandbox
	cargo build -q $(NATIVE) --bin pivot-dev
	node --test --test-reporter=spec --test-concurrency=1 tests/e2e/

## conformance: ThreatConnect's own SDK, tcex (PyPI, in target/tcex-venv), drives the sandbox
## through its own client objects and asserts what tcex's test suite asserts against a real
## instance (tests/conformance/, docs/conformance.md); prints a table per area with every failure
## classified. conformance first checks the documented status of every endpoint and method
## (crates/tc-sandbox/tests/it/statuses.tsv, in process: under a second; in make test it runs with
## the sandbox's tests in test-native, built once with the workspace's features). test-conformance
## is make test's fast subset of the tcex tests.
TCEX_PY := target/tcex-venv/bin/python
conformance: setup-tcex
	cargo test -q -p tc-sandbox --test it status_table
	cargo build -q -p tc-sandbox --bin tc-sandbox
	cd tests/conformance && PYTHONDONTWRITEBYTECODE=1 ../../$(TCEX_PY) -m pytest

test-conformance: setup-tcex
	cargo build -q -p tc-sandbox --bin tc-sandbox
	cd tests/conformance && PYTHONDONTWRITEBYTECODE=1 ../../$(TCEX_PY) -m pytest -m fast

clean:
	rm -rf dist target/package target/secret-check target/screenshots

## bench: first-load bytes of the release build (raw, gzip -9, brotli), panel timing
## in headless Chromium against a release sandbox with 50 ms API latency, the triage of a
## 10,000-value paste there (time, requests, peak JS heap and wasm memory), and
## sharing the 10,001-indicator group between two release sandboxes (time, requests, peak memory
## under a stated limit, a pull that finds the package unchanged), and a pull refusing a 1 GiB
## package record unread (peak memory under 100 MB).
bench: package setup-test
	cargo build -q --release -p tc-sandbox --bin tc-sandbox
	cargo build -q $(NATIVE) --bin pivot-dev
	node scripts/bench-size.mjs
	TC_SANDBOX_BIN=target/release/tc-sandbox node scripts/bench-timing.mjs
	TC_SANDBOX_BIN=target/release/tc-sandbox node scripts/bench-triage.mjs
	cargo build -q --release -p pivot-share --bin pivot-share
	TC_SANDBOX_BIN=target/release/tc-sandbox node scripts/bench-share.mjs
	TC_SANDBOX_BIN=target/release/tc-sandbox node scripts/bench-bounded.mjs
