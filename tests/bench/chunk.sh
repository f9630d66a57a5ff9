#!/bin/sh
# chunk.sh: quarry-chunk against the JavaScript chunkers RAG pipelines use
# (LangChain.js RecursiveCharacterTextSplitter, LlamaIndex.TS SentenceSplitter,
# chonkie's RecursiveChunker and TokenChunker) on the same real prose, with
# comparable budgets: 1000 characters, and 256 and 512 cl100k tokens.  Prints
# MB/s, how many times faster quarry is, and for every tool the share of
# chunks that end mid-sentence and mid-word and that hold a U+FFFD the input
# did not, all scored by one scorer (chunk-score.py, which defines them).
# quarry-chunk is timed as a whole program (reading and writing JSON Lines);
# the peers time only their split calls on texts already in memory, so
# quarry's chunker is also timed that way (chunk-split.c), like for like.
# Then quarry's linearity (one 1 MB document against one 100 MB document).
# Run by "make bench" from the build directory.
#
#   tests/bench/chunk.sh [RANKFILE]
#
# The input is tests/bench/work/prose.jsonl (built once by prose.py: about
# 64 MB of manual pages and /usr/share/doc text; kept, git-ignored).  The
# peers are installed with npm into tests/bench/node_modules; a peer that
# cannot be installed or loaded is skipped.  The token budgets need
# cl100k_base.tiktoken (default: the shared corpus) and are skipped without
# it.  LlamaIndex's SentenceSplitter and chonkie's TokenChunker are
# super-linear and the token-counting peers slow (under 2 MB/s), so they run
# on the first 1 MB of the input (SLICE_MB); their speed is per MB all the
# same.  Speeds are the best of three runs (quarry) or one run (peers), with
# the load average printed: the numbers are only as good as an idle machine.
set -eu
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
build=$(pwd)
corpus=${QUARRY_CORPUS:-$top_srcdir/../shared/corpus}
rank=${1:-$corpus/tokenizers/cl100k_base.tiktoken}
work=$here/work
out=$work/chunk
slice_mb=${SLICE_MB:-1}
py=${PYTHON3:-python3}
chunk=$build/filters/quarry-chunk

make -s filters/quarry-chunk tests/bench/chunk-split >/dev/null
# The program itself rather than libtool's wrapper script, whose start-up
# (a shell) would be timed too.
if [ -x "$build/filters/.libs/quarry-chunk" ]; then
	chunk=$build/filters/.libs/quarry-chunk
	LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
fi
mkdir -p "$out"
prose=$work/prose.jsonl
if [ ! -s "$prose" ]; then
	echo "building $prose (a few minutes, once)" >&2
	"$py" "$here/prose.py" "$prose" 64
fi
if [ ! -d "$here/node_modules/@langchain/textsplitters" ] ||
    [ ! -d "$here/node_modules/@llamaindex/core" ] ||
    [ ! -d "$here/node_modules/@chonkiejs/core" ] ||
    [ ! -d "$here/node_modules/js-tiktoken" ]; then
	echo "installing the peers into $here/node_modules" >&2
	(cd "$here" && npm install --silent --no-audit --no-fund \
	    --no-package-lock >/dev/null 2>&1) ||
	    echo "chunk.sh: npm install failed; missing peers are skipped" >&2
fi
have_node=1
command -v node >/dev/null 2>&1 || have_node=0
have_tok=1
[ -r "$rank" ] || { have_tok=0; echo "chunk.sh: $rank: not found; token budgets skipped" >&2; }

# The slice for the slow peers, and one-document inputs for linearity.
"$py" - "$prose" "$out" "$slice_mb" <<'EOF'
import json, os, sys
prose, out, mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
stamp = os.path.join(out, ".inputs")
if os.path.exists(stamp) and open(stamp).read() == f"{mb} 2\n":
    sys.exit(0)
texts, n = [], 0
with open(prose, encoding="utf-8") as f, \
        open(os.path.join(out, "slice.jsonl"), "w", encoding="utf-8") as s:
    for line in f:
        if n < mb * 1e6:
            s.write(line)
            n += len(line.encode())
        texts.append(json.loads(line)["text"])
