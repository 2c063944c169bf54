# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""Audio scenarios: `livevoiced audio` on the real kernel's ALSA loopback card (snd-aloop), through the real
alsa-lib and the project's own asoundrc examples (board/alsa/loopback-test.conf).

snd-aloop substream N's playback side (hw:Loopback,0,N) comes out of its capture side (hw:Loopback,1,N):
  0  livevoiced's speaker straight into its microphone (the instant echo of loopback-test.conf)
  1  the test plays speech into livevoiced's microphone (livevoiced_test_mic)
  2  the test records livevoiced's speaker (livevoiced_test_speaker)
  3  livevoiced's speaker into its microphone 40 ms later (echo-delay.conf: a LADSPA delay line)
  4  a microphone nobody feeds, for the stalled-reader scenario
  5  a microphone another program (arecord) holds, for the busy-device scenario
The guest records; the host compares (audio-manifest.json, read by scripts/rig/audio.py analyze).
"""

import json
import os
import re
import signal
import sys
import threading
import time

from rigkit import Proc, describe_signal, now, read_text, run, run_scenarios, wait_until, write_text, AS_NOBODY, EXIT_DEADLINE, START_DEADLINE

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import audio as rig_audio  # noqa: E402  (scripts/rig/audio.py: the same comparison the host makes)

EXTRA_DELAY_MS = 40  # echo-delay.conf's delay line


class Context:
    def __init__(self, results, out_dir, binary, board_dir, speech):
        self.results = results
        self.out = out_dir
        self.bin = binary
        self.loopback_conf = os.path.join(board_dir, "alsa", "loopback-test.conf")
        self.delay_conf = os.path.join(os.path.dirname(os.path.abspath(__file__)), "echo-delay.conf")
        self.speech = speech
        self.manifest = []

    def check(self, name, ok, detail=""):
        return self.results.check(name, ok, detail)

    def note(self, text):
        self.results.note(text)

    def compare(self, name, kind, played, recorded, played_rate=None, recorded_rate=None, **extra):
        """Asks the host to compare two files after the guest exits (paths relative to the out dir)."""
        entry = {"name": name, "kind": kind, "played": os.path.relpath(played, self.out),
                 "recorded": os.path.relpath(recorded, self.out), "played_rate": played_rate,
                 "recorded_rate": recorded_rate}
        entry.update(extra)
        self.manifest.append(entry)
        with open(os.path.join(self.out, "audio-manifest.json"), "w") as handle:
            json.dump(self.manifest, handle, indent=1)


def capture_running(substream):
    """Whether someone captures from hw:Loopback,1,N (snd-aloop drops what is played before that)."""
    try:
        return "RUNNING" in read_text(f"/proc/asound/Loopback/pcm1c/sub{substream}/status")
    except OSError:
        return False


def playback_running(substream):
    try:
        return "RUNNING" in read_text(f"/proc/asound/Loopback/pcm0p/sub{substream}/status")
    except OSError:
        return False


LOOPBACK_LINES = {
    "delay": re.compile(r"echo lags the reference by (-?[\d.]+) ms \(correlation ([\d.]+); the engine's (\d+) ms lead"),
    "suggested": re.compile(r"^Suggested: --delay-ms (-?\d+)"),
    "erle": re.compile(r"ERLE after convergence[^:]*: (-?[\d.]+) dB"),
    "xruns": re.compile(r"xruns: capture (\d+), playback (\d+)"),
}


def parse_loopback(text):
    found = {}
    for key, pattern in LOOPBACK_LINES.items():
        for line in text.splitlines():
            match = pattern.search(line)
            if match:
                found[key] = [float(group) for group in match.groups()]
                break
    return found


def loopback(ctx, label, conf, mic, speaker, seconds, extra=()):
    """Runs `livevoiced audio loopback` and returns (status, output, parsed figures, save directory)."""
    save = os.path.join(ctx.out, f"loopback-{label}")
    os.makedirs(save, exist_ok=True)
    status, out, err = run([ctx.bin, "audio", "loopback", "--alsa-config", conf, "--capture-device", mic,
                            "--playback-device", speaker, "--seconds", str(seconds), "--save", save, *extra],
                           ctx.out, name=f"loopback-{label}", timeout=seconds + 120)
    return status, out + err, parse_loopback(out), save


def disturbance(figures):
    """Why a loopback measurement on a digital loop was spoiled by the guest, or None. A playback xrun or
    a late reference leaves a hole in the echo, and the correlation of a digital loop drops below 1; a
    capture xrun alone (the debug build misses a period while it starts) leaves the echo whole."""
    xruns = figures.get("xruns", [0, 0])
    if xruns[1] > 0:
        return f"{xruns[1]:.0f} playback xruns"
    if "delay" in figures and figures["delay"][1] < 0.95:
        return f"correlation {figures['delay'][1]:.2f}"
    return None


def undisturbed_loopback(ctx, label, *args, deadline=150, **kwargs):
    """`loopback` again until a run the guest did not spoil (see `disturbance`), or until `deadline`
    seconds have passed; the last run if none was clean. A slow guest is not the program's fault, but
    every spoiled run is noted."""
    end = now() + deadline
    attempt = 0
    while True:
        attempt += 1
        result = loopback(ctx, f"{label}-{attempt}", *args, **kwargs)
        why = disturbance(result[2]) if result[0] == 0 else None
        if why is None or now() >= end:
            if why:
                ctx.note(f"{label}: every run within {deadline} s was disturbed; judging the last ({why})")
            return result
        ctx.note(f"{label}: run {attempt} disturbed by the guest ({why}); running it again")


# --- scenarios -------------------------------------------------------------------------------------------


def scenario_devices(ctx):
    """The project's asoundrc is there, and `audio devices` lists the loopback card both ways."""
    ctx.check("board/alsa/loopback-test.conf exists", os.path.exists(ctx.loopback_conf), ctx.loopback_conf)
    status, out, err = run([ctx.bin, "audio", "devices"], ctx.out, name="audio-devices")
    capture, _, playback = out.partition("Playback (speakers):")
    ctx.check("audio devices: exits 0", status == 0, f"{describe_signal(status)}; {err}")
    ctx.check("audio devices: lists the Loopback card for capture and for playback",
              "hw:CARD=Loopback,DEV=1" in capture and "hw:CARD=Loopback,DEV=0" in playback, out[:600])


