#!/bin/sh
# lexical-speed.sh: the lexical index's speed and size on N chunks of
# Zipf-distributed text (default 1,000,000), beside SQLite FTS5 (python3
# sqlite3) and Xapian (python3-xapian) on the same text in the same run:
#   - lexical indexing CPU time, like for like: quarry-index
#     --reindex-lexical on the store (reads each stored chunk record,
#     analyses its text: NFKC, case folding, words, English stop words and
#     Snowball stemming; writes the postings and statistics, one commit)
#     against FTS5 inserting the same texts into a table with the porter
#     tokenizer (tokenizes, stems, writes its postings and keeps the text),
#     one commit; Xapian adds documents (no stemming) for reference;
#   - the whole quarry-index run on the chunk records too (parsing the JSON,
#     storing records, 2-float vectors, the hash cache, the field index, the
#     document entries and the postings), against the same FTS5 figure;
#   - lexical index bytes against the chunk text's bytes;
#   - single-thread k=10 BM25 query latency (median and mean, from
#     quarry-search --stats) and queries/s against Xapian's;
#   - re-indexing after 1% of the documents change, against the full run.
# Times are CPU seconds (user + system), which load on the machine disturbs
# less than wall time; the load average is printed.
#
# Usage: tests/bench/lexical-speed.sh [BUILDDIR]; N=200000 for a smaller run.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${top_builddir:-$top}}
bin=$build/filters
N=${N:-1000000}
Q=${Q:-1000}
PY=${PYTHON3:-python3}
PYX=$PY
$PYX -c 'import xapian' 2>/dev/null || PYX=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lexspeed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "load: $(uptime | sed 's/.*load average: //'); $N chunks, $Q queries"
cpu() {
	"$PY" -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write("%.2f\n" % (u.ru_utime + u.ru_stime))
sys.exit(r.returncode)' "$@" 2>&3
}

# The text: words of a 100,000-word vocabulary drawn with Zipf's law
# (s = 1), 20 to 120 words a chunk; queries of 2 to 4 words drawn alike.
"$PY" - "$tmp" "$N" "$Q" <<'PY'
import bisect, hashlib, json, random, sys
tmp, n, nq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(42)
syl = ["ka", "lo", "mi", "ren", "tas", "vo", "pel", "dri", "nu", "sha",
       "gor", "bel", "tin", "qua", "zo", "fer"]
vocab = []
while len(vocab) < 100000:
    w = "".join(rnd.choice(syl) for _ in range(rnd.randint(1, 4)))
    vocab.append(w)
cum, t = [], 0.0
for i in range(len(vocab)):
    t += 1.0 / (i + 1)
    cum.append(t)
def word():
    return vocab[bisect.bisect(cum, rnd.random() * t)]
def text(k):
    return " ".join(word() for _ in range(k))
with open(tmp + "/chunks.jsonl", "w") as out, open(tmp + "/texts.txt", "w") as tx:
    for i in range(n):
        s = text(rnd.randint(20, 120))
        h = hashlib.md5(s.encode()).hexdigest()
        out.write(json.dumps({"doc": "d%07d" % i, "id": "d%07d#0" % i,
            "chunk": 0, "text": s, "hash": h, "model": "bench/2",
            "embedding": [rnd.random() - 0.5, rnd.random() - 0.5]}) + "\n")
        tx.write(s + "\n")
