# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""The package's own tests that need the rig's hardware, run inside the guest.

Suites that need snd-aloop or gpio-sim are skipped on a machine without them (`.enabled(if:)`). Here the
hardware is real, so the rig runs the test bundle `swift build --build-tests` made on the host, filtered to
those suites: by convention, their type names contain `LoopbackCard` or `BoardRig`. Each test becomes one
PASS or FAIL line; a suite that is skipped here (its condition is wrong) is a failure too.
"""

import re

from rigkit import describe_signal, run

DEFAULT_FILTER = "LoopbackCard|BoardRig"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TEST_LINE = re.compile(r'Test "(.+)" (passed|failed|skipped)')
SUMMARY = re.compile(r"Test run with (\d+) tests? (?:in \d+ suites? )?(passed|failed)")


def scenario_package_tests(results, out_dir, bundle, test_filter):
    results.group = "package tests"
    if not bundle:
        results.note("no test bundle given (scripts/board-test --no-package-tests): skipped on purpose")
        return
    status, out, err = run([bundle, "--testing-library", "swift-testing", "--filter", test_filter], out_dir,
                           name="package-tests", timeout=900)
    text = ANSI.sub("", out + "\n" + err)
    verdicts = {}
    for line in text.splitlines():
        match = TEST_LINE.search(line)
        if match and ("Test run" not in line):
            verdicts[match.group(1)] = match.group(2)
    for name, verdict in verdicts.items():
        if verdict == "skipped":
            results.check(f"{name}: runs on the rig's hardware", False, "skipped although the hardware is here")
        else:
            details = [line.strip() for line in text.splitlines() if name in line and "Expectation failed" in line]
            results.check(name, verdict == "passed", "; ".join(details)[:600] or verdict)
    summary = SUMMARY.search(text)
    results.check(f"the bundle ran the tests matching '{test_filter}' and exited 0",
                  status == 0 and summary is not None and int(summary.group(1)) > 0 and verdicts,
                  f"{describe_signal(status)}; {summary.group(0) if summary else text[-600:]}")
