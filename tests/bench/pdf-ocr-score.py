#!/usr/bin/env python3
"""pdf-ocr-score.py REF OCR: word accuracy of OCR text against the text
layer's: 1 - (word-level edit distance / words of REF), over lower-cased
words (\\w+), Markdown markers ignored.  Prints the accuracy and the counts."""
import re
import sys


def words(path):
    return re.findall(r"\w+", open(path, encoding="utf-8", errors="replace").read().lower())


def distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


ref, ocr = words(sys.argv[1]), words(sys.argv[2])
d = distance(ref, ocr)
print("%.4f %d %d %d" % (1 - d / max(1, len(ref)), len(ref), len(ocr), d))
