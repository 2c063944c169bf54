# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""The daemon as a hardened systemd service, under a real systemd as PID 1 (scripts/rig/vm run --systemd).

The amd64 package is installed as a user would (apt), the annotated configuration it installs is pointed at
the rig's hardware and at the Live simulator on the guest's loopback, and the unit runs from the package:
  - a gpio-sim chip named like a Raspberry Pi 4's header (pinctrl-bcm2711, GPIO0...GPIO27): the button on
    GPIO17, the LED on GPIO18, the desk lamp's relay on GPIO22 (active low) as the config has them;
  - snd-aloop: speech played into hw:Loopback,0,1 is the microphone (livevoiced_test_mic), the speaker
    (livevoiced_test_speaker) is recorded from hw:Loopback,1,2 (board/alsa/loopback-test.conf);
  - live-simulator with the API key the unit hands over as a credential, calling desk_lamp on the first
    spoken turn.
Every scenario depends on the ones before it (one daemon, one boot), so they always run in this order.
"""

import array
import json
import os
import re
import secrets
import signal
import subprocess
import time
import wave

from rigkit import Proc, Sampler, describe_signal, now, read_text, run, wait_until, write_text, EXIT_DEADLINE, START_DEADLINE
from simchip import PI4_HEADER, HeaderChip, keep_values_on_release

UNIT = "livevoiced.service"
PORT = 18765
CONFIG = "/etc/livevoiced/config.toml"
KEY_FILE = "/etc/livevoiced/gemini-api-key"
SOCKET = "/run/livevoiced/status.sock"
RELAY = "GPIO22"  # desk_lamp in board/examples/livevoiced.toml: active low, safe value 0 (line high)
BUTTON = "GPIO17"
LED = "GPIO18"
STATUS_TEXT = re.compile(r"^(\w+); reconnects (\d+), xruns (\d+), drops (\d+), RSS ([\d.]+) MiB$")


class Context:
    def __init__(self, results, out_dir, deb, simulator, speech, board_dir, source_binary=None):
        self.results = results
        self.source_binary = source_binary
        self.out = out_dir
        self.deb = deb
        self.simulator_bin = simulator
        self.speech = speech
        self.board_dir = board_dir
        self.key = "AIza" + secrets.token_urlsafe(26)[:35]
        self.chip = None
        self.simulator = None
        self.installed = False
        self.bin = "/usr/bin/livevoiced"

    def check(self, name, ok, detail=""):
        return self.results.check(name, ok, detail)

    def note(self, text):
        self.results.note(text)


def command(ctx, *argv, name=None, timeout=EXIT_DEADLINE):
    return run(list(argv), ctx.out, name=name or os.path.basename(argv[0]), timeout=timeout)


def show(ctx, *properties):
    """`systemctl show` of the unit: {property: value}."""
    args = ["systemctl", "show", UNIT, "--no-pager"]
    for prop in properties:
        args += ["-p", prop]
    _, out, _ = command(ctx, *args, name="systemctl-show")
    values = {}
    for line in out.splitlines():
        key, _, value = line.partition("=")
        values[key] = value
    return values


def journal(ctx, *extra, name="journalctl"):
    """The unit's journal, messages only (each call costs about half a second in the guest)."""
    _, out, _ = command(ctx, "journalctl", "-u", UNIT, "--no-pager", "-o", "cat", *extra, name=name)
    return out


def wait_journal(ctx, pattern, timeout, start=0):
    """Waits for a line matching `pattern` among the journal's lines from index `start`; the match or None."""
    regex = re.compile(pattern)
    deadline = now() + timeout
    while True:
        lines = journal(ctx, name="journal-wait").splitlines()
        for line in lines[start:]:
            match = regex.search(line)
            if match:
                return match
        if now() >= deadline:
            return None
        time.sleep(1.0)


def journal_length(ctx):
    return len(journal(ctx, name="journal-length").splitlines())


def status_json(ctx, as_user=None):
    """`livevoiced status --json` (as root, or through `as_user`'s command prefix): (exit status, dict, stderr)."""
    argv = [*(as_user or []), ctx.bin, "status", "--json"]
    status, out, err = run(argv, ctx.out, name="status-json")
    try:
        return status, json.loads(out), err
    except ValueError:
        return status, None, err + out


