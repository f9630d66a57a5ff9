#!/usr/bin/env python3
"""embed-child.py: a small embedder for quarry-embed --command tests.

Reads {"text": ...} lines on standard input and answers each with the same
vector as tests/embed-server.py (a JSON array a line).  Options:
  --dims N        dimensions (default 8)
  --die-after N   exit with status 3 after N answers
  --bad TEXT      answer a malformed line for TEXT
  --hang TEXT     stop answering (sleep) when TEXT arrives
"""

import argparse
import json
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
    args = ap.parse_args()
    answered = 0
    for line in sys.stdin:
        if answered == args.die_after:
            sys.exit(3)
        text = json.loads(line)["text"]
        if text == args.hang:
            time.sleep(30)
        if text == args.bad:
            sys.stdout.write("[1.0, oops]\n")
        else:
            sys.stdout.write(json.dumps(vector(text, args.dims)) + "\n")
        sys.stdout.flush()
        answered += 1


if __name__ == "__main__":
    main()
