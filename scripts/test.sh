#!/usr/bin/env bash
# Install Parallax with its test dependencies into ./.venv, start the servers the tests use
# (PostgreSQL; Chromium for the web tests when present), and run the whole test suite.
# Installing PostgreSQL and Chromium uses apt-get and so needs root (or sudo for Chromium). Without them:
#   PARALLAX_SKIP_PG=1 PARALLAX_SKIP_BROWSER=1 bash scripts/test.sh
# runs everything else; the PostgreSQL tests (unless PARALLAX_TEST_PG names a server) and the browser
# tests (unless /usr/bin/chromium exists) are then reported as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate
pip install --quiet --disable-pip-version-check -e '.[test,dask]' 2>&1 | grep -v "is ignored" || true
if [ -f scripts/start_postgres.sh ] && [ -z "${PARALLAX_SKIP_PG:-}" ]; then
  # prints the connection URL on its last line
  if url=$(bash scripts/start_postgres.sh | tail -n 1) && [ -n "$url" ]; then
    export PARALLAX_TEST_PG="$url"
  else
    echo "warning: PostgreSQL could not be started (needs root; PARALLAX_SKIP_PG=1 skips it);" \
      "PostgreSQL tests will be skipped" >&2
  fi
fi
if [ -f scripts/install_browser.sh ] && [ -z "${PARALLAX_SKIP_BROWSER:-}" ]; then
  bash scripts/install_browser.sh >&2 || echo "warning: Chromium could not be installed (needs root or sudo;" \
    "PARALLAX_SKIP_BROWSER=1 skips it); browser tests will be skipped" >&2
fi
mkdir -p test-artifacts
python -m pytest "$@"