def capture_running(substream):
    try:
        return "RUNNING" in read_text(f"/proc/asound/Loopback/pcm1c/sub{substream}/status")
    except OSError:
        return False


def playback_open(substream):
    try:
        return read_text(f"/proc/asound/Loopback/pcm0p/sub{substream}/status") != "closed"
    except OSError:
        return False


def gpio_consumer(ctx, chip, offset):
    """The consumer libgpiod's gpioinfo shows for a line, or None when it is free."""
    _, out, _ = command(ctx, "gpioinfo", "-c", chip, name="gpioinfo")
    for line in out.splitlines():
        match = re.match(rf"^\s+line\s+{offset}:.*consumer=\"?([^\"\t]+)\"?", line)
        if match:
            return match.group(1)
    return None


def wav_levels(path):
    """(seconds, RMS of the loudest 100 ms) of a 16-bit mono WAV file."""
    with wave.open(path) as handle:
        rate = handle.getframerate()
        samples = array.array("h", handle.readframes(handle.getnframes()))
    window = rate // 10
    loudest = 0.0
    for start in range(0, max(0, len(samples) - window), window):
        chunk = samples[start:start + window]
        loudest = max(loudest, (sum(s * s for s in chunk) / len(chunk)) ** 0.5)
    return len(samples) / rate, loudest


def main_pid(ctx):
    return int(show(ctx, "MainPID").get("MainPID", "0") or 0)


def proc_status(pid):
    fields = {}
    try:
        for line in read_text(f"/proc/{pid}/status").splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    except OSError:
        pass
    return fields


# --- the scenarios ---------------------------------------------------------------------------------------


def scenario_boot(ctx):
    """systemd is PID 1 of a VM (not a container) on cgroup v2, and the boot finished cleanly."""
    ctx.check("PID 1 is systemd", read_text("/proc/1/comm") == "systemd", read_text("/proc/1/comm"))
    status, out, _ = command(ctx, "systemd-detect-virt")
    ctx.check("systemd sees a virtual machine, not a container", out.strip() == "qemu", out)
    _, fs, _ = command(ctx, "stat", "-fc", "%T", "/sys/fs/cgroup")
    ctx.check("cgroup v2 (the device filter needs its BPF programs)", fs.strip() == "cgroup2fs", fs)
    _, state, _ = command(ctx, "systemctl", "is-system-running")
    _, failed, _ = command(ctx, "systemctl", "--failed", "--no-legend", "--plain", "--no-pager")
    ctx.check("the boot reached rig.target with no failed unit", state.strip() == "running", f"{state} {failed}")


def scenario_install(ctx):
    """`apt install ./livevoiced_*.deb` as the README says: the user, the groups, the unit, the conffile."""
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    proc = Proc(["apt-get", "install", "-y", "--no-install-recommends", ctx.deb], ctx.out,
                name="apt-install", env=env)
    status = proc.wait(300)
    output = proc.output()
    proc.stop()
    ctx.installed = ctx.check("apt-get install ./livevoiced_*.deb succeeds (its Depends are installed: nothing to download)",
                              status == 0, f"{describe_signal(status)}; {output[-1500:]}")
    if not ctx.installed:
        return
    _, dpkg, _ = command(ctx, "dpkg-query", "-W", "-f", "${Status} ${Version}", "livevoiced")
    ctx.check("dpkg knows it as installed", dpkg.startswith("install ok installed"), dpkg)
    _, passwd, _ = command(ctx, "getent", "passwd", "livevoiced")
    ctx.check("sysusers.d made the system user livevoiced (no login shell)", passwd.strip().endswith(":/usr/sbin/nologin")
              and int(passwd.split(":")[2]) < 1000, passwd)
    _, group, _ = command(ctx, "getent", "group", "gpio")
    ctx.check("and the group gpio", group.startswith("gpio:"), group)
    _, conffiles, _ = command(ctx, "dpkg-query", "-W", "-f", "${Conffiles}", "livevoiced")
    ctx.check("/etc/livevoiced/config.toml is a conffile", CONFIG in conffiles, conffiles)
    _, cat, err = command(ctx, "systemctl", "cat", UNIT, "--no-pager")
    ctx.check("systemd knows the unit from the package (daemon-reload ran)", "Type=notify" in cat and "WatchdogSec=" in cat,
              (cat + err)[:600])
    _, enabled, _ = command(ctx, "systemctl", "is-enabled", UNIT)
    ctx.check("the package does not enable it (the key comes first)", enabled.strip() == "disabled", enabled)
    status, out, err = command(ctx, "systemd-analyze", "verify", UNIT)
    problems = [line for line in (out + err).splitlines() if "livevoiced" in line]
    ctx.check("systemd-analyze verify finds nothing wrong with the unit", status == 0 and not problems, out + err)


