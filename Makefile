# Every target sets up .venv itself: a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 4010

.PHONY: test mock contract fixtures bench venv clean spec-check release-spec client-tools

# make mock ARGS='--token T --state mock.sqlite3' passes options through to waterrai-mock;
# make contract BASE_URL=https://staging.example.com ARGS='--contract-strict' passes them to pytest.
ARGS     ?=
BASE_URL ?=

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The kit needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

test: $(STAMP) client-tools
	$(BIN)/python -m pytest

# The fixtures' JavaScript snippets run in Node with playwright-core, pinned in tests/fixtures_node
# (tests/test_fixtures_in_tools.py); without npm those tests skip, saying why.
FIXTURES_NODE       := tests/fixtures_node
FIXTURES_NODE_STAMP := $(FIXTURES_NODE)/node_modules/.installed-stamp
test: $(FIXTURES_NODE_STAMP)

$(FIXTURES_NODE_STAMP): $(FIXTURES_NODE)/package.json $(FIXTURES_NODE)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd $(FIXTURES_NODE) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed-stamp; \
	else echo "npm not found: the tests of the fixtures' JavaScript snippets will be skipped"; fi

mock: $(STAMP)
	$(BIN)/waterrai-mock --host $(HOST) --port $(PORT) $(ARGS)

contract: $(STAMP)
	@test -n "$(BASE_URL)" || { echo "make contract needs BASE_URL=<server to check>, e.g. make contract BASE_URL=http://127.0.0.1:4010" >&2; exit 2; }
	$(BIN)/python -m pytest contract_tests --base-url '$(BASE_URL)' $(ARGS)

fixtures: $(STAMP)
	$(BIN)/waterrai-fixtures --out fixtures

# Load-test the mock (started as make mock starts it) against Prism; installs wrk and Prism if missing.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(ARGS)

# Which changes since the latest release in openapi/released/ would break a client (waterrai-spec check);
# ARGS='--format markdown' or '--fail-on possibly-breaking' pass through. make test runs the same check.
spec-check: $(STAMP)
	$(BIN)/waterrai-spec check --spec openapi/meetings.yaml --released openapi/released $(ARGS)

# Keep openapi/meetings.yaml as openapi/released/<info.version>.yaml (refused if that version exists with
# other content, or if the spec breaks the latest release without a new major info.version). Commit the file.
release-spec: $(STAMP)
	$(BIN)/waterrai-spec release --spec openapi/meetings.yaml --released openapi/released

# Typed clients (tests/test_typed_clients.py): openapi-python-client in a venv of its own, and the
# pinned npm tools (openapi-typescript, tsc, Spectral) in clients/; without npm those tests skip.
CLIENT_VENV  := .venv-clients
CLIENT_STAMP := $(CLIENT_VENV)/.installed-stamp
NPM_STAMP    := clients/node_modules/.installed-stamp

client-tools: $(CLIENT_STAMP) $(NPM_STAMP)

$(CLIENT_STAMP): clients/python/requirements.txt
	@test -x $(CLIENT_VENV)/bin/python || $(PYTHON) -m venv $(CLIENT_VENV)
	$(CLIENT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r clients/python/requirements.txt
	@touch $@

$(NPM_STAMP): clients/package.json clients/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd clients && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed-stamp; \
	else echo "npm not found: the TypeScript and Spectral tests will be skipped" >&2; fi

clean:
	rm -rf $(VENV) $(CLIENT_VENV) clients/node_modules tests/fixtures_node/node_modules build *.egg-info
