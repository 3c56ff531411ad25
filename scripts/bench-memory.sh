#!/usr/bin/env bash
# Memory of the console with TABS tabs, each holding a full scrollback of long lines: opens
# the tabs on the demo sandbox through tmux, fills each with 10k lines of 200 characters,
# then reads the console's RSS from /proc. Needs root and tmux.
# usage: scripts/bench-memory.sh [path/to/execmux] [tabs]
set -euo pipefail
EXE=${1:-target/release/execmux}
TABS=${2:-20}
T="tmux -L execmux-mem"
$T kill-server 2>/dev/null || true
# 220 columns: each tab's terminal is 134 wide, so a 200-character line wraps once.
$T new-session -d -s m -x 220 -y 50 "exec $EXE demo"
sleep 4
pid=$(pgrep -ox execmux)
rss() { awk '/^VmRSS/{print $2}' "/proc/$pid/status"; }
echo "console alone: $(rss) KiB"
fill='i=0; while [ $i -lt 10000 ]; do printf "%0200d\n" $i; i=$((i+1)); done; echo fill$((1+1))ed'
for n in $(seq 1 "$TABS"); do
  $T send-keys -t m Enter; sleep 1
  $T send-keys -t m "$fill" Enter
  for _ in $(seq 1 300); do $T capture-pane -p -t m | grep -q fill2ed && break; sleep 0.1; done
  $T send-keys -t m C-p C-q; sleep 0.2
done
echo "$TABS tabs, 10k lines of 200 characters each: $(rss) KiB"
$T send-keys -t m q y; sleep 6
$T kill-server 2>/dev/null || true
