#!/usr/bin/env python3
"""pdf-headings.py: quarry-pdf's headings against the outlines (bookmarks) of
real manuals, and the share of chunks that come from contents and index
pages.  Run by tests/bench/pdf.sh (make bench), which installs the Debian
documentation packages and builds pdf-outline.c.

usage: pdf-headings.py QUARRY_PDF QUARRY_CHUNK PDF_OUTLINE [--baseline OLD_QUARRY_PDF] PDF...

Headings: every "#" line of quarry-pdf's text against the outline titles
(compared on their letters and digits, lower-cased, section numbers such as
"2.7.5" or "A.1" aside).
Precision: the share of heading lines that are outline titles (of any
level); recall: the share of the outline's titles of levels 1-3 that are
heading lines.  Contents: the documents are chunked (quarry-chunk --size
512) and a chunk counts as contents/index when most of its lines refer to
pages (dot leaders, a trailing page number, "term, 12, 45")."""
import json, re, subprocess, sys
from collections import Counter

args = sys.argv[1:]
Q, CHUNK, OUTLINE = args[:3]
args = args[3:]
base = None
if args and args[0] == '--baseline':
    base, args = args[1], args[2:]
pdfs = args

NUM = re.compile(r'^(\d+|[A-Z])(\.\d+)*\.?(\s+|$)')
def key(s):
    """Letters and digits, lower-cased, without a leading section number
    ("2.7.5 ", "A.1 ", "B ") unless nothing else is left."""
    k = ''.join(c for c in s.casefold() if c.isalnum())
    m = NUM.match(s.strip())
    core = ''.join(c for c in s.strip()[m.end():].casefold() if c.isalnum()) if m else k
    return core or k

def text_of(q, pdf, *opts):
    r = subprocess.run([q, '-q', *opts, pdf], capture_output=True, text=True)
    return r.stdout

def headings(out):
    hs = []
    for rec in out.splitlines():
        for l in json.loads(rec)['text'].split('\n'):
            m = re.match(r'(#{1,6}) (.*)', l.replace('\f', ''))
            if m:
                hs.append(m.group(2))
    return hs

REF = re.compile(r'(\.\s?){3,}|\u2026|[\s.,]((\d{1,4})|[ivxlc]{1,6})\s*$')
def contents_share(out):
    r = subprocess.run([CHUNK, '--size', '512'], input=out, capture_output=True, text=True)
    n = toc = 0
    for l in r.stdout.splitlines():
        t = json.loads(l).get('text', '')
        lines = [x for x in t.split('\n') if x.strip() and not x.startswith('#')]
        n += 1
        if len(lines) >= 3 and sum(1 for x in lines if REF.search(x)) * 2 > len(lines):
            toc += 1
    return toc, n

def score(q, label):
    TP = HP = RT = RF = 0
    toc = chunks = 0
    rows = []
    for pdf in pdfs:
        ol = subprocess.run([OUTLINE, pdf], capture_output=True, text=True).stdout
        ents = [l.split('\t', 2) for l in ol.splitlines() if l.count('\t') >= 2]
        alltitles = Counter(key(t) for _, _, t in ents)
        top = Counter(key(t) for lv, _, t in ents if int(lv) <= 3)
        out = text_of(q, pdf)
        hs = Counter(key(h) for h in headings(out))
        tp = sum((hs & alltitles).values())
        found = sum((hs & top).values())
        TP += tp; HP += sum(hs.values()); RF += found; RT += sum(top.values())
        t, c = contents_share(out)
        toc += t; chunks += c
        rows.append((pdf.rsplit('/', 1)[-1], sum(hs.values()), tp / max(1, sum(hs.values())),
                     found / max(1, sum(top.values())), sum(top.values()), t, c))
    print('\n%s:' % label)
    print('  %-34s %9s %9s %9s %7s %12s' % ('manual', 'headings', 'precision', 'recall', 'titles', 'toc chunks'))
    for r in rows:
        print('  %-34s %9d %9.3f %9.3f %7d %6d/%-5d' % r)
    p, r = TP / max(1, HP), RF / max(1, RT)
    print('  %-34s %9d %9.3f %9.3f %7d %6d/%-5d = %.1f%%' % ('ALL (micro)', HP, p, r, RT, toc, chunks, 100.0 * toc / max(1, chunks)))
    return p, r, toc / max(1, chunks)

p, r, share = score(Q, 'quarry-pdf')
print('\nheading precision %.3f (target >= 0.90), recall %.3f (target >= 0.85); chunks from contents/index pages %.1f%%' % (p, r, 100 * share))
if base:
    bp, br, bshare = score(base, 'baseline %s' % base)
    print('\nbaseline: heading precision %.3f, recall %.3f; chunks from contents/index pages %.1f%%' % (bp, br, 100 * bshare))
