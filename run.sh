#!/usr/bin/env bash
# Installs what is missing, builds Sanpool and runs the main job, the pool demo (a local pool of three hosts
# on loop-device LUNs; Ctrl-C stops it and cleans up): ./run.sh [sanpool demo options, see ./sanpool demo --help]
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/scripts/common.sh"
cd "$SANPOOL_ROOT"

prepare
exec "$SANPOOL_ROOT/sanpool" demo "$@"
