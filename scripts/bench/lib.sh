# Shared by the benchmark scripts (sourced): checks what a run needs, starts the private
# sandbox containerd (`execmux sandbox`) and removes it, by its own pid, on every exit.

bench_log() { echo "bench: $*" >&2; }
bench_die() { echo "bench: error: $*" >&2; exit 2; }

# bench_init TOOL... : the execmux binary (EXECMUX, default the release build of this
# worktree), root, and each named tool on PATH.
bench_init() {
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  EXECMUX=${EXECMUX:-$root/target/release/execmux}
  [ -x "$EXECMUX" ] || bench_die "no execmux binary at $EXECMUX; build it (cargo build --release) or set EXECMUX=path/to/execmux"
  EXECMUX=$(realpath "$EXECMUX")
  [ "$(id -u)" = 0 ] || bench_die "needs root (the sandbox containerd runs containers with runc)"
  local t
  for t in containerd containerd-shim-runc-v2 runc busybox ctr python3 "$@"; do
    command -v "$t" >/dev/null 2>&1 || bench_die "$t is not installed or not on PATH (apt-get install -y containerd runc busybox-static tmux python3)"
  done
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' || bench_die "needs python3 >= 3.9"
  "$EXECMUX" drain --help >/dev/null 2>&1 || bench_die "$EXECMUX has no drain subcommand (too old?)"
  BENCH_DIR=$(mktemp -d /tmp/execmux-bench.XXXXXX)
  export BENCH_TMUX_NAME=execmux-bench-$$
  SB_PID=
  DRIVER_PID=
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
}

bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "${DRIVER_PID:-}" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    bench_log "stopping the driver (pid $DRIVER_PID) ..."
    kill -TERM "$DRIVER_PID" 2>/dev/null || true
    local w=0
    while kill -0 "$DRIVER_PID" 2>/dev/null && [ $w -lt 300 ]; do sleep 0.1; w=$((w + 1)); done
    kill -0 "$DRIVER_PID" 2>/dev/null && kill -KILL "$DRIVER_PID" 2>/dev/null
  fi
  if command -v tmux >/dev/null 2>&1; then
    tmux -L "$BENCH_TMUX_NAME" kill-server 2>/dev/null || true
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$BENCH_TMUX_NAME"
  fi
  if [ -n "${SB_PID:-}" ] && kill -0 "$SB_PID" 2>/dev/null; then
    bench_log "stopping the sandbox (pid $SB_PID) ..."
    kill -TERM "$SB_PID" 2>/dev/null || true
    local n=0
    while kill -0 "$SB_PID" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
    kill -0 "$SB_PID" 2>/dev/null && kill -KILL "$SB_PID" 2>/dev/null
    wait "$SB_PID" 2>/dev/null || true
  fi
  [ -n "${BENCH_DIR:-}" ] && rm -rf "$BENCH_DIR"
  exit $rc
}

# bench_sandbox : starts the sandbox with one container `bench` in namespace `bench`;
# its JSON line (socket, directories, container pid) ends up in $SANDBOX_JSON.
bench_sandbox() {
  SANDBOX_JSON=$BENCH_DIR/sandbox.json
  bench_log "starting a private containerd ..."
  "$EXECMUX" -n bench sandbox --container bench >"$SANDBOX_JSON" 2>"$BENCH_DIR/sandbox.log" </dev/null &
  SB_PID=$!
  local n=0
  until [ -s "$SANDBOX_JSON" ]; do
    kill -0 "$SB_PID" 2>/dev/null || bench_die "the sandbox did not start: $(tail -5 "$BENCH_DIR/sandbox.log")"
    [ $n -lt 300 ] || bench_die "the sandbox did not start within 30 s"
    sleep 0.1; n=$((n + 1))
  done
  bench_log "sandbox up (pid $SB_PID): $(head -c 300 "$SANDBOX_JSON")"
}

# bench_run ARGS... : runs a driver (in the background, so that a signal to this script
# runs the cleanup at once, which stops the driver first) and returns its exit status.
bench_run() {
  "$@" &
  DRIVER_PID=$!
  local rc=0
  wait "$DRIVER_PID" || rc=$?
  DRIVER_PID=
  return $rc
}
