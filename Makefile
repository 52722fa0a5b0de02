# Linli's vocabulary. `make help` lists the targets.
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
SERVICES := registry activities evaluation notifications
SEED ?= 1
SCALE ?= small
DEMO_PASSWORD ?= demo-password-linli

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV) ## create .venv and install every package from the lock file
	$(UV) sync --locked

run: install ## the console at http://127.0.0.1:8000, Redis and the four services on SQLite (Ctrl-C stops)
	$(UV) run --locked python scripts/run.py

web: install ## build the console (web/dist) when its sources changed; npm ci first when needed
	$(UV) run --locked python scripts/node.py build

openapi: install ## write each service's OpenAPI document for the console (web/src/api/openapi/)
	$(UV) run --locked python scripts/openapi.py

demo: install ## play a district's half-year against the running system (`make run`) and report
	@$(UV) run --locked python -m registry.cli bootstrap-admin --username demo-admin \
		--password "$(DEMO_PASSWORD)" >/dev/null 2>&1 || true
	$(UV) run --locked linli-simulate --username demo-admin --password "$(DEMO_PASSWORD)" \
		--seed $(SEED) --scale $(SCALE)

test: install ## every test: Vitest in web/, then pytest with the browser tests (REDIS_URL / DATABASE_URL, else local servers, else containers)
	$(UV) run --locked python scripts/node.py npm test
	$(UV) run --locked python scripts/node.py build
	$(UV) run --locked bash scripts/test.sh

soak: install ## the system under FAULTS (default 50) random faults, invariants after each scenario
	$(UV) run --locked bash -c 'source scripts/services.sh && python -m tests.e2e.soak --faults $(or $(FAULTS),50)'

lint: install ## ruff and mypy; ESLint and vue-tsc over the console
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .
	$(UV) run --locked mypy shared/shared $(foreach s,$(SERVICES),services/$(s)/$(s)) tools/simulator/simulator bench scripts
	$(UV) run --locked python scripts/node.py npm run lint
	$(UV) run --locked python scripts/node.py npm run typecheck

format: install ## format and fix what ruff can
	$(UV) run --locked ruff format .
	$(UV) run --locked ruff check --fix .

bench: install ## benchmarks against this machine's ceilings (REDIS_URL, DATABASE_URL; see docs/benchmarks.md)
	$(UV) run --locked python -m bench all

mutation: install ## mutation testing of the rule modules (GROUP=domain: the pure rules, ~2 min; docs/testing.md)
	$(UV) run --locked bash -c 'source scripts/services.sh && python scripts/mutation.py $(GROUP)'

contracts: install ## re-export the JSON Schemas of every event type
	$(UV) run --locked python -m shared.contracts.schemas

migrate: install ## apply every service's migrations to its database (DATABASE_URL or SQLite)
	@for s in $(SERVICES); do (cd services/$$s && $(abspath $(UV)) run --locked alembic upgrade head) || exit 1; done

migration: install ## new migration: make migration SERVICE=activities MESSAGE="add activity"
	cd services/$(SERVICE) && $(abspath $(UV)) run --locked alembic revision --autogenerate -m "$(MESSAGE)"

.PHONY: help install run web openapi test lint format bench contracts migrate migration mutation
