#!/usr/bin/env python3
"""rerank-child.py: a re-ranking command for tests (quarry's command
protocol): reads {"id":N,"query":Q,"text":D} lines, answers [score] lines
in order, score as tests/rerank-server.py computes it.  Faults by argument:
  garbage    answers "oops" to the second line
  short      answers [] (no score)
  exit       exits after the first line
"""
import json
import re
import sys

WORD = re.compile(r"\w+")
fault = sys.argv[1] if len(sys.argv) > 1 else ""
for n, line in enumerate(sys.stdin):
    r = json.loads(line)
    q = set(WORD.findall(r["query"].lower()))
    d = set(WORD.findall(r["text"].lower()))
    s = len(q & d) + 1.0 / (2 + len(r["text"]))
    if fault == "garbage" and n == 1:
        print("oops", flush=True)
        continue
    if fault == "short":
        print("[]", flush=True)
        continue
    print(json.dumps([s]), flush=True)
    if fault == "exit":
        sys.exit(3)
