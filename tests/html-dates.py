#!/usr/bin/env python3
"""html-dates.py: pulls date strings out of the html-dates corpus pages.

Usage: html-dates.py extract CORPUS_DIR > candidates.tsv
       html-dates.py score candidates.tsv parsed.txt

extract writes one line per date-bearing string found in a page, in the
order a metadata extractor would trust them:
    PAGE <TAB> GOLD-DAY <TAB> KIND <TAB> STRING
where KIND is meta (a <meta> publication date), jsonld (datePublished),
time (a <time datetime>) or text (the text of a <time> element).  Only the
Python standard library is used; the strings are handed to the C library by
tests/qdate, whose output (one line per string) score pairs with them.
"""
import gzip
import json
import os
import re
import sys
from html.parser import HTMLParser

META_NAMES = [
    "article:published_time", "og:published_time", "datepublished",
    "date", "pubdate", "publishdate", "publish-date", "publish_date",
    "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date",
    "dc.date.created", "dcterms.created", "citation_publication_date",
    "citation_date", "sailthru.date", "parsely-pub-date", "article.published",
    "article_date_original", "originalpublicationdate", "date.release",
    "publication_date", "release_date", "cxenseparse:recs:publishtime",
    "datecreated", "created",
]
RANK = {n: i for i, n in enumerate(META_NAMES)}
LD_RE = re.compile(r'"datePublished"\s*:\s*"([^"]{4,80})"')


class Pull(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta = []
        self.times = []
        self.texts = []
        self.ld = []
        self.in_ld = False
        self.in_time = 0
        self.buf = []

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            for key in ("property", "name", "itemprop", "http-equiv"):
                n = a.get(key, "").strip().lower()
                if n in RANK and a.get("content", "").strip():
                    self.meta.append((RANK[n], a["content"]))
        elif tag == "time":
            if a.get("datetime", "").strip():
                self.times.append(a["datetime"])
            self.in_time += 1
            self.buf = []
        elif tag == "script" and "ld+json" in a.get("type", "").lower():
            self.in_ld = True
            self.buf = []

    def handle_endtag(self, tag):
        if tag == "time" and self.in_time:
            self.in_time -= 1
            t = " ".join("".join(self.buf).split())
            if 6 <= len(t) <= 80:
                self.texts.append(t)
        elif tag == "script" and self.in_ld:
            self.in_ld = False
            self.ld.extend(LD_RE.findall("".join(self.buf)))

    def handle_data(self, data):
        if self.in_time or self.in_ld:
            self.buf.append(data)


def decode(raw):
    m = re.search(rb'charset=["\']?([A-Za-z0-9_-]+)', raw[:4096])
    for enc in ([m.group(1).decode("ascii")] if m else []) + ["utf-8"]:
        try:
            return raw.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass
    return raw.decode("cp1252", errors="replace")


def clean(s):
    return " ".join(s.split())


def extract(corpus):
    out = sys.stdout
    with open(os.path.join(corpus, "ground-truth.jsonl"), encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            gold = (r.get("htmldate") or {}).get("date")
            page = r.get("page_htmldate") or r["page"]
            if gold is None:
                gold = (r.get("trafilatura") or {}).get("date")
                page = r.get("page_trafilatura") or r["page"]
            if not gold:
                continue
            path = os.path.join(corpus, "pages", page + ".html.gz")
            try:
                with gzip.open(path) as g:
                    html = decode(g.read())
            except OSError:
                continue
            p = Pull()
            try:
                p.feed(html)
                p.close()
            except Exception:  # a page html.parser cannot take
                pass
            found = [("meta", v) for _, v in sorted(p.meta, key=lambda x: x[0])]
            found += [("jsonld", v) for v in p.ld]
            found += [("time", v) for v in p.times]
            found += [("text", v) for v in p.texts]
            seen = set()
            for kind, v in found:
                v = clean(v)
                if v and (kind, v) not in seen:
                    seen.add((kind, v))
                    out.write("%s\t%s\t%s\t%s\n" % (page, gold[:10], kind, v))


def score(cand, parsed):
    with open(cand, encoding="utf-8") as f:
        rows = [l.rstrip("\n").split("\t", 3) for l in f]
    with open(parsed, encoding="utf-8") as f:
        res = [l.rstrip("\n") for l in f]
    if len(rows) != len(res):
        sys.exit("html-dates.py: %d strings but %d results" % (len(rows), len(res)))
    kinds = {}
    pages = {}
    for (page, gold, kind, s), got in zip(rows, res):
        k = kinds.setdefault(kind, [0, 0, 0, 0])
        k[0] += 1
        if got != "-":
            k[1] += 1
            k[2] += got[:10] == gold
            k[3] += got[:10] == gold or shifted(got, gold)
            pages.setdefault(page, (gold, got))
    allpages = {r[0] for r in rows}
    right = sum(1 for g, d in pages.values() if d[:10] == g)
    near = sum(1 for g, d in pages.values() if d[:10] == g or shifted(d, g))
    # One line per kind: strings, parsed, same day as gold, same day or
    # one day off by the conversion of a local time to UTC.
    for kind in ("meta", "jsonld", "time", "text"):
        n, p, ok, ok2 = kinds.get(kind, [0, 0, 0, 0])
        print("%s %d %d %d %d" % (kind, n, p, ok, ok2))
    print("pages %d %d %d %d" % (len(allpages), len(pages), right, near))


def shifted(got, gold):
    """An instant whose UTC day is next to the page's local day."""
    import datetime
    if "T" not in got:
        return False
    try:
        a = datetime.date.fromisoformat(got[:10])
        b = datetime.date.fromisoformat(gold)
    except ValueError:
        return False
    return abs((a - b).days) == 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "extract":
        extract(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "score":
        score(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
