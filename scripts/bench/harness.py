"""What the benchmark drivers share: a program in a host pty whose output is drained on a
thread and searched as plain text (escape sequences removed), the console driven on the
sandbox, files read from a container's /tmp, and small statistics. Python stdlib only."""

import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

# One escape sequence: CSI, OSC/DCS/APC/PM/SOS strings, or a short ESC sequence; and the
# C0 controls. What is left of a frame is the text it draws.
ESCAPE = re.compile(
    rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\"
    rb"|[ -/]*[0-~])|[\x00-\x1a\x1c-\x1f\x7f]")
# A sequence cut at the end of a read: kept for the next one.
PARTIAL = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[PX^_][^\x1b]*|[ -/]*)?\Z")
# Text kept for searching; older text is dropped (offsets stay absolute).
KEEP = 1 << 20


def exit_on_signals():
    """SIGTERM and SIGHUP end the driver through its `finally` blocks (console, tmux and
    anchors closed), not on the spot."""
    def leave(signum, _frame):
        sys.exit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, leave)


def log(*args):
    print("bench:", *args, file=sys.stderr, flush=True)


def die(msg):
    log("error:", msg)
    sys.exit(2)


class Pty:
    """`argv` on a new pty of `rows` x `cols` as its controlling terminal. A thread drains the
    output: `total` counts raw bytes, `text` holds the text without escape sequences, and
    every read is stamped (perf_counter_ns and wall clock) so that waits report when the
    text arrived, not when the waiter woke up."""

    def __init__(self, argv, rows, cols, env=None):
        self.master, slave = os.openpty()
        self.resize(rows, cols)

        def ctty():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     preexec_fn=ctty, close_fds=True)
        os.close(slave)
        self.cond = threading.Condition()
        self.text = bytearray()
        self.base = 0          # absolute offset of text[0]
        self.total = 0         # raw bytes read
        self.eof = False
        # False: `text` takes the raw bytes (no escape removal, so the reader costs little
        # CPU while a benchmark runs); only for text known to arrive contiguous.
        self.strip = True
        self.stamps = []       # (absolute end offset of text, perf_counter_ns, time.time())
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def resize(self, rows, cols):
        self.rows, self.cols = rows, cols
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _read(self):
        carry = b""
        while True:
            try:
                chunk = os.read(self.master, 1 << 20)
            except OSError:
                chunk = b""
            ns, wall = time.perf_counter_ns(), time.time()
            if not chunk:
                with self.cond:
                    self.eof = True
                    self.cond.notify_all()
                return
            if self.strip:
                data = carry + chunk
                cut = PARTIAL.search(data, max(0, len(data) - 4096))
                carry = b""
                if cut and cut.start() < len(data):
                    carry, data = data[cut.start():], data[:cut.start()]
                plain = ESCAPE.sub(b"", data)
            else:
                plain, carry = carry + chunk, b""
            with self.cond:
                self.total += len(chunk)
                self.text += plain
                if len(self.text) > 2 * KEEP:
                    drop = len(self.text) - KEEP
                    del self.text[:drop]
                    self.base += drop
                    self.stamps = [s for s in self.stamps if s[0] > self.base]
                self.stamps.append((self.base + len(self.text), ns, wall))
                if len(self.stamps) > 4096:
                    del self.stamps[:2048]
                self.cond.notify_all()

    def mark(self):
        """The current end of the text: search from here for what follows."""
        with self.cond:
            return self.base + len(self.text)

    def _stamp(self, end):
        for off, ns, wall in self.stamps:
            if off >= end:
                return ns, wall
        return time.perf_counter_ns(), time.time()

    def wait(self, pattern, since, timeout):
        """Waits until `pattern` (bytes or compiled regex) shows in the text after `since`.
        Returns (match or None, perf_counter_ns, wall time) of the read that brought it;
        (None, ...) after `timeout` seconds or at EOF."""
        deadline = time.monotonic() + timeout
        rx = pattern if hasattr(pattern, "search") else re.compile(re.escape(pattern))
        scanned = since
        with self.cond:
            while True:
                # Text already searched is not searched again (but a match may straddle).
                start = max(0, since - self.base, scanned - 256 - self.base)
                m = rx.search(self.text, start)
                if m:
                    ns, wall = self._stamp(self.base + m.end())
                    return m, ns, wall
                scanned = self.base + len(self.text)
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    return None, time.perf_counter_ns(), time.time()
                self.cond.wait(left)

    def quiet(self, gap, timeout):
        """Waits until no output came for `gap` seconds (at most `timeout`)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while time.monotonic() < deadline:
                last = self.total
                self.cond.wait(gap)
                if self.total == last or self.eof:
                    return True
        return False

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        os.write(self.master, data)

    def type_line(self, line):
        self.write(line.encode() + b"\r")

    def close(self):
        """Ends the program by its pid: SIGTERM, SIGKILL after 5 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return int(rest[11]) + int(rest[12])
    except (OSError, IndexError, ValueError):
        return 0


