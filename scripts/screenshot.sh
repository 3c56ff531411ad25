#!/usr/bin/env bash
# The README's screenshots, from the real console: runs `execmux demo` (a private containerd
# and its three containers) in tmux at 80x24 and at 200x50, opens seven tabs, splits the
# view (stacked at 80 columns, side by side at 200), captures the screen with its colours
# (tmux capture-pane -e) and turns it into SVG with scripts/ansi2svg.py. Needs root, tmux and
# python3.
#
# usage: scripts/screenshot.sh [path/to/execmux]   (default: target/release/execmux, built)
set -euo pipefail
cd "$(dirname "$0")/.."
EXE=${1:-target/release/execmux}
if [[ $# -eq 0 ]]; then
    cargo build --release --bin execmux
fi
SOCK="execmux-shot-$$"
CONF=$(mktemp)
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -f "$CONF"' EXIT
printf 'set -g status off\nset -g escape-time 0\n' > "$CONF"

t() { tmux -L "$SOCK" "$@"; }
screen() { t capture-pane -p -t shot; }
# Waits (at most 20 s) until the screen shows $1.
wait_for() {
    local i
    for ((i = 0; i < 200; i++)); do
        if screen | grep -qF -- "$1"; then return 0; fi
        sleep 0.1
    done
    echo "screenshot: no '$1' on the screen:" >&2
    screen >&2
    return 1
}
# Waits (at most 20 s) until the screen no longer shows $1.
wait_without() {
    local i
    for ((i = 0; i < 200; i++)); do
        if ! screen | grep -qF -- "$1"; then return 0; fi
        sleep 0.1
    done
    echo "screenshot: '$1' stays on the screen" >&2
    return 1
}
keys() { t send-keys -t shot "$@"; }
# Leaves the focused tab with the detach keys; its exec keeps running.
detach() {
    keys C-p C-q
    wait_without "TERMINAL"
}
# Types a line into the focused tab and leaves it with the detach keys.
run_in_tab() {
    keys -l -- "$1"
    keys Enter
    wait_for "$2"
    detach
}
# The form for a command in the selected container (a tab opens on Enter).
form() {
    keys e
    wait_for "New exec in demo/"
    keys -l -- "$1"
    keys Enter
}

shot() {
    local cols=$1 rows=$2 split=$3 out=$4
    t -f "$CONF" new-session -d -s shot -x "$cols" -y "$rows" \
        "TERM=xterm-256color $EXE demo 2>/dev/null"
    wait_for "Containers · demo · 3"
    wait_for "worker"
    # The rows are idle, web, worker.
    keys Down Enter                                        # 1 web: a shell
    wait_for "# "
    run_in_tab "ls -p --color=always /; wget -qO- localhost | head -c 60; echo" "execmux demo"
    keys Down
    form "tail -f /tmp/worker.log"                         # 2 worker: its log
    wait_for "job"
    detach
    keys Up Up Enter                                       # 3 idle: a shell, as nobody
    wait_for "$ "
    run_in_tab "id; ps" "nobody"
    keys Down
    form "top"                                             # 4 web: top
    wait_for "Load average"
    detach
    keys Down Enter                                        # 5 worker: a shell
    wait_for "# "
    run_in_tab "tail -n 3 /tmp/worker.log; ls --color=always /" "var"
    keys Up
    form "vi /var/www/index.html"                          # 6 web: vi
    wait_for "1/1 100%"
    detach
    keys Up
    form "/bin/sh -c 'while :; do date; sleep 1; done'"    # 7 idle: a clock
    wait_for "UTC"
    detach
    # Split, and bring top and the worker's shell into view (tabs 4 and 5).
    for ((i = 0; i < split; i++)); do keys '|'; done
    keys M-4
    wait_for "web: top"
    # top redraws at its new size within its 5 s refresh.
    sleep 6
    t capture-pane -e -p -t shot |
        python3 scripts/ansi2svg.py "$cols" "$rows" "execmux at ${cols}x${rows}: seven tabs, two in a split view" > "$out"
    echo "wrote $out"
    keys q
    wait_for "y yes"
    keys y
    # Every exec is killed and the sandbox removed; the pane closes when the console exits.
    for ((i = 0; i < 300; i++)); do
        t has-session -t shot 2>/dev/null || return 0
        sleep 0.1
    done
    echo "screenshot: the console did not exit" >&2
    return 1
}

shot 80 24 2 assets/console-80x24.svg        # stacked
shot 200 50 1 assets/console-200x50.svg      # side by side
