#!/bin/sh
# tests/bench/html.sh: quarry-html against its peers (run by "make bench",
# not by "make check").
#
# With $QUARRY_CORPUS/html-articles/ (181 news pages and the
# article-extraction-benchmark's ground truth): main-content F1 with the
# folder's own score.py, for quarry-html, Mozilla Readability (npm
# @mozilla/readability + jsdom, installed here into node_modules/), html2text
# and BeautifulSoup get_text (Debian python3-html2text, python3-bs4) and
# w3m -dump, and each one's throughput in MB/s over the same pages in one
# run.  Every peer but w3m runs all pages in one process, timed around the
# extraction itself; quarry-html and w3m are timed including their start-up.
# With $QUARRY_CORPUS/html-dates/: date and author figures of quarry-html
# with that folder's score.py; with HTML_BENCH_MISSES=1 also the pages
# where the date or the author differs from the label (kind, page, label,
# quarry-html's output, address), to work from.
set -eu
LC_ALL=C
export LC_ALL

: "${srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
QUARRY_CORPUS=${QUARRY_CORPUS:-$srcdir/../shared/corpus}
PATH="$top_builddir/filters:$PATH"
bench=$srcdir/tests/bench
PY=/usr/bin/python3		# Debian's, where python3-bs4 and -html2text live

tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench-html.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

command -v quarry-html >/dev/null || { echo "html: build quarry-html first"; exit 1; }

# seconds CMD...: runs CMD, prints its wall time in seconds on stderr's stead.
now() { date +%s.%N; }

