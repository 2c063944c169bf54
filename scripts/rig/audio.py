# SPDX-License-Identifier: Apache-2.0
# SPDX-FileCopyrightText: livevoiced contributors
"""Host side of the board test rig's audio scenarios: makes the speech they play, and afterwards compares
what the guest recorded with what it played (the guest only records; analysis is cheap here and slow
there).

    python3 scripts/rig/audio.py speech OUT.wav [--rate 16000] [--text TEXT]
    python3 scripts/rig/audio.py analyze OUTDIR --bin LIVEVOICED
        (reads OUTDIR/audio-manifest.json, appends PASS/FAIL lines to OUTDIR/results.txt)

Standard library only. Audio files are mono signed 16-bit: WAV, or headerless little-endian (.raw) at the
rate the manifest gives.
"""

import argparse
import array
import json
import math
import os
import subprocess
import sys
import tempfile
import wave

DEFAULT_TEXT = "Turn on the kitchen light, and set a timer for twelve minutes."


# --- files -----------------------------------------------------------------------------------------------


def read_audio(path, rate=None):
    """(samples as array('h'), sample rate) from a mono S16 WAV or a raw S16_LE file at `rate`."""
    if path.endswith(".wav"):
        with wave.open(path) as w:
            if w.getsampwidth() != 2:
                raise ValueError(f"{path}: {8 * w.getsampwidth()}-bit, expected 16-bit")
            data = array.array("h", w.readframes(w.getnframes()))
            if w.getnchannels() > 1:
                data = data[0::w.getnchannels()]  # the first channel
            return data, w.getframerate()
    with open(path, "rb") as handle:
        data = array.array("h", handle.read())
    if sys.byteorder != "little":
        data.byteswap()
    return data, rate


def write_wav(path, samples, rate):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


# --- speech ----------------------------------------------------------------------------------------------


def resample(samples, source_rate, target_rate):
    """Windowed-sinc resampling (good enough for test speech; exactness is judged against its output)."""
    if source_rate == target_rate:
        return array.array("h", samples)
    ratio = target_rate / source_rate
    cutoff = min(1.0, ratio)
    half = 16
    count = int(len(samples) * ratio)
    out = array.array("h", bytes(2 * count))
    for n in range(count):
        centre = n / ratio
        first = int(centre) - half + 1
        acc = 0.0
        for k in range(first, first + 2 * half):
            if 0 <= k < len(samples):
                x = centre - k
                window = 0.5 + 0.5 * math.cos(math.pi * x / half)
                arg = math.pi * x * cutoff
                sinc = cutoff if abs(arg) < 1e-9 else math.sin(arg) / (math.pi * x)
                acc += samples[k] * sinc * window
        out[n] = max(-32768, min(32767, int(round(acc))))
    return out


