#!/bin/sh
# tests/bench/index.sh: quarry-index on 100k chunks of 384 dimensions.
#
# Measures the full index, a re-run with nothing changed (the cron case:
# --stale finds no file to extract, so nothing is chunked, embedded or
# indexed), a re-run with 1% of the documents changed (--stale, then only
# their records indexed), and the store's size against the raw vector and
# text bytes.  Targets (issue 7): both re-runs <= 5% of the full run, chunks
# written == chunks changed, store <= 1.3x raw.
#
# usage: tests/bench/index.sh [BUILDDIR]   (run from anywhere; run once)
set -eu
LC_ALL=C
export LC_ALL
b=$(cd "${1:-.}" && pwd)
gen=$b/tests/store-gen
qi=$b/filters/quarry-index
# Time the program, not libtool's uninstalled wrapper script.
if [ -x "$b/filters/.libs/quarry-index" ]; then
	qi=$b/filters/.libs/quarry-index
	LD_LIBRARY_PATH=$b/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
fi
DOCS=${DOCS:-9524}		# 1 + (i*7) % 20 chunks each: ~100k chunks
w=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench-index.XXXXXX")
trap 'rm -rf "$w"' EXIT
cd "$w"
mkdir docs

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

echo "generating $DOCS documents (384 dims) ..."
"$gen" -n $DOCS -c 20 -d 384 -w >v1.jsonl
chunks=$(wc -l <v1.jsonl)
echo "chunks: $chunks, input: $(($(wc -c <v1.jsonl) / 1048576)) MB of JSON Lines"

t0=$(now)
"$qi" --db kb v1.jsonl
t1=$(now)
full=$(secs "$t0" "$t1")
echo "full index:               ${full} s ($(awk -v c="$chunks" -v s="$full" 'BEGIN { printf "%.0f", c / s }') chunks/s)"

# Nothing changed: the cron job asks --stale and stops there.
find docs -type f -print0 >list0
t0=$(now)
n=$("$qi" --db kb --stale -0 <list0 | tr -cd '\0' | wc -c)
t1=$(now)
nochange=$(secs "$t0" "$t1")
echo "re-run, no change:        ${nochange} s (--stale over $DOCS files: $n stale)"
t0=$(now)
"$qi" --db kb v1.jsonl
t1=$(now)
echo "  (re-indexing all records anyway: $(secs "$t0" "$t1") s, no write transaction)"

# 1% of documents changed.
"$gen" -n $DOCS -c 20 -d 384 -V 2 -e 100 -w >v2.jsonl
t0=$(now)
"$qi" --db kb --stale -0 <list0 | tr '\0' '\n' | sed 's/.*/"doc":"&"/' >stale
grep -F -f stale v2.jsonl >changed.jsonl
"$qi" --db kb -v changed.jsonl 2>summary
t1=$(now)
changed=$(secs "$t0" "$t1")
ndocs=$(wc -l <stale)
expect=$(awk -v n=$DOCS 'BEGIN { for (i = 0; i < n; i += 100) { c = 1 + (i * 7) % 20; t += int((c + 2) / 3) } print t }')
echo "re-run, 1% changed:       ${changed} s ($ndocs documents stale)"
echo "  $(sed 's/^quarry-index: //' summary)"
echo "  chunks changed: $expect"

"$qi" --db kb --stats >stats
used=$(awk '/^used_pages:/ { u = $2 } /^free_pages:/ { f = $2 } /^page_size:/ { p = $2 } END { print (u - f) * p }' stats)
raw=$(awk -v c="$chunks" -v t="$(sed 's/.*"text":"\([^"]*\)".*/\1/' v1.jsonl | tr -d '\n' | wc -c)" 'BEGIN { print c * 384 * 4 + t }')
echo "store: $used bytes used (file $(sed -n 's/^size: //p' stats)), raw vectors+text: $raw bytes"
echo
awk -v f="$full" -v n="$nochange" -v c="$changed" -v u="$used" -v r="$raw" 'BEGIN {
	printf "no-change re-run / full: %.2f%% (target <= 5%%)\n", 100 * n / f
	printf "1%%-changed re-run / full: %.2f%% (target <= 5%%)\n", 100 * c / f
	printf "store size / raw:        %.3fx (target <= 1.3x)\n", u / r
}'