def scenario_setup(ctx):
    """The board: a header chip (the udev rule gives it to group gpio), the key as root's file, the
    configuration pointed at the rig, and the simulator."""
    keep_values_on_release(True)  # a released line keeps what the daemon drove, as a Pi's pin does
    label, names = PI4_HEADER
    ctx.chip = HeaderChip(label, names).create()
    ctx.chip.pull(BUTTON, 1)  # released: the button pulls the line to ground only while pressed
    command(ctx, "udevadm", "settle", "-t", "30")
    _, mode, _ = command(ctx, "stat", "-c", "%U:%G %a", f"/dev/{ctx.chip.chip}")
    ctx.check(f"udev gives /dev/{ctx.chip.chip} to group gpio, mode 0660 (the package's rule)",
              mode.strip() == "root:gpio 660", mode)

    write_text(KEY_FILE, ctx.key + "\n")
    os.chmod(KEY_FILE, 0o600)
    asound = os.path.join(ctx.board_dir, "alsa", "loopback-test.conf")
    with open(asound) as source, open("/etc/livevoiced/asound.conf", "w") as target:
        target.write(source.read())
    text = read_text(CONFIG)
    edits = [
        ('# endpoint = "ws://127.0.0.1:8765"', f'endpoint = "ws://127.0.0.1:{PORT}"'),
        ('capture_device = "default"', 'capture_device = "livevoiced_test_mic"'),
        ('playback_device = "default"', 'playback_device = "livevoiced_test_speaker"'),
        ('# alsa_config_file = "/etc/livevoiced/asound.conf"', 'alsa_config_file = "/etc/livevoiced/asound.conf"'),
        # Under emulation the echo canceller alone takes most of a vCPU on the real-time capture thread, which
        # starves the kernel's softirq thread and with it snd-aloop's timer (reads fail with EIO). The busy
        # guest also stretches the held press: a long press only after 10 s.
        ('echo_cancellation = true ', 'echo_cancellation = false'),
        ('long_press_ms = 1000 ', 'long_press_ms = 10000'),
    ]
    missing = [old for old, _ in edits if old not in text]
    for old, new in edits:
        text = text.replace(old, new, 1)
    write_text(CONFIG, text + "\n")
    ctx.check("the installed config has the lines an admin edits (endpoint, devices, ALSA file)", not missing, missing)
    status, out, err = command(ctx, ctx.bin, "check", "--config", CONFIG, name="check-installed")
    lines_ok = all(re.search(rf"^ok +{what} line {line} +{line} \({ctx.chip.chip}:\d+\), free", out, re.M)
                   for what, line in (("button", BUTTON), ("led", LED), ("tool desk_lamp", RELAY)))
    ctx.check("livevoiced check: the config is valid, its lines are on the header chip and free, its devices open",
              status == 0 and lines_ok and "ok     audio.capture_device livevoiced_test_mic" in out, out + err)

    ctx.simulator = Proc([ctx.simulator_bin, "--port", str(PORT), "--api-key", ctx.key, "--realtime", "--verbose",
                          "--tool", 'desk_lamp:@speech=1:{"on": true}'], ctx.out, name="live-simulator")
    started = ctx.simulator.wait_line(r"listening on ws://", START_DEADLINE)
    ctx.check("live-simulator listens on the guest's loopback, requiring the key", started is not None,
              ctx.simulator.output())


