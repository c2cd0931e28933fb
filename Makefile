# Renda — the two commands: `make run` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
WORKERS ?= 3
# pytest-xdist processes for `make test` (each with its own test database); 0 runs in-process.
TEST_WORKERS ?= 2

# Intranet installs: `make wheelhouse` (with network) fills $(WHEELHOUSE)/ with a wheel of
# every locked package for this Python and platform; where it exists, `make install` and
# `make install-dev` install from it alone (no index, no network), hashes checked against
# the wheelhouse's copies of the locks (docs/operations.md, "Intranet install").
# One wheelhouse per Python version (wheelhouse/cp311, wheelhouse/cp312): binary wheels are.
PYTAG      := $(shell $(PYTHON) -c 'import sys; print("cp%d%d" % sys.version_info[:2])' 2>/dev/null)
WHEELHOUSE ?= wheelhouse/$(PYTAG)
ifneq ($(wildcard $(WHEELHOUSE)/requirements.lock),)
PIP_SOURCE := --no-index --find-links $(WHEELHOUSE)
LOCK_DIR   := $(WHEELHOUSE)/
else
PIP_SOURCE :=
LOCK_DIR   :=
endif

.PHONY: run dev test lint bench messages makemessages install install-dev lock clean wheelhouse

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade $(PIP_SOURCE) pip

# Runtime dependencies, from the lock file.
$(VENV)/.installed-run: requirements.lock pyproject.toml | $(VENV)/bin/python
	$(if $(LOCK_DIR),$(PY) scripts/wheelhouse_locks.py --check $(WHEELHOUSE) requirements.lock)
	$(PY) -m pip install --quiet $(PIP_SOURCE) -r $(LOCK_DIR)requirements.lock
	$(PY) -m pip install --quiet $(PIP_SOURCE) --no-deps -e .
	touch $@

# Runtime + development and test tools.
$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml | $(VENV)/bin/python
	$(if $(LOCK_DIR),$(PY) scripts/wheelhouse_locks.py --check $(WHEELHOUSE) requirements-dev.lock)
	$(PY) -m pip install --quiet $(PIP_SOURCE) -r $(LOCK_DIR)requirements-dev.lock
	$(PY) -m pip install --quiet $(PIP_SOURCE) --no-deps -e .
	touch $@ $(VENV)/.installed-run

# Wheels of both locks (hash-checked downloads; sdists such as jieba built into wheels here),
# the build backend for `pip install -e .`, and the locks with those local wheels' hashes.
# Build it with the Python and on the platform of the target machines (PYTHON=python3.12).
wheelhouse:
	scripts/build_wheelhouse.sh $(PYTHON) $(WHEELHOUSE)

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

# The zh-Hans catalog is compiled by the build, in Python (no system gettext needed).
messages: $(VENV)/.installed-run
	$(PY) scripts/compile_messages.py

# Developers only (needs GNU gettext): refresh the catalog from the source strings.
makemessages: $(VENV)/.installed-dev
	cd renda && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete --no-location
	$(PY) scripts/compile_messages.py

run: install messages
	$(PY) manage.py migrate --noinput
	RENDA_DEMO=1 $(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Renda is starting on http://127.0.0.1:$(PORT)/ (admin: /admin/)"
	@# The periodic jobs (reminders, overdue alerts) run beside the server and stop with it.
	$(PY) manage.py run_periodic --exit-with $$$$ & \
	exec $(VENV)/bin/gunicorn renda.wsgi:application --bind 127.0.0.1:$(PORT) --workers $(WORKERS) \
		--access-logfile - --forwarded-allow-ips 127.0.0.1

dev: install-dev messages
	$(PY) manage.py migrate --noinput
	RENDA_DEMO=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install-dev messages
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The last two lines are the layer contract (pyproject.toml [tool.importlinter]; docs/architecture.md,
# "Layers"): every import, also inside functions, then apps.get_model and "app.Model" strings.
lint: install-dev
	$(VENV)/bin/ruff check renda tests scripts
	$(VENV)/bin/ruff format --check renda tests scripts
	$(VENV)/bin/mypy renda
	$(PY) scripts/check_conventions.py
	$(VENV)/bin/lint-imports --no-cache --no-logo
	$(PY) scripts/check_layers.py

bench: install-dev messages
	$(PY) -m bench

lock: $(VENV)/bin/python
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) var/static
