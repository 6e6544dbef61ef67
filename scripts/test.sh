#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run them:
# system packages (QEMU 7.2 for the live QMP tests, Chromium for the
# browser test, Go for the code generator test; installed only when running
# as root with apt-get), a virtualenv with the project and its test extras,
# ajv and the code generators from npm; then
# ruff, mypy --strict, the docs build with -W, and pytest.
#
#   ./scripts/test.sh [PYTEST ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    missing=()
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v chromium >/dev/null || missing+=(chromium)
    command -v node >/dev/null || missing+=(nodejs npm)
    command -v go >/dev/null || missing+=(golang-go)
    command -v git >/dev/null || missing+=(git)     # qapidoc history and the release tests read the bundle's tags
    if [ ${#missing[@]} -gt 0 ]; then
        say "apt-get install ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
else
    echo "(not root or no apt-get: tests needing QEMU or Chromium skip if those are missing)"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    say "virtualenv .venv"
    "$PY" -m venv .venv
fi
say "pip install -e .[test,docs] mypy ruff"
.venv/bin/python -m pip install -q --upgrade pip setuptools wheel
.venv/bin/python -m pip install -q -e '.[test,docs]' mypy ruff

say "a second venv with the oldest Sphinx supported (6.2), for its compatibility test"
if [ ! -x .venv-sphinx62/bin/python ]; then
    "$PY" -m venv .venv-sphinx62
fi
.venv-sphinx62/bin/python -m pip install -q --upgrade pip setuptools wheel
.venv-sphinx62/bin/python -m pip install -q -e . 'sphinx==6.2.1' 'docutils<0.20' 'alabaster<0.7.14'
export QAPIDOC_OLD_SPHINX_PYTHON="$PWD/.venv-sphinx62/bin/python"

if command -v npm >/dev/null; then
    say "npm ci (ajv, for the cross-validator tests)"
    (cd tests/support/ajv && npm ci --no-audit --no-fund --silent)
    say "npm ci (json-schema-to-typescript, quicktype, typescript, for the code generator tests)"
    (cd tests/support/codegen && npm ci --no-audit --no-fund --silent)
fi

export PATH="$PWD/.venv/bin:$PATH"
say "ruff"
ruff check qapidoc sphinx_ext tests benchmarks
say "mypy --strict"
mypy --strict qapidoc sphinx_ext
if [ -f docs/conf.py ]; then
    say "sphinx-build -W (the project's own manual)"
    sphinx-build -q -W --keep-going -b html docs build/docs
fi
say "pytest"
python -m pytest -q "$@"
