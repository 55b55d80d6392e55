# Every target sets up .venv itself: a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 4010

.PHONY: test mock fixtures venv clean

# make mock ARGS='--token T --state mock.sqlite3' passes options through to waterrai-mock.
ARGS   ?=

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "The kit needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

mock: $(STAMP)
	$(BIN)/waterrai-mock --host $(HOST) --port $(PORT) $(ARGS)

fixtures: $(STAMP)
	$(BIN)/waterrai-fixtures --out fixtures

clean:
	rm -rf $(VENV) build *.egg-info