articles=$QUARRY_CORPUS/html-articles
if [ -d "$articles" ]; then
	mkdir -p "$tmp/pages"
	for gz in "$articles"/html/*.html.gz; do
		gzip -dc "$gz" >"$tmp/pages/$(basename "$gz" .gz)"
	done
	mb=$(cat "$tmp"/pages/*.html | wc -c | awk '{ printf "%.3f", $1 / 1e6 }')
	echo "html-articles: $(ls "$tmp/pages" | wc -l) pages, $mb MB"

	# The published metric, through the folder's own scorer.
	echo "quarry-html main content (score.py --cmd):"
	"$PY" "$articles/score.py" --cmd "quarry-html --text {}" --name quarry-html

	# Throughput and F1, every tool over the same pages.
	ls "$tmp"/pages/*.html >"$tmp/list"
	t0=$(now)
	quarry-html --files-from "$tmp/list" >"$tmp/quarry.jsonl"
	t1=$(now)
	"$PY" - "$tmp/quarry.jsonl" "$tmp/list" >"$tmp/quarry.json" <<'PYEOF'
import json, os, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding='utf8')]
out = {os.path.basename(r['doc']).split('.')[0]: {'articleBody': r['text']} for r in recs}
json.dump(out, sys.stdout)
PYEOF
	echo "$t0 $t1" | awk '{ print $2 - $1 }' >"$tmp/quarry.secs"

	peers="quarry"
	HTML_PEERS=$bench/node_modules/.quarry-html
	export HTML_PEERS
	if [ ! -d "$HTML_PEERS/node_modules/@mozilla/readability" ] ||
	    [ ! -d "$HTML_PEERS/node_modules/jsdom" ]; then
		mkdir -p "$HTML_PEERS"
		echo '{"private":true}' >"$HTML_PEERS/package.json"
		npm install --prefix "$HTML_PEERS" --no-audit --no-fund \
		    @mozilla/readability@0.6.0 jsdom >/dev/null 2>&1 || true
	fi
	if [ -d "$HTML_PEERS/node_modules/@mozilla/readability" ]; then
		node "$bench/html-readability.mjs" "$tmp"/pages/*.html \
		    >"$tmp/readability.json" 2>"$tmp/readability.secs"
		peers="$peers readability"
	else
		echo "skipped Readability: npm install failed"
	fi
	for tool in html2text bs4; do
		if "$PY" -c "import ${tool}" 2>/dev/null; then
			"$PY" "$bench/html-python.py" "$tool" "$tmp"/pages/*.html \
			    >"$tmp/$tool.json" 2>"$tmp/$tool.secs"
			peers="$peers $tool"
		else
			echo "skipped $tool: apt-get install python3-$( [ $tool = bs4 ] && echo bs4 || echo html2text)"
		fi
	done
	if command -v w3m >/dev/null; then
		t0=$(now)
		"$PY" - "$tmp/pages" >"$tmp/w3m.json" <<'PYEOF'
import json, os, subprocess, sys
d = sys.argv[1]
out = {}
for f in sorted(os.listdir(d)):
    r = subprocess.run(['w3m', '-dump', '-T', 'text/html', '-I', 'UTF-8', '-O', 'UTF-8',
                        os.path.join(d, f)], capture_output=True)
    out[f.split('.')[0]] = {'articleBody': r.stdout.decode('utf8', 'replace')}
json.dump(out, sys.stdout)
PYEOF
		t1=$(now)
		echo "$t0 $t1" | awk '{ print $2 - $1 }' >"$tmp/w3m.secs"
		peers="$peers w3m"
	else
		echo "skipped w3m: apt-get install w3m"
	fi
	echo "same pages, one run (F1 = the benchmark's metric; MB/s = $mb MB / seconds):"
	qs=$(cat "$tmp/quarry.secs")
	for p in $peers; do
		secs=$(tail -n 1 "$tmp/$p.secs")
		f1=$("$PY" "$articles/score.py" --pred-json "$tmp/$p.json" --json |
		    "$PY" -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["bench_f1"])')
		echo "$p $f1 $secs $mb $qs" | awk '{ printf "  %-12s F1 %s  %7.2f MB/s  quarry-html is %6.1fx as fast\n", $1, $2, $4 / $3, $3 / $5 }'
	done
else
	echo "html-articles: skipped ($articles not present)"
fi

dates=$QUARRY_CORPUS/html-dates
if [ -d "$dates" ]; then
	mkdir -p "$tmp/dates"
	for gz in "$dates"/pages/*.html.gz; do
		gzip -dc "$gz" >"$tmp/dates/$(basename "$gz" .gz)"
	done
	ls "$tmp"/dates/*.html >"$tmp/dlist"
	t0=$(now)
	quarry-html --files-from "$tmp/dlist" >"$tmp/dates.jsonl" 2>"$tmp/dates.err" || true
	t1=$(now)
	for field in date author text; do
		"$PY" - "$tmp/dates.jsonl" "$field" >"$tmp/$field.json" <<'PYEOF'
import json, os, sys
out = {}
for l in open(sys.argv[1], encoding='utf8'):
    r = json.loads(l)
    out[os.path.basename(r['doc']).split('.')[0]] = r.get(sys.argv[2], '')
json.dump(out, sys.stdout)
PYEOF
	done
	echo "html-dates: $(wc -l <"$tmp/dlist") pages in $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s, $(wc -l <"$tmp/dates.err") failed"
	"$PY" "$dates/score.py" date --pred-json "$tmp/date.json" --json |
	    "$PY" -c 'import json,sys; r = json.load(sys.stdin); h = r["vs_htmldate"]; t = r["vs_trafilatura"]
print("  date vs htmldate labels:    F1 %.3f  P %.3f  R %.3f  acc %.3f (htmldate 1.10 extensive: F1 0.949)" % (h["f1"], h["precision"], h["recall"], h["accuracy"]))
print("  date vs trafilatura labels: F1 %.3f  P %.3f  R %.3f" % (t["f1"], t["precision"], t["recall"]))'
	# trafilatura's own main-text metric on its 990 pages: kept and
	# rejected snippets (trafilatura 2.2.0: F1 0.924 in its docs).
	"$PY" "$dates/score.py" snippets --pred-json "$tmp/text.json" --json |
	    "$PY" -c 'import json,sys; r = json.load(sys.stdin)
print("  main-text snippets: F1 %.3f  P %.3f  R %.3f  acc %.3f (trafilatura 2.2.0: F1 0.924)" % (r["f1"], r["precision"], r["recall"], r["accuracy"]))'
	"$PY" "$dates/score.py" author --pred-json "$tmp/author.json" --json |
	    "$PY" -c 'import json,sys; r = json.load(sys.stdin)
print("  author: exact %.3f  lenient %.3f  missed %.3f  (of %d)  none-ok %.3f (of %d)" % (r["exact"], r["lenient"], r["missed"], r["with_author"], r["none_ok"], r["no_author"]))'
	if [ "${HTML_BENCH_MISSES:-0}" = 1 ]; then
		"$PY" - "$dates" "$tmp/date.json" "$tmp/author.json" <<'PYEOF'
import json, os, re, sys
sys.path.insert(0, sys.argv[1])
from score import names, norm, date_of
recs = [json.loads(l) for l in open(os.path.join(sys.argv[1], 'ground-truth.jsonl'), encoding='utf8')]
dates, authors = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
print('per-page misses (kind, page, label, quarry-html, address):')
for r in recs:
    h = r.get('htmldate')
    if h:
        pid = r.get('page_htmldate') or r['page']
        d = date_of(dates.get(pid) or '')
        if d != h['date']:
            print('  date-%s\t%s\t%s\t%s\t%s' % ('none' if d is None else 'wrong', pid, h['date'], d, r['url']))
for r in recs:
    t = r.get('trafilatura')
    if not t or 'author' not in t:
        continue
    pid = r.get('page_trafilatura') or r['page']
    g = t['author']
    g = '; '.join(g) if isinstance(g, list) else (g or '')
    out = (authors.get(pid) or '').strip()
    p = norm(out.splitlines()[0] if out else '')
    if norm(g) == p:
        continue
    kind = 'none-bad' if not g else 'missed' if not p else 'lenient' if names(g) == names(p) else 'wrong'
    print('  author-%s\t%s\t%r\t%r\t%s' % (kind, pid, g, p, r['url']))
PYEOF
	fi
else
	echo "html-dates: skipped ($dates not present)"
fi
