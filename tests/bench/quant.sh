#!/bin/sh
# tests/bench/quant.sh: the int8 and 1-bit copies of the vectors (issue 20,
# item 1) against the exact float32 scan, on the same store in the same run.
#
# 1. Synthetic: N (default 1M) clustered unit vectors of DIMS (default 384;
#    DIMS=1536 for the larger models' size) dimensions and 100 queries
#    (search-bench gen, as tests/bench/search.sh).  search-bench quant makes
#    the copy (timed) and prints, single-thread, the median query time of
#    the float32 scan, of the int8 scan with re-scoring factors 1, 2, 4
#    and 8 and of the 1-bit scan with 4 to 64, and each one's recall@10
#    against the float32 results.
# 2. Real embeddings of real text, when ../shared/corpus is present: the
#    BEIR nfcorpus documents chunked and embedded by the built-in embedder,
#    its 3,237 queries by quarry-search --mode vector with --precision f32,
#    int8 and bit (through the command line, so the query embedding is
#    included in each).
# Target: recall@10 >= 0.99 at <= 0.35x the exact scan's time.
#
# usage: tests/bench/quant.sh [BUILDDIR]
set -eu
LC_ALL=C
export LC_ALL
b=$(cd "${1:-${top_builddir:-.}}" && pwd)
src=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
N=${N:-1000000}
DIMS=${DIMS:-384}
make -s -C "$b" tests/bench/search-bench >/dev/null
w=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench-quant.XXXXXX")
trap 'rm -rf "$w"' EXIT

echo "load: $(uptime | sed 's/.*load/load/')"
echo "generating $N vectors of $DIMS dimensions in 1000 clusters ..."
"$b/tests/bench/search-bench" gen -n "$N" -d "$DIMS" -C 1000 -q 100 "$w"
"$b/tests/bench/search-bench" quant -j 1 -r 3 "$w" >"$w/out"
get() { sed -n "s/^$1 //p" "$w/out"; }
echo "int8 and 1-bit copies made in $(get quantize_s) s: $(get int8_bit_mb) MB beside $(get f32_mb) MB of float32"
echo "float32 scan, 1 thread:    $(get f32_ms) ms/query"
for f in 1 2 4 8; do
	printf 'int8 + rescore x%s:        %s ms/query = %sx the float32 scan, recall@10 %s\n' \
	    "$f" "$(get int8_x${f}_ms)" "$(get int8_x${f}_ratio)" \
	    "$(get int8_x${f}_recall)"
done
for f in 4 8 16 32 64; do
	printf '1-bit + rescore x%s:       %s ms/query = %sx the float32 scan, recall@10 %s\n' \
	    "$f" "$(get bit_x${f}_ms)" "$(get bit_x${f}_ratio)" \
	    "$(get bit_x${f}_recall)"
done
echo "(target: recall@10 >= 0.99 at <= 0.35x; the defaults are x4 and x64)"
rm -rf "$w/kb"

nf=$src/../shared/corpus/retrieval/nfcorpus
if [ ! -f "$nf/corpus.jsonl" ]; then
	echo "real embeddings: no nfcorpus at $nf; skipped"
	exit 0
fi
PATH=$b/filters:$PATH
/usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(l)
    print(json.dumps({"doc": d["_id"], "title": d["title"], "text": d["text"]}))
' "$nf/corpus.jsonl" | quarry-chunk --size 512 | quarry-embed -q |
    quarry-index --db "$w/nf"
quarry-index --db "$w/nf" --quantize int8,bit
/usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(l)
    print(json.dumps({"id": d["_id"], "query": d["text"]}))
' "$nf/queries.jsonl" >"$w/q.jsonl"
for p in f32 int8 bit; do
	quarry-search --db "$w/nf" --mode vector --precision "$p" -j 1 -k 10 \
	    --fields query_id,id <"$w/q.jsonl" >"$w/nf.$p"
done
for p in int8 bit; do
	awk -F'"' -v p="$p" 'FNR == 1 { f++ }
	/"id"/ { q = $4; id = $8; if (f == 1) want[q, id] = 1; else if ((q, id) in want) hit++; if (f == 1) n++ }
	END { printf "real embeddings (nfcorpus, hash-v1/384, %d results): %s recall@10 %.4f\n", n, p, hit / n }' \
	    "$w/nf.f32" "$w/nf.$p"
done
