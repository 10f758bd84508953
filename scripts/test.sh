#!/usr/bin/env bash
# Installs what is missing, derives the small test inputs and runs the whole test suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
scripts/make-fixtures.sh >/dev/null
swift test "$@"
