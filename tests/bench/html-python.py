#!/usr/bin/python3
"""html-python.py: runs a Python peer (html2text or BeautifulSoup get_text)
over HTML files and prints the benchmark's prediction JSON on stdout, the
seconds spent on stderr.  Used by tests/bench/html.sh.
Usage: html-python.py html2text|bs4 FILE..."""
import json, os, sys, time

tool, files = sys.argv[1], sys.argv[2:]
if tool == 'html2text':
    import html2text
    def run(s):
        h = html2text.HTML2Text()
        h.ignore_links = True
        h.ignore_images = True
        h.body_width = 0
        return h.handle(s)
else:
    from bs4 import BeautifulSoup
    def run(s):
        return BeautifulSoup(s, 'html.parser').get_text()
out = {}
t0 = time.perf_counter()
for f in files:
    with open(f, encoding='utf8', errors='replace') as fp:
        s = fp.read()
    try:
        out[os.path.basename(f).split('.')[0]] = {'articleBody': run(s)}
    except Exception:
        out[os.path.basename(f).split('.')[0]] = {'articleBody': ''}
print(time.perf_counter() - t0, file=sys.stderr)
json.dump(out, sys.stdout)
