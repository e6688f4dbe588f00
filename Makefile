# The two set-up commands of the README: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
export RTES_INSTANCE_PATH ?= $(CURDIR)/instance
# The partner plugins, each its own package, installed editable beside the core (see docs/deploy/install.md).
PLUGINS = $(dir $(wildcard plugins/*/pyproject.toml))

.PHONY: demo test lint docs

$(VENV)/bin/pip:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

demo: $(VENV)/bin/pip
	$(VENV)/bin/pip install -q -e . $(addprefix -e ,$(PLUGINS))
	$(VENV)/bin/rtes-events demo

test: $(VENV)/bin/pip
	scripts/system-packages
	$(VENV)/bin/pip install -q -e ".[test,docs]" $(addprefix -e ,$(PLUGINS))
	npm ci --prefix tests/node_tools --silent --no-audit --no-fund
	$(VENV)/bin/ruff check .
	RTES_TEST_REQUIRE_ALL=1 $(VENV)/bin/pytest -q -n 3 --dist loadfile
	$(MAKE) docs

# The documentation site (docs/, Sphinx + MyST): nitpicky, warnings as errors; open docs/_build/html/index.html.
docs: $(VENV)/bin/pip
	$(VENV)/bin/pip install -q -e ".[docs]"
	$(VENV)/bin/sphinx-build -W --keep-going -n -q -b html docs docs/_build/html

lint: $(VENV)/bin/pip
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
