#!/bin/sh
# tests/bench/office.sh: quarry-office against pandoc on DOCX, ODT and EPUB
# files written by pandoc from real documentation (Debian's
# /usr/share/doc and the R manuals when installed): speed (files/s, MB/s,
# ratio to pandoc) and agreement of the words extracted (the share of
# pandoc's plain-text words, as a multiset, that quarry-office also gives).
# Needs pandoc (apt-get install pandoc); skips otherwise.  Not part of
# "make check".
set -eu
LC_ALL=C
export LC_ALL
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-$(dirname "$0")/../..}
office=$top_builddir/filters/quarry-office
command -v pandoc >/dev/null || { echo "office bench: pandoc not installed, skipped"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-office-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Source documents: Markdown and HTML pages of Debian documentation.
n=0
for f in /usr/share/doc/*/README.md /usr/share/doc/*/*.html \
    /usr/share/doc/*/html/*.html; do
	[ -f "$f" ] || continue
	[ "$(wc -c <"$f")" -gt 4000 ] || continue
	n=$((n + 1))
	[ $n -le 60 ] || break
	for fmt in docx odt epub; do
		pandoc --quiet -s "$f" -o "$tmp/$n.$fmt" 2>/dev/null || rm -f "$tmp/$n.$fmt"
	done
done
echo "office bench: $n source documents; load: $(uptime | sed 's/.*load average: //')"

for fmt in docx odt epub; do
	set -- "$tmp"/*."$fmt"
	[ -e "$1" ] || continue
	bytes=$(cat "$@" | wc -c)
	t0=$(date +%s.%N)
	"$office" -t "$@" >"$tmp/q.$fmt" 2>"$tmp/q.err" || true
	t1=$(date +%s.%N)
	for f in "$@"; do pandoc --quiet -t plain --wrap=none "$f"; printf '\f\n'; done >"$tmp/p.$fmt" 2>/dev/null
	t2=$(date +%s.%N)
	python3 - "$fmt" "$#" "$bytes" "$t0" "$t1" "$t2" "$tmp/q.$fmt" "$tmp/p.$fmt" <<'PY'
import collections, re, sys
fmt, n, size, t0, t1, t2, q, p = sys.argv[1:]
n, size = int(n), int(size)
tq, tp = float(t1) - float(t0), float(t2) - float(t1)
words = lambda s: collections.Counter(re.findall(r"\w+", s.lower()))
wq, wp = words(open(q, errors="replace").read()), words(open(p, errors="replace").read())
common = sum((wq & wp).values())
print("%-4s %3d files %6.1f MB  quarry-office %7.1f files/s %6.1f MB/s  "
      "pandoc %6.1f files/s  speed ratio %.1fx  words of pandoc found %.3f  extra words %.3f"
      % (fmt, n, size / 1e6, n / tq, size / 1e6 / tq, n / tp, tp / tq,
         common / max(1, sum(wp.values())),
         1 - common / max(1, sum(wq.values()))))
PY
	[ -s "$tmp/q.err" ] && sed 's/^/  /' "$tmp/q.err" | head -5
done
