# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""The board test rig's scenarios, run inside the guest by scripts/board-test (one boot, all scenarios).

    /usr/bin/python3 scripts/rig/guest/run.py --out DIR --bin PATH/livevoiced --speech FILE.wav
        [--tests PATH/livevoicedPackageTests.xctest] [--only WORD]...

Writes PASS/FAIL lines to stdout and DIR/results.txt, logs of every program it ran to DIR/logs/, the
audio it recorded to DIR/ for the host to analyse, and DIR/guest-finished when it got to the end.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import audio_scenarios  # noqa: E402
import gpio_scenarios  # noqa: E402
import package_tests  # noqa: E402
from rigkit import Results, now, run  # noqa: E402
from simchip import SimBoard  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="a directory shared with the host (read-write)")
    parser.add_argument("--bin", required=True, help="the livevoiced binary built on the host")
    parser.add_argument("--speech", required=True, help="speech to play into the microphone (16 kHz mono WAV)")
    parser.add_argument("--board-dir", help="the project's board/ directory (default: the one of this checkout)")
    parser.add_argument("--tests", help="the package's test bundle: run its suites that need the rig's hardware")
    parser.add_argument("--test-filter", default=package_tests.DEFAULT_FILTER, help="which suites (a regex)")
    parser.add_argument("--only", action="append", help="run only the scenarios whose name contains this")
    args = parser.parse_args()

    started = now()
    here = os.path.dirname(os.path.abspath(__file__))
    results = Results(args.out)
    results.group = "guest"
    status, out, err = run([args.bin, "--version"], args.out, name="version")
    results.check("livevoiced runs in the guest", status == 0, f"{args.bin}: {out.strip()} {err.strip()}")
    board = SimBoard().create()
    results.note(f"gpio-sim: {board.chip} ({board.sysfs}), expander {board.expander}")
    gpio_scenarios.run_all(results, args.out, args.bin, board, os.path.join(here, "tools.toml"), args.only)
    board_dir = args.board_dir or os.path.join(here, "..", "..", "..", "board")
    audio_scenarios.run_all(results, args.out, args.bin, os.path.abspath(board_dir), args.speech, args.only)
    if not args.only or any(word in "package tests" for word in args.only):
        suite_started = now()
        try:
            package_tests.scenario_package_tests(results, args.out, args.tests, args.test_filter)
        except Exception as error:
            results.crashed("package tests", error)
        results.note(f"{now() - suite_started:.1f} s")
    results.group = "guest"
    results.note(f"{results.passed} passed, {results.failed} failed in the guest, {now() - started:.1f} s")
    with open(os.path.join(args.out, "guest-finished"), "w") as marker:
        marker.write(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
    return 0 if results.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
