# Outpost — developer entry points. `make run` and `make test` set everything up on first use.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The first Python >= 3.12 we can find: python3.13, python3.12, python3, then pyenv installs.
PYTHON ?= $(shell for c in python3.13 python3.12 python3 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3) $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3); do \
	if $$c -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then echo $$c; break; fi; done)

# The compiled translation catalogs (generated from the .po files, never committed; see app/i18n.py).
PO := $(wildcard resources/locale/*/*.po)
MO := $(addsuffix LC_MESSAGES/outpost.mo,$(sort $(dir $(PO))))

.PHONY: run test test-any-day fuzz bench lint package package-check catalogs manifest check-manifest check-windows-wheels notices clean

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Outpost needs Python 3.12 or newer (python3.13 or python3.12 on PATH)." >&2; exit 1; fi
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then rm -rf $(VENV); fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# babel (a dev dependency) reads the .po files; the app reads the .mo with the standard library.
$(MO): $(PO) scripts/compile_catalogs.py $(STAMP)
	$(PY) scripts/compile_catalogs.py

catalogs: $(MO)

# resources/MANIFEST.sha256: the hashes the app checks its resources against (app/resource_check.py).
# After changing a file under resources/, `make manifest` and commit the manifest with the change.
manifest: $(STAMP)
	$(PY) scripts/resource_manifest.py

check-manifest: $(STAMP)
	$(PY) scripts/resource_manifest.py --check

run: $(STAMP) $(MO)
	$(VENV)/bin/outpost gui

# Every runtime dependency has a Windows wheel (packaging/windows/README.md): resolves metadata only, a few
# seconds; fails (never skips) when the package index cannot be reached.
check-windows-wheels: $(STAMP)
	$(PY) scripts/check_windows_wheels.py

test: $(STAMP) $(MO) check-manifest check-windows-wheels
	@bash scripts/system-packages.sh
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n auto --dist loadfile

# The whole suite as if today were each of several awkward days (libfaketime); long: a suite run per day.
test-any-day: $(STAMP) $(MO)
	@bash scripts/system-packages.sh
	bash scripts/test-any-day.sh

# The property-based tests (tests/test_properties_*.py) with many new random examples each run, instead
# of make test's few fixed ones; OUTPOST_FUZZ_EXAMPLES=<n> per test (2 000 by default). Failures are
# kept in .hypothesis/ and tried first next time.
fuzz: $(STAMP) $(MO)
	OUTPOST_HYPOTHESIS_PROFILE=fuzz QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/test_properties_bundles.py tests/test_properties_inputs.py \
		tests/test_properties_rekey.py

# The benchmarks at the sizes docs/performance.md reports (make test runs them once, tiny).
bench: $(STAMP) $(MO)
	OUTPOST_BENCH_SIZE=full $(PY) -m pytest -q -s tests/benchmarks

lint: $(STAMP)
	$(VENV)/bin/ruff check app db ui cli tests
	$(VENV)/bin/mypy

package: $(STAMP) $(MO) check-manifest
	$(VENV)/bin/pyinstaller --noconfirm --clean packaging/outpost.spec

# CI: the frozen Linux build, its self-test and its notices (about a minute to build on a 2-core machine).
package-check: package
	env -u OUTPOST_DATA_DIR QT_QPA_PLATFORM=offscreen dist/Outpost/outpost-console self-test
	@grep -q "download.qt.io/official_releases/QtForPython" dist/Outpost/NOTICES.txt || { echo "dist/Outpost/NOTICES.txt lacks Qt's LGPL notice" >&2; exit 1; }
	@# Portable mode (packaging/windows/README.md §4): with the marker, the register is set up beside the executable.
	@touch dist/Outpost/outpost-portable.txt; env -u OUTPOST_DATA_DIR OUTPOST_ARGON2_PROFILE=test OUTPOST_PASSWORD=portable-check-1 \
		dist/Outpost/outpost-console init post --code BP-PT --name Portable --admin admin >/dev/null \
		&& test -f dist/Outpost/data/register.sqlite; rc=$$?; rm -rf dist/Outpost/data dist/Outpost/outpost-portable.txt; \
		if [ $$rc -ne 0 ]; then echo "portable mode: no register beside the executable" >&2; exit 1; fi; echo "portable mode: ok"

# The third-party notices alone (the build writes them itself), to read before a release.
notices: $(STAMP)
	$(PY) scripts/notices.py build/NOTICES.txt

clean:
	rm -rf $(VENV) build dist .pytest_cache $(MO)
