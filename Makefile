# Two commands on a fresh machine: `make run` and `make test`. Everything else is set-up they share.
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Two workers (pytest-xdist): most tests wait on a browser, a socket or a server, so two halve
# the suite's time on two cores. `make test PYTEST_ARGS=...` overrides.
PYTEST_ARGS ?= -n 2
export FLASK_APP := app

.PHONY: run test setup assets translations lint format demo-db clean

run: setup demo-db
	@echo "Loket on http://127.0.0.1:$(PORT)"
	@# The one scheduler process (reminders, the outbox sender) runs beside the web server.
	LOKET_ENV=development $(BIN)/flask scheduler & scheduler=$$!; \
	trap 'kill $$scheduler' EXIT INT TERM; \
	LOKET_ENV=development $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

setup: $(BIN)/.installed assets translations

$(BIN)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Browser libraries come from npm at set-up; static/vendor is never committed.
assets: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/
	cp node_modules/axe-core/axe.min.js static/vendor/
	cp node_modules/@twilio/voice-sdk/dist/twilio.min.js static/vendor/

translations: $(BIN)/.installed
	@for dir in */translations; do $(BIN)/pybabel compile -d $$dir >/dev/null 2>&1 || exit 1; done

demo-db: setup
	LOKET_ENV=development $(BIN)/flask db upgrade
	LOKET_ENV=development $(BIN)/flask seed-demo

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules static/vendor instance