def scenario_refused_start(ctx):
    """READY only once the devices are open: with the microphone held by another program the start fails
    and the unit never becomes active."""
    holder = Proc(["arecord", "-q", "-D", "hw:Loopback,1,1", "-f", "S16_LE", "-r", "16000", "-c", "1", "-d", "120",
                   "/dev/null"], ctx.out, name="arecord-holds-mic")
    try:
        held = wait_until(lambda: capture_running(1), START_DEADLINE)
        ctx.check("arecord holds the daemon's microphone (hw:Loopback,1,1)", held, holder.output())
        states = []
        start = Proc(["systemctl", "start", UNIT], ctx.out, name="systemctl-start-refused")
        while start.proc.poll() is None:
            states.append(show(ctx, "ActiveState").get("ActiveState"))
        status = start.wait(EXIT_DEADLINE)
        start.stop()
        ctx.check("systemctl start fails while the microphone is busy", status not in (0, None), describe_signal(status))
        ctx.check("the unit was never active (no READY=1 before the devices are open)", "active" not in states,
                  f"states seen: {sorted(set(s for s in states if s))}")
        ctx.check("the journal says which device is busy and why",
                  wait_journal(ctx, r"capture device 'livevoiced_test_mic'.*(busy|EBUSY)", 30) is not None,
                  journal(ctx)[-800:])
    finally:
        command(ctx, "systemctl", "stop", UNIT)
        command(ctx, "systemctl", "reset-failed", UNIT)
        holder.signal(signal.SIGTERM)
        holder.stop()


def scenario_start(ctx):
    """`systemctl start` returns once the daemon sent READY=1; by then its lines and devices are open."""
    before = journal_length(ctx)
    states = []
    started = now()
    start = Proc(["systemctl", "start", UNIT], ctx.out, name="systemctl-start")
    while start.proc.poll() is None:
        states.append(show(ctx, "ActiveState").get("ActiveState"))
    status = start.wait(EXIT_DEADLINE)
    start.stop()
    elapsed = now() - started
    values = show(ctx, "ActiveState", "SubState", "MainPID", "StatusText", "NRestarts", "WatchdogUSec", "Result")
    ctx.check("systemctl start succeeds", status == 0, f"{describe_signal(status)}; {journal(ctx)[-1500:]}")
    ctx.note(f"start to READY: {elapsed:.1f} s")
    ctx.check("active/running after READY; activating until then",
              values.get("ActiveState") == "active" and values.get("SubState") == "running"
              and "activating" in states and "active" not in states[:1], f"{values}; states {states[:12]}")
    ctx.check("at READY the button line is held by livevoiced",
              gpio_consumer(ctx, ctx.chip.chip, ctx.chip.offset(BUTTON)) == "livevoiced", BUTTON)
    ctx.check("at READY the microphone and the speaker are open", capture_running(1) and playback_open(2),
              read_text("/proc/asound/Loopback/pcm1c/sub1/status"))
    ctx.check("the relay is at its safe value (off: the active-low line high)", ctx.chip.value(RELAY) == 1,
              ctx.chip.value(RELAY))
    ctx.check("WatchdogSec=10s", values.get("WatchdogUSec") == "10s", values.get("WatchdogUSec"))
    ready = wait_journal(ctx, r"livevoiced: ready: ", 30, start=before)
    ctx.check("the daemon logs that it is ready", ready is not None, journal(ctx)[-600:])
    ctx.check("the key came from $CREDENTIALS_DIRECTORY",
              wait_journal(ctx, r"using the API key from the systemd credential gemini-api-key", 10, start=before) is not None,
              journal(ctx)[-600:])


def scenario_status(ctx):
    """STATUS= carries the state and the counters; `livevoiced status` reads the socket, for group
    livevoiced and root only."""
    text = ""
    deadline = now() + 20
    while now() < deadline:
        text = show(ctx, "StatusText").get("StatusText", "")
        if STATUS_TEXT.match(text):
            break
        time.sleep(1)
    ctx.check("StatusText: 'state; reconnects N, xruns N, drops N, RSS X MiB'", STATUS_TEXT.match(text) is not None, text)
    _, listing, _ = command(ctx, "stat", "-c", "%A %U:%G", "/run/livevoiced", SOCKET)
    ctx.check("/run/livevoiced is drwxr-x--- and the socket srw-rw----, both livevoiced:livevoiced",
              listing.split("\n") == ["drwxr-x--- livevoiced:livevoiced", "srw-rw---- livevoiced:livevoiced"], listing)
    status, document, err = status_json(ctx)
    ctx.check("livevoiced status --json (root): the state, uptime and counters", status == 0 and document is not None
              and document.get("state") == "idle" and document.get("uptime_s", 0) > 0
              and all(key in document for key in ("reconnects", "xruns", "drops", "rings", "rss_bytes", "last_error")),
              f"{document}; {err}")
    if document:
        ctx.note(f"RSS of the idle daemon: {document.get('rss_bytes', 0) / 1048576:.1f} MiB")
    status, out, err = run([ctx.bin, "status"], ctx.out, name="status-text")
    ctx.check("livevoiced status: readable lines", status == 0 and re.search(r"^state +idle", out, re.M) is not None
              and re.search(r"^memory +RSS [\d.]+ MiB", out, re.M) is not None, out + err)
    member = ["setpriv", "--reuid=nobody", f"--regid=nogroup", "--groups=livevoiced"]
    status, document, err = status_json(ctx, as_user=member)
    ctx.check("a user in group livevoiced may read it", status == 0 and document is not None, err)
    outsider = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    status, document, err = status_json(ctx, as_user=outsider)
    ctx.check("anyone else is refused, and told to join group livevoiced", status not in (0, None)
              and "permission denied" in err and "adduser" in err, err)


