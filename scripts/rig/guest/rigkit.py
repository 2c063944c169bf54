# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""Helpers for the board test rig's scenarios, which run inside the guest (see scripts/rig/vm).

Everything here is built for a slow, noisy guest (software emulation, 5 to 10 times slower than the host,
sharing the host with other work): every wait has a deadline of tens of seconds instead of a retry count,
and times are taken from CLOCK_MONOTONIC, the clock the kernel stamps GPIO edge events with, so they can be
compared with what livevoiced prints.
"""

import os
import re
import signal
import subprocess
import threading
import time

# A process's first line of output can take seconds in the guest (a Swift binary starts in about 0.4 s on
# a quiet host, several times that on a busy one).
START_DEADLINE = 60.0
# How long a command may take to finish once it should have.
EXIT_DEADLINE = 60.0


def now():
    """CLOCK_MONOTONIC in seconds, the clock of the kernel's GPIO event timestamps."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


class Results:
    """Records checks as `PASS name` / `FAIL name: why` lines, on stdout and in OUT/results.txt, which the
    host counts (with its own checks) for the final `N passed, N failed` line."""

    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.path = os.path.join(out_dir, "results.txt")
        self.passed = 0
        self.failed = 0
        self.group = "rig"

    def _write(self, line):
        print(line, flush=True)
        with open(self.path, "a") as results:
            results.write(line + "\n")

    def check(self, name, ok, detail=""):
        """Records one check; `detail` says what was seen (always printed on failure)."""
        full = f"{self.group}: {name}"
        if ok:
            self.passed += 1
            # A passing check's detail is a measured value worth a glance: one short line.
            short = " ".join(str(detail).split())
            if len(short) > 120:
                short = short[:117] + "..."
            self._write(f"PASS {full}" + (f" ({short})" if short else ""))
        else:
            self.failed += 1
            # Indented continuation lines: a detail line of its own starting with PASS/FAIL must not count.
            text = str(detail or "failed").replace("\n", "\n    ")
            self._write(f"FAIL {full}: {text}")
        return ok

    def note(self, text):
        """Prints a line of context (timings, measured values) that is not a check."""
        print(f"  [{self.group}] {text}", flush=True)

    def crashed(self, name, error):
        """A scenario stopped with an exception: one failure that names it."""
        self.check(f"{name} ran to the end", False, f"{type(error).__name__}: {error}")


# A command prefix that runs a program as user nobody, with no supplementary groups: the kernel's default
# /dev nodes (root only, no udev in the guest) are then closed to it, as to a user outside gpio/audio.
AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def run_scenarios(results, scenarios, ctx, only=None):
    """Runs (name, function) scenarios in order, each in its own result group; a crash is one failure."""
    for name, scenario in scenarios:
        if only and not any(word in name for word in only):
            continue
        results.group = name
        started = now()
        try:
            scenario(ctx)
        except Exception as error:  # a scenario's crash is one failure, the others still run
            results.crashed(name, error)
        results.note(f"{now() - started:.1f} s")


def wait_until(predicate, timeout, interval=0.01):
    """Polls `predicate` until it returns something truthy or `timeout` seconds pass; returns its last value."""
    deadline = now() + timeout
    while True:
        value = predicate()
        if value or now() >= deadline:
            return value
        time.sleep(interval)


