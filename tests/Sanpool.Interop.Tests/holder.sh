#!/bin/bash
# A lease holder for the contention tests: `sanpool lease command -r RES -c holder.sh NAME
# WITNESS LOG [HOLD_SECONDS]` execs it once RES is held, so this process is the holder the
# daemon watches. It records itself in the witness file following the protocol of
# src/Sanpool.Core/WitnessFile.cs (one line "NAME PID STARTTIME", read and written
# under flock(1); another live holder found there is a violation, appended to
# WITNESS.violations), appends "NAME acquired" to LOG, holds for HOLD_SECONDS (0.01), and
# clears the witness before exiting, which lets the daemon release the lease.
set -u
name=$1 witness=$2 log=$3 hold=${4:-0.01}

# Field 22 of /proc/PID/stat, the start time; empty if the process is gone. The command
# name (field 2) may hold spaces, so count from the ") " that ends it: field 3 is first.
starttime() {
    local stat rest
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    rest=${stat##*) }
    set -- $rest
    echo "${20}"
}

me="$name $$ $(starttime $$)"

exec 9<>"$witness"
flock 9
current=$(cat "$witness")
if [[ -n $current ]]; then
    read -r other_name other_pid other_start <<<"$current"
    if [[ $other_name != "$name" && "$(starttime "$other_pid")" == "$other_start" ]]; then
        echo "$(date -u +%Y-%m-%dT%H:%M:%S.%N) $name (pid $$) entered while $current held" >>"$witness.violations"
    fi
fi
printf '%s\n' "$me" >"$witness"
flock -u 9

echo "$name acquired" >>"$log"
sleep "$hold"

flock 9
if [[ "$(cat "$witness")" == "$me" ]]; then
    : >"$witness"
fi
flock -u 9
exec 9>&-