# 1% of the documents changed.
with open(tmp + "/changed.jsonl", "w") as out:
    for i in rnd.sample(range(n), n // 100):
        s = text(rnd.randint(20, 120))
        out.write(json.dumps({"doc": "d%07d" % i, "id": "d%07d#0" % i,
            "chunk": 0, "text": s, "hash": hashlib.md5(s.encode()).hexdigest(),
            "model": "bench/2", "embedding": [0.25, -0.5]}) + "\n")
with open(tmp + "/queries.jsonl", "w") as out:
    for i in range(nq):
        out.write(json.dumps({"id": "q%d" % i,
            "query": text(rnd.randint(2, 4))}) + "\n")
PY
textbytes=$(wc -c <"$tmp/texts.txt")

full=$(cpu "$bin/quarry-index" -q --db "$tmp/kb" "$tmp/chunks.jsonl" 3>&1)
lexb=$("$bin/quarry-index" --db "$tmp/kb" --stats | sed -n 's/^lexical_bytes: //p')
lexi=$(cpu "$bin/quarry-index" -q --db "$tmp/kb" --reindex-lexical 3>&1)
inc=$(cpu "$bin/quarry-index" -q --db "$tmp/kb" "$tmp/changed.jsonl" 3>&1)
"$bin/quarry-index" --db "$tmp/kb" --stats | grep -E '^(chunks|lexical_)'
"$bin/quarry-search" --db "$tmp/kb" --mode lexical -k 10 -j 1 --stats \
    --fields id,score <"$tmp/queries.jsonl" 2>"$tmp/stats" >/dev/null
qcpu=$(cpu "$bin/quarry-search" --db "$tmp/kb" --mode lexical -k 10 -j 1 \
    --fields id,score <"$tmp/queries.jsonl" 3>&1 >/dev/null)
"$PY" - "$tmp" "$full" "$inc" "$qcpu" "$Q" "$lexb" "$textbytes" "$lexi" <<'PY' >"$tmp/quarry.txt"
import re, statistics, sys
tmp, full, inc, qcpu, nq, lexb, tb, lexi = sys.argv[1:]
ms = [float(m) for m in re.findall(r"in ([0-9.]+) ms", open(tmp + "/stats").read())]
print("quarry: index %.2f s CPU; 1%% changed: %.2f s CPU (%.1f%% of the full run)" % (
    float(full), float(inc), 100 * float(inc) / float(full)))
print("quarry: lexical indexing (--reindex-lexical) %.2f s CPU" % float(lexi))
print("quarry: lexical index %s bytes for %s bytes of text (%.2fx)" % (lexb, tb, int(lexb) / int(tb)))
print("quarry: k=10 latency median %.3f ms, mean %.3f ms; %.0f queries/s CPU" % (
    statistics.median(ms), statistics.mean(ms), int(nq) / float(qcpu)))
print("QPS %f" % (int(nq) / float(qcpu)))
print("INDEX %f" % float(full))
print("LEXINDEX %f" % float(lexi))
PY
grep -v '^[A-Z]* ' "$tmp/quarry.txt"
"$PYX" - "$tmp" <<'PY'
import json, sqlite3, sys, time
tmp = sys.argv[1]
qps = float([l.split()[1] for l in open(tmp + "/quarry.txt") if l.startswith("QPS")][0])
qidx = float([l.split()[1] for l in open(tmp + "/quarry.txt") if l.startswith("INDEX")][0])
qlex = float([l.split()[1] for l in open(tmp + "/quarry.txt") if l.startswith("LEXINDEX")][0])
texts = [l.rstrip("\n") for l in open(tmp + "/texts.txt")]
qs = [json.loads(l)["query"] for l in open(tmp + "/queries.jsonl")]
db = sqlite3.connect(tmp + "/fts.db")
db.execute("pragma journal_mode=off")
db.execute("create virtual table d using fts5(text, tokenize='porter unicode61')")
t0 = time.process_time()
db.executemany("insert into d(rowid, text) values (?,?)", enumerate(texts))
db.commit()
t1 = time.process_time()
print("sqlite fts5 (porter): index %.2f s CPU; lexical indexing quarry / fts5: "
    "%.2f time, %.2fx fts5's throughput; whole quarry-index / fts5: %.2f" % (
    t1 - t0, qlex / (t1 - t0), (t1 - t0) / qlex, qidx / (t1 - t0)))
t0 = time.process_time()
for q in qs:
    db.execute("select rowid from d where d match ? order by bm25(d) limit 10",
        (" OR ".join(q.split()),)).fetchall()
t1 = time.process_time()
print("sqlite fts5: %.0f queries/s CPU (quarry / fts5: %.2f)" % (len(qs) / (t1 - t0), qps / (len(qs) / (t1 - t0))))
try:
    import xapian
except ImportError:
    print("xapian: python3-xapian not installed"); sys.exit(0)
wdb = xapian.WritableDatabase(tmp + "/xap", xapian.DB_CREATE_OR_OVERWRITE)
tg = xapian.TermGenerator()
t0 = time.process_time()
for i, s in enumerate(texts):
    d = xapian.Document()
    tg.set_document(d)
    tg.index_text(s)
    wdb.add_document(d)
wdb.commit()
t1 = time.process_time()
print("xapian: index %.2f s CPU (lexical indexing quarry / xapian: %.2f; whole quarry-index / xapian: %.2f)" % (
    t1 - t0, qlex / (t1 - t0), qidx / (t1 - t0)))
enq = xapian.Enquire(wdb)
enq.set_weighting_scheme(xapian.BM25Weight(0.9, 0, 1, 0.4, 0.5))
qp = xapian.QueryParser()
qp.set_default_op(xapian.Query.OP_OR)
parsed = [qp.parse_query(q) for q in qs]
t0 = time.process_time()
for q in parsed:
    enq.set_query(q)
    enq.get_mset(0, 10)
t1 = time.process_time()
print("xapian: %.0f queries/s CPU (quarry / xapian: %.2f)" % (len(qs) / (t1 - t0), qps / (len(qs) / (t1 - t0))))
PY
