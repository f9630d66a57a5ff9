#!/bin/sh
# chunk-speed.sh: quarry-chunk's speed as a whole program (issue 19), against
# LangChain.js's RecursiveCharacterTextSplitter.splitText (chunkSize 1000)
# on the same texts in the same run:
#
#   - spaced.txt: 20 MB of plain text with many runs of spaces, the w3m
#     dumps (-cols 80) of the HTML manuals under /usr/share/doc and of the
#     shared corpus's articles, in name order, repeated up to 20 MB and cut
#     at a line end; chunked with --text (one document);
#   - prose.jsonl: the 64 MB bench corpus of chunk.sh (document records).
#
# For each: "--unit chars --size 1000" (targets: at least 400 MB/s and 10
# times LangChain's splitText), and exact cl100k tokens "--size 512"
# (target: at least 80 MB/s).  quarry-chunk is timed as a program (start-up,
# reading, writing JSON Lines to /dev/null, and exit, from just before it
# is started to just after it is reaped); LangChain only inside its split
# calls, on texts already in memory, in one node process.  They are timed
# in rounds (CHUNK_SPEED_RUNS, default 21; chunk-rounds.py): one run of
# each build of quarry-chunk, then one pass of LangChain, round after
# round, so that all are timed over the same stretch of time (here the
# speed of everything moves by a third from one half second to the next;
# when quarry-chunk's runs were timed together before and after
# LangChain's passes, they could land in a slow stretch that LangChain's
# missed, or the other way round).  The best round of each is reported, and
# the median of the rounds' ratios (LangChain's pass over quarry-chunk's run
# in the same round); LangChain's first pass, with the JIT not yet warm,
# runs up to 27% slower than the next.  The two disagree: here the host
# has fast stretches in which a program that keeps both CPUs busy gains
# less than one that keeps one busy (two quarry-chunk -j 1 at once took
# 25% more CPU time each than one alone, in those stretches only), so the
# best of LangChain's passes, one thread, comes from a faster stretch than
# quarry-chunk's best, two threads, can use; the ratio within each round
# compares the two in the same conditions.  The load
# average is printed before and after; wall time on a shared machine is
# noisy, so valgrind's instruction counts (callgrind) are printed too, which
# repeat exactly from run to run (with two threads they include the work
# of both, and the second thread's chunks past the meeting point).
# quarry-chunk runs with its default threads (two on two CPUs or more) and
# with -j 1.  With QUARRY_CHUNK_BASE=PROGRAM, another
# build of quarry-chunk (say, of the previous commit) is measured the same
# way, for a before/after in one run.  Run by "make bench" from the build
# directory.
#
#   tests/bench/chunk-speed.sh [RANKFILE]
#
# Needs w3m (or lynx) for spaced.txt, node and npm for LangChain (skipped
# without them) and valgrind for the instruction counts (skipped without).
set -eu
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
build=$(pwd)
corpus=${QUARRY_CORPUS:-$top_srcdir/../shared/corpus}
rank=${1:-}
work=$here/work
out=$work/chunk-speed
py=${PYTHON3:-python3}
chunk=$build/filters/quarry-chunk
base=${QUARRY_CHUNK_BASE:-}

make -s filters/quarry-chunk >/dev/null
if [ -x "$build/filters/.libs/quarry-chunk" ]; then
	chunk=$build/filters/.libs/quarry-chunk
	LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
fi
if [ -z "$rank" ]; then
	for r in "$top_srcdir/tokenizers/cl100k_base.tiktoken" \
	    "$corpus/tokenizers/cl100k_base.tiktoken"; do
		[ -r "$r" ] && { rank=$r; break; }
	done
fi
mkdir -p "$out"

# ---------------------------------------------------------------- inputs
prose=$work/prose.jsonl
if [ ! -s "$prose" ]; then
	echo "building $prose (a few minutes, once)" >&2
	"$py" "$here/prose.py" "$prose" 64
fi
spaced=$work/spaced.txt
if [ ! -s "$spaced" ]; then
	dump=
	if command -v w3m >/dev/null 2>&1; then
		dump="w3m -dump -cols 80 -O UTF-8 -T text/html"
	elif command -v lynx >/dev/null 2>&1; then
		dump="lynx -dump -stdin -width=80 -display_charset=utf-8 -nolist"
	fi
	if [ -n "$dump" ]; then
		echo "building $spaced with ${dump%% *} (once)" >&2
		"$py" - "$spaced" "$corpus/html-articles/html" "$dump" <<'EOF'
import glob, gzip, os, subprocess, sys
out, arts, dump = sys.argv[1], sys.argv[2], sys.argv[3].split()
files = sorted(glob.glob("/usr/share/doc/**/*.html", recursive=True))
files += sorted(glob.glob(os.path.join(arts, "*.html.gz")))
parts = []
for p in files:
    try:
        data = gzip.open(p).read() if p.endswith(".gz") else open(p, "rb").read()
        r = subprocess.run(dump, input=data, capture_output=True, timeout=60)
    except Exception:
        continue
    parts.append(r.stdout.decode("utf-8", "ignore").encode())
