#!/bin/sh
# tests/bench/retrieval.sh: retrieval quality on BEIR nfcorpus (test split,
# 323 queries, graded judgements) of every quarry search mode against BM25
# peers measured in the same run on the same documents: SQLite FTS5 (through
# python3's sqlite3), Xapian (python3-xapian) and the collection's reference
# Lucene-style BM25 (bm25_ref.py, which reproduces Anserini's published
# figures).  Every system writes a TREC run that the collection's scorer
# (score.py, trec_eval's definitions) scores; quarry-eval's own figures are
# checked equal to score.py's on quarry's runs.  Prints nDCG@10, R@100 and
# MRR@10 per system, with the indexing and querying wall times.
#
# Each document is one record (doc = BEIR _id, title, text) cut by
# quarry-chunk --size 512 and embedded by the built-in embedder.  The modes
# are those this quarry-eval knows (vector; lexical and hybrid when the store
# has a lexical index).  Re-ranking is measured only when a re-ranking server
# is given: RERANK_URL=http://host:port [RERANK_MODEL=name] (a /v1/rerank
# endpoint: llama.cpp's llama-server --reranking, vLLM, Infinity...), or a
# command: RERANK_COMMAND='cmd' (see quarry-eval(1), --rerank-command).
#
# usage: tests/bench/retrieval.sh [BUILDDIR]   (NFCORPUS=dir to override)
set -eu
LC_ALL=C
export LC_ALL
b=$(cd "${1:-${top_builddir:-.}}" && pwd)
src=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
nf=${NFCORPUS:-$src/../shared/corpus/retrieval/nfcorpus}
PY=/usr/bin/python3
if [ ! -f "$nf/corpus.jsonl" ]; then
	echo "retrieval.sh: no nfcorpus at $nf; skipped"
	exit 0
fi
PATH=$b/filters:$PATH
w=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench-retrieval.XXXXXX")
trap 'rm -rf "$w"' EXIT
qrels=$nf/qrels/test.tsv
queries=$nf/queries.jsonl

echo "load: $(uptime | sed 's/.*load/load/')"
"$PY" -c 'import xapian' 2>/dev/null || {
	(apt-get install -y python3-xapian || sudo -n apt-get install -y \
	    python3-xapian) >/dev/null 2>&1 || true
}

now() { date +%s.%N; }
el() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# score NAME RUN INDEX-SECONDS QUERY-SECONDS
score() {
	"$PY" "$nf/score.py" "$qrels" "$2" --json 2>/dev/null |
	    "$PY" -c 'import json, sys
r = json.load(sys.stdin)
print("%-34s %8.4f %8.4f %8.4f %9s %9s" % (sys.argv[1], r["nDCG@10"], r["R@100"], r["MRR@10"], sys.argv[2], sys.argv[3]))' \
	    "$1" "$3" "$4" >>"$w/table"
}

: >"$w/table"
t0=$(now)
"$PY" -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(l)
    print(json.dumps({"doc": d["_id"], "title": d["title"], "text": d["text"]}))
' "$nf/corpus.jsonl" | quarry-chunk --size 512 | quarry-embed -q |
    quarry-index --db "$w/kb"
t1=$(now)
idx=$(el "$t0" "$t1")
for m in vector lexical hybrid; do
	quarry-eval --db "$w/kb" --mode "$m" </dev/null >/dev/null 2>&1 ||
	    { echo "quarry $m: not available"; continue; }
	t0=$(now)
	quarry-eval --db "$w/kb" --mode "$m" -j 1 --qrels "$qrels" \
	    --run "$w/run.$m" "$queries" >"$w/eval.$m"
	t1=$(now)
	score "quarry $m" "$w/run.$m" "$idx" "$(el "$t0" "$t1")"
	"$PY" - "$w/eval.$m" "$w/run.$m" "$nf/score.py" "$qrels" <<'PY'
import json, subprocess, sys
ours = json.loads(open(sys.argv[1]).read().splitlines()[-1])
ref = json.loads(subprocess.run([sys.executable, sys.argv[3], sys.argv[4], sys.argv[2], "--json"], capture_output=True, text=True).stdout)
for a, b in (("ndcg@10", "nDCG@10"), ("recall@100", "R@100"), ("mrr@10", "MRR@10")):
    assert abs(ours[a] - ref[b]) < 1e-6, (a, ours[a], ref[b])
PY
	if [ -n "${RERANK_URL:-}${RERANK_COMMAND:-}" ]; then
		set -- --rerank-top 50
		[ -n "${RERANK_URL:-}" ] && set -- "$@" --rerank "$RERANK_URL"
		[ -n "${RERANK_MODEL:-}" ] && set -- "$@" --rerank-model "$RERANK_MODEL"
		[ -n "${RERANK_COMMAND:-}" ] && set -- "$@" --rerank-command "$RERANK_COMMAND"
		t0=$(now)
		quarry-eval --db "$w/kb" --mode "$m" "$@" --qrels "$qrels" \
		    --run "$w/run.$m.rr" "$queries" >/dev/null
		t1=$(now)
		score "quarry $m + rerank top 50" "$w/run.$m.rr" "$idx" \
		    "$(el "$t0" "$t1")"
	fi
done
for s in fts5 xapian; do
	if ! "$PY" "$src/tests/bench/retrieval-peers.py" "$s" "$nf/corpus.jsonl" \
	    "$queries" "$qrels" "$w/run.$s" >"$w/t.$s" 2>"$w/e.$s"; then
		echo "$s: failed: $(tail -1 "$w/e.$s")"
		continue
	fi
	read -r _ _ ti _ tq <"$w/t.$s"
	case $s in
	fts5) name="SQLite FTS5 bm25() (porter)" ;;
	xapian) name="Xapian BM25Weight (english)" ;;
	esac
	score "$name" "$w/run.$s" "$ti" "$tq"
done
t0=$(now)
(cd "$w" && "$PY" "$nf/bm25_ref.py" >/dev/null 2>&1) && {
	t1=$(now)
	score "bm25_ref.py (Anserini BM25 flat)" "$w/bm25-flat.test.trec" "-" \
	    "$(el "$t0" "$t1")"
}
echo
echo "nfcorpus test split, 323 queries (run files scored by score.py)"
printf '%-34s %8s %8s %8s %9s %9s\n' system nDCG@10 R@100 MRR@10 index-s query-s
cat "$w/table"
echo "load: $(uptime | sed 's/.*load/load/')"
