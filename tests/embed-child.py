#!/usr/bin/env python3
"""embed-child.py: a small embedder for quarry-embed --command tests.

Reads {"text": ...} lines on standard input and answers each with the same
vector as tests/embed-server.py (a JSON array a line).  Options:
  --dims N        dimensions (default 8)
  --die-after N   exit with status 3 after N answers
  --bad TEXT      answer a malformed line for TEXT
  --hang TEXT     stop answering (sleep) when TEXT arrives
  --ids           answer {"id": ID, "embedding": [...]} with the request's id
  --banner        print a log line before reading anything
  --banner-json   print {"status": "ready"} before reading anything
  --stray TEXT    print a log line (not JSON) before the answer for TEXT
  --stray-json TEXT  print {"status": "busy"} before the answer for TEXT
  --stray-vector TEXT  print a vector of the right size (for another text)
                  before the answer for TEXT; with --ids, under a wrong id
  --empty TEXT    answer [] for TEXT
  --close-after N close standard output after N answers and sleep 30 s
"""

import argparse
import json
import os
import sys
import time


def vector(text, dims):
    s = sum(ord(c) for c in text)
    n = len(text)
    return [((s * (j + 1) + 31 * n * j) % 2001 - 1000) / 1024.0
            for j in range(dims)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dims", type=int, default=8)
    ap.add_argument("--die-after", type=int, default=-1)
    ap.add_argument("--bad")
    ap.add_argument("--hang")
    ap.add_argument("--ids", action="store_true")
    ap.add_argument("--banner", action="store_true")
    ap.add_argument("--banner-json", action="store_true")
    ap.add_argument("--stray")
    ap.add_argument("--stray-json")
    ap.add_argument("--stray-vector")
    ap.add_argument("--empty")
    ap.add_argument("--close-after", type=int, default=-1)
    args = ap.parse_args()
    out = sys.stdout
    if args.banner:
        out.write("Warning: model loaded on CPU\n")
        out.flush()
    if args.banner_json:
        out.write('{"status": "ready"}\n')
        out.flush()

    def answer(rid, vec):
        if args.ids:
            return json.dumps({"id": rid, "embedding": vec}) + "\n"
        return json.dumps(vec) + "\n"

    answered = 0
    for line in sys.stdin:
        if answered == args.die_after:
            sys.exit(3)
        if answered == args.close_after:
            out.close()
            os.close(1)
            time.sleep(30)
            sys.exit(0)
        req = json.loads(line)
        text, rid = req["text"], req.get("id")
        if text == args.hang:
            time.sleep(30)
        msg = ""
        if text == args.stray:
            msg += "Warning: %s is slow\n" % text
        if text == args.stray_json:
            msg += '{"status": "busy"}\n'
        if text == args.stray_vector:
            msg += answer(rid + 1000 if args.ids else rid,
                          vector("stray", args.dims))
        if text == args.bad:
            msg += "[1.0, oops]\n"
        elif text == args.empty:
            msg += answer(rid, [])
        else:
            msg += answer(rid, vector(text, args.dims))
        out.write(msg)
        out.flush()
        answered += 1


if __name__ == "__main__":
    main()
