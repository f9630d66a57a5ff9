#!/usr/bin/python3
"""chunk-score.py: scores the chunks of any chunker against the documents
they came from, the same way for every tool.

usage: chunk-score.py DOCS.jsonl CHUNKS.jsonl

DOCS.jsonl holds records with "doc" and "text"; CHUNKS.jsonl one object a
line with "doc" and "text" (the chunk), in document order.  Prints one line:

    CHUNKS MID_SENTENCE_PCT MID_WORD_PCT FFFD UNLOCATED

Each chunk is first located in its document: searched for verbatim from
just after the start of the previous chunk; a chunk whose text was altered
by its tool (white space joined or trimmed) is located by its last 40
characters instead; one that cannot be located at all is counted in
UNLOCATED and as ending mid-sentence.

A chunk ENDS MID-SENTENCE when all of these hold:
  - its last non-space character, after stripping closing quotes, brackets
    and Markdown emphasis (" ' ) ] } > * _ ` and their typographic and CJK
    forms), is not terminal punctuation (. ! ? and the ellipsis, and the
    terminators of other scripts: the ideographic full stop, full-width ! ?,
    Devanagari danda, Arabic question mark and full stop, Ethiopic full
    stop, Armenian full stop);
  - the document does not end there (only white space follows);
  - the document does not continue with a paragraph break there: after
    optional spaces and tabs, a blank line (newline, optional spaces or
    tabs, newline) or a form feed.  A single newline is not enough: in
    hard-wrapped text it is a soft wrap inside a sentence.
So a chunk that ends with a heading, a list item or a code line followed by
a blank line is fine, and one that stops at a wrapped line end is not.

A chunk ENDS MID-WORD when its last non-space character and the document's
next character are both letters or digits.  FFFD counts chunks holding a
U+FFFD REPLACEMENT CHARACTER whose document holds none.
"""
import json
import sys

TERMINAL = set(".!?\u2026\u3002\uff01\uff1f\uff0e\u0964\u0965\u061f\u06d4"
               "\u1362\u0589\u203c\u2047\u2048\u2049")
CLOSERS = set("\"')]}>*_`\u201d\u2019\u00bb\u203a\u300d\u300f\uff09"
              "\uff3d\u3011\u3009\u300b\u3015")
SPACE = " \t\r\n\f\v\u00a0\u2028\u2029\u3000"


def ends_sentence(chunk):
    t = chunk.rstrip(SPACE)
    while t and t[-1] in CLOSERS:
        t = t[:-1]
    return bool(t) and t[-1] in TERMINAL


def paragraph_break(text, end):
    n = len(text)
    i = end
    while i < n and text[i] in " \t\r":
        i += 1
    if i >= n or text[i] == "\f":
        return True
    if text[i] != "\n":
        return False
    i += 1
    while i < n and text[i] in " \t\r":
        i += 1
    return i >= n or text[i] in "\n\f"


def main():
    docs = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            docs[r["doc"]] = r["text"]
    total = mid_s = mid_w = fffd = unloc = 0
    cur_doc, cursor = None, 0
    with open(sys.argv[2], encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            doc, chunk = r["doc"], r["text"]
            text = docs[doc]
            if doc != cur_doc:
                cur_doc, cursor = doc, 0
            body = chunk.strip(SPACE)
            if not body:
                continue
            total += 1
            if "\ufffd" in body and "\ufffd" not in text:
                fffd += 1
            pos = text.find(body, cursor)
            if pos >= 0:
                end = pos + len(body)
                cursor = pos + 1
            else:
                tail = body[-40:]
                pos = text.find(tail, cursor)
                if pos < 0:
                    unloc += 1
                    mid_s += 1
                    continue
                end = pos + len(tail)
                cursor = pos + 1
            if text[end:].strip(SPACE) == "":
                continue
            if not ends_sentence(body) and not paragraph_break(text, end):
                mid_s += 1
            if end < len(text) and body[-1].isalnum() and text[end].isalnum():
                mid_w += 1
    pct = lambda k: 100.0 * k / total if total else 0.0
    print(f"{total} {pct(mid_s):.2f} {pct(mid_w):.2f} {fffd} {unloc}")


if __name__ == "__main__":
    main()
