# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""The rig's simulated GPIO hardware: gpio-sim chips made through configfs.

Two chips, so that the board's lines are not on gpiochip0 and must be found by name:
  - an "expander" with four unnamed lines (made first, so it gets the lower chip number);
  - a 28-line chip labelled like a Raspberry Pi 4's SoC GPIO (pinctrl-bcm2711), its lines named GPIO0 to
    GPIO27 except those the board uses, which carry the board's names (BUTTON on GPIO17, LED on GPIO18...),
    and GPIO4 held by the kernel itself (a "hog", as a device-tree overlay would do) as `rig-hog`.

A line's pull is set through sysfs (`sim_gpioN/pull`); for an input, that is its level, so writing
pull-down/pull-up presses and releases a button (wired to ground, pulled up). An output's level, as the
program drives it, is read from `sim_gpioN/value`.
"""

import os

from rigkit import read_text, write_text

CONFIGFS = "/sys/kernel/config/gpio-sim"
PI_LABEL = "pinctrl-bcm2711"
HOG_OFFSET = 4
HOG_NAME = "rig-hog"

# The board's lines on the Pi-like chip, by offset (the BCM numbers a Pi HAT would use).
BOARD_LINES = {17: "BUTTON", 18: "LED", 22: "RELAY", 23: "FAN", 24: "DOOR", 25: "CHIME", 27: "HEATER"}


class SimBoard:
    """Creates the chips (`create`) and gives access to each board line's pull and value by name."""

    def __init__(self, device="livevoiced-rig"):
        self.device_dir = os.path.join(CONFIGFS, device)
        self.names = {}  # name -> offset on the Pi-like chip
        self.chip = None  # e.g. gpiochip1
        self.expander = None
        self.sysfs = None  # /sys/devices/platform/gpio-sim.0/gpiochip1

    def create(self):
        os.mkdir(self.device_dir)
        expander = os.path.join(self.device_dir, "bank0")
        os.mkdir(expander)
        write_text(os.path.join(expander, "label"), "rig-expander")
        write_text(os.path.join(expander, "num_lines"), "4")

        bank = os.path.join(self.device_dir, "bank1")
        os.mkdir(bank)
        write_text(os.path.join(bank, "label"), PI_LABEL)
        write_text(os.path.join(bank, "num_lines"), "28")
        for offset in range(28):
            name = BOARD_LINES.get(offset, f"GPIO{offset}")
            line = os.path.join(bank, f"line{offset}")
            os.mkdir(line)
            write_text(os.path.join(line, "name"), name)
            self.names[name] = offset
            if offset == HOG_OFFSET:
                hog = os.path.join(line, "hog")
                os.mkdir(hog)
                write_text(os.path.join(hog, "name"), HOG_NAME)
                write_text(os.path.join(hog, "direction"), "output-high")
        write_text(os.path.join(self.device_dir, "live"), "1")

        device = read_text(os.path.join(self.device_dir, "dev_name"))
        self.expander = read_text(os.path.join(expander, "chip_name"))
        self.chip = read_text(os.path.join(bank, "chip_name"))
        self.sysfs = f"/sys/devices/platform/{device}/{self.chip}"
        return self

    def offset(self, name):
        return self.names[name]

    def value_path(self, name):
        return os.path.join(self.sysfs, f"sim_gpio{self.offset(name)}", "value")

    def value(self, name):
        """The line's level as the simulator has it (for an output: as the program drives it)."""
        return int(read_text(self.value_path(name)))

    def pull(self, name, level):
        """Sets the line's pull: 1 pulls up, 0 pulls down. For an input, that is its level."""
        write_text(os.path.join(self.sysfs, f"sim_gpio{self.offset(name)}", "pull"), "pull-up" if level else "pull-down")

    def opener(self, name):
        """A fast writer for the line's pull (an open file), for bounce sequences with gaps of a few ms."""
        return PullWriter(os.path.join(self.sysfs, f"sim_gpio{self.offset(name)}", "pull"))


