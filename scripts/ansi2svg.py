#!/usr/bin/env python3
"""Turns a terminal screen captured with its colours (`tmux capture-pane -e -p`) into an SVG
drawn on the terminal's cell grid: one rectangle per run of background colour, one <text>
per run of same-styled characters stretched to its cells, and box-drawing characters drawn
as lines (a font's own glyphs leave gaps between rows). Python 3 standard library only.

usage: scripts/ansi2svg.py COLS ROWS [TITLE] < screen.ans > screen.svg
"""
import re
import sys
import unicodedata
from xml.sax.saxutils import escape

CELL_W, CELL_H, FONT_SIZE, PAD = 8.4, 17.0, 14, 10
FONT = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace"
DEFAULT_FG, DEFAULT_BG = "#d0d0d0", "#1c1c22"
# The 16 named colours: black, red, green, yellow, blue, magenta, cyan, white, then bright.
NAMED = ["#1c1c22", "#d05050", "#40b070", "#d0b040", "#3a78d0", "#b060c0", "#30a8c0",
         "#c8c8c8", "#6a6a78", "#f07070", "#60d090", "#f0d060", "#6098f0", "#d080e0",
         "#60d0e0", "#ffffff"]


def indexed(n):
    """xterm's 256 colours: the named 16, a 6x6x6 cube, then 24 greys."""
    if n < 16:
        return NAMED[n]
    if n < 232:
        n -= 16
        levels = [0 if v == 0 else 55 + 40 * v for v in (n // 36, n // 6 % 6, n % 6)]
        return "#%02x%02x%02x" % tuple(levels)
    grey = 8 + 10 * (n - 232)
    return "#%02x%02x%02x" % (grey, grey, grey)


class Style:
    __slots__ = ("fg", "bg", "bold", "dim", "italic", "underline", "reverse")

    def __init__(self):
        self.fg = self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def copy(self):
        s = Style()
        for k in self.__slots__:
            setattr(s, k, getattr(self, k))
        return s

    def colours(self):
        """(foreground, background) as drawn, reverse video applied."""
        fg, bg = self.fg or DEFAULT_FG, self.bg
        if self.reverse:
            fg, bg = bg or DEFAULT_BG, fg
        return fg, bg

    def text_key(self):
        return (self.colours()[0], self.bold, self.dim, self.italic, self.underline)


def extended(params, i):
    """A 38/48/58 colour starting at params[i]; returns (colour or None, next index)."""
    if i + 1 < len(params) and params[i + 1] == 5 and i + 2 < len(params):
        return indexed(params[i + 2] % 256), i + 3
    if i + 1 < len(params) and params[i + 1] == 2 and i + 4 < len(params):
        r, g, b = (min(max(v, 0), 255) for v in params[i + 2:i + 5])
        return "#%02x%02x%02x" % (r, g, b), i + 5
    return None, len(params)


def apply_sgr(style, text):
    params = [int(p) if p.isdigit() else 0 for p in re.split("[;:]", text)] or [0]
    i = 0
    while i < len(params):
        p = params[i]
        if p == 0:
            style = Style()
        elif p == 1:
            style.bold = True
        elif p == 2:
            style.dim = True
        elif p == 3:
            style.italic = True
        elif p == 4:
            style.underline = True
        elif p == 7:
            style.reverse = True
        elif p == 22:
            style.bold = style.dim = False
        elif p == 23:
            style.italic = False
        elif p == 24:
            style.underline = False
        elif p == 27:
            style.reverse = False
        elif 30 <= p <= 37:
            style.fg = NAMED[p - 30]
        elif 90 <= p <= 97:
            style.fg = NAMED[p - 82]
        elif 40 <= p <= 47:
            style.bg = NAMED[p - 40]
        elif 100 <= p <= 107:
            style.bg = NAMED[p - 92]
        elif p == 39:
            style.fg = None
        elif p == 49:
            style.bg = None
        elif p in (38, 48, 58):
            colour, i = extended(params, i)
            if p == 38:
                style.fg = colour
            elif p == 48:
                style.bg = colour
            continue
        i += 1
    return style


def width(ch):
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def parse(text, cols, rows):
    """The screen as rows of cells: (text, Style) or None for the right half of a wide one."""
    grid = [[(" ", Style()) for _ in range(cols)] for _ in range(rows)]
    for y, line in enumerate(text.split("\n")[:rows]):
        style, x = Style(), 0
        for part in re.split(r"(\x1b\[[0-9;:]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\))", line):
            if part.startswith("\x1b"):
                if part.startswith("\x1b[") and part.endswith("m"):
                    style = apply_sgr(style.copy(), part[2:-1])
                continue
            for ch in part:
                if ch == "\r" or (ord(ch) < 32 and ch != "\t"):
                    continue
                w = width(ch)
                if w == 0:
                    base = x - 1 if x > 0 and grid[y][x - 1] else x - 2
                    if base >= 0 and grid[y][base]:
                        prev, st = grid[y][base]
                        grid[y][base] = (prev + ch, st)
                    continue
                if x + w > cols:
                    break
                grid[y][x] = (" " if ch == "\t" else ch, style)
                if w == 2:
                    grid[y][x + 1] = None
                x += w
    return grid


def box_arms(ch):
    """For a box-drawing character, its arms {up, right, down, left: 1 light | 2 heavy}."""
    if not "\u2500" <= ch <= "\u257f":
        return None
    name = unicodedata.name(ch, "")[len("BOX DRAWINGS "):]
    directions = {"UP": ["up"], "DOWN": ["down"], "LEFT": ["left"], "RIGHT": ["right"],
                  "VERTICAL": ["up", "down"], "HORIZONTAL": ["left", "right"]}
    parts = []
    for part in name.split(" AND "):
        weight, arms = None, []
        for word in part.split():
            if word in ("LIGHT", "HEAVY"):
                weight = 1 if word == "LIGHT" else 2
            elif word in directions:
                arms += directions[word]
            elif word != "ARC":
                return None  # dashes, doubles, diagonals: left to the font
        parts.append((weight, arms))
    found = [w for w, _ in parts if w]
    if not found:
        return None
    out, last = {}, found[0]
    for weight, arms in parts:
        last = weight or last
        for arm in arms:
            out[arm] = last
    return out


def box_lines(x, y, arms):
    """SVG line segments from the cell's centre to its edges, one per arm."""
    cx, cy = x + CELL_W / 2, y + CELL_H / 2
    ends = {"up": (cx, y), "down": (cx, y + CELL_H), "left": (x, cy), "right": (x + CELL_W, cy)}
    segs = []
    for arm, weight in arms.items():
        ex, ey = ends[arm]
        # Overlap the centre by half a stroke so that corners close.
        half = (1.0 if weight == 1 else 2.2) / 2
        sx = cx + (half if ex > cx else -half if ex < cx else 0)
        sy = cy + (half if ey > cy else -half if ey < cy else 0)
        segs.append((weight, "M%.1f %.1fL%.1f %.1f" % (2 * cx - sx, 2 * cy - sy, ex, ey)))
    return segs


def render(grid, cols, rows, title):
    w, h = cols * CELL_W + 2 * PAD, rows * CELL_H + 2 * PAD
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" '
           'viewBox="0 0 %.1f %.1f" font-family="%s" font-size="%d">' % (w, h, w, h, FONT, FONT_SIZE),
           "<title>%s</title>" % escape(title),
           '<rect width="100%%" height="100%%" rx="6" fill="%s"/>' % DEFAULT_BG]
    backgrounds, lines, texts = [], {}, []
    for y, row in enumerate(grid):
        top = PAD + y * CELL_H
        x = 0
        while x < cols:  # background runs
            cell = row[x]
            bg = cell[1].colours()[1] if cell else None
            end = x + 1
            while end < cols and (row[end] is None or row[end][1].colours()[1] == bg):
                end += 1
            if bg:
                backgrounds.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                                   % (PAD + x * CELL_W, top, (end - x) * CELL_W, CELL_H, bg))
            x = end
        x = 0
        while x < cols:  # text runs and box lines
            cell = row[x]
            if cell is None or cell[0] == " ":
                x += 1
                continue
            ch, style = cell
            arms = box_arms(ch)
            if arms:
                for weight, seg in box_lines(PAD + x * CELL_W, top, arms):
                    lines.setdefault((style.colours()[0], weight), []).append(seg)
                x += 1
                continue
            key, end, chars = style.text_key(), x, []
            while end < cols:
                c = row[end]
                if c is None:
                    end += 1
                    continue
                if box_arms(c[0]) or (c[0] != " " and c[1].text_key() != key):
                    break
                if width(c[0][0]) == 2 and chars:
                    break
                chars.append(c[0])
                end += 1
                if width(c[0][0]) == 2:
                    break
            while chars and chars[-1] == " ":
                chars.pop()
                end -= 1
            fg, bold, dim, italic, underline = key
            attrs = ['x="%.1f"' % (PAD + x * CELL_W), 'y="%.1f"' % (top + CELL_H * 0.78),
                     'fill="%s"' % fg]
            if width(chars[0][0]) == 1:
                attrs.append('textLength="%.1f" lengthAdjust="spacingAndGlyphs"'
                             % ((end - x) * CELL_W))
            if bold:
                attrs.append('font-weight="bold"')
            if dim:
                attrs.append('opacity="0.6"')
            if italic:
                attrs.append('font-style="italic"')
            if underline:
                attrs.append('text-decoration="underline"')
            texts.append("<text %s>%s</text>" % (" ".join(attrs), escape("".join(chars))))
            x = end
    out.append('<g shape-rendering="crispEdges">%s</g>' % "".join(backgrounds))
    for (colour, weight), segs in sorted(lines.items()):
        out.append('<path stroke="%s" stroke-width="%s" fill="none" d="%s"/>'
                   % (colour, "1.2" if weight == 1 else "2.4", "".join(segs)))
    out.append('<g xml:space="preserve">%s</g>' % "\n".join(texts))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cols, rows = int(sys.argv[1]), int(sys.argv[2])
    title = sys.argv[3] if len(sys.argv) > 3 else "terminal %dx%d" % (cols, rows)
    text = sys.stdin.buffer.read().decode("utf-8", "replace")
    sys.stdout.write(render(parse(text, cols, rows), cols, rows, title))


if __name__ == "__main__":
    main()
