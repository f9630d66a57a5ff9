#!/bin/sh
# tests/bench/embed.sh: quarry-embed throughput.
#
# 1. The built-in embedder (hash-v1/384) on ~20k chunk records made from the
#    shared corpus (or generated text when it is absent): MB/s of text and
#    chunks/s, end to end (read, embed, write records), against
#    scikit-learn's HashingVectorizer (word unigrams and bigrams, 384
#    features, l2), the peer a Python user would reach for, when installed
#    (apt-get install python3-sklearn).  The peer only computes the vectors:
#    its figure leaves out reading and writing JSON Lines.
# 2. The HTTP client against the local test server (tests/embed-server.py,
#    which answers each request after 20 ms to stand for a model): requests/s
#    with --parallel 1 and --parallel 8, and against a sequential Python
#    client (urllib, one request at a time) as a scripted peer.
#
# usage: tests/bench/embed.sh [BUILDDIR]   (run once; not part of make check)
set -eu
LC_ALL=C
export LC_ALL
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY 2>/dev/null || true
b=$(cd "${1:-${top_builddir:-.}}" && pwd)
src=$(cd "${srcdir:-$(dirname "$0")/../..}" && pwd)
qe=$b/filters/quarry-embed
if [ -x "$b/filters/.libs/quarry-embed" ]; then
	qe=$b/filters/.libs/quarry-embed
	LD_LIBRARY_PATH=$b/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
fi
w=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench-embed.XXXXXX")
server_pid=
trap '[ -n "$server_pid" ] && kill $server_pid 2>/dev/null; rm -rf "$w"' EXIT
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# ~20k chunks of about 500 bytes: sentences of the shared corpus when there,
# else generated words.
python3 - "$src/../shared/corpus/sentences" >"$w/chunks.jsonl" <<'EOF'
import json, os, random, sys
texts = []
d = sys.argv[1]
if os.path.isdir(d):
    for name in sorted(os.listdir(d)):
        if name.endswith(".jsonl"):
            for line in open(os.path.join(d, name), encoding="utf-8"):
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                for k in ("text", "input", "source"):
                    if isinstance(r.get(k), str):
                        texts.append(r[k])
                        break
words = " ".join(texts).split() or ["lorem", "ipsum", "dolor", "sit"]
rnd = random.Random(1)
pos = 0
for i in range(20000):
    n = 80
    if pos + n > len(words):
        pos = 0
    chunk = " ".join(words[pos:pos + n]) if len(words) > n else \
        " ".join(rnd.choice(words) for _ in range(n))
    pos += n
    print(json.dumps({"doc": "bench", "id": "bench#%d" % i, "text": chunk},
                     ensure_ascii=False))
EOF
n=$(wc -l <"$w/chunks.jsonl")
mb=$(python3 -c "import json,sys; print(sum(len(json.loads(l)['text'].encode()) for l in open(sys.argv[1]))/1e6)" "$w/chunks.jsonl")
echo "built-in embedder: $n chunks, $mb MB of text"
t0=$(now)
"$qe" <"$w/chunks.jsonl" >"$w/out.jsonl"
t1=$(now)
ours=$(secs "$t0" "$t1")
awk -v s="$ours" -v n="$n" -v mb="$mb" 'BEGIN {
	printf "  quarry-embed (hash-v1/384): %.3f s, %.1f MB/s, %.0f chunks/s\n", s, mb / s, n / s }'
# Records that already have an embedding take the jansson path (a json_t
# real per component); the others are printed directly.
t0=$(now)
"$qe" <"$w/out.jsonl" >/dev/null
t1=$(now)
awk -v s="$(secs "$t0" "$t1")" -v n="$n" 'BEGIN {
	printf "  re-embedding records that have a vector (jansson path): %.3f s, %.0f chunks/s\n", s, n / s }'
echo "  (output $(($(wc -c <"$w/out.jsonl") / 1048576)) MB of JSON Lines)"
skpy=
for py in python3 /usr/bin/python3; do
	if "$py" -c "import sklearn" 2>/dev/null; then skpy=$py; break; fi
done
if [ -n "$skpy" ]; then
	peer=$("$skpy" - "$w/chunks.jsonl" <<'EOF'
import json, sys, time
from sklearn.feature_extraction.text import HashingVectorizer
texts = [json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf-8")]
hv = HashingVectorizer(n_features=384, ngram_range=(1, 2), norm="l2",
                       alternate_sign=True)
t0 = time.time()
m = hv.transform(texts)
dense = m.toarray().astype("float32")
print("%.3f" % (time.time() - t0))
EOF
)
	awk -v s="$peer" -v n="$n" -v mb="$mb" -v o="$ours" 'BEGIN {
		printf "  sklearn HashingVectorizer (vectors only): %.3f s, %.1f MB/s, %.0f chunks/s\n", s, mb / s, n / s
		printf "  ratio: quarry-embed end to end is %.2fx the speed of the peer\n", s / o }'
else
	echo "  (peer skipped: python3-sklearn is not installed)"
fi

# --------------------------------------------------------------- HTTP
python3 "$src/tests/embed-server.py" --idle 60 >"$w/port" 2>"$w/server.err" &
server_pid=$!
i=0
while [ ! -s "$w/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
url=http://127.0.0.1:$(cat "$w/port")
head -n 4000 "$w/chunks.jsonl" >"$w/http.jsonl"
reqs=$((4000 / 16))
echo "HTTP client: 4000 chunks in batches of 16 ($reqs requests), server latency 20 ms"
for p in 1 8; do
	t0=$(now)
	"$qe" --url "$url" --model "bench$p+latency" --batch 16 --parallel $p \
	    <"$w/http.jsonl" >"$w/http.out"
	t1=$(now)
	s=$(secs "$t0" "$t1")
	eval "s$p=$s"
	awk -v s="$s" -v r=$reqs -v p=$p 'BEGIN {
		printf "  quarry-embed --parallel %d: %.3f s, %.0f requests/s\n", p, s, r / s }'
	[ "$(wc -l <"$w/http.out")" -eq 4000 ]
done
peer=$(python3 - "$url" "$w/http.jsonl" <<'EOF'
import json, sys, time, urllib.request
url, path = sys.argv[1], sys.argv[2]
texts = [json.loads(l)["text"] for l in open(path, encoding="utf-8")]
t0 = time.time()
for i in range(0, len(texts), 16):
    body = json.dumps({"model": "peer+latency", "input": texts[i:i + 16]}).encode()
    req = urllib.request.Request(url + "/v1/embeddings", body,
                                 {"Content-Type": "application/json"})
    data = json.load(urllib.request.urlopen(req))["data"]
    assert len(data) == len(texts[i:i + 16])
print("%.3f" % (time.time() - t0))
EOF
)
awk -v s1="$s1" -v s8="$s8" -v p="$peer" -v r=$reqs 'BEGIN {
	printf "  python urllib, sequential: %.3f s, %.0f requests/s\n", p, r / p
	printf "  ratios: --parallel 8 vs 1: %.2fx; --parallel 1 vs python: %.2fx; --parallel 8 vs python: %.2fx\n", s1 / s8, p / s1, p / s8 }'
