#!/bin/sh
# chunk-sizes.sh: the size of quarry-chunk's chunks with its default options
# (512 tokens, exact cl100k_base when its rank file is found) on prose, as
# counted by js-tiktoken (issue 19: none over 512, median at least 400).
# The prose: the shared corpus's web articles (extracted by quarry-html) and
# the README, NEWS and .txt files under /usr/share/doc (up to 8 MB).  Prints
# per corpus the number of chunks, the distribution of their sizes, and the
# median without each document's last chunk (a remainder) for comparison.
# Run by "make bench" from the build directory.
set -eu
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
build=$(pwd)
corpus=${QUARRY_CORPUS:-$top_srcdir/../shared/corpus}
out=$here/work/chunk-sizes
py=${PYTHON3:-python3}

make -s filters/quarry-chunk filters/quarry-html >/dev/null
mkdir -p "$out"
command -v node >/dev/null 2>&1 || { echo "chunk-sizes.sh: no node; skipped" >&2; exit 0; }
if [ ! -d "$here/node_modules/js-tiktoken" ]; then
	(cd "$here" && npm install --silent --no-audit --no-fund \
	    --no-package-lock >/dev/null 2>&1) ||
	    { echo "chunk-sizes.sh: npm install failed; skipped" >&2; exit 0; }
fi
"$build/filters/quarry-chunk" --help | grep '^Tokens here'

# /usr/share/doc prose.
"$py" - "$out/doc.jsonl" <<'PYEOF'
import glob, gzip, json, os, sys
total = 0
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for p in sorted(glob.glob("/usr/share/doc/**/*", recursive=True)):
        if total >= 8e6:
            break
        b = os.path.basename(p)
        if not os.path.isfile(p) or os.path.islink(p):
            continue
        try:
            if p.endswith(".gz"):
                if not any(k in b for k in ("NEWS", "README", ".txt")):
                    continue
                data = gzip.open(p).read()
            elif b.startswith("README") or p.endswith(".txt"):
                data = open(p, "rb").read()
            else:
                continue
        except Exception:
            continue
        t = data.decode("utf-8", "ignore").replace("\r", "")
        if len(t.strip()) < 200:
            continue
        f.write(json.dumps({"doc": p, "text": t}, ensure_ascii=False) + "\n")
        total += len(t.encode())
PYEOF
sets="doc"
if [ -d "$corpus/html-articles/html" ]; then
	for f in "$corpus"/html-articles/html/*.html.gz; do
		gzip -dc "$f" >"$out/page.html"
		"$build/filters/quarry-html" "$out/page.html" 2>/dev/null || true
	done >"$out/articles.jsonl"
	sets="articles doc"
else
	echo "chunk-sizes.sh: no shared corpus; the web articles are skipped" >&2
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %7s %5s %5s %6s %5s %5s %9s %16s\n' prose chunks min p10 median p90 max "over 512" "median, no last"
for s in $sets; do
	"$build/filters/quarry-chunk" -q "$out/$s.jsonl" >"$out/$s.chunks"
	(cd "$here" && node chunk-sizes.mjs "$out/$s.chunks") >"$out/$s.sizes"
	"$py" - "$s" "$out/$s.sizes" <<'PYEOF'
import statistics, sys
name, path = sys.argv[1], sys.argv[2]
rows = [tuple(map(int, l.split())) for l in open(path) if l.strip()]
t = sorted(r[0] for r in rows)
inner = [r[0] for r in rows if not r[1]]
q = lambda p: t[min(len(t) - 1, int(len(t) * p))]
over = sum(1 for x in t if x > 512)
med = statistics.median(t)
print("%-10s %7d %5d %5d %6.0f %5d %5d %9d %16s" % (name, len(t), t[0], q(0.1), med,
      q(0.9), t[-1], over, "%.0f" % statistics.median(inner) if inner else "-"))
print("%-10s none over 512: %s; median >= 400: %s" % ("", "met" if over == 0 else "MISSED",
      "met" if med >= 400 else "MISSED"))
PYEOF
done
