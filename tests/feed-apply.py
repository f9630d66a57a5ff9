#!/usr/bin/env python3
"""feed-apply.py STATE [FEED...]: a minimal change-feed consumer (man/quarry.7,
CHANGE FEED) for the tests, standing in for a database: it keeps the chunks
by id in the directory STATE (records, one file, and the last seq applied),
applies each FEED (or standard input) in order, and prints the chunks it
holds, sorted, as quarry-index --export prints them (the text of each upsert
line without its "change" and "seq" members).  It checks what a consumer may
rely on: seqs increase strictly (a snapshot's upserts all carry the
snapshot's seq), a delete names the doc, and every line is valid JSON."""
import json
import os
import re
import sys

state = sys.argv[1]
os.makedirs(state, exist_ok=True)
recs_path = os.path.join(state, "records")
seq_path = os.path.join(state, "seq")
recs = {}
if os.path.exists(recs_path):
    with open(recs_path, encoding="utf-8") as f:
        for line in f:
            recs[json.loads(line)["id"]] = line.rstrip("\n")
last = int(open(seq_path).read()) if os.path.exists(seq_path) else 0
prefix = re.compile(r'^\{"change":"upsert","seq":[0-9]+,')


def fail(msg):
    sys.exit("feed-apply.py: " + msg)


snapshot = None
for name in sys.argv[2:] or ["-"]:
    f = sys.stdin if name == "-" else open(name, encoding="utf-8")
    for n, line in enumerate(f, 1):
        line = line.rstrip("\n")
        c = json.loads(line)
        kind, seq = c["change"], c["seq"]
        if kind == "snapshot":
            recs.clear()
            snapshot = seq
            last = seq
            continue
        if snapshot is not None:
            if kind != "upsert" or seq != snapshot:
                fail("%s:%d: a snapshot holds upserts of its seq only" % (name, n))
        elif seq <= last:
            fail("%s:%d: seq %d after %d" % (name, n, seq, last))
        last = seq
        if kind == "upsert":
            m = prefix.match(line)
            if not m:
                fail("%s:%d: an upsert starts with change and seq" % (name, n))
            recs[c["id"]] = "{" + line[m.end():]
        elif kind == "delete":
            if set(c) != {"change", "seq", "id", "doc"}:
                fail("%s:%d: a delete has change, seq, id and doc" % (name, n))
            recs.pop(c["id"], None)
        else:
            fail("%s:%d: unknown change %r" % (name, n, kind))
    if f is not sys.stdin:
        f.close()
with open(recs_path, "w", encoding="utf-8") as f:
    for line in recs.values():
        f.write(line + "\n")
with open(seq_path, "w") as f:
    f.write("%d\n" % last)
for line in sorted(recs.values()):
    print(line)
