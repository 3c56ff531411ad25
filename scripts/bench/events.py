#!/usr/bin/env python3
"""What containerd's events cost the open console: the console runs in a tmux window of
200x50 on the sandbox namespace (no tab open, the exec list showing the container's
execs), while LOOPS shell loops run `ctr task exec ... true` against the same containerd
for SECONDS. Over the same span it reads the console's CPU time (utime + stime from
/proc/PID/stat, all threads) and that of a `ctr events` client subscribed to the same
daemon, the reference for what merely receiving the events costs. Each round also measures
the console idle for SECONDS (no loops) as the floor. At the end it checks on the screen
that every exec is listed and exited: the exec list's title counts them, with and without
the filter `exited`.

usage: events.py SANDBOX_JSON EXECMUX [--loops N] [--seconds S] [--rounds N]
env:   BENCH_PERF=FILE  `perf record -g` of the console over the first round's loops
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Sandbox, cpu_ticks, die, exit_on_signals, fmt, log, median  # noqa: E402

ROWS, COLS = 50, 200
HZ = os.sysconf("SC_CLK_TCK")
TITLE = re.compile(r"Execs · (\S+) · (\d+)")


class Tmux:
    """A private tmux server holding one window: the console."""

    def __init__(self, sb):
        self.name = os.environ.get("BENCH_TMUX_NAME", f"execmux-bench-{os.getpid()}")
        env = [f"{k}={v}" for k, v in sb.env().items() if k.startswith(("XDG_", "PATH", "HOME"))]
        argv = ["env", "-i", "TERM=xterm-256color", *env, sb.exe, *sb.global_args()]
        r = self.cmd("new-session", "-d", "-s", "ev", "-x", str(COLS), "-y", str(ROWS), *argv)
        if r.returncode != 0:
            die(f"tmux new-session failed: {r.stderr.strip()}")
        pid = self.cmd("display-message", "-p", "-t", "ev", "#{pane_pid}").stdout.strip()
        if not pid.isdigit():
            die(f"no pane pid from tmux: {pid!r}")
        self.pid = int(pid)

    def cmd(self, *args):
        return subprocess.run(["tmux", "-L", self.name, "-f", "/dev/null", *args],
                              capture_output=True, text=True, check=False)

    def screen(self):
        return self.cmd("capture-pane", "-p", "-t", "ev").stdout

    def keys(self, *keys):
        self.cmd("send-keys", "-t", "ev", *keys)

    def wait(self, test, timeout):
        """Polls the screen every 100 ms until `test(screen)` is true; the last screen and
        whether it passed."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            if test(s) or time.monotonic() > deadline:
                return s, test(s)
            time.sleep(0.1)

    def close(self):
        self.keys("q")
        time.sleep(0.3)
        self.keys("y")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and os.path.exists(f"/proc/{self.pid}"):
            time.sleep(0.1)
        self.cmd("kill-server")


def listed(screen):
    """(container, count) from the exec list's title, or None."""
    m = TITLE.search(screen)
    return (m.group(1), int(m.group(2))) if m else None


LOOP = r"""
n=0; fail=0
while [ ! -e "$1" ]; do
  n=$((n + 1))
  ctr -a "$2" -n "$3" task exec --exec-id "$5-$n" "$4" true >/dev/null 2>&1 || fail=$((fail + 1))
done
echo "$n $fail" > "$6"
"""


def run_loops(sb, loops, seconds, tag, work):
    """`loops` shell loops of `ctr task exec true` for `seconds`; returns (execs made,
    failures, wall seconds from the first start to the last loop's end)."""
    stop = os.path.join(work, f"stop-{tag}")
    procs, outs = [], []
    t0 = time.monotonic()
    for i in range(loops):
        out = os.path.join(work, f"count-{tag}-{i}")
        outs.append(out)
        procs.append(subprocess.Popen(
            ["bash", "-c", LOOP, "loop", stop, sb.address, sb.namespace, sb.container,
             f"ev-{tag}-{i}", out], stdin=subprocess.DEVNULL))
    time.sleep(seconds)
    open(stop, "w").close()
    for p in procs:
        p.wait(60)
    wall = time.monotonic() - t0
    made = fails = 0
    for out in outs:
        with open(out) as f:
            n, bad = (int(x) for x in f.read().split())
        made, fails = made + n, fails + bad
    return made, fails, wall


