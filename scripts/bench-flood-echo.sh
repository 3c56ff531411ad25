#!/usr/bin/env bash
# Echo latency in one console tab, with another tab idle and then flooding output (od in a
# loop), measured through tmux on the demo sandbox: the time from `tmux send-keys` of a
# command line until its output is on tmux's screen. It includes tmux's own overhead (~40 ms
# here), so compare the two rows rather than read them absolutely. Needs root and tmux.
# usage: scripts/bench-flood-echo.sh [path/to/execmux] [rounds]
set -euo pipefail
EXE=${1:-target/release/execmux}
ROUNDS=${2:-7}
T="tmux -L execmux-bench"

run() { # $1: what the first tab runs
  $T kill-server 2>/dev/null || true
  $T new-session -d -s b -x 160 -y 45 "$EXE demo; sleep 30"
  sleep 4
  $T send-keys -t b Down Enter; sleep 1.5
  $T send-keys -t b "$1" Enter; sleep 1
  $T send-keys -t b C-p C-q; sleep 0.3
  $T send-keys -t b Enter; sleep 2
  local times=()
  for n in $(seq 1 "$ROUNDS"); do
    local start; start=$(date +%s%N)
    $T send-keys -t b "echo mark$n-\$((40+2))" Enter
    for _ in $(seq 1 500); do
      if $T capture-pane -p -t b | grep -q "mark$n-42"; then
        times+=($(( ($(date +%s%N) - start) / 1000000 ))); break
      fi
      sleep 0.01
    done
  done
  $T send-keys -t b C-p C-q; sleep 0.3; $T send-keys -t b q y; sleep 4
  $T kill-server 2>/dev/null || true
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median %d ms  (min %d, max %d, n %d)\n", a[int((NR+1)/2)], a[1], a[NR], NR}'
}

echo -n "other tab idle:     "; run 'sleep 1000'
echo -n "other tab flooding: "; run 'while :; do od -x /bin/busybox; done'