def paths_attempt(ctx, attempt):
    """One run of the paths scenario: (captured everything, loopback output, mic.raw, reference.raw, far end)."""
    far_end = os.path.join(ctx.out, f"speaker-far-end-{attempt}.wav")
    save = os.path.join(ctx.out, f"loopback-paths-{attempt}")
    os.makedirs(save, exist_ok=True)
    # The far side of livevoiced's speaker, opened first at the speaker's 24 kHz (the first opener of a
    # substream fixes its rate).
    recorder = Proc(["arecord", "-q", "-D", "hw:Loopback,1,2", "-f", "S16_LE", "-r", "24000", "-c", "1",
                     "-d", "60", far_end], ctx.out, name="arecord-speaker")
    app = feeder = None
    try:
        wait_until(lambda: capture_running(2), START_DEADLINE)
        app = Proc([ctx.bin, "audio", "loopback", "--alsa-config", ctx.loopback_conf,
                    "--capture-device", "livevoiced_test_mic", "--playback-device", "livevoiced_test_speaker",
                    "--seconds", "8", "--save", save], ctx.out, name="loopback-paths")
        capturing = wait_until(lambda: capture_running(1) and playback_running(2), START_DEADLINE)
        ctx.check(f"run {attempt}: livevoiced captures from livevoiced_test_mic and plays into livevoiced_test_speaker",
                  capturing, app.output())
        # The command keeps what it captured from 200 ms before its test signal starts playing: start the
        # speech well after that. The speech is 16 kHz, the rate livevoiced opened its microphone with:
        # nothing resamples it.
        time.sleep(1.0)
        feeder = Proc(["aplay", "-q", "-D", "hw:Loopback,0,1", ctx.speech], ctx.out, name="aplay-speech")
        fed = feeder.wait(EXIT_DEADLINE)
        status = app.wait(8 + 120)
        ctx.check(f"run {attempt}: the speech was played into the microphone side", fed == 0, describe_signal(fed))
        mic = os.path.join(save, "mic.raw")
        ctx.check(f"run {attempt}: audio loopback ran to the end and saved what it captured",
                  status is not None and os.path.exists(mic), f"{describe_signal(status)}; {app.output()[-400:]}")
        output = app.output()
    finally:
        recorder.signal(signal.SIGINT)  # arecord ends its WAV file properly on SIGINT
        recorder.wait(EXIT_DEADLINE)
        recorder.stop()
        for proc in (feeder, app):
            if proc:
                proc.stop()
    complete = False
    if os.path.exists(mic):
        played, _ = rig_audio.read_audio(ctx.speech)
        captured, _ = rig_audio.read_audio(mic, 16000)
        complete = rig_audio.exact_match(played, captured)[0]
    return complete, output, mic, os.path.join(save, "reference.raw"), far_end


