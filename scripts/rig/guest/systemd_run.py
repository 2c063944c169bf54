# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""The board rig's scenarios under systemd as PID 1, run inside the guest by scripts/board-test
(scripts/rig/vm run --systemd): the package installed and its unit run (unit_scenarios), then the board
profiles (profile_scenarios).

    /usr/bin/python3 scripts/rig/guest/systemd_run.py --out DIR --deb FILE.deb --simulator PATH/live-simulator
        --speech FILE.wav [--board-dir DIR] [--source-binary PATH] [--only WORD]...

Writes PASS/FAIL lines to stdout and DIR/results.txt, logs to DIR/logs/, and DIR/systemd-finished at the end.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import profile_scenarios  # noqa: E402
import unit_scenarios  # noqa: E402
from rigkit import Results, now  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="a directory shared with the host (read-write)")
    parser.add_argument("--deb", required=True, help="the amd64 package to install")
    parser.add_argument("--simulator", required=True, help="the live-simulator binary built on the host")
    parser.add_argument("--speech", required=True, help="speech to play into the microphone (16 kHz mono WAV)")
    parser.add_argument("--board-dir", help="the project's board/ directory (default: the one of this checkout)")
    parser.add_argument("--source-binary", help="the release binary scripts/install installs from the checkout")
    parser.add_argument("--only", action="append", help="run only the groups whose name contains this")
    args = parser.parse_args()

    started = now()
    here = os.path.dirname(os.path.abspath(__file__))
    board_dir = os.path.abspath(args.board_dir or os.path.join(here, "..", "..", "..", "board"))
    results = Results(args.out)
    wanted = lambda group: not args.only or any(word in group for word in args.only)  # noqa: E731
    if wanted("unit"):
        ctx = unit_scenarios.Context(results, args.out, args.deb, args.simulator, args.speech, board_dir, args.source_binary)
        unit_scenarios.run_all(results, ctx)
    binary = "/usr/bin/livevoiced" if os.path.exists("/usr/bin/livevoiced") else None
    if wanted("profiles") or wanted("check audio"):
        if binary is None:
            # The profiles need the packaged binary; without the unit scenarios, install it quietly.
            os.system(f"DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {args.deb} >/dev/null 2>&1")
            binary = "/usr/bin/livevoiced"
        profile_scenarios.run_all(results, args.out, binary, board_dir, args.only)
    results.group = "systemd guest"
    results.note(f"{results.passed} passed, {results.failed} failed under systemd, {now() - started:.1f} s")
    with open(os.path.join(args.out, "systemd-finished"), "w") as marker:
        marker.write(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
    return 0 if results.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
