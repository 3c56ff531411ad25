#!/usr/bin/env bash
# Terminal throughput of the console against the raw reader and tmux, side by side: on a
# private sandbox containerd, `cat` of four generated corpora (seq-like, od-like, an SGR
# colour per character, wide/CJK) in a 200x50 terminal, read by `execmux drain` (the tty
# FIFO drained, no emulator), by a visible console tab and by tmux + `ctr task exec -t`,
# interleaved over ROUNDS rounds. Prints a table of medians and ratios on stdout, progress
# on stderr. Needs root, containerd, runc, busybox-static, ctr, tmux and python3.
#
# usage: scripts/bench-tty.sh [ROUNDS]        (default 3)
# env:   EXECMUX=path/to/execmux               (default: this worktree's release build)
#        EXECMUX_BENCH_ZOOM_KEY=KEY            pressed in the tab to give it the window
#        BENCH_CORPORA=seq,od,sgr,wide  BENCH_SCALE=1  BENCH_NO_TMUX=1
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/bench/lib.sh"
ROUNDS=${1:-3}
case $ROUNDS in '' | *[!0-9]*) bench_die "ROUNDS must be a number, not '$ROUNDS'" ;; esac
if [ -n "${BENCH_NO_TMUX:-}" ]; then bench_init; else bench_init tmux; fi
bench_sandbox
bench_run python3 -B "$here/bench/tty.py" "$SANDBOX_JSON" "$EXECMUX" --rounds "$ROUNDS" \
  --corpora "${BENCH_CORPORA:-seq,od,sgr,wide}" --scale "${BENCH_SCALE:-1}" \
  ${BENCH_NO_TMUX:+--no-tmux}