def scenario_paths(ctx):
    """Speech played into the microphone side comes out of livevoiced's capture path sample for sample;
    what livevoiced plays comes out of the speaker's far side. An xrun (the guest stalled) legitimately
    breaks the capture; such a run is repeated, within a deadline."""
    end = now() + 150
    attempt = 0
    while True:
        attempt += 1
        complete, output, mic, reference, far_end = paths_attempt(ctx, attempt)
        xruns = parse_loopback(output).get("xruns", [0, 0])
        if complete or sum(xruns) == 0 or now() >= end:
            break
        ctx.note(f"run {attempt}: the capture was broken by {xruns[0]:.0f}/{xruns[1]:.0f} xruns; running it again")
    # The host compares (the guest only chose the run).
    ctx.compare("the speech comes out of livevoiced's capture path sample for sample", "exact",
                ctx.speech, mic, recorded_rate=16000)
    ctx.compare("what livevoiced played comes out of the speaker's far side (hw:Loopback,1,2)", "content",
                reference, far_end, played_rate=16000)


def scenario_echo(ctx):
    """`audio loopback` measures the echo path: no extra delay on the instant loop, 40 ms on the delayed
    one (within 5 ms), and the echo canceller's ERLE on it, before and after the suggested --delay-ms."""
    status, text, base, _ = undisturbed_loopback(ctx, "instant", ctx.loopback_conf, "livevoiced_echo_mic",
                                                 "livevoiced_echo_speaker", 3)
    ctx.check("instant echo: exits 0 with a delay and a suggestion", status == 0 and "delay" in base
              and "suggested" in base, f"{describe_signal(status)}; {text[-600:]}")
    if "suggested" in base:
        ctx.check("instant echo: needs no extra delay (|suggested --delay-ms| <= 5)", abs(base["suggested"][0]) <= 5,
                  f"suggested {base['suggested'][0]:.0f} ms; {text_figures(base)}")

    # Long enough for the canceller's ERLE to be judged on a few seconds after it has converged.
    status, text, delayed, save = undisturbed_loopback(ctx, "delayed", ctx.delay_conf, "rig_delayed_mic",
                                                       "rig_delayed_speaker", 6)
    ctx.check("40 ms echo: exits 0 with a delay and a suggestion", status == 0 and "delay" in delayed
              and "suggested" in delayed, f"{describe_signal(status)}; {text[-600:]}")
    if "suggested" in delayed:
        ctx.check(f"40 ms echo: suggests --delay-ms {EXTRA_DELAY_MS} (within 5 ms)",
                  abs(delayed["suggested"][0] - EXTRA_DELAY_MS) <= 5, f"suggested {delayed['suggested'][0]:.0f} ms")
    if "delay" in base and "delay" in delayed:
        difference = delayed["delay"][0] - base["delay"][0]
        ctx.check(f"40 ms echo: lags {EXTRA_DELAY_MS} ms (within 5 ms) more than the instant echo",
                  abs(difference - EXTRA_DELAY_MS) <= 5,
                  f"{delayed['delay'][0]:.1f} ms against {base['delay'][0]:.1f} ms: {difference:.1f} ms")
    # The canceller's ERLE is judged on the host from what the run saved (its input, output and reference),
    # once it has converged; the command's own figure (also after convergence) is noted beside it.
    ctx.note(f"40 ms echo: the command's own figures: {text_figures(delayed)}")
    live_erle(ctx, "the live echo canceller on the 40 ms echo reaches 15 dB ERLE once converged", save)
    # The front end itself on the echo the kernel delivered, offline on the host (the recordings are real).
    ctx.compare("the front end's echo canceller on the recorded 40 ms echo reaches 15 dB ERLE", "erle",
                os.path.join(save, "reference.raw"), os.path.join(save, "mic.raw"), played_rate=16000,
                recorded_rate=16000, minimum_db=15)

    # What a user does next: configure the suggested delay and measure again.
    suggested = int(delayed["suggested"][0]) if "suggested" in delayed else EXTRA_DELAY_MS
    status, text, configured, configured_save = undisturbed_loopback(
        ctx, "configured", ctx.delay_conf, "rig_delayed_mic", "rig_delayed_speaker", 5,
        extra=("--delay-ms", str(suggested)))
    label = f"40 ms echo with the suggested --delay-ms {suggested}"
    ctx.check(f"{label}: exits 0", status == 0, f"{describe_signal(status)}; {text[-600:]}")
    ctx.check(f"{label}: suggests the same delay again (within 5 ms)",
              "suggested" in configured and abs(configured["suggested"][0] - suggested) <= 5, text_figures(configured))
    ctx.note(f"{label}: the command's own figures: {text_figures(configured)}")
    live_erle(ctx, f"{label}: the live echo canceller reaches 15 dB ERLE once converged", configured_save)


