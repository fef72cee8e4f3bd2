#!/usr/bin/env bash
# Captures golden lease bytes written by the real sanlock, for the lease codec tests.
#
# Produces, next to this script:
#   delta-512-1M.bin            lockspace, 512-byte sectors, host 1 acquired (sectors 0-1)
#   delta-4k-8M.bin             lockspace, 4K sectors, 8M align, host 2 acquired (sectors 0-2)
#   paxos-512-1M.bin            resource held by a real daemon as host 1 (sectors 0-3)
#   paxos-512-1M-released.bin   the same resource after the holder exited (sectors 0-3)
#   paxos-4k-1M.bin             fresh resource, 4K sectors, 1M align (sectors 0-2)
# and for each one <name>.read_leader.txt and <name>.dump.txt (sanlock's own view of it).
#
# Needs root (loop devices) and sanlock. Everything it starts (loop devices, the daemon, the
# lease holder) is recorded and removed by its own id on exit, even on failure.
# Timestamps are the machine's monotonic seconds, so every run gives different bytes; after
# re-running, update the field values quoted in README.md.
set -euo pipefail

OUT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ $EUID -ne 0 ]]; then
    echo "make-golden.sh: must run as root (it creates loop devices)" >&2
    exit 1
fi
for tool in sanlock losetup blockdev dd; do
    command -v "$tool" >/dev/null || { echo "make-golden.sh: $tool is not installed" >&2; exit 1; }
done

WORK="$(mktemp -d /tmp/sanpool-golden.XXXXXX)"
LOOPS=()
PIDS=()

