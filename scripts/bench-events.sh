#!/usr/bin/env bash
# What containerd's events cost the open console: on a private sandbox containerd, the
# console in a 200x50 tmux window on the sandbox namespace while LOOPS shell loops run
# `ctr task exec ... true` for SECONDS, its CPU per wall second against the console idle
# (same run) and against a `ctr events` client subscribed to the same daemon; at the end,
# every exec must be listed and listed as exited. Prints the figures on stdout, progress on
# stderr; exits 1 when an exec is missing. Needs root, containerd, runc, busybox-static,
# ctr, tmux and python3.
#
# usage: scripts/bench-events.sh [LOOPS] [SECONDS] [ROUNDS]   (default 4 loops, 20 s, 3)
# env:   EXECMUX=path/to/execmux                 (default: this worktree's release build)
#        BENCH_PERF=FILE   perf record (dwarf call graphs) of the console over the first round's loops
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/bench/lib.sh"
LOOPS=${1:-4}
SECONDS_=${2:-20}
ROUNDS=${3:-3}
for v in "$LOOPS" "$SECONDS_" "$ROUNDS"; do
  case $v in '' | *[!0-9]*) bench_die "LOOPS, SECONDS and ROUNDS must be numbers, not '$v'" ;; esac
done
bench_init tmux bash
bench_sandbox
bench_run python3 -B "$here/bench/events.py" "$SANDBOX_JSON" "$EXECMUX" --loops "$LOOPS" \
  --seconds "$SECONDS_" --rounds "$ROUNDS"
