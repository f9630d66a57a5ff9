#!/bin/sh
# tests/bench/pg.sh: quarry-pg's throughput: 100,000 chunk upserts with
# 384-dimension vectors (tests/store-gen) applied to PostgreSQL with
# pgvector in batches of 1000, then the same feed again (which must apply
# nothing), beside quarry-index storing the same records in an LMDB store
# in the same run.  The server is PGlite (PostgreSQL 18 compiled to
# WebAssembly, tests/pglite.sh), the only PostgreSQL with pgvector that
# installs here (Debian 12 has no pgvector package).
#   QUARRY_PG_BENCH_N=100000  the number of chunks
#   QUARRY_PG_BENCH_HNSW=1    also time building an HNSW index over them
. "${srcdir:-.}/tests/setup"
. "$srcdir/tests/pglite.sh"

n=${QUARRY_PG_BENCH_N:-100000}
[ -x "$top_builddir/filters/quarry-pg" ] || { echo "pg bench: SKIP (no quarry-pg: libpq missing)"; exit 0; }
PSQL=${PSQL:-$(command -v psql || true)}
make -s -C "$top_builddir" tests/store-gen >/dev/null
rc=0
pglite_start || rc=$?
[ "$rc" -eq 77 ] && { echo "pg bench: SKIP (PGlite cannot be installed)"; exit 0; }
[ "$rc" -eq 0 ] || exit 1
cd "$tmp"
"$top_builddir/tests/store-gen" -n $((n / 4 + 100)) -c 8 -d 384 -D "$tmp/docs" |
    head -n "$n" >recs.jsonl
perl -pe 's/^\{/{"change":"upsert","seq":$.,/' recs.jsonl >feed.jsonl
echo "pg bench: $n chunk upserts, 384 dimensions, $(du -m feed.jsonl | cut -f1) MB of feed; $("$PSQL" -XAtc 'SELECT version()' | cut -c1-40); load: $(cut -d' ' -f1-3 /proc/loadavg)"

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
now() { date +%s.%N; }

t0=$(now)
quarry-pg --create --batch 1000 -v feed.jsonl
t1=$(now)
quarry-pg -v feed.jsonl
t2=$(now)
quarry-index --db kb recs.jsonl
t3=$(now)
rows=$("$PSQL" -XAtc 'SELECT count(*) FROM quarry_chunks')
a=$(secs "$t0" "$t1"); b=$(secs "$t1" "$t2"); c=$(secs "$t2" "$t3")
echo "pg bench: quarry-pg applied $rows rows in $a s: $(awk -v n="$rows" -v s="$a" 'BEGIN { printf "%.0f", n / s }') rows/s"
echo "pg bench: the re-run (nothing to apply) took $b s"
echo "pg bench: quarry-index, the same records into LMDB: $c s ($(awk -v a="$a" -v c="$c" 'BEGIN { printf "%.2f", a / c }')x quarry-pg's time is quarry-index's)"
if [ "${QUARRY_PG_BENCH_HNSW:-0}" = 1 ]; then
	t4=$(now)
	"$PSQL" -Xqc 'CREATE INDEX ON quarry_chunks USING hnsw (embedding vector_cosine_ops)'
	t5=$(now)
	echo "pg bench: the HNSW index over $rows rows built in $(secs "$t4" "$t5") s"
fi
echo "pg bench: load after: $(cut -d' ' -f1-3 /proc/loadavg)"
