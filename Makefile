# One command from a fresh clone: `make test` (creates .venv, installs, runs all checks).
# Another interpreter: `make test PY=python3.12` (or a full path; its venv is .venv-3.12).
# The tests on every other supported interpreter found here: `make test-pythons`.
PYTHONS := 3.11 3.12 3.13 3.14
comma := ,
space := $(subst ,, )
ifeq ($(origin PY),undefined)
PY := python3
PY_GIVEN :=
else
PY_GIVEN := yes
endif
# "3.X 1" for a supported interpreter, "3.X 0" for an older one, nothing if it cannot run.
PY_INFO := $(shell $(PY) -c 'import sys; v = sys.version_info; print("%d.%d" % v[:2], int(v >= ($(subst .,$(comma),$(firstword $(PYTHONS))))))' 2>/dev/null)
PYVER := $(word 1,$(PY_INFO))
VENV ?= $(if $(PY_GIVEN),.venv-$(PYVER),.venv)
BIN := $(VENV)/bin
EXTRAS ?= test,lint,typing
STAMP := $(VENV)/.installed-py$(PYVER)-$(subst $(comma),-,$(EXTRAS))

SUPPORTED_LINE = langchain-cometgemini supports Python $(firstword $(PYTHONS)) or later \
(tested on $(subst $(space),$(comma)$(space),$(PYTHONS))): pick one with `make test PY=python3.12` \
or a full path$(if $(PYTHONS_HERE),; found here: $(PYTHONS_HERE))
PYTHONS_SH = SUPPORTED="$(PYTHONS)" scripts/test-pythons.sh
PYTHONS_HERE = $(shell PY=python3 $(PYTHONS_SH) --list 2>/dev/null | sed 's/ /: /' | paste -sd, - | sed 's/,/, /g')
PY_ERROR = $(if $(PYVER),$(PY) is Python $(PYVER),$(PY) could not be run); $(SUPPORTED_LINE)

.PHONY: install test unit integration lint format typecheck notebooks live benchmark clean try
.PHONY: check-python pythons test-pythons test-ray

# Before any venv is made: an unsupported or missing interpreter stops here, in one line.
check-python:
	$(if $(filter 1,$(word 2,$(PY_INFO))),,$(error $(PY_ERROR)))

$(STAMP): pyproject.toml | check-python
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" != "$(PYVER)" ]; then \
		echo "$(VENV) holds another Python: making it again with $(PY) (Python $(PYVER))"; \
		$(PY) -m venv --clear $(VENV); \
	fi
	$(PY) -m venv $(VENV)
	@[ -e $(VENV)/.gitignore ] || echo '*' > $(VENV)/.gitignore
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

install: $(STAMP)

# The command from the terminal, answered by the built-in emulator (no key needed);
# with PY=... it uses that interpreter's venv, like every other target.
Q ?= Why is the sky blue?
try: $(STAMP)
	$(BIN)/cometgemini --offline "$(Q)"

lint: $(STAMP)
	$(BIN)/ruff check langchain_cometgemini tests benchmarks scripts
	$(BIN)/ruff format --check langchain_cometgemini tests benchmarks scripts

format: $(STAMP)
	$(BIN)/ruff format langchain_cometgemini tests benchmarks scripts
	$(BIN)/ruff check --fix langchain_cometgemini tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy --strict langchain_cometgemini tests

unit: $(STAMP)
	$(BIN)/pytest tests/unit_tests --disable-socket --allow-unix-socket -q

integration: $(STAMP)
	$(BIN)/pytest tests --ignore=tests/unit_tests --ignore=tests/live --ignore=tests/ray -q

live: $(STAMP)
	$(BIN)/pytest tests/live -q -rs

test: lint typecheck unit integration

# Ray (about 250 MB installed) is a test extra of its own: the recipe in tests/ray
# runs on a local Ray cluster against the emulator. CI runs it after `make test`.
$(VENV)/.installed-ray: $(STAMP)
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS),ray]"
	touch $@

test-ray: $(VENV)/.installed-ray
	$(BIN)/pytest tests/ray -q

# `make unit integration` on every supported interpreter found here but $(PY) (which
# `make test` runs), each in .venv-3.X; versions not installed are reported, skipped.
test-pythons:
	@PY="$(PY)" $(PYTHONS_SH)

# What `make test-pythons` would run, and what is missing.
pythons:
	@PY="$(PY)" $(PYTHONS_SH) --plan

benchmark: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick

clean:
	rm -rf .venv $(addprefix .venv-,$(PYTHONS)) .pytest_cache .mypy_cache .ruff_cache