cleanup() {
    local pid dev
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    sleep 1
    for pid in "${PIDS[@]}"; do
        # The daemon ignores SIGTERM while it has a lockspace; it has no watchdog here.
        kill -KILL "$pid" 2>/dev/null || true
    done
    for dev in "${LOOPS[@]}"; do
        losetup -d "$dev" 2>/dev/null || echo "make-golden.sh: could not detach $dev" >&2
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# new_loop FILE SIZE SECTOR: sets LOOP_DEV to the new /dev/loopN and records it for cleanup.
# (Not called as $(...): a subshell could not record the device.)
new_loop() {
    local file="$1" size="$2" sector="$3"
    truncate -s "$size" "$file"
    LOOP_DEV="$(losetup --find --show --sector-size "$sector" --direct-io=on "$file" 2>/dev/null \
        || losetup --find --show --sector-size "$sector" "$file")"
    LOOPS+=("$LOOP_DEV")
    if [[ "$(blockdev --getss "$LOOP_DEV")" != "$sector" ]]; then
        echo "make-golden.sh: $LOOP_DEV does not report $sector-byte sectors" >&2
        exit 1
    fi
}

# capture PATH SECTOR COUNT NAME AREA: saves the first COUNT sectors (read with O_DIRECT) as
# NAME.bin, and a copy padded to the AREA size as $WORK/NAME.copy (path left in COPY), so that
# the .txt files describe exactly the captured bytes rather than a later state of the disk.
capture() {
    local path="$1" sector="$2" count="$3" name="$4" area="$5"
    dd if="$path" of="$OUT/$name.bin" bs="$sector" count="$count" iflag=direct status=none
    COPY="$WORK/$name.copy"
    cp "$OUT/$name.bin" "$COPY"
    truncate -s "$area" "$COPY"
    sanlock direct dump "$COPY:0:$((sector * count))" -f 1 >"$OUT/$name.dump.txt"
}

# read_leader NAME -s|-r SPEC: sanlock's view of the captured copy's leader, into NAME.read_leader.txt
read_leader() {
    local name="$1"
    shift
    sanlock direct read_leader "$@" >"$OUT/$name.read_leader.txt"
}

# field NAME KEY: one value from NAME.read_leader.txt
field() { awk -v k="$2" '$1 == k { print $2 }' "$OUT/$1.read_leader.txt"; }

# Host ids are acquired with the tool's own host name argument; the 20 s wait is sanlock's
# 2 * io_timeout check that nobody else wrote the record meanwhile.

echo "== delta-512-1M (acquire_id takes about 20 s)"
ids512="$WORK/ids-512"
truncate -s 1M "$ids512"
sanlock direct init -s "LS1:0:$ids512:0"
sanlock direct acquire_id -s "LS1:1:$ids512:0" -e hostA
capture "$ids512" 512 2 delta-512-1M 1M
read_leader delta-512-1M -s "LS1:1:$COPY:0"

echo "== delta-4k-8M (acquire_id takes about 20 s)"
new_loop "$WORK/ids-4k.img" 8M 4096
ids4k="$LOOP_DEV"
sanlock direct init -s "LS1:0:$ids4k:0" -Z 4096 -A 8M
sanlock direct acquire_id -s "LS1:2:$ids4k:0" -e hostB
capture "$ids4k" 4096 3 delta-4k-8M 8M
read_leader delta-4k-8M -s "LS1:2:$COPY:0"

echo "== paxos-4k-1M"
new_loop "$WORK/res-4k.img" 1M 4096
res4k="$LOOP_DEV"
sanlock direct init -r "LS1:RES1:$res4k:0" -Z 4096 -A 1M
capture "$res4k" 4096 3 paxos-4k-1M 1M
read_leader paxos-4k-1M -r "LS1:RES1:$COPY:0"

echo "== paxos-512-1M (held by a real daemon, then released)"
ids="$WORK/ids"
res="$WORK/res"
run="$WORK/run"
mkdir -p "$run"
truncate -s 1M "$ids" "$res"
sanlock direct init -s "LS1:0:$ids:0" -o 1
sanlock direct init -r "LS1:RES1:$res:0"

client() { SANLOCK_RUN_DIR="$run" sanlock client "$@"; }

SANLOCK_RUN_DIR="$run" SANLOCK_PRIVILEGED=0 setsid sanlock daemon -D -w 0 -l 0 -h 0 -e hostA \
    >"$WORK/daemon.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 50); do
    client status >/dev/null 2>&1 && break
    sleep 0.2
done
client status >/dev/null

client add_lockspace -s "LS1:1:$ids:0" -o 1

# "client command" acquires the lease and then execs the program in the same process, so
# $! is the holder's pid once the lease is held.
SANLOCK_RUN_DIR="$run" setsid sanlock client command -r "LS1:RES1:$res:0" -c /bin/sleep 600 \
    >"$WORK/holder.log" 2>&1 &
holder=$!
PIDS+=("$holder")

# wait_resource yes|no: until "client status" does (not) list the resource
wait_resource() {
    local _ status
    for _ in $(seq 1 100); do
        status="$(client status)"
        if grep -q "^r LS1:RES1:" <<<"$status"; then
            [[ $1 == yes ]] && return 0
        else
            [[ $1 == no ]] && return 0
        fi
        sleep 0.2
    done
    echo "make-golden.sh: resource never became held=$1" >&2
    cat "$WORK/holder.log" "$WORK/daemon.log" >&2
    exit 1
}

# "client status" lists the resource while the ballot is still running, so the lease is
# known to be held only once the client has exec'ed the program.
for _ in $(seq 1 100); do
    [[ "$(ps -o comm= -p "$holder" || true)" == sleep ]] && break
    sleep 0.2
done
wait_resource yes
capture "$res" 512 4 paxos-512-1M 1M
read_leader paxos-512-1M -r "LS1:RES1:$COPY:0"
if [[ "$(field paxos-512-1M owner_id)" != 1 || "$(field paxos-512-1M timestamp)" == 0 ]]; then
    echo "make-golden.sh: captured leader is not held by host 1" >&2
    exit 1
fi

kill -TERM "$holder"
wait_resource no
# The daemon drops the resource from its status before or after the leader write lands;
# take the capture once the captured leader is free.
for _ in $(seq 1 50); do
    capture "$res" 512 4 paxos-512-1M-released 1M
    read_leader paxos-512-1M-released -r "LS1:RES1:$COPY:0"
    [[ "$(field paxos-512-1M-released timestamp)" == 0 ]] && break
    sleep 0.2
done
if [[ "$(field paxos-512-1M-released timestamp)" != 0 ]]; then
    echo "make-golden.sh: the leader was never released on disk" >&2
    exit 1
fi

client rem_lockspace -s "LS1:1:$ids:0" >/dev/null || true

sanlock version >"$OUT/sanlock-version.txt"
echo "== done: $(cat "$OUT/sanlock-version.txt"); files in $OUT"