def scenario_sandbox(ctx):
    """The daemon as the kernel sees it, the credential, the device filter, the exposure score."""
    pid = main_pid(ctx)
    fields = proc_status(pid)
    _, groups, _ = command(ctx, "ps", "-o", "user:32=,supgrp:64=", "-p", str(pid))
    ctx.check("runs as livevoiced with the groups audio and gpio", groups.split()[0] == "livevoiced"
              and "audio" in groups and "gpio" in groups, groups)
    ctx.check("no capabilities, no new privileges, a seccomp filter",
              fields.get("CapEff") == "0000000000000000" and fields.get("NoNewPrivs") == "1" and fields.get("Seccomp") == "2",
              {key: fields.get(key) for key in ("CapEff", "NoNewPrivs", "Seccomp")})
    _, threads, _ = command(ctx, "ps", "-L", "-o", "comm=,rtprio=,cls=", "-p", str(pid))
    realtime = [line for line in threads.splitlines() if line.split()[0] in ("lv-capture", "lv-playback")]
    ctx.check("the capture and playback threads run SCHED_FIFO 60 (LimitRTPRIO=60, RestrictRealtime=no)",
              len(realtime) == 2 and all(line.split()[1:] == ["60", "FF"] for line in realtime), threads)
    status, _, err = run(["setpriv", "--reuid=livevoiced", "--regid=livevoiced", "--init-groups", "cat", KEY_FILE],
                         ctx.out, name="key-as-livevoiced")
    ctx.check("the credential's source is root's alone: livevoiced itself cannot read it", status != 0
              and "Permission denied" in err, err)
    ctx.check("the key is nowhere in the journal", ctx.key not in journal(ctx) and ctx.key[:12] not in journal(ctx))

    # A probe moved into the service's cgroup meets the unit's device filter (DevicePolicy=closed with
    # DeviceAllow= for gpiochip and ALSA), even as root.
    probe = Proc(["/usr/bin/python3", "-u", "-c", PROBE], ctx.out, name="cgroup-probe", stdin=subprocess.PIPE)
    try:
        procs = f"/sys/fs/cgroup/system.slice/{UNIT}/cgroup.procs"
        write_text(procs, str(probe.proc.pid))
        moved = str(probe.proc.pid) in read_text(procs).split()
        ctx.check("a probe joins the service's cgroup", moved, read_text(procs))
        paths = ["/dev/fuse", f"/dev/{ctx.chip.chip}", "/dev/snd/controlC0", "/dev/null"]
        probe.proc.stdin.write(("\n".join(paths) + "\n\n").encode())
        probe.proc.stdin.flush()
        probe.wait(EXIT_DEADLINE)
        lines = dict(line.split(" ", 1) for line in probe.output("out").splitlines() if " " in line)
    finally:
        probe.stop()
    ctx.check("/dev/fuse (mode 0666, outside DeviceAllow=) is refused with EPERM", lines.get("/dev/fuse") == "EPERM", lines)
    ctx.check("the gpiochip, the sound card and /dev/null open", all(lines.get(path) == "ok" for path in paths[1:]), lines)

    status, out, err = command(ctx, "systemd-analyze", "security", UNIT, "--no-pager", name="security")
    match = re.search(r"Overall exposure level for livevoiced.service: ([\d.]+)", out + err)
    score = float(match.group(1)) if match else None
    ctx.check("systemd-analyze security (online, in the guest): exposure at most 2.0", score is not None and score <= 2.0,
              f"{score}; {(out + err)[-300:]}")
    if score is not None:
        ctx.note(f"exposure level {score}")
        with open(os.path.join(ctx.out, "exposure.txt"), "w") as handle:
            handle.write(out)