text = b"".join(parts)
want = 20 * 1000 * 1000
if not text:
    sys.exit("no HTML to dump")
t = text * (want // len(text) + 1)
t = t[:t.rindex(b"\n", 0, want) + 1]
open(out + ".tmp", "wb").write(t)
os.rename(out + ".tmp", out)
EOF
	else
		echo "chunk-speed.sh: no w3m or lynx; the spaced text is skipped" >&2
	fi
fi
if [ -s "$spaced" ] && [ ! "$out/spaced.jsonl" -nt "$spaced" ]; then
	"$py" -c 'import json, sys
t = open(sys.argv[1], encoding="utf-8").read()
print(json.dumps({"doc": "spaced.txt", "text": t}, ensure_ascii=False))' \
	    "$spaced" >"$out/spaced.jsonl"
fi
have_node=1
command -v node >/dev/null 2>&1 || have_node=0
if [ "$have_node" = 1 ] && [ ! -d "$here/node_modules/@langchain/textsplitters" ]; then
	echo "installing the peers into $here/node_modules" >&2
	(cd "$here" && npm install --silent --no-audit --no-fund \
	    --no-package-lock >/dev/null 2>&1) ||
	    echo "chunk-speed.sh: npm install failed; LangChain is skipped" >&2
fi

# ---------------------------------------------------------------- timing
# Rounds (CHUNK_SPEED_RUNS, default 21): in each, every build is run once
# and then LangChain does one pass over the same texts, in one node process
# kept from round to round (chunk-rounds.py): all are timed over the same
# stretch of time, which matters here, where the speed of everything moves
# by a third from one half second to the next.  The best of the rounds is
# reported for each, and the median over the rounds of the ratio of
# LangChain's pass to quarry-chunk's run in the same round.  With 11
# rounds that median moved from 9.6x to 13.1x between three runs of the
# same build; with 21, 12.1x to 12.6x.
runs=${CHUNK_SPEED_RUNS:-21}

textbytes() {	# FILE: the UTF-8 bytes of its documents' texts
	"$py" -c 'import json, sys
print(sum(len(json.loads(l)["text"].encode()) for l in open(sys.argv[1], encoding="utf-8")))' "$1"
}

instructions() {	# PROGRAM ARGS...: instructions executed (callgrind)
	valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
	    "$@" >/dev/null 2>"$out/callgrind.err" || { echo 0; return; }
	awk '/^summary:/ { print $2 }' "$out/callgrind.out"
}

# The instruction counts are taken on the first CALLGRIND_MB megabytes of
# an input (default 8; callgrind runs 50 times slower than the program),
# per byte of that slice.
cg_mb=${CALLGRIND_MB:-8}

have_vg=0
command -v valgrind >/dev/null 2>&1 && [ "${CALLGRIND:-1}" != 0 ] && have_vg=1
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
printf '%-12s %-22s %-14s %9s %11s %9s\n' input budget program MB/s \
    "Minstr/slice" "instr/B"
results=$out/results
: >"$results"
: >"$out/paired"

slice() {	# FILE: a slice of its first cg_mb MB (whole lines), to stdout
	head -c "$((cg_mb * 1000000))" "$1" | awk -v full="$(wc -c <"$1")" \
	    -v cut="$((cg_mb * 1000000))" 'NR > 1 { print prev } { prev = $0 }
	    END { if (full <= cut) print prev }'
}

# The builds measured: this one with its default threads and with -j 1,
# and QUARRY_CHUNK_BASE.
tags() { echo "quarry-chunk"; echo "quarry -j 1"; [ -z "$base" ] || echo base; }

prog_of() {	# TAG: the program and its -j option
	case $1 in
	base) echo "$base" ;;
	*-j*) echo "$chunk -j 1" ;;
	*) echo "$chunk" ;;
	esac
}

report() {	# NAME LABEL BUDGET BYTES FILE OPTIONS...: one row per build
	name=$1 label=$2 budget=$3 bytes=$4 file=$5
	shift 5
	slb=1
	if [ "$have_vg" = 1 ]; then
		case $file in
		*.jsonl) sl=$out/slice.jsonl; slice "$file" >"$sl"
			slb=$(textbytes "$sl") ;;
		*) sl=$out/slice.txt; slice "$file" >"$sl"; slb=$(wc -c <"$sl") ;;
		esac
	fi
	tags | while read -r tag; do
		t=$(awk -F'|' -v n="$name" -v g="$tag" '$1 == n && $2 == g &&
		    (b == "" || $3 < b) { b = $3 } END { print b }' "$out/times")
		mbs=$(echo "$bytes / $t / 1000000" | bc -l)
		ins=0
		# shellcheck disable=SC2046
		[ "$have_vg" = 1 ] && ins=$(instructions $(prog_of "$tag") -q \
		    "$@" "$sl")
		printf '%-12s %-22s %-14s %9.1f %11.0f %9.2f\n' "$name" "$label" \
		    "$tag" "$mbs" "$(echo "$ins / 1000000" | bc -l)" \
		    "$(echo "$ins / $slb" | bc -l)"
		echo "$name|$budget|$tag|$mbs" >>"$results"
	done
}

