#!/usr/bin/env python3
"""Opens HTML pages in headless Chromium (Debian's chromium), takes a screenshot of each and
checks that it is not blank (several colours, a fair share of non-white pixels) and that the
page logged nothing to the console (our pages have no scripts: a console line is a failed
resource or a parse error). Exits 77 (skipped) when Chromium is not installed.

    html_screenshot_check.py PAGE...
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if not chromium:
    print("skipped: Chromium is not installed (apt-get install chromium)")
    sys.exit(77)


def png_pixels(path):
    """(width, height, bytes per pixel, rows of raw bytes) of an 8-bit RGB or RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = header[:4]
    if depth != 8 or colour not in (2, 6):
        raise ValueError(f"unexpected PNG format: depth {depth}, colour type {colour}")
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


failed = False
with tempfile.TemporaryDirectory() as tmp:
    for page in sys.argv[1:]:
        shot = os.path.join(tmp, "shot.png")
        run = subprocess.run(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--window-size=1200,1400", "--enable-logging=stderr", "--v=0",
             f"--user-data-dir={tmp}/profile", f"--screenshot={shot}",
             "file://" + os.path.abspath(page)],
            capture_output=True, text=True, timeout=120)
        console = [l for l in run.stderr.splitlines() if "CONSOLE" in l]
        if run.returncode != 0 or not os.path.exists(shot):
            print(f"FAIL {page}: chromium exited {run.returncode}\n{run.stderr[-2000:]}")
            failed = True
            continue
        width, height, bpp, rows = png_pixels(shot)
        colours, inked = set(), 0
        for row in rows[::4]:
            for x in range(0, width * bpp, bpp * 4):
                px = row[x:x + 3]
                colours.add(px)
                inked += px != b"\xff\xff\xff"
        sampled = ((height + 3) // 4) * ((width + 3) // 4)
        share = inked / sampled
        ok = len(colours) >= 8 and share >= 0.01 and not console
        print(f"{'ok  ' if ok else 'FAIL'} {page}: {width}x{height}, {len(colours)} colours, "
              f"{100 * share:.1f}% inked, {len(console)} console lines")
        for line in console:
            print("    " + line)
        failed |= not ok
sys.exit(1 if failed else 0)
