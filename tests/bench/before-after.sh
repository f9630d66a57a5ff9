#!/bin/sh
# tests/bench/before-after.sh: two builds of quarry on the same inputs in one
# run -- the chunk, index, search and sync steps -- for a refactor that must
# not make any of them slower (issue 15).
#
# The tree: HTML and text files from /usr/share/doc and, when present, the
# PDFs and HTML articles of ../shared/corpus ($DOCS documents, at most $PDFS
# PDFs; defaults 200 and 6).  The inputs are made once, with the AFTER
# build: the documents' records (quarry-html, quarry-chunk --text), their
# chunks and the chunks embedded with the built-in embedder.  Then, for each
# build, under valgrind --tool=callgrind (instruction counts: the machine
# may be shared, and counts do not depend on its load):
#   chunk   quarry-chunk --size 512 --unit chars over the document records
#           (and --unit tokens with the estimator);
#   index   quarry-index --db into an empty store, the embedded chunks;
#   search  quarry-search --db (that store) -k 10, $QUERIES queries;
# and the CPU time (user + sys, its workers included) of quarry-sync -j1
# --unit chars --size 2000 into an empty store, the whole tree (characters:
# the token estimator changed between builds, and with it how many chunks
# a tree makes; the stores' chunk counts are printed), and of quarry-index,
# each the best of $ROUNDS rounds taken in turn (A B A B ...).  It prints
# each figure for both builds and after/before; the load average beside it.
#
# usage: tests/bench/before-after.sh BEFORE_BUILDDIR AFTER_BUILDDIR
set -eu
LC_ALL=C
export LC_ALL
[ $# -eq 2 ] || { echo "usage: $0 BEFORE_BUILDDIR AFTER_BUILDDIR" >&2; exit 2; }
A=$(cd "$1" && pwd)
B=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
DOCS=${DOCS:-200}
PDFS=${PDFS:-6}
QUERIES=${QUERIES:-5}
ROUNDS=${ROUNDS:-5}
CORPUS=${QUARRY_CORPUS:-$here/../../../shared/corpus}
export QUARRY_TOKENIZER=estimate
if ! command -v valgrind >/dev/null || [ ! -x /usr/bin/time ]; then
	echo "before-after bench: skipped, needs valgrind and GNU time"
	exit 0
fi
load() { cut -d' ' -f1-3 /proc/loadavg; }

w=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench-ab.XXXXXX")
[ -n "${KEEP:-}" ] && echo "work directory kept: $w" ||
    trap 'rm -rf "$w"' EXIT
cd "$w"
mkdir -p tree/pdf tree/html tree/text
{
	[ -d "$CORPUS/pdf" ] && find "$CORPUS/pdf" -type f -name '*.pdf' | sort
	find /usr/share/doc -type f -name '*.pdf' -size -2M | sort
} 2>/dev/null | head -n "$PDFS" | while IFS= read -r f; do
	cp "$f" "tree/pdf/$(echo "$f" | md5sum | cut -c1-8).pdf"
done
npdf=$(find tree/pdf -type f | wc -l)
rest=$((DOCS - npdf))
{
	[ -d "$CORPUS/html-articles" ] &&
	    find "$CORPUS/html-articles" -type f -name '*.html' | sort | head -n 100
	find /usr/share/doc -type f -name '*.html' -size +500c | sort
} 2>/dev/null | head -n $((rest / 2)) | while IFS= read -r f; do
	cp "$f" "tree/html/$(echo "$f" | md5sum | cut -c1-8).html"
done
nhtml=$(find tree/html -type f | wc -l)
find /usr/share/doc -type f -name copyright -size +200c 2>/dev/null | sort |
    head -n $((rest - nhtml)) | while IFS= read -r f; do
	cp "$f" "tree/text/$(echo "$f" | md5sum | cut -c1-8).txt"
done
files=$(find tree -type f | wc -l)
echo "tree: $files documents ($npdf PDF, $nhtml HTML," \
    "$((files - npdf - nhtml)) text), $(du -sk tree | cut -f1) KB"

# The inputs, made once with the AFTER build.
{
	find tree/pdf -type f | sort | "$B/filters/quarry-pdf" -q --files-from -
	find tree/html -type f | sort | "$B/filters/quarry-html" -q --files-from -
} 2>/dev/null >docs.jsonl || true
{
	cat docs.jsonl
	find tree/text -type f | sort | "$B/filters/quarry-chunk" -q --text \
	    --size 100000000 --unit chars --files-from -
} | "$B/filters/quarry-chunk" -q --size 512 --unit chars >chunks.jsonl
"$B/filters/quarry-embed" -q chunks.jsonl >emb.jsonl
echo "records: $(wc -l <docs.jsonl) PDF and HTML documents," \
    "$(wc -l <chunks.jsonl) chunks ($(($(wc -c <docs.jsonl) / 1024)) KB of" \
    "documents)"
for q in "installation of the package" "copyright and license terms" \
    "how to configure the server" "python documentation index" \
    "release notes and changes" "GNU General Public License" \
    "debian policy" "reference manual" "error messages" "build system"; do
	printf '{"query":"%s"}\n' "$q"
done | head -n "$QUERIES" >queries
# The vector search both builds have (a later one defaults to hybrid when
# the store has a lexical index).
modeA= modeB=
"$A/filters/quarry-search" --help | grep -q -- --mode= && modeA="--mode=vector"
"$B/filters/quarry-search" --help | grep -q -- --mode= && modeB="--mode=vector"

# ir NAME CMD...: the instructions CMD and its forked children executed
# (standard input from $IN, else /dev/null).
ir() {
	local name=$1
	shift
	rm -f "cg.$name".*
	valgrind -q --tool=callgrind --callgrind-out-file="cg.$name.%p" \
	    "$@" <"${IN:-/dev/null}" >/dev/null 2>"$name.err" || true
	cat "cg.$name".* | awk '/^summary:/ { s += $2 } END { printf "%.0f", s }'
}
# cpu NAME CMD...: user + sys seconds of CMD and its children.
cpu() {
	local name=$1
	shift
	/usr/bin/time -o "$name.time" -f '%U %S' "$@" >/dev/null 2>&1 || true
	# The last line: GNU time puts "Command exited with non-zero
	# status N" before the figures (quarry-sync exits 1 when a file of
	# the tree fails).
	tail -n 1 "$name.time" | awk '{ printf "%.2f", $1 + $2 }'
}
row() {
	awk -v n="$1" -v a="$2" -v b="$3" -v l="$(load)" 'BEGIN {
	    printf "%-34s %15s %15s  %.4f  (load %s)\n", n, a, b,
	    (a > 0 ? b / a : 0), l }'
}
echo "load average at the start: $(load)"
printf '%-34s %15s %15s  %s\n' figure before after after/before
for u in chars tokens; do
	a=$(ir chunkA "$A/filters/quarry-chunk" -q --size 512 --unit $u docs.jsonl)
	b=$(ir chunkB "$B/filters/quarry-chunk" -q --size 512 --unit $u docs.jsonl)
	row "chunk --unit $u (Ir)" "$a" "$b"