def make_speech(path, rate, text):
    """espeak-ng's voice saying `text`, at `rate`, with 300 ms of silence at each end."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "speech.wav")
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "165", "-w", raw, text], check=True)
        samples, source_rate = read_audio(raw)
    speech = resample(samples, source_rate, rate)
    pad = array.array("h", bytes(2 * int(0.3 * rate)))
    write_wav(path, pad + speech + pad, rate)


# --- comparisons -----------------------------------------------------------------------------------------


def voiced_span(samples, threshold=300):
    """First and last index where |sample| >= threshold (the speech without its silence)."""
    first = next((i for i, v in enumerate(samples) if abs(v) >= threshold), None)
    if first is None:
        return None
    last = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) >= threshold)
    return first, last + 1


def exact_match(played, recorded):
    """Whether the voiced part of `played` appears sample for sample in `recorded`: (ok, detail)."""
    span = voiced_span(played)
    if span is None:
        return False, "the played file is silent"
    first, last = span
    needle = played[first:last].tobytes()
    # A 2000-sample probe from the middle finds where it starts; then the whole span must match there.
    probe_at = first + (last - first) // 2
    probe = played[probe_at:probe_at + 2000].tobytes()
    haystack = recorded.tobytes()
    found = haystack.find(probe)
    while found >= 0 and found % 2:
        found = haystack.find(probe, found + 1)
    if found < 0:
        return False, (f"a 2000-sample stretch of the {last - first}-sample speech is nowhere in the "
                       f"{len(recorded)}-sample recording")
    start = found // 2 - (probe_at - first)
    if start < 0 or start + (last - first) > len(recorded):
        return False, f"the speech starts at sample {start} and does not fit in the recording ({len(recorded)} samples)"
    window = recorded[start:start + (last - first)]
    if window.tobytes() == needle:
        return True, f"{last - first} samples identical, at sample {start} of the recording"
    differing = sum(1 for a, b in zip(window, played[first:last]) if a != b)
    return False, f"{differing} of {last - first} samples differ (from sample {start} of the recording)"


def envelope(samples, rate, frame_ms=10):
    """RMS per frame, as a list of floats."""
    size = max(1, rate * frame_ms // 1000)
    return [math.sqrt(sum(v * v for v in samples[i:i + size]) / size) for i in range(0, len(samples) - size + 1, size)]


def best_envelope_correlation(a, b, max_lag):
    """The highest normalised correlation of envelope `a` against `b` over lags 0..max_lag (b later)."""
    def normalised(x):
        mean = sum(x) / len(x)
        centred = [v - mean for v in x]
        norm = math.sqrt(sum(v * v for v in centred)) or 1.0
        return [v / norm for v in centred]

    best, best_lag = -1.0, 0
    na = normalised(a)
    for lag in range(0, max_lag + 1):
        window = b[lag:lag + len(a)]
        if len(window) < len(a):
            break
        value = sum(x * y for x, y in zip(na, normalised(window)))
        if value > best:
            best, best_lag = value, lag
    return best, best_lag


def content_match(played, played_rate, recorded, recorded_rate, minimum=0.9):
    """Whether `recorded` holds the same sound as `played` (after resampling: same loudness over time)."""
    span = voiced_span(played)
    if span is None:
        return False, "the played file is silent"
    a = envelope(played[span[0]:span[1]], played_rate)
    b = envelope(recorded, recorded_rate)
    if len(b) < len(a):
        return False, f"the recording ({len(b) / 100:.2f} s) is shorter than the speech ({len(a) / 100:.2f} s)"
    value, lag = best_envelope_correlation(a, b, len(b) - len(a))
    return value >= minimum, f"envelope correlation {value:.3f} (at least {minimum}), speech found {lag * 10} ms in"


# --- analyze ---------------------------------------------------------------------------------------------


def front_end_erle(binary, mic, reference, rate, minimum_db):
    """Runs the project's front end (`livevoiced audio process`) on a recorded echo: (ok, detail)."""
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [binary, "audio", "process", "--mic", mic, "--reference", reference, "--reference-rate", str(rate),
             "--output", os.path.join(tmp, "out.raw"), "--json"], capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        return False, f"audio process failed ({result.returncode}): {(result.stderr or result.stdout)[-400:]}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    erle = report.get("erleDb")
    if erle is None:
        return False, (f"the front end measured no ERLE: only {report.get('erleFrames')} of {report.get('frames')} "
                       f"frames had far-end audio and no near-end speech by its VAD ({report})")
    return erle >= minimum_db, (f"ERLE {erle:.1f} dB (at least {minimum_db}) over {report.get('erleFrames')} frames, "
                                f"echo delay found {report.get('estimatedEchoDelayMs')} ms")