def live_erle(ctx, name, save):
    ctx.compare(name, "live-erle", os.path.join(save, "reference.raw"), os.path.join(save, "mic.raw"),
                output=os.path.relpath(os.path.join(save, "output.raw"), ctx.out), minimum_db=15)


def text_figures(figures):
    """The figures of a loopback run, for a check's detail."""
    parts = []
    if "delay" in figures:
        parts.append(f"echo {figures['delay'][0]:.1f} ms behind the reference (correlation {figures['delay'][1]:.2f})")
    if "suggested" in figures:
        parts.append(f"suggested --delay-ms {figures['suggested'][0]:.0f}")
    if "erle" in figures:
        parts.append(f"ERLE {figures['erle'][0]:.1f} dB")
    if "xruns" in figures:
        parts.append(f"xruns {figures['xruns'][0]:.0f}/{figures['xruns'][1]:.0f}")
    return "; ".join(parts) or "no figures in the output"


def scenario_stall(ctx):
    """A reader that stalls (the whole process stopped for 0.6 s) makes the devices overrun and underrun:
    livevoiced recovers, counts the xruns and carries on to the end."""
    seconds = 6
    meter = Proc([ctx.bin, "audio", "meter", "--capture-device", "hw:Loopback,1,4", "--playback",
                  "--playback-device", "hw:Loopback,0,4", "--seconds", str(seconds)], ctx.out, name="meter-stall")
    try:
        up = meter.wait_line(r"^Listening on ") and wait_until(lambda: capture_running(4) and playback_running(4),
                                                               START_DEADLINE)
        ctx.check("meter runs on hw:Loopback,1,4 with the speaker open", bool(up), meter.output())
        time.sleep(1.5)
        meter.signal(signal.SIGSTOP)
        time.sleep(0.6)
        meter.signal(signal.SIGCONT)
        status = meter.wait(seconds + EXIT_DEADLINE)
        summary = next((text for _, text in meter.stdout_lines() if " frames (" in text), "")
        match = re.search(r"^(\d+) frames .*xruns (\d+)", summary)
        ctx.check("after the stall: exits 0 once its time is up", status == 0, f"{describe_signal(status)}; {meter.output()[-400:]}")
        ctx.check(f"after the stall: all {100 * seconds} frames came", match is not None and int(match.group(1)) == 100 * seconds,
                  summary)
        ctx.check("after the stall: the xruns are counted", match is not None and int(match.group(2)) >= 1, summary)
    finally:
        meter.signal(signal.SIGCONT)
        meter.stop()