class Proc:
    """A program started in the guest, with every output line kept and stamped with CLOCK_MONOTONIC.

    Standard output and standard error are read by threads, so `wait_line` can wait for a line with a
    deadline; both are also written to OUT/logs/NAME.log. Signals are not blocked in the child (Python
    restores the default signal mask and dispositions), so SIGTERM reaches it.
    """

    _counter = 0

    def __init__(self, argv, out_dir, name=None, stdin=subprocess.DEVNULL, env=None):
        Proc._counter += 1
        self.name = name or os.path.basename(argv[0])
        self.argv = argv
        self.started = now()
        logs = os.path.join(out_dir, "logs")
        os.makedirs(logs, exist_ok=True)
        self.log_path = os.path.join(logs, f"{Proc._counter:02d}-{self.name}.log")
        self._log = open(self.log_path, "w")
        self._log.write("$ " + "".join(f"{k}={v} " for k, v in (env or {}).items()) + " ".join(argv) + "\n")
        self._log.flush()
        self.lines = []  # (time, stream, text)
        self._cond = threading.Condition()
        self._open_streams = 2
        self.proc = subprocess.Popen(
            argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, restore_signals=True,
            env=None if env is None else {**os.environ, **env})
        for stream, label in ((self.proc.stdout, "out"), (self.proc.stderr, "err")):
            threading.Thread(target=self._reader, args=(stream, label), daemon=True).start()

    def _reader(self, stream, label):
        for raw in iter(stream.readline, b""):
            text = raw.decode("utf-8", "replace").rstrip("\n")
            stamp = now()
            with self._cond:
                self.lines.append((stamp, label, text))
                self._log.write(f"{stamp:.3f} {label}: {text}\n")
                self._log.flush()
                self._cond.notify_all()
        with self._cond:
            self._open_streams -= 1
            self._cond.notify_all()

    def wait_line(self, pattern, timeout=START_DEADLINE, stream=None, start=0):
        """The first line (from index `start`) matching the regular expression `pattern`, as
        (time, match), or None when `timeout` passes or the program closes its output first."""
        regex = re.compile(pattern)
        deadline = now() + timeout
        with self._cond:
            while True:
                for stamp, label, text in self.lines[start:]:
                    if stream in (None, label):
                        match = regex.search(text)
                        if match:
                            return stamp, match
                left = deadline - now()
                if left <= 0 or self._open_streams == 0:
                    return None
                self._cond.wait(min(left, 0.5))

    def output(self, stream=None):
        """Everything printed so far (one stream, or both interleaved), as one string."""
        with self._cond:
            return "\n".join(text for _, label, text in self.lines if stream in (None, label))

    def stdout_lines(self):
        with self._cond:
            return [(stamp, text) for stamp, label, text in self.lines if label == "out"]

    def signal(self, number):
        if self.proc.poll() is None:
            self.proc.send_signal(number)

    def wait(self, timeout=EXIT_DEADLINE):
        """The exit status (negative: killed by that signal), or None if it is still running at the deadline."""
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        # Let the readers collect the last lines.
        with self._cond:
            deadline = now() + 10
            while self._open_streams > 0 and now() < deadline:
                self._cond.wait(0.5)
        self._log.write(f"exit status {status}\n")
        self._log.flush()
        return status

    def stop(self):
        """Ends the program if it still runs (SIGKILL: it has already failed its check) and reaps it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait(timeout=EXIT_DEADLINE)
        self._log.close()


def run(argv, out_dir, name=None, timeout=EXIT_DEADLINE):
    """Runs a program to completion: (status, stdout, stderr). Status None: it did not finish in time."""
    proc = Proc(argv, out_dir, name=name)
    status = proc.wait(timeout=timeout)
    out, err = proc.output("out"), proc.output("err")
    proc.stop()
    return status, out, err


def read_text(path):
    with open(path) as handle:
        return handle.read().strip()


def write_text(path, text):
    with open(path, "w") as handle:
        handle.write(text)


class Sampler:
    """Samples a sysfs value file as fast as the guest allows, in a thread, keeping every change as
    (time, value). Reading sysfs takes well under a millisecond even in the guest, so edges tens of
    milliseconds apart are timed to within a few milliseconds (give or take the guest's stalls, which the
    scenarios' tolerances allow for)."""

    def __init__(self, path):
        self.path = path
        self.changes = []
        self.samples = 0
        self.max_gap = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        last_value = None
        last_time = None
        fd = os.open(self.path, os.O_RDONLY)
        try:
            while not self._stop.is_set():
                value = int(os.pread(fd, 8, 0).strip() or b"0")
                stamp = now()
                if last_time is not None:
                    self.max_gap = max(self.max_gap, stamp - last_time)
                last_time = stamp
                self.samples += 1
                if value != last_value:
                    self.changes.append((stamp, value))
                    last_value = value
                time.sleep(0.0005)
        finally:
            os.close(fd)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.changes


def describe_signal(status):
    if status is None:
        return "still running"
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit status {status}"