def settled_erle(mic, output, reference, rate, minimum_db=15.0):
    """ERLE of a canceller's live run (its mic input, its output, the reference it had) over the second
    half of the frames where the reference plays: what it reached, once converged (a whole-run energy
    ratio is dominated by the convergence, which takes the front end one to three seconds here)."""
    frame = rate // 100
    floor = (32768 * 10 ** (-50 / 20)) ** 2 * frame
    count = min(len(mic), len(output), len(reference))
    frames = []  # (mic energy, output energy) of each frame where the reference plays
    quarters = [[0.0, 0.0] for _ in range(4)]
    for start in range(0, count - frame + 1, frame):
        if sum(v * v for v in reference[start:start + frame]) <= floor:
            continue
        m = sum(v * v for v in mic[start:start + frame])
        o = sum(v * v for v in output[start:start + frame])
        frames.append((m, o))
        quarter = quarters[min(3, 4 * start // count)]
        quarter[0] += m
        quarter[1] += o

    def db(a, b):
        return 10 * math.log10(a / b) if a > 0 and b > 0 else (float("inf") if a > 0 else None)

    if len(frames) < 100:
        return False, f"the reference played for only {len(frames) / 100:.2f} s (needs at least 1 s)"
    second_half = frames[len(frames) // 2:]
    erle = db(sum(m for m, _ in second_half), sum(o for _, o in second_half))
    shape = ", ".join("-" if q[0] == 0 else f"{db(q[0], q[1]):.0f}" for q in quarters)
    return erle is not None and erle >= minimum_db, (
        f"ERLE {erle:.1f} dB (at least {minimum_db}) over the last {len(second_half) / 100:.1f} s of far-end "
        f"audio; by quarter of the run: {shape} dB")


def analyze(out_dir, binary):
    """Runs every comparison the guest listed in audio-manifest.json; appends PASS/FAIL lines to results.txt."""
    manifest_path = os.path.join(out_dir, "audio-manifest.json")
    results = []
    if os.path.exists(manifest_path):
        with open(manifest_path) as handle:
            manifest = json.load(handle)
    else:
        manifest = []
    for entry in manifest:
        name = f"audio analysis: {entry['name']}"
        try:
            if entry["kind"] == "erle":
                ok, detail = front_end_erle(binary, os.path.join(out_dir, entry["recorded"]),
                                            os.path.join(out_dir, entry["played"]), entry["played_rate"],
                                            entry["minimum_db"])
                results.append(("PASS" if ok else "FAIL", name, detail))
                continue
            if entry["kind"] == "live-erle":
                files = [read_audio(os.path.join(out_dir, entry[key]), 16000)[0]
                         for key in ("recorded", "output", "played")]
                ok, detail = settled_erle(*files, 16000, minimum_db=entry["minimum_db"])
                results.append(("PASS" if ok else "FAIL", name, detail))
                continue
            played, played_rate = read_audio(os.path.join(out_dir, entry["played"]), entry.get("played_rate"))
            recorded, recorded_rate = read_audio(os.path.join(out_dir, entry["recorded"]), entry.get("recorded_rate"))
            if entry["kind"] == "exact":
                if played_rate != recorded_rate:
                    ok, detail = False, f"rates differ ({played_rate} Hz played, {recorded_rate} Hz recorded)"
                else:
                    ok, detail = exact_match(played, recorded)
            else:
                ok, detail = content_match(played, played_rate, recorded, recorded_rate)
        except (OSError, ValueError, KeyError, subprocess.SubprocessError) as error:
            ok, detail = False, f"{type(error).__name__}: {error}"
        results.append(("PASS" if ok else "FAIL", name, detail))
    with open(os.path.join(out_dir, "results.txt"), "a") as handle:
        for verdict, name, detail in results:
            line = f"{verdict} {name}" + (f" ({detail})" if verdict == "PASS" else f": {detail}")
            print(line)
            handle.write(line + "\n")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    speech = sub.add_parser("speech", help="make the speech file the scenarios play")
    speech.add_argument("out")
    speech.add_argument("--rate", type=int, default=16000)
    speech.add_argument("--text", default=DEFAULT_TEXT)
    check = sub.add_parser("analyze", help="compare what the guest recorded with what it played")
    check.add_argument("out_dir")
    check.add_argument("--bin", required=True, help="the livevoiced binary (its `audio process` runs the front end)")
    args = parser.parse_args()
    if args.command == "speech":
        make_speech(args.out, args.rate, args.text)
        return 0
    return analyze(args.out_dir, args.bin)


if __name__ == "__main__":
    sys.exit(main())
