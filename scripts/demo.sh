#!/usr/bin/env bash
# Install Parallax into ./.venv and compare the two bundled example articles.
# Writes out/example.json and out/example.html and prints the summary.
# Only Parallax's own output is shown: pip runs quietly and its notices (warnings about extras such as
# "lxml does not provide the extra html_clean", "... is ignored") are dropped. Anything else pip says still
# shows, and when pip fails its whole output is printed and the script stops with pip's exit code.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate

pip_log=$(mktemp)
trap 'rm -f "$pip_log"' EXIT
status=0
pip install --quiet --disable-pip-version-check -e . >"$pip_log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  cat "$pip_log" >&2
  echo "demo.sh: pip install failed (exit $status); its output is above" >&2
  exit "$status"
fi
grep -v -e '^WARNING: ' -e 'is ignored' "$pip_log" >&2 || true   # what is left (e.g. resolver errors)

python -c "import parallax" >/dev/null
mkdir -p out
parallax compare examples/000_23251f66e5a9c063.txt examples/003_f599c16b4d08ae0b.txt \
  --outlet "Независимое издание" --outlet "Государственное СМИ (ТАСС)" \
  --json out/example.json --html out/example.html
echo
echo "Wrote out/example.json and out/example.html"
