#!/bin/sh
# tokens.sh: checks quarry's BPE token counts against js-tiktoken on several
# MB of real text from this machine (man pages in English and translation,
# program messages in many scripts, Debian docs, and the corpus articles),
# compares their speed, and measures the token estimator on them, on code
# and on the sentence corpora's languages (p50, p99 and max of estimate /
# exact over pieces of about 256 tokens).  Run by
# "make bench" from the build directory (it builds tests/tokcount).
#
#   tests/bench/tokens.sh [RANKDIR]
#
# RANKDIR holds cl100k_base.tiktoken and o200k_base.tiktoken (default: the
# shared corpus).  Exits 1 when any count differs from js-tiktoken's.
set -eu
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
build=$(pwd)
corpus=${QUARRY_CORPUS:-$top_srcdir/../shared/corpus}
ranks=${1:-$corpus/tokenizers}
work=$here/work/tokens
status=0

for enc in cl100k_base o200k_base; do
	if [ ! -r "$ranks/$enc.tiktoken" ]; then
		echo "tokens.sh: $ranks/$enc.tiktoken: not found" >&2
		exit 2
	fi
done
make -s tests/tokcount >/dev/null
tokcount=$build/tests/tokcount
if [ ! -d "$here/node_modules/js-tiktoken" ]; then
	echo "installing js-tiktoken into $here/node_modules" >&2
	(cd "$here" && npm install --silent --no-save --no-package-lock \
	    --prefix "$here" js-tiktoken >/dev/null)
fi

# ------------------------------------------------------------ the corpus
# Each file is capped so that the whole stays a few MB.
man_text() {	# LIMIT PAGES...: pages rendered as plain UTF-8 text
	limit=$1
	shift
	for page in "$@"; do
		mandoc -Tutf8 "$page" 2>/dev/null | col -bx || true
	done | head -c "$limit"
}

mo_text() {	# LIMIT LOCALE: a locale's translated program messages
	for mo in /usr/share/locale/"$2"/LC_MESSAGES/*.mo; do
		[ -e "$mo" ] || continue
		case $mo in */iso_*) continue ;; esac
		msgunfmt --no-wrap "$mo" 2>/dev/null || true
	done | sed -n 's/^msgstr "\(.*\)"$/\1/p' |
	    sed 's/\\n/\n/g; s/\\t/\t/g; s/\\"/"/g; s/\\\\/\\/g' | head -c "$1"
}