PROBE = """
import os, sys
paths = []
for line in sys.stdin:
    if not line.strip():
        break
    paths.append(line.strip())
for path in paths:
    try:
        os.close(os.open(path, os.O_RDWR))
        print(path, "ok")
    except OSError as error:
        import errno
        print(path, errno.errorcode.get(error.errno, str(error.errno)))
"""


def scenario_conversation(ctx):
    """A press on gpio-sim, speech into the loopback microphone, the reply out of the loopback speaker,
    the model's tool call switching the relay, read back from sysfs."""
    recording = os.path.join(ctx.out, "unit-speaker.wav")
    recorder = Proc(["arecord", "-q", "-D", "hw:Loopback,1,2", "-f", "S16_LE", "-r", "24000", "-c", "1", "-d", "120",
                     recording], ctx.out, name="arecord-unit-speaker")
    try:
        ctx.check("the speaker's far side is recorded", wait_until(lambda: capture_running(2), START_DEADLINE),
                  recorder.output())
        ctx.chip.pull(BUTTON, 0)  # press
        pressed = now()
        time.sleep(0.3)
        feeder = Proc(["aplay", "-q", "-D", "hw:Loopback,0,1", ctx.speech], ctx.out, name="aplay-unit-speech")
        fed = feeder.wait(EXIT_DEADLINE)
        feeder.stop()
        time.sleep(0.5)
        ctx.chip.pull(BUTTON, 1)  # release
        ctx.check("the speech was played into the microphone while the button was held", fed == 0,
                  f"{describe_signal(fed)}, held {now() - pressed:.1f} s")
        switched = wait_until(lambda: ctx.chip.value(RELAY) == 0, 60, interval=0.1)
        ctx.check("the model's desk_lamp call switched the relay on (GPIO22 low, read from sysfs)", switched,
                  ctx.simulator.output()[-800:] + journal(ctx)[-800:])

        def replied():
            status, document, _ = status_json(ctx)
            if status == 0 and document and document.get("tool_calls", 0) >= 1 and document.get("state") == "listening" \
                    and document.get("frames_sent", 0) > 0 \
                    and document.get("seconds_played", 0) > 1.0:
                return document
            return None
        document = wait_until(replied, 90, interval=1.0)
        ctx.check("status: one turn, one tool call, the reply played, back to listening", document is not None,
                  status_json(ctx)[1])
        time.sleep(1.0)
    finally:
        recorder.signal(signal.SIGINT)
        recorder.wait(EXIT_DEADLINE)
        recorder.stop()
    received = ctx.simulator.output()
    ctx.check("the simulator received the turn as speech (its @speech rule fired: desk_lamp was called)",
              "desk_lamp" in journal(ctx), received[-600:])
    seconds, loudest = wav_levels(recording) if os.path.exists(recording) else (0, 0)
    ctx.check("the reply came out of the loopback speaker (the recording holds sound)", loudest > 300,
              f"{seconds:.1f} s recorded, loudest 100 ms at RMS {loudest:.0f}")
    ctx.note(f"speaker recording: {seconds:.1f} s, loudest RMS {loudest:.0f}")


def scenario_stop(ctx):
    """`systemctl stop` (SIGTERM): the relay back to its safe value within 2 s, a clean exit."""
    ctx.check("the relay is on before the stop", ctx.chip.value(RELAY) == 0, ctx.chip.value(RELAY))
    sampler = Sampler(ctx.chip.value_path(RELAY))
    time.sleep(0.2)
    asked = now()
    status, out, err = command(ctx, "systemctl", "stop", UNIT, name="systemctl-stop")
    stopped = now()
    changes = sampler.stop()
    safe_at = next((stamp for stamp, value in changes if value == 1 and stamp >= asked), None)
    values = show(ctx, "ActiveState", "Result")
    ctx.check("systemctl stop succeeds; inactive, Result=success", status == 0 and values.get("ActiveState") == "inactive"
              and values.get("Result") == "success", f"{values}; {err}")
    ctx.check("SIGTERM returns the relay to its safe value within 2 s (read from sysfs)",
              safe_at is not None and safe_at - asked <= 2.0,
              f"{'never' if safe_at is None else f'{safe_at - asked:.2f} s'}; changes {[(round(t - asked, 3), v) for t, v in changes]}")
    if safe_at is not None:
        ctx.note(f"stop to relay safe: {safe_at - asked:.2f} s; systemctl stop took {stopped - asked:.2f} s")
    text = journal(ctx)
    ctx.check("the daemon said it stopped, and systemd killed nothing", "stopped:" in text
              and "SIGKILL" not in text and "Killing process" not in text, text[-600:])