class PullWriter:
    """Writes a line's pull through one open descriptor: no open() per edge, so edges come out quickly."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY)

    def set(self, level):
        os.pwrite(self.fd, b"pull-up" if level else b"pull-down", 0)

    def close(self):
        os.close(self.fd)


def keep_values_on_release(enabled):
    """Chooses whether a released line keeps its last value (like a Pi's pin) or falls back to its pull
    (gpio-sim's own behaviour); a parameter the rig adds to gpio-sim (see scripts/rig/vm)."""
    write_text("/sys/module/gpio_sim/parameters/keep_value_on_free", "Y" if enabled else "N")


class HeaderChip:
    """One gpio-sim chip labelled and named like a board's GPIO header (`pinctrl-bcm2711` with lines
    GPIO0...GPIO27, say), for programs that find their lines by name as on the real board. `create` makes
    it, `remove` takes it away again; a line's pull and value are reached by name, as on SimBoard."""

    def __init__(self, label, names, device="livevoiced-header"):
        self.label = label
        self.names = list(names)  # index = offset; "" leaves a line unnamed
        self.device_dir = os.path.join(CONFIGFS, device)
        self.chip = None
        self.sysfs = None

    def create(self):
        os.mkdir(self.device_dir)
        bank = os.path.join(self.device_dir, "bank0")
        os.mkdir(bank)
        write_text(os.path.join(bank, "label"), self.label)
        write_text(os.path.join(bank, "num_lines"), str(len(self.names)))
        for offset, name in enumerate(self.names):
            if name:
                line = os.path.join(bank, f"line{offset}")
                os.mkdir(line)
                write_text(os.path.join(line, "name"), name)
        write_text(os.path.join(self.device_dir, "live"), "1")
        self.chip = read_text(os.path.join(bank, "chip_name"))
        device = read_text(os.path.join(self.device_dir, "dev_name"))
        self.sysfs = f"/sys/devices/platform/{device}/{self.chip}"
        return self

    def remove(self):
        if not os.path.isdir(self.device_dir):
            return
        write_text(os.path.join(self.device_dir, "live"), "0")
        bank = os.path.join(self.device_dir, "bank0")
        for entry in os.listdir(bank):
            if entry.startswith("line"):
                os.rmdir(os.path.join(bank, entry))
        os.rmdir(bank)
        os.rmdir(self.device_dir)

    def offset(self, name):
        return self.names.index(name)

    def value_path(self, name):
        return os.path.join(self.sysfs, f"sim_gpio{self.offset(name)}", "value")

    def value(self, name):
        return int(read_text(self.value_path(name)))

    def pull(self, name, level):
        write_text(os.path.join(self.sysfs, f"sim_gpio{self.offset(name)}", "pull"), "pull-up" if level else "pull-down")


def pi_header_names(count, functions=None):
    """Line names as a Raspberry Pi's device tree gives them: GPIO0...GPIO27 (or the names in `functions`,
    by offset), then unnamed lines up to `count`."""
    names = [f"GPIO{offset}" for offset in range(28)] + [""] * (count - 28)
    for offset, name in (functions or {}).items():
        names[offset] = name
    return names


# The header chips of the boards in board/profiles/, as their kernels name them.
PI4_HEADER = ("pinctrl-bcm2711", pi_header_names(58, {0: "ID_SDA", 1: "ID_SCL"}))
PI5_HEADER = ("pinctrl-rp1", pi_header_names(54))
PI3_HEADER = ("pinctrl-bcm2835", pi_header_names(54, {
    0: "ID_SDA", 1: "ID_SCL", 2: "SDA1", 3: "SCL1", 4: "GPIO_GCLK", 7: "SPI_CE1_N", 8: "SPI_CE0_N", 9: "SPI_MISO",
    10: "SPI_MOSI", 11: "SPI_SCLK", 14: "TXD1", 15: "RXD1"}))
