#!/usr/bin/env bash
# Installs what is missing, builds Sanpool and runs the demo: ./run.sh [demo options]
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/scripts/common.sh"
cd "$SANPOOL_ROOT"

prepare
exec "$SANPOOL_ROOT/sanpool" demo "$@"
