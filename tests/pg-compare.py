#!/usr/bin/env python3
"""pg-compare.py EXPORT TABLE: compares a quarry store's export (quarry-index
--export, JSON Lines) with the rows of a quarry-pg table dumped by
tests/quarry-pg.test as JSON Lines (row_to_json of the columns, date in the
record format's normal form, embedding as text).  Each row is turned back
into a record: meta's fields, then the columns that are not NULL (date only
when meta has none).  Prints what differs (ids, fields, vectors beyond
1e-6) and exits 1 when anything does, else prints "N rows equal"."""
import json
import sys

COLS = ("id", "doc", "source", "title", "author", "page", "page_end",
        "headings", "text")


def row_record(row):
    rec = dict(row["meta"])
    for c in COLS:
        if row[c] is not None:
            rec[c] = row[c]
    if "date" not in rec and row["date"] is not None:
        rec["date"] = row["date"]
    rec["embedding"] = [float(x) for x in row["embedding"][1:-1].split(",")]
    return rec


def main():
    want = {}
    for line in open(sys.argv[1], encoding="utf-8"):
        r = json.loads(line)
        want[r["id"]] = r
    got = {}
    for line in open(sys.argv[2], encoding="utf-8"):
        if line.strip():
            r = row_record(json.loads(line))
            got[r["id"]] = r
    errors = []
    if not want and not got:
        errors.append("no rows, and nothing in the store")
    for i in sorted(set(want) - set(got)):
        errors.append("missing from the table: %s" % i)
    for i in sorted(set(got) - set(want)):
        errors.append("not in the store: %s" % i)
    for i in sorted(set(want) & set(got)):
        w, g = want[i], got[i]
        for k in sorted(set(w) | set(g)):
            if k not in g:
                errors.append("%s: field %s missing" % (i, k))
            elif k not in w:
                errors.append("%s: field %s not in the store: %r" % (i, k, g[k]))
            elif k == "embedding":
                if len(w[k]) != len(g[k]) or any(
                        abs(a - b) > 1e-6 for a, b in zip(w[k], g[k])):
                    errors.append("%s: vectors differ" % i)
            elif w[k] != g[k]:
                errors.append("%s: field %s: %r, table %r" % (i, k, w[k], g[k]))
    for e in errors[:20]:
        print(e)
    if errors:
        print("%d differences" % len(errors))
        return 1
    print("%d rows equal" % len(got))
    return 0


sys.exit(main())