if [ ! -s "$work/.done" ]; then
	rm -rf "$work"
	mkdir -p "$work"
	echo "gathering text into $work" >&2
	# shellcheck disable=SC2046
	man_text 3000000 $(ls /usr/share/man/man1/*.gz | head -1200) \
	    >"$work/man1-en.txt"
	man_text 800000 $(ls /usr/share/man/man3/*.gz /usr/share/man/man7/*.gz \
	    2>/dev/null | head -300) >"$work/man37-en.txt"
	for l in de fr es it pl ru uk ja ko zh_CN zh_TW; do
		set -- /usr/share/man/"$l"/man*/*
		[ -e "$1" ] && man_text 300000 "$@" >"$work/man-$l.txt"
	done
	for l in ar he hi bn ta th ka am el fa ja ko zh_CN ru uk vi tr; do
		mo_text 200000 "$l" >"$work/mo-$l.txt"
	done
	find /usr/share/doc -name '*.txt' -size -200k 2>/dev/null | sort |
	    head -400 | xargs cat 2>/dev/null | head -c 1000000 \
	    >"$work/doc-txt.txt"
	if [ -r "$corpus/html-articles/ground-truth.json" ]; then
		node -e 'const g = require(process.argv[1]);
		    for (const k in g) process.stdout.write(
		        (g[k].articleBody || "") + "\n\n");' \
		    "$corpus/html-articles/ground-truth.json" >"$work/articles.txt"
	fi
	# Code: C (this tree's sources) and Python (Debian's own modules).
	cat "$top_srcdir"/src/*.c | head -c 600000 >"$work/code-c.txt"
	find /usr/lib/python3/dist-packages -name '*.py' -size -100k 2>/dev/null |
	    sort | head -300 | xargs cat 2>/dev/null | head -c 600000 \
	    >"$work/code-py.txt"
	# The sentence corpora's texts, one file per language.
	if [ -d "$corpus/sentences" ]; then
		python3 - "$corpus/sentences" "$work" <<'PY'
import collections, glob, json, os, sys
texts = collections.defaultdict(list)
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.jsonl"))):
    for line in open(f, encoding="utf-8"):
        d = json.loads(line)
        if d.get("lang") not in (None, "und"):
            texts[d["lang"]].append(d["text"])
for lang, t in texts.items():
    with open(os.path.join(sys.argv[2], f"sent-{lang}.txt"), "w",
              encoding="utf-8") as o:
        o.write("\n\n".join(t))
PY
	fi
	# Drop empty files and anything that is not valid UTF-8.
	for f in "$work"/*.txt; do
		if [ ! -s "$f" ] || ! iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1
		then
			rm -f "$f"
		fi
	done
	echo ok >"$work/.done"
fi
files=$(ls "$work"/*.txt)
size=$(cat $files | wc -c)
echo "corpus: $(echo $files | wc -w) files, $size bytes ($work)"

# --------------------------------------------------- exactness and speed
for enc in cl100k_base o200k_base; do
	# shellcheck disable=SC2086
	"$tokcount" -t "$ranks/$enc.tiktoken" $files >"$work/ours.$enc" \
	    2>"$work/ours-speed.$enc"
	# shellcheck disable=SC2086
	node "$here/tiktoken-count.mjs" "$enc" $files >"$work/js.$enc" \
	    2>"$work/js-speed.$enc"
	ours=$(sed -n 's/.*: \([0-9.]*\) MB\/s$/\1/p' "$work/ours-speed.$enc")
	js=$(sed -n 's/.*: \([0-9.]*\) MB\/s$/\1/p' "$work/js-speed.$enc")
	load=$(sed -n 's/.*, \([0-9.]*\) ms$/\1/p' "$work/ours-speed.$enc")
	tokens=$(awk '{ n += $1 } END { print n }' "$work/js.$enc")
	if cmp -s "$work/ours.$enc" "$work/js.$enc"; then
		same="all $(wc -l <"$work/js.$enc") files identical"
	else
		same="MISMATCH"
		status=1
		paste -d' ' "$work/ours.$enc" "$work/js.$enc" |
		    awk '$1 != $3 { print "  " $2 ": quarry " $1 ", js-tiktoken " $3 }'
	fi
	awk -v e="$enc" -v o="$ours" -v j="$js" -v t="$tokens" -v s="$same" \
	    -v l="$load" 'BEGIN { printf "%s: %d tokens, %s; quarry %.1f MB/s, js-tiktoken %.1f MB/s, ratio %.1fx; rank file loaded in %s ms\n", e, t, s, o, j, o / j, l }'
done

# ------------------------------------------------------------- estimator
# shellcheck disable=SC2086
"$tokcount" -E -t $files >"$work/est" 2>"$work/est-speed"
echo "estimator: $(sed -n 's/.*: \([0-9.]*\) MB\/s$/\1/p' "$work/est-speed") MB/s; per file (estimate / exact cl100k):"
paste -d' ' "$work/est" "$work/js.cl100k_base" | awk '{
	printf "  %-14s %8d / %8d  %+6.1f%%\n", substr($2, length($2) - 13), $1, $3,
	    100 * ($1 / $3 - 1) }'
for n in 256 512; do
	# shellcheck disable=SC2086
	echo "pieces of ~$n tokens: $("$tokcount" -s "$n" \
	    "$ranks/cl100k_base.tiktoken" $files)"
done
# The distribution of estimate / exact over pieces of about 256 tokens (a
# whole sentence-corpus language is often one piece): the README's table.
echo "estimate / exact cl100k per piece of ~256 tokens, by file:"
# shellcheck disable=SC2086
"$tokcount" -d -s 256 "$ranks/cl100k_base.tiktoken" $files | sed '$d'

exit $status
