#!/usr/bin/env bash
# Installs what is missing, builds Sanpool in Release and runs every test project.
# The last line of output is always "N passed, N failed"; the exit code is non-zero on any
# failure. Tests that need root (loop devices, the real sanlock) fail rather than skip
# without it, so run this as root.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/scripts/common.sh"
cd "$SANPOOL_ROOT"

[[ $EUID -eq 0 ]] || log "warning: not root; tests that need loop devices or sanlock will fail"

prepare

# The tests run the CLI prepare just built, not the ./sanpool wrapper: the wrapper's check
# for newer sources (a bash and a find) cost ~0.06 CPU-s on each of ~2,000 calls.
export SANPOOL_CLI="$SANPOOL_ROOT/artifacts/cli/sanpool"

results="$SANPOOL_ROOT/TestResults/test-sh"
rm -rf "$results"
mkdir -p "$results"

# Busy and total CPU time so far (jiffies), to say how busy the machine was while testing.
cpu_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
read -r busy_before total_before < <(cpu_jiffies)

log "testing"
set +e
dotnet test Sanpool.slnx -c Release --no-build \
    --results-directory "$results" \
    --logger "trx" \
    --logger "console;verbosity=normal" 2>&1 | tee "$results/console.log"
test_status=${PIPESTATUS[0]}
set -e

# Sums one attribute of <Counters .../> over every .trx file.
sum_counter() {
    local name="$1"
    find "$results" -name '*.trx' -print0 \
        | xargs -0 -r grep -ho "<Counters [^>]*" \
        | grep -o " $name=\"[0-9]*\"" \
        | grep -o '[0-9]*' \
        | awk '{ s += $1 } END { print s + 0 }'
}

if find "$results" -name '*.trx' | grep -q .; then
    passed=$(sum_counter passed)
    failed=$(( $(sum_counter failed) + $(sum_counter error) + $(sum_counter timeout) + $(sum_counter aborted) ))
else
    # No trx (the run broke before any results): fall back to the console summaries.
    passed=$(grep -o 'Passed: *[0-9]*' "$results/console.log" | grep -o '[0-9]*' | awk '{ s += $1 } END { print s + 0 }')
    failed=$(grep -o 'Failed: *[0-9]*' "$results/console.log" | grep -o '[0-9]*' | awk '{ s += $1 } END { print s + 0 }')
fi

# A crashed or aborted run can fail without any test failing: still count it as a failure.
if [[ $test_status -ne 0 && $failed -eq 0 ]]; then
    log "dotnet test exited with $test_status"
    failed=1
fi

# CI keeps only the tail of the output: name each failed test there, with the start of its error.
if [[ $failed -gt 0 ]]; then
    log "failed tests:"
    find "$results" -name '*.trx' -print0 \
        | xargs -0 -r grep -ho '<UnitTestResult [^>]*outcome="\(Failed\|Error\|Timeout\|Aborted\)"' \
        | grep -o 'testName="[^"]*"' | sed 's/^testName="\(.*\)"$/  \1/' | sed 's/&quot;/"/g; s/&amp;/\&/g' >&2 || true
    grep -A30 '^  Failed ' "$results/console.log" | cut -c1-300 | head -200 >&2 || true
fi

# Where the time went, for the next person who makes the suite faster: each test run's wall
# time (a trx per test assembly; its Times are its start and finish), then the slowest tests.
read -r busy_after total_after < <(cpu_jiffies)
log "while testing, the CPUs were $(( 100 * (busy_after - busy_before) / (total_after - total_before + 1) ))% busy ($(nproc) cores): $(( (busy_after - busy_before) / $(getconf CLK_TCK) / 60 )) CPU-minutes"
log "time per test run, then the 12 slowest tests:"
for trx in "$results"/*.trx; do
    [[ -f $trx ]] || continue
    name=$(grep -o -m1 'testName="Sanpool\.[A-Za-z]*\.Tests' "$trx" | sed 's/^testName="//' || true)
    times=$(grep -o -m1 '<Times [^>]*' "$trx" | grep -o '\(start\|finish\)="[^"]*"' | sed 's/^[a-z]*="//; s/"$//' | tr '\n' ' ')
    read -r start finish <<<"$times"
    [[ -n ${start:-} && -n ${finish:-} ]] || continue
    secs=$(( $(date -d "$finish" +%s) - $(date -d "$start" +%s) ))
    printf '  %-28s %4d s  (%s .. %s)\n' "${name:-?}" "$secs" "${start:11:8}" "${finish:11:8}"
done
find "$results" -name '*.trx' -print0 \
    | xargs -0 -r grep -ho '<UnitTestResult [^>]*' \
    | sed -n 's/.*testName="\([^"]*\)".* duration="\([0-9]*\):\([0-9]*\):\([0-9]*\)\.[0-9]*".*/\2 \3 \4 \1/p' \
    | awk '{ s = $1 * 3600 + $2 * 60 + $3; $1 = $2 = $3 = ""; sub(/^ +/, ""); printf "%6d s  %s\n", s, substr($0, 1, 150) }' \
    | sed 's/&quot;/"/g; s/&amp;/\&/g' | sort -rn | head -12 || true

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
