#!/usr/bin/env python3
"""kiln-bench --html (ctest bench.html_report): the page is one self-contained HTML file (no
scripts, no external resources) whose table has a row per workload run, with a bar chart
per workload; every inline SVG is well-formed XML; the C1 chart is there when first calls
were measured.

    bench_html_check.py PAGE WORKLOAD...
"""
import re
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

path, workloads = sys.argv[1], sys.argv[2:]
page = open(path, encoding="utf-8").read()


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.rows, self.external = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith("#"):
                self.external.append(value)


tags = Tags()
tags.feed(page)
tags.close()
if "script" in tags.tags or tags.external:
    sys.exit(f"not self-contained: scripts {tags.tags.count('script')}, links {tags.external}")
if not page.startswith("<!DOCTYPE html>") or "</html>" not in page:
    sys.exit("not a whole HTML page")
svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
for i, svg in enumerate(svgs):
    try:
        ET.fromstring(svg)
    except ET.ParseError as e:
        sys.exit(f"SVG {i} is not well-formed: {e}")
for w in workloads:
    if not re.search(rf"<tr><td>{w} ", page):
        sys.exit(f"no table row for {w}")
    if not re.search(rf"<h3>{w} .*?</h3>\s*<div class=\"chart\"><svg", page):
        sys.exit(f"no chart for {w}")
if "<h2>C1: first calls</h2>" not in page:
    sys.exit("no C1 chart")
print(f"{len(svgs)} charts, rows for {' '.join(workloads)}")
