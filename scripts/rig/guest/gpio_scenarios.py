# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""GPIO scenarios: `livevoiced gpio` against the real kernel's gpio-sim through the real libgpiod.

Each scenario drives the simulated lines from sysfs (a line's pull is its level when it is an input) and
reads the outputs back from sysfs, while livevoiced runs as the user would run it.
"""

import os
import re
import signal
import statistics
import time

from rigkit import Proc, Sampler, describe_signal, now, run, run_scenarios, wait_until, AS_NOBODY, EXIT_DEADLINE, START_DEADLINE
from simchip import HOG_NAME, HOG_OFFSET, PI_LABEL, keep_values_on_release

EVENT = re.compile(r"^(\d+\.\d{3})s (pressed|released \(held (\d+) ms\)|long press|double press)$")


class Context:
    def __init__(self, results, out_dir, binary, board, tools_config):
        self.results = results
        self.out = out_dir
        self.bin = binary
        self.board = board
        self.tools = tools_config

    def check(self, name, ok, detail=""):
        return self.results.check(name, ok, detail)

    def note(self, text):
        self.results.note(text)

    def livevoiced(self, *args, name="livevoiced"):
        return Proc([self.bin, *args], self.out, name=name)

    def run(self, *args, name="livevoiced", timeout=EXIT_DEADLINE):
        return run([self.bin, *args], self.out, name=name, timeout=timeout)


# --- info ------------------------------------------------------------------------------------------------


def scenario_info(ctx):
    """`gpio info` lists both chips, the board's lines by name at their offsets, and who holds them."""
    board = ctx.board
    board.pull("BUTTON", 1)
    watch = ctx.livevoiced("gpio", "watch", "BUTTON", name="watch-for-info")
    led = ctx.livevoiced("gpio", "led", "LED", "on", "--seconds", "120", name="led-for-info")
    try:
        held = watch.wait_line(r"^Watching ") and led.wait_line(r"^Showing ")
        ctx.check("a button watch and an LED run while info looks", bool(held), watch.output() + led.output())
        status, out, err = ctx.run("gpio", "info", name="info")
        lines = out.splitlines()
        ctx.check("exits 0", status == 0, f"{describe_signal(status)}; {err}")
        header = f"{board.chip} - 28 lines ({PI_LABEL}, /dev/{board.chip}):"
        ctx.check(f"lists the Pi-like chip as '{header}'", header in lines, out[:400])
        expander = f"{board.expander} - 4 lines (rig-expander, /dev/{board.expander}):"
        ctx.check("lists the expander chip first", lines[1:2] == [expander], "\n".join(lines[:3]))

        def line_of(name):
            pattern = re.compile(rf'^\tline +{board.offset(name)}:\t"{name}"\t')
            return next((text for text in lines if pattern.match(text)), None)

        missing = [name for name in ("BUTTON", "LED", "RELAY", "DOOR", "FAN", "CHIME", "HEATER") if line_of(name) is None]
        ctx.check("lists every board line by name at its offset", not missing, f"missing: {missing}")
        button = line_of("BUTTON") or ""
        ctx.check(
            "shows BUTTON as an input held by livevoiced with both edges and the pull-up",
            all(part in button.split("\t") for part in ("input", 'consumer="livevoiced"', "edges=both", "pull-up")),
            repr(button))
        ctx.check("shows the kernel debounce on BUTTON", "debounce=5000us" in button, repr(button))
        led_line = line_of("LED") or ""
        ctx.check("shows LED as an output held by livevoiced",
                  all(part in led_line.split("\t") for part in ("output", 'consumer="livevoiced"')), repr(led_line))
        hog = next((text for text in lines if re.match(rf'^\tline +{HOG_OFFSET}:\t"GPIO{HOG_OFFSET}"\t', text)), "")
        ctx.check(f"shows GPIO{HOG_OFFSET} held by the kernel as '{HOG_NAME}'",
                  f'consumer="{HOG_NAME}"' in hog and "output" in hog, repr(hog))
        free = next((text for text in lines if re.match(r'^\tline +26:\t"GPIO26"\t', text)), "")
        ctx.check("shows a free line without a consumer", free != "" and "consumer" not in free, repr(free))

        status, out, err = ctx.run("check", "--config", ctx.tools, name="check")
        chips = f"{board.expander} [rig-expander] 4 lines, {board.chip} [{PI_LABEL}] 28 lines"
        ctx.check("livevoiced check: finds both chips and accepts the tools",
                  re.search(r"^ok +GPIO chips +" + re.escape(chips) + "$", out, re.M) is not None
                  and re.search(r"^ok +config .* valid", out, re.M) is not None
                  and re.search(r"^ok +tools +5 valid: relay, heater, chime, fan, door_open$", out, re.M) is not None
                  and "FAIL" not in out,
                  f"{describe_signal(status)}; {out} {err}")

        status, out, err = ctx.run("gpio", "info", "--config", ctx.tools, name="info-config")
        ctx.check("with --config: exits 0", status == 0, f"{describe_signal(status)}; {err}")
        expected = f"  relay (set RELAY): RELAY ({board.chip}:{board.offset('RELAY')}): free"
        ctx.check("with --config: names each tool's line and says it is free", expected in out.splitlines(), out[-600:])
    finally:
        watch.stop()
        led.stop()


# --- watch -----------------------------------------------------------------------------------------------


class Press:
    """One press made on the BUTTON line: when its edges were written, and whether the guest kept the
    bounce gaps short enough for the press to count (a stalled guest can stretch a 15 ms bounce)."""

    def __init__(self, kind):
        self.kind = kind
        self.start = None  # the first edge of the press
        self.pressed_at = None  # the contact settled down (the last edge of the press burst)
        self.released_at = None  # the contact settled up (the last edge of the release burst)
        self.valid = True
        self.why = ""
        self.events = []


def press(pin, kind, hold, bounces=(), bounce_limit=None):
    """Presses the button (to ground: level 0) for `hold` seconds. `bounces` are the gaps (s) between the
    extra edges the contact makes before it settles, on the way down and again on the way up. A bounce the
    guest stretched to `bounce_limit` or more makes the press not count (the debounce may rightly see it)."""
    result = Press(kind)

    def burst(level):
        # Edges alternate and end at `level`.
        levels = [level if (len(bounces) - i) % 2 == 0 else 1 - level for i in range(len(bounces) + 1)]
        times = []
        for i, value in enumerate(levels):
            times.append(now())
            pin.set(value)
            if i < len(bounces):
                time.sleep(bounces[i])
        longest = max((b - a for a, b in zip(times, times[1:])), default=0.0)
        if bounce_limit is not None and longest >= bounce_limit:
            result.valid = False
            result.why = f"a bounce lasted {1000 * longest:.0f} ms (the guest stalled)"
        return times

    down = burst(0)
    result.start, result.pressed_at = down[0], down[-1]
    time.sleep(hold)
    result.released_at = burst(1)[-1]
    return result


def scenario_watch(ctx):
    """`gpio watch` turns real presses, bouncy or clean, short or long, into exactly the events they are."""
    board = ctx.board
    debounce_ms, long_ms = 50, 1500
    board.pull("BUTTON", 1)
    watch = ctx.livevoiced("gpio", "watch", "BUTTON", "--debounce-ms", str(debounce_ms), "--long-press-ms", str(long_ms),
                           name="watch")
    pin = board.opener("BUTTON")
    try:
        ready = watch.wait_line(r"^Watching BUTTON \((gpiochip\d+):(\d+)\)")
        ctx.check("finds BUTTON by name on the Pi-like chip",
                  ready is not None and ready[1].group(1) == board.chip and int(ready[1].group(2)) == board.offset("BUTTON"),
                  watch.output())
        if ready is None:
            return
        time.sleep(0.3)
        # Bounce gaps well above the kernel's 5 ms debounce (so the bounces reach livevoiced) and well below
        # the 50 ms software debounce (so it must swallow them). A gap the guest stretched past 35 ms makes
        # that press not count, and another is made, within a deadline.
        bouncy = (0.012, 0.018, 0.010, 0.015)
        presses = [press(pin, "clean", 0.5)]
        time.sleep(0.7)
        deadline = now() + 60
        made = 0
        while made < 3 and now() < deadline:
            p = press(pin, "bouncy", 0.45, bouncy, bounce_limit=0.035)
            presses.append(p)
            if p.valid:
                made += 1
            else:
                ctx.note(f"bouncy press not counted: {p.why}")
            time.sleep(0.7)
        presses.append(press(pin, "long", 2.3))
        time.sleep(0.7)
        first = press(pin, "double-1", 0.15)
        time.sleep(0.12)
        second = press(pin, "double-2", 0.15)
        gap = second.pressed_at - first.released_at
        if gap > 0.3:
            second.valid = first.valid = False
            second.why = f"the gap between the two presses was {1000 * gap:.0f} ms (the guest stalled)"
        presses += [first, second]
        # Wait for the last release to come out (debounce after the last edge), then for anything extra.
        wait_until(lambda: sum("released" in text for _, text in watch.stdout_lines()) >= len(presses), 30)
        time.sleep(1.0)

        events = []
        for _, text in watch.stdout_lines():
            match = EVENT.match(text)
            if match:
                events.append((float(match.group(1)), match.group(2).split(" (")[0], int(match.group(3) or 0)))
        unknown = [text for _, text in watch.stdout_lines()[1:] if not EVENT.match(text)]
        ctx.check("prints only event lines after its banner", not unknown, repr(unknown[:5]))

        # Give each press the events stamped from its first edge to the next press's first edge.
        for index, p in enumerate(presses):
            end = presses[index + 1].start if index + 1 < len(presses) else float("inf")
            p.events = [e for e in events if p.start - 0.005 <= e[0] < end]
        stray = [e for e in events if not any(e in p.events for p in presses)]
        ctx.check("no event outside a press", not stray, repr(stray))

        expected = {
            "clean": ["pressed", "released"],
            "bouncy": ["pressed", "released"],
            "long": ["pressed", "long press", "released"],
            "double-1": ["pressed", "released"],
            "double-2": ["pressed", "double press", "released"],
        }
        for index, p in enumerate(presses):
            label = f"press {index + 1} ({p.kind}, held {1000 * (p.released_at - p.pressed_at):.0f} ms)"
            kinds = [kind for _, kind, _ in p.events]
            if not p.valid:
                ctx.note(f"{label}: not judged ({p.why}); events {kinds}")
                continue
            ok = ctx.check(f"{label}: events are {expected[p.kind]}", kinds == expected[p.kind], f"got {kinds}")
            if not ok:
                continue
            pressed = p.events[0][0]
            released = p.events[-1][0]
            held = p.events[-1][2]
            # The kernel stamps an edge when its own 5 ms debounce ends; a stall of the guest delays it.
            ctx.check(f"{label}: pressed is stamped when the contact settled",
                      0 <= pressed - p.pressed_at <= 0.3, f"{1000 * (pressed - p.pressed_at):.0f} ms after the last edge")
            actual = p.released_at - p.pressed_at
            ctx.check(f"{label}: release reports the time held",
                      abs(held / 1000 - actual) <= 0.15 and abs((released - pressed) - held / 1000) <= 0.002,
                      f"reported {held} ms, held {1000 * actual:.0f} ms")
        valid_bouncy = sum(1 for p in presses if p.kind == "bouncy" and p.valid)
        ctx.check("at least one bouncy press was made with short bounces", valid_bouncy >= 1,
                  f"{valid_bouncy} of {sum(1 for p in presses if p.kind == 'bouncy')} (the guest kept stalling)")

        watch.signal(signal.SIGTERM)
        status = watch.wait(EXIT_DEADLINE)
        ctx.check("stops on SIGTERM", status is not None, describe_signal(status))
    finally:
        pin.close()
        watch.stop()


# --- led -------------------------------------------------------------------------------------------------


def dark_led(ctx):
    """Makes the (released) LED line low: a free line takes its pull's level."""
    ctx.board.pull("LED", 0)
    return wait_until(lambda: ctx.board.value("LED") == 0, 5)


def blink_check(ctx, pattern, half, seconds):
    """Runs `gpio led LED pattern` and checks its edges against the schedule from its first edge."""
    board = ctx.board
    label = f"{pattern} for {seconds} s"
    ctx.check(f"{label}: the LED line starts low", dark_led(ctx), f"value {board.value('LED')}")
    sampler = Sampler(board.value_path("LED"))
    led = ctx.livevoiced("gpio", "led", "LED", pattern, "--seconds", str(seconds), name=f"led-{pattern}")
    status = led.wait(seconds + EXIT_DEADLINE)
    changes = sampler.stop()
    led.stop()
    ctx.check(f"{label}: exits 0 and says the LED is off",
              status == 0 and "Done; the LED is off." in led.output("out"), f"{describe_signal(status)}; {led.output()}")
    ctx.check(f"{label}: the LED line is low afterwards", board.value("LED") == 0, f"value {board.value('LED')}")
    # The pattern starts with the first edge up; the command shows it for `seconds` from about then, and
    # switches the LED off at the end (that last edge is not the pattern's).
    rising = [t for t, v in changes if v == 1]
    if not rising:
        ctx.check(f"{label}: the LED blinks", False, f"changes seen: {changes[:8]}")
        return
    start = rising[0]
    end = start + seconds - 0.06
    edges = [(t, v) for t, v in changes if start <= t < end]
    halves = [b[0] - a[0] for a, b in zip(edges, edges[1:])]
    median = statistics.median(halves) if halves else 0
    ctx.check(f"{label}: median half period {1000 * median:.0f} ms (expected {1000 * half:.0f} ms +-10%)",
              abs(median - half) <= half * 0.1, f"half periods (ms): {[round(1000 * h) for h in halves[:20]]}")
    # Each edge against its place in the schedule: no drift however long it runs.
    slots = [round((t - start) / half) for t, _ in edges]
    errors = [abs((t - start) - k * half) for (t, _), k in zip(edges, slots)]
    in_phase = all(v == (1 if k % 2 == 0 else 0) for (_, v), k in zip(edges, slots))
    on_time = sum(1 for e in errors if e <= 0.04) / len(errors)
    ctx.check(f"{label}: edges follow the schedule from the first edge (no drift)",
              on_time >= 0.8 and in_phase and len(set(slots)) == len(slots),
              f"{100 * on_time:.0f}% of {len(errors)} edges within 40 ms; worst {1000 * max(errors):.0f} ms; "
              f"{'in phase' if in_phase else 'levels out of phase'}")
    expected = int((end - start) / half) + 1
    ctx.check(f"{label}: no edge missing or extra", abs(len(edges) - expected) <= 1,
              f"{len(edges)} edges in {end - start:.2f} s, expected {expected}")


def scenario_led(ctx):
    """`gpio led` drives the LED line with each pattern's timing, and leaves it dark when it ends."""
    board = ctx.board
    blink_check(ctx, "slow-blink", 0.5, 4.2)
    blink_check(ctx, "fast-blink", 0.1, 2.5)

    # pulse: software PWM (10 ms frames, duty rising to 100% over 1 s and falling again over the next).
    dark_led(ctx)
    sampler = Sampler(board.value_path("LED"))
    led = ctx.livevoiced("gpio", "led", "LED", "pulse", "--seconds", "4.1", name="led-pulse")
    status = led.wait(4.1 + EXIT_DEADLINE)
    changes = sampler.stop()
    led.stop()
    ctx.check("pulse: exits 0", status == 0, describe_signal(status))
    rises = [t for t, v in changes if v == 1]
    if len(rises) < 50:
        ctx.check("pulse: the LED is switched as PWM", False, f"only {len(rises)} rising edges")
        return
    start = rises[0]
    # Time lit in each quarter of a 2 s breath: the middle half (duty near 100%) far above the outer half.
    lit = [0.0, 0.0]
    total = [0.0, 0.0]
    for (t1, v1), (t2, _) in zip(changes, changes[1:]):
        position = ((t1 - start) % 2.0) / 2.0
        middle = 1 if 0.25 <= position < 0.75 else 0
        total[middle] += t2 - t1
        if v1 == 1:
            lit[middle] += t2 - t1
    outer, inner = lit[0] / max(total[0], 1e-9), lit[1] / max(total[1], 1e-9)
    # The guest's timer latency blurs 1 ms PWM steps, so only the shape is judged, not the exact duty.
    ctx.check("pulse: the LED breathes (lit longer mid-breath than at its ends)",
              inner >= outer + 0.1 and inner >= 1.5 * outer and len(rises) > 100,
              f"duty {100 * outer:.0f}% at the ends, {100 * inner:.0f}% mid-breath, {len(rises)} PWM pulses")


# --- action ----------------------------------------------------------------------------------------------


def scenario_action(ctx):
    """`gpio action` runs the config's tools on the real lines: set, pulse, toggle, read, auto-off, and
    refuses what the config does not allow."""
    board = ctx.board
    for name, level in (("RELAY", 1), ("HEATER", 0), ("CHIME", 0), ("FAN", 0), ("DOOR", 0)):
        board.pull(name, level)

    def action(name, arguments="{}", proc_name=None):
        return ctx.run("gpio", "action", "--config", ctx.tools, name, arguments, name=proc_name or f"action-{name}")

    # set, on an active-low relay: on drives the line low.
    status, out, err = action("relay", '{"on": true}')
    ctx.check("set relay on: ok", status == 0 and '"ok":true' in out and '"value":1' in out, f"{describe_signal(status)}; {out} {err}")
    ctx.check("set relay on: RELAY is driven low (active-low)", board.value("RELAY") == 0, f"value {board.value('RELAY')}")
    status, out, err = action("relay", '{"on": false}')
    ctx.check("set relay off: RELAY is driven high", status == 0 and board.value("RELAY") == 1,
              f"{describe_signal(status)}; value {board.value('RELAY')}; {out} {err}")

    # toggle: each command starts its outputs at their safe value (off), so a toggle switches FAN on.
    status, out, err = action("fan")
    ctx.check("toggle fan: FAN switches from its safe value to on", status == 0 and board.value("FAN") == 1
              and '"state":"on"' in out, f"{describe_signal(status)}; value {board.value('FAN')}; {out} {err}")

    # pulse: high for the asked time, then low; the command returns after the pulse.
    sampler = Sampler(board.value_path("CHIME"))
    status, out, err = action("chime", '{"duration_ms": 800}')
    changes = sampler.stop()
    highs = [(a[0], b[0]) for a, b in zip(changes, changes[1:]) if a[1] == 1 and b[1] == 0]
    ctx.check("pulse chime 800 ms: ok, read back 1 during and 0 after",
              status == 0 and '"value_during_pulse":1' in out and '"value":0' in out, f"{describe_signal(status)}; {out} {err}")
    width = highs[0][1] - highs[0][0] if len(highs) == 1 else None
    ctx.check("pulse chime 800 ms: CHIME is high once for 800 ms (+-150 ms)",
              width is not None and abs(width - 0.8) <= 0.15, f"high periods: {[round(b - a, 3) for a, b in highs]}")

    sampler = Sampler(board.value_path("CHIME"))
    status, out, err = action("chime", '{"duration_ms": 5000}')
    changes = sampler.stop()
    ctx.check("pulse chime 5000 ms: refused (max_pulse_ms 2000), exit 1, CHIME never high",
              status == 1 and '"ok":false' in out and "2000" in out and all(v == 0 for _, v in changes),
              f"{describe_signal(status)}; {out} {err}; changes {changes}")

    # read: the door's level is whatever its pull makes it.
    board.pull("DOOR", 1)
    status, out, _ = action("door_open", proc_name="action-door-1")
    board.pull("DOOR", 0)
    status2, out2, _ = action("door_open", proc_name="action-door-0")
    ctx.check("read door_open: 1 when DOOR is high, 0 when low",
              status == 0 and status2 == 0 and '"value":1' in out and '"value":0' in out2, f"{out} / {out2}")

    # auto-off: the command waits for it; the line is high until then.
    sampler = Sampler(board.value_path("HEATER"))
    started = now()
    status, out, err = action("heater", '{"on": true}')
    changes = sampler.stop()
    highs = [(a[0], b[0]) for a, b in zip(changes, changes[1:]) if a[1] == 1 and b[1] == 0]
    ctx.check("set heater on: waits for its auto-off and says so",
              status == 0 and "Auto-off armed" in out and "Switched off." in out, f"{describe_signal(status)}; {out} {err}")
    width = highs[0][1] - highs[0][0] if len(highs) == 1 else None
    ctx.check("set heater on: HEATER is high for its 3 s auto-off (+-0.5 s), then low",
              width is not None and abs(width - 3.0) <= 0.5 and board.value("HEATER") == 0,
              f"high periods {[round(b - a, 3) for a, b in highs]}; now {board.value('HEATER')}; "
              f"command took {now() - started:.1f} s")

    # refusals: a tool the config does not have touches nothing.
    before = {name: board.value(name) for name in ("LED", "RELAY", "HEATER", "CHIME", "FAN")}
    status, out, err = action("led", '{"on": true}')
    after = {name: board.value(name) for name in before}
    ctx.check("a tool the config does not name is refused with the list of tools",
              status == 1 and "unknown tool 'led'" in out and "relay" in out, f"{describe_signal(status)}; {out} {err}")
    ctx.check("the refused call changed no line", before == after, f"{before} -> {after}")
    status, out, err = action("relay", '{"on": "yes"}', proc_name="action-bad-args")
    ctx.check("bad arguments are refused and say what is wrong", status == 1 and '"ok":false' in out and "on" in out,
              f"{describe_signal(status)}; {out} {err}")

    bad_config = os.path.join(ctx.out, "bad-tools.toml")
    with open(bad_config, "w") as handle:
        handle.write('[[tools]]\nname = "lamp"\ndescription = "A lamp."\n'
                     'action = { kind = "set", line = "LAMP" }\n')
    status, out, err = ctx.run("gpio", "action", "--config", bad_config, "lamp", '{"on": true}', name="action-no-line")
    ctx.check("a config naming a line that does not exist fails with the lines that do",
              status == 1 and "no GPIO line is named 'LAMP'" in err and "BUTTON" in err, f"{describe_signal(status)}; {err}")
    status, out, err = ctx.run("check", "--config", bad_config, name="check-no-line")
    ctx.check("livevoiced check fails on a config naming a line that does not exist",
              status == 1 and re.search(r"^FAIL +tool lamp line LAMP +no GPIO line is named 'LAMP'", out, re.M) is not None,
              f"{describe_signal(status)}; {out} {err}")


# --- safe values on SIGTERM --------------------------------------------------------------------------------


def scenario_sigterm(ctx):
    """SIGTERM (how systemd stops the daemon) puts outputs at their safe values before livevoiced exits.

    gpio-sim is told to keep a released line's last value (as a real pin does), so what is read after the
    process is gone is what it last drove."""
    board = ctx.board
    board.pull("HEATER", 0)
    heater = ctx.livevoiced("gpio", "action", "--config", ctx.tools, "heater", '{"on": true}', name="heater-sigterm")
    armed = heater.wait_line(r"^Auto-off armed")
    ctx.check("heater on, waiting for its auto-off", armed is not None and board.value("HEATER") == 1,
              f"{heater.output()}; value {board.value('HEATER')}")
    heater.signal(signal.SIGTERM)
    status = heater.wait(EXIT_DEADLINE)
    heater.stop()
    took = now() - armed[0] if armed else 0
    ctx.check("action: SIGTERM ends the command", status is not None, describe_signal(status))
    ctx.check("action: SIGTERM puts HEATER at its safe value (0) at once",
              board.value("HEATER") == 0 and took < 2.5,
              f"HEATER reads {board.value('HEATER')} after the command ended ({describe_signal(status)}, "
              f"{took:.1f} s after the auto-off was armed; it would have switched off by itself at 3 s)")

    led = ctx.livevoiced("gpio", "led", "LED", "on", "--seconds", "120", name="led-sigterm")
    lit = led.wait_line(r"^Showing ") and wait_until(lambda: board.value("LED") == 1, START_DEADLINE)
    ctx.check("LED on for 120 s", bool(lit), f"{led.output()}; value {board.value('LED')}")
    led.signal(signal.SIGTERM)
    status = led.wait(EXIT_DEADLINE)
    led.stop()
    ctx.check("led: SIGTERM ends the command", status is not None, describe_signal(status))
    ctx.check("led: SIGTERM leaves the LED dark", board.value("LED") == 0,
              f"LED reads {board.value('LED')} after the command ended ({describe_signal(status)})")


# --- busy lines --------------------------------------------------------------------------------------------


def scenario_busy(ctx):
    """A line another program (or the kernel) holds gives the clear "in use by X" error, naming X."""
    board = ctx.board
    chip = board.chip
    holders = []
    try:
        monitor = Proc(["gpiomon", "--banner", "DOOR"], ctx.out, name="gpiomon")
        holders.append(monitor)
        setter = Proc(["gpioset", "--banner", "RELAY=1"], ctx.out, name="gpioset")
        holders.append(setter)
        led = ctx.livevoiced("gpio", "led", "LED", "on", "--seconds", "120", name="led-holder")
        holders.append(led)
        ready = (monitor.wait_line(r"[Mm]onitoring") is not None, setter.wait_line(r"[Ss]etting") is not None,
                 led.wait_line(r"^Showing ") is not None)
        ctx.check("gpiomon holds DOOR, gpioset holds RELAY, livevoiced holds LED", all(ready),
                  f"{ready}: {monitor.output()} | {setter.output()} | {led.output()}")

        door = f"line DOOR ({chip}:{board.offset('DOOR')}) is in use by 'gpiomon': stop that program"
        status, _, err = ctx.run("gpio", "watch", "DOOR", name="watch-busy")
        ctx.check("watch DOOR: exit 1, 'in use by gpiomon'", status == 1 and door in err, f"{describe_signal(status)}; {err}")

        relay = f"line RELAY ({chip}:{board.offset('RELAY')}) is in use by 'gpioset'"
        status, out, err = ctx.run("gpio", "action", "--config", ctx.tools, "relay", '{"on": true}', name="action-busy")
        ctx.check("action relay: exit 1, names the config entry and 'in use by gpioset'",
                  status == 1 and relay in err and "tools[0].action.line" in err, f"{describe_signal(status)}; {out} {err}")

        status, _, err = ctx.run("gpio", "set", "LED", "0", name="set-busy")
        ctx.check("set LED while another livevoiced shows it: 'in use by livevoiced'",
                  status == 1 and f"line LED ({chip}:{board.offset('LED')}) is in use by 'livevoiced'" in err,
                  f"{describe_signal(status)}; {err}")

        status, _, err = ctx.run("gpio", "set", f"GPIO{HOG_OFFSET}", "0", name="set-hog")
        ctx.check(f"set GPIO{HOG_OFFSET} (a kernel hog): 'in use by {HOG_NAME}'",
                  status == 1 and f"is in use by '{HOG_NAME}'" in err, f"{describe_signal(status)}; {err}")

        status, out, err = ctx.run("gpio", "info", "--config", ctx.tools, name="info-busy")
        ctx.check("info --config names the holders of the tools' lines",
                  f"door_open (read DOOR): DOOR ({chip}:{board.offset('DOOR')}): in use by 'gpiomon'" in out
                  and f"relay (set RELAY): RELAY ({chip}:{board.offset('RELAY')}): in use by 'gpioset'" in out,
                  out[-700:])
    finally:
        for holder in holders:
            holder.signal(signal.SIGTERM)
        for holder in holders:
            holder.stop()


# --- permission denied -----------------------------------------------------------------------------------

def scenario_permission(ctx):
    """A user who may not open /dev/gpiochip* (here: nobody, with the kernel's default root-only devices)
    is told to join the gpio group or install the udev rule, and no line changes."""
    board = ctx.board
    before = board.value("LED")
    status, _, err = run([*AS_NOBODY, ctx.bin, "gpio", "set", "LED", "1" if before == 0 else "0"], ctx.out,
                         name="set-as-nobody")
    ctx.check("set LED as nobody: exit 1, 'permission denied opening /dev/gpiochip...'",
              status == 1 and "permission denied opening /dev/gpiochip" in err, f"{describe_signal(status)}; {err}")
    ctx.check("set LED as nobody: says to join the gpio group or install the udev rule",
              "usermod -aG gpio" in err and "udev rule" in err, err)
    ctx.check("set LED as nobody: the LED line did not change", board.value("LED") == before,
              f"LED {before} -> {board.value('LED')}")


SCENARIOS = [
    ("gpio info", scenario_info),
    ("gpio watch", scenario_watch),
    ("gpio led", scenario_led),
    ("gpio action", scenario_action),
    ("gpio busy", scenario_busy),
    ("gpio SIGTERM", scenario_sigterm),
    ("gpio permission", scenario_permission),
]


def run_all(results, out_dir, binary, board, tools_config, only=None):
    # A released line keeps its last value, as a real pin does: what the scenarios read after a command
    # has exited is what it last drove.
    keep_values_on_release(True)
    ctx = Context(results, out_dir, binary, board, tools_config)
    run_scenarios(results, SCENARIOS, ctx, only)
