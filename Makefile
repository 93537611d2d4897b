# The workbook's commands. Every target installs what it needs first (`setup`), so each one
# works on a fresh machine that has Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?=

.PHONY: setup test workshop lab bench lint format clean sam

setup: $(STAMP)

# Reinstalls only when the dependency list changed; the package itself is installed editable.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# The SAM CLI, optional (about 340 MB): in its own venv, because it pins its own boto3.
SAM_VENV := .venv-sam
sam: $(SAM_VENV)/bin/sam

$(SAM_VENV)/bin/sam:
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'aws-sam-cli>=1.170,<2'

test: setup
	$(BIN)/python -m pytest

workshop: setup
	$(BIN)/workshop notebooks run --out build

# Kernels get encrypted sockets (CurveZMQ): no "running over TCP without encryption" warnings.
lab: setup
	$(BIN)/workshop cloud start $(if $(PORT),--port $(PORT))
	$(BIN)/jupyter lab notebooks --KernelManager.transport_encryption=auto

bench: setup
	$(BIN)/workshop bench

lint: setup
	$(BIN)/ruff check workshop_lib tests infra
	$(BIN)/ruff format --check workshop_lib tests infra

format: setup
	$(BIN)/ruff format workshop_lib tests infra
	$(BIN)/ruff check --fix workshop_lib tests infra

clean:
	-$(BIN)/workshop cloud stop
	rm -rf build .pytest_cache
