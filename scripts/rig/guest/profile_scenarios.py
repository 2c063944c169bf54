# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""The board profiles (board/profiles/) against hardware named like each board's.

For each profile: a gpio-sim chip labelled and named like that board's GPIO header, and its asound.conf
with the board's sound card replaced by the rig's snd-aloop card; `livevoiced check` must find every line
the profile uses, free, on that chip, and open both devices through the profile's dsnoop/dmix. Then
`livevoiced check --audio` measures the loopback's instant echo and suggests no extra delay.
"""

import os
import re

from rigkit import run, EXIT_DEADLINE
from simchip import PI3_HEADER, PI4_HEADER, PI5_HEADER, HeaderChip

# Which header each profile's board has.
HEADERS = {
    "raspberry-pi-4": PI4_HEADER,
    "raspberry-pi-5": PI5_HEADER,
    "aiy-voice-hat-v1": PI3_HEADER,
    "aiy-voice-bonnet-v2": PI3_HEADER,
    "respeaker-2mic-hat": PI4_HEADER,
    "usb-speakerphone": PI4_HEADER,
}


class Context:
    def __init__(self, results, out_dir, binary, board_dir):
        self.results = results
        self.out = out_dir
        self.bin = binary
        self.board_dir = board_dir

    def check(self, name, ok, detail=""):
        return self.results.check(name, ok, detail)

    def note(self, text):
        self.results.note(text)


def profile_lines(text):
    """(what, line) for the button, the LED and each tool, as `check` labels them."""
    lines = []
    section = None
    tool = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        header = re.match(r"^\[\[?([\w.]+)\]\]?$", line)
        if header:
            section = header.group(1)
            continue
        name = re.match(r'^name = "(\w+)"$', line)
        if section == "tools" and name:
            tool = name.group(1)
        value = re.match(r'^line = "([\w:]+)"$', line)
        if value:
            what = {"button": "button", "led": "led", "tools.action": f"tool {tool}"}.get(section)
            if what:
                lines.append((what, value.group(1)))
    return lines


def on_loopback(asound):
    """The profile's ALSA configuration with every card it names replaced by the rig's Loopback card."""
    text = re.sub(r"CARD=\w+", "CARD=Loopback", asound)
    return re.sub(r"^(\s*card) \w+$", r"\1 Loopback", text, flags=re.M)


def scenario_profiles(ctx):
    directory = os.path.join(ctx.board_dir, "profiles")
    names = sorted(name[:-5] for name in os.listdir(directory) if name.endswith(".toml"))
    ctx.check("every profile has a header to check against", sorted(HEADERS) == names, names)
    for name in names:
        label, header_names = HEADERS.get(name, PI4_HEADER)
        text = open(os.path.join(directory, f"{name}.toml")).read()
        with open(os.path.join(directory, f"{name}.asound.conf")) as handle:
            asound = on_loopback(handle.read())
        conf = os.path.join(ctx.out, f"profile-{name}.asound.conf")
        with open(conf, "w") as handle:
            handle.write(asound)
        config = os.path.join(ctx.out, f"profile-{name}.toml")
        with open(config, "w") as handle:
            handle.write(text.replace("[audio]\n", f'[audio]\nalsa_config_file = "{conf}"\n', 1))
        chip = HeaderChip(label, header_names).create()
        try:
            status, out, err = run([ctx.bin, "check", "--config", config], ctx.out, name=f"check-{name}")
        finally:
            chip.remove()
        wanted = profile_lines(text)
        missing = [f"{what} line {line}" for what, line in wanted
                   if not re.search(rf"^ok +{re.escape(what)} line {line} +{line} \({chip.chip}:{header_names.index(line)}\), free",
                                    out, re.M)]
        ctx.check(f"{name}: check finds {', '.join(line for _, line in wanted)} free on a '{label}' chip",
                  bool(wanted) and not missing, f"missing {missing}:\n{out}{err}")
        ctx.check(f"{name}: its asound.conf (on the Loopback card) opens both devices through dsnoop/dmix",
                  re.search(r"^ok +audio.capture_device livevoiced_mic +opens", out, re.M) is not None
                  and re.search(r"^ok +audio.playback_device livevoiced_speaker +opens", out, re.M) is not None
                  and status == 0, out + err)


def scenario_check_audio(ctx):
    """`livevoiced check --audio` on the loopback's instant echo: a measurement and no extra delay."""
    conf = os.path.join(ctx.board_dir, "alsa", "loopback-test.conf")
    config = os.path.join(ctx.out, "check-audio.toml")
    with open(config, "w") as handle:
        handle.write('[audio]\ncapture_device = "livevoiced_echo_mic"\nplayback_device = "livevoiced_echo_speaker"\n'
                     f'alsa_config_file = "{conf}"\n')
    status, out, err = run([ctx.bin, "check", "--config", config, "--audio", "--seconds", "3"], ctx.out,
                           name="check-audio", timeout=EXIT_DEADLINE + 120)
    echo = re.search(r"^ok +echo path +echo (-?[\d.]+) ms behind the reference", out, re.M)
    suggestion = re.search(r"^ok +suggestion +\[audio\] delay_offset_ms = (-?\d+)", out, re.M)
    ctx.check("check --audio measures the echo and suggests delay_offset_ms", status == 0 and echo and suggestion,
              out + err)
    if suggestion:
        ctx.check("on the instant echo it suggests no extra delay (|delay_offset_ms| <= 5)",
                  abs(int(suggestion.group(1))) <= 5, suggestion.group(0))


def run_all(results, out_dir, binary, board_dir, only=None):
    from rigkit import run_scenarios
    ctx = Context(results, out_dir, binary, board_dir)
    run_scenarios(results, [("profiles", scenario_profiles), ("check audio", scenario_check_audio)], ctx, only)