# A budget's rounds (chunk-rounds.py), then its rows.
measure() {	# PEER NAME LABEL BUDGET BYTES FILE OPTIONS...
	peer=$1 name=$2 label=$3 budget=$4 bytes=$5 file=$6
	shift 6
	: >"$out/times"
	pcmd=-
	if [ "$peer" != - ] && [ "$have_node" = 1 ]; then
		pcmd="cd '$here' && CHUNK_PEERS_PACED=1 exec node chunk-peers.mjs langchain chars 1000 '$peer' 2>'$out/peer.err'"
	fi
	# shellcheck disable=SC2046
	"$py" "$here/chunk-rounds.py" "$runs" "$pcmd" $(tags | while read -r tag; do
		printf -- '-- %s=%s -q ' "$(echo "$tag" | tr ' ' _)" "$(prog_of "$tag")"
		printf '%s ' "$@" "$file"
	done) >"$out/rounds" || {
		echo "chunk-speed.sh: $name: the rounds failed" >&2
		[ "$pcmd" = - ] || tail -n 1 "$out/peer.err" >&2
		exit 1
	}
	awk -v n="$name" '$1 != "peer" && $1 != "ratio" {
		t = $1; gsub("_", " ", t); print n "|" t "|" $2 }' \
	    "$out/rounds" >"$out/times"
	if [ "$pcmd" != - ]; then
		t=$(awk '$1 == "peer" { print $2 }' "$out/rounds")
		mbs=$(echo "$bytes / $t / 1000000" | bc -l)
		printf '%-12s %-22s %-14s %9.1f %11s %9s\n' "$name" "1000 chars" \
		    "LangChain.js" "$mbs" - -
		echo "$name|chars|langchain|$mbs" >>"$results"
		awk -v n="$name" '$1 == "ratio" && $2 == "quarry-chunk" {
			print n "|" $3 }' "$out/rounds" >>"$out/paired"
	fi
	report "$name" "$label" "$budget" "$bytes" "$file" "$@"
}

tok=
[ -n "$rank" ] && tok="-t $rank"
if [ -s "$spaced" ]; then
	b=$(wc -c <"$spaced")
	measure "$out/spaced.jsonl" spaced.txt "--text, 1000 chars" chars "$b" \
	    "$spaced" --text --unit chars --size 1000
	# shellcheck disable=SC2086
	[ -n "$tok" ] && measure - spaced.txt "--text, 512 cl100k" tokens \
	    "$b" "$spaced" --text $tok --size 512
fi
b=$(textbytes "$prose")
measure "$prose" prose.jsonl "1000 chars" chars "$b" "$prose" --unit chars \
    --size 1000
# shellcheck disable=SC2086
[ -n "$tok" ] && measure - prose.jsonl "512 cl100k" tokens "$b" "$prose" \
    $tok --size 512

echo
awk -F'|' '
	function verdict(ok) { return ok ? "met" : "MISSED" }
	$3 == "quarry-chunk" && $2 == "chars" { q[$1] = $4 }
	$3 == "quarry-chunk" && $2 == "tokens" { t[$1] = $4 }
	$3 == "quarry -j 1" && $2 == "chars" { q1[$1] = $4 }
	$3 == "langchain" { lc[$1] = $4 }
	END {
		for (f in q) {
			printf "%s: >= 400 MB/s by characters: %.0f MB/s, %s\n", f, q[f], verdict(q[f] >= 400)
			if (f in lc)
				printf "%s: >= 10x LangChain.js splitText: %.1fx, %s\n", f, q[f] / lc[f], verdict(q[f] >= 10 * lc[f])
			if ((f in lc) && (f in q1))
				printf "%s: one thread (-j 1): %.0f MB/s, %.1fx LangChain.js; two: %.2fx one\n", f, q1[f], q1[f] / lc[f], q[f] / q1[f]
		}
		for (f in t)
			printf "%s: >= 80 MB/s with exact cl100k tokens: %.0f MB/s, %s\n", f, t[f], verdict(t[f] >= 80)
	}' "$results"
# The same ratio round by round: LangChain's pass over quarry-chunk's run
# in the same round, the median of the rounds.
awk -F'|' -v r="$runs" '{ printf "%s: LangChain.js pass / quarry-chunk run in the same round, median of %d rounds: %.1fx\n", $1, r, $2 }' "$out/paired"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