def profile(pid):
    """With BENCH_PERF=FILE: `perf record` of the console over the first round's exec
    loops, into FILE (read it with `perf report -i FILE`)."""
    out = os.environ.get("BENCH_PERF")
    if not out:
        return None
    return subprocess.Popen(["perf", "record", "-q", "-F", "2999", "--call-graph", "dwarf,16384", "-p", str(pid), "-o", out],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def span_cpu(pids, run):
    """Runs `run()`; the CPU seconds each of `pids` spent meanwhile, and its result."""
    before = [cpu_ticks(p) for p in pids]
    result = run()
    after = [cpu_ticks(p) for p in pids]
    return [(a - b) / HZ for a, b in zip(after, before)], result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sandbox")
    ap.add_argument("execmux")
    ap.add_argument("--loops", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    exit_on_signals()
    sb = Sandbox(args.sandbox, args.execmux)
    work = os.path.join(os.path.dirname(sb.rootfs), "bench-events")
    os.makedirs(work, exist_ok=True)
    events = subprocess.Popen(sb.ctr("events"), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    tmux = Tmux(sb)
    total = 0
    rows = []
    try:
        screen, ok = tmux.wait(lambda s: listed(s) == (sb.container, 0) and "connected" in s,
                               30)
        if not ok:
            die(f"the console did not list {sb.container}'s execs; screen:\n{screen}")
        log(f"console pid {tmux.pid}, ctr events pid {events.pid}, {args.loops} loops, "
            f"{args.seconds:.0f} s per phase, {args.rounds} rounds")
        pids = [tmux.pid, events.pid]
        for r in range(args.rounds):
            (idle, idle_ctr), _ = span_cpu(pids, lambda: time.sleep(args.seconds))
            idle /= args.seconds
            idle_ctr /= args.seconds
            perf = profile(tmux.pid) if r == 0 else None
            (busy, ctr), (made, fails, wall) = span_cpu(
                pids, lambda r=r: run_loops(sb, args.loops, args.seconds, f"r{r}", work))
            if perf:
                perf.send_signal(signal.SIGINT)
                perf.wait(30)
            total += made
            rows.append((idle, busy / wall, ctr / wall, made / wall, made, fails))
            log(f"round {r + 1}: {made} execs ({fails} failed) in {wall:.1f} s; console "
                f"{busy / wall * 1000:.1f} ms/s (idle {idle * 1000:.1f}), ctr events "
                f"{ctr / wall * 1000:.1f} ms/s")
        # Every exec listed, and every one seen to its end.
        screen, ok = tmux.wait(lambda s: listed(s) == (sb.container, total), 30)
        shown = listed(screen)
        tmux.keys("F")
        for c in "exited":
            tmux.keys(c)
        tmux.keys("Enter")
        fscreen, fok = tmux.wait(lambda s: listed(s) == (sb.container, total), 10)
        exited = listed(fscreen)
    finally:
        tmux.close()
        events.terminate()
        events.wait(5)

    print(f"console on {args.loops} loops of `ctr task exec true`, {args.seconds:.0f} s per "
          f"phase, {args.rounds} rounds (medians [min-max])")
    col = list(zip(*rows))

    def show(xs, scale=1000.0, unit=" ms/s"):
        xs = [x * scale for x in xs]
        return f"{fmt(median(xs), unit, 1)} [{min(xs):.1f}-{max(xs):.1f}]"

    print(f"  execs per second          {show(col[3], 1, '')}")
    print(f"  console, exec loops       {show(col[1])}")
    print(f"  console, idle (floor)     {show(col[0])}")
    print(f"  ctr events, exec loops    {show(col[2])}")
    over = [b - i for b, i in zip(col[1], col[0])]
    per_exec = [(b - i) / e * 1000 for b, i, e in zip(col[1], col[0], col[3]) if e]
    ratio = [(b - i) / c for b, i, c in zip(col[1], col[0], col[2]) if c > 0]
    print(f"  console above idle        {show(over)}")
    print(f"  console per exec          {fmt(median(per_exec), ' ms', 2)}")
    print(f"  console / ctr events      {fmt(median(ratio), 'x', 1)}")
    print(f"  execs made {total} ({sum(col[5])} failed); listed {shown[1] if shown else '?'}, "
          f"listed as exited {exited[1] if exited else '?'}")
    if not (ok and fok):
        log("error: not every exec is listed as exited")
        sys.exit(1)


if __name__ == "__main__":
    main()
