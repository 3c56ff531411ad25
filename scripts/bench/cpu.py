"""CPU time over a span of wall-clock time, for the throughput benchmark: a thread samples
every 10 ms the machine's busy CPU seconds (all CPUs, from /proc/stat) and those of one
watched process (all its threads, from /proc/PID/stat), stamped with the wall clock, so a
run's CPU can be read afterwards over exactly the writer's span (from its start stamp
until the screen or the reader was done)."""
import bisect
import os
import threading
import time

HZ = os.sysconf("SC_CLK_TCK")
PERIOD = 0.01


def machine_busy():
    """Busy CPU seconds of the machine since boot, summed over CPUs (idle and iowait left
    out)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / HZ


def process_cpu(pid):
    """User and system CPU seconds of `pid` (all threads), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read()
    except OSError:
        return 0.0
    fields = st[st.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / HZ


class Sampler:
    def __init__(self):
        self.pid = None
        self.lock = threading.Lock()
        self.times, self.busy, self.own = [], [], []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def watch(self, pid):
        """Samples `pid` from now on as the watched process."""
        with self.lock:
            self.pid = pid

    def _run(self):
        while not self.stop:
            with self.lock:
                pid = self.pid
                self.times.append(time.time())
                self.busy.append(machine_busy())
                self.own.append(process_cpu(pid) if pid else 0.0)
                if len(self.times) > 200_000:
                    for xs in (self.times, self.busy, self.own):
                        del xs[:100_000]
            time.sleep(PERIOD)

    def _at(self, xs, t):
        i = bisect.bisect_left(self.times, t)
        if i <= 0:
            return xs[0]
        if i >= len(self.times):
            return xs[-1]
        t0, t1 = self.times[i - 1], self.times[i]
        w = (t - t0) / (t1 - t0) if t1 > t0 else 1.0
        return xs[i - 1] + w * (xs[i] - xs[i - 1])

    def span(self, t0, t1):
        """(machine busy, watched process) CPU seconds between wall times t0 and t1, read
        from the samples around them (call once a sample after t1 exists)."""
        deadline = time.time() + 1
        while time.time() < deadline:
            with self.lock:
                if self.times and self.times[-1] >= t1:
                    break
            time.sleep(PERIOD)
        with self.lock:
            if not self.times:
                return 0.0, 0.0
            busy = self._at(self.busy, t1) - self._at(self.busy, t0)
            own = self._at(self.own, t1) - self._at(self.own, t0)
        return busy, own

    def close(self):
        self.stop = True
        self.thread.join(timeout=1)