def scenario_reload(ctx):
    """`systemctl reload` (ExecReload, SIGHUP): a broken config is refused and logged at priority err, the
    daemon runs on; a valid one is taken. journalctl -p filters by the daemon's own priorities."""
    status, _, err = command(ctx, "systemctl", "start", UNIT, name="systemctl-start-again")
    ctx.check("starts again", status == 0, err)
    pid = main_pid(ctx)
    good = read_text(CONFIG)
    write_text(CONFIG, good + "\n[button]\ncolour = \"red\"\n")
    before = journal_length(ctx)
    command(ctx, "systemctl", "reload", UNIT)
    refused = wait_journal(ctx, r"SIGHUP: the new configuration is refused", 30, start=before)
    ctx.check("a broken config is refused with its error, the running daemon kept", refused is not None
              and main_pid(ctx) == pid and show(ctx, "ActiveState").get("ActiveState") == "active", journal(ctx)[-600:])
    errors = journal(ctx, "-p", "err", name="journal-err")
    warnings = journal(ctx, "-p", "warning", name="journal-warning")
    ctx.check("journalctl -p err -u livevoiced shows the refusal with its reason (file, key, line)",
              re.search(r"SIGHUP: the new configuration is refused, the running one kept: /etc/livevoiced/config.toml: .*line",
                        errors) is not None, errors)
    ctx.check("journalctl -p warning -u livevoiced leaves out info and notice lines ('ready:', 'state:')",
              "ready: " not in warnings and "state: " not in warnings and "SIGHUP" in warnings, warnings[-600:])
    write_text(CONFIG, good + "\n")
    before = journal_length(ctx)
    command(ctx, "systemctl", "reload", UNIT)
    taken = wait_journal(ctx, r"SIGHUP: the configuration is valid; restarting with it", 30, start=before)
    ready = wait_journal(ctx, r"livevoiced: ready: ", 60, start=before)
    ctx.check("a valid config is taken (the services restart with it, READY again)", taken is not None and ready is not None
              and show(ctx, "ActiveState").get("ActiveState") == "active", journal(ctx)[-600:])


def scenario_watchdog(ctx):
    """A hung daemon (SIGSTOP: no thread runs, no ping) is killed by the watchdog and started again."""
    before = show(ctx, "MainPID", "NRestarts")
    pid = int(before.get("MainPID", "0"))
    restarts = int(before.get("NRestarts", "0") or 0)
    length = journal_length(ctx)
    ctx.check("the daemon runs", pid > 0, before)
    os.kill(pid, signal.SIGSTOP)
    hung = now()

    def restarted():
        values = show(ctx, "MainPID", "NRestarts", "ActiveState", "SubState")
        if int(values.get("NRestarts", "0") or 0) > restarts and values.get("ActiveState") == "active" \
                and values.get("MainPID") not in ("0", str(pid)):
            return values
        return None
    values = wait_until(restarted, 90, interval=0.5)
    elapsed = now() - hung
    ctx.check("killed by the watchdog and restarted: NRestarts counted, a new PID, active again", values is not None,
              f"{show(ctx, 'MainPID', 'NRestarts', 'ActiveState', 'SubState', 'Result')}")
    if values:
        ctx.note(f"hang to active again: {elapsed:.1f} s (WatchdogSec=10s, RestartSec=2s); NRestarts {values['NRestarts']}")
    text = "\n".join(journal(ctx).splitlines()[length:])
    _, system, _ = command(ctx, "journalctl", "-b", "--no-pager", "-o", "cat", "-u", UNIT, "_PID=1", name="journal-pid1")
    ctx.check("systemd logged the watchdog timeout and the SIGABRT", "Watchdog timeout" in system
              and ("status=6/ABRT" in system or "SIGABRT" in system), system[-800:])
    ctx.check("the new daemon put the relay at its safe value and is ready", ctx.chip.value(RELAY) == 1
              and re.search(r"livevoiced: ready: ", text, re.M) is not None, text[-600:])