big = "\n\n".join(texts)
for name, size, copies in (("one-1mb", 1e6, 1), ("hundred-1mb", 1e6, 100),
                           ("one-100mb", 1e8, 1)):
    t = big
    while len(t.encode()) < size:
        t += "\n\n" + big
    t = t.encode()[:int(size)].decode("utf-8", "ignore")
    with open(os.path.join(out, name + ".jsonl"), "w", encoding="utf-8") as o:
        for k in range(copies):
            o.write(json.dumps({"doc": f"{name}-{k}", "text": t},
                               ensure_ascii=False) + "\n")
open(stamp, "w").write(f"{mb} 2\n")
EOF

textbytes() {	# FILE: the UTF-8 bytes of its documents' texts
	"$py" -c 'import json, sys
print(sum(len(json.loads(l)["text"].encode()) for l in open(sys.argv[1], encoding="utf-8")))' "$1"
}

now() { date +%s.%N; }

quarry_best() {	# INPUT ARGS...: best wall time of three runs, to /dev/null
	in=$1
	shift
	best=
	for _ in 1 2 3; do
		t0=$(now)
		"$chunk" -q "$@" "$in" >/dev/null
		t=$(echo "$(now) - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then
			best=$t
		fi
	done
	echo "$best"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
prose_bytes=$(textbytes "$prose")
slice_bytes=$(textbytes "$out/slice.jsonl")
printf '%-28s %-10s %7s %9s %9s %8s %8s %6s\n' tool budget input MB/s \
    "quarry x" "mid-sent" mid-word FFFD
results=$out/results
: >"$results"

row() {	# TOOL BUDGET INPUTMB MBS QMBS SCORE
	set -- "$@"
	ratio=$(echo "$5 / $4" | bc -l)
	# shellcheck disable=SC2086
	set -- "$1" "$2" "$3" "$4" "$ratio" $6
	printf '%-28s %-10s %5.0fMB %9.2f %9.1f %7.2f%% %7.2f%% %6s\n' \
	    "$1" "$2" "$3" "$4" "$5" "$7" "$8" "$9"
	echo "$1|$2|$4|$7|$8|$9" >>"$results"
}

peer() {	# TOOL UNIT SIZE INPUT QMBS LABEL BUDGET
	[ "$have_node" = 1 ] || return 0
	rc=0
	# By characters, the best of three passes (as quarry's best of three
	# runs); the token-counting peers, at under 1 MB/s, one.
	passes=1
	[ "$2" = chars ] && passes=3
	res=$(cd "$here" && CHUNK_PEERS_PASSES=$passes node chunk-peers.mjs \
	    "$1" "$2" "$3" "$4" "$out/peer.jsonl" 2>"$out/peer.err") || rc=$?
	if [ "$rc" != 0 ]; then
		printf '%-28s %-10s skipped: %s\n' "$6" "$7" \
		    "$(tail -n 1 "$out/peer.err")"
		return 0
	fi
	set -- "$@" $res
	mbs=$(echo "$8 / $9 / 1000000" | bc -l)
	row "$6" "$7" "$(echo "$8 / 1000000" | bc -l)" "$mbs" "$5" \
	    "$("$py" "$here/chunk-score.py" "$4" "$out/peer.jsonl")"
}

# ------------------------------------------------------------ characters
t=$(quarry_best "$prose" --unit chars --size 1000)
qchars=$(echo "$prose_bytes / $t / 1000000" | bc -l)
"$chunk" -q --unit chars --size 1000 "$prose" >"$out/quarry.jsonl"
row quarry-chunk "1000 chars" "$(echo "$prose_bytes / 1000000" | bc -l)" \
    "$qchars" "$qchars" "$("$py" "$here/chunk-score.py" "$prose" "$out/quarry.jsonl")"
# The peers are timed on their split calls alone, over texts already in
# memory (chunk-peers.mjs); quarry's chunker timed the same way:
set -- $("$build/tests/bench/chunk-split" "$prose" 1000)
qsplit=$(echo "$1 / $2 / 1000000" | bc -l)
row "quarry chunker (split only)" "1000 chars" "$(echo "$1 / 1000000" | bc -l)" \
    "$qsplit" "$qsplit" "$("$py" "$here/chunk-score.py" "$prose" "$out/quarry.jsonl")"
peer langchain chars 1000 "$prose" "$qchars" "LangChain Recursive" "1000 chars"
peer chonkie chars 1000 "$prose" "$qchars" "chonkie Recursive (WASM)" "1000 chars"

# ---------------------------------------------------------------- tokens
if [ "$have_tok" = 1 ]; then
	for n in 256 512; do
		t=$(quarry_best "$prose" -t "$rank" --size "$n")
		qtok=$(echo "$prose_bytes / $t / 1000000" | bc -l)
		"$chunk" -q -t "$rank" --size "$n" "$prose" >"$out/quarry.jsonl"
		row quarry-chunk "$n cl100k" \
		    "$(echo "$prose_bytes / 1000000" | bc -l)" "$qtok" "$qtok" \
		    "$("$py" "$here/chunk-score.py" "$prose" "$out/quarry.jsonl")"
		# Scored on the peers' slice too; its speed is the full run's.
		"$chunk" -q -t "$rank" --size "$n" "$out/slice.jsonl" >"$out/quarry.jsonl"
		row "quarry-chunk (slice)" "$n cl100k" \
		    "$(echo "$slice_bytes / 1000000" | bc -l)" "$qtok" "$qtok" \
		    "$("$py" "$here/chunk-score.py" "$out/slice.jsonl" "$out/quarry.jsonl")"
		peer langchain tokens "$n" "$out/slice.jsonl" "$qtok" \
		    "LangChain Recursive" "$n cl100k"
		peer llamaindex tokens "$n" "$out/slice.jsonl" "$qtok" \
		    "LlamaIndex SentenceSplitter" "$n cl100k"
		peer chonkie tokens "$n" "$out/slice.jsonl" "$qtok" \
		    "chonkie TokenChunker" "$n cl100k"
	done
fi

# ------------------------------------------------------------- linearity
# The same 100 MB as 100 documents of 1 MB and as one document (same
# process start-up), and one 1 MB document alone, which is mostly start-up:
# the library loads every dependency of libquarry.
echo
for f in one-1mb hundred-1mb one-100mb; do
	b=$(textbytes "$out/$f.jsonl")
	t=$(quarry_best "$out/$f.jsonl" --unit chars --size 1000)
	printf 'linearity: %-12s %5.0f MB, --unit chars --size 1000: %7.1f MB/s (%.3f s)\n' \
	    "$f" "$(echo "$b / 1000000" | bc -l)" "$(echo "$b / $t / 1000000" | bc -l)" "$t"
done
t0=$(now)
"$chunk" -q </dev/null
echo "process start-up alone: $(echo "$(now) - $t0" | bc -l | cut -c1-5) s"


# --------------------------------------------------------------- targets
echo
best_js=$(awk -F'|' '$2 == "1000 chars" && $1 !~ /^quarry/ { if ($3 > m) m = $3 } END { print m + 0 }' "$results")
awk -F'|' -v q="$qchars" -v qs="$qsplit" -v js="$best_js" '
	function verdict(ok) { return ok ? "met" : "MISSED" }
	BEGIN {
		printf "target >= 400 MB/s by characters: %.0f MB/s, %s\n", q, verdict(q >= 400)
		if (js > 0) {
			printf "target >= 10x the fastest JavaScript peer: %.1fx, %s (whole program against their split calls)\n", q / js, verdict(q >= 10 * js)
			printf "                                            %.1fx, %s (split against split)\n", qs / js, verdict(qs >= 10 * js)
		}
	}
	$1 == "quarry-chunk" && $2 ~ /cl100k/ {
		printf "target >= 80 MB/s with exact tokens (%s): %.1f MB/s, %s\n", $2, $3, verdict($3 >= 80)
	}
	$1 == "quarry-chunk" {
		printf "target < 1%% mid-sentence (%s): %.2f%%, %s; mid-word %.2f%%; U+FFFD %d\n", $2, $4, verdict($4 < 1), $5, $6
	}' "$results"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
