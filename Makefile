# Xinyong — the two commands a newcomer needs: `make run` and `make test`.
# Everything the project needs is installed from here (venv, Python packages from the lock
# file, npm assets, and Debian's chromium/fonts for browser tests and PDFs).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.9.5
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test lint typecheck format check assets system-deps clean bench

install: $(VENV)/.stamp-python assets/dist/.stamp system-deps

$(VENV)/.stamp-python: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(UV) pip sync --quiet --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

assets/dist/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p assets/dist/vendor
	cp node_modules/htmx.org/dist/htmx.min.js assets/dist/vendor/htmx.min.js
	cp node_modules/echarts/dist/echarts.min.js assets/dist/vendor/echarts.min.js
	@touch $@

# Debian packages: chromium drives the browser tests, fonts-noto-cjk renders Chinese in
# PDFs, poppler-utils turns PDFs into text/images for tests. Installed only when missing.
system-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	test -d /usr/share/fonts/opentype/noto || missing="$$missing fonts-noto-cjk"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "安装系统依赖:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) || exit 1; \
	  else \
	    echo "缺少系统依赖:$$missing（请以 root 运行 apt-get install -y$$missing）"; exit 1; \
	  fi; \
	fi

run: install
	$(BIN)/xinyong init --demo
	@echo "平台地址：http://$(HOST):$(PORT)/   演示管理员：admin / Xinyong@2026"
	$(BIN)/xinyong serve --with-scheduler --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check src tests bench

format:
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

typecheck:
	$(BIN)/mypy

lock:
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock --quiet

clean:
	rm -rf $(VENV) node_modules assets/dist
