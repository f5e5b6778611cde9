# reflect — the README's two commands are `make run` and `make test`.
# Each sets up everything it needs on a fresh machine: a virtual environment in
# .venv, the package and its dependencies, the compiled translations, the schema.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PART   ?=
# the suite's workers (pytest-xdist): the live and browser tiers spend much of their time
# waiting on servers and Chromium, so two workers on two cores take about 0.6 of the time
TEST_WORKERS ?= 2

# The optional dependencies to install with reflect: postgresql (PostgreSQL's driver) and
# redis (Redis's client). By default, those the settings in the environment ask for:
# REFLECT_DATABASE_URL=postgresql://… and a redis:// REFLECT_MESSAGE_QUEUE or
# REFLECT_RATELIMIT_STORAGE_URL. Given (make setup EXTRAS=postgresql,redis), exactly those.
comma := ,
empty :=
space := $(empty) $(empty)
EXTRAS ?= $(subst $(space),$(comma),$(strip \
  $(if $(filter postgres%,$(REFLECT_DATABASE_URL)),postgresql) \
  $(if $(filter redis://% rediss://% unix://%,$(REFLECT_MESSAGE_QUEUE) $(REFLECT_RATELIMIT_STORAGE_URL)),redis)))
# one stamp per set of extras: asking for another set installs it
INSTALLED := $(VENV)/.installed$(if $(EXTRAS),+$(subst $(comma),+,$(EXTRAS)))

CATALOGS := $(wildcard reflect/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test bench messages translations setup setup-test clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(INSTALLED): $(BIN)/activate pyproject.toml
	$(BIN)/pip install -q -e '.$(if $(EXTRAS),[$(EXTRAS)])'
	touch $@

# the test extra pulls in every other: the suite runs on PostgreSQL and Redis too
$(VENV)/.installed-test: $(INSTALLED)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

reflect/translations/%/LC_MESSAGES/messages.mo: reflect/translations/%/LC_MESSAGES/messages.po $(INSTALLED)
	$(BIN)/pybabel compile -f -d reflect/translations -l $* >/dev/null

translations: $(COMPILED)

setup: $(INSTALLED) translations

# the real OpenID provider the single sign-on tests start (npm oidc-provider, pinned by its lock file)
OIDC_TEST_PROVIDER := tests/oidc/node_modules/.package-lock.json

$(OIDC_TEST_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error

setup-test: $(VENV)/.installed-test translations $(OIDC_TEST_PROVIDER)

## Serve on http://$(HOST):$(PORT), applying pending migrations first.
run: setup
	$(BIN)/reflect db upgrade
	$(BIN)/reflect run --host $(HOST) --port $(PORT)

## The whole suite: unit, in-process (HTTP and socket), live servers, browser.
test: setup-test
	$(BIN)/python scripts/check_prerequisites.py
	$(BIN)/python -m pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal --durations=25

## Benchmarks: every part, or one with PART=name. Writes bench/results.json.
bench: setup-test
	$(BIN)/python -m bench $(if $(PART),--part $(PART),)

## Extract wrapped strings and update the catalogs (translators edit the .po files).
messages: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o reflect/translations/messages.pot . >/dev/null
	$(BIN)/pybabel update -i reflect/translations/messages.pot -d reflect/translations --no-fuzzy-matching >/dev/null

clean:
	rm -rf $(VENV) instance bench/results.json