def scenario_realtime(ctx):
    """The real-time audio threads, on the real driver's timing, make no heap, lock or stdio call once
    running: counted by scripts/rtcheck.c (LD_PRELOAD, built by scripts/board-test), with a stall in the
    counted window so that xrun recovery is counted too. alsa-lib's own per-PCM mutex (which plugin PCMs
    take inside snd_pcm_* calls) is counted apart and must never be contended."""
    library = os.path.join(ctx.out, "rtcheck.so")
    ctx.check("scripts/rtcheck.c was built for the guest", os.path.exists(library), library)
    if not os.path.exists(library):
        return
    warmup_ms, window_ms = 1500, 6000
    env = {"LD_PRELOAD": library, "RTCHECK_WARMUP_MS": str(warmup_ms), "RTCHECK_WINDOW_MS": str(window_ms),
           "RTCHECK_BACKTRACE": "4"}
    app = Proc([ctx.bin, "audio", "loopback", "--alsa-config", ctx.loopback_conf, "--capture-device",
                "livevoiced_echo_mic", "--playback-device", "livevoiced_echo_speaker", "--seconds", "10"],
               ctx.out, name="loopback-rtcheck", env=env)
    try:
        running = wait_until(lambda: capture_running(0) and playback_running(0), START_DEADLINE)
        ctx.check("loopback runs on the instant echo, under rtcheck", running, app.output())
        # Inside the counted window (warm-up 1.5 s after the threads start, then 6 s): stop the whole
        # process long enough for both devices to run over and under, then let it recover.
        time.sleep(warmup_ms / 1000 + 1.5)
        app.signal(signal.SIGSTOP)
        time.sleep(0.6)
        app.signal(signal.SIGCONT)
        status = app.wait(10 + 120)
        err = app.output("err")
        ctx.check("loopback exits 0", status == 0, f"{describe_signal(status)}; {err[-400:]}")
        figures = parse_loopback(app.output())
        xruns = figures.get("xruns", [0, 0])
        ctx.check("the stall made xruns, recovered inside the counted window", sum(xruns) >= 1,
                  f"xruns {xruns[0]:.0f}/{xruns[1]:.0f}")
        recoveries = 0
        for thread in ("lv-capture", "lv-playback"):
            line = re.search(rf"^rtcheck: {thread}: (\d+) heap, (\d+) lock, (\d+) stdio calls in ([\d.]+) s after "
                             rf"warm-up \(alsa-lib: (\d+) reads/writes, (\d+) xrun recoveries, (\d+) per-PCM locks, "
                             rf"(\d+) contended\)", err, re.M)
            ctx.check(f"{thread}: watched doing its work for at least 5 s (reads/writes counted)",
                      line is not None and float(line.group(4)) >= 5 and int(line.group(5)) > 0,
                      line.group(0) if line else err[-600:])
            if line:
                heap, lock, stdio, _, _, recovered, _, contended = (float(value) for value in line.groups())
                recoveries += recovered
                ctx.check(f"{thread}: no heap, lock or stdio call once running, xrun recovery included",
                          heap == lock == stdio == 0, line.group(0) + "; stacks in " + app.log_path)
                ctx.check(f"{thread}: alsa-lib's own per-PCM mutex, if taken, never contended", contended == 0,
                          line.group(0))
        ctx.check("the xrun recoveries ran on the watched threads, inside the counted window", recoveries >= 1,
                  f"{recoveries:.0f} snd_pcm_recover calls counted")
    finally:
        app.signal(signal.SIGCONT)
        app.stop()


