#!/usr/bin/env bash
# Install Parallax into ./.venv and compare the two bundled example articles.
# Writes out/example.json and out/example.html and prints the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate
pip install --quiet --disable-pip-version-check -e . 2>&1 | grep -v "is ignored" || true
python -c "import parallax" >/dev/null
mkdir -p out
parallax compare examples/000_23251f66e5a9c063.txt examples/003_f599c16b4d08ae0b.txt \
  --outlet "Независимое издание" --outlet "Государственное СМИ (ТАСС)" \
  --json out/example.json --html out/example.html
echo
echo "Wrote out/example.json and out/example.html"