def scenario_final_stop(ctx):
    status, _, err = command(ctx, "systemctl", "stop", UNIT, name="systemctl-final-stop")
    ctx.check("the daemon stops at the end", status == 0 and show(ctx, "ActiveState").get("ActiveState") == "inactive", err)


def scenario_source_install(ctx):
    """`apt-get remove` takes the unit away and keeps the configuration; scripts/install puts the same
    daemon back from the checkout (under /usr/local, the unit in /etc/systemd/system), and it runs."""
    if not ctx.source_binary:
        ctx.note("no --source-binary: skipped on purpose")
        return
    status, out, err = command(ctx, "apt-get", "remove", "-y", "livevoiced", name="apt-remove", timeout=300)
    ctx.check("apt-get remove livevoiced succeeds", status == 0, (out + err)[-800:])
    gone = not os.path.exists(f"/lib/systemd/system/{UNIT}") and not os.path.exists(f"/usr/lib/systemd/system/{UNIT}")
    ctx.check("the unit is gone and the configuration stays (a conffile: only a purge removes it)",
              gone and os.path.exists(CONFIG) and not os.path.exists("/usr/bin/livevoiced"), os.listdir("/etc/livevoiced"))
    script = os.path.join(ctx.board_dir, "..", "scripts", "install")
    status, out, err = command(ctx, script, "--binary", ctx.source_binary, name="scripts-install", timeout=300)
    ctx.check("scripts/install succeeds and keeps the existing config", status == 0 and "kept /etc/livevoiced/config.toml" in out,
              (out + err)[-800:])
    _, cat, _ = command(ctx, "systemctl", "cat", UNIT, "--no-pager")
    ctx.check("systemd runs the unit from /etc/systemd/system with ExecStart in /usr/local/bin",
              f"/etc/systemd/system/{UNIT}" in cat and "ExecStart=/usr/local/bin/livevoiced run" in cat, cat[:400])
    ctx.bin = "/usr/local/bin/livevoiced"
    status, _, err = command(ctx, "systemctl", "start", UNIT, name="systemctl-start-source")
    document = status_json(ctx)[1] if status == 0 else None
    ctx.check("it starts (READY) and serves its status", status == 0 and document is not None
              and document.get("state") == "idle", err + journal(ctx)[-600:])
    command(ctx, "systemctl", "stop", UNIT, name="systemctl-stop-source")
    status, out, err = command(ctx, script, "--uninstall", name="scripts-uninstall")
    ctx.check("scripts/install --uninstall removes it again", status == 0 and not os.path.exists("/usr/local/bin/livevoiced")
              and not os.path.exists(f"/etc/systemd/system/{UNIT}"), out + err)


def scenario_cleanup(ctx):
    if ctx.simulator:
        ctx.simulator.signal(signal.SIGTERM)
        ctx.simulator.wait(EXIT_DEADLINE)
        ctx.simulator.stop()
    if ctx.chip:
        ctx.chip.remove()
    keep_values_on_release(False)


SCENARIOS = [
    ("unit boot", scenario_boot),
    ("unit install", scenario_install),
    ("unit setup", scenario_setup),
    ("unit refused start", scenario_refused_start),
    ("unit start", scenario_start),
    ("unit status", scenario_status),
    ("unit sandbox", scenario_sandbox),
    ("unit conversation", scenario_conversation),
    ("unit stop", scenario_stop),
    ("unit reload", scenario_reload),
    ("unit watchdog", scenario_watchdog),
    ("unit final stop", scenario_final_stop),
    ("unit source install", scenario_source_install),
    ("unit cleanup", scenario_cleanup),
]


def run_all(results, ctx):
    """All of them in order; after the install fails (or any crash before the daemon runs) the rest would
    only repeat that failure, so they are not run."""
    for name, scenario in SCENARIOS:
        results.group = name
        started = now()
        try:
            scenario(ctx)
        except Exception as error:
            results.crashed(name, error)
            if name in ("unit install", "unit setup"):
                break
        results.note(f"{now() - started:.1f} s")
        if name == "unit install" and not ctx.installed:
            break
    if ctx.simulator and ctx.simulator.proc.poll() is None:
        ctx.simulator.stop()