def scenario_busy(ctx):
    """A microphone that another program holds: livevoiced does not hang or crash, it says the device is
    busy, how to find who holds it and how to share the card, and exits non-zero."""
    holder = Proc(["arecord", "-q", "-D", "hw:Loopback,1,5", "-f", "S16_LE", "-r", "16000", "-c", "1",
                   "-d", "60", os.path.join(ctx.out, "busy-holder.wav")], ctx.out, name="arecord-holder")
    try:
        held = wait_until(lambda: capture_running(5), START_DEADLINE)
        ctx.check("arecord holds hw:Loopback,1,5", held, holder.output())
        status, _, err = run([ctx.bin, "audio", "meter", "--capture-device", "hw:Loopback,1,5", "--seconds", "2"],
                             ctx.out, name="meter-busy")
        ctx.check("meter on the held microphone exits non-zero (no hang, no crash)",
                  status is not None and status > 0, f"{describe_signal(status)}; {err[-400:]}")
        ctx.check("it names the device, says it is busy and how to fix it (fuser, dsnoop/dmix)",
                  "hw:Loopback,1,5" in err and "busy" in err and "fuser" in err and "dsnoop" in err, err[-600:])
    finally:
        holder.signal(signal.SIGINT)
        holder.wait(EXIT_DEADLINE)
        holder.stop()


def scenario_permission(ctx):
    """A user who may not open /dev/snd/* (here: nobody, with the kernel's default root-only devices) is
    told to join the audio group."""
    status, _, err = run([*AS_NOBODY, ctx.bin, "audio", "meter",
                          "--capture-device", "hw:Loopback,1,6", "--seconds", "1"], ctx.out, name="meter-as-nobody")
    ctx.check("meter as nobody: exits non-zero", status is not None and status > 0, f"{describe_signal(status)}; {err}")
    ctx.check("meter as nobody: says permission denied and to join the audio group",
              "permission denied" in err.lower() and "usermod -aG audio" in err, err[-600:])
    status, out, err = run([*AS_NOBODY, ctx.bin, "audio", "devices"],
                           ctx.out, name="devices-as-nobody")
    ctx.check("audio devices as nobody: notes that the cards are hidden and to join the audio group",
              "permission denied on /dev/snd/" in out and "usermod -aG audio" in out, f"{describe_signal(status)}; {out[:600]}")
    status, out, err = run([*AS_NOBODY, ctx.bin, "check"],
                           ctx.out, name="check-as-nobody")
    ctx.check("check as nobody: fails on the sound cards, saying to join the audio group",
              status == 1 and re.search(r"^fail +sound cards .*usermod -aG audio", out, re.M | re.I) is not None,
              f"{describe_signal(status)}; {out}")
    status, out, err = run([ctx.bin, "check"], ctx.out, name="check-as-root")
    ctx.check("check as root: lists the Loopback card", re.search(r"^ok +sound cards +\d+ \[Loopback\] Loopback", out, re.M)
              is not None, out)


ALOOP_DRIVER = "/sys/bus/platform/drivers/snd_aloop"
ALOOP_DEVICE = "snd_aloop.0"


def aloop_bound():
    return os.path.exists(os.path.join(ALOOP_DRIVER, ALOOP_DEVICE))


