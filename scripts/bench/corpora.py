#!/usr/bin/env python3
"""Writes the benchmark corpora (deterministic: the same bytes on every run) and the writer
script into DIR, which the sandbox container sees as /bench:

  seq.txt   seq-like numbered lines, ~20 MB
  od.txt    od -x-like hex dump lines of seeded random bytes, ~15 MB
  sgr.txt   a 256-colour SGR before every character, ~20 MB
  wide.txt  wide (CJK, Hangul, kana) text, 2 cells per character, ~20 MB
  run.sh    `sh /bench/run.sh FILE TAG`: cats FILE between two $EPOCHREALTIME stamps
            written to /tmp/TAG.s and /tmp/TAG.e

usage: corpora.py DIR [SCALE]   (SCALE multiplies every size; default 1)
"""
import os
import random
import sys

RUN_SH = """\
# The writer: stamps (microseconds, the host's clock) around one cat of the corpus.
echo $EPOCHREALTIME > /tmp/$2.s
cat /bench/$1
echo $EPOCHREALTIME > /tmp/$2.e
"""


def seq(size):
    out, n, total = [], 1, 0
    while total < size:
        line = b"%d\n" % n
        out.append(line)
        total += len(line)
        n += 1
    return b"".join(out)


def od(size):
    rng = random.Random(1)
    lines, off, total = [], 0, 0
    while total < size:
        raw = rng.randbytes(16)
        words = " ".join(raw[i + 1:i + 2].hex() + raw[i:i + 1].hex() for i in range(0, 16, 2))
        line = b"%07o %s\n" % (off, words.encode())
        lines.append(line)
        total += len(line)
        off += 16
    return b"".join(lines)


def sgr(size):
    rng = random.Random(2)
    chars = b"abcdefghijklmnopqrstuvwxyz0123456789.,;:-+=*/()"
    cells = [b"\x1b[38;5;%dm%c" % (c, ch) for c in range(256) for ch in chars]
    lines, total = [], 0
    while total < size:
        line = b"".join(rng.choices(cells, k=160)) + b"\x1b[0m\n"
        lines.append(line)
        total += len(line)
    return b"".join(lines)


def wide(size):
    rng = random.Random(3)
    ranges = [(0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x3041, 0x3096), (0x30A1, 0x30FA)]
    chars = [chr(c).encode() for lo, hi in ranges for c in range(lo, hi + 1)]
    lines, total = [], 0
    while total < size:
        line = b"".join(rng.choices(chars, k=90)) + b"\n"
        lines.append(line)
        total += len(line)
    return b"".join(lines)


CORPORA = {"seq": (seq, 20_000_000), "od": (od, 15_000_000), "sgr": (sgr, 20_000_000),
           "wide": (wide, 20_000_000)}


def generate(out, names=tuple(CORPORA), scale=1.0):
    """Writes the named corpora (NAME.txt) and run.sh into `out`; returns {name: bytes}."""
    os.makedirs(out, exist_ok=True)
    sizes = {}
    for name in names:
        make, size = CORPORA[name]
        data = make(int(size * scale))
        with open(os.path.join(out, f"{name}.txt"), "wb") as f:
            f.write(data)
        sizes[name] = len(data)
        print(f"bench: corpus {name}.txt: {len(data) / 1e6:.1f} MB", file=sys.stderr)
    with open(os.path.join(out, "run.sh"), "w") as f:
        f.write(RUN_SH)
    return sizes


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    generate(sys.argv[1], scale=float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)


if __name__ == "__main__":
    main()
