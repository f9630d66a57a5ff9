#!/usr/bin/python3
# tests/search-ref.py: an independent brute-force reference for quarry-search.
#
# usage: search-ref.py EXPORT QUERIES K [--since D] [--until D] [--field F]
#            [--author T] [--where F=V]... [--source GLOB]
#
# EXPORT is "quarry-index --export" output (chunk records with their
# "embedding"); QUERIES holds JSON Lines with an "embedding" each.  For every
# query it prints "id score" lines of the best K chunks by cosine similarity
# (computed here in double precision, ties by id), then a line "--".  The
# filters follow man/quarry-search.1: dates compare over the shorter of the
# two strings, authors by case-folded substring, where by exact string
# equality, source by glob.  Bounds are given in their normal form.
import fnmatch
import json
import math
import struct
import sys
import unicodedata

exp, qfile, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
args = sys.argv[4:]
since = until = author = source = None
field = "date"
where = []
i = 0
while i < len(args):
    a, v = args[i], args[i + 1]
    if a == "--since": since = v
    elif a == "--until": until = v
    elif a == "--field": field = v
    elif a == "--author": author = v
    elif a == "--where": where.append(v.split("=", 1))
    elif a == "--source": source = v
    else: sys.exit("bad option " + a)
    i += 2


def fold(s):
    return unicodedata.normalize("NFC", s).casefold()


def dcmp(a, b):
    n = min(len(a), len(b))
    return (a[:n] > b[:n]) - (a[:n] < b[:n])


def keep(r):
    if since is not None or until is not None:
        d = r.get(field)
        if not isinstance(d, str) or not d[:1].isdigit():
            return False
        if since is not None and dcmp(d, since) < 0:
            return False
        if until is not None and dcmp(d, until) > 0:
            return False
    if author is not None:
        a = r.get("author")
        if not isinstance(a, str) or fold(author) not in fold(a):
            return False
    for f, v in where:
        if r.get(f) != v:
            return False
    if source is not None:
        s = r.get("source")
        if not isinstance(s, str) or not fnmatch.fnmatchcase(s, source):
            return False
    return True


def f32(v):
    """The float32 values a vector printed with %.9g stands for."""
    return list(struct.unpack("%df" % len(v), struct.pack("%df" % len(v), *v)))


recs = [json.loads(l) for l in open(exp, encoding="utf-8") if l.strip()]
recs = [r for r in recs if keep(r)]
for r in recs:
    r["embedding"] = f32(r["embedding"])
for line in open(qfile, encoding="utf-8"):
    q = f32(json.loads(line)["embedding"])
    qn = math.sqrt(sum(x * x for x in q))
    res = []
    for r in recs:
        v = r["embedding"]
        vn = math.sqrt(sum(x * x for x in v))
        dot = sum(a * b for a, b in zip(q, v))
        res.append((-(dot / (qn * vn)) if vn > 0 else 0.0, r["id"]))
    res.sort()
    for s, id_ in res[:k]:
        print("%s %.9f" % (id_, -s))
    print("--")
