#!/usr/bin/env python3
"""Terminal throughput, side by side in one run: for each corpus and round, `cat` of the
corpus in a 200x50 tty read (a) by the raw reader (`execmux drain`: the tty FIFO drained,
no emulator), (b) by the console (a visible 200x50 tab; done when a marker printed after
the corpus shows in the host terminal) and (c) by tmux + `ctr task exec -t` in a 200x50
window (done when ctr ends). Every time runs from the writer's own start stamp inside the
container; the writer's time (start to end of its cat) is reported too.

Over the same spans the machine's busy CPU and the console's own CPU are sampled. A second
table shows how much CPU the console spends per MB and how little it would have to spend
for 0.9x: the raw run keeps most CPUs busy by itself, and the console's work comes on top
of that same pipeline (writer, tty, shim).

usage: tty.py SANDBOX_JSON EXECMUX [--rounds N] [--corpora seq,od,sgr,wide] [--scale X]
              [--no-tmux]
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpora  # noqa: E402
from cpu import Sampler  # noqa: E402
from harness import Console, Pty, Sandbox, die, exit_on_signals, fmt, log, median  # noqa: E402

ROWS, COLS = 50, 200
TIMEOUT = 300


class Runner:
    def __init__(self, sb, tmux, cpu):
        self.sb = sb
        self.cpu = cpu
        self.console = None
        self.tmux = tmux
        self.runs = 0
        self.tmux_name = os.environ.get("BENCH_TMUX_NAME", f"execmux-bench-{os.getpid()}")
        self.client = None

    def stamps(self, tag):
        s, e = self.sb.stamp(f"{tag}.s"), self.sb.stamp(f"{tag}.e")
        if s is None or e is None:
            die(f"the writer of run {tag} left no time stamps in the container's /tmp")
        return s, e

    def raw(self, name, tag):
        sb = self.sb
        argv = [sb.exe, *sb.global_args(), "drain", "--rows", str(ROWS), "--cols", str(COLS),
                sb.container, "--", "sh", "/bench/run.sh", f"{name}.txt", tag]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        lines = p.stdout.strip().splitlines()
        if p.returncode != 0 or not lines:
            die(f"execmux drain failed ({p.returncode}): {p.stderr.strip()}")
        out = json.loads(lines[-1])
        s, e = self.stamps(tag)
        busy, _ = self.cpu.span(s, out["eof_unix"])
        return {"writer": e - s, "done": out["eof_unix"] - s, "bytes": out["bytes"],
                "reads": out["reads"], "busy": busy}

    def start_console(self):
        self.console = Console(self.sb, ROWS, COLS, tag="tty")
        self.cpu.watch(self.console.pty.proc.pid)

    def in_console(self, name, tag):
        pty = self.console.pty
        k = self.runs
        self.runs += 1
        # Letters only, none of which a corpus or the prompt draws, each position different
        # from the same position of any other run's marker: the frame that shows it must
        # redraw every one of its cells, so it arrives as contiguous text.
        marker = "".join(chr(ord("a") + (3 * j + k) % 26) for j in range(12))
        since, sent = pty.mark(), pty.total
        # The marker arrives as contiguous text: the host screen's bytes are searched as
        # they come, not stripped of escapes (which cost this reader a quarter of the CPU
        # the console competes for).
        pty.strip = False
        pty.type_line(f"sh /bench/run.sh {name}.txt {tag}; echo {marker} | tr a-z A-Z")
        m, _, wall = pty.wait(marker.upper().encode(), since, TIMEOUT)
        pty.strip = True
        if not m:
            self.console.fail(f"the marker of run {tag} never showed")
        s, e = self.stamps(tag)
        busy, own = self.cpu.span(s, wall)
        pty.quiet(0.2, 5)
        return {"writer": e - s, "done": wall - s, "host_bytes": pty.total - sent,
                "busy": busy, "own": own}

    def tmux_cmd(self, *args):
        return subprocess.run(["tmux", "-L", self.tmux_name, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=TIMEOUT, check=False)

    def start_tmux(self):
        r = self.tmux_cmd("new-session", "-d", "-s", "b", "-x", str(COLS), "-y", str(ROWS),
                          "sleep 36000")
        if r.returncode != 0:
            die(f"tmux new-session failed: {r.stderr.strip()}")
        for opt in (("status", "off"), ("history-limit", "10000")):
            self.tmux_cmd("set-option", "-g", *opt)
        env = dict(os.environ, TERM="xterm-256color")
        env.pop("TMUX", None)
        self.client = Pty(["tmux", "-L", self.tmux_name, "attach-session", "-t", "b"],
                          ROWS, COLS, env=env)
        time.sleep(0.5)
        # ctr sets the size just after Start: ask a little later.
        size = self.ctr_in_tmux("sh -c 'sleep 0.5; stty size > /tmp/tmuxsize'", "tmuxsize0")
        got = self.sb.read_tmp("tmuxsize", 10)
        log(f"tmux window: {got.strip() if got else '?'} (rows cols), probe {size:.0f} ms")

    def ctr_in_tmux(self, command, tag):
        exec_id = f"bench-{tag}-{time.time_ns()}"
        ctr = " ".join(shlex.quote(a) for a in self.sb.ctr("task", "exec", "-t", "--exec-id",
                                                           exec_id, self.sb.container))
        line = f"{ctr} {command}; tmux -L {self.tmux_name} wait-for -S {tag}"
        t0 = time.time()
        r = self.tmux_cmd("new-window", "-t", "b:", line)
        if r.returncode != 0:
            die(f"tmux new-window failed: {r.stderr.strip()}")
        self.tmux_cmd("wait-for", tag)
        return (time.time() - t0) * 1000

    def in_tmux(self, name, tag):
        self.ctr_in_tmux(f"sh /bench/run.sh {name}.txt {tag}", tag)
        wall = time.time()
        s, e = self.stamps(tag)
        return {"writer": e - s, "done": wall - s}

    def close(self):
        if self.console:
            self.console.close()
        if self.client:
            self.client.close()
        if self.tmux:
            self.tmux_cmd("kill-server")


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def report(names, sizes, results, rounds, tmux, load):
    ms = lambda xs: [x * 1000 for x in xs]  # noqa: E731
    print()
    print(f"tty throughput: cat of each corpus in a {COLS}x{ROWS} terminal, {rounds} round(s), "
          "medians; time from the writer's start stamp until done")
    print(f"{os.cpu_count()} CPUs; load average {load[0]} at the start, {load[1]} at the end")
    print("ratio = raw time / time (the share of the raw reader's speed; 1.00x = as fast), "
          "median of the per-round ratios [min-max]")
    head = f"{'corpus':<7}{'MB':>6} {'raw drain':>10} {'MB/s':>6} {'console':>10} {'ratio':>18}"
    if tmux:
        head += f" {'tmux+ctr':>10} {'ratio':>18}"
    head += "   writer ms: raw / console" + (" / tmux" if tmux else "")
    head += "   console to host B/B"
    print(head)
    for name in names:
        res = results[name]
        raw = [r["done"] for r in res["raw"]]
        row = f"{name:<7}{sizes[name] / 1e6:>6.1f} {fmt(median(ms(raw)), ' ms', 0):>10}"
        row += f" {fmt(sizes[name] / 1e6 / median(raw), '', 0):>6}"
        writers = [median(ms([r['writer'] for r in res['raw']]))]
        kinds = ["console"] + (["tmux"] if tmux else [])
        for kind in kinds:
            done = [r["done"] for r in res[kind]]
            ratios = [a / b for a, b in zip(raw, done)]
            span = f"{fmt(median(ratios), 'x')} [{fmt(min(ratios))}-{fmt(max(ratios))}]"
            row += f" {fmt(median(ms(done)), ' ms', 0):>10} {span:>18}"
            writers.append(median(ms([r["writer"] for r in res[kind]])))
        row += "   " + " / ".join(fmt(w, "", 0) for w in writers)
        out = median([r["host_bytes"] / sizes[name] for r in res["console"]])
        row += f"   {fmt(out, '', 3)}"
        print(row)
    print("target: console >= 0.90x of the raw reader on every corpus")
    cpus = os.cpu_count() or 1
    print()
    print(f"CPU over the same spans, medians, on {cpus} CPUs: busy CPUs of the machine during "
          "the raw and the console runs; the console's own CPU seconds and MB per own CPU "
          "second; for 0.9x: the console's CPU budget (the CPU seconds the machine has in "
          "raw time / 0.9, less the raw run's own use) and the MB per CPU second it implies")
    print(f"{'corpus':<7}{'raw CPUs':>9} {'console CPUs':>13} {'own s':>7} {'MB/own s':>9} "
          f"{'0.9x: budget s':>15} {'MB/s':>6}")
    for name in names:
        res = results[name]
        raw_cpus = median([r["busy"] / r["done"] for r in res["raw"]])
        con_cpus = median([r["busy"] / r["done"] for r in res["console"]])
        own = median([r["own"] for r in res["console"]])
        budget = median([cpus * r["done"] / 0.9 - r["busy"] for r in res["raw"]])
        mb = sizes[name] / 1e6
        per_own = mb / own if own and own > 0 else None
        needs = mb / budget if budget and budget > 0 else None
        print(f"{name:<7}{fmt(raw_cpus):>9} {fmt(con_cpus):>13} {fmt(own):>7} "
              f"{fmt(per_own, '', 0):>9} {fmt(budget):>15} "
              f"{fmt(needs, '', 0) if budget and budget > 0 else 'none':>6}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sandbox")
    ap.add_argument("execmux")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--corpora", default="seq,od,sgr,wide")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--no-tmux", action="store_true")
    a = ap.parse_args()
    exit_on_signals()
    names = [n for n in a.corpora.split(",") if n]
    for n in names:
        if n not in corpora.CORPORA:
            die(f"unknown corpus {n!r} (known: {', '.join(corpora.CORPORA)})")
    load = [loadavg()]
    sb = Sandbox(a.sandbox, a.execmux)
    sizes = corpora.generate(os.path.join(sb.rootfs, "bench"), names, a.scale)
    cpu = Sampler()
    runner = Runner(sb, not a.no_tmux, cpu)
    results = {n: {"raw": [], "console": [], "tmux": []} for n in names}
    try:
        log("warm-up: one raw drain of each corpus")
        for n in names:
            got = runner.raw(n, f"warm{n}")
            if got["bytes"] < sizes[n]:
                die(f"the raw reader got {got['bytes']} bytes of {n}, less than the corpus")
        runner.start_console()
        if runner.tmux:
            runner.start_tmux()
        kinds = ["raw", "console"] + (["tmux"] if runner.tmux else [])
        for r in range(a.rounds):
            for n in names:
                order = kinds[r % len(kinds):] + kinds[:r % len(kinds)]
                for kind in order:
                    tag = f"r{r}{n}{kind}"
                    run = {"raw": runner.raw, "console": runner.in_console,
                           "tmux": runner.in_tmux}[kind]
                    got = run(n, tag)
                    results[n][kind].append(got)
                    log(f"round {r + 1}/{a.rounds} {n:<5} {kind:<8} done {got['done'] * 1000:8.1f} ms"
                        f"  writer {got['writer'] * 1000:8.1f} ms")
    finally:
        runner.close()
        cpu.close()
    load.append(loadavg())
    report(names, sizes, results, a.rounds, runner.tmux, load)


if __name__ == "__main__":
    main()
