#!/usr/bin/env bash
# Set up a virtualenv and run qapidoc on the shipped demo schema
# (examples/demo): check and lint it, write its JSON Schema files, and
# build its reference manual with the Sphinx extension.
#
#   ./scripts/demo.sh            outputs go to build/demo/
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip setuptools wheel
.venv/bin/python -m pip install -q -e '.[docs,fast]'
export PATH="$PWD/.venv/bin:$PATH"

schema=examples/demo/qapi-schema.json
out=build/demo
mkdir -p "$out"

printf '\n==> qapidoc check %s\n' "$schema"
qapidoc check --show-dialect "$schema"
printf '\n==> qapidoc lint %s\n' "$schema"
qapidoc lint "$schema" && echo "clean: every example validates"
printf '\n==> qapidoc lint examples/broken (a schema with broken examples, on purpose)\n'
qapidoc lint examples/broken/qapi-schema.json || true
printf '\n==> qapidoc jsonschema --examples %s -o %s/jsonschema\n' "$schema" "$out"
qapidoc jsonschema --examples "$schema" -o "$out/jsonschema" --force
printf '\n==> sphinx-build: the demo reference manual in %s/html\n' "$out"
sphinx-build -q -b html examples/demo/docs "$out/html"
printf '\nDone.  Open %s/html/index.html; JSON Schema files are in %s/jsonschema/.\n' "$out" "$out"
