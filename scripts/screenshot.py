#!/usr/bin/env python3
"""Takes the README's screenshot from the real console: runs `execmux demo` in tmux, opens a
few tabs, captures the pane with its colours (tmux capture-pane -e) and draws it into a PNG
with DejaVu Sans Mono. Needs root, tmux, python3-pil (or pip's pillow) and a built execmux.

usage: scripts/screenshot.py [path/to/execmux] [assets/screenshot.png]
"""
import re
import subprocess
import sys
import time

from PIL import Image, ImageDraw, ImageFont

EXE = sys.argv[1] if len(sys.argv) > 1 else "target/release/execmux"
OUT = sys.argv[2] if len(sys.argv) > 2 else "assets/screenshot.png"
COLS, ROWS = 160, 44
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"

# xterm's 16 colours, then the 6x6x6 cube and the grey ramp.
BASE = [(0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188),
        (17, 168, 205), (229, 229, 229), (102, 102, 102), (241, 76, 76), (35, 209, 139),
        (245, 245, 67), (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255)]
PALETTE = BASE + [(r and r * 40 + 55, g and g * 40 + 55, b and b * 40 + 55)
                  for r in range(6) for g in range(6) for b in range(6)] + \
          [(8 + 10 * i,) * 3 for i in range(24)]
FG, BG = (220, 220, 220), (24, 24, 28)


def tmux(*args):
    return subprocess.run(["tmux", "-L", "execmux-shot", *args], check=True,
                          capture_output=True, text=True).stdout


def keys(*k, pause=0.6):
    tmux("send-keys", "-t", "shot", *k)
    time.sleep(pause)


def drive():
    tmux("new-session", "-d", "-s", "shot", "-x", str(COLS), "-y", str(ROWS),
         f"TERM=xterm-256color {EXE} demo")
    time.sleep(4)
    keys("Down", "Enter", pause=2)                      # web: a shell
    keys("wget -qO- localhost; ls -l --color=always /bin | head -n 12", "Enter", pause=1.5)
    keys("C-p", "C-q")                                  # detach, it keeps running
    keys("Down", "e")                                   # worker: the form
    keys("tail -f /tmp/worker.log", "Enter", pause=3)
    keys("C-p", "C-q")
    keys("Up", "Tab")                                   # web's execs
    keys("[", pause=1)                                  # back to the shell tab
    return tmux("capture-pane", "-p", "-e", "-t", "shot")


def colour(params, i):
    """Reads a 38/48 colour at params[i]; returns (rgb, next index)."""
    if params[i + 1] == 5:
        return PALETTE[params[i + 2]], i + 3
    return tuple(params[i + 2:i + 5]), i + 5


def render(text):
    font, bold = ImageFont.truetype(FONT, 15), ImageFont.truetype(BOLD, 15)
    cw, ch = int(font.getlength("M")), 19
    img = Image.new("RGB", (COLS * cw + 24, ROWS * ch + 24), BG)
    draw = ImageDraw.Draw(img)
    for row, line in enumerate(text.split("\n")[:ROWS]):
        fg, bg, is_bold, rev, col = FG, None, False, False, 0
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            if part.startswith("\x1b["):
                params = [int(p) if p else 0 for p in part[2:-1].split(";")]
                i = 0
                while i < len(params):
                    p = params[i]
                    if p == 0:
                        fg, bg, is_bold, rev = FG, None, False, False
                    elif p == 1:
                        is_bold = True
                    elif p == 7:
                        rev = True
                    elif p == 22:
                        is_bold = False
                    elif p == 27:
                        rev = False
                    elif 30 <= p <= 37 or 90 <= p <= 97:
                        fg = BASE[p - 30 if p < 90 else p - 82]
                    elif 40 <= p <= 47 or 100 <= p <= 107:
                        bg = BASE[p - 40 if p < 100 else p - 92]
                    elif p == 39:
                        fg = FG
                    elif p == 49:
                        bg = None
                    elif p in (38, 48):
                        c, i = colour(params, i)
                        fg, bg = (c, bg) if p == 38 else (fg, c)
                        continue
                    i += 1
                continue
            for chr_ in part:
                f, b = (bg or BG, fg) if rev else (fg, bg)
                x, y = 12 + col * cw, 12 + row * ch
                if b:
                    draw.rectangle([x, y, x + cw, y + ch], fill=b)
                draw.text((x, y + 1), chr_, font=bold if is_bold else font, fill=f)
                col += 1
    img.save(OUT)


if __name__ == "__main__":
    try:
        render(drive())
    finally:
        subprocess.run(["tmux", "-L", "execmux-shot", "send-keys", "-t", "shot", "q", "y"])
        time.sleep(3)
        subprocess.run(["tmux", "-L", "execmux-shot", "kill-server"])
    print(f"wrote {OUT}")
