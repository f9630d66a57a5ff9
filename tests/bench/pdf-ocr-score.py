#!/usr/bin/env python3
"""pdf-ocr-score.py REF OCR: word accuracy of OCR text against the text
layer's, over lower-cased words (\\w+; white space, punctuation and Markdown
markers aside; hyphenated words are joined by the same layout engine in
both).  Prints: the accuracy in reading order, 1 - (word-level edit
distance / words of REF); the counts (words of REF, of OCR, edits); and the
accuracy whatever the order, the share of REF's words (as a multiset) that
OCR has -- tables read row by row by OCR and column by column in a text
layer differ in order only, which the first counts as errors."""
import re
import sys
from collections import Counter


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
common = sum((Counter(ref) & Counter(ocr)).values())
print("%.4f %d %d %d %.4f %d" % (1 - d / max(1, len(ref)), len(ref), len(ocr), d,
                                 common / max(1, len(ref)), common))
