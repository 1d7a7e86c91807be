# Two commands on a fresh machine:
#   make lab    set everything up, then open JupyterLab on notebooks/
#   make test   set everything up, then run every test (fast mode)
VENV ?= .venv
PY := $(VENV)/bin/python
LAB_ARGS ?=
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)  # JupyterLab refuses root without it

.PHONY: lab test lint clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,lab]'
	touch $@

lab: $(VENV)/.installed
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(ROOT_ARGS) $(LAB_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .  # the code's layout is ruff's (notebooks excluded in pyproject.toml)

test: lint
	GAN_LESSONS_FAST=1 GAN_LESSONS_STRICT_GLYPHS=1 $(PY) -m pytest --nbval-lax

clean:
	rm -rf $(VENV) runs .pytest_cache
