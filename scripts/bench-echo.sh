#!/usr/bin/env bash
# Keystroke echo latency of a console shell tab against `ctr task exec -t sh` in a plain
# pty, side by side on a private sandbox containerd: KEYS keys at 5-20 ms gaps and at
# 50-150 ms gaps, then again while another tab floods output in the background. Prints
# p50/p99 per phase on stdout, progress on stderr. Needs root, containerd, runc,
# busybox-static, ctr and python3.
#
# usage: scripts/bench-echo.sh [KEYS] [ROUNDS]   (default 300 keys per phase, 1 round)
# env:   EXECMUX=path/to/execmux                 (default: this worktree's release build)
#        EXECMUX_BENCH_ZOOM_KEY=KEY              pressed in the tab to give it the window
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/bench/lib.sh"
KEYS=${1:-300}
ROUNDS=${2:-1}
for v in "$KEYS" "$ROUNDS"; do
  case $v in '' | *[!0-9]*) bench_die "KEYS and ROUNDS must be numbers, not '$v'" ;; esac
done
bench_init
bench_sandbox
bench_run python3 -B "$here/bench/echo.py" "$SANDBOX_JSON" "$EXECMUX" --keys "$KEYS" --rounds "$ROUNDS"
