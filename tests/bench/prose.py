#!/usr/bin/python3
"""prose.py: gathers real prose from the machine's documentation into one
JSON Lines file of document records, for the benchmarks.

Sources, in order, until the size is reached: the English manual pages
(rendered to text with mandoc: hard-wrapped prose with sections), then the
text files under /usr/share/doc (READMEs, changelogs, copyright files).
Invalid UTF-8 is dropped; each source file is one document.

usage: prose.py OUT.jsonl [MEGABYTES]
"""
import glob, gzip, json, os, subprocess, sys

out, want = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 64
want *= 1000 * 1000
total = 0

def emit(f, name, text):
    global total
    text = text.replace("\r", "")
    if len(text.strip()) < 200:
        return
    f.write(json.dumps({"doc": name, "text": text}, ensure_ascii=False) + "\n")
    total += len(text.encode())

with open(out + ".tmp", "w", encoding="utf-8") as f:
    pages = sorted(glob.glob("/usr/share/man/man[1-8]/*"))
    for p in pages:
        if total >= want:
            break
        try:
            r = subprocess.run(["mandoc", "-Tutf8", "-Owidth=78", p],
                               capture_output=True, timeout=20)
            col = subprocess.run(["col", "-bx"], input=r.stdout,
                                 capture_output=True, timeout=20)
        except Exception:
            continue
        emit(f, p, col.stdout.decode("utf-8", "ignore"))
    for p in sorted(glob.glob("/usr/share/doc/**/*", recursive=True)):
        if total >= want:
            break
        if not os.path.isfile(p) or os.path.islink(p):
            continue
        base = os.path.basename(p)
        try:
            if p.endswith(".gz"):
                if not any(k in base for k in ("changelog", "NEWS", "README", ".txt")):
                    continue
                data = gzip.open(p).read()
            elif base.startswith("README") or base == "copyright" or p.endswith(".txt"):
                data = open(p, "rb").read()
            else:
                continue
        except Exception:
            continue
        emit(f, p, data.decode("utf-8", "ignore"))
os.rename(out + ".tmp", out)
print("%s: %.1f MB of text" % (out, total / 1e6), file=sys.stderr)