def scenario_unplug(ctx):
    """The sound card vanishes under a running livevoiced and comes back, as a USB card unplugged and
    plugged in again: snd-aloop's device is unbound from its driver (the kernel disconnects the card, so
    every open PCM fails with ENODEV, and waits until all are closed), then bound again. livevoiced says
    what happened, keeps running, reopens both devices by name once they are back, and carries on."""
    ctx.check("snd-aloop's platform device can be unbound and bound (sysfs)", aloop_bound(),
              os.path.join(ALOOP_DRIVER, ALOOP_DEVICE))
    if not aloop_bound():
        return
    meter = Proc([ctx.bin, "audio", "meter", "--capture-device", "hw:Loopback,1,4", "--playback",
                  "--playback-device", "hw:Loopback,0,4", "--seconds", "30", "--log-level", "info"],
                 ctx.out, name="meter-unplug")
    unbinder = None
    try:
        running = wait_until(lambda: capture_running(4) and playback_running(4), START_DEADLINE)
        ctx.check("meter runs on hw:Loopback,1,4 with the speaker on hw:Loopback,0,4", running, meter.output())
        time.sleep(1.0)
        # The write returns only once every program has closed the card: a thread, with a deadline.
        unbound = threading.Event()

        def unbind():
            write_text(os.path.join(ALOOP_DRIVER, "unbind"), ALOOP_DEVICE)
            unbound.set()

        unbinder = threading.Thread(target=unbind, daemon=True)
        unbinder.start()
        said = meter.wait_line(r"reopening it", timeout=START_DEADLINE, stream="err")
        ctx.check("unplugged: livevoiced says the device disappeared and that it will reopen it",
                  said is not None and "disappeared" in meter.output("err"), meter.output("err")[-600:])
        removed = unbound.wait(START_DEADLINE)
        ctx.check("unplugged: livevoiced closes the card, so the kernel can remove it", removed,
                  "the unbind returned" if removed else "the unbind did not return: a PCM of the card is still open")
        time.sleep(2.0)
        ctx.check("unplugged: livevoiced keeps running while the card is gone", meter.proc.poll() is None,
                  describe_signal(meter.proc.poll()))
        write_text(os.path.join(ALOOP_DRIVER, "bind"), ALOOP_DEVICE)
        back = wait_until(lambda: len(re.findall(r"device 'hw:Loopback,[01],4' is back", meter.output("err"))) >= 2,
                          START_DEADLINE)
        ctx.check("plugged in again: livevoiced reopens the microphone and the speaker by name", back,
                  meter.output("err")[-600:])
        ctx.check("plugged in again: both devices run again",
                  wait_until(lambda: capture_running(4) and playback_running(4), START_DEADLINE), meter.output()[-400:])
        status = meter.wait(30 + EXIT_DEADLINE)
        ctx.check("the meter runs to its end and exits 0", status == 0, f"{describe_signal(status)}; {meter.output()[-400:]}")
    finally:
        if not aloop_bound():
            try:
                write_text(os.path.join(ALOOP_DRIVER, "bind"), ALOOP_DEVICE)
            except OSError as error:
                ctx.note(f"binding {ALOOP_DEVICE} again failed: {error}")
        meter.stop()
        if unbinder:
            unbinder.join(EXIT_DEADLINE)



SCENARIOS = [
    ("audio devices", scenario_devices),
    ("audio paths", scenario_paths),
    ("audio echo", scenario_echo),
    ("audio stall", scenario_stall),
    ("audio realtime", scenario_realtime),
    ("audio busy", scenario_busy),
    ("audio permission", scenario_permission),
    ("audio unplug", scenario_unplug),  # last: it takes the card away (and brings it back)
]


def run_all(results, out_dir, binary, board_dir, speech, only=None):
    ctx = Context(results, out_dir, binary, board_dir, speech)
    if not os.path.isdir("/proc/asound/Loopback"):
        results.group = "audio"
        results.check("the snd-aloop card is there", False, "no /proc/asound/Loopback: snd-aloop did not load")
        return
    run_scenarios(results, SCENARIOS, ctx, only)
