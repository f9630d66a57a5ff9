#!/bin/sh
# tests/bench/dup.sh: duplicate passages and contents/index pages in the top
# 10 (#16), before and after, on Debian's documentation as /usr/share/doc
# lays it out: Python's HTML manual (python3.11-doc; reached also through
# the python3.11-doc/html and python3/html directory links), valgrind's
# HTML manual, debian-reference in HTML and PDF (also through the
# debian-reference-en/docs and -common/docs links), R's manuals and LaTeX's
# guides in PDF.  The tree is rebuilt under a temporary folder with the
# same links and a subset of the pages (PYPAGES library pages, all of
# Python's index and contents pages), so that the run takes minutes.
#
#   before: every path of the tree, links followed (find -L), through the
#           pipeline quarry-pdf/quarry-html --keep-contents | quarry-chunk |
#           quarry-embed | quarry-index, searched with --no-collapse;
#   after:  quarry-sync over the tree (a file reached by several paths is
#           indexed once, contents and index pages left out), searched with
#           the default collapse of same-hash results.
#
# For 20 fixed questions it prints the share of the top-10 results whose
# content hash repeats one ranked above, and the share of chunks (in the
# store and in the top 10) from contents and index pages: pages named so
# (genindex*, py-modindex, search, contents, an index.html of links) or
# chunks whose lines mostly refer to pages (dot leaders, page numbers) or
# are short list items (a list of titles).  Not part of make check.
set -eu
LC_ALL=C
export LC_ALL
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(dirname "$0")/../..}
F=$(cd "$top_builddir/filters" && pwd)
if [ -z "${QUARRY_NO_APT:-}" ] && command -v apt-get >/dev/null &&
    [ "$(id -u)" = 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends python3-doc valgrind debian-reference-en \
	    r-doc-pdf texlive-latex-base-doc >/dev/null 2>&1 || true
fi
PY=/usr/share/doc/python3.11/html
[ -d "$PY" ] || { echo "dup bench: python3-doc not installed, skipped"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-dup-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
d=$tmp/doc
mkdir -p "$d/python3.11/html/library" "$d/python3.11-doc" "$d/python3" \
    "$d/debian-reference-en" "$d/debian-reference-common" "$d/R" "$d/texlive"
# Python: the top-level pages (index, contents, genindex*, py-modindex,
# search, glossary...), the tutorial's, and the first PYPAGES of library/.
cp "$PY"/*.html "$d/python3.11/html/"
cp -r "$PY/tutorial" "$d/python3.11/html/"
ls "$PY"/library/*.html | head -n "${PYPAGES:-80}" | xargs cp -t "$d/python3.11/html/library/"
ln -s ../python3.11/html "$d/python3.11-doc/html"
ln -s ../python3.11-doc/html "$d/python3/html"
[ -d /usr/share/doc/valgrind/html ] && cp -r /usr/share/doc/valgrind/html "$d/valgrind"
if [ -d /usr/share/debian-reference ]; then
	mkdir "$d/debian-reference"
	cp /usr/share/debian-reference/*.en.html /usr/share/debian-reference/debian-reference.en.pdf "$d/debian-reference/" 2>/dev/null || true
	ln -s ../debian-reference "$d/debian-reference-en/docs"
	ln -s ../debian-reference "$d/debian-reference-common/docs"
fi
for f in R-intro R-admin R-data; do
	[ -r /usr/share/R/doc/manual/$f.pdf ] && cp /usr/share/R/doc/manual/$f.pdf "$d/R/"
done
for f in clsguide usrguide fntguide; do
	g=/usr/share/texlive/texmf-dist/doc/latex/base/$f.pdf
	[ -r "$g" ] && cp "$g" "$d/texlive/"
done
cd "$tmp"
echo "dup bench: $(find "$d" -type f | wc -l) files, $(find -L "$d" -type f \( -name '*.html' -o -name '*.pdf' \) | wc -l) paths with links followed; load: $(uptime | sed 's/.*load average: //')"

# before: every path, contents kept, no collapse.
t0=$(date +%s)
find -L "$d" -type f -name '*.pdf' | sort >pdfs
find -L "$d" -type f -name '*.html' | sort >htmls
{ "$F/quarry-pdf" -q --keep-contents -j 2 --files-from pdfs
  "$F/quarry-html" -q --keep-contents --files-from htmls; } 2>before.err |
    "$F/quarry-chunk" -q | "$F/quarry-embed" -q | "$F/quarry-index" -q --db before
t1=$(date +%s)
"$F/quarry-sync" -q -j 2 --db after "$d" 2>after.err || true
t2=$(date +%s)
echo "built: before (pipeline, every path) $((t1 - t0)) s, after (quarry-sync) $((t2 - t1)) s"

cat >questions <<'Q'
what is a python generator
how do I read a file line by line in python
how to create a virtual environment
what does the with statement do
how do I parse command line arguments
how to format a string with f-strings
what is a memory leak and how does valgrind find it
how to suppress valgrind errors
how do I install a package with apt
how to pin a package version in apt preferences
what is the difference between apt and apt-get
how do I configure the network interface in debian
how do I read a CSV file into a data frame in R
how to install R packages from source
what is a factor in R
how do I define a new LaTeX command
how to write a LaTeX class file
how to select a font encoding in LaTeX
regular expression match groups
how to handle exceptions in python
Q
python3 - "$F" <<'PY'
import json, re, subprocess, sys
F = sys.argv[1]
qs = [l.strip() for l in open('questions') if l.strip()]
NAMED = re.compile(r'(^|/)(genindex[^/]*|py-modindex|search|contents|ix\d+[^/]*)\.html$')
REF = re.compile(r'(\.\s?){3,}|\u2026|[\s.,]((\d{1,4})|[ivxlc]{1,6})\s*$')
ITEM = re.compile(r'^\s*([-*]|\d+\.)\s+\S')
def contents_like(rec):
    if NAMED.search(rec.get('source', '') or rec.get('doc', '')):
        return True
    lines = [x for x in rec.get('text', '').split('\n') if x.strip() and not x.startswith('#')]
    if len(lines) < 5:
        return False
    refs = sum(1 for x in lines if REF.search(x))
    items = sum(1 for x in lines if ITEM.match(x) and len(x.split()) <= 8
                and not x.rstrip().endswith(('.', ':', ';')))
    return refs * 2 > len(lines) or items * 10 >= len(lines) * 8
def store(db):
    out = subprocess.run([F + '/quarry-index', '--db', db, '--export'],
                         capture_output=True, text=True).stdout
    recs = [json.loads(l) for l in out.splitlines()]
    hashes = {}
    for r in recs:
        hashes[r['hash']] = hashes.get(r['hash'], 0) + 1
    dup = sum(n - 1 for n in hashes.values())
    toc = sum(1 for r in recs if contents_like(r))
    return len(recs), dup, toc
def top(db, opts):
    n = dup = toc = 0
    for q in qs:
        out = subprocess.run([F + '/quarry-search', '--db', db, '-k', '10',
                              '-f', 'json'] + opts + [q],
                             capture_output=True, text=True).stdout
        seen = set()
        for l in out.splitlines():
            r = json.loads(l)
            n += 1
            dup += r['hash'] in seen
            seen.add(r['hash'])
            toc += contents_like(r)
    return n, dup, toc
rows = [('before: every path, --keep-contents, --no-collapse', 'before', ['--no-collapse']),
        ('sync alone: one path a file, contents left out, --no-collapse', 'after', ['--no-collapse']),
        ('after: quarry-sync, collapse (the default)', 'after', [])]
print('%-62s %8s %10s %10s %10s %10s' % ('', 'chunks', 'dup chunks', 'toc chunks', 'top10 dup', 'top10 toc'))
for name, db, opts in rows:
    c, cd, ct = store(db)
    n, d, t = top(db, opts)
    print('%-62s %8d %9.1f%% %9.1f%% %9.1f%% %9.1f%%' % (name, c, 100 * cd / max(c, 1),
          100 * ct / max(c, 1), 100 * d / max(n, 1), 100 * t / max(n, 1)))
PY
echo "warnings: before $(wc -l <before.err), after $(wc -l <after.err); load after: $(uptime | sed 's/.*load average: //')"
