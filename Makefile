# The README's verbs. Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run serve test test-sqlite test-postgres engines lint format messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_hallingdal
	@echo ""
	@echo "  Site:  http://127.0.0.1:$(PORT)/"
	@echo "  Admin: http://127.0.0.1:$(PORT)/admin/"
	@echo "  Make an admin user with:  $(BIN)/python manage.py createsuperuser"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production mode on this machine, to try it out or load-test it: DEBUG off,
# gunicorn, whitenoise with hashed and compressed static files. For local trial
# only, it makes up a throwaway secret key (in the untracked .serve-secret-key),
# uses SQLite and listens on 127.0.0.1. Real production sets every variable
# itself (.env.example, docs/deploy.md); variables already set here win.
serve: export DJANGO_DEBUG := false
serve: export DJANGO_ALLOWED_HOSTS ?= 127.0.0.1,localhost
serve: export DATABASE_URL ?= sqlite:///$(CURDIR)/db.sqlite3
serve: export GUNICORN_BIND ?= 127.0.0.1:$(PORT)
serve: $(VENV)/.installed
	@test -s .serve-secret-key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > .serve-secret-key
	export DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat .serve-secret-key)}" && \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py load_hallingdal && \
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	exec $(BIN)/gunicorn --config gunicorn.conf.py

# The whole suite on SQLite, then again on a throwaway PostgreSQL 15 cluster,
# each with a throwaway Redis (tests/engines.py).
test: engines $(VENV)/.installed
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(VENV)/.installed
	DATABASE_URL= $(BIN)/python tests/engines.py --redis -- $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed
	$(BIN)/python tests/engines.py --postgres --redis -- $(BIN)/pytest $(PYTEST_ARGS)

# Debian's postgresql-15, redis-server, nginx and chromium (Playwright cannot
# download its own browser here), in one apt-get call as root; otherwise it
# says what is missing and the tests skip it loudly (or fail when CI=true).
# Runs with the system Python, before the virtualenv exists.
engines:
	@$(PYTHON) tests/engines.py --install-missing

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages --locale nn --locale nb --locale en --extension html,txt,py,svg --no-obsolete --no-location --ignore '$(VENV)/*' --ignore 'bench/*'
	$(BIN)/python manage.py makemessages --domain djangojs --locale nn --locale nb --locale en --no-obsolete --no-location --ignore '$(VENV)/*' --ignore 'bench/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py compilemessages --ignore '$(VENV)/*'

# Requests per second of the production-mode site with wrk (bench/run.py), on
# SQLite then PostgreSQL, about 6 minutes. BENCH_SECONDS=3 for a quick look.
bench: $(VENV)/.installed
	@if [ ! -x /usr/bin/wrk ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's wrk for the benchmark"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else \
			echo "!! /usr/bin/wrk is missing: install Debian's wrk package"; exit 1; \
		fi; \
	fi
	$(BIN)/python bench/run.py $(if $(BENCH_SECONDS),--seconds $(BENCH_SECONDS))
	$(BIN)/python bench/worker_memory.py
	$(BIN)/python bench/admin_pages.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