class Sandbox:
    """The private containerd started by `execmux sandbox` (its JSON line in `path`)."""

    def __init__(self, path, exe):
        with open(path) as f:
            info = json.loads(f.readline())
        self.exe = exe
        self.address = info["address"]
        self.rootfs = info["rootfs"]
        self.fifo = info["fifo"]
        self.namespace = info["namespace"]
        self.container = info["containers"][0]["id"]
        self.pid = info["containers"][0]["pid"]
        self.tmp = f"/proc/{self.pid}/root/tmp"
        self.home = os.path.join(os.path.dirname(self.rootfs), "bench-home")
        os.makedirs(os.path.join(self.home, "config"), exist_ok=True)

    def global_args(self):
        return ["-a", self.address, "-n", self.namespace, "--runtime-dir", self.fifo]

    def env(self):
        env = dict(os.environ)
        env.update(TERM="xterm-256color", XDG_CONFIG_HOME=os.path.join(self.home, "config"),
                   XDG_STATE_HOME=os.path.join(self.home, "state"))
        for k in ("CONTAINERD_ADDRESS", "CONTAINERD_NAMESPACE", "EXECMUX_LOG"):
            env.pop(k, None)
        return env

    def ctr(self, *args):
        return ["ctr", "-a", self.address, "-n", self.namespace, *args]

    def read_tmp(self, name, timeout=10.0):
        """A file the container wrote into its /tmp, once it is complete (ends with a
        newline), or None after `timeout` seconds."""
        path = os.path.join(self.tmp, name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(path) as f:
                    data = f.read()
                if data.endswith("\n"):
                    return data
            except OSError:
                pass
            time.sleep(0.005)
        return None

    def stamp(self, name, timeout=10.0):
        data = self.read_tmp(name, timeout)
        return float(data) if data else None


def probe(pty, sb, tag, timeout=20.0):
    """Runs `stty size` in the shell behind `pty` and returns (rows, cols), or None."""
    pty.type_line(f"stty size > /tmp/{tag}.t && mv /tmp/{tag}.t /tmp/{tag}")
    data = sb.read_tmp(tag, timeout)
    if not data:
        return None
    rows, cols = data.split()
    return int(rows), int(cols)


def key_bytes(spec):
    """A key given as text with Python escapes (e.g. 'z' or '\\x1a')."""
    return spec.encode().decode("unicode_escape").encode("latin-1")


class Console:
    """The console on the sandbox in a host pty, with one shell tab opened on the container
    whose terminal is `rows` x `cols` (the host pty is grown or shrunk until it is)."""

    DETACH = b"\x10\x11"  # ctrl-p, ctrl-q

    def __init__(self, sb, rows=50, cols=200, tag="c"):
        self.sb = sb
        # The current layout: a left column of 84 at >= 200 columns, a tab bar, the status
        # line and the tab's border; corrected below from what `stty size` says.
        host_rows, host_cols = rows + 4, cols + 86
        self.pty = Pty([sb.exe, *sb.global_args()], host_rows, host_cols, env=sb.env())
        start = 0
        for what in (b"connected", sb.container.encode()):
            m, _, _ = self.pty.wait(what, start, 30)
            if not m:
                self.fail(f"the console did not show {what.decode()!r}")
        self.pty.quiet(0.2, 3)
        self.open_tab(f"{tag}0")
        zoom = os.environ.get("EXECMUX_BENCH_ZOOM_KEY")
        if zoom:
            self.pty.write(key_bytes(zoom))
            self.pty.quiet(0.2, 3)
        self.size = None
        for n in range(5):
            got = probe(self.pty, sb, f"{tag}size{n}")
            if not got:
                self.fail("the tab's shell did not answer `stty size`")
            self.size = got
            if got == (rows, cols):
                break
            host_rows += rows - got[0]
            host_cols += cols - got[1]
            if host_rows < 2 or host_cols < 2 or host_rows > 1000 or host_cols > 2000:
                break
            self.pty.resize(host_rows, host_cols)
            self.pty.quiet(0.3, 3)
        if self.size != (rows, cols):
            log(f"warning: the tab is {self.size[0]}x{self.size[1]}, not {rows}x{cols}")
        log(f"console tab {self.size[0]}x{self.size[1]} in a host terminal of "
            f"{host_rows}x{host_cols}")

    def open_tab(self, tag):
        """Enter on the container: a focused shell tab; returns once the shell answers."""
        self.pty.write(b"\r")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.3)
            self.pty.type_line(f"echo > /tmp/{tag}")
            if self.sb.read_tmp(tag, 2):
                self.pty.quiet(0.1, 2)
                return
        self.fail("no shell answered in the new tab")

    def fail(self, msg):
        tail = bytes(self.pty.text[-600:]).decode("utf-8", "replace")
        self.close()
        die(f"{msg}; last text on screen: {tail!r}")

    def close(self):
        """Quits (detach, q, y: every exec of ours is killed), else ends it by its pid."""
        try:
            for keys, pause in ((self.DETACH, 0.2), (b"q", 0.3), (b"y", 0)):
                self.pty.write(keys)
                time.sleep(pause)
            self.pty.proc.wait(15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.pty.close()


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def percentile(xs, p):
    """Nearest-rank percentile."""
    xs = sorted(xs)
    if not xs:
        return None
    k = max(0, min(len(xs) - 1, int(round(p / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def fmt(x, unit="", digits=2):
    return "-" if x is None else f"{x:.{digits}f}{unit}"