done
rm -rf kbA kbB
a=$(ir indexA "$A/filters/quarry-index" -q --db kbA emb.jsonl)
b=$(ir indexB "$B/filters/quarry-index" -q --db kbB emb.jsonl)
row "index $(wc -l <emb.jsonl) chunks (Ir)" "$a" "$b"
a=$(IN=queries ir searchA "$A/filters/quarry-search" --db kbA -k 10 -j 1 \
    -f json $modeA)
b=$(IN=queries ir searchB "$B/filters/quarry-search" --db kbB -k 10 -j 1 \
    -f json $modeB)
row "search -j1 vector, $QUERIES queries (Ir)" "$a" "$b"
# Not quarry-sync: a forked worker's counts start from its parent's, so
# callgrind's per-process totals cannot be summed; its CPU time below.

# CPU time, the best of ROUNDS, the builds in turn.
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
sa= sb= ia= ib=
r=0
while [ $r -lt "$ROUNDS" ]; do
	rm -rf kbA kbB
	sa=$(best "$sa" "$(cpu s "$A/filters/quarry-sync" -q -j1 --unit chars \
	    --size 2000 --db kbA tree)")
	sb=$(best "$sb" "$(cpu s "$B/filters/quarry-sync" -q -j1 --unit chars \
	    --size 2000 --db kbB tree)")
	if [ $r = 0 ]; then
		ca=$("$A/filters/quarry-index" --db kbA --stats |
		    sed -n 's/^chunks: //p')
		cb=$("$B/filters/quarry-index" --db kbB --stats |
		    sed -n 's/^chunks: //p')
	fi
	rm -rf kbA kbB
	ia=$(best "$ia" "$(cpu i "$A/filters/quarry-index" -q --db kbA emb.jsonl)")
	ib=$(best "$ib" "$(cpu i "$B/filters/quarry-index" -q --db kbB emb.jsonl)")
	r=$((r + 1))
done
row "sync -j1 (user+sys s, best of $ROUNDS)" "$sa" "$sb"
row "  (chunks the sync stored)" "$ca" "$cb"
row "index (user+sys s, best of $ROUNDS)" "$ia" "$ib"
echo "load average at the end: $(load)"
