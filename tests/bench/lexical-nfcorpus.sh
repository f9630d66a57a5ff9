#!/bin/sh
# lexical-nfcorpus.sh: retrieval quality on BEIR NFCorpus (shared/corpus/
# retrieval/nfcorpus): quarry-search's lexical, vector (built-in hash-v1)
# and hybrid modes beside SQLite FTS5 (python3 sqlite3, porter tokenizer,
# bm25()) and Xapian (python3-xapian, BM25 k1 0.9 b 0.4, English stemmer),
# all in one run, scored with the collection's score.py (trec_eval's
# nDCG@10, R@100, MRR@10) on the 323 test queries.
#
# Usage: tests/bench/lexical-nfcorpus.sh [BUILDDIR]   (from the source tree)
# Environment: NFCORPUS (default ../shared/corpus/retrieval/nfcorpus).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${top_builddir:-$top}}
bin=$build/filters
nf=${NFCORPUS:-$top/../shared/corpus/retrieval/nfcorpus}
[ -f "$nf/corpus.jsonl" ] || { echo "lexical-nfcorpus: no $nf; skipped"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nfbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
PY=${PYTHON3:-python3}
# The peers need python3-xapian, which Debian installs for its python3.
PYX=$PY
$PYX -c 'import xapian' 2>/dev/null || PYX=/usr/bin/python3
# cpu CMD...: runs CMD, then prints its user+system CPU seconds to fd 3.
cpu() {
	"$PY" -c '
import os, resource, subprocess, sys
r = subprocess.run(sys.argv[1:])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write("%.2f\n" % (u.ru_utime + u.ru_stime))
sys.exit(r.returncode)' "$@" 2>&3
}
metrics() {
	"$PY" "$nf/score.py" "$1" | awk '$1 == "nDCG@10" || $1 == "R@100" || $1 == "MRR@10" { printf "%s %s  ", $1, $2 }'
}
echo "load: $(uptime | sed 's/.*load average: //')"

# Document records, and the test queries with their ids.
"$PY" - "$nf" "$tmp" <<'PY'
import json, sys
nf, tmp = sys.argv[1], sys.argv[2]
with open(tmp + "/docs.jsonl", "w") as out:
    for l in open(nf + "/corpus.jsonl", encoding="utf-8"):
        d = json.loads(l)
        out.write(json.dumps({"doc": d["_id"], "title": d["title"],
            "text": d["text"]}, ensure_ascii=False) + "\n")
test = set(l.split("\t")[0] for l in list(open(nf + "/qrels/test.tsv"))[1:])
with open(tmp + "/queries.jsonl", "w") as out:
    for l in open(nf + "/queries.jsonl", encoding="utf-8"):
        q = json.loads(l)
        if q["_id"] in test:
            out.write(json.dumps({"id": q["_id"], "query": q["text"]},
                ensure_ascii=False) + "\n")
PY
echo "queries: $(wc -l <"$tmp/queries.jsonl")"

# One chunk a document (abstracts are short): BM25 over whole documents,
# as the published figures are.
t0=$(date +%s.%N)
"$bin/quarry-chunk" --size 4096 "$tmp/docs.jsonl" >"$tmp/chunks.jsonl"
"$bin/quarry-embed" -q "$tmp/chunks.jsonl" >"$tmp/emb.jsonl"
t1=$(date +%s.%N)
ixcpu=$(cpu "$bin/quarry-index" --db "$tmp/kb" "$tmp/emb.jsonl" 3>&1 >/dev/null)
t2=$(date +%s.%N)
"$bin/quarry-index" --db "$tmp/kb" --check
"$bin/quarry-index" --db "$tmp/kb" --stats | grep -E '^(chunks|lexical)'
text=$("$PY" -c '
import json, sys
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    n += len(r["text"].encode()) + len(r.get("title", "").encode())
print(n)' "$tmp/chunks.jsonl")
lexb=$("$bin/quarry-index" --db "$tmp/kb" --stats | sed -n 's/^lexical_bytes: //p')
echo "lexical index: $lexb bytes for $text bytes of title and text ($("$PY" -c "print('%.2f' % ($lexb / $text))")x)"
echo "quarry-index (with vectors): $ixcpu s CPU"

# A TREC run from quarry-search's JSON: one line a document, its best chunk.
torun() {
	"$PY" -c '
import json, sys
seen = {}
for l in sys.stdin:
    r = json.loads(l)
    if "doc" not in r:
        continue
    q = r["query_id"]
    s = seen.setdefault(q, set())
    if r["doc"] in s or r["doc"] == q:
        continue
    s.add(r["doc"])
    print("%s Q0 %s %d %.6f %s" % (q, r["doc"], len(s), r["score"], sys.argv[1]))
' "$1"
}
for mode in lexical vector hybrid; do
	c=$(cpu sh -c "'$bin/quarry-search' --db '$tmp/kb' --mode $mode -k 1000 \
	    --no-collapse --fields query_id,doc,score <'$tmp/queries.jsonl' \
	    >'$tmp/$mode.json'" 3>&1)
	torun $mode <"$tmp/$mode.json" >"$tmp/$mode.trec"
	printf '%-16s %s (queries: %s s CPU)\n' "quarry $mode" \
	    "$(metrics "$tmp/$mode.trec")" "$c"
done

# SQLite FTS5 and Xapian on the same documents and queries.
"$PYX" - "$tmp" "$nf" <<'PY'
import json, re, sqlite3, subprocess, sys, time
tmp, nf = sys.argv[1], sys.argv[2]
docs = [json.loads(l) for l in open(tmp + "/docs.jsonl")]
qs = [json.loads(l) for l in open(tmp + "/queries.jsonl")]
def score(name, run):
    path = "%s/%s.trec" % (tmp, name)
    with open(path, "w") as f:
        f.write(run)
    out = subprocess.run([sys.executable, nf + "/score.py", path],
        capture_output=True, text=True).stdout.strip().split("\n")
    return "  ".join(l.split()[0] + " " + l.split()[1] for l in out
        if l.split()[0] in ("nDCG@10", "R@100", "MRR@10"))
WORD = re.compile(r"\w+", re.U)
# FTS5: porter stemming over unicode61; bm25() with its defaults (1.2, 0.75)
db = sqlite3.connect(":memory:")
db.execute("create virtual table d using fts5(id unindexed, title, text, tokenize='porter unicode61')")
t0 = time.process_time()
db.executemany("insert into d values (?,?,?)", ((d["doc"], d["title"], d["text"]) for d in docs))
db.commit()
t1 = time.process_time()
run = []
for q in qs:
    terms = WORD.findall(q["query"].lower())
    if not terms:
        continue
    expr = " OR ".join('"%s"' % t for t in terms)
    rows = db.execute("select id, bm25(d) from d where d match ? order by bm25(d) limit 1000", (expr,)).fetchall()
    for i, (doc, s) in enumerate(rows):
        if doc != q["id"]:
            run.append("%s Q0 %s %d %.6f fts5" % (q["id"], doc, i + 1, -s))
t2 = time.process_time()
print("%-16s %s  (index %.2f s CPU, queries %.2f s CPU)" % ("sqlite fts5", score("fts5", "\n".join(run) + "\n"), t1 - t0, t2 - t1))
try:
    import xapian
except ImportError:
    print("xapian: python3-xapian not installed")
    sys.exit(0)
wdb = xapian.WritableDatabase(tmp + "/xap", xapian.DB_CREATE_OR_OVERWRITE)
tg = xapian.TermGenerator()
tg.set_stemmer(xapian.Stem("english"))
tg.set_stemming_strategy(xapian.TermGenerator.STEM_ALL)
t0 = time.process_time()
for d in docs:
    doc = xapian.Document()
    tg.set_document(doc)
    tg.index_text(d["title"])
    tg.increase_termpos()
    tg.index_text(d["text"])
    doc.set_data(d["doc"])
    wdb.add_document(doc)
wdb.commit()
t1 = time.process_time()
enq = xapian.Enquire(wdb)
enq.set_weighting_scheme(xapian.BM25Weight(0.9, 0, 1, 0.4, 0.5))
qp = xapian.QueryParser()
qp.set_stemmer(xapian.Stem("english"))
qp.set_stemming_strategy(xapian.QueryParser.STEM_ALL)
qp.set_default_op(xapian.Query.OP_OR)
run = []
for q in qs:
    enq.set_query(qp.parse_query(q["query"]))
    for i, m in enumerate(enq.get_mset(0, 1000)):
        doc = m.document.get_data().decode()
        if doc != q["id"]:
            run.append("%s Q0 %s %d %.6f xapian" % (q["id"], doc, i + 1, m.weight))
t2 = time.process_time()
print("%-16s %s  (index %.2f s CPU, queries %.2f s CPU)" % ("xapian bm25", score("xapian", "\n".join(run) + "\n"), t1 - t0, t2 - t1))
PY
